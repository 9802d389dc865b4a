"""Batched consumption: a poll's records in one transaction, a failing one retried and dead-lettered alone."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, MetaData, String, Table, event, select

from shouhu_contracts.envelope import encode_event, new_event
from shouhu_contracts.registry.v1 import ChildRegistered, OrgUnitCreated
from shouhu_kit.broker import IncomingMessage, InMemoryBroker, OutgoingMessage
from shouhu_kit.clock import FakeClock
from shouhu_kit.consumer import ConsumerLoop, DatabaseUnavailable, PermanentError
from shouhu_kit.db import Database
from shouhu_kit.metrics import Metrics
from shouhu_kit.uow import UnitOfWork

pytestmark = pytest.mark.unit
TOPIC = "registry.children"


class Bed:
    """One partition, a table of applied event ids (its key refuses a second apply), counted commits."""

    def __init__(self, url: str) -> None:
        metadata = MetaData()
        self.applied = Table("applied", metadata, Column("event_id", String(36), primary_key=True))
        self.db = Database(url=url, metadata=metadata)
        self.db.create_schema()
        self.commits = 0
        event.listen(self.db.engine, "commit", self._count_commit)
        self.clock = FakeClock()
        self.metrics = Metrics(service="test")
        self.broker = InMemoryBroker()
        self.broker.create_topic(TOPIC, 1)
        self.broker.create_topic("dlq.g", 1)

    def _count_commit(self, _conn: Any) -> None:
        self.commits += 1

    def publish(self, n: int, data: Any = None) -> list[str]:
        """n events on one key (so one partition, in order); their ids."""
        ids = []
        for _ in range(n):
            payload = data or ChildRegistered.example().model_copy(update={"child_id": uuid.uuid4()})
            e = new_event(
                event_id=uuid.uuid4(), source="/shouhu/registry", time=self.clock.now(), data=payload
            )
            self.broker.append(OutgoingMessage(TOPIC, b"child", encode_event(e)))
            ids.append(str(e.id))
        return ids

    def redeliver(self, records: list[IncomingMessage]) -> None:
        for m in records:
            self.broker.append(OutgoingMessage(m.topic, m.key, m.value, m.headers))

    def record(self, uow: UnitOfWork, e: Any) -> None:
        uow.session.execute(self.applied.insert().values(event_id=str(e.id)))

    def loop(self, handler: Any = None, *, batch: int = 500, attempts: int = 3) -> ConsumerLoop:
        return ConsumerLoop(
            group_id="g",
            source=lambda: self.broker.source(group_id="g", topics=[TOPIC], max_poll_records=batch),
            dead_letters=self.broker.publisher(),
            uow=lambda: UnitOfWork(db=self.db, clock=self.clock, source="/shouhu/test"),
            handlers={ChildRegistered.event_type: handler or self.record},
            clock=self.clock,
            metrics=self.metrics,
            max_attempts=attempts,
            retry_backoff_s=0,
        )

    def applied_ids(self) -> list[str]:
        with self.db.engine.connect() as c:
            return sorted(c.execute(select(self.applied.c.event_id)).scalars())

    def processed_ids(self) -> list[str]:
        t = self.db.tables.processed_events
        with self.db.engine.connect() as c:
            return sorted(c.execute(select(t.c.event_id)).scalars())

    def committed(self) -> int:
        return self.broker.committed("g").get((TOPIC, 0), 0)

    def metric(self, name: str, **labels: str) -> float:
        return self.metrics.registry.get_sample_value(name, {"group": "g", **labels}) or 0.0


@pytest.fixture
def bed(db_urls: Callable[[], str]) -> Iterator[Bed]:
    """On SQLite, and (marked integration) on PostgreSQL: the same transactions on both."""
    b = Bed(db_urls())
    yield b
    b.db.dispose()


def test_a_poll_is_applied_in_one_transaction_and_its_offsets_committed_after(bed: Bed) -> None:
    ids = bed.publish(20)
    assert bed.loop().run_once() == 20
    assert bed.commits == 1, "one database transaction for the whole poll, not one per record"
    assert bed.applied_ids() == sorted(ids)
    assert bed.processed_ids() == sorted(ids)
    assert bed.committed() == 20
    assert bed.metric("shouhu_consumer_batch_records_sum") == 20
    assert bed.metric("shouhu_events_consumed_total", type=ChildRegistered.event_type) == 20


def test_the_poll_is_as_large_as_the_batch_setting(bed: Bed) -> None:
    bed.publish(10)
    loop = bed.loop(batch=4)
    assert [loop.run_once(), loop.run_once(), loop.run_once(), loop.run_once()] == [4, 4, 2, 0]
    assert bed.commits == 3
    assert bed.committed() == 10


@pytest.mark.parametrize(
    ("error", "kind", "calls"),
    [
        (RuntimeError("the rule refused"), b"handler_failed", 3),
        (PermanentError("no such unit"), b"rejected", 1),
    ],
)
def test_a_poison_record_mid_batch_is_dead_lettered_alone_and_the_others_applied_once(
    bed: Bed, error: Exception, kind: bytes, calls: int
) -> None:
    ids = bed.publish(10)
    poison = ids[4]
    tries: list[str] = []

    def handler(uow: UnitOfWork, e: Any) -> None:
        if str(e.id) == poison:
            tries.append(poison)
            raise error
        bed.record(uow, e)

    loop = bed.loop(handler, attempts=3)
    assert loop.run_once() == 10
    good = sorted(set(ids) - {poison})
    assert bed.applied_ids() == good
    assert bed.processed_ids() == good
    assert len(tries) == calls, "retried alone up to the bound (a PermanentError is not retried)"
    [dead] = bed.broker.records("dlq.g")
    assert dead.header("dlq.kind") == kind
    assert dead.header("dlq.original.offset") == b"4"
    assert dead.header("dlq.original.topic") == TOPIC.encode()
    assert str(error).encode() in (dead.header("dlq.reason") or b"")
    assert bed.committed() == 10
    assert bed.commits == 2, "the four before it in one transaction, the five after it in another"
    assert loop.halted is None, "one dead letter does not stop a consumer"

    bed.redeliver(bed.broker.records(TOPIC))
    assert loop.run_once() == 10
    assert bed.applied_ids() == good, "a redelivered batch changes no state"
    assert bed.processed_ids() == good
    assert bed.committed() == 20
    assert bed.metric("shouhu_events_duplicate_total", type=ChildRegistered.event_type) == 9
    # The poison record is still poison: it goes to the dead-letter topic again, same event id.
    assert len(bed.broker.records("dlq.g")) == 2


def test_a_record_that_fails_once_in_a_batch_succeeds_when_retried_alone(bed: Bed) -> None:
    ids = bed.publish(10)
    failed: list[str] = []

    def flaky(uow: UnitOfWork, e: Any) -> None:
        if str(e.id) == ids[6] and not failed:
            failed.append(ids[6])
            raise RuntimeError("deadlock detected")
        bed.record(uow, e)

    bed.loop(flaky).run_once()
    assert bed.applied_ids() == sorted(ids)
    assert bed.processed_ids() == sorted(ids)
    assert bed.broker.records("dlq.g") == []
    assert bed.committed() == 10
    assert bed.commits == 3  # the six before it, it alone, the three after it
    assert bed.metric("shouhu_events_failed_total", type=ChildRegistered.event_type) == 1


def test_an_undecodable_record_keeps_its_place_between_two_batches(bed: Bed) -> None:
    first = bed.publish(3)
    bed.broker.append(OutgoingMessage(TOPIC, b"child", b"{not json"))
    rest = bed.publish(3)
    bed.publish(2, data=OrgUnitCreated.example())  # an event this consumer does not handle
    assert bed.loop().run_once() == 9
    assert bed.applied_ids() == sorted(first + rest)
    [dead] = bed.broker.records("dlq.g")
    assert dead.header("dlq.kind") == b"malformed"
    assert dead.header("dlq.original.offset") == b"3"
    assert bed.commits == 2
    assert bed.committed() == 9, "records of types it does not handle count for the offset too"


def test_the_same_event_twice_in_one_poll_is_applied_once(bed: Bed) -> None:
    ids = bed.publish(3)
    bed.redeliver(bed.broker.records(TOPIC))
    bed.loop().run_once()
    assert bed.applied_ids() == sorted(ids)
    assert bed.commits == 1
    assert bed.metric("shouhu_events_duplicate_total", type=ChildRegistered.event_type) == 3


def test_a_database_that_does_not_answer_leaves_records_unread_not_dead_lettered(
    bed: Bed, tmp_path: Path
) -> None:
    bed.publish(3)
    away = Database(url=f"sqlite:///{tmp_path}", metadata=MetaData())  # a directory: no database opens
    loop = bed.loop()
    loop._uow = lambda: UnitOfWork(db=away, clock=bed.clock, source="/shouhu/test")
    with pytest.raises(DatabaseUnavailable):
        loop.run_once()
    assert bed.broker.records("dlq.g") == []
    assert bed.committed() == 0, "read again once the database is back"
    assert bed.loop().run_once() == 3
    assert len(bed.applied_ids()) == 3


def test_a_crash_after_the_batch_commit_replays_it_without_applying_twice(bed: Bed) -> None:
    ids = bed.publish(4)

    class Killed(BaseException):
        pass

    seen: list[IncomingMessage] = []

    def kill(message: IncomingMessage) -> None:
        seen.append(message)
        raise Killed

    loop = bed.loop()
    loop._hooks.after_db_commit = kill
    with pytest.raises(Killed):
        loop.run_once()
    assert [m.offset for m in seen] == [3], "called once, after the commit, with its last record"
    assert bed.applied_ids() == sorted(ids)
    assert bed.committed() == 0, "killed before the offsets were committed"
    assert bed.loop().run_once() == 4
    assert bed.applied_ids() == sorted(ids)
    assert bed.metric("shouhu_events_duplicate_total", type=ChildRegistered.event_type) == 4
    assert bed.committed() == 4
