"""Monthly attendance (月度出勤): one record per child and month, days missed of the school days.

The alerts service's chronic-absence rule (10% or more of a month's or a term's school days missed)
reads the event; the registry records the figures and leaves the threshold to the city's policy there.
"""

from __future__ import annotations

import calendar
import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from registry.adapters.orm import AttendanceRow, ChildRow
from registry.service_layer.access import visible_child
from registry.service_layer.commands import AttendanceIn
from registry.service_layer.read_models import AttendanceOut
from shouhu_contracts.months import month_of
from shouhu_contracts.registry.v1 import AttendanceRecorded
from shouhu_kit.auth import Principal
from shouhu_kit.clock import china_today
from shouhu_kit.org.paths import decode_path
from shouhu_kit.problems import Problem, invalid_request
from shouhu_kit.uow import UnitOfWork


def _error(field: str, zh: str, en: str) -> dict[str, str]:
    return {"field": field, "message": zh, "message_en": en}


def check_month(uow: UnitOfWork, month: str) -> None:
    """422 naming `month` for a month after this one in China (a month under way may be recorded)."""
    if month > month_of(china_today(uow.now())):
        raise invalid_request([_error("month", "月份不能晚于本月", "the month is in the future")])


def _check(month: str, cmd: AttendanceIn) -> None:
    """Every cross-field problem at once, each naming its field."""
    errors = []
    days_in_month = calendar.monthrange(int(month[:4]), int(month[5:]))[1]
    if cmd.school_days > days_in_month:
        errors.append(
            _error(
                "school_days",
                f"应到天数不能超过该月的 {days_in_month} 天",
                f"school_days exceeds the month's {days_in_month} days",
            )
        )
    if cmd.days_absent > cmd.school_days:
        errors.append(_error("days_absent", "缺勤天数不能大于应到天数", "days_absent exceeds school_days"))
    if cmd.excused_days is not None and cmd.excused_days > cmd.days_absent:
        errors.append(
            _error("excused_days", "病事假天数不能大于缺勤天数", "excused_days exceeds days_absent")
        )
    if errors:
        raise invalid_request(errors)


def _out(row: AttendanceRow) -> AttendanceOut:
    return AttendanceOut(
        child_id=row.child_id,
        month=row.month,
        school_days=row.school_days,
        days_absent=row.days_absent,
        excused_days=row.excused_days,
        absence_rate=round(row.days_absent / row.school_days, 4),
        note=row.note,
        recorded_at=row.recorded_at,
        recorded_by=row.recorded_by,
    )


def _conflict() -> Problem:
    return Problem(
        status=409,
        slug="attendance-conflict",
        title="该月出勤正被同时登记，请重试",
        title_en="The month's attendance was recorded at the same moment: retry",
    )


def record_attendance(
    *, uow: UnitOfWork, child_id: uuid.UUID, month: str, cmd: AttendanceIn, principal: Principal
) -> tuple[AttendanceOut, bool]:
    """Record (or correct) a child's month and commit it with its event; the record and whether it was new."""
    with uow:
        check_month(uow, month)
        child = visible_child(uow, child_id, principal)
        try:
            row, created, _ = record_in(uow=uow, child=child, month=month, cmd=cmd, principal=principal)
            out = _out(row)
            uow.commit()
        except IntegrityError as exc:  # the month's first record, made twice at once
            raise _conflict() from exc
        return out, created


def record_in(
    *, uow: UnitOfWork, child: ChildRow, month: str, cmd: AttendanceIn, principal: Principal
) -> tuple[AttendanceRow, bool, bool]:
    """Record one month inside an open unit of work (a roster import records many in one).

    Returns the row, whether it was new and whether the figures changed. A correction that changes
    no figure publishes nothing (a changed note alone is kept, and is not on the bus).
    """
    _check(month, cmd)
    row = uow.session.scalar(
        select(AttendanceRow).where(AttendanceRow.child_id == child.id, AttendanceRow.month == month)
    )
    figures = (cmd.school_days, cmd.days_absent, cmd.excused_days)
    created = row is None
    if row is None:
        row = AttendanceRow(child_id=child.id, month=month)
        uow.session.add(row)
    elif (row.school_days, row.days_absent, row.excused_days, row.note) == (*figures, cmd.note):
        return row, False, False
    changed = created or (row.school_days, row.days_absent, row.excused_days) != figures
    row.school_days, row.days_absent, row.excused_days, row.note = (*figures, cmd.note)
    row.recorded_at, row.recorded_by = uow.now(), principal.subject
    uow.session.flush()
    if changed:
        uow.publish(
            AttendanceRecorded(
                child_id=child.id,
                month=month,
                school_days=row.school_days,
                days_absent=row.days_absent,
                excused_days=row.excused_days,
                absence_rate=round(row.days_absent / row.school_days, 4),
                org_path=decode_path(child.org_path_text),
                recorded_at=row.recorded_at,
                corrected=not created,
            )
        )
    return row, created, changed


def list_attendance(
    *,
    uow: UnitOfWork,
    child_id: uuid.UUID,
    from_month: str | None,
    to_month: str | None,
    principal: Principal,
) -> list[AttendanceOut]:
    """A child's months, newest first, from and to inclusive."""
    if from_month is not None and to_month is not None and from_month > to_month:
        raise invalid_request([_error("from", "起始月份不能晚于截止月份", "from is after to")])
    with uow:
        visible_child(uow, child_id, principal)
        query = select(AttendanceRow).where(AttendanceRow.child_id == child_id)
        if from_month is not None:
            query = query.where(AttendanceRow.month >= from_month)
        if to_month is not None:
            query = query.where(AttendanceRow.month <= to_month)
        rows = uow.session.scalars(query.order_by(AttendanceRow.month.desc()))
        return [_out(r) for r in rows]
