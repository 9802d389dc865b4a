"""Who sees what: scope checks, masking of phones and ID numbers, and the audit of sensitive reads."""

from __future__ import annotations

import uuid

from registry.adapters.orm import AuditRow, ChildRow, OrgUnitRow
from shouhu_kit.auth import Principal, Role
from shouhu_kit.org.paths import decode_path
from shouhu_kit.problems import not_found
from shouhu_kit.uow import UnitOfWork

# Phones are needed by those who call the families; ID numbers by those who verify identity.
PHONE_ROLES = frozenset(
    {Role.ADMIN, Role.TEACHER, Role.SCHOOL_ADMIN, Role.VILLAGE_DIRECTOR, Role.TOWNSHIP_ADMIN}
)
ID_NUMBER_ROLES = frozenset({Role.ADMIN, Role.SCHOOL_ADMIN, Role.TOWNSHIP_ADMIN, Role.DISTRICT_ADMIN})
# Counselling notes (心理辅导记录) are for the school's teachers and head only.
COUNSELLING_ROLES = frozenset({Role.TEACHER, Role.SCHOOL_ADMIN})


def visible_unit(uow: UnitOfWork, unit_id: uuid.UUID, principal: Principal) -> OrgUnitRow:
    """The unit, or 404 when missing or outside the caller's scope (no existence leak)."""
    row = uow.session.get(OrgUnitRow, unit_id)
    if row is None or not principal.sees(row.path):
        raise not_found("组织单元", "Org unit")
    return row


def visible_child(uow: UnitOfWork, child_id: uuid.UUID, principal: Principal) -> ChildRow:
    """The child, or 404 when missing or outside the caller's scope (school side or home village)."""
    row = uow.session.get(ChildRow, child_id)
    if row is None or not (
        principal.sees(decode_path(row.org_path_text))
        or (row.home_path_text is not None and principal.sees(decode_path(row.home_path_text)))
    ):
        raise not_found("儿童档案", "Child")
    return row


def audit(
    uow: UnitOfWork,
    *,
    principal: Principal,
    action: str,
    child_id: uuid.UUID | None,
    detail: str,
    unit_id: uuid.UUID | None = None,
) -> None:
    """Record a sensitive read (committed with the request's unit of work)."""
    uow.session.add(
        AuditRow(
            at=uow.now(),
            actor=principal.subject,
            role=principal.role.value,
            action=action,
            child_id=child_id,
            unit_id=unit_id,
            detail=detail,
        )
    )
