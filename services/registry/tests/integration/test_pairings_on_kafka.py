"""The registry worker's pairings consumer on a real Kafka and PostgreSQL: access opens and closes."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from registry.adapters.orm import HelperAccessRow
from registry.bootstrap import SERVICE, consumers
from registry.config import RegistrySettings
from shouhu_contracts.envelope import CloudEvent, EventData, encode_event, new_event
from shouhu_contracts.pairing.v1 import PairingCreated, PairingEnded
from shouhu_contracts.pairing.vocabulary import PairingEndReason
from shouhu_contracts.topics import dead_letter_topic
from shouhu_kit.auth import Role
from shouhu_kit.broker import OutgoingMessage
from shouhu_kit.consumer import ConsumerLoop
from shouhu_kit.kafka_adapters import KafkaPublisher
from shouhu_testkit.wiring import bearer

pytestmark = pytest.mark.integration
AT = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


def _message(topic: str, data: EventData) -> tuple[OutgoingMessage, CloudEvent[Any]]:
    event = new_event(event_id=uuid.uuid4(), source="/shouhu/pairing", time=AT, data=data)
    return OutgoingMessage(topic, data.key().encode(), encode_event(event)), event


def test_pairings_from_kafka_open_then_close_a_helpers_access(
    kafka_bootstrap: str, topic_prefix: str, pg_schemas: Callable[[], str]
) -> None:
    settings = RegistrySettings(
        database_url=pg_schemas(),
        kafka_bootstrap_servers=kafka_bootstrap,  # type: ignore[arg-type]
        kafka_topic_prefix=topic_prefix,
        env="test",
        consumer_retry_backoff_seconds=0,
    )
    app = SERVICE.api(settings)
    runtime = app.state.runtime
    [spec] = consumers(settings)
    runtime.broker.ensure_topics(
        [*runtime.catalogue_topics(), (dead_letter_topic(settings.group(spec.name)), 1)]
    )
    publisher = KafkaPublisher(bootstrap_servers=kafka_bootstrap, client_id="it-registry-pairings")
    loop: ConsumerLoop = runtime.consumer(spec, publisher)
    admin = bearer(secret=settings.jwt_secret, role=Role.ADMIN)
    try:
        with TestClient(app) as c:

            def unit(kind: str, parent: str | None) -> str:
                body = {"kind": kind, "code": f"{topic_prefix}{kind}", "name": kind, "parent_id": parent}
                r = c.post("/v1/org-units", headers=admin, json=body)
                assert r.status_code == 201, r.text
                return str(r.json()["id"])

            city = unit("city", None)
            school = unit("school", unit("township", unit("district", city)))
            child_body = {
                "name": "周小雨",
                "gender": "女",
                "birth_date": "2015-09-09",
                "left_behind_type": "both_parents",
                "class_id": unit("class", school),
                "guardian": {"name": "周奶奶", "relation": "祖母", "phone": "13911114444", "rating": "好"},
            }
            r = c.post("/v1/children", headers=admin, json=child_body)
            assert r.status_code == 201, r.text
            child = r.json()["id"]
            helper = bearer(
                secret=settings.jwt_secret, role=Role.HELPER, org_id=uuid.UUID(city), subject="hl"
            )
            url = f"/v1/children/{child}"
            assert c.get(url, headers=helper).status_code == 404

            def rows(active: bool) -> int:
                with runtime.db.sessions() as s:
                    query = select(func.count()).where(HelperAccessRow.active.is_(active))
                    return int(s.scalar(query.select_from(HelperAccessRow)) or 0)

            def consume_until(done: Callable[[], bool], timeout: float = 40) -> None:
                deadline = time.monotonic() + timeout
                while time.monotonic() < deadline:
                    loop.run_once(timeout_ms=300)
                    if done():
                        return
                raise AssertionError("condition not reached in time")

            topic = settings.topic("pairing.pairings")
            created = PairingCreated.example().model_copy(
                update={"pairing_id": uuid.uuid4(), "child_id": uuid.UUID(child), "helper_account": "hl"}
            )
            first, first_event = _message(topic, created)
            publisher.publish([first, first])  # the very same record twice, as a relay retry sends it
            consume_until(lambda: rows(active=True) == 1)
            r = c.get(url, headers=helper)
            assert r.status_code == 200, r.text
            assert r.json()["guardian"]["phone"] == "+8613911114444"

            facts = created.model_dump(exclude={"created_at", "suggested"})
            ended = PairingEnded(**facts, reason=PairingEndReason.REASSIGNED, ended_at=AT)
            again, _ = _message(topic, created)  # a republished creation under a new event id
            publisher.publish([_message(topic, ended)[0], again])
            consume_until(lambda: rows(active=False) == 1)
            loop.run_once(timeout_ms=1000)  # the republished creation, if not in the same poll
            assert (rows(active=True), rows(active=False)) == (0, 1)
            assert c.get(url, headers=helper).status_code == 404
            processed = runtime.db.tables.processed_events
            with runtime.db.sessions() as s:
                ids = set(s.scalars(select(processed.c.event_id)))
            assert str(first_event.id) in ids
            assert len(ids) == 3, "the duplicate record was skipped by the inbox"
    finally:
        loop.close()
        publisher.close()
        runtime.db.dispose()
