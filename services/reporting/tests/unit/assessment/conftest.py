"""Assessment fixtures: the registry's World, a tiny pairing publishing real contract events, and both
applied to reporting's read models through the handlers its bootstrap registers.

Its own directory, so that these fixtures stay with the assessment's tests."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from reporting.bootstrap import SERVICE
from reporting.config import ReportingSettings
from shouhu_contracts.envelope import EventData
from shouhu_contracts.pairing.v1 import (
    HelperRegistered,
    ObligationWindowMet,
    ObligationWindowMissed,
    ObligationWindowOpened,
    PairingCreated,
    PairingEnded,
)
from shouhu_contracts.pairing.vocabulary import HelperKind, PairingEndReason, PairingRole
from shouhu_contracts.registry.v1 import AwardRecorded, ViolationRecorded
from shouhu_kit.auth import Principal, Role
from shouhu_kit.broker import InMemoryBroker
from shouhu_kit.clock import FakeClock
from shouhu_kit.uow import UnitOfWork
from shouhu_testkit.wiring import ConsumerHarness, bearer, in_memory_adapters
from shouhu_testkit.world import World

ADMIN = Principal(subject="test", role=Role.ADMIN, org_id=None)
FIRST_TERM_AT = datetime(2026, 1, 20, 2, 0, tzinfo=UTC)  # 2025-2026-1 results recorded
END_AT = datetime(2026, 7, 5, 2, 0, tzinfo=UTC)  # 2025-2026-2 results recorded
PAIRED_AT = datetime(2025, 9, 15, 2, 0, tzinfo=UTC)


def at(year: str, term: int) -> datetime:
    """When a term's results are recorded: January for the first term, July for the second."""
    start = int(year[:4])
    return (
        datetime(start + 1, 1, 20, 2, 0, tzinfo=UTC)
        if term == 1
        else datetime(start + 1, 7, 5, 2, 0, tzinfo=UTC)
    )


class Town:
    """The world's registry and a tiny pairing, each event applied to reporting as it is published."""

    def __init__(self, world: World, apply: Callable[..., None]) -> None:
        self.world, self.t, self._apply = world, world.t, apply
        self.seen = 0
        self.helpers: dict[uuid.UUID, tuple[HelperKind, str | None]] = {}

    def flush(self) -> None:
        """Apply what the registry published since the last flush."""
        fresh = self.world.published[self.seen :]
        self.seen = len(self.world.published)
        self._apply(*fresh)

    def send(self, *events: EventData) -> None:
        self.flush()
        self._apply(*events)

    def child(self, cls: str, name: str) -> uuid.UUID:
        """A child registered in a class at the start of the school year."""
        self.world.at = datetime(2025, 9, 1, 2, 0, tzinfo=UTC)
        child = self.world.register(self.t[cls], name=name)
        self.flush()
        return child

    def rank(self, child: uuid.UUID, term: str, rank: int) -> None:
        """A term's final class rank, recorded in the child's class of the moment."""
        self.world.at = at(term[:9], int(term[-1]))
        self.world.result(child, term, 300.0 - rank, rank)
        self.flush()

    def transfer(self, child: uuid.UUID, cls: str) -> None:
        self.world.at = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
        self.world.transfer(child, self.t[cls])
        self.flush()

    def helper(self, name: str | None, unit: str, kind: HelperKind = HelperKind.TEACHER) -> uuid.UUID:
        helper = uuid.uuid4()
        self.helpers[helper] = (kind, name)
        self.send(
            HelperRegistered.example().model_copy(
                update={
                    "helper_id": helper,
                    "kind": kind,
                    "name": name,
                    "account": f"acct-{helper}",
                    "unit_id": self.t[unit],
                    "org_path": self.world.path(self.t[unit]),
                }
            )
        )
        return helper

    def _pairing(self, child: uuid.UUID, helper: uuid.UUID, role: PairingRole) -> dict[str, Any]:
        return {
            "child_id": child,
            "helper_id": helper,
            "helper_account": f"acct-{helper}",
            "helper_kind": self.helpers[helper][0],
            "role": role,
            "org_path": self.world.path(self.world.kids[child].class_id),
        }

    def pair(
        self,
        child: uuid.UUID,
        helper: uuid.UUID,
        *,
        role: PairingRole = PairingRole.PRIMARY,
        on: datetime = PAIRED_AT,
    ) -> uuid.UUID:
        pairing = uuid.uuid4()
        facts = {**self._pairing(child, helper, role), "pairing_id": pairing, "created_at": on}
        self.send(PairingCreated.example().model_copy(update=facts))
        return pairing

    def unpair(self, pairing: uuid.UUID, child: uuid.UUID, helper: uuid.UUID, on: datetime) -> None:
        facts = {**self._pairing(child, helper, PairingRole.PRIMARY), "pairing_id": pairing, "ended_at": on}
        self.send(PairingEnded.example().model_copy(update={**facts, "reason": PairingEndReason.REASSIGNED}))

    def award(self, child: uuid.UUID, year: str, *, merit: bool = True) -> None:
        self.send(
            AwardRecorded.example().model_copy(
                update={
                    "child_id": child,
                    "org_path": self.world.path(self.world.kids[child].class_id),
                    "award_id": uuid.uuid4(),
                    "title": "三好学生" if merit else "书法比赛一等奖",
                    "merit_student": merit,
                    "school_year": year,
                }
            )
        )

    def violation(self, child: uuid.UUID, year: str, *, serious: bool = True) -> None:
        start = int(year[:4])
        self.send(
            ViolationRecorded.example().model_copy(
                update={
                    "child_id": child,
                    "org_path": self.world.path(self.world.kids[child].class_id),
                    "violation_id": uuid.uuid4(),
                    "serious": serious,
                    "school_year": year,
                    "occurred_on": date(start + 1, 4, 2),
                }
            )
        )

    def windows(self, child: uuid.UUID, helper: uuid.UUID, months: list[str], state: str) -> None:
        """One monthly window per month (China's month), met or missed, or left open."""
        for month in months:
            y, m = int(month[:4]), int(month[5:])
            start = datetime(y, m, 1, tzinfo=UTC) - timedelta(hours=8)
            end = datetime(y + m // 12, m % 12 + 1, 1, tzinfo=UTC) - timedelta(hours=8)
            facts = {
                "obligation_id": uuid.uuid4(),
                "child_id": child,
                "helper_id": helper,
                "org_path": self.world.path(self.world.kids[child].class_id),
                "window_start": start,
                "window_end": end,
            }
            opened = ObligationWindowOpened.example().model_copy(update=facts)
            if state == "met":
                self.send(ObligationWindowMet.example().model_copy(update={**facts, "met_at": start}))
            elif state == "missed":
                self.send(ObligationWindowMissed.example().model_copy(update={**facts, "closed_at": end}))
            else:
                self.send(opened)


@pytest.fixture
def town(world: World, rep: Any) -> Town:
    """A town whose events go straight into the read models under test."""
    return Town(world, rep.apply)


@pytest.fixture
def uow(rep: Any) -> Callable[[], UnitOfWork]:
    """Units of work on the read models (service functions open them)."""
    return lambda: UnitOfWork(db=rep.db, clock=rep.clock, source="/shouhu/reporting")


class Api:
    """The reporting API on a fresh database, fed by a Town."""

    def __init__(self, client: TestClient, settings: ReportingSettings, world: World) -> None:
        self.client, self.settings, self.t = client, settings, world.t
        runtime = client.app.state.runtime  # type: ignore[attr-defined]
        self.harness = ConsumerHarness(
            db=runtime.db, specs=SERVICE.consumers(settings), source="/shouhu/reporting"
        )
        self.town = Town(world, self.harness.apply)

    def auth(self, role: Role, unit: str | None = None) -> dict[str, str]:
        return bearer(secret=self.settings.jwt_secret, role=role, org_id=self.t[unit] if unit else None)

    def get(self, url: str, who: dict[str, str], **params: Any) -> Response:
        return self.client.get(url, headers=who, params=params)

    def put(self, url: str, who: dict[str, str], body: Any, **params: Any) -> Response:
        return self.client.put(url, headers=who, json=body, params=params)


@pytest.fixture
def api(db_urls: Callable[[], str], world: World) -> Iterator[Api]:
    with ExitStack() as stack:
        settings = ReportingSettings(database_url=db_urls(), env="test")  # type: ignore[arg-type]
        app = SERVICE.api(settings, in_memory_adapters(InMemoryBroker()), FakeClock(END_AT))
        client = stack.enter_context(TestClient(app))
        stack.callback(app.state.runtime.db.dispose)
        yield Api(client, settings, world)


Y1, Y2 = "2025-2026", "2026-2027"


def worked_example(town: Town) -> dict[str, uuid.UUID]:
    """The school year 2025-2026 the tests compute by hand (the defaults: DOMAIN.md §4).

    Class cA1 (school sA1):
      A 小明  first 12 → end 9: +30 gained, +20 conduct, +10 三好学生              = 60
      B 小红  first 3 → end 1 (shares rank 1 with C): +20, +10 top 5, +20        = 50  ¥100
      C 小刚  first 1 → end 1: 0 gained, +10 top 5, serious violation (no +20)   = 10  ¥100
      D 小丽  no first-term rank, end 4: no rank points, +20                     = 20  ¥30
      E 小军  first 20 → end 14: +60, +20                                        = 80  ¥15 progress
      F 小芳  first 2 in cB, moved to cA1, end 5: ranks not comparable, +20      = 20  ¥30
      cA1: 240 / 6 = 40.0 → its class teacher 陈老师 ¥40
    Class cA2 (school sA2):
      G 小伟  first 10 → end 10: no gain, +20                                    = 20
      H 小燕  first 8 → end 5: +30, +20                                          = 50  ¥30
      cA2: 70 / 2 = 35.0, no class teacher registered
    Not assessed: I 小亮 (first-term rank only, left before the second-term final).
    Helpers (primary, live at the second-term result):
      王老师 (teacher, sA1): A + B = 110      李志愿者 (volunteer, tA): E (cA1) + G (cA2) = 100
      杨同学 (peer student, secondary for A): not credited by default
      赵老师 paired with C until March: not credited; C has no helper.
    Records of another year (B's serious violation in 2024-2025, a non-merit award for D) change nothing.
    """
    ids: dict[str, uuid.UUID] = {}
    for key, cls, name in [
        ("A", "cA1", "小明"),
        ("B", "cA1", "小红"),
        ("C", "cA1", "小刚"),
        ("D", "cA1", "小丽"),
        ("E", "cA1", "小军"),
        ("F", "cB", "小芳"),
        ("G", "cA2", "小伟"),
        ("H", "cA2", "小燕"),
        ("I", "cA1", "小亮"),
    ]:
        ids[key] = town.child(cls, name)
    first = {"A": 12, "B": 3, "C": 1, "E": 20, "F": 2, "G": 10, "H": 8, "I": 7}
    end = {"A": 9, "B": 1, "C": 1, "D": 4, "E": 14, "F": 5, "G": 10, "H": 5}
    for key, rank in first.items():
        town.rank(ids[key], f"{Y1}-1", rank)
    town.transfer(ids["F"], "cA1")
    ids["wang"] = town.helper("王老师", "sA1")
    ids["li"] = town.helper("李志愿者", "tA", HelperKind.VOLUNTEER)
    ids["yang"] = town.helper(None, "sA1", HelperKind.PEER_STUDENT)
    ids["zhao"] = town.helper("赵老师", "sA1")
    ids["chen"] = town.helper("陈老师", "cA1", HelperKind.CLASS_TEACHER)
    for child, helper in (("A", "wang"), ("B", "wang"), ("E", "li"), ("G", "li")):
        town.pair(ids[child], ids[helper])
    town.pair(ids["A"], ids["yang"], role=PairingRole.SECONDARY)
    zhao = town.pair(ids["C"], ids["zhao"])
    town.unpair(zhao, ids["C"], ids["zhao"], datetime(2026, 3, 1, tzinfo=UTC))
    town.award(ids["A"], Y1)
    town.award(ids["D"], Y1, merit=False)
    town.violation(ids["C"], Y1)
    town.violation(ids["B"], "2024-2025")
    town.violation(ids["E"], Y1, serious=False)
    for key, rank in end.items():
        town.rank(ids[key], f"{Y1}-2", rank)
    return ids


@pytest.fixture
def example(town: Town) -> dict[str, uuid.UUID]:
    """The worked example, in the read models under test."""
    return worked_example(town)


@pytest.fixture
def api_example(api: Api) -> dict[str, uuid.UUID]:
    """The worked example, in the API's database."""
    return worked_example(api.town)
