"""Wiring for unit tests: the in-memory broker behind the same adapter interface as Kafka."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from shouhu_kit.auth import Role, issue_token
from shouhu_kit.broker import IncomingMessage, InMemoryBroker, OutgoingMessage
from shouhu_kit.runtime import BrokerAdapters


def in_memory_adapters(broker: InMemoryBroker, *, max_poll_records: int = 500) -> BrokerAdapters:
    """BrokerAdapters over an InMemoryBroker (pass the settings' consumer_batch_size to match them)."""

    def ensure(topics: Sequence[tuple[str, int]]) -> None:
        for name, partitions in topics:
            broker.create_topic(name, partitions)

    return BrokerAdapters(
        publisher=broker.publisher,
        source=lambda group, topics: broker.source(
            group_id=group, topics=topics, max_poll_records=max_poll_records
        ),
        ensure_topics=ensure,
        ping=lambda: None,
        log_reader=lambda topics: broker.log_reader(topics, max_poll_records=max_poll_records),
    )


class BrokerContract:
    """The behaviour every broker adapter must show; run against the fake and against Kafka.

    A subclass provides the `broker` fixture: an object with `create_topic(name, partitions)`,
    `publisher()` and `source(group, topics)`, and `unique` (a fresh name prefix per test).
    """

    def _drain(self, source: Any, want: int, rounds: int = 40) -> list[IncomingMessage]:
        got: list[IncomingMessage] = []
        for _ in range(rounds):
            got.extend(source.poll(500))
            if len(got) >= want:
                break
        return got

    def test_published_records_come_back_in_key_order_with_headers(self, broker: Any) -> None:
        topic = broker.unique + "orders"
        broker.create_topic(topic, 3)
        pub = broker.publisher()
        msgs = [
            OutgoingMessage(topic, f"k{i % 4}".encode(), f"{i}".encode(), [("h", b"v")]) for i in range(20)
        ]
        assert pub.publish(msgs) == 20
        src = broker.source(broker.unique + "g", [topic])
        got = self._drain(src, 20)
        src.close()
        assert sorted(int(m.value or b"-1") for m in got) == list(range(20))
        for key in {m.key for m in got}:
            seq = [int(m.value or b"-1") for m in got if m.key == key]
            assert seq == sorted(seq), "one key's records keep their order"
        assert all(m.header("h") == b"v" for m in got)

    def test_a_new_member_resumes_after_the_committed_offset(self, broker: Any) -> None:
        topic = broker.unique + "resume"
        broker.create_topic(topic, 1)
        pub = broker.publisher()
        pub.publish([OutgoingMessage(topic, b"k", str(i).encode()) for i in range(6)])
        group = broker.unique + "g2"
        first = broker.source(group, [topic])
        got = self._drain(first, 6)
        assert len(got) == 6
        # Commit only the first three, then leave: the group must see 3, 4, 5 again.
        first.commit({(topic, 0): got[2].offset + 1})
        first.close()
        second = broker.source(group, [topic])
        again = self._drain(second, 3)
        second.close()
        assert [int(m.value or b"-1") for m in again] == [3, 4, 5]

    def test_uncommitted_records_are_redelivered(self, broker: Any) -> None:
        topic = broker.unique + "redeliver"
        broker.create_topic(topic, 1)
        broker.publisher().publish([OutgoingMessage(topic, b"k", b"only")])
        group = broker.unique + "g3"
        first = broker.source(group, [topic])
        assert [m.value for m in self._drain(first, 1)] == [b"only"]
        first.close()
        second = broker.source(group, [topic])
        assert [m.value for m in self._drain(second, 1)] == [b"only"]
        second.close()


def bearer(
    *, secret: str, role: Role, org_id: uuid.UUID | None = None, subject: str = "tester"
) -> dict[str, str]:
    """An Authorization header for tests and tools."""
    return {
        "Authorization": f"Bearer {issue_token(secret=secret, subject=subject, role=role, org_id=org_id)}"
    }


class ConsumerHarness:
    """A service's event handlers on a database, applied as the consumer loop applies them.

    Consumer tests subclass it with views of the service's tables; the handlers come from the
    service's own ConsumerSpecs, so the test drives exactly what the worker runs.
    """

    def __init__(self, *, db: Any, specs: Sequence[Any], source: str, clock: Any = None) -> None:
        from shouhu_kit.clock import FakeClock

        self.db = db
        self.clock = clock or FakeClock()  # the service's own clock, when a test moves it
        self.source = source
        self.handlers = {t: h for spec in specs for t, h in spec.handlers.items()}

    def apply(self, *events: Any) -> None:
        """Each event in its own transaction, through the kit's inbox; unhandled events are skipped."""
        for data in events:
            self._poll([data])

    def apply_as_one_poll(self, *events: Any) -> None:
        """All the events in one transaction, as the consumer loop applies one poll's records."""
        self._poll(list(events))

    def _poll(self, events: Sequence[Any]) -> None:
        from shouhu_contracts.envelope import new_event
        from shouhu_kit.inbox import BatchFailed, apply_batch
        from shouhu_kit.uow import UnitOfWork

        batch = [
            (
                new_event(event_id=uuid.uuid4(), source="/shouhu/registry", time=self.clock.now(), data=data),
                self.handlers.get(data.event_type),
            )
            for data in events
        ]
        try:
            apply_batch(
                uow=lambda: UnitOfWork(db=self.db, clock=self.clock, source=self.source),
                group="harness",
                batch=batch,
                now=self.clock.now(),
            )
        except BatchFailed as failed:
            raise failed.error from failed  # the handler's own error, as the test expects it


def harness_factory(build: Any) -> Any:
    """A fixture body: yields a function making harnesses on fresh databases, disposed afterwards."""
    made: list[Any] = []

    def new(**options: Any) -> Any:
        made.append(build(**options))
        return made[-1]

    yield new
    for harness in made:
        harness.db.dispose()
