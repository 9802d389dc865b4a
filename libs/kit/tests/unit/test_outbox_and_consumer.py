"""Outbox relay and consumer loop on the in-memory broker and SQLite."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, event, func, insert, select

from shouhu_contracts.registry.v1 import ChildRegistered, OrgUnitCreated
from shouhu_kit.broker import InMemoryBroker, OutgoingMessage
from shouhu_kit.clock import FakeClock
from shouhu_kit.consumer import ConsumerLoop, PermanentError
from shouhu_kit.db import Database
from shouhu_kit.metrics import Metrics
from shouhu_kit.outbox import OutboxRelay, outbox_backlog
from shouhu_kit.uow import UnitOfWork

pytestmark = pytest.mark.unit


class Env:
    """A tiny service: a table of applied child ids, an outbox, a broker."""

    def __init__(self, tmp: Path) -> None:
        self.metadata = MetaData()
        self.applied = Table(
            "applied", self.metadata, Column("n", Integer, primary_key=True), Column("child_id", String(36))
        )
        self.db = Database(url=f"sqlite:///{tmp}/svc.db", metadata=self.metadata)
        self.db.create_schema()
        self.clock = FakeClock()
        self.metrics = Metrics(service="test")
        self.broker = InMemoryBroker()
        for t in ("registry.org", "registry.children", "dlq.g"):
            self.broker.create_topic(t, 3)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(db=self.db, clock=self.clock, source="/shouhu/test")

    def relay(self, publisher: Any = None) -> OutboxRelay:
        return OutboxRelay(
            db=self.db,
            publisher=publisher or self.broker.publisher(),
            clock=self.clock,
            metrics=self.metrics,
            topic_name=lambda t: t,
            batch_size=100,
        )

    def record(self, uow: UnitOfWork, event: Any) -> None:
        uow.session.execute(insert(self.applied).values(child_id=str(event.data.child_id)))

    def loop(self, handlers: dict[str, Any] | None = None, attempts: int = 3) -> ConsumerLoop:
        return ConsumerLoop(
            group_id="g",
            source=lambda: self.broker.source(group_id="g", topics=["registry.children"]),
            dead_letters=self.broker.publisher(),
            uow=self.uow,
            handlers=handlers or {ChildRegistered.event_type: self.record},
            clock=self.clock,
            metrics=self.metrics,
            max_attempts=attempts,
            retry_backoff_s=0,
        )

    def applied_count(self) -> int:
        with self.db.engine.connect() as c:
            return int(c.execute(select(func.count()).select_from(self.applied)).scalar_one())

    def publish_children(self, n: int) -> None:
        for _ in range(n):
            with self.uow() as uow:
                uow.publish(ChildRegistered.example().model_copy(update={"child_id": _uuid()}))
                uow.commit()


def _uuid() -> Any:
    import uuid

    return uuid.uuid4()


@pytest.fixture
def env(tmp_path: Path) -> Env:
    return Env(tmp_path)


def test_an_event_is_in_the_outbox_only_if_its_transaction_commits(env: Env) -> None:
    with env.uow() as uow:
        uow.publish(ChildRegistered.example())
        # no commit: leaving the block rolls back
    assert outbox_backlog(env.db) == 0
    env.publish_children(2)
    assert outbox_backlog(env.db) == 2


def test_relay_publishes_in_order_and_marks_rows(env: Env) -> None:
    env.publish_children(5)
    assert env.relay().run_once() == 5
    assert outbox_backlog(env.db) == 0
    assert env.relay().run_once() == 0
    records = env.broker.records("registry.children")
    assert len(records) == 5
    doc = json.loads(records[0].value or b"")
    assert doc["specversion"] == "1.0"
    assert doc["type"] == ChildRegistered.event_type
    assert (
        records[0].header(
            "content-type",
        )
        == b"application/cloudevents+json; charset=UTF-8"
    )


class PartialPublisher:
    """Acknowledges only the first `n` records of a batch, like a broker failing mid-batch."""

    def __init__(self, inner: Any, n: int) -> None:
        self.inner, self.n = inner, n

    def publish(self, messages: Sequence[OutgoingMessage]) -> int:
        return self.inner.publish(messages[: self.n])  # type: ignore[no-any-return]

    def close(self) -> None:
        pass


class CountingPublisher:
    """Records the size of each publish and stops the relay after the third."""

    def __init__(self, inner: Any, stop: threading.Event) -> None:
        self.inner, self.stop, self.sizes = inner, stop, list[int]()

    def publish(self, messages: Sequence[OutgoingMessage]) -> int:
        self.sizes.append(len(messages))
        if len(self.sizes) == 3:
            self.stop.set()
        return self.inner.publish(messages)  # type: ignore[no-any-return]

    def close(self) -> None:
        pass


class RecordedStop(threading.Event):
    """A stop signal that notes each pause the relay takes."""

    def __init__(self) -> None:
        super().__init__()
        self.pauses: list[float | None] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.pauses.append(timeout)
        return super().wait(0)


def test_relay_publishes_and_marks_in_batches_back_to_back_while_a_backlog_lasts(env: Env) -> None:
    with env.uow() as uow:
        uow.publish_many(
            [ChildRegistered.example().model_copy(update={"child_id": _uuid()}) for _ in range(1200)]
        )
        uow.commit()
    updates: list[str] = []
    event.listen(
        env.db.engine,
        "before_cursor_execute",
        lambda _c, _cur, sql, *_rest: updates.append(sql) if sql.startswith("UPDATE outbox") else None,
    )
    stop = RecordedStop()
    publisher = CountingPublisher(env.broker.publisher(), stop)
    relay = OutboxRelay(
        db=env.db,
        publisher=publisher,
        clock=env.clock,
        metrics=env.metrics,
        topic_name=lambda t: t,
        batch_size=500,
        linger_ms=5,
    )
    relay.run_forever(stop)
    assert publisher.sizes == [500, 500, 200]
    assert len(updates) == 3, "each batch marked with one statement"
    assert stop.pauses == [0.005], "no pause between full batches; a short one lingers"
    assert outbox_backlog(env.db) == 0
    assert len(env.broker.records("registry.children")) == 1200


def test_relay_marks_only_the_acknowledged_prefix(env: Env) -> None:
    env.publish_children(5)
    assert env.relay(PartialPublisher(env.broker.publisher(), 2)).run_once() == 2
    assert outbox_backlog(env.db) == 3
    assert env.relay().run_once() == 3
    assert len(env.broker.records("registry.children")) == 5


def test_consumer_applies_each_event_once_even_when_delivered_twice(env: Env) -> None:
    env.publish_children(3)
    env.relay().run_once()
    # Deliver the same records a second time (a relay that crashed before marking them).
    for m in env.broker.records("registry.children"):
        env.broker.append(OutgoingMessage(m.topic, m.key, m.value, m.headers))
    loop = env.loop()
    while loop.run_once():
        pass
    assert env.applied_count() == 3
    assert env.metrics.events_duplicate.labels(group="g", type=ChildRegistered.event_type)._value.get() == 3


def test_poison_messages_go_to_the_dead_letter_topic_and_the_next_one_is_applied(env: Env) -> None:
    org = OrgUnitCreated.example().model_dump_json().encode()
    env.broker.publisher().publish(
        [
            OutgoingMessage("registry.children", b"c1", b"{not json"),
            OutgoingMessage("registry.children", b"c1", b'{"type": "registry.child.vanished.v1"}'),
            OutgoingMessage("registry.children", b"c1", org),  # data without an envelope
        ]
    )
    env.publish_children(1)
    env.relay().run_once()
    loop = env.loop()
    while loop.run_once():
        pass
    dead = env.broker.records("dlq.g")
    assert [m.header("dlq.kind") for m in dead] == [b"malformed", b"unknown_type", b"malformed"]
    assert all(m.header("dlq.original.topic") == b"registry.children" for m in dead)
    assert b"registry.child.vanished.v1" in (dead[1].header("dlq.reason") or b"")
    assert env.applied_count() == 1


def test_a_handler_that_keeps_failing_is_dead_lettered_after_bounded_retries(env: Env) -> None:
    calls = []

    def flaky(uow: UnitOfWork, event: Any) -> None:
        calls.append(event.id)
        raise RuntimeError("database said no")

    env.publish_children(1)
    env.relay().run_once()
    loop = env.loop({ChildRegistered.event_type: flaky}, attempts=3)
    loop.run_once()
    assert len(calls) == 3
    [dead] = env.broker.records("dlq.g")
    assert dead.header("dlq.kind") == b"handler_failed"
    assert b"database said no" in (dead.header("dlq.reason") or b"")
    assert loop.run_once() == 0, "the offset moved past the dead-lettered record"


def test_a_permanent_error_is_dead_lettered_without_retries(env: Env) -> None:
    calls = []

    def refuse(uow: UnitOfWork, event: Any) -> None:
        calls.append(1)
        raise PermanentError("child belongs to no known unit")

    env.publish_children(1)
    env.relay().run_once()
    env.loop({ChildRegistered.event_type: refuse}).run_once()
    assert calls == [1]
    assert env.broker.records("dlq.g")[0].header("dlq.kind") == b"rejected"


def test_a_failed_handler_rolls_back_its_writes(env: Env) -> None:
    def half(uow: UnitOfWork, event: Any) -> None:
        env.record(uow, event)
        raise RuntimeError("boom after writing")

    env.publish_children(1)
    env.relay().run_once()
    env.loop({ChildRegistered.event_type: half}, attempts=2).run_once()
    assert env.applied_count() == 0


def test_events_a_service_does_not_handle_are_skipped_not_dead_lettered(env: Env) -> None:
    env.publish_children(1)
    env.relay().run_once()
    env.loop({"registry.child.term_result_recorded.v1": env.record}).run_once()
    assert env.broker.records("dlq.g") == []
    assert env.applied_count() == 0


def test_dead_letters_replay_onto_their_topic_and_apply_once_the_cause_is_fixed(env: Env) -> None:
    from shouhu_kit.dead_letters import replay_dead_letters

    broken = {"on": True}

    def sometimes(uow: UnitOfWork, event: Any) -> None:
        if broken["on"]:
            raise RuntimeError("the database refused")
        env.record(uow, event)

    env.publish_children(2)
    env.relay().run_once()
    loop = env.loop({ChildRegistered.event_type: sometimes}, attempts=1)
    loop.run_once()
    assert len(env.broker.records("dlq.g")) == 2
    assert env.applied_count() == 0
    broken["on"] = False
    source = env.broker.source(group_id="g.replay", topics=["dlq.g"])
    assert replay_dead_letters(source=source, publisher=env.broker.publisher(), idle_polls=1, poll_ms=0) == 2
    while loop.run_once():
        pass
    assert env.applied_count() == 2
    again = env.broker.source(group_id="g.replay", topics=["dlq.g"])
    assert replay_dead_letters(source=again, publisher=env.broker.publisher(), idle_polls=1, poll_ms=0) == 0
    replayed = env.broker.records("registry.children")[-1]
    assert replayed.header("dlq.replayed") == b"1"
    assert replayed.header("dlq.reason") is None


def test_a_database_older_than_the_code_is_refused_at_start(tmp_path: Path) -> None:
    from shouhu_kit.migrations import SchemaOutOfDate

    old = MetaData()
    Table("things", old, Column("id", Integer, primary_key=True))
    Database(url=f"sqlite:///{tmp_path}/x.db", metadata=old).create_schema()
    new = MetaData()
    Table("things", new, Column("id", Integer, primary_key=True), Column("name", String(10)))
    with pytest.raises(SchemaOutOfDate, match=r"things\.name"):
        Database(url=f"sqlite:///{tmp_path}/x.db", metadata=new).create_schema()
