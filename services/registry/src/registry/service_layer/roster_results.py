"""A class's term results (期末成绩) imported from a sheet, each row recorded as record_term_result does."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select

from registry.adapters.orm import ChildRow, OrgUnitRow
from registry.adapters.rosters import NOT_SUBJECTS, TERM_ROSTER
from registry.domain.identity import InvalidIdentity, normalize_id_number
from registry.service_layer.access import visible_unit
from registry.service_layer.commands import TermResultIn
from registry.service_layer.results import record_in
from shouhu_contracts.org import ChildStatus, OrgKind
from shouhu_kit import spreadsheets as xl
from shouhu_kit.auth import Principal
from shouhu_kit.problems import Problem, invalid_request
from shouhu_kit.spreadsheets import ImportMode, RosterReport
from shouhu_kit.uow import UnitOfWork


def _pupil(name: str | None, number: str | None, pupils: Sequence[ChildRow]) -> ChildRow:
    """The child a results row means: by ID number, else by the one child of that exact name in the class."""
    if number is not None:
        try:
            number = normalize_id_number(number)
        except InvalidIdentity as exc:
            zh, _, en = str(exc).partition(" / ")
            raise xl.FieldError("id_number", zh, en or zh) from exc
        match = [p for p in pupils if p.id_number == number]
        if not match:
            raise xl.FieldError("id_number", "本班没有该身份证号的儿童", "no child in the class has this ID")
        if name is not None and match[0].name != name:
            raise xl.FieldError("name", "姓名与身份证号不符", "the name does not match the ID number")
        return match[0]
    if name is None:
        raise xl.FieldError("name", "必填字段缺失", "give the name or the ID number")
    match = [p for p in pupils if p.name == name]
    if len(match) == 1:
        return match[0]
    if not match:
        raise xl.FieldError("name", f"本班没有名为“{name}”的儿童", f"no child named {name!r} in the class")
    raise xl.FieldError(
        "name",
        f"本班有 {len(match)} 名儿童同名，请填写身份证号",
        f"{len(match)} children share this name: give the ID",
    )


def _results_class(*, uow: UnitOfWork, class_id: uuid.UUID, principal: Principal) -> OrgUnitRow:
    """The class the results are for: 422 for a unit that is not a class."""
    klass = visible_unit(uow, class_id, principal)
    if klass.kind != OrgKind.CLASS.value:
        raise invalid_request(
            [{"field": "class_id", "message": "所选单位不是班级", "message_en": "must name a class"}]
        )
    return klass


def _result_row(row: xl.Row, pupils: Sequence[ChildRow], class_size: int) -> tuple[ChildRow, TermResultIn]:
    """The row's child and its result as TermResultIn; every problem of the row at once."""
    child = None
    try:
        child = _pupil(row.get("name"), row.get("id_number"), pupils)
    except xl.FieldError as exc:
        row.fail(exc.key, exc.zh, exc.en)  # and go on: the report names the scores' problems too
    scores = {s: v for s, v in row.others.items() if s not in NOT_SUBJECTS}
    # An empty cell is an absent field: a missing rank reads "required", a missing total is the sum.
    body = {k: row[k] for k in ("total_score", "class_rank") if k in row} | {"class_size": class_size}
    cmd = TermResultIn.model_validate(body | ({"subjects": scores} if scores else {}))
    if child is None:
        raise xl.RowInvalid()  # why is on the row already
    return child, cmd


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
    """Record (or correct) a class's term results (期末成绩) in one commit; strict mode may refuse."""
    with uow:
        report = _import(
            uow=uow,
            data=data,
            filename=filename,
            class_id=class_id,
            term=term,
            mode=mode,
            principal=principal,
        )
        if report.imported:
            uow.commit()
        return report


def _import(
    *,
    uow: UnitOfWork,
    data: bytes,
    filename: str,
    class_id: uuid.UUID,
    term: str,
    mode: ImportMode,
    principal: Principal,
) -> RosterReport:
    """Each row recorded as record_term_result records one, inside the import's unit of work."""
    klass = _results_class(uow=uow, class_id=class_id, principal=principal)
    file = xl.read_roster(data=data, filename=filename, roster=TERM_ROSTER)
    if len(file.rows) > 1000:
        raise Problem(
            status=413, slug="roster-rows", title="一个班级最多 1000 行", title_en="At most 1000 rows"
        )
    active = select(ChildRow).where(
        ChildRow.class_id == klass.id, ChildRow.status == ChildStatus.ACTIVE.value
    )
    pupils = list(uow.session.scalars(active))
    size = len(file.rows)
    report, accepted = xl.import_rows(file, to_command=lambda row: _result_row(row, pupils, size))
    report.ignored_columns = [s for s in file.ignored_columns if s in NOT_SUBJECTS]
    done: dict[uuid.UUID, int] = {}
    for item in accepted:
        (child, cmd), line = item.command, item.report
        if child.id in done:  # a row is the same child as an earlier row only once that one is recorded
            text = f"与第 {done[child.id]} 行是同一名儿童 / the same child as row {done[child.id]}"
            line.fail("duplicate", [TERM_ROSTER.error("name", text)], duplicate_of_row=done[child.id])
            continue
        try:
            _, created = record_in(uow=uow, child=child, term=term, cmd=cmd)
        except Problem as exc:
            line.fail("rejected", TERM_ROSTER.errors(exc))
            continue
        done[child.id] = line.row
        line.extra.update(child_id=str(child.id), created=created)
    # Strict mode refuses the file: nothing is committed, and the recorded rows roll back.
    report.decide(mode)
    return report
