"""Outbox pruning: published rows older than the keep time go, oldest first, in bounded batches;
rows not yet published and rows published recently stay."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from sqlalchemy import MetaData, func, select, update

from shouhu_contracts.registry.v1 import ChildRegistered
from shouhu_kit import housekeeping
from shouhu_kit.clock import FakeClock
from shouhu_kit.db import Database
from shouhu_kit.metrics import Metrics
from shouhu_kit.scheduler import JobResult, Scheduler, job_statuses
from shouhu_kit.uow import UnitOfWork

pytestmark = pytest.mark.unit


@pytest.fixture
def db(db_urls: Callable[[], str]) -> Iterator[Database]:
    database = Database(url=db_urls(), metadata=MetaData())
    database.create_schema()
    yield database
    database.dispose()


def _publish(db: Database, clock: FakeClock, n: int, *, published: bool) -> None:
    with UnitOfWork(db=db, clock=clock, source="/shouhu/demo") as uow:
        child = ChildRegistered.example()
        uow.publish_many([child.model_copy(update={"child_id": uuid.uuid4()}) for _ in range(n)])
        uow.commit()
    if published:
        outbox = db.tables.outbox
        with db.engine.begin() as conn:
            conn.execute(
                update(outbox).where(outbox.c.published_at.is_(None)).values(published_at=clock.now())
            )


def _left(db: Database) -> tuple[int, int]:
    outbox = db.tables.outbox
    with db.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(outbox)).scalar_one()
        waiting = conn.execute(
            select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
        ).scalar_one()
    return total, waiting


def _run_once(db: Database, clock: FakeClock, keep: timedelta) -> JobResult:
    job = housekeeping.outbox_pruning(keep=keep)
    with UnitOfWork(db=db, clock=clock, source="/shouhu/demo") as uow:
        result = job.run(uow)
        uow.commit()
    return result


def test_only_rows_published_longer_ago_than_the_keep_time_go(db: Database) -> None:
    clock = FakeClock()
    _publish(db, clock, 30, published=True)  # old
    clock.advance(timedelta(days=6))
    _publish(db, clock, 20, published=True)  # recent
    _publish(db, clock, 5, published=False)  # still waiting for the relay
    clock.advance(timedelta(days=2))
    result = _run_once(db, clock, timedelta(days=7))
    assert (result.handled, result.more) == (30, False)
    assert _left(db) == (25, 5)
    assert _run_once(db, clock, timedelta(days=7)).handled == 0


def test_a_long_backlog_goes_in_bounded_batches_asking_for_more(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(housekeeping, "PRUNE_BATCH", 7)
    clock = FakeClock()
    _publish(db, clock, 16, published=True)
    clock.advance(timedelta(days=8))
    assert [(_run_once(db, clock, timedelta(days=7)).handled) for _ in range(3)] == [7, 7, 2]
    assert _left(db) == (0, 0)


def test_the_scheduler_runs_it_again_at_once_while_more_is_due(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(housekeeping, "PRUNE_BATCH", 4)
    clock = FakeClock()
    _publish(db, clock, 10, published=True)
    clock.advance(timedelta(days=8))

    def uow() -> UnitOfWork:
        return UnitOfWork(db=db, clock=clock, source="/shouhu/demo")

    job = housekeeping.outbox_pruning(keep=timedelta(days=7))
    s = Scheduler(db=db, jobs=[job], uow=uow, clock=clock, metrics=Metrics(service="demo"))
    s.register()
    assert [s.run_due() for _ in range(4)] == [1, 1, 1, 0]  # 4, 4, 2, then not due for ten minutes
    assert _left(db) == (0, 0)
    [status] = job_statuses(db)
    assert (status.name, status.last_handled, status.runs) == ("kit.outbox-pruning", 2, 3)
