"""Chronic absence (长期缺勤): 10% or more of school days missed in a month or in a term, as the
early-warning systems count it (the city sets the share). One task per month and per term; a
correction under the threshold closes it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from alerts.adapters.orm import AttendanceCopy, ChildCopy
from alerts.service_layer import risk, rules, tasks
from shouhu_contracts.alerts.tasks import AlertRule
from shouhu_contracts.envelope import CloudEvent
from shouhu_contracts.registry.v1 import AttendanceRecorded
from shouhu_kit.uow import UnitOfWork

AUTUMN, SPRING = 9, 2  # the terms begin in September and February


def term_of(month: str) -> tuple[str, list[str]]:
    """The term ('2026-2027-1') a month ('2026-10') falls in, and the term's months."""
    year, mon = int(month[:4]), int(month[5:7])
    if mon >= AUTUMN or mon < SPRING:
        first = year if mon >= AUTUMN else year - 1
        months = [f"{first}-{m:02d}" for m in range(9, 13)] + [f"{first + 1}-01"]
        return f"{first}-{first + 1}-1", months
    months = [f"{year}-{m:02d}" for m in range(2, 9)]
    return f"{year - 1}-{year}-2", months


def _keep(
    uow: UnitOfWork,
    child: ChildCopy,
    *,
    key: str,
    over: bool,
    detail: str,
    detail_en: str,
    event: CloudEvent[Any],
) -> None:
    live = (AlertRule.CHRONIC_ABSENCE.value, key) in rules.live_causes(
        uow, child.id, [AlertRule.CHRONIC_ABSENCE]
    )
    if over and not live:
        tasks.open_task(
            uow,
            child=child,
            rule=AlertRule.CHRONIC_ABSENCE,
            cause_key=key,
            detail=detail,
            detail_en=detail_en,
            cause_event_id=event.id,
        )
    elif not over and live:
        note = "出勤记录更正后缺勤率已低于预警线"
        tasks.clear(uow, child_id=child.id, rule=AlertRule.CHRONIC_ABSENCE, cause_key=key, note=note)


def on_attendance_recorded(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """Keep the month; weigh the month and its term against the city's share."""
    data: AttendanceRecorded = event.data
    session = uow.session
    child = rules.child_copy(uow, data.child_id, data.org_path)
    row = session.get(AttendanceCopy, (data.child_id, data.month))
    if row is None:
        row = AttendanceCopy(child_id=data.child_id, month=data.month)
        session.add(row)
    row.school_days, row.days_absent = data.school_days, data.days_absent
    session.flush()
    share = tasks.policy_for_unit(session, child.class_id).policy.chronic_absence_share
    month_rate = data.days_absent / data.school_days
    _keep(
        uow,
        child,
        key=f"month:{data.month}",
        over=month_rate >= share - 1e-9,
        detail=f"{data.month}缺勤{data.days_absent}天（应到{data.school_days}天，{month_rate:.0%}）",
        detail_en=f"{data.month}: absent {data.days_absent} of {data.school_days} days ({month_rate:.0%})",
        event=event,
    )
    term, months = term_of(data.month)
    recorded = session.execute(
        select(AttendanceCopy.school_days, AttendanceCopy.days_absent).where(
            AttendanceCopy.child_id == data.child_id, AttendanceCopy.month.in_(months)
        )
    ).all()
    if len(recorded) >= 2:  # a term's share needs more than the one month already weighed
        days = sum(r.school_days for r in recorded)
        absent = sum(r.days_absent for r in recorded)
        _keep(
            uow,
            child,
            key=f"term:{term}",
            over=absent / days >= share - 1e-9,
            detail=f"{term}学期累计缺勤{absent}天（应到{days}天，{absent / days:.0%}）",
            detail_en=f"term {term}: absent {absent} of {days} school days ({absent / days:.0%})",
            event=event,
        )
    risk.refresh(uow, child)
