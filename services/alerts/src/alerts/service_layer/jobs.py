"""The ladder's scheduled jobs: escalate what is overdue, remind what is nearly due, the weekly
digest, and sending the queued messages.

Each finds what is due with one indexed query and takes a bounded batch; on PostgreSQL the rows
are locked FOR UPDATE SKIP LOCKED, so two worker replicas never handle the same task or message.
A run says `more` while some are still due, and the scheduler runs it again at its next tick.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from sqlalchemy import select, text

from alerts.adapters.channels import Channel, channel_of
from alerts.adapters.orm import CLIMBS_SQL, LIVE, TOP_STEP, FollowUpTask
from alerts.config import AlertsSettings
from alerts.domain.policy import LADDER
from alerts.service_layer import tasks
from alerts.service_layer.delivery import Backoff, send_notifications
from alerts.service_layer.digest import weekly_digest
from shouhu_contracts.alerts.tasks import NotificationKind
from shouhu_kit.scheduler import JobResult, ScheduledJob
from shouhu_kit.uow import UnitOfWork

assert len(LADDER) - 1 == TOP_STEP, "the escalation index's top step is the ladder's"


def escalate_overdue(uow: UnitOfWork, *, batch: int) -> JobResult:
    """Each live task past its step's deadline climbs one rung (逐级上报), oldest deadline first.

    One rung per task per run: after an outage a task whose next deadline has passed as well is
    still due, and climbs again at the next run, each rung with its own history line, event and
    message, never twice (the row is locked, and its deadline moves on with the rung).
    """
    now = uow.now()
    query = (
        select(FollowUpTask)
        .where(text(CLIMBS_SQL), FollowUpTask.due_at <= now)  # the partial index ix_tasks_escalation
        .order_by(FollowUpTask.due_at)  # the index's order: the LIMIT stops the scan
        .limit(batch)
    )
    if uow.db.is_postgres:
        query = query.with_for_update(skip_locked=True)
    rows = list(uow.session.scalars(query))
    climbed = sum(1 for task in rows if tasks.escalate(uow, task))
    still_due = any(t.step < TOP_STEP and t.due_at <= now for t in rows)
    return JobResult(handled=climbed, more=len(rows) == batch or still_due, note=f"escalated {climbed} tasks")


def remind_nearly_due(uow: UnitOfWork, *, batch: int) -> JobResult:
    """Tell the assignee of each task whose reminder time came (即将到期), once per step."""
    now = uow.now()
    query = (
        select(FollowUpTask)
        .where(FollowUpTask.remind_at <= now)
        .order_by(FollowUpTask.remind_at)
        .limit(batch)
    )
    if uow.db.is_postgres:
        query = query.with_for_update(skip_locked=True)
    rows = list(uow.session.scalars(query))
    told = 0
    for task in rows:
        task.remind_at = None
        # Already overdue (a catch-up after an outage): escalation tells the next one instead.
        if task.status in LIVE and task.due_at > now:
            tasks.tell(uow, task, NotificationKind.NEARLY_DUE)
            told += 1
    return JobResult(handled=told, more=len(rows) == batch, note=f"reminded {told} assignees")


def LADDER_JOBS(settings: AlertsSettings, channel: Channel | None = None) -> list[ScheduledJob]:  # noqa: N802
    """The ladder's and the notifications' jobs, on the settings' cadences (tests pass a channel)."""
    backoff = Backoff(
        max_attempts=settings.notify_max_attempts,
        base_seconds=settings.notify_retry_base_seconds,
        max_seconds=settings.notify_retry_max_seconds,
    )
    return [
        ScheduledJob(
            name="escalate_overdue",
            every=timedelta(seconds=settings.escalate_every_seconds),
            run=partial(escalate_overdue, batch=settings.ladder_batch),
            description="逾期任务逐级上报 / escalate overdue tasks one rung",
        ),
        ScheduledJob(
            name="remind_nearly_due",
            every=timedelta(seconds=settings.remind_every_seconds),
            run=partial(remind_nearly_due, batch=settings.ladder_batch),
            description="任务即将到期提醒 / remind assignees of tasks nearly due",
        ),
        ScheduledJob(
            name="weekly_digest",
            every=timedelta(seconds=settings.digest_every_seconds),
            run=partial(weekly_digest, batch=settings.digest_batch, max_lines=settings.digest_max_lines),
            description="每周一08:00（北京时间）任务汇总 / the Monday digest of open and overdue tasks",
        ),
        ScheduledJob(
            name="send_notifications",
            every=timedelta(seconds=settings.notify_every_seconds),
            run=partial(
                send_notifications,
                channel=channel or channel_of(settings),
                backoff=backoff,
                batch=settings.notify_batch,
            ),
            description="发送待发通知，失败重试 / send queued notifications, retrying with backoff",
        ),
    ]
