"""Archives as a caller may see them: masked unless the role needs the value; unmasked reads are audited.

These run inside a use case's unit of work, which commits the audit rows they add.
"""

from __future__ import annotations

from typing import Any

from registry.adapters.orm import ChildHistoryRow, ChildRow, OrgUnitRow
from registry.domain.archive import CONTACT_LABELS
from registry.domain.identity import mask_id_number
from registry.service_layer.access import ID_NUMBER_ROLES, PHONE_ROLES, audit
from registry.service_layer.read_models import ChildOut, HistoryEntryOut, OrgUnitOut
from shouhu_contracts.org import OrgKind
from shouhu_kit.auth import Principal
from shouhu_kit.org.paths import decode_path
from shouhu_kit.phones import mask_phone
from shouhu_kit.uow import UnitOfWork


def unit_out(row: OrgUnitRow) -> OrgUnitOut:
    """An org unit."""
    return OrgUnitOut(
        id=row.id,
        kind=OrgKind(row.kind),
        code=row.code,
        name=row.name,
        parent_id=row.parent_id,
        path=row.path,
        created_at=row.created_at,
    )


def missing_list(row: ChildRow) -> list[str]:
    """The contact-card fields the archive lacks."""
    return [m for m in row.missing_contacts.split(",") if m]


def _phone(doc: dict[str, Any] | None, show: bool) -> dict[str, Any] | None:
    if doc is None:
        return None
    return doc if show else {**doc, "phone": mask_phone(doc.get("phone"))}


def child_out(uow: UnitOfWork, row: ChildRow, principal: Principal) -> ChildOut:
    """The archive as this caller may see it; reading unmasked phones or ID numbers is audited."""
    show_phone = principal.role in PHONE_ROLES
    show_id = principal.role in ID_NUMBER_ROLES
    revealed = []
    if show_phone and any(d and d.get("phone") for d in (row.father, row.mother, row.guardian)):
        revealed.append("phones")
    if show_id and row.id_number:
        revealed.append("id_number")
    if revealed:
        audit(uow, principal=principal, action="read_sensitive", child_id=row.id, detail=",".join(revealed))
    missing = missing_list(row)
    return ChildOut(
        id=row.id,
        name=row.name,
        gender=row.gender,
        birth_date=row.birth_date,
        ethnicity=row.ethnicity,
        id_number=row.id_number if show_id else mask_id_number(row.id_number),
        class_id=row.class_id,
        school_id=row.school_id,
        org_path=decode_path(row.org_path_text),
        home_village_id=row.home_village_id,
        home_address=row.home_address,
        boarding=row.boarding,
        left_behind_type=row.left_behind_type,
        father=_phone(row.father, show_phone),
        mother=_phone(row.mother, show_phone),
        guardian=_phone(row.guardian, show_phone),
        has_guardian=row.has_guardian,
        missing_contacts=missing,
        missing_contacts_zh=[CONTACT_LABELS[m] for m in missing],
        status=row.status,
        exit_reason=row.exit_reason,
        exit_kind=row.exit_kind,
        version=row.version,
        registered_at=row.registered_at,
        updated_at=row.updated_at,
    )


def history_out(row: ChildHistoryRow, principal: Principal) -> HistoryEntryOut:
    """One change to an archive, its phones and ID numbers masked as in the archive itself."""
    changes = []
    for c in row.changes:
        if c["field"].endswith("phone") and principal.role not in PHONE_ROLES:
            c = {**c, "old": mask_phone(c["old"]), "new": mask_phone(c["new"])}
        elif c["field"] == "id_number" and principal.role not in ID_NUMBER_ROLES:
            c = {**c, "old": mask_id_number(c["old"]), "new": mask_id_number(c["new"])}
        changes.append(c)
    return HistoryEntryOut(at=row.at, actor=row.actor, action=row.action, changes=changes)
