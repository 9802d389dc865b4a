"""A class's term results (期末成绩) imported from a sheet, each row recorded as record_term_result does."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select

from registry.adapters import spreadsheets as xl
from registry.adapters.orm import ChildRow, OrgUnitRow
from registry.domain.identity import InvalidIdentity, normalize_id_number
from registry.service_layer.access import visible_unit
from registry.service_layer.commands import TermResultIn
from registry.service_layer.results import record_in
from registry.service_layer.roster_import import (
    ImportMode,
    RosterReport,
    load_sheet,
    problem_errors,
    row_error,
    validation_errors,
)
from shouhu_contracts.org import ChildStatus, OrgKind
from shouhu_kit.auth import Principal
from shouhu_kit.problems import Problem, invalid_request
from shouhu_kit.uow import UnitOfWork

TERM_HEADERS = {c.key: c.header for c in xl.TERM_COLUMNS} | {"class_size": "班级排名"}


def _pupil(name: str | None, number: str | None, pupils: Sequence[ChildRow]) -> ChildRow | dict[str, Any]:
    """The child a results row means: by ID number, else by the one child of that exact name in the class."""
    if number is not None:
        try:
            number = normalize_id_number(number)
        except InvalidIdentity as exc:
            return row_error("id_number", str(exc), TERM_HEADERS)
        match = [p for p in pupils if p.id_number == number]
        if not match:
            return row_error(
                "id_number", "本班没有该身份证号的儿童 / no child in the class has this ID", TERM_HEADERS
            )
        if name is not None and match[0].name != name:
            return row_error(
                "name", "姓名与身份证号不符 / the name does not match the ID number", TERM_HEADERS
            )
        return match[0]
    if name is None:
        return row_error("name", "必填字段缺失 / give the name or the ID number", TERM_HEADERS)
    match = [p for p in pupils if p.name == name]
    if len(match) == 1:
        return match[0]
    if not match:
        return row_error(
            "name", f"本班没有名为“{name}”的儿童 / no child named {name!r} in the class", TERM_HEADERS
        )
    text = (
        f"本班有 {len(match)} 名儿童同名，请填写身份证号 / {len(match)} children share this name: give the ID"
    )
    return row_error("name", text, TERM_HEADERS)


def _results_class(*, uow: UnitOfWork, class_id: uuid.UUID, principal: Principal) -> OrgUnitRow:
    """The class the results are for: 422 for a unit that is not a class."""
    klass = visible_unit(uow, class_id, principal)
    if klass.kind != OrgKind.CLASS.value:
        raise invalid_request(
            [{"field": "class_id", "message": "所选单位不是班级", "message_en": "must name a class"}]
        )
    return klass


def _term_result_in(
    text: dict[str, str | None], scores: dict[str, str], class_size: int
) -> tuple[TermResultIn | None, list[dict[str, Any]]]:
    """The row as TermResultIn, or the columns it fails on."""
    body = {
        "subjects": scores or None,
        "total_score": text.get("total_score"),
        "class_rank": text["class_rank"],
    }
    try:  # an empty cell is an absent field: a missing rank reads "required", a missing total is the sum
        cmd = TermResultIn.model_validate(
            {k: v for k, v in body.items() if v is not None} | {"class_size": class_size}
        )
    except ValidationError as exc:
        return None, validation_errors(exc, TERM_HEADERS)
    return cmd, []


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
    sheet, where = load_sheet(data=data, filename=filename, columns=xl.TERM_COLUMNS)
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
        cmd, errors = _term_result_in(text, scores, len(sheet.rows))
        child = _pupil(text["name"], text.get("id_number"), pupils)
        if isinstance(child, dict) or errors or cmd is None:
            row.fail("rejected", [child, *errors] if isinstance(child, dict) else errors)
        elif child.id in done:
            text_dup = f"与第 {done[child.id]} 行是同一名儿童 / the same child as row {done[child.id]}"
            row.fail(
                "duplicate", [row_error("name", text_dup, TERM_HEADERS)], duplicate_of_row=done[child.id]
            )
        else:
            try:
                _, created = record_in(uow=uow, child=child, term=term, cmd=cmd)
            except Problem as exc:
                row.fail("rejected", problem_errors(exc, TERM_HEADERS))
                continue
            done[child.id] = number
            row.extra.update(child_id=str(child.id), created=created)
    # Strict mode refuses the file: nothing is committed, and the recorded rows roll back.
    report.imported = mode is ImportMode.PARTIAL or report.clean
    return report
