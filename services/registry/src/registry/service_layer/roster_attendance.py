"""A class's month of attendance (月度出勤) from a sheet, each row recorded as the API records one."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError

from registry.adapters.orm import ChildRow
from registry.adapters.rosters import ATTENDANCE_ROSTER
from registry.service_layer.attendance import check_month, record_in
from registry.service_layer.class_rosters import active_pupils, check_size, find_pupil, roster_class
from registry.service_layer.commands import AttendanceIn
from shouhu_kit import spreadsheets as xl
from shouhu_kit.auth import Principal
from shouhu_kit.problems import Problem
from shouhu_kit.spreadsheets import ImportMode, RosterReport
from shouhu_kit.uow import UnitOfWork

_FIELDS = ("school_days", "days_absent", "excused_days", "note")


def _attendance_row(row: xl.Row, pupils: Sequence[ChildRow]) -> tuple[ChildRow, AttendanceIn]:
    """The row's child and its month as AttendanceIn; every problem of the row at once."""
    child = None
    try:
        child = find_pupil(row.get("name"), row.get("id_number"), pupils)
    except xl.FieldError as exc:
        row.fail(exc.key, exc.zh, exc.en)  # and go on: the report names the figures' problems too
    cmd = AttendanceIn.model_validate({k: row[k] for k in _FIELDS if k in row})
    if child is None:
        raise xl.RowInvalid()  # why is on the row already
    return child, cmd


def import_attendance(
    *,
    uow: UnitOfWork,
    data: bytes,
    filename: str,
    class_id: uuid.UUID,
    month: str,
    mode: ImportMode,
    principal: Principal,
) -> RosterReport:
    """Record (or correct) a class's month of attendance in one commit; strict mode may refuse."""
    with uow:
        check_month(uow, month)
        try:
            report = _import(
                uow=uow,
                data=data,
                filename=filename,
                class_id=class_id,
                month=month,
                mode=mode,
                principal=principal,
            )
            if report.imported:
                uow.commit()
        except IntegrityError as exc:  # a month's first record, made at the same moment elsewhere
            raise Problem(
                status=409,
                slug="attendance-conflict",
                title="该班出勤正被同时登记，请重新导入",
                title_en="Attendance was recorded at the same moment: import again",
            ) from exc
        return report


def _import(
    *,
    uow: UnitOfWork,
    data: bytes,
    filename: str,
    class_id: uuid.UUID,
    month: str,
    mode: ImportMode,
    principal: Principal,
) -> RosterReport:
    """Each row recorded as record_attendance records one, inside the import's unit of work."""
    klass = roster_class(uow=uow, class_id=class_id, principal=principal)
    file = xl.read_roster(data=data, filename=filename, roster=ATTENDANCE_ROSTER)
    check_size(file)
    pupils = active_pupils(uow, klass)
    report, accepted = xl.import_rows(file, to_command=lambda row: _attendance_row(row, pupils))
    done: dict[uuid.UUID, int] = {}
    for item in accepted:
        (child, cmd), line = item.command, item.report
        if child.id in done:  # a row is the same child as an earlier row only once that one is recorded
            text = f"与第 {done[child.id]} 行是同一名儿童 / the same child as row {done[child.id]}"
            line.fail("duplicate", [ATTENDANCE_ROSTER.error("name", text)], duplicate_of_row=done[child.id])
            continue
        try:
            _, created, changed = record_in(uow=uow, child=child, month=month, cmd=cmd, principal=principal)
        except Problem as exc:
            line.fail("rejected", ATTENDANCE_ROSTER.errors(exc))
            continue
        done[child.id] = line.row
        line.extra.update(child_id=str(child.id), created=created, changed=changed)
    # Strict mode refuses the file: nothing is committed, and the recorded rows roll back.
    report.decide(mode)
    return report
