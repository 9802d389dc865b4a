"""Reporting fixtures: a tiny registry that publishes real contract events, and the read models."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import select

from reporting.adapters.orm import Base, ChildPlacement, OrgUnitView, UnitChildCount
from reporting.bootstrap import consumers
from reporting.config import ReportingSettings
from shouhu_kit.db import Database
from shouhu_testkit.wiring import ConsumerHarness, harness_factory
from shouhu_testkit.world import World


class Reporting(ConsumerHarness):
    """The reporting read models on a database, fed through the handlers its bootstrap registers."""

    def __init__(self, url: str) -> None:
        db = Database(url=url, metadata=Base.metadata)
        db.create_schema()
        super().__init__(db=db, specs=consumers(ReportingSettings()), source="/shouhu/reporting")

    def counts(self) -> dict[uuid.UUID, int]:
        """Every non-zero counter."""
        with self.db.sessions() as s:
            rows = s.execute(select(UnitChildCount.unit_id, UnitChildCount.children)).all()
        return {u: n for u, n in rows if n}

    def count(self, unit: uuid.UUID) -> int:
        """One unit's counter."""
        return self.counts().get(unit, 0)

    def placements(self) -> dict[uuid.UUID, tuple[str, str | None, str]]:
        """Where each child is placed and whether it counts."""
        with self.db.sessions() as s:
            rows = s.scalars(select(ChildPlacement)).all()
        return {r.child_id: (r.org_path_text, r.home_path_text, r.status) for r in rows}

    def units(self) -> dict[uuid.UUID, tuple[str, str, str, uuid.UUID | None]]:
        """Each unit's name, code, path and parent."""
        with self.db.sessions() as s:
            rows = s.scalars(select(OrgUnitView)).all()
        return {r.id: (r.name, r.code, r.path_text, r.parent_id) for r in rows}

    def state(self) -> tuple[Any, ...]:
        """Everything the read models hold."""
        return self.counts(), self.placements(), self.units()


@pytest.fixture
def make(db_urls: Callable[[], str]) -> Iterator[Callable[[], Reporting]]:
    """Read models on a fresh database per call (a test may build two to compare)."""
    yield from harness_factory(lambda: Reporting(db_urls()))


@pytest.fixture
def rep(make: Callable[[], Reporting]) -> Reporting:
    """The read models under test."""
    return make()


@pytest.fixture
def world() -> World:
    return World()
