"""The synthetic city (bench/synthetic_city.py): seeded, shaped by the seed's figures, valid events,
and loadable through the platform's APIs (the demo's path), here on in-process services."""

from __future__ import annotations

import itertools
import sys
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

# bench/ is a folder of the repository, not an installed package (--import-mode=importlib).
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.synthetic_city import ApiLoader, SyntheticCity
from shouhu_contracts.catalogue import decode_event
from shouhu_contracts.org import OrgKind
from shouhu_contracts.pairing.vocabulary import HelperKind, PairingRole
from shouhu_kit.auth import Role
from shouhu_kit.broker import InMemoryBroker
from shouhu_testkit.wiring import bearer, in_memory_adapters

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def city() -> SyntheticCity:
    return SyntheticCity(10_000, seed=11)


@pytest.fixture(scope="module")
def summary(city: SyntheticCity) -> dict[str, Any]:
    return city.summary()


def test_the_same_seed_makes_the_same_city_and_another_seed_another() -> None:
    def fingerprint(c: SyntheticCity) -> list[Any]:
        kids = [(k.id, k.name, k.class_id, k.guardian) for k in itertools.islice(c.children(), 300)]
        return [u.id for u in itertools.islice(c.units(), 300)] + kids

    assert fingerprint(SyntheticCity(2_000, seed=3)) == fingerprint(SyntheticCity(2_000, seed=3))
    assert fingerprint(SyntheticCity(2_000, seed=3)) != fingerprint(SyntheticCity(2_000, seed=4))


def test_exactly_the_children_asked_for_in_3_districts_and_8_counties(summary: dict[str, Any]) -> None:
    assert summary["children"] == 10_000
    assert summary["districts"] == 11
    assert summary["townships"] == 3 * 8 + 8 * 12


def test_the_seeds_shares(summary: dict[str, Any]) -> None:
    g = summary["guardians"]
    assert abs(g["grandparent"] - 0.56) < 0.02
    assert abs(g["none"] - 0.26) < 0.02
    assert abs(g["relative"] - 0.18) < 0.02
    types = summary["left_behind_types"]
    assert 0.42 < types["both_parents"] < 0.52
    assert summary["highest_school_share"] <= 0.336
    per_class = summary["left_behind_per_class"]
    assert 4 <= per_class["median"] <= 8
    assert per_class["max"] <= 30
    assert 0.02 < summary["boarding_share"] < 0.12
    assert 0.03 < summary["fell_10_places_or_15_percent"] < 0.15
    assert summary["results_failing_two_subjects"] < 0.10, "most pupils pass (a class averages 80)"
    assert 0.92 < summary["children_with_primary_helper"] < 0.99
    assert 0.08 < summary["missed_windows"] < 0.3


def test_units_come_parents_first_with_paths_down_to_themselves(city: SyntheticCity) -> None:
    seen: dict[uuid.UUID, OrgKind] = {}
    classes = 0
    for u in city.units():
        assert u.path[-1] == u.id
        if u.parent_id is not None:
            assert u.parent_id in seen
            assert u.path[:-1][-1] == u.parent_id
        seen[u.id] = u.kind
        classes += u.kind is OrgKind.CLASS
    assert Counter(seen.values())[OrgKind.CITY] == 1
    assert classes == city.summary()["classes"]


def test_each_class_is_40_to_50_pupils_and_ranks_are_a_ranking_that_moves(city: SyntheticCity) -> None:
    town = next(city.townships())
    by_class: dict[tuple[uuid.UUID, str], list[int]] = {}
    moved = 0
    first: dict[uuid.UUID, int] = {}
    for r in town.results:
        assert 40 <= r.class_size <= 50
        assert 1 <= r.class_rank <= r.class_size
        assert abs(sum(r.subjects.values()) - r.total_score) < 0.2
        by_class.setdefault((r.class_path[-1], r.term), []).append(r.class_rank)
        if r.term.endswith("-1"):
            first[r.child_id] = r.class_rank
        else:
            moved += r.class_rank != first[r.child_id]
    for ranks in by_class.values():
        assert len(ranks) == len(set(ranks)), "no two pupils of a class share a rank"
    assert moved > len(first) // 2


def test_helpers_stay_within_capacity_and_reach(city: SyntheticCity) -> None:
    for town in itertools.islice(city.townships(), 10):
        helpers = {h.id: h for h in town.helpers}
        load = Counter(p.helper_id for p in town.pairings)
        for hid, n in load.items():
            assert n <= helpers[hid].capacity
        primaries = Counter(p.child_id for p in town.pairings if p.role is PairingRole.PRIMARY)
        assert max(primaries.values()) == 1
        for p in town.pairings:
            h = helpers[p.helper_id]
            assert h.unit_id in p.class_path, "a helper pairs within their school, township or district"
            if h.kind is HelperKind.PEER_STUDENT:
                assert p.role is PairingRole.SECONDARY


def test_the_events_are_the_contracts_and_decode(city: SyntheticCity) -> None:
    types: Counter[str] = Counter()
    for topic, key, value in itertools.islice(city.encoded(), 20_000):
        event = decode_event(value)
        assert event.data.topic == topic
        assert event.data.key().encode() == key
        types[event.type] += 1
    assert types["registry.org.unit_created.v1"] > 0
    assert types["registry.child.registered.v1"] > 0
    assert types["registry.child.term_result_recorded.v1"] == 2 * types["registry.child.registered.v1"]
    assert types["pairing.obligation.window_missed.v1"] > 0
    assert types["pairing.contact.logged.v1"] == types["pairing.obligation.window_met.v1"]


def test_a_big_city_streams_without_holding_its_children() -> None:
    big = SyntheticCity(1_000_000, seed=1)
    towns = big.townships()
    first = next(towns)
    # A township of a million-child city is a few thousand children; the city is never built whole.
    assert 1_000 < len(first.children) < 30_000
    assert sum(big.quotas) == 1_000_000


# ---------------------------------------------------------------- the demo's path, in-process


class Platform:
    """Registry, pairing and alerts APIs on fresh databases, joined by one in-memory broker."""

    def __init__(self, stack: ExitStack, db_urls: Callable[[], str]) -> None:
        from alerts.bootstrap import SERVICE as ALERTS
        from alerts.config import AlertsSettings
        from pairing.bootstrap import SERVICE as PAIRING
        from pairing.config import PairingSettings
        from registry.bootstrap import SERVICE as REGISTRY
        from registry.config import RegistrySettings

        self.broker = InMemoryBroker()
        self.clients: dict[str, TestClient] = {}
        self.headers: dict[str, dict[str, str]] = {}
        self.loops: list[Any] = []
        self.relays: list[Any] = []
        publisher = self.broker.publisher()
        for name, service, settings_cls in (
            ("registry", REGISTRY, RegistrySettings),
            ("pairing", PAIRING, PairingSettings),
            ("alerts", ALERTS, AlertsSettings),
        ):
            settings: Any = settings_cls(database_url=db_urls(), env="test")
            app = service.api(settings, in_memory_adapters(self.broker))
            self.clients[name] = stack.enter_context(TestClient(app))
            rt = app.state.runtime
            stack.callback(rt.db.dispose)
            for topic, partitions in rt.catalogue_topics():
                self.broker.create_topic(topic, partitions)
            self.relays.append(rt.relay(publisher))
            self.loops += [rt.consumer(spec, publisher) for spec in service.consumers(settings)]
            self.headers[name] = bearer(secret=settings.jwt_secret, role=Role.ADMIN)

    def pump(self) -> None:
        """Relay every outbox and apply every record until nothing moves."""
        for _ in range(200):
            moved = sum(r.run_once() for r in self.relays)
            moved += sum(loop.run_once(timeout_ms=0) for loop in self.loops)
            if not moved:
                return
        raise AssertionError("the platform did not settle")

    def call(self, service: str, method: str, path: str, body: Any) -> Any:
        r = self.clients[service].request(method, path, json=body, headers=self.headers[service])
        assert r.status_code < 300, f"{method} {path} → {r.status_code}: {r.text[:400]}"
        if service == "registry":
            self.pump()  # as the workers follow the registry within a second
        return r.json()


@pytest.fixture
def platform(db_urls: Callable[[], str]) -> Iterator[Platform]:
    with ExitStack() as stack:
        yield Platform(stack, db_urls)


def test_a_small_city_loads_through_the_apis_into_a_living_city(platform: Platform) -> None:
    city = SyntheticCity(60, seed=5, districts=2, townships_per_district=1, villages_per_township=2)
    loader = ApiLoader(city, platform.call, settle=lambda _what, _n: platform.pump(), tag="t")
    report = loader.load()
    platform.pump()
    summary = city.summary()
    assert report.units == summary["org_units"]
    assert report.children == 60
    assert report.results == 120
    assert report.helpers == summary["helpers"]
    assert report.pairings > 40
    assert report.suggested > 0, "some pairings came from accepted match suggestions"
    assert report.contacts > 0
    unpaired = platform.call("pairing", "GET", "/v1/children/unpaired?limit=500", None)
    assert len(unpaired) < 15
    tasks = platform.call("alerts", "GET", "/v1/tasks?limit=500", None)
    reasons = Counter(t["reason"] for t in tasks)
    assert reasons["no_guardian"] > 0
    assert reasons["grade_drop"] > 0
