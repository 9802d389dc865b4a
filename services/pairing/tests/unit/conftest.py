"""Pairing fixtures: a tiny registry that publishes real contract events, and the waiting list."""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from pairing.adapters.orm import TREE, ChildToPair
from pairing.bootstrap import SERVICE, consumers
from pairing.config import PairingSettings
from shouhu_kit.auth import Role
from shouhu_kit.broker import InMemoryBroker
from shouhu_testkit.wiring import ConsumerHarness, bearer, in_memory_adapters
from shouhu_testkit.world import World

# The fixture modules in tests/support (e.g. obligation_fixtures) import by name in the test modules;
# --import-mode=importlib puts no test directory on sys.path (mypy finds them through mypy_path).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from obligation_fixtures import town  # noqa: F401  (the fixture, for every test here)


class Pairing(ConsumerHarness):
    """The pairing API on a database, fed through the handlers its bootstrap registers."""

    def __init__(self, client: TestClient, settings: PairingSettings) -> None:
        self.client, self.settings = client, settings
        db = client.app.state.runtime.db  # type: ignore[attr-defined]
        super().__init__(db=db, specs=consumers(PairingSettings()), source="/shouhu/pairing")

    def unpaired(self, org: uuid.UUID | None = None) -> list[uuid.UUID]:
        """The waiting list as the API serves it, most urgent first (scoped to `org` if given)."""
        role = Role.ADMIN if org is None else Role.TOWNSHIP_ADMIN
        r = self.client.get(
            "/v1/children/unpaired", headers=bearer(secret=self.settings.jwt_secret, role=role, org_id=org)
        )
        assert r.status_code == 200, r.text
        return [uuid.UUID(c["id"]) for c in r.json()]

    def rows(self) -> dict[uuid.UUID, tuple[Any, ...]]:
        """What pairing holds of each child."""
        with self.db.sessions() as s:
            return {
                r.id: (
                    r.name,
                    r.left_behind_type,
                    r.has_guardian,
                    r.priority,
                    TREE.path_of(s, r.class_id),  # the path is the tree's, found through the class
                    r.status,
                    r.paired,
                )
                for r in s.scalars(select(ChildToPair)).all()
            }

    def headers(self, role: Role, org: uuid.UUID | None = None, subject: str = "tester") -> dict[str, str]:
        """A bearer header for a caller of that role at that unit."""
        return bearer(secret=self.settings.jwt_secret, role=role, org_id=org, subject=subject)

    def outbox(self) -> list[dict[str, Any]]:
        """Every event the service queued, oldest first, as the relay would send it."""
        with self.db.sessions() as s:
            rows = s.scalars(
                select(self.db.tables.outbox.c.payload).order_by(self.db.tables.outbox.c.seq)
            ).all()
        return [json.loads(r) for r in rows]

    def state(self) -> tuple[Any, ...]:
        """The rows and the waiting list."""
        return self.rows(), self.unpaired()


@pytest.fixture
def make(db_urls: Callable[[], str]) -> Iterator[Callable[[], Pairing]]:
    """The pairing API on a fresh database per call (a test may build two to compare)."""
    with ExitStack() as stack:

        def new() -> Pairing:
            settings = PairingSettings(database_url=db_urls(), env="test")  # type: ignore[arg-type]
            app = SERVICE.api(settings, in_memory_adapters(InMemoryBroker()))
            client = stack.enter_context(TestClient(app))
            stack.callback(app.state.runtime.db.dispose)
            return Pairing(client, settings)

        yield new


@pytest.fixture
def pairing(make: Callable[[], Pairing]) -> Pairing:
    """The pairing service under test."""
    return make()


@pytest.fixture
def world() -> World:
    return World()
