"""Children imported from a roster (花名册建档): each row checked as a registration, the writes batched."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from pydantic import ValidationError
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from registry.adapters import spreadsheets as xl
from registry.adapters.orm import Base, ChildRow, OrgUnitRow
from registry.service_layer import children
from registry.service_layer.access import visible_unit
from registry.service_layer.commands import ChildIn
from registry.service_layer.roster_import import (
    ImportMode,
    RosterReport,
    RowReport,
    chunks,
    load_sheet,
    problem_errors,
    row_error,
    validation_errors,
)
from shouhu_contracts.org import OrgKind
from shouhu_kit.auth import Principal
from shouhu_kit.problems import Problem
from shouhu_kit.uow import UnitOfWork

CHILD_HEADERS = {c.key: c.header for c in xl.CHILD_COLUMNS}
_CHILDREN, _HISTORY = (Base.metadata.tables[t] for t in ("children", "child_history"))
_TABLE_COLUMNS = [c.key for c in _CHILDREN.columns]


@dataclass
class _Candidate:
    report: RowReport
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


def _class_of(code: str | None, unit: OrgUnitRow, units: Mapping[str, OrgUnitRow]) -> OrgUnitRow | str:
    """The row's class under the unit, or why not ('中文 / English')."""
    if code is None:
        return unit if unit.kind == OrgKind.CLASS.value else "必填字段缺失 / required above a class"
    klass = units.get(code)
    # Unknown and out of scope read the same: a code elsewhere in the city reveals nothing.
    if klass is None or not klass.path_text.startswith(unit.path_text):
        return f"班级代码“{code}”不存在或不在所选单位之下 / class {code!r} is unknown or outside the unit"
    return klass if klass.kind == OrgKind.CLASS.value else f"“{code}”不是班级 / {code!r} is not a class"


def _archive_fields(record: Mapping[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The row's cells as ChildIn's fields (father.phone → father: {phone}); the codes are left out."""
    errors: list[dict[str, Any]] = []
    data: dict[str, Any] = {}
    for key, raw in record.items():
        value = None if key in ("class_code", "home_village_code") else xl.cell_value(key=key, raw=raw)
        if isinstance(value, str) and key == "id_number" and xl.looks_mangled(value):
            errors.append(
                row_error(
                    key,
                    "身份证号被 Excel 改成了科学计数法，请将该列设为文本后重填 / "
                    "Excel turned the ID number into E notation: make the column text",
                    CHILD_HEADERS,
                )
            )
        elif value is not None:
            head, _, sub = key.partition(".")
            (data.setdefault(head, {}) if sub else data)[sub or key] = value
    return data, errors


def _child_row(
    uow: UnitOfWork,
    record: Mapping[str, Any],
    unit: OrgUnitRow,
    units: Mapping[str, OrgUnitRow],
    row: RowReport,
) -> _Candidate | None:
    """Validate a row as the API validates a registration: ChildIn, then register_child's checks."""
    data, errors = _archive_fields(record)
    klass = _class_of(xl.cell_text(record.get("class_code")), unit, units)
    if isinstance(klass, str):
        errors.append(row_error("class_code", klass, CHILD_HEADERS))
    data["class_id"] = klass.id if isinstance(klass, OrgUnitRow) else unit.id
    if (village := xl.cell_text(record.get("home_village_code"))) is not None:
        if village in units:
            data["home_village_id"] = units[village].id  # whether it is a village: register_child's check
        else:
            errors.append(
                row_error(
                    "home_village_code", f"代码“{village}”不存在 / unknown code {village!r}", CHILD_HEADERS
                )
            )
    cmd = home = None
    try:
        cmd = ChildIn.model_validate(data)
        # Future dates, the home village's kind (villages are in the session: no query); IDs go per batch.
        home = children.check_archive(uow, cmd.model_copy(update={"id_number": None}), child_id=None)
    except ValidationError as exc:
        errors += validation_errors(exc, CHILD_HEADERS)
    except Problem as exc:
        errors += problem_errors(exc, CHILD_HEADERS)
    if errors or cmd is None or isinstance(klass, str):
        row.fail("rejected", errors)
        return None
    return _Candidate(row, cmd, klass, home)


def _without_duplicates(uow: UnitOfWork, candidates: list[_Candidate]) -> list[_Candidate]:
    """Drop ID numbers already registered (one IN query per 500) or seen earlier in the file."""
    numbers = sorted({c.cmd.id_number for c in candidates if c.cmd.id_number})
    existing: dict[str | None, uuid.UUID] = {}
    for part in chunks(numbers):
        query = select(ChildRow.id_number, ChildRow.id).where(ChildRow.id_number.in_(part))
        existing.update((number, child) for number, child in uow.session.execute(query))
    seen: dict[str | None, int] = {}
    keep = []
    for c in candidates:
        number = c.cmd.id_number
        if number in existing:
            c.report.fail(
                "duplicate",
                [row_error("id_number", "该身份证号已建档 / already registered", CHILD_HEADERS)],
                existing_child_id=str(existing[number]),
            )
        elif number in seen:
            text = f"与第 {seen[number]} 行身份证号重复 / same ID number as row {seen[number]}"
            c.report.fail(
                "duplicate", [row_error("id_number", text, CHILD_HEADERS)], duplicate_of_row=seen[number]
            )
        else:
            seen.update({number: c.report.row} if number else {})
            keep.append(c)
    return keep


def _register_all(uow: UnitOfWork, candidates: list[_Candidate], principal: Principal) -> None:
    """register_child's effect for each row, the I/O batched: archive rows, history rows, an event each."""
    now = uow.now()
    rows, history, events = [], [], []
    for c in candidates:
        row, event, changes = children.new_child(cmd=c.cmd, klass=c.klass, home=c.home, now=now)
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
    columns = xl.CHILD_COLUMNS
    if unit.kind != OrgKind.CLASS.value:  # above a class, each row names its class
        columns = tuple(replace(c, required=c.required or c.key == "class_code") for c in columns)
    sheet, where = load_sheet(data=data, filename=filename, columns=columns)
    records = [(n, {k: cells[i] for k, i in where.index.items()}) for n, cells in sheet.rows]
    units = _units_by_code(
        uow, (xl.cell_text(r.get(k)) for _, r in records for k in ("class_code", "home_village_code"))
    )
    report = RosterReport(ignored_columns=sorted(set(where.others.values())))
    candidates = [c for n, r in records if (c := _child_row(uow, r, unit, units, report.add(n))) is not None]
    accepted = _without_duplicates(uow, candidates)
    if mode is ImportMode.PARTIAL or report.clean:
        _register_all(uow, accepted, principal)
        report.imported = True
    return report
