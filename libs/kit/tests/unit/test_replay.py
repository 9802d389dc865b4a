"""Replaying whole topics in event-time order (a rebuild's reading), and applying them through the inbox."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, MetaData, String, Table, select

from shouhu_contracts.envelope import encode_event, new_event
from shouhu_contracts.registry.v1 import ChildRegistered, OrgUnitCreated
from shouhu_kit.broker import InMemoryBroker, OutgoingMessage
from shouhu_kit.clock import FakeClock
from shouhu_kit.db import Database
from shouhu_kit.replay import Reading, in_time_order, replay_into
from shouhu_kit.uow import UnitOfWork

pytestmark = pytest.mark.unit
T0 = datetime(2027, 3, 1, tzinfo=UTC)


def _publish(broker: InMemoryBroker, topic: str, key: str, at: datetime, data: Any = None) -> str:
    payload = data or ChildRegistered.example().model_copy(update={"child_id": uuid.uuid4()})
    e = new_event(event_id=uuid.uuid4(), source="/shouhu/test", time=at, data=payload)
    broker.append(OutgoingMessage(topic, key.encode(), encode_event(e)))
    return str(e.id)


def _history(rng: random.Random) -> tuple[InMemoryBroker, dict[str, list[str]]]:
    """Two topics of three partitions, twenty keys; each key's events in time order, keys interleaved."""
    broker = InMemoryBroker()
    broker.create_topic("a", 3)
    broker.create_topic("b", 3)
    by_key: dict[str, list[str]] = {}
    at = T0
    for _ in range(300):
        at += timedelta(seconds=rng.randrange(0, 3))  # ties happen
        topic, key = rng.choice("ab"), f"k{rng.randrange(20)}"
        by_key.setdefault(f"{topic}:{key}", []).append(_publish(broker, topic, key, at))
    return broker, by_key


@pytest.mark.parametrize("buffer", [1, 3, 200])
def test_the_merge_reads_everything_once_in_time_order_keeping_each_keys_order(buffer: int) -> None:
    broker, by_key = _history(random.Random(buffer))
    out = list(in_time_order(broker.log_reader(["a", "b"], max_poll_records=7), buffer=buffer))
    assert all(r.event is not None for r in out)
    times = [r.time for r in out]
    assert times == sorted(times)
    assert len({r.event.id for r in out if r.event}) == len(out) == 300
    for key, ids in by_key.items():
        topic = key.split(":")[0]
        seen = [str(r.event.id) for r in out if r.event and r.message.topic == topic]
        assert [i for i in seen if i in set(ids)] == ids


def test_a_partition_out_of_time_order_keeps_its_own_order() -> None:
    broker = InMemoryBroker()
    broker.create_topic("a", 1)
    broker.create_topic("b", 1)
    late = _publish(broker, "a", "k", T0 + timedelta(hours=2))
    early = _publish(broker, "a", "k", T0)  # a clock behind on another replica of the publisher
    middle = _publish(broker, "b", "k", T0 + timedelta(hours=1))
    out = [str(r.event.id) for r in in_time_order(broker.log_reader(["a", "b"])) if r.event]
    assert out == [middle, late, early]


def test_records_written_after_the_start_are_left_to_the_live_consumers() -> None:
    broker, _ = _history(random.Random(5))
    reader = broker.log_reader(["a", "b"])
    _publish(broker, "a", "k1", T0 + timedelta(days=1))
    assert len(list(in_time_order(reader))) == 300


def test_an_undecodable_record_is_reported_in_its_place() -> None:
    broker = InMemoryBroker()
    broker.create_topic("a", 1)
    _publish(broker, "a", "k", T0)
    broker.append(OutgoingMessage("a", b"k", b"{not json"))
    _publish(broker, "a", "k", T0 + timedelta(seconds=1))
    out = list(in_time_order(broker.log_reader(["a"])))
    assert [r.event is None for r in out] == [False, True, False]
    assert out[1].error is not None
    assert "MalformedEvent" in out[1].error


def test_a_replay_applies_each_event_once_under_its_topics_group(tmp_path: Path) -> None:
    metadata = MetaData()
    applied = Table("applied", metadata, Column("event_id", String(36), primary_key=True))
    db = Database(url=f"sqlite:///{tmp_path}/r.db", metadata=metadata)
    db.create_schema()
    broker = InMemoryBroker()
    for topic in ("registry.children", "registry.org"):
        broker.create_topic(topic, 2)
    kids = [_publish(broker, "registry.children", f"c{i}", T0 + timedelta(minutes=i)) for i in range(7)]
    refused = kids[3]
    unit = _publish(broker, "registry.org", "u", T0, OrgUnitCreated.example())
    broker.append(OutgoingMessage("registry.children", b"c0", broker.records("registry.children")[0].value))

    def apply(uow: UnitOfWork, e: Any) -> None:
        if str(e.id) == refused:
            raise RuntimeError("refused")
        uow.session.execute(applied.insert().values(event_id=str(e.id)))

    clock = FakeClock()
    stats = replay_into(
        reader=broker.log_reader(["registry.children", "registry.org"]),
        readings={
            "registry.children": Reading("g.children", {ChildRegistered.event_type: apply}),
            "registry.org": Reading("g.org", {}),
        },
        uow=lambda: UnitOfWork(db=db, clock=clock, source="/shouhu/test"),
        now=clock.now,
        batch_size=3,
    )
    children, org = stats["registry.children"], stats["registry.org"]
    assert (children.read, children.applied, children.skipped, children.failed) == (8, 6, 1, 1)
    assert (org.read, org.not_handled) == (1, 1)
    with db.engine.connect() as c:
        assert sorted(c.execute(select(applied.c.event_id)).scalars()) == sorted(set(kids) - {refused})
        inbox = db.tables.processed_events
        groups = dict(c.execute(select(inbox.c.event_id, inbox.c.consumer_group)).all())
    assert groups == dict.fromkeys(set(kids) - {refused}, "g.children")
    assert unit not in groups
    db.dispose()
