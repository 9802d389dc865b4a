"""Nothing lost, nothing doubled: the slice through the outbox, a real Kafka and a real PostgreSQL."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient
from kafka import KafkaConsumer
from sqlalchemy import func, select

from alerts.adapters.orm import FollowUpTask
from alerts.bootstrap import SERVICE as ALERTS
from alerts.bootstrap import consumers as alerts_consumers
from alerts.config import AlertsSettings
from registry.bootstrap import SERVICE as REGISTRY
from registry.config import RegistrySettings
from shouhu_contracts.codegen import CONTRACTS_DIR
from shouhu_contracts.topics import dead_letter_topic
from shouhu_kit.auth import Role
from shouhu_kit.broker import OutgoingMessage
from shouhu_kit.consumer import ConsumerLoop
from shouhu_kit.kafka_adapters import KafkaPublisher
from shouhu_kit.runtime import Runtime
from shouhu_testkit.wiring import bearer

pytestmark = pytest.mark.integration


class Slice:
    """Registry API + registry relay → Kafka → alerts consumer, each on its own PostgreSQL schema."""

    def __init__(self, kafka: str, prefix: str, registry_db: str, alerts_db: str) -> None:
        common = {
            "kafka_bootstrap_servers": kafka,
            "kafka_topic_prefix": prefix,
            "env": "test",
            "consumer_retry_backoff_seconds": 0,
        }
        self.registry_settings = RegistrySettings(database_url=registry_db, **common)  # type: ignore[arg-type]
        self.alerts_settings = AlertsSettings(database_url=alerts_db, **common)  # type: ignore[arg-type]
        self.registry_app = REGISTRY.api(self.registry_settings)
        self.registry: Runtime = self.registry_app.state.runtime
        self.alerts = ALERTS.runtime(self.alerts_settings)
        self.alerts.db.create_schema()
        self.registry.broker.ensure_topics([*self.registry.catalogue_topics(), (self.dlq, 1)])
        self.publisher = KafkaPublisher(bootstrap_servers=kafka, client_id="it")
        self.client = TestClient(self.registry_app)
        self.client.__enter__()
        self.admin = bearer(secret=self.registry_settings.jwt_secret, role=Role.ADMIN)
        self.loops: list[ConsumerLoop] = []

    @property
    def dlq(self) -> str:
        return dead_letter_topic(self.alerts_settings.group("children"))

    def close(self) -> None:
        for loop in self.loops:
            loop.close()
        self.publisher.close()
        self.client.__exit__(None, None, None)
        self.registry.db.dispose()
        self.alerts.db.dispose()

    def post(self, url: str, body: dict[str, Any], method: str = "post") -> dict[str, Any]:
        r = self.client.request(method.upper(), url, json=body, headers=self.admin)
        assert r.status_code in (200, 201), r.text
        return r.json()  # type: ignore[no-any-return]

    def child_with_two_terms(self, *, rank_before: int = 3, rank_after: int = 20) -> str:
        u = self.registry_settings.kafka_topic_prefix
        city = self.post("/v1/org-units", {"kind": "city", "code": f"{u}c", "name": "示范市"})["id"]
        dist = self.post(
            "/v1/org-units", {"kind": "district", "code": f"{u}d", "name": "城区", "parent_id": city}
        )
        town = self.post(
            "/v1/org-units", {"kind": "township", "code": f"{u}t", "name": "城关镇", "parent_id": dist["id"]}
        )
        school = self.post(
            "/v1/org-units", {"kind": "school", "code": f"{u}s", "name": "中心小学", "parent_id": town["id"]}
        )
        klass = self.post(
            "/v1/org-units",
            {"kind": "class", "code": f"{u}k", "name": "三年级(1)班", "parent_id": school["id"]},
        )
        child = self.post(
            "/v1/children",
            {
                "name": "张小兰",
                "gender": "女",
                "birth_date": "2016-04-01",
                "left_behind_type": "both_parents",
                "class_id": klass["id"],
                # a guardian, so that the only rule the child meets is the grade drop's
                "guardian": {"name": "周奶奶", "relation": "祖母", "phone": "13911114444", "rating": "好"},
            },
        )["id"]
        for term, rank in (("2025-2026-1", rank_before), ("2025-2026-2", rank_after)):
            self.post(
                f"/v1/children/{child}/term-results/{term}",
                {"total_score": 300, "class_rank": rank, "class_size": 40},
                method="put",
            )
        return str(child)

    def relay_all(self, publisher: Any = None) -> int:
        return self.registry.relay(publisher or self.publisher).run_once()

    def loop(self) -> ConsumerLoop:
        loop = self.alerts.consumer(alerts_consumers(self.alerts_settings)[0], self.publisher)
        self.loops.append(loop)
        return loop

    def consume_until(self, loop: ConsumerLoop, done: Callable[[], bool], timeout: float = 40) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            loop.run_once(timeout_ms=300)
            if done():
                return
        raise AssertionError("condition not reached in time")

    def tasks(self) -> int:
        with self.alerts.db.sessions() as s:
            return int(s.scalar(select(func.count()).select_from(FollowUpTask)) or 0)

    def processed(self) -> int:
        with self.alerts.db.sessions() as s:
            t = self.alerts.db.tables.processed_events
            return int(s.scalar(select(func.count()).select_from(t)) or 0)

    def read_topic(self, topic: str, want: int, timeout: float = 20) -> list[Any]:
        consumer = KafkaConsumer(
            topic,
            bootstrap_servers=self.registry_settings.kafka_bootstrap_servers,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            consumer_timeout_ms=1000,
        )
        got: list[Any] = []
        deadline = time.monotonic() + timeout
        try:
            while len(got) < want and time.monotonic() < deadline:
                got.extend(consumer)
        finally:
            consumer.close()
        return got


@pytest.fixture
def slice_(kafka_bootstrap: str, topic_prefix: str, pg_schemas: Callable[[], str]) -> Iterator[Slice]:
    s = Slice(kafka_bootstrap, topic_prefix, registry_db=pg_schemas(), alerts_db=pg_schemas())
    yield s
    s.close()


def test_an_event_through_the_outbox_produces_exactly_one_task(slice_: Slice) -> None:
    slice_.child_with_two_terms()
    assert slice_.relay_all() == 8  # 5 units, 1 child, 2 results
    slice_.consume_until(slice_.loop(), lambda: slice_.tasks() == 1)
    assert slice_.tasks() == 1
    # The alerts service publishes the task through its own outbox, schema-valid on the wire: the
    # task opened (v2, and v1 beside it for grade drops) and the child's risk it raised.
    assert slice_.alerts.relay(slice_.publisher).run_once() == 3
    records = slice_.read_topic(slice_.alerts_settings.topic("alerts.tasks"), 2)
    docs = {json.loads(r.value)["type"]: json.loads(r.value) for r in records}
    assert set(docs) == {"alerts.task.opened.v1", "alerts.task.opened.v2"}
    for kind, doc in docs.items():
        schema = json.loads((CONTRACTS_DIR / "schemas" / f"{kind}.schema.json").read_text())
        jsonschema.validate(doc, schema)
    assert all(dict(r.headers)["content-type"].startswith(b"application/cloudevents+json") for r in records)


def test_the_same_events_delivered_twice_produce_one_task(slice_: Slice) -> None:
    slice_.child_with_two_terms()
    slice_.relay_all()
    topic = slice_.registry_settings.topic("registry.children")
    records = slice_.read_topic(topic, 3)
    assert len(records) == 3
    # Publish the very same records again, as a relay that crashed before marking them would.
    slice_.publisher.publish([OutgoingMessage(topic, r.key, r.value, list(r.headers)) for r in records])
    loop = slice_.loop()
    slice_.consume_until(loop, lambda: slice_.tasks() == 1)
    deadline = time.monotonic() + 10
    dup = slice_.alerts.metrics.events_duplicate
    while (
        time.monotonic() < deadline
        and sum(
            dup.labels(group=loop.group_id, type=t)._value.get()
            for t in ("registry.child.registered.v1", "registry.child.term_result_recorded.v1")
        )
        < 3
    ):
        loop.run_once(timeout_ms=300)
    assert slice_.tasks() == 1
    assert slice_.processed() == 3


def test_poison_messages_are_dead_lettered_and_the_next_good_one_is_processed(slice_: Slice) -> None:
    topic = slice_.registry_settings.topic("registry.children")
    unknown = json.loads((CONTRACTS_DIR / "examples" / "registry.child.registered.v1.json").read_text())
    unknown["type"] = "registry.child.abducted.v1"
    slice_.publisher.publish(
        [
            OutgoingMessage(topic, b"same-key", b"\xff\xfe not json"),
            OutgoingMessage(topic, b"same-key", json.dumps(unknown).encode()),
        ]
    )
    slice_.child_with_two_terms()
    slice_.relay_all()
    slice_.consume_until(slice_.loop(), lambda: slice_.tasks() == 1)
    dead = slice_.read_topic(slice_.dlq, 2)
    kinds = sorted(dict(r.headers)["dlq.kind"] for r in dead)
    assert kinds == [b"malformed", b"unknown_type"]
    reasons = b" ".join(dict(r.headers)["dlq.reason"] for r in dead)
    assert b"registry.child.abducted.v1" in reasons
    assert b"not JSON" in reasons


def test_a_consumer_killed_between_db_commit_and_offset_commit_applies_nothing_twice(slice_: Slice) -> None:
    slice_.child_with_two_terms()
    slice_.relay_all()

    class Killed(BaseException):
        """Stands for SIGKILL: nothing after the database commit runs."""

    def kill(message: Any) -> None:
        raise Killed

    first = slice_.loop()
    slice_.alerts.consumer_hooks.after_db_commit = kill
    with pytest.raises(Killed):
        slice_.consume_until(first, lambda: False, timeout=30)
    first.close()
    slice_.alerts.consumer_hooks.after_db_commit = None  # the hooks are the runtime's, shared
    in_db = slice_.processed()
    assert in_db >= 1, "the first batch's transaction committed"
    restarted = slice_.loop()
    slice_.consume_until(restarted, lambda: slice_.processed() == 3 and slice_.tasks() == 1)
    time.sleep(1)
    restarted.run_once(timeout_ms=500)
    assert slice_.processed() == 3
    assert slice_.tasks() == 1
    dup = slice_.alerts.metrics.registry.get_sample_value
    skipped = sum(
        dup("shouhu_events_duplicate_total", {"group": restarted.group_id, "type": t}) or 0
        for t in ("registry.child.registered.v1", "registry.child.term_result_recorded.v1")
    )
    assert skipped == in_db, "the killed batch was read again (no offset committed) and skipped"


class DiesMidBatch:
    """A relay's producer that is killed after sending part of a batch."""

    def __init__(self, inner: KafkaPublisher, after: int) -> None:
        self.inner, self.after = inner, after

    def publish(self, messages: Sequence[OutgoingMessage]) -> int:
        self.inner.publish(messages[: self.after])
        raise SystemExit("relay killed")

    def close(self) -> None:
        pass


def test_a_relay_killed_mid_batch_loses_nothing(slice_: Slice) -> None:
    slice_.child_with_two_terms()
    with pytest.raises(SystemExit):
        slice_.relay_all(DiesMidBatch(slice_.publisher, after=4))
    assert slice_.relay_all() == 8, "every row is still unpublished and goes out on restart"
    topic = slice_.registry_settings.topic("registry.children")
    org = slice_.registry_settings.topic("registry.org")
    ids = {json.loads(r.value)["id"] for r in slice_.read_topic(topic, 3) + slice_.read_topic(org, 5)}
    with slice_.registry.db.sessions() as s:
        outbox = set(s.scalars(select(slice_.registry.db.tables.outbox.c.event_id)))
    assert ids == outbox
    slice_.consume_until(slice_.loop(), lambda: slice_.tasks() == 1)
