"""Alerts fixtures: a tiny registry that publishes real contract events, and the alerts tables."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import select, update

from alerts.adapters.orm import LIVE, TREE, Base, ChildCopy, ChildRisk, FollowUpTask
from alerts.bootstrap import consumers
from alerts.config import AlertsSettings
from shouhu_kit.db import Database
from shouhu_testkit.wiring import ConsumerHarness, harness_factory
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
