"""The dead-letter policy: past a limit the consumer stops, says why, and /readyz turns red."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import MetaData

from shouhu_contracts.envelope import encode_event, new_event
from shouhu_contracts.registry.v1 import ChildRegistered
from shouhu_kit.broker import InMemoryBroker, OutgoingMessage
from shouhu_kit.clock import FakeClock
from shouhu_kit.consumer import ConsumerLoop, PermanentError
from shouhu_kit.db import Database
from shouhu_kit.dead_letter_policy import CONSECUTIVE, SHARE, DeadLetterPolicy, DeadLetterWatch
from shouhu_kit.metrics import Metrics
from shouhu_kit.runtime import ConsumerSpec, Runtime
from shouhu_kit.settings import ServiceSettings
from shouhu_kit.uow import UnitOfWork
from shouhu_testkit.wiring import in_memory_adapters

pytestmark = pytest.mark.unit
TOPIC = "registry.children"


def refuse(uow: UnitOfWork, event: Any) -> None:
    raise PermanentError("every record refused (a bad release)")


def publish(broker: InMemoryBroker, topic: str, n: int) -> None:
    for _ in range(n):
        data = ChildRegistered.example().model_copy(update={"child_id": uuid.uuid4()})
        e = new_event(event_id=uuid.uuid4(), source="/shouhu/registry", time=FakeClock().now(), data=data)
        broker.append(OutgoingMessage(topic, b"child", encode_event(e)))


def test_a_run_of_dead_letters_halts_at_the_limit() -> None:
    watch = DeadLetterWatch(DeadLetterPolicy(max_consecutive=3, max_share=1, window=10))
    assert [watch.dead_lettered("rejected") for _ in range(2)] == [None, None]
    watch.applied()
    assert [watch.dead_lettered("rejected") for _ in range(2)] == [None, None], "an apply resets the run"
    halt = watch.dead_lettered("malformed")
    assert halt is not None
    assert (halt.reason, halt.consecutive, halt.last_kind) == (CONSECUTIVE, 3, "malformed")
    assert halt.describe().startswith("halted: 3 dead letters in a row (last kind malformed)")


def test_a_share_of_the_window_halts_once_the_window_is_full() -> None:
    watch = DeadLetterWatch(DeadLetterPolicy(max_consecutive=0, max_share=0.5, window=10))
    outcomes = []
    for _ in range(4):  # dead, dead, applied: two thirds dead, never three in a row
        outcomes += [watch.dead_lettered("rejected"), watch.dead_lettered("rejected")]
        watch.applied()
    assert outcomes[:6] == [None] * 6, "not judged on fewer records than the window"
    halt = next(h for h in outcomes if h is not None)
    assert halt.reason == SHARE
    assert halt.dead_in_window > 5
    assert halt.window_size == 10


def test_an_occasional_dead_letter_never_halts() -> None:
    watch = DeadLetterWatch(DeadLetterPolicy(max_consecutive=2, max_share=0.5, window=10))
    for _ in range(100):
        watch.applied(3)
        assert watch.dead_lettered("rejected") is None


def test_a_policy_that_makes_no_sense_is_refused() -> None:
    with pytest.raises(ValueError, match="max_share"):
        DeadLetterPolicy(max_share=0)


def test_the_consumer_stops_at_the_limit_and_drains_nothing_more(tmp_path: Path) -> None:
    broker = InMemoryBroker()
    broker.create_topic(TOPIC, 1)
    broker.create_topic("dlq.g", 1)
    publish(broker, TOPIC, 12)
    db = Database(url=f"sqlite:///{tmp_path}/svc.db", metadata=MetaData())
    db.create_schema()
    metrics = Metrics(service="test")

    def loop() -> ConsumerLoop:
        return ConsumerLoop(
            group_id="g",
            source=lambda: broker.source(group_id="g", topics=[TOPIC]),
            dead_letters=broker.publisher(),
            uow=lambda: UnitOfWork(db=db, clock=FakeClock(), source="/shouhu/test"),
            handlers={ChildRegistered.event_type: refuse},
            clock=FakeClock(),
            metrics=metrics,
            dead_letter_policy=DeadLetterPolicy(max_consecutive=5),
        )

    first = loop()
    assert first.run_once() == 12
    assert first.halted is not None
    assert first.halted.reason == CONSECUTIVE
    assert len(broker.records("dlq.g")) == 5, "the records after the stop are not dead-lettered"
    assert broker.committed("g") == {(TOPIC, 0): 5}, "nor committed"
    assert first.run_once() == 0, "a halted loop reads nothing more"
    assert len(broker.records("dlq.g")) == 5
    sample = metrics.registry.get_sample_value
    assert sample("shouhu_consumer_halted", {"group": "g", "reason": CONSECUTIVE}) == 1
    assert sample("shouhu_consumer_halted", {"group": "g", "reason": "none"}) is None
    restarted = loop()  # a restart after the fix resumes from the committed offset
    assert sample("shouhu_consumer_halted", {"group": "g", "reason": "none"}) == 0
    assert restarted.run_once() == 7


def test_a_halted_consumer_turns_the_worker_red_naming_it_and_why(tmp_path: Path) -> None:
    settings = ServiceSettings(
        env="test",  # type: ignore[arg-type]
        database_url=f"sqlite:///{tmp_path}/svc.db",
        dead_letter_max_consecutive=5,
        consumer_retry_backoff_seconds=0,
    )
    broker = InMemoryBroker()
    rt = Runtime(
        settings=settings,
        db=Database(url=settings.effective_database_url, metadata=MetaData()),
        broker=in_memory_adapters(broker),
    )
    spec = ConsumerSpec(name="children", topics=[TOPIC], handlers={ChildRegistered.event_type: refuse})
    app = rt.worker_app(title="worker", consumers=[spec])
    with TestClient(app) as client:
        assert client.get("/readyz").status_code == 200
        publish(broker, TOPIC, 12)
        deadline = time.monotonic() + 30
        while client.get("/readyz").status_code == 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        ready = client.get("/readyz")
        metrics = client.get("/metrics").text
    assert ready.status_code == 503
    checks = ready.json()["checks"]
    assert checks["consumer:children"].startswith("unavailable: halted: 5 dead letters in a row")
    assert checks["loops"] == "ok"
    assert 'shouhu_consumer_halted{group="service.children",reason="consecutive_dead_letters"} 1.0' in metrics
    assert len(broker.records("dlq.service.children")) == 5
    assert list(broker.committed("service.children").values()) == [5], "one key, one partition"
