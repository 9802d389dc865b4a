"""The alerts API on a small city, with tasks opened through the task core (tasks.open_task).

Its own directory, so that its fixtures stay with the API tests."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select

from alerts.adapters.orm import TREE, ChildCopy, FollowUpTask, HelperCopy, Notification, OfficeHolder
from alerts.bootstrap import SERVICE
from alerts.config import AlertsSettings
from alerts.service_layer import tasks
from shouhu_contracts.alerts.tasks import AlertRule
from shouhu_kit.auth import Role
from shouhu_kit.broker import InMemoryBroker
from shouhu_kit.clock import FakeClock
from shouhu_kit.org.paths import encode_path
from shouhu_testkit.wiring import bearer, in_memory_adapters

SCHEMAS = Path(__file__).resolve().parents[5] / "contracts" / "schemas"
START = datetime(2027, 3, 1, 0, 0, tzinfo=UTC)
# city → D1 → T1 → S1 (K1, K2), S2 (K3), village V1; city → D2 → T2 → S3 (K4)
TREE_SHAPE = [
    ("C", "city", None),
    ("D1", "district", "C"),
    ("T1", "township", "D1"),
    ("V1", "village", "T1"),
    ("S1", "school", "T1"),
    ("K1", "class", "S1"),
    ("K2", "class", "S1"),
    ("S2", "school", "T1"),
    ("K3", "class", "S2"),
    ("D2", "district", "C"),
    ("T2", "township", "D2"),
    ("S3", "school", "T2"),
    ("K4", "class", "S3"),
]


class TaskApi:
    """The alerts API process on a fresh database, its clock, and ways to seed it."""

    def __init__(self, client: TestClient, settings: AlertsSettings, clock: FakeClock) -> None:
        self.client, self.settings, self.clock = client, settings, clock
        self.runtime = client.app.state.runtime  # type: ignore[attr-defined]
        self.u: dict[str, uuid.UUID] = {}
        self._tree()

    def _tree(self) -> None:
        paths: dict[str, list[uuid.UUID]] = {}
        with self.runtime.db.sessions.begin() as s:
            for code, kind, parent in TREE_SHAPE:
                unit = uuid.uuid4()
                self.u[code] = unit
                paths[code] = [*(paths[parent] if parent else []), unit]
                s.execute(
                    TREE.table.insert().values(
                        id=unit,
                        kind=kind,
                        code=code,
                        name=code,
                        parent_id=self.u[parent] if parent else None,
                        path=encode_path(paths[code]),
                    )
                )
            s.add(HelperCopy(id=uuid.uuid4(), account="helper-zhao", kind="teacher", unit_id=self.u["S1"]))
            for cls in ("K1", "K2", "K3", "K4"):
                s.add(
                    OfficeHolder(
                        unit_id=self.u[cls],
                        role="class_teacher",
                        account=f"ct-{cls}",
                        name="班主任",
                        updated_at=START,
                    )
                )

    def child(self, cls: str, *, helper: str | None = None, name: str = "李小红") -> ChildCopy:
        """A child copy in a class, paired with a helper's account when given."""
        with self.runtime.db.sessions.begin() as s:
            child = ChildCopy(
                id=uuid.uuid4(),
                name=name,
                class_id=self.u[cls],
                home_village_id=self.u["V1"] if cls in ("K1", "K2", "K3") else None,
                status="active",
                registered_at=START,
                has_guardian=True,
                missing_contacts=[],
                primary_helper_id=uuid.uuid4() if helper else None,
                primary_helper_account=helper,
            )
            s.add(child)
        return child

    def task(
        self, child: ChildCopy, rule: AlertRule = AlertRule.CONTACT_MISSED, cause: str = "2027-02"
    ) -> uuid.UUID:
        """Open the child's task for a cause through the task core."""
        opened = self.task_or_none(child, rule, cause)
        assert opened is not None
        return opened

    def task_or_none(
        self, child: ChildCopy, rule: AlertRule = AlertRule.CONTACT_MISSED, cause: str = "2027-02"
    ) -> uuid.UUID | None:
        """The task the core opens for this cause, None when it opens none (the rule is off…)."""
        with self.runtime.uow() as uow:
            row = uow.session.get(ChildCopy, child.id)
            opened = tasks.open_task(
                uow,
                child=row,
                rule=rule,
                cause_key=cause,
                detail=f"测试任务 {cause}",
                detail_en=f"test task {cause}",
                cause_event_id=None,
            )
            uow.commit()
            return None if opened is None else opened.id

    def headers(self, role: Role, unit: str | None = None, subject: str = "tester") -> dict[str, str]:
        org = self.u[unit] if unit else None
        return bearer(secret=self.settings.jwt_secret, role=role, org_id=org, subject=subject)

    def get(self, url: str, who: dict[str, str], **params: Any) -> Response:
        return self.client.get(url, headers=who, params=params)

    def act(
        self, task: uuid.UUID, action: str, who: dict[str, str], body: Any = None, etag: str | None = "read"
    ) -> Response:
        """POST an action; the ETag is read first unless one is given (None: no If-Match)."""
        headers = dict(who)
        if etag == "read":
            etag = self.client.get(f"/v1/tasks/{task}", headers=who).headers.get("ETag")
        if etag is not None:
            headers["If-Match"] = etag
        return self.client.post(f"/v1/tasks/{task}/{action}", headers=headers, json=body)

    def walk(self, url: str, who: dict[str, str], **params: Any) -> list[list[str]]:
        """Every page of a list, following X-Next-Cursor; the ids of each page."""
        pages: list[list[str]] = []
        cursor = None
        for _ in range(100):
            got = self.get(url, who, **params, **({"cursor": cursor} if cursor else {}))
            assert got.status_code == 200, got.text
            pages.append([t["id"] for t in got.json()])
            cursor = got.headers.get("X-Next-Cursor")
            if cursor is None:
                return pages
        raise AssertionError("the pages never ended")

    def outbox(self) -> list[dict[str, Any]]:
        """Every event queued, oldest first, each validated against its published schema."""
        with self.runtime.db.sessions() as s:
            table = self.runtime.db.tables.outbox
            rows = s.scalars(select(table.c.payload).order_by(table.c.seq)).all()
        events = [json.loads(r) for r in rows]
        for e in events:
            jsonschema.validate(e, json.loads((SCHEMAS / f"{e['type']}.schema.json").read_text()))
        return events

    def notifications(self, task: uuid.UUID) -> list[tuple[str, str]]:
        with self.runtime.db.sessions() as s:
            rows = s.scalars(
                select(Notification).where(Notification.task_id == task).order_by(Notification.created_at)
            )
            return [(n.recipient, n.kind) for n in rows]

    def row(self, task: uuid.UUID) -> FollowUpTask:
        with self.runtime.db.sessions() as s:
            found = s.get(FollowUpTask, task)
            assert found is not None
            return found


@pytest.fixture
def api(db_urls: Callable[[], str]) -> Iterator[TaskApi]:
    """The alerts API on a fresh database, on a fake clock."""
    with ExitStack() as stack:
        settings = AlertsSettings(database_url=db_urls(), env="test")  # type: ignore[arg-type]
        clock = FakeClock(START)
        app = SERVICE.api(settings, in_memory_adapters(InMemoryBroker()), clock)
        client = stack.enter_context(TestClient(app))
        stack.callback(app.state.runtime.db.dispose)
        yield TaskApi(client, settings, clock)


DAY = timedelta(days=1)
