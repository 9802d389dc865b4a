"""A class's term results (期末成绩) imported from a sheet, each row recorded as record_term_result does."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from registry.adapters.orm import ChildRow
from registry.adapters.rosters import NOT_SUBJECTS, TERM_ROSTER
from registry.service_layer.class_rosters import active_pupils, check_size, find_pupil, roster_class
from registry.service_layer.commands import TermResultIn
from registry.service_layer.results import record_in
from shouhu_kit import spreadsheets as xl
from shouhu_kit.auth import Principal
from shouhu_kit.problems import Problem
from shouhu_kit.spreadsheets import ImportMode, RosterReport
from shouhu_kit.uow import UnitOfWork


def _result_row(row: xl.Row, pupils: Sequence[ChildRow], class_size: int) -> tuple[ChildRow, TermResultIn]:
    """The row's child and its result as TermResultIn; every problem of the row at once."""
    child = None
    try:
        child = find_pupil(row.get("name"), row.get("id_number"), pupils)
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
    klass = roster_class(uow=uow, class_id=class_id, principal=principal)
    file = xl.read_roster(data=data, filename=filename, roster=TERM_ROSTER)
    check_size(file)
    pupils = active_pupils(uow, klass)
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
