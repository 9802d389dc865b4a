"""The mission's sentence, across three services on a real Kafka and a real PostgreSQL, on one fake clock:
a paired child whose helper logs nothing for a month gets exactly one task, for the helper, who is
told by mail (a real local SMTP server); a late log closes it; a task nobody acts on climbs the ladder.
"""

from __future__ import annotations

import email
import email.policy
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import select

from alerts.adapters.orm import FollowUpTask, Person
from alerts.bootstrap import SERVICE as ALERTS
from alerts.config import AlertsSettings
from pairing.bootstrap import SERVICE as PAIRING
from pairing.config import PairingSettings
from registry.bootstrap import SERVICE as REGISTRY
from registry.config import RegistrySettings
from shouhu_kit.auth import Role
from shouhu_kit.clock import CHINA_TZ, FakeClock
from shouhu_kit.consumer import ConsumerLoop
from shouhu_kit.kafka_adapters import KafkaPublisher
from shouhu_kit.runtime import Runtime
from shouhu_kit.uow import UnitOfWork
from shouhu_testkit.wiring import bearer

pytestmark = pytest.mark.integration
START = datetime(2027, 3, 10, 9, 0, tzinfo=CHINA_TZ).astimezone(UTC)  # mid-March, Beijing


class Inbox:
    """An aiosmtpd handler that keeps what arrives."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))  # type: ignore[arg-type]
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class City:
    """Registry and pairing APIs, the three services' relays and consumers, one clock, one broker."""

    def __init__(self, kafka: str, prefix: str, dbs: Callable[[], str], smtp_port: int) -> None:
        self.clock = FakeClock(START)
        common: dict[str, Any] = {
            "kafka_bootstrap_servers": kafka,
            "kafka_topic_prefix": prefix,
            "env": "test",
            "consumer_retry_backoff_seconds": 0,
        }
        self.rs = RegistrySettings(database_url=dbs(), **common)
        self.ps = PairingSettings(database_url=dbs(), **common)
        self.als = AlertsSettings(
            database_url=dbs(),
            notify_channel="email",
            smtp_port=smtp_port,
            smtp_from="shouhu@city.example",
            **common,
        )
        self.registry_app = REGISTRY.api(self.rs, clock=self.clock)
        self.pairing_app = PAIRING.api(self.ps, clock=self.clock)
        self.registry: Runtime = self.registry_app.state.runtime
        self.pairing: Runtime = self.pairing_app.state.runtime
        self.alerts: Runtime = ALERTS.runtime(self.als, clock=self.clock)
        self.alerts.db.create_schema()
        self.publisher = KafkaPublisher(bootstrap_servers=kafka, client_id="journey")
        self.registry.broker.ensure_topics(self.registry.catalogue_topics())
        self.reg = TestClient(self.registry_app)
        self.par = TestClient(self.pairing_app)
        self.reg.__enter__()
        self.par.__enter__()
        self.admin = bearer(secret=self.rs.jwt_secret, role=Role.ADMIN)
        self.loops: list[ConsumerLoop] = [
            rt.consumer(spec, self.publisher)
            for service, rt, settings in ((PAIRING, self.pairing, self.ps), (ALERTS, self.alerts, self.als))
            for spec in service.consumers(settings)  # type: ignore[arg-type]
        ]
        self.jobs = {
            "pairing": {j.name: j for j in PAIRING.jobs(self.ps)},
            "alerts": {j.name: j for j in ALERTS.jobs(self.als)},
        }

    def close(self) -> None:
        for loop in self.loops:
            loop.close()
        self.publisher.close()
        self.reg.__exit__(None, None, None)
        self.par.__exit__(None, None, None)
        for rt in (self.registry, self.pairing, self.alerts):
            rt.db.dispose()

    def call(self, client: TestClient, method: str, url: str, body: Any = None) -> Any:
        r = client.request(method, url, json=body, headers=self.admin)
        assert r.status_code in (200, 201), r.text
        return r.json()

    def flow(self, done: Callable[[], bool], timeout: float = 60) -> None:
        """Relay every outbox to Kafka and consume, until `done`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for rt in (self.registry, self.pairing, self.alerts):
                rt.relay(self.publisher).run_once()
            for loop in self.loops:
                loop.run_once(timeout_ms=200)
            if done():
                return
        raise AssertionError("the platform did not get there in time")

    def run(self, service: str, job: str) -> None:
        rt = self.pairing if service == "pairing" else self.alerts
        with UnitOfWork(db=rt.db, clock=self.clock, source=f"/shouhu/{service}") as uow:
            self.jobs[service][job].run(uow)
            uow.commit()

    def tasks(self, child: str) -> list[FollowUpTask]:
        with self.alerts.db.sessions() as s:
            query = select(FollowUpTask).where(FollowUpTask.child_id == uuid.UUID(child))
            return list(s.scalars(query.where(FollowUpTask.reason == "contact_missed")))


@pytest.fixture
def smtp() -> Iterator[Inbox]:
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.port = port  # type: ignore[attr-defined]
    yield inbox
    controller.stop()


@pytest.fixture
def city(
    kafka_bootstrap: str, topic_prefix: str, pg_schemas: Callable[[], str], smtp: Inbox
) -> Iterator[City]:
    c = City(kafka_bootstrap, topic_prefix, pg_schemas, smtp.port)  # type: ignore[attr-defined]
    yield c
    c.close()


def _build(city: City) -> tuple[str, dict[str, str]]:
    """Through the registry: a city to a class and a child with a guardian; through pairing: a teacher
    paired with the child; the class teacher's office and the people's mail in alerts' directory."""
    units: dict[str, str] = {}
    parent = None
    levels = (("city", "示范市"), ("district", "城区"), ("township", "城关镇"), ("school", "中心小学"))
    for kind, name in (*levels, ("class", "三年级(1)班")):
        code = f"{city.rs.kafka_topic_prefix}{kind}"
        body = {"kind": kind, "code": code, "name": name, "parent_id": parent}
        units[kind] = parent = city.call(city.reg, "POST", "/v1/org-units", body)["id"]
    child = city.call(
        city.reg,
        "POST",
        "/v1/children",
        {
            "name": "王小明",
            "gender": "男",
            "birth_date": "2016-03-01",
            "left_behind_type": "both_parents",
            "class_id": units["class"],
            "guardian": {
                "name": "王奶奶",
                "relation": "祖母",
                "phone": "13911114444",
                "rating": "好",
                "age": 66,
            },
            "father": {"name": "王父", "phone": "13800138001", "work_city": "深圳"},
            "mother": {"name": "李母", "phone": "13800138002", "work_city": "东莞"},
        },
    )["id"]

    def pairing_knows_the_child_and_the_school() -> bool:
        # Org and child events travel on their own topics: the school's kind (a teacher's reach) may
        # arrive after the child, and until then a teacher cannot be registered there.
        from pairing.adapters.orm import TREE as PAIRING_TREE

        with city.pairing.db.sessions() as s:
            school = PAIRING_TREE.row(s, uuid.UUID(units["school"]))
        known = school is not None and school.kind == "school"
        return known and bool(city.par.get("/v1/children/unpaired", headers=city.admin).json())

    city.flow(pairing_knows_the_child_and_the_school)
    teacher = city.call(
        city.par,
        "POST",
        "/v1/helpers",
        {"name": "李老师", "kind": "teacher", "unit_id": units["school"], "account": "li"},
    )
    city.call(city.par, "POST", "/v1/pairings", {"child_id": child, "helper_id": teacher["id"]})
    alerts_app = ALERTS.api(city.als, clock=city.clock)
    with TestClient(alerts_app) as alerts:
        for account, name in (("li", "李老师"), ("ct-wang", "王班主任")):
            r = alerts.put(
                f"/v1/people/{account}",
                headers=city.admin,
                json={"name": name, "email": f"{account}@school.example.cn"},
            )
            assert r.status_code in (200, 201), r.text
        r = alerts.put(
            f"/v1/org-units/{units['class']}/offices/class_teacher",
            headers=city.admin,
            json={"account": "ct-wang", "name": "王班主任"},
        )
        assert r.status_code in (200, 201), r.text
    alerts_app.state.runtime.db.dispose()
    return child, units


def test_a_month_without_the_call_makes_one_task_for_the_helper_who_is_mailed_and_a_late_log_closes_it(
    city: City, smtp: Inbox
) -> None:
    child, _ = _build(city)

    def alerts_knows_the_pairing() -> bool:
        from alerts.adapters.orm import ChildCopy

        with city.alerts.db.sessions() as s:
            row = s.get(ChildCopy, uuid.UUID(child))
            return row is not None and row.primary_helper_account == "li"

    city.flow(alerts_knows_the_pairing)
    city.clock.advance(datetime(2027, 4, 1, 0, 10, tzinfo=CHINA_TZ).astimezone(UTC) - city.clock.now())
    city.run("pairing", "close_obligation_windows")  # March closed with no call
    city.flow(lambda: len(city.tasks(child)) >= 1)
    city.run("pairing", "close_obligation_windows")  # a second run announces nothing more
    city.flow(lambda: True, timeout=3)
    tasks = city.tasks(child)
    monthly = [t for t in tasks if t.cause_key.startswith("helper_contact_monthly:")]
    assert [(t.assignee_role, t.assignee_account, t.status) for t in monthly] == [("helper", "li", "open")]
    city.run("alerts", "send_notifications")
    mail = [m for m in smtp.messages if "li@school.example.cn" in str(m["To"])]
    assert len(mail) >= 1
    assert "新的跟进任务" in str(mail[0]["Subject"])
    assert "王小明" in str(mail[0]["Subject"])
    # The helper logs the March call late (backdated into March): the window is met late, the task closes.
    logged = city.par.post(
        "/v1/contacts",
        headers=bearer(secret=city.ps.jwt_secret, role=Role.ADMIN),
        json={
            "child_id": child,
            "kind": "phone_call",
            "counterpart": "child",
            "occurred_at": datetime(2027, 3, 28, 19, 0, tzinfo=CHINA_TZ).isoformat(),
            "helper_id": city.call(city.par, "GET", "/v1/helpers")[0]["id"],
        },
    )
    assert logged.status_code == 201, logged.text
    city.flow(lambda: [t.status for t in city.tasks(child) if t.id == monthly[0].id] == ["resolved"])
    [closed] = [t for t in city.tasks(child) if t.id == monthly[0].id]
    assert closed.resolution == "cause_cleared"


def test_nobody_acts_and_the_task_climbs_to_the_class_teacher_who_is_mailed(city: City, smtp: Inbox) -> None:
    child, _ = _build(city)
    city.flow(lambda: True, timeout=5)
    city.clock.advance(datetime(2027, 4, 1, 0, 10, tzinfo=CHINA_TZ).astimezone(UTC) - city.clock.now())
    city.run("pairing", "close_obligation_windows")
    city.flow(lambda: any(t.cause_key.startswith("helper_contact_monthly:") for t in city.tasks(child)))
    city.clock.advance(timedelta(days=8))  # the helper's 7 days pass
    city.run("alerts", "escalate_overdue")
    [task] = [t for t in city.tasks(child) if t.cause_key.startswith("helper_contact_monthly:")]
    assert (task.step, task.assignee_role, task.assignee_account) == (1, "class_teacher", "ct-wang")
    city.run("alerts", "send_notifications")
    to_teacher = [m for m in smtp.messages if "ct-wang@school.example.cn" in str(m["To"])]
    assert any("升级" in str(m["Subject"]) for m in to_teacher)
    with city.alerts.db.sessions() as s:
        assert s.get(Person, "ct-wang") is not None
