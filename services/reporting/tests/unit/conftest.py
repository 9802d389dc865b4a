"""Reporting fixtures: a tiny registry that publishes real contract events, and the read models."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import select

from reporting.adapters.orm import STOCK, TREE, Base, ChildFact, UnitCount
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
            c = UnitCount
            rows = s.execute(select(c.unit_id, c.n).where(c.metric == "children", c.month == STOCK)).all()
        return {u: n for u, n in rows if n}

    def count(self, unit: uuid.UUID) -> int:
        """One unit's counter."""
        return self.counts().get(unit, 0)

    def placements(self) -> dict[uuid.UUID, tuple[str | None, str | None, str]]:
        """Where each child is placed and whether it counts."""
        with self.db.sessions() as s:  # the paths are the tree's, found through class and village
            return {
                r.child_id: (
                    TREE.path_of(s, r.class_id) if r.class_id else None,
                    TREE.path_of(s, r.home_village_id) if r.home_village_id else None,
                    r.status,
                )
                for r in s.scalars(select(ChildFact)).all()
            }

    def units(self) -> dict[uuid.UUID, tuple[str, str, str, uuid.UUID | None]]:
        """Each unit's name, code, path and parent."""
        with self.db.sessions() as s:
            rows = s.execute(select(TREE.table)).all()
        return {r.id: (r.name, r.code, r.path, r.parent_id) for r in rows}

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
