"""Alerts fixtures: a tiny registry that publishes real contract events, and the alerts tables."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from alerts.adapters.orm import LIVE, TREE, Base, ChildCopy, ChildRisk, FollowUpTask
from alerts.bootstrap import SERVICE, consumers
from alerts.config import AlertsSettings
from shouhu_kit.auth import Role
from shouhu_kit.broker import InMemoryBroker
from shouhu_kit.clock import CHINA_TZ, FakeClock
from shouhu_kit.db import Database
from shouhu_kit.scheduler import JobResult
from shouhu_kit.uow import UnitOfWork
from shouhu_testkit.wiring import ConsumerHarness, bearer, harness_factory, in_memory_adapters
from shouhu_testkit.world import World


class Alerts(ConsumerHarness):
    """The alerts tables on a database, fed through the handlers its bootstrap registers."""

    def __init__(self, url: str) -> None:
        specs = consumers(AlertsSettings(env="test"))  # type: ignore[arg-type]
        db = Database(url=url, metadata=Base.metadata)
        db.create_schema()
        super().__init__(db=db, specs=specs, source="/shouhu/alerts")

    def children(self) -> dict[uuid.UUID, tuple[str, str | None]]:
        """Each child copy's name and path."""
        with self.db.sessions() as s:  # the path is the tree's, found through the class
            return {r.id: (r.name, TREE.path_of(s, r.class_id)) for r in s.scalars(select(ChildCopy)).all()}

    def tasks(self) -> dict[tuple[uuid.UUID, str], tuple[str, str | None, str, str]]:
        """Each task by child and cause: status, path, child name, detail."""
        with self.db.sessions() as s:
            return {
                (r.child_id, r.cause_key): (r.status, TREE.path_of(s, r.class_id), r.child_name, r.detail)
                for r in s.scalars(select(FollowUpTask)).all()
            }

    def close_tasks(self, child: uuid.UUID) -> None:
        """Close the child's tasks as a person resolving them would."""
        with self.db.sessions.begin() as s:
            s.execute(
                update(FollowUpTask)
                .where(FollowUpTask.child_id == child)
                .values(status="resolved", resolution="resolved")
            )

    def live_tasks(self) -> dict[tuple[uuid.UUID, str, str], tuple[str, str | None, str, str]]:
        """Each live task by child, rule and cause: status, path, child name, detail."""
        with self.db.sessions() as s:
            rows = s.scalars(select(FollowUpTask).where(FollowUpTask.status.in_(LIVE))).all()
            return {
                (r.child_id, r.reason, r.cause_key): (
                    r.status,
                    TREE.path_of(s, r.class_id),
                    r.child_name,
                    r.detail,
                )
                for r in rows
            }

    def risks(self) -> dict[uuid.UUID, tuple[str, list[Any]]]:
        """Each child's risk level and reasons (a child never assessed is low, with none)."""
        with self.db.sessions() as s:
            stored = {r.child_id: (r.level, r.reasons) for r in s.scalars(select(ChildRisk)).all()}
            return {c: stored.get(c, ("low", [])) for c in s.scalars(select(ChildCopy.id)).all()}

    def state(self) -> tuple[Any, ...]:
        """Copies, live tasks and risks: what a history leaves standing (the history itself, the
        closed tasks and the events about them, differs from a fresh registration's by design)."""
        return self.children(), self.live_tasks(), self.risks()

    def events(self) -> list[dict[str, Any]]:
        """The outbox's events in order."""
        table = self.db.tables.outbox
        with self.db.sessions() as s:
            return [json.loads(p) for p in s.scalars(select(table.c.payload).order_by(table.c.seq)).all()]


@pytest.fixture
def make(db_urls: Callable[[], str]) -> Iterator[Callable[[], Alerts]]:
    """Alerts on a fresh database per call (a test may build two to compare)."""
    yield from harness_factory(lambda: Alerts(db_urls()))


@pytest.fixture
def alerts(make: Callable[[], Alerts]) -> Alerts:
    """The alerts service under test."""
    return make()


@pytest.fixture
def world() -> World:
    return World()


# --- a city: alerts' API and handlers on one database and a fake clock, fed by a World -------------
SCHEMAS = Path(__file__).resolve().parents[4] / "contracts" / "schemas"


def china(year: int, month: int, day: int) -> datetime:
    """Midnight of a day in Beijing."""
    return datetime(year, month, day, tzinfo=CHINA_TZ)


class City(Alerts):
    """The alerts API and the worker's handlers on one database, on a fake clock, with a World."""

    china = staticmethod(china)

    def __init__(self, url: str, stack: ExitStack) -> None:
        self.settings = AlertsSettings(database_url=url, env="test")  # type: ignore[arg-type]
        clock = FakeClock()
        app = SERVICE.api(self.settings, in_memory_adapters(InMemoryBroker()), clock=clock)
        self.client = stack.enter_context(TestClient(app))
        stack.callback(app.state.runtime.db.dispose)
        ConsumerHarness.__init__(
            self,
            db=app.state.runtime.db,
            specs=consumers(self.settings),
            source="/shouhu/alerts",
            clock=clock,
        )
        self.world = World()
        self.t = self.world.t
        self.apply(*self.world.published)

    def feed(self) -> None:
        """Apply what the world published since the last feed."""
        fed = getattr(self, "_fed", 0)
        self.apply(*self.world.published[fed:])
        self._fed = len(self.world.published)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(db=self.db, clock=self.clock, source=self.source)

    def run(self, job: Callable[[UnitOfWork], JobResult]) -> JobResult:
        """One run of a scheduled job, committed as the scheduler commits it."""
        with self.uow() as uow:
            result = job(uow)
            uow.commit()
        return result

    def rows(self, child: uuid.UUID) -> list[FollowUpTask]:
        """The child's tasks, oldest first."""
        with self.db.sessions() as s:
            return list(
                s.scalars(
                    select(FollowUpTask)
                    .where(FollowUpTask.child_id == child)
                    .order_by(FollowUpTask.opened_at)
                )
            )

    def copy(self, child: uuid.UUID) -> ChildCopy:
        with self.db.sessions() as s:
            row = s.get(ChildCopy, child)
            assert row is not None
            return row

    def of(self, kind: str) -> list[dict[str, Any]]:
        """The outbox's events of one type, in order."""
        return [e for e in self.events() if e["type"] == kind]

    def validate_events(self) -> int:
        """Every event in the outbox against its JSON Schema; how many there were."""
        events = self.events()
        for event in events:
            schema = json.loads((SCHEMAS / f"{event['type']}.schema.json").read_text())
            jsonschema.Draft202012Validator(
                schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
            ).validate(event)
        return len(events)

    def token(self, role: Role, unit: str | None, subject: str = "staff") -> dict[str, str]:
        org = self.t[unit] if unit else None
        return bearer(secret=self.settings.jwt_secret, role=role, org_id=org, subject=subject)


@pytest.fixture
def city(db_urls: Callable[[], str]) -> Iterator[City]:
    """A city's alerts on a fresh database (SQLite, and PostgreSQL in the integration run)."""
    with ExitStack() as stack:
        yield City(db_urls(), stack)
