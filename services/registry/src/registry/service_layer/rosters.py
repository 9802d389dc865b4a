"""Class rosters (花名册): children and term results imported in bulk from spreadsheets, and exported."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import ValidationError
from sqlalchemy import insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from registry.adapters import spreadsheets as xl
from registry.adapters.orm import Base, ChildRow, OrgUnitRow
from registry.domain.archive import flatten
from registry.domain.identity import InvalidIdentity, mask_id_number, mask_phone, normalize_id_number
from registry.domain.terms import valid_term
from registry.service_layer import children
from registry.service_layer.access import ID_NUMBER_ROLES, PHONE_ROLES, audit, visible_unit
from registry.service_layer.commands import ZH_LABELS, ChildIn, TermResultIn
from registry.service_layer.results import record_term_result
from shouhu_contracts.org import ChildStatus, Gender, GuardianshipRating, LeftBehindType, OrgKind
from shouhu_kit.auth import Principal
from shouhu_kit.errors import Problem, field_errors, invalid_request
from shouhu_kit.uow import UnitOfWork

T = TypeVar("T")
CHILD_HEADERS = {c.key: c.header for c in xl.CHILD_COLUMNS}
TERM_HEADERS = {c.key: c.header for c in xl.TERM_COLUMNS} | {"class_size": "班级排名"}
# Where a rule names a command field, the report names the spreadsheet column.
_FIELD_TO_KEY = {"class_id": "class_code", "home_village_id": "home_village_code"}
# Export writes each value's first Chinese label in the API's own table (男, 父母双方外出, 好 …).
_ZH = {v: k for e in (Gender, LeftBehindType, GuardianshipRating) for k, v in reversed(ZH_LABELS[e].items())}
_CHILDREN, _HISTORY = (Base.metadata.tables[t] for t in ("children", "child_history"))
_TABLE_COLUMNS = [c.key for c in _CHILDREN.columns]
_MASKED = [(f"{p}.phone", "phones", mask_phone) for p in ("father", "mother", "guardian")] + [
    ("id_number", "id_number", mask_id_number)
]


class ImportMode(StrEnum):
    """partial: import the good rows and report the bad; strict: every row or none."""

    PARTIAL = "partial"
    STRICT = "strict"


@dataclass
class RowReport:
    """One data row's outcome: accepted, rejected (errors per column) or duplicate."""

    row: int
    status: str = "accepted"
    errors: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def fail(self, status: str, errors: list[dict[str, Any]], **extra: Any) -> None:
        """Mark the row rejected or duplicate, with why."""
        self.status, self.errors = status, [*self.errors, *errors]
        self.extra.update(extra)


@dataclass
class RosterReport:
    """The per-row report of an import; `imported` is False when strict mode refused the file."""

    rows: list[RowReport] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    imported: bool = False

    def add(self, number: int) -> RowReport:
        """A new row's report, accepted until proven otherwise."""
        self.rows.append(RowReport(row=number))
        return self.rows[-1]

    @property
    def clean(self) -> bool:
        """True when every row was accepted."""
        return all(r.status == "accepted" for r in self.rows)

    def doc(self) -> dict[str, Any]:
        """The report as JSON: counts, then each row."""
        count = {s: sum(r.status == s for r in self.rows) for s in ("accepted", "rejected", "duplicate")}
        return {
            "total": len(self.rows),
            "accepted": count["accepted"],
            "rejected": count["rejected"],
            "duplicates": count["duplicate"],
            "imported": self.imported,
            "ignored_columns": self.ignored_columns,
            "rows": [{"row": r.row, "status": r.status, **r.extra, "errors": r.errors} for r in self.rows],
        }


def _error(key: str, text: str, headers: Mapping[str, str]) -> dict[str, Any]:
    """A row error from '中文 / English', naming the column as the spreadsheet shows it."""
    zh, _, en = text.partition(" / ")
    key = _FIELD_TO_KEY.get(key, key)
    return {"column": headers.get(key, key), "field": key, "message": zh, "message_en": en or zh}


def _validation_errors(exc: ValidationError, headers: Mapping[str, str]) -> list[dict[str, Any]]:
    """The API's own validation messages, their locations mapped back to columns (subjects by name)."""
    out = []
    for err, doc in zip(exc.errors(), field_errors(exc.errors()), strict=True):
        loc = [str(p) for p in err["loc"]]
        key = loc[1] if loc[0] == "subjects" and len(loc) > 1 else ".".join(loc)
        out.append(_error(key, f"{doc['message']} / {doc['message_en']}", headers))
    return out


def _problem_errors(problem: Problem, headers: Mapping[str, str]) -> list[dict[str, Any]]:
    """A use case's 422 errors, mapped to columns."""
    errors = problem.extra.get("errors") or [{"field": "", "message": problem.title, "message_en": ""}]
    return [_error(e["field"], f"{e['message']} / {e['message_en']}", headers) for e in errors]


def _chunks(items: Sequence[T], size: int = 500) -> Iterator[Sequence[T]]:
    """Slices small enough for one IN list or one multi-row INSERT, on SQLite and PostgreSQL."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _load_sheet(*, data: bytes, filename: str, columns: Sequence[xl.Column]) -> tuple[xl.Sheet, xl.HeaderMap]:
    """Read an upload and map its header: 413, 415 or 422 problems for what cannot be a roster."""
    try:
        sheet = xl.read_sheet(data=data, filename=filename, columns=columns)
        where = xl.map_headers(headers=sheet.headers, columns=columns)
    except xl.SheetError as exc:
        raise Problem(
            status={"size": 413, "rows": 413, "type": 415}.get(exc.reason, 422),
            slug=f"roster-{exc.reason}",
            title="无法导入该文件",
            title_en="Cannot import this file",
            detail=exc.zh,
            detail_en=exc.en,
        ) from exc
    if missing := [c for c in columns if c.required and c.key not in where.index]:
        raise Problem(
            status=422,
            slug="roster-header",
            title="缺少必填列",
            title_en="Required columns are missing",
            detail="缺少：" + "、".join(c.header for c in missing),
            detail_en="missing: " + ", ".join(c.key for c in missing),
            errors=[_error(c.key, "缺少该列 / column missing", {c.key: c.header}) for c in missing],
        )
    if not sheet.rows:
        raise Problem(status=422, slug="roster-empty", title="文件中没有数据行", title_en="No data rows")
    return sheet, where


@dataclass
class _Candidate:
    report: RowReport
    cmd: ChildIn
    klass: OrgUnitRow
    home: OrgUnitRow | None


def _units_by_code(uow: UnitOfWork, codes: Iterable[str | None]) -> dict[str, OrgUnitRow]:
    """The units the file names (classes, villages), one IN query per 500 codes; kept in the session."""
    found: dict[str, OrgUnitRow] = {}
    for part in _chunks(sorted({c for c in codes if c})):
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


def _child_row(
    uow: UnitOfWork,
    record: Mapping[str, Any],
    unit: OrgUnitRow,
    units: Mapping[str, OrgUnitRow],
    row: RowReport,
) -> _Candidate | None:
    """Validate a row as the API validates a registration: ChildIn, then register_child's checks."""
    errors: list[dict[str, Any]] = []
    data: dict[str, Any] = {}
    for key, raw in record.items():
        value = None if key in ("class_code", "home_village_code") else xl.cell_value(key=key, raw=raw)
        if isinstance(value, str) and key == "id_number" and xl.looks_mangled(value):
            errors.append(
                _error(
                    key,
                    "身份证号被 Excel 改成了科学计数法，请将该列设为文本后重填 / "
                    "Excel turned the ID number into E notation: make the column text",
                    CHILD_HEADERS,
                )
            )
        elif value is not None:
            head, _, sub = key.partition(".")
            (data.setdefault(head, {}) if sub else data)[sub or key] = value
    klass = _class_of(xl.cell_text(record.get("class_code")), unit, units)
    if isinstance(klass, str):
        errors.append(_error("class_code", klass, CHILD_HEADERS))
    data["class_id"] = klass.id if isinstance(klass, OrgUnitRow) else unit.id
    if (village := xl.cell_text(record.get("home_village_code"))) is not None:
        if village in units:
            data["home_village_id"] = units[village].id  # whether it is a village: register_child's check
        else:
            errors.append(
                _error(
                    "home_village_code", f"代码“{village}”不存在 / unknown code {village!r}", CHILD_HEADERS
                )
            )
    cmd = home = None
    try:
        cmd = ChildIn.model_validate(data)
        # Future dates, the home village's kind (villages are in the session: no query); IDs go per batch.
        home = children.check_archive(uow, cmd.model_copy(update={"id_number": None}), child_id=None)
    except ValidationError as exc:
        errors += _validation_errors(exc, CHILD_HEADERS)
    except Problem as exc:
        errors += _problem_errors(exc, CHILD_HEADERS)
    if errors or cmd is None or isinstance(klass, str):
        row.fail("rejected", errors)
        return None
    return _Candidate(row, cmd, klass, home)


def _without_duplicates(uow: UnitOfWork, candidates: list[_Candidate]) -> list[_Candidate]:
    """Drop ID numbers already registered (one IN query per 500) or seen earlier in the file."""
    numbers = sorted({c.cmd.id_number for c in candidates if c.cmd.id_number})
    existing: dict[str | None, uuid.UUID] = {}
    for part in _chunks(numbers):
        query = select(ChildRow.id_number, ChildRow.id).where(ChildRow.id_number.in_(part))
        existing.update((number, child) for number, child in uow.session.execute(query))
    seen: dict[str | None, int] = {}
    keep = []
    for c in candidates:
        number = c.cmd.id_number
        if number in existing:
            c.report.fail(
                "duplicate",
                [_error("id_number", "该身份证号已建档 / already registered", CHILD_HEADERS)],
                existing_child_id=str(existing[number]),
            )
        elif number in seen:
            text = f"与第 {seen[number]} 行身份证号重复 / same ID number as row {seen[number]}"
            c.report.fail(
                "duplicate", [_error("id_number", text, CHILD_HEADERS)], duplicate_of_row=seen[number]
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
        for part in _chunks(rows, 1000):
            uow.session.execute(insert(_CHILDREN), part)
        for part in _chunks(history, 1000):
            uow.session.execute(insert(_HISTORY), part)
    except IntegrityError as exc:  # one of these ID numbers was registered meanwhile
        raise Problem(
            status=409,
            slug="roster-conflict",
            title="导入期间有儿童被他人建档，请重新导入",
            title_en="A child in the file was registered meanwhile: import again",
        ) from exc
    for batch in _chunks(events, 1000):
        uow.publish_many(batch)


def import_children(
    *, uow: UnitOfWork, data: bytes, filename: str, unit_id: uuid.UUID, mode: ImportMode, principal: Principal
) -> RosterReport:
    """Register the roster's rows into classes under the unit (建档), one transaction; the caller commits."""
    unit = visible_unit(uow, unit_id, principal)
    columns = xl.CHILD_COLUMNS
    if unit.kind != OrgKind.CLASS.value:  # above a class, each row names its class
        columns = tuple(replace(c, required=c.required or c.key == "class_code") for c in columns)
    sheet, where = _load_sheet(data=data, filename=filename, columns=columns)
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


def export_children(
    *, uow: UnitOfWork, unit_id: uuid.UUID, status: ChildStatus | None, principal: Principal
) -> tuple[bytes, str]:
    """The unit's children in the template's columns (re-importable), masked unless the role needs them."""
    unit = visible_unit(uow, unit_id, principal)
    klass, village = aliased(OrgUnitRow), aliased(OrgUnitRow)
    query = (
        select(ChildRow, klass.code, village.code)
        .join(klass, klass.id == ChildRow.class_id)
        .outerjoin(village, village.id == ChildRow.home_village_id)
        .where(
            or_(
                ChildRow.org_path_text.startswith(unit.path_text),
                ChildRow.home_path_text.startswith(unit.path_text),
            )
        )
        .order_by(klass.code, ChildRow.name, ChildRow.id)
    )
    if status is not None:
        query = query.where(ChildRow.status == status.value)
    show = {"phones": principal.role in PHONE_ROLES, "id_number": principal.role in ID_NUMBER_ROLES}
    lines, revealed = [], set()
    for child, class_code, village_code in uow.session.execute(query):
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
        for key, kind, mask in _MASKED:
            if cells.get(key) and show[kind]:
                revealed.add(kind)
            elif cells.get(key):
                cells[key] = mask(cells[key])
        lines.append([cells.get(c.key) for c in xl.CHILD_COLUMNS])
    if revealed:  # one audit row per export that shows phones or ID numbers unmasked
        shown = ",".join(sorted(revealed))
        detail = f"花名册导出 unit={unit.id}（{unit.name}）children={len(lines)} unmasked={shown}"
        audit(uow, principal=principal, action="export_roster", child_id=None, detail=detail, unit_id=unit.id)
    return xl.roster_xlsx(lines), f"花名册-{unit.name}.xlsx"


def report_xlsx(report: RosterReport) -> bytes:
    """The report as a workbook with Chinese headers: 行号, 结果, 儿童编号, 问题."""
    label = {
        "accepted": "已导入" if report.imported else "无误（未导入）",
        "rejected": "有误",
        "duplicate": "重复",
    }
    lines = (
        [
            r.row,
            label[r.status],
            r.extra.get("child_id") or r.extra.get("existing_child_id"),
            "；".join(f"{e['column']}：{e['message']}" for e in r.errors),
        ]
        for r in report.rows
    )
    return xl.write_xlsx(
        sheets=[xl.SheetOut("导入结果", ["行号", "结果", "儿童编号", "问题"], lines, widths={2: 38, 3: 80})]
    )


def _pupil(name: str | None, number: str | None, pupils: Sequence[ChildRow]) -> ChildRow | dict[str, Any]:
    """The child a results row means: by ID number, else by the one child of that exact name in the class."""
    if number is not None:
        try:
            number = normalize_id_number(number)
        except InvalidIdentity as exc:
            return _error("id_number", str(exc), TERM_HEADERS)
        match = [p for p in pupils if p.id_number == number]
        if not match:
            return _error(
                "id_number", "本班没有该身份证号的儿童 / no child in the class has this ID", TERM_HEADERS
            )
        if name is not None and match[0].name != name:
            return _error("name", "姓名与身份证号不符 / the name does not match the ID number", TERM_HEADERS)
        return match[0]
    if name is None:
        return _error("name", "必填字段缺失 / give the name or the ID number", TERM_HEADERS)
    match = [p for p in pupils if p.name == name]
    if len(match) == 1:
        return match[0]
    if not match:
        return _error(
            "name", f"本班没有名为“{name}”的儿童 / no child named {name!r} in the class", TERM_HEADERS
        )
    text = (
        f"本班有 {len(match)} 名儿童同名，请填写身份证号 / {len(match)} children share this name: give the ID"
    )
    return _error("name", text, TERM_HEADERS)


def import_term_results(
    *,
    uow: UnitOfWork,
    data: bytes,
    filename: str,
    class_id: uuid.UUID,
    term: str,
    mode: ImportMode,
    principal: Principal,
) -> RosterReport:
    """Record (or correct) a class's term results (期末成绩), each row as record_term_result does."""
    if not valid_term(term):
        zh, en = "学年须为连续两年，如 2025-2026-1", "school years must follow each other, e.g. 2025-2026-1"
        raise invalid_request([{"field": "term", "message": zh, "message_en": en}])
    klass = visible_unit(uow, class_id, principal)
    if klass.kind != OrgKind.CLASS.value:
        raise invalid_request(
            [{"field": "class_id", "message": "所选单位不是班级", "message_en": "must name a class"}]
        )
    sheet, where = _load_sheet(data=data, filename=filename, columns=xl.TERM_COLUMNS)
    if len(sheet.rows) > 1000:
        raise Problem(
            status=413, slug="roster-rows", title="一个班级最多 1000 行", title_en="At most 1000 rows"
        )
    subjects = {i: s for i, s in where.others.items() if s not in xl.NOT_SUBJECTS}
    report = RosterReport(ignored_columns=sorted(s for s in where.others.values() if s in xl.NOT_SUBJECTS))
    active = select(ChildRow).where(
        ChildRow.class_id == klass.id, ChildRow.status == ChildStatus.ACTIVE.value
    )
    pupils = list(uow.session.scalars(active))
    done: dict[uuid.UUID, int] = {}
    for number, cells in sheet.rows:
        row = report.add(number)
        text = {k: xl.cell_text(cells[i]) for k, i in where.index.items()}
        scores = {s: v for i, s in subjects.items() if (v := xl.cell_text(cells[i])) is not None}
        body = {
            "subjects": scores or None,
            "total_score": text.get("total_score"),
            "class_rank": text["class_rank"],
        }
        errors, cmd = [], None
        try:  # an empty cell is an absent field: a missing rank reads "required", a missing total is the sum
            cmd = TermResultIn.model_validate(
                {k: v for k, v in body.items() if v is not None} | {"class_size": len(sheet.rows)}
            )
        except ValidationError as exc:
            errors = _validation_errors(exc, TERM_HEADERS)
        child = _pupil(text["name"], text.get("id_number"), pupils)
        if isinstance(child, dict) or errors or cmd is None:
            row.fail("rejected", [child, *errors] if isinstance(child, dict) else errors)
        elif child.id in done:
            text_dup = f"与第 {done[child.id]} 行是同一名儿童 / the same child as row {done[child.id]}"
            row.fail("duplicate", [_error("name", text_dup, TERM_HEADERS)], duplicate_of_row=done[child.id])
        else:
            try:
                _, created = record_term_result(
                    uow=uow, child_id=child.id, term=term, cmd=cmd, principal=principal
                )
            except Problem as exc:
                row.fail("rejected", _problem_errors(exc, TERM_HEADERS))
                continue
            done[child.id] = number
            row.extra.update(child_id=str(child.id), created=created)
    # Strict mode refuses the file: the caller then does not commit, and the recorded rows roll back.
    report.imported = mode is ImportMode.PARTIAL or report.clean
    return report
