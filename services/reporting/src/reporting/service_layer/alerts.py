"""Follow-up tasks and risk levels, from alerts' topics: open and overdue tasks, the risk mix."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from reporting.adapters.orm import TREE, TaskFact
from reporting.service_layer.children import child_row
from reporting.service_layer.counting import Recount, counted_new
from shouhu_contracts.alerts.tasks import (
    TaskAcknowledged,
    TaskCancelled,
    TaskEscalated,
    TaskFacts,
    TaskOpened,
    TaskResolved,
)
from shouhu_contracts.alerts.v1 import RiskLevelChanged
from shouhu_contracts.envelope import CloudEvent
from shouhu_kit.handlers import EventHandlers
from shouhu_kit.scheduler import JobResult
from shouhu_kit.uow import UnitOfWork

ALERT_EVENTS = EventHandlers()


def _task(uow: UnitOfWork, data: TaskFacts, at: datetime) -> TaskFact:
    row = uow.session.get(TaskFact, data.task_id)
    if row is None:
        child = child_row(uow, data.child_id)
        row = TaskFact(
            task_id=data.task_id,
            child_id=data.child_id,
            rule=data.rule.value,
            state="open",
            due_at=data.due_at,
            overdue=False,
            step=data.step,
            class_id=TREE.unit_of(uow.session, data.org_path),
            home_village_id=child.home_village_id,
            opened_at=at,
            changed_at=at,
        )
        counted_new(uow, row, at)
    return row


@ALERT_EVENTS.on(TaskOpened)
def on_task_opened(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """An open task, counted where its child's class and village are."""
    data: TaskOpened = event.data
    _task(uow, data, data.opened_at)


@ALERT_EVENTS.on(TaskAcknowledged, TaskEscalated)
def on_task_moved_on(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """Acknowledged or escalated: still open, due anew (an escalation is no longer overdue)."""
    data: TaskAcknowledged | TaskEscalated = event.data
    row = _task(uow, data, data.at)
    if row.state != "open" or data.at < row.changed_at:
        return
    with Recount(uow, row, data.at):
        row.due_at, row.step, row.changed_at = data.due_at, data.step, data.at
        row.overdue = False


@ALERT_EVENTS.on(TaskResolved, TaskCancelled)
def on_task_closed(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """Resolved or cancelled: no longer open."""
    data: TaskResolved | TaskCancelled = event.data
    row = _task(uow, data, data.at)
    if row.state == "closed":
        return
    with Recount(uow, row, data.at):
        row.state, row.changed_at = "closed", data.at


@ALERT_EVENTS.on(RiskLevelChanged)
def on_risk(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """The child's risk level (the newest change wins)."""
    data: RiskLevelChanged = event.data
    row = child_row(uow, data.child_id)
    with Recount(uow, row, data.changed_at):
        row.risk_level = data.level.value


def mark_overdue(uow: UnitOfWork, *, batch: int = 500) -> JobResult:
    """Open tasks whose due time has passed become overdue, dated at their due time (an indexed query).

    Dated by the due time, not the run, so a rebuild marks each in the month the live run did.
    """
    now = uow.now()
    rows = uow.session.scalars(
        select(TaskFact)
        .where(TaskFact.state == "open", TaskFact.overdue.is_(False), TaskFact.due_at <= now)
        .order_by(TaskFact.due_at)
        .limit(batch)
        .with_for_update(skip_locked=True)
    ).all()
    for row in rows:
        with Recount(uow, row, row.due_at):
            row.overdue = True
    return JobResult(handled=len(rows), more=len(rows) == batch)
