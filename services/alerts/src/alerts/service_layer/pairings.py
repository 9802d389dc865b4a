"""What alerts takes from the pairing service: helpers, primary pairings and contact obligations.

- A primary pairing (结对) names who a helper-step task goes to, and ends the not-paired rule.
- A window closed unmet (未按时联系) opens a task for the helper who owed it; a late contact that
  meets it (联系已补登) closes it, and a later window met on time closes older ones of that duty.
- An obligation that ended (the pairing ended, the child left) leaves open tasks alone: the contact
  was missed all the same and a person must see it; a child's exit cancels them through the
  registry's event, and nobody acting on a task whose helper left makes it climb the ladder.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from alerts.adapters.orm import LIVE, ChildCopy, FollowUpTask, HelperCopy
from alerts.service_layer import risk, rules, tasks
from shouhu_contracts.alerts.tasks import AlertRule, AssigneeRole
from shouhu_contracts.envelope import CloudEvent
from shouhu_contracts.pairing.v1 import (
    HelperDeactivated,
    HelperRegistered,
    HelperUpdated,
    ObligationFacts,
    ObligationWindowMet,
    ObligationWindowMissed,
    PairingCreated,
    PairingEnded,
)
from shouhu_contracts.pairing.vocabulary import PairingRole, Responsible
from shouhu_kit.clock import CHINA_TZ, china_today
from shouhu_kit.handlers import EventHandlers
from shouhu_kit.uow import UnitOfWork

HELPER_EVENTS = EventHandlers()
PAIRING_EVENTS = EventHandlers()
OBLIGATION_EVENTS = EventHandlers()

LOGGED_LATE = "联系已补登 / The contact was logged late"
BACK_ON_TIME = "已恢复按时联系 / Contacts are on time again"
# Who is told first when a window is missed, by who owed it.
_FIRST = {
    Responsible.PRIMARY_HELPER: AssigneeRole.HELPER,
    Responsible.CLASS_TEACHER: AssigneeRole.CLASS_TEACHER,
    Responsible.SCHOOL: AssigneeRole.CLASS_TEACHER,
}


@HELPER_EVENTS.on(HelperRegistered, HelperUpdated, HelperDeactivated)
def on_helper(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """Keep the helper as the event restates them (account, name, kind, unit, active)."""
    data: HelperRegistered = event.data
    row = uow.session.get(HelperCopy, data.helper_id)
    if row is None:
        row = HelperCopy(id=data.helper_id)
        uow.session.add(row)
    row.account, row.name, row.kind = data.account, data.name, data.kind.value
    row.unit_id, row.active = data.unit_id, data.active


@PAIRING_EVENTS.on(PairingCreated)
def on_pairing_created(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """A primary helper: helper-step tasks go to them, and the not-paired rule is satisfied (已结对)."""
    data: PairingCreated = event.data
    if data.role is not PairingRole.PRIMARY:
        return
    child = rules.child_copy(uow, data.child_id, data.org_path)
    child.primary_helper_id, child.primary_helper_account = data.helper_id, data.helper_account
    child.not_paired_check_at = None
    tasks.clear(uow, child_id=child.id, rule=AlertRule.NOT_PAIRED, note=rules.PAIRED)
    risk.refresh(uow, child)


@PAIRING_EVENTS.on(PairingEnded)
def on_pairing_ended(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """The primary helper is gone: the child waits for a new one, looked at again in N days."""
    data: PairingEnded = event.data
    if data.role is not PairingRole.PRIMARY:
        return
    child = uow.session.get(ChildCopy, data.child_id)
    if child is None or child.primary_helper_id != data.helper_id:
        return  # never paired here, or a newer primary pairing is already in place
    child.primary_helper_id = child.primary_helper_account = None
    rules.start_waiting(uow, child, tasks.policy_for_unit(uow.session, child.class_id).policy)


def cause_key(data: ObligationFacts) -> str:
    """The duty and the window's first day in China, e.g. helper_contact_monthly:2027-03-01."""
    return f"{data.duty}:{china_today(data.window_start).isoformat()}"


def _window(data: ObligationFacts) -> tuple[str, str]:
    """The window in words: 2027年3月 for a calendar month, else its first and last days in China."""
    start = data.window_start.astimezone(CHINA_TZ)
    last = (data.window_end - timedelta(microseconds=1)).astimezone(CHINA_TZ)
    next_month = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    if (
        start == start.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        and data.window_end == next_month
    ):
        return f"{start.year}年{start.month}月", f"{start:%B %Y}"
    return f"{start:%Y年%m月%d日}至{last:%Y年%m月%d日}", f"{start:%d %b %Y} to {last:%d %b %Y}"


@OBLIGATION_EVENTS.on(ObligationWindowMissed)
def on_window_missed(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """A window closed with no contact: a task for whoever owed it (the helper, for a helper's duty)."""
    data: ObligationWindowMissed = event.data
    child = rules.child_copy(uow, data.child_id, data.org_path)
    when, when_en = _window(data)
    tasks.open_task(
        uow,
        child=child,
        rule=AlertRule.CONTACT_MISSED,
        cause_key=cause_key(data),
        detail=f"{data.duty_name}：{when}未完成",
        detail_en=f"{data.duty} not done in {when_en}",
        cause_event_id=event.id,
        first_role=_FIRST.get(data.responsible),
    )
    risk.refresh(uow, child)


@OBLIGATION_EVENTS.on(ObligationWindowMet)
def on_window_met(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """A late contact clears its own window's task; one on time clears the duty's older ones."""
    data: ObligationWindowMet = event.data
    key = cause_key(data)
    live = uow.session.scalars(
        select(FollowUpTask.cause_key).where(
            FollowUpTask.child_id == data.child_id,
            FollowUpTask.reason == AlertRule.CONTACT_MISSED.value,
            FollowUpTask.status.in_(LIVE),
        )
    ).all()
    prefix = f"{data.duty}:"
    cleared = 0
    for live_key in live:
        if data.late and live_key == key:
            cleared += tasks.clear(
                uow, child_id=data.child_id, rule=AlertRule.CONTACT_MISSED, cause_key=key, note=LOGGED_LATE
            )
        elif not data.late and live_key.startswith(prefix) and live_key < key:  # ISO dates sort
            cleared += tasks.clear(
                uow,
                child_id=data.child_id,
                rule=AlertRule.CONTACT_MISSED,
                cause_key=live_key,
                note=BACK_ON_TIME,
            )
    if cleared:
        child = rules.child_copy(uow, data.child_id, data.org_path)
        risk.refresh(uow, child)
