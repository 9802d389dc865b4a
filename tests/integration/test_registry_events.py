"""Each registry change reaches Kafka as a schema-valid CloudEvent, in order per child."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient
from kafka import KafkaConsumer

from registry.bootstrap import SERVICE
from registry.config import RegistrySettings
from shouhu_contracts.codegen import CONTRACTS_DIR
from shouhu_kit.auth import Role
from shouhu_kit.kafka_adapters import KafkaPublisher
from shouhu_testkit.wiring import bearer

pytestmark = pytest.mark.integration


def test_every_change_is_published_and_validates(
    kafka_bootstrap: str, topic_prefix: str, pg_schemas: Callable[[], str]
) -> None:
    settings = RegistrySettings(
        database_url=pg_schemas(),
        kafka_bootstrap_servers=kafka_bootstrap,  # type: ignore[arg-type]
        kafka_topic_prefix=topic_prefix,
        env="test",
    )
    app = SERVICE.api(settings)
    runtime = app.state.runtime
    runtime.broker.ensure_topics(runtime.catalogue_topics())
    h = bearer(secret=settings.jwt_secret, role=Role.ADMIN)
    with TestClient(app) as c:

        def ok(r: Any) -> dict[str, Any]:
            assert r.status_code in (200, 201), r.text
            return r.json()  # type: ignore[no-any-return]

        def unit(kind: str, parent: str | None, n: int = 0) -> str:
            return str(
                ok(
                    c.post(
                        "/v1/org-units",
                        headers=h,
                        json={
                            "kind": kind,
                            "code": f"{topic_prefix}{kind}{n}",
                            "name": kind,
                            "parent_id": parent,
                        },
                    )
                )["id"]
            )

        city = unit("city", None)
        district = unit("district", city)
        town = unit("township", district)
        school = unit("school", town)
        class_a, class_b = unit("class", school), unit("class", school, 1)
        child = ok(
            c.post(
                "/v1/children",
                headers=h,
                json={
                    "name": "周小雨",
                    "gender": "女",
                    "birth_date": "2015-09-09",
                    "left_behind_type": "both_parents",
                    "class_id": class_a,
                    "father": {"phone": "13911112222"},
                    "mother": {"phone": "13911113333"},
                },
            )
        )
        cid = child["id"]
        etag = c.get(f"/v1/children/{cid}", headers=h).headers["ETag"]
        ok(
            c.patch(
                f"/v1/children/{cid}",
                headers={**h, "If-Match": etag},
                json={
                    "guardian": {
                        "name": "周奶奶",
                        "relation": "祖母",
                        "age": 70,
                        "rating": "较好",
                        "phone": "13911114444",
                    }
                },
            )
        )
        ok(
            c.put(
                f"/v1/children/{cid}/term-results/2025-2026-1",
                headers=h,
                json={"subjects": {"语文": 88, "数学": 92}, "class_rank": 6, "class_size": 40},
            )
        )
        ok(c.post(f"/v1/children/{cid}/transfer", headers=h, json={"to_class_id": class_b}))
        ok(c.post(f"/v1/children/{cid}/exit", headers=h, json={"reason": "母亲返乡"}))
        ok(c.post(f"/v1/children/{cid}/reenter", headers=h, json={}))
    publisher = KafkaPublisher(bootstrap_servers=kafka_bootstrap, client_id="it-registry")
    relay = runtime.relay(publisher)
    while relay.run_once():
        pass
    publisher.close()

    consumer = KafkaConsumer(
        settings.topic("registry.children"),
        bootstrap_servers=kafka_bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=1000,
    )
    records: list[Any] = []
    deadline = time.monotonic() + 20
    while len(records) < 7 and time.monotonic() < deadline:
        records.extend(consumer)
    consumer.close()
    docs = [json.loads(r.value) for r in records if r.key == cid.encode()]
    for doc in docs:
        jsonschema.validate(
            doc, json.loads((CONTRACTS_DIR / "schemas" / f"{doc['type']}.schema.json").read_text())
        )
        assert doc["subject"] == cid
        assert doc["source"] == "/shouhu/registry"
    assert [d["type"].split(".")[2] for d in docs] == [
        "registered",
        "updated",
        "guardian_changed",
        "term_result_recorded",
        "transferred",
        "exited",
        "reentered",
    ]
    assert docs[3]["data"]["total_score"] == 180
    runtime.db.dispose()
