"""A small city for the bulletin tests: the reporting API on a fake clock, fed through the real handlers.

青山市 → 城东区 (东关街道: 东关村 and the schools S1–S5; 南湖镇) and 河西县 (白沙镇), and 北山区 with
nothing under it. Children, pairings and contact windows are real contract events applied by the
handlers the worker registers; the job is the one the bootstrap schedules, run as the scheduler
runs it (its own unit of work, committed), on the same clock.

Loaded by the test modules with importlib (the tests run with --import-mode=importlib).
"""

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

from reporting.adapters.orm import Base
from reporting.bootstrap import SERVICE, consumers
from reporting.config import ReportingSettings
from reporting.service_layer.bulletin import build_bulletin
from shouhu_contracts.org import OrgKind
from shouhu_contracts.pairing.v1 import ObligationWindowMet, ObligationWindowOpened, PairingCreated
from shouhu_kit.auth import Role
from shouhu_kit.broker import InMemoryBroker
from shouhu_kit.clock import CHINA_TZ, FakeClock
from shouhu_kit.db import Database
from shouhu_kit.scheduler import JobResult
from shouhu_kit.uow import UnitOfWork
from shouhu_testkit.wiring import ConsumerHarness, bearer, in_memory_adapters
from shouhu_testkit.world import World

ROOT = Path(__file__).resolve().parents[4]
SCHEMAS = ROOT / "contracts" / "schemas"
ARTIFACTS = ROOT / "test-artifacts"
START = datetime(2027, 4, 1, 2, 0, tzinfo=UTC)
NAMES = {
    "city": "青山市",
    "dA": "城东区",
    "dB": "河西县",
    "tA": "东关街道",
    "tA2": "南湖镇",
    "tB": "白沙镇",
    "vA": "东关村",
}


def china(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An instant given in Beijing time."""
    return datetime(year, month, day, hour, minute, tzinfo=CHINA_TZ).astimezone(UTC)


def month_window(month: str) -> tuple[datetime, datetime]:
    """A monthly window in China's time: its first instant and the next month's."""
    year, m = int(month[:4]), int(month[5:7])
    nxt = (year + (m == 12), m % 12 + 1)
    return china(year, m, 1), china(nxt[0], nxt[1], 1)


class City:
    """The API process, the handlers on the same database, the world that publishes, the clock."""

    def __init__(self, client: TestClient, settings: ReportingSettings, clock: FakeClock, url: str) -> None:
        self.client, self.settings, self.clock = client, settings, clock
        self.runtime = client.app.state.runtime  # type: ignore[attr-defined]
        db = Database(url=url, metadata=Base.metadata)
        self.harness = ConsumerHarness(
            db=db, specs=consumers(settings), source="/shouhu/reporting", clock=clock
        )
        self.world = World()
        self.world.at = clock.now()
        self.t = self.world.t
        for key, name in NAMES.items():
            self.world.rename(self.t[key], name)
        self.t["dC"] = self.world.unit(OrgKind.DISTRICT, "北山区", self.t["city"])
        for n in range(1, 6):  # five schools of 东关街道, a class each
            self.t[f"S{n}"] = self.world.unit(OrgKind.SCHOOL, f"东关第{n}小学", self.t["tA"])
            self.t[f"K{n}"] = self.world.unit(OrgKind.CLASS, f"{n}年级1班", self.t[f"S{n}"])
        self.flush()

    def flush(self) -> None:
        """Apply what the world published since the last flush."""
        self.harness.apply(*self.world.published)
        self.world.published.clear()

    def at(self, when: datetime) -> None:
        """Set the clock (forward only) and the world's event time."""
        assert when >= self.clock.now()
        self.clock.advance(when - self.clock.now())
        self.world.at = when

    def child(self, cls: str, *, at: datetime | None = None, name: str = "李小红") -> uuid.UUID:
        """A child registered in a class (at the clock's time, or `at`)."""
        self.world.at = at or self.clock.now()
        child = self.world.register(self.t[cls], name=name)
        self.flush()
        return child

    def pair(self, child: uuid.UUID, *, at: datetime | None = None) -> uuid.UUID:
        """A pairing for the child (结对), as pairing announces it."""
        pairing = uuid.uuid4()
        path = self.world.path(self.world.kids[child].class_id)
        self.harness.apply(
            PairingCreated.example().model_copy(
                update={
                    "pairing_id": pairing,
                    "child_id": child,
                    "helper_id": uuid.uuid4(),
                    "org_path": path,
                    "created_at": at or self.clock.now(),
                }
            )
        )
        return pairing

    def window(self, child: uuid.UUID, month: str, *, met: bool) -> None:
        """The child's monthly contact window in `month`, met (on its 10th) or left open."""
        start, end = month_window(month)
        facts = {
            "obligation_id": uuid.uuid4(),
            "child_id": child,
            "helper_id": uuid.uuid4(),
            "pairing_id": None,
            "org_path": self.world.path(self.world.kids[child].class_id),
            "window_start": start,
            "window_end": end,
        }
        self.harness.apply(ObligationWindowOpened.example().model_copy(update=facts))
        if met:
            at = start + timedelta(days=9)
            self.harness.apply(ObligationWindowMet.example().model_copy(update={**facts, "met_at": at}))

    def run_job(self, *, batch: int = 500, grace: timedelta = timedelta(0)) -> list[JobResult]:
        """The bulletin job, round after round while it says more is due (as the scheduler runs it)."""
        results = []
        for _ in range(200):
            with UnitOfWork(db=self.runtime.db, clock=self.clock, source="/shouhu/reporting") as uow:
                results.append(build_bulletin(uow, batch=batch, grace=grace))
                uow.commit()
            if not results[-1].more:
                return results
        raise AssertionError("the job never finished")

    def published(self) -> list[dict[str, Any]]:
        """Every BulletinPublished in the outbox, oldest first, each valid against its released schema."""
        with self.runtime.db.sessions() as s:
            table = self.runtime.db.tables.outbox
            rows = s.scalars(select(table.c.payload).order_by(table.c.seq)).all()
        events = [json.loads(r) for r in rows]
        for e in events:
            jsonschema.validate(e, json.loads((SCHEMAS / f"{e['type']}.schema.json").read_text()))
        return [e for e in events if e["type"] == "reporting.bulletin.published.v1"]

    def headers(self, role: Role, unit: str | None = None) -> dict[str, str]:
        org = self.t[unit] if unit else None
        return bearer(secret=self.settings.jwt_secret, role=role, org_id=org)

    def get(self, url: str, who: dict[str, str], **params: Any) -> Response:
        return self.client.get(url, headers=who, params=params)


def april_city(city: City) -> dict[str, list[uuid.UUID]]:
    """April in 东关街道's schools (children registered on 2 April, paired on the 3rd):

    S1: 2 children, both paired, 2 of 2 contacts → coverage 1, compliance 1 (overall 1st)
    S2: 2 children, 1 paired, 2 of 2 contacts → 0.5 and 1 (mean 0.75)
    S3: 2 children, both paired, 1 of 2 contacts → 1 and 0.5 (mean 0.75, tied with S2)
    S4: 1 child, unpaired, nothing due → coverage 0, no compliance (4th)
    S5 and the village 东关村: no child, no rank.
    """
    at = china(2027, 4, 2, 10)
    kids = {s: [city.child(f"K{s[1]}", at=at, name=f"童{s}{i}") for i in range(n)] for s, n in
            (("S1", 2), ("S2", 2), ("S3", 2), ("S4", 1))}  # fmt: skip
    paired = china(2027, 4, 3, 10)
    for child in [*kids["S1"], kids["S2"][0], *kids["S3"]]:
        city.pair(child, at=paired)
    for child, met in [(kids["S1"][0], True), (kids["S1"][1], True), (kids["S2"][0], True),
                       (kids["S2"][1], True), (kids["S3"][0], True), (kids["S3"][1], False)]:  # fmt: skip
        city.window(child, "2027-04", met=met)
    return kids


@pytest.fixture
def city(db_urls: Callable[[], str]) -> Iterator[City]:
    """The reporting API (migrated) on a fresh database, its handlers beside it, on a fake clock."""
    with ExitStack() as stack:
        url = db_urls()
        settings = ReportingSettings(database_url=url, env="test")  # type: ignore[arg-type]
        clock = FakeClock(START)
        app = SERVICE.api(settings, in_memory_adapters(InMemoryBroker()), clock)
        client = stack.enter_context(TestClient(app))
        stack.callback(app.state.runtime.db.dispose)
        made = City(client, settings, clock, url)
        stack.callback(made.harness.db.dispose)
        yield made
