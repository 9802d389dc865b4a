"""Children imported from a roster (花名册建档): each row checked as a registration, the writes batched."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from registry.adapters.orm import Base, ChildRow, OrgUnitRow
from registry.adapters.rosters import CHILD_ROSTER
from registry.service_layer import children
from registry.service_layer.access import visible_unit
from registry.service_layer.commands import ChildIn
from shouhu_contracts.org import OrgKind
from shouhu_kit import spreadsheets as xl
from shouhu_kit.auth import Principal
from shouhu_kit.problems import Problem
from shouhu_kit.spreadsheets import Accepted, ImportMode, RosterReport, chunks
from shouhu_kit.uow import UnitOfWork

_CHILDREN, _HISTORY = (Base.metadata.tables[t] for t in ("children", "child_history"))
_TABLE_COLUMNS = [c.key for c in _CHILDREN.columns]
_CODES = ("class_code", "home_village_code")  # looked up, not archive fields


@dataclass
class _Candidate:
    cmd: ChildIn
    klass: OrgUnitRow
    home: OrgUnitRow | None


def _units_by_code(uow: UnitOfWork, codes: Iterable[str | None]) -> dict[str, OrgUnitRow]:
    """The units the file names (classes, villages), one IN query per 500 codes; kept in the session."""
    found: dict[str, OrgUnitRow] = {}
    for part in chunks(sorted({c for c in codes if c})):
        found.update(
            (u.code, u) for u in uow.session.scalars(select(OrgUnitRow).where(OrgUnitRow.code.in_(part)))
        )
    return found


def _class_of(row: xl.Row, unit: OrgUnitRow, units: Mapping[str, OrgUnitRow]) -> OrgUnitRow | None:
    """The row's class under the unit; None when the row's class code fails (noted on the row)."""
    code = row.get("class_code")
    if code is None:
        if unit.kind == OrgKind.CLASS.value:
            return unit
        row.fail("class_code", "必填字段缺失", "required above a class")
        return None
    klass = units.get(code)
    # Unknown and out of scope read the same: a code elsewhere in the city reveals nothing.
    if klass is None or not klass.path_text.startswith(unit.path_text):
        row.fail(
            "class_code",
            f"班级代码“{code}”不存在或不在所选单位之下",
            f"class {code!r} is unknown or outside the unit",
        )
        return None
    if klass.kind != OrgKind.CLASS.value:
        row.fail("class_code", f"“{code}”不是班级", f"{code!r} is not a class")
        return None
    return klass


def _archive_fields(row: xl.Row) -> dict[str, Any]:
    """The row's cells as ChildIn's fields (father.phone → father: {phone}); the codes are left out."""
    data: dict[str, Any] = {}
    for key, value in row.values.items():
        if key not in _CODES:
            head, _, sub = key.partition(".")
            (data.setdefault(head, {}) if sub else data)[sub or key] = value
    return data


def _child_row(uow: UnitOfWork, row: xl.Row, unit: OrgUnitRow, units: Mapping[str, OrgUnitRow]) -> _Candidate:
    """Validate a row as the API validates a registration: ChildIn, then register_child's checks."""
    data = _archive_fields(row)
    klass = _class_of(row, unit, units)
    data["class_id"] = unit.id if klass is None else klass.id
    if (village := row.get("home_village_code")) is not None:
        if village in units:
            data["home_village_id"] = units[village].id  # whether it is a village: register_child's check
        else:
            row.fail("home_village_code", f"代码“{village}”不存在", f"unknown code {village!r}")
    cmd = ChildIn.model_validate(data)
    # Future dates, the home village's kind (villages are in the session: no query); IDs go per batch.
    home = children.check_archive(uow, cmd.model_copy(update={"id_number": None}), child_id=None)
    if klass is None:
        raise xl.RowInvalid()  # why is on the row already
    return _Candidate(cmd, klass, home)


def _without_registered(
    uow: UnitOfWork, candidates: list[Accepted[_Candidate]]
) -> list[Accepted[_Candidate]]:
    """Drop ID numbers already registered (one IN query per 500)."""
    numbers = sorted({c.command.cmd.id_number for c in candidates if c.command.cmd.id_number})
    existing: dict[str | None, uuid.UUID] = {}
    for part in chunks(numbers):
        query = select(ChildRow.id_number, ChildRow.id).where(ChildRow.id_number.in_(part))
        existing.update((number, child) for number, child in uow.session.execute(query))
    keep = []
    for c in candidates:
        if (found := existing.get(c.command.cmd.id_number)) is not None:
            c.report.fail(
                "duplicate",
                [CHILD_ROSTER.error("id_number", "该身份证号已建档 / already registered")],
                existing_child_id=str(found),
            )
        else:
            keep.append(c)
    return keep


def _register_all(uow: UnitOfWork, candidates: list[Accepted[_Candidate]], principal: Principal) -> None:
    """register_child's effect for each row, the I/O batched: archive rows, history rows, an event each."""
    now = uow.now()
    rows, history, events = [], [], []
    for c in candidates:
        new = c.command
        row, event, changes = children.new_child(cmd=new.cmd, klass=new.klass, home=new.home, now=now)
        rows.append({k: getattr(row, k) for k in _TABLE_COLUMNS})
        history.append(
            {
                "child_id": row.id,
                "at": now,
                "actor": principal.subject,
                "action": "registered",
                "changes": changes,
            }
        )
        events.append(event)
        c.report.extra["child_id"] = str(row.id)
    try:
        for part in chunks(rows, 1000):
            uow.session.execute(insert(_CHILDREN), part)
        for part in chunks(history, 1000):
            uow.session.execute(insert(_HISTORY), part)
    except IntegrityError as exc:  # one of these ID numbers was registered meanwhile
        raise Problem(
            status=409,
            slug="roster-conflict",
            title="导入期间有儿童被他人建档，请重新导入",
            title_en="A child in the file was registered meanwhile: import again",
        ) from exc
    for batch in chunks(events, 1000):
        uow.publish_many(batch)


def import_children(
    *, uow: UnitOfWork, data: bytes, filename: str, unit_id: uuid.UUID, mode: ImportMode, principal: Principal
) -> RosterReport:
    """Register the roster's rows into classes under the unit (建档) in one commit; strict mode may refuse."""
    with uow:
        report = _import(
            uow=uow, data=data, filename=filename, unit_id=unit_id, mode=mode, principal=principal
        )
        if report.imported:
            uow.commit()
        return report


def _import(
    *, uow: UnitOfWork, data: bytes, filename: str, unit_id: uuid.UUID, mode: ImportMode, principal: Principal
) -> RosterReport:
    unit = visible_unit(uow, unit_id, principal)
    # Above a class, each row names its class.
    roster = CHILD_ROSTER if unit.kind == OrgKind.CLASS.value else CHILD_ROSTER.requiring("class_code")
    file = xl.read_roster(data=data, filename=filename, roster=roster)
    units = _units_by_code(uow, (r.get(k) for r in file.rows for k in _CODES))
    report, candidates = xl.import_rows(file, to_command=lambda row: _child_row(uow, row, unit, units))
    accepted = xl.drop_duplicates_in_file(
        _without_registered(uow, candidates), key="id_number", value=lambda c: c.cmd.id_number, roster=roster
    )
    if report.decide(mode):
        _register_all(uow, accepted, principal)
    return report
