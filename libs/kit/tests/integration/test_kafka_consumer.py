"""Batched consumption and the dead-letter policy on a real Kafka broker and PostgreSQL."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from kafka import KafkaConsumer, TopicPartition
from sqlalchemy import Column, MetaData, String, Table, select

from shouhu_contracts.envelope import encode_event, new_event
from shouhu_contracts.registry.v1 import ChildRegistered
from shouhu_kit.broker import OutgoingMessage
from shouhu_kit.clock import FakeClock
from shouhu_kit.consumer import ConsumerLoop, PermanentError
from shouhu_kit.db import Database
from shouhu_kit.dead_letter_policy import DeadLetterPolicy
from shouhu_kit.kafka_adapters import KafkaPublisher, KafkaSource, ensure_topics
from shouhu_kit.metrics import Metrics
from shouhu_kit.uow import UnitOfWork

pytestmark = pytest.mark.integration


class Rig:
    """A one-partition topic and its dead-letter topic on Kafka, a service schema on PostgreSQL."""

    def __init__(self, kafka: str, prefix: str, pg_url: str) -> None:
        self.kafka, self.group = kafka, prefix + "g"
        self.topic, self.dlq = prefix + "children", prefix + "dlq"
        ensure_topics(bootstrap_servers=kafka, topics=[(self.topic, 1), (self.dlq, 1)])
        metadata = MetaData()
        self.applied = Table("applied", metadata, Column("event_id", String(36), primary_key=True))
        self.db = Database(url=pg_url, metadata=metadata)
        self.db.create_schema()
        self.publisher = KafkaPublisher(bootstrap_servers=kafka, client_id="it")
        self.clock = FakeClock()

    def publish(self, n: int) -> list[str]:
        events = [
            new_event(
                event_id=uuid.uuid4(),
                source="/shouhu/registry",
                time=self.clock.now(),
                data=ChildRegistered.example().model_copy(update={"child_id": uuid.uuid4()}),
            )
            for _ in range(n)
        ]
        out = [OutgoingMessage(self.topic, b"child", encode_event(e)) for e in events]
        assert self.publisher.publish(out) == n
        return [str(e.id) for e in events]

    def loop(self, handler: Any, policy: DeadLetterPolicy | None = None) -> ConsumerLoop:
        return ConsumerLoop(
            group_id=self.group,
            source=lambda: KafkaSource(
                bootstrap_servers=self.kafka, group_id=self.group, topics=[self.topic], client_id="it"
            ),
            dead_letters=self.publisher,
            dead_letter_topic_name=self.dlq,
            uow=lambda: UnitOfWork(db=self.db, clock=self.clock, source="/shouhu/test"),
            handlers={ChildRegistered.event_type: handler},
            clock=self.clock,
            metrics=Metrics(service="test"),
            retry_backoff_s=0,
            dead_letter_policy=policy,
        )

    def applied_ids(self) -> list[str]:
        with self.db.engine.connect() as c:
            return sorted(c.execute(select(self.applied.c.event_id)).scalars())

    def read(self, topic: str, want: int) -> list[Any]:
        consumer = KafkaConsumer(
            topic, bootstrap_servers=self.kafka, auto_offset_reset="earliest", consumer_timeout_ms=1000
        )
        got: list[Any] = []
        deadline = time.monotonic() + 20
        while len(got) < want and time.monotonic() < deadline:
            got.extend(consumer)
        consumer.close()
        return got

    def committed(self) -> int | None:
        consumer = KafkaConsumer(bootstrap_servers=self.kafka, group_id=self.group)
        try:
            return consumer.committed(TopicPartition(self.topic, 0))  # type: ignore[no-any-return]
        finally:
            consumer.close()


@pytest.fixture
def rig(kafka_bootstrap: str, topic_prefix: str, pg_url: str) -> Iterator[Rig]:
    r = Rig(kafka_bootstrap, topic_prefix, pg_url)
    yield r
    r.publisher.close()
    r.db.dispose()


def consume(loop: ConsumerLoop, want: int, timeout: float = 40) -> None:
    seen, deadline = 0, time.monotonic() + timeout
    while seen < want and time.monotonic() < deadline and loop.halted is None:
        seen += loop.run_once(timeout_ms=300)
    loop.close()


def test_a_poison_record_in_a_kafka_batch_is_dead_lettered_and_the_others_applied_once(rig: Rig) -> None:
    ids = rig.publish(10)
    poison = ids[4]

    def handler(uow: UnitOfWork, e: Any) -> None:
        if str(e.id) == poison:
            raise RuntimeError("the rule refused")
        uow.session.execute(rig.applied.insert().values(event_id=str(e.id)))

    consume(rig.loop(handler), 10)
    assert rig.applied_ids() == sorted(set(ids) - {poison})
    [dead] = rig.read(rig.dlq, 1)
    headers = dict(dead.headers)
    assert headers["dlq.kind"] == b"handler_failed"
    assert headers["dlq.original.offset"] == b"4"
    assert rig.committed() == 10


def test_the_dead_letter_limit_stops_a_kafka_consumer(rig: Rig) -> None:
    rig.publish(12)

    def refuse(uow: UnitOfWork, e: Any) -> None:
        raise PermanentError("every record refused")

    loop = rig.loop(refuse, DeadLetterPolicy(max_consecutive=5))
    consume(loop, 12)
    assert loop.halted is not None
    assert rig.committed() == 5
    assert len(rig.read(rig.dlq, 6)) == 5
