"""A unit's children exported as a roster (花名册导出): re-importable, masked unless the role needs them."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from registry.adapters.orm import ChildRow, OrgUnitRow
from registry.adapters.rosters import CHILD_COLUMNS, roster_xlsx
from registry.domain.archive import flatten
from registry.domain.identity import mask_id_number
from registry.service_layer import children
from registry.service_layer.access import ID_NUMBER_ROLES, PHONE_ROLES, audit, visible_unit
from registry.service_layer.commands import ZH_LABELS
from registry.service_layer.queries import in_scope
from shouhu_contracts.org import ChildStatus, Gender, GuardianshipRating, LeftBehindType
from shouhu_kit.auth import Principal
from shouhu_kit.phones import display_phone, mask_phone
from shouhu_kit.uow import UnitOfWork

# Export writes each value's first Chinese label in the API's own table (男, 父母双方外出, 好 …).
_ZH = {v: k for e in (Gender, LeftBehindType, GuardianshipRating) for k, v in reversed(ZH_LABELS[e].items())}
Shown = Callable[[str | None], str | None]
# (cell, what it reveals, how it is masked, how it is shown unmasked): phones as Chinese users write them.
_MASKED: list[tuple[str, str, Shown, Shown]] = [
    *((f"{p}.phone", "phones", mask_phone, display_phone) for p in ("father", "mother", "guardian")),
    ("id_number", "id_number", mask_id_number, lambda value: value),
]


def _roster_cells(child: ChildRow, class_code: str, village_code: str | None) -> dict[str, Any]:
    """A child's archive in the template's keys, choices in Chinese as the import reads them."""
    cells = flatten(
        {**children.archive_doc(child), "class_code": class_code, "home_village_code": village_code}
    )
    cells.update(
        {
            k: _ZH.get(cells[k], cells[k])
            for k in ("gender", "left_behind_type", "guardian.rating")
            if cells.get(k)
        }
    )
    cells["boarding"] = "是" if child.boarding else "否"
    return cells


def export_children(
    *, uow: UnitOfWork, unit_id: uuid.UUID, status: ChildStatus | None, principal: Principal
) -> tuple[bytes, str]:
    """The unit's children in the template's columns (re-importable); an unmasked export is audited."""
    with uow:
        lines, unit = _lines(uow=uow, unit_id=unit_id, status=status, principal=principal)
        filename = f"花名册-{unit.name}.xlsx"
        uow.commit()
    return roster_xlsx(lines), filename  # the workbook is written after the transaction


def _lines(
    *, uow: UnitOfWork, unit_id: uuid.UUID, status: ChildStatus | None, principal: Principal
) -> tuple[list[list[Any]], OrgUnitRow]:
    """The rows of the export, masked unless the role needs them, and the unit; audits what it reveals."""
    unit = visible_unit(uow, unit_id, principal)
    klass, village = aliased(OrgUnitRow), aliased(OrgUnitRow)
    query = (
        select(ChildRow, klass.code, village.code)
        .join(klass, klass.id == ChildRow.class_id)
        .outerjoin(village, village.id == ChildRow.home_village_id)
        .where(in_scope(unit.path_text))
        .order_by(klass.code, ChildRow.name, ChildRow.id)
    )
    if status is not None:
        query = query.where(ChildRow.status == status.value)
    show = {"phones": principal.role in PHONE_ROLES, "id_number": principal.role in ID_NUMBER_ROLES}
    lines, revealed = [], set()
    for child, class_code, village_code in uow.session.execute(query):
        cells = _roster_cells(child, class_code, village_code)
        for key, kind, mask, unmasked in _MASKED:
            if cells.get(key) and show[kind]:
                revealed.add(kind)
                cells[key] = unmasked(cells[key])
            elif cells.get(key):
                cells[key] = mask(cells[key])
        lines.append([cells.get(c.key) for c in CHILD_COLUMNS])
    if revealed:  # one audit row per export that shows phones or ID numbers unmasked
        shown = ",".join(sorted(revealed))
        detail = f"花名册导出 unit={unit.id}（{unit.name}）children={len(lines)} unmasked={shown}"
        audit(uow, principal=principal, action="export_roster", child_id=None, detail=detail, unit_id=unit.id)
    return lines, unit
