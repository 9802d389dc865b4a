"""Who sees what: scope checks, masking of phones and ID numbers, and the audit of sensitive reads."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from registry.adapters.orm import AuditRow, ChildRow, OrgUnitRow
from registry.service_layer.helper_access import is_paired
from registry.service_layer.read_models import AuditOut
from shouhu_kit.auth import Principal, Role
from shouhu_kit.org.paths import decode_path
from shouhu_kit.problems import invalid_request, not_found
from shouhu_kit.uow import UnitOfWork

# Phones are needed by those who call the families; ID numbers by those who verify identity.
# A helper calls their paired children's families (每月通一次电话) and reaches no other child
# (visible_child), so a helper sees phones too; never ID numbers.
PHONE_ROLES = frozenset(
    {Role.ADMIN, Role.TEACHER, Role.SCHOOL_ADMIN, Role.VILLAGE_DIRECTOR, Role.TOWNSHIP_ADMIN, Role.HELPER}
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
    """The child, or 404 when missing or outside the caller's scope (no existence leak).

    A helper's scope is their active pairings, not their org unit; everyone else's is their subtree,
    on the school side or by the child's home village.
    """
    row = uow.session.get(ChildRow, child_id)
    if row is None or not _may_see(uow, row, principal):
        raise not_found("儿童档案", "Child")
    return row


def _may_see(uow: UnitOfWork, row: ChildRow, principal: Principal) -> bool:
    if principal.role is Role.HELPER:
        return is_paired(uow, helper_account=principal.subject, child_id=row.id)
    return principal.sees(decode_path(row.org_path_text)) or (
        row.home_path_text is not None and principal.sees(decode_path(row.home_path_text))
    )


def audit(
    uow: UnitOfWork,
    *,
    principal: Principal,
    action: str,
    child_id: uuid.UUID | None,
    detail: str,
    unit_id: uuid.UUID | None = None,
) -> None:
    """Record a sensitive read (committed by the use case that reads)."""
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


def read_audit_log(
    *,
    uow: UnitOfWork,
    child_id: uuid.UUID | None,
    unit_id: uuid.UUID | None,
    limit: int,
    principal: Principal,
) -> list[AuditOut]:
    """The sensitive reads of one child, or the roster exports of one unit, newest first."""
    if (child_id is None) == (unit_id is None):
        raise invalid_request(
            [
                {
                    "field": "child_id",
                    "message": "须且只能指定 child_id 或 unit_id 之一",
                    "message_en": "give exactly one of child_id and unit_id",
                }
            ]
        )
    with uow:
        if child_id is not None:
            visible_child(uow, child_id, principal)
            where = AuditRow.child_id == child_id
        else:
            assert unit_id is not None
            visible_unit(uow, unit_id, principal)
            where = AuditRow.unit_id == unit_id
        rows = uow.session.scalars(select(AuditRow).where(where).order_by(AuditRow.id.desc()).limit(limit))
        return [AuditOut.model_validate(r, from_attributes=True) for r in rows]
