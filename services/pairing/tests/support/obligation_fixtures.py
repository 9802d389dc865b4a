"""A small town for obligation and contact tests: the tree and children fed through the handlers,
helpers and class teachers as rows, pairings made by service_layer.pairings.pair(), a fake clock."""

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
from sqlalchemy import select

from pairing.adapters.orm import ChildToPair, ClassTeacher, Helper, PolicyVersion
from pairing.bootstrap import SERVICE, consumers
from pairing.config import PairingSettings
from pairing.domain.policy import DEFAULT_POLICY, PairingPolicy
from pairing.service_layer import obligations, pairings
from pairing.service_layer.context import child_path, policy_at
from pairing.service_layer.obligation_windows import close_due_windows
from pairing.service_layer.pairings import Made
from shouhu_contracts.pairing.vocabulary import HelperKind, PairingRole
from shouhu_kit.auth import Role
from shouhu_kit.broker import InMemoryBroker
from shouhu_kit.clock import CHINA_TZ, FakeClock
from shouhu_kit.db import Database
from shouhu_kit.scheduler import JobResult
from shouhu_kit.uow import UnitOfWork
from shouhu_testkit.wiring import ConsumerHarness, bearer, in_memory_adapters
from shouhu_testkit.world import World

SCHEMAS = Path(__file__).resolve().parents[4] / "contracts" / "schemas"


def china(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An instant given as Beijing wall time."""
    return datetime(year, month, day, hour, minute, tzinfo=CHINA_TZ)


class Town:
    """The pairing API and its database on a fake clock, with a tiny registry (World) feeding it."""

    def __init__(self, url: str, stack: ExitStack, start: datetime) -> None:
        self.clock = FakeClock(start.astimezone(UTC))
        self.settings = PairingSettings(database_url=url, env="test")
        app = SERVICE.api(self.settings, in_memory_adapters(InMemoryBroker()), clock=self.clock)
        self.client = stack.enter_context(TestClient(app))
        self.runtime = app.state.runtime
        stack.callback(self.runtime.db.dispose)
        self.db: Database = self.runtime.db
        self.world = World()
        self.t = self.world.t
        self.harness = ConsumerHarness(
            db=self.db, specs=consumers(self.settings), source="/shouhu/pairing", clock=self.clock
        )
        self.harness.apply(*self.world.published)

    # --- time -------------------------------------------------------------------------------
    def at(self, when: datetime) -> None:
        """Move the clock forward to `when`."""
        delta = when.astimezone(UTC) - self.clock.now()
        assert delta >= timedelta(0), "the clock only moves forward"
        self.clock.advance(delta)

    def uow(self) -> UnitOfWork:
        return self.runtime.uow()  # type: ignore[no-any-return]

    def close(self, batch: int = 500) -> list[JobResult]:
        """Run the closing job as the scheduler would, until nothing more is due."""
        results = []
        for _ in range(1000):
            with self.uow() as uow:
                result = close_due_windows(uow, batch=batch)
                uow.commit()
            results.append(result)
            if not result.more:
                return results
        raise AssertionError("the job never finished")

    # --- people -----------------------------------------------------------------------------
    def child(self, klass: str = "cA1", name: str = "李小红") -> uuid.UUID:
        """A child registered in the registry, as pairing learns it; the class teacher's and school's
        duties attached, as the child handlers do."""
        child = self.world.register(self.t[klass], name=name)
        self.harness.apply(self.world.published[-1])
        with self.uow() as uow:
            row = uow.session.get(ChildToPair, child)
            assert row is not None
            obligations.attach_for_child(uow, row, policy_at(uow.session, child_path(uow.session, row)))
            uow.commit()
        return child

    def helper(
        self, unit: str = "sA1", kind: HelperKind = HelperKind.TEACHER, account: str | None = None
    ) -> uuid.UUID:
        """A helper row at a unit of the tree, reaching that unit."""
        helper = uuid.uuid4()
        with self.uow() as uow:
            now = uow.now()
            uow.session.add(
                Helper(
                    id=helper,
                    name="王老师",
                    kind=kind.value,
                    unit_id=self.t[unit],
                    reach_unit_id=self.t[unit],
                    phone="+8613800138000",
                    capacity=3,
                    caseload=0,
                    active=True,
                    account=account or f"h-{helper.hex[:8]}",
                    registered_at=now,
                    updated_at=now,
                )
            )
            uow.commit()
        return helper

    def account(self, helper: uuid.UUID) -> str:
        with self.db.sessions() as s:
            row = s.get(Helper, helper)
            assert row is not None
            return str(row.account)

    def class_teacher(self, klass: str, helper: uuid.UUID) -> None:
        with self.uow() as uow:
            uow.session.add(ClassTeacher(class_id=self.t[klass], helper_id=helper, assigned_at=uow.now()))
            uow.commit()

    def pair(self, child: uuid.UUID, helper: uuid.UUID, role: PairingRole = PairingRole.PRIMARY) -> uuid.UUID:
        """A pairing made through the service layer (which attaches the primary helper's duties)."""
        with self.uow() as uow:
            kid = uow.session.get(ChildToPair, child)
            person = uow.session.get(Helper, helper)
            assert kid is not None
            assert person is not None
            made = pairings.pair(uow, child=kid, helper=person, role=role, actor="tester")
            assert isinstance(made, Made), made
            uow.commit()
            return made.pairing.id

    def policy(self, policy: PairingPolicy, version: int) -> None:
        """A new version of the city's policy."""
        with self.uow() as uow:
            uow.session.add(
                PolicyVersion(
                    city_id=self.t["city"],
                    version=version,
                    document=policy.model_dump(mode="json"),
                    created_at=uow.now(),
                    created_by="tester",
                )
            )
            uow.commit()

    # --- the API ----------------------------------------------------------------------------
    def as_helper(self, helper: uuid.UUID, unit: str = "sA1") -> dict[str, str]:
        return self.token(Role.HELPER, unit, subject=self.account(helper))

    def token(self, role: Role, unit: str | None = None, subject: str = "staff") -> dict[str, str]:
        org = self.t[unit] if unit else None
        return bearer(secret=self.settings.jwt_secret, role=role, org_id=org, subject=subject)

    def log(self, headers: dict[str, str], child: uuid.UUID, when: datetime, **fields: Any) -> Any:
        body = {"child_id": str(child), "kind": "phone_call", "counterpart": "child"}
        body["occurred_at"] = when.isoformat()
        return self.client.post("/v1/contacts", headers=headers, json={**body, **fields})

    # --- what was published -----------------------------------------------------------------
    def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        """The outbox's events in order (of one type when given)."""
        table = self.db.tables.outbox
        with self.db.sessions() as s:
            payloads = s.scalars(select(table.c.payload).order_by(table.c.seq)).all()
        events = [json.loads(p) for p in payloads]
        return [e for e in events if kind is None or e["type"] == kind]

    def validate_events(self) -> int:
        """Every event in the outbox against its JSON Schema; how many there were."""
        events = self.events()
        for event in events:
            schema = json.loads((SCHEMAS / f"{event['type']}.schema.json").read_text())
            jsonschema.Draft202012Validator(
                schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
            ).validate(event)
        return len(events)


MISSED = "pairing.obligation.window_missed.v1"
OPENED = "pairing.obligation.window_opened.v1"
MET = "pairing.obligation.window_met.v1"
ENDED = "pairing.obligation.ended.v1"
LOGGED = "pairing.contact.logged.v1"
CORRECTED = "pairing.contact.corrected.v1"
MONTHLY = "helper_contact_monthly"


def windows(events: list[dict[str, Any]], duty: str | None = None) -> list[tuple[str, str]]:
    """(window_start, duty) of each obligation event, in order, as Beijing dates."""
    out = []
    for e in events:
        if duty is None or e["data"]["duty"] == duty:
            start = datetime.fromisoformat(e["data"]["window_start"]).astimezone(CHINA_TZ)
            out.append((start.date().isoformat(), e["data"]["duty"]))
    return out


DEFAULT = DEFAULT_POLICY


@pytest.fixture
def town(db_urls: Callable[[], str]) -> Iterator[Callable[..., Town]]:
    """Towns on fresh databases, their clocks starting at the Beijing time given."""
    with ExitStack() as stack:

        def new(start: datetime | None = None) -> Town:
            return Town(db_urls(), stack, start or china(2027, 3, 10, 9, 0))

        yield new
