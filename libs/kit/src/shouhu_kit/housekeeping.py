"""The kit's own scheduled job: published outbox rows are deleted once they are old enough.

The outbox is a hand-over, not a history: once the relay has published a row, the broker holds the
event and the row is never read again. Left alone it would keep every event a service ever
published (about 800 bytes each; a city of 100,000 children publishes millions a month), and the
database would grow with time rather than with the city. The job deletes rows published more than
`outbox_keep_hours` ago, oldest first, a bounded batch per transaction, and asks to run again at
the next tick while more are due. Rows not yet published are never touched.

The inbox (processed_events) is kept: an event's id must be remembered for as long as the broker
could deliver the event again (a group whose committed offsets expired starts from the earliest
record it still holds), so it can only be pruned together with the topics' retention
(docs/adr/0011-outbox-retention.md).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select

from shouhu_kit.scheduler import JobResult, ScheduledJob
from shouhu_kit.uow import UnitOfWork

PRUNE_BATCH = 5_000  # rows deleted per transaction


def outbox_pruning(*, keep: timedelta, every: timedelta = timedelta(minutes=10)) -> ScheduledJob:
    """The job that deletes outbox rows published longer than `keep` ago."""

    def run(uow: UnitOfWork) -> JobResult:
        outbox = uow.db.tables.outbox
        cut = uow.now() - keep
        # Oldest first along the primary key: the relay publishes in seq order, so the rows due go
        # first and the scan stops after a batch (no index on published_at needed).
        due = (
            select(outbox.c.seq)
            .where(outbox.c.published_at.is_not(None), outbox.c.published_at < cut)
            .order_by(outbox.c.seq)
            .limit(PRUNE_BATCH)
        )
        seqs = list(uow.session.scalars(due))
        if seqs:
            uow.session.execute(delete(outbox).where(outbox.c.seq.in_(seqs)))
        return JobResult(
            handled=len(seqs),
            more=len(seqs) == PRUNE_BATCH,
            note=f"published before {cut.isoformat(timespec='seconds')}",
        )

    return ScheduledJob(
        name="kit.outbox-pruning",
        every=every,
        run=run,
        description="删除已发布且超过保留期的发件箱记录 / delete outbox rows published before the keep time",
    )
