"""The rules that fire when time passes, not on an event: a child registered and still not paired
after N days (建档后未结对), a contact card still incomplete after N days (联系卡不完整).

Each job runs ONE indexed query for the children whose check time has come (`check_at <= now`,
oldest first, a bounded batch; FOR UPDATE SKIP LOCKED on PostgreSQL so two worker replicas never
take the same child), opens the task if the cause still holds, and clears the check time. Its cost
grows with what is due, not with the number of children; after an outage it catches up in order.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute

from alerts.adapters.orm import ChildCopy
from alerts.config import AlertsSettings
from alerts.service_layer import risk, rules, tasks
from shouhu_contracts.alerts.tasks import AlertRule
from shouhu_kit.scheduler import JobResult, ScheduledJob
from shouhu_kit.uow import UnitOfWork

BATCH = 500
EVERY = timedelta(minutes=5)


def _due(uow: UnitOfWork, column: InstrumentedAttribute[datetime | None], batch: int) -> list[ChildCopy]:
    query = select(ChildCopy).where(column <= uow.now()).order_by(column).limit(batch)
    if uow.db.is_postgres:
        query = query.with_for_update(skip_locked=True)
    return list(uow.session.scalars(query))


def _run(
    uow: UnitOfWork,
    *,
    column: InstrumentedAttribute[datetime | None],
    check: Callable[[UnitOfWork, ChildCopy], bool],
    batch: int,
    what: str,
) -> JobResult:
    rows = _due(uow, column, batch)
    opened = 0
    for child in rows:
        setattr(child, column.key, None)
        if child.status == "active" and check(uow, child):
            opened += 1
            risk.refresh(uow, child)
    return JobResult(handled=len(rows), more=len(rows) == batch, note=f"{len(rows)} due, {opened} {what}")


def _not_paired(uow: UnitOfWork, child: ChildCopy) -> bool:
    if child.primary_helper_id is not None:
        return False
    days = tasks.policy_for_unit(uow.session, child.class_id).policy.not_paired_days
    task = tasks.open_task(
        uow,
        child=child,
        rule=AlertRule.NOT_PAIRED,
        cause_key=rules.UNPAIRED_KEY,
        detail=f"建档已满{days}天仍未结对帮扶人，请尽快安排结对",
        detail_en=f"Still no helper {days} days after registration: pair the child",
        cause_event_id=None,
    )
    return task is not None


def _card_incomplete(uow: UnitOfWork, child: ChildCopy) -> bool:
    if not child.missing_contacts:
        return False
    days = tasks.policy_for_unit(uow.session, child.class_id).policy.archive_incomplete_days
    missing = "、".join(child.missing_contacts)
    task = tasks.open_task(
        uow,
        child=child,
        rule=AlertRule.ARCHIVE_INCOMPLETE,
        cause_key=rules.CARD_KEY,
        detail=f"建档{days}天后联系卡仍缺少：{missing}",
        detail_en=f"The contact card still lacks {', '.join(child.missing_contacts)} after {days} days",
        cause_event_id=None,
    )
    return task is not None


def check_not_paired(uow: UnitOfWork, *, batch: int = BATCH) -> JobResult:
    """Children whose not-paired check came: a task for each still without a primary helper."""
    return _run(uow, column=ChildCopy.not_paired_check_at, check=_not_paired, batch=batch, what="not paired")


def check_contact_cards(uow: UnitOfWork, *, batch: int = BATCH) -> JobResult:
    """Children whose card check came: a task for each card still missing a phone."""
    return _run(
        uow, column=ChildCopy.archive_check_at, check=_card_incomplete, batch=batch, what="cards incomplete"
    )


def TIME_RULE_JOBS(_settings: AlertsSettings, *, batch: int = BATCH) -> list[ScheduledJob]:  # noqa: N802
    """The time rules' jobs, for the bootstrap's `jobs=` (the name the bootstrap lists)."""
    return [
        ScheduledJob(
            name="check_not_paired",
            every=EVERY,
            run=partial(check_not_paired, batch=batch),
            description="建档满N天仍未结对的儿童 / children still not paired N days after registration",
        ),
        ScheduledJob(
            name="check_contact_cards",
            every=EVERY,
            run=partial(check_contact_cards, batch=batch),
            description="建档满N天联系卡仍不完整的儿童 / contact cards still incomplete after N days",
        ),
    ]
