"""The kit's tree copy: registry.org events in any order Kafka allows, placeholders, replays, scope."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Column, MetaData, Table, Uuid, select

from shouhu_contracts.registry.v1 import OrgUnitCreated, OrgUnitMoved
from shouhu_kit.auth import Principal, Role
from shouhu_kit.db import Database
from shouhu_kit.org.events import org_tree_consumer
from shouhu_kit.org.paths import encode_path
from shouhu_kit.org.scope import scope_filter, sees_unit
from shouhu_kit.org.tree import UNSEEN, OrgTree
from shouhu_kit.uow import UnitOfWork
from shouhu_testkit.wiring import ConsumerHarness, harness_factory
from shouhu_testkit.world import World, interleave

pytestmark = pytest.mark.unit


class Service(ConsumerHarness):
    """A service holding only the kit's tree (and a table of records placed at classes)."""

    def __init__(self, url: str, on_move: Any = None) -> None:
        metadata = MetaData()
        self.tree = OrgTree.attach(metadata)
        self.records = Table("records", metadata, Column("id", Uuid, primary_key=True), Column("unit", Uuid))
        db = Database(url=url, metadata=metadata)
        db.create_schema()
        super().__init__(db=db, specs=[org_tree_consumer(self.tree, on_move=on_move)], source="/shouhu/test")

    def units(self) -> dict[uuid.UUID, tuple[str, str, uuid.UUID | None]]:
        """Each unit's kind, path and parent."""
        t = self.tree.table
        with self.db.sessions() as s:
            return {r.id: (r.kind, r.path, r.parent_id) for r in s.execute(select(t))}

    def hold(self, path: list[uuid.UUID]) -> str:
        """A path a child event carries, held as a consumer of child events holds it."""
        with self.db.sessions.begin() as s:
            return self.tree.hold(s, path)


def expected(world: World) -> dict[uuid.UUID, tuple[str, str, uuid.UUID | None]]:
    """The registry's tree as the copy must end."""
    return {u: (world.kind[u].value, encode_path(world.path(u)), world.parent[u]) for u in world.parent}


@pytest.fixture
def make(db_urls: Callable[[], str]) -> Iterator[Callable[..., Service]]:
    yield from harness_factory(lambda **kw: Service(db_urls(), **kw))


@pytest.fixture
def world() -> World:
    return World()


def _moves(world: World) -> None:
    """A school to another township, then its township to the other district, then back."""
    t = world.t
    world.move(t["sA1"], t["tA2"])
    world.move(t["tA2"], t["dB"])
    world.rename(t["tA2"], "新城")
    world.move(t["sA3"], t["tB"])
    world.move(t["tA2"], t["dA"])


def test_events_in_order_build_the_registry_tree(world: World, make: Callable[..., Service]) -> None:
    _moves(world)
    copy = make()
    copy.apply(*world.published)
    assert copy.units() == expected(world)


@pytest.mark.parametrize("seed", range(10))
def test_any_order_kafka_allows_builds_the_same_tree(
    seed: int, world: World, make: Callable[..., Service]
) -> None:
    _moves(world)
    rng = random.Random(seed)
    copy = make()
    copy.apply(*interleave(world.published, rng))
    assert copy.units() == expected(world)


def test_a_path_seen_first_holds_placeholders_that_their_events_complete(
    world: World, make: Callable[..., Service]
) -> None:
    t = world.t
    creations = list(world.published)
    world.move(t["sA1"], t["tB"])
    copy = make()
    # A child event carrying the class's new path lands before any org event.
    assert copy.hold(world.path(t["cA1"])) == encode_path(world.path(t["cA1"]))
    assert {k for k, _, _ in copy.units().values()} == {UNSEEN}
    copy.apply(*creations)  # sA1's creation names its old place: the placeholder's place is newer
    assert copy.units()[t["sA1"]][1:] == (encode_path(world.path(t["sA1"])), t["tB"])
    copy.apply(world.published[-1])  # and its move, to where it already is
    assert copy.units() == expected(world)


def test_a_move_before_the_creation_of_the_units_around_it(
    world: World, make: Callable[..., Service]
) -> None:
    t = world.t
    created, moved = list(world.published), world.move(t["tA"], t["dB"])
    township = next(e for e in created if e.key() == str(t["tA"]))
    copy = make()
    copy.apply(township, moved)  # before its parents and its new parent were created
    assert copy.units()[t["tA"]][1:] == (encode_path(world.path(t["tA"])), t["dB"])
    copy.apply(*(e for e in reversed(created) if e is not township))  # classes first, the city last
    assert copy.units() == expected(world)


def test_replays_change_nothing(world: World, make: Callable[..., Service]) -> None:
    _moves(world)
    copy = make()
    copy.apply(*world.published)
    copy.apply(*world.published)  # delivered again (new ids): a created unit keeps its place
    assert copy.units() == expected(world)


def test_a_move_hook_sees_the_old_tree_and_both_paths(world: World, make: Callable[..., Service]) -> None:
    t = world.t
    seen: list[tuple[str, str, str | None]] = []

    def hook(uow: UnitOfWork, *, old: str, new: str, at: object) -> None:
        seen.append((old, new, copy.tree.path_of(uow.session, t["cA1"])))

    copy = make(on_move=hook)
    copy.apply(*world.published)
    before = encode_path(world.path(t["cA1"]))
    old = encode_path(world.path(t["sA1"]))
    moved: OrgUnitMoved = world.move(t["sA1"], t["tB"])
    copy.apply(moved, moved)
    assert seen == [(old, encode_path(world.path(t["sA1"])), before)]  # the replay found it done


def _place(copy: Service, world: World) -> dict[str, uuid.UUID]:
    """One record per class."""
    records = {c: uuid.uuid4() for c in ("cA1", "cA2", "cA3", "cB")}
    with copy.db.sessions.begin() as s:
        s.execute(copy.records.insert(), [{"id": r, "unit": world.t[c]} for c, r in records.items()])
    return records


@pytest.mark.parametrize(
    ("role", "unit", "classes"),
    [
        (Role.ADMIN, None, {"cA1", "cA2", "cA3", "cB"}),
        (Role.DISTRICT_ADMIN, "dA", {"cA1", "cA2", "cA3"}),
        (Role.SCHOOL_ADMIN, "sA1", {"cA1"}),
        (Role.TEACHER, "cB", {"cB"}),
        (Role.DISTRICT_ADMIN, "unknown", set()),
        (Role.TEACHER, None, set()),  # no unit and not the admin: nothing
    ],
)
def test_scope_filter_sees_the_callers_subtree_as_the_tree_knows_it(
    role: Role, unit: str | None, classes: set[str], world: World, make: Callable[..., Service]
) -> None:
    copy = make()
    copy.apply(*world.published)
    records = _place(copy, world)
    org = None if unit is None else world.t.get(unit, uuid.uuid4())
    caller = Principal(subject="u", role=role, org_id=org)
    with copy.db.sessions() as s:
        where = scope_filter(s, tree=copy.tree, principal=caller, units=[copy.records.c.unit])
        found = set(s.scalars(select(copy.records.c.id).where(where)))
        assert found == {records[c] for c in classes}
        assert {c for c in records if sees_unit(s, tree=copy.tree, principal=caller, unit_id=world.t[c])} == (
            classes
        )


def test_scope_follows_a_move_without_touching_the_records(
    world: World, make: Callable[..., Service]
) -> None:
    copy = make()
    copy.apply(*world.published)
    records = _place(copy, world)
    copy.apply(world.move(world.t["sA1"], world.t["tB"]))
    caller = Principal(subject="u", role=Role.DISTRICT_ADMIN, org_id=world.t["dB"])
    with copy.db.sessions() as s:
        where = scope_filter(s, tree=copy.tree, principal=caller, units=[copy.records.c.unit])
        assert set(s.scalars(select(copy.records.c.id).where(where))) == {records["cA1"], records["cB"]}


ATTRIBUTE = (
    "SELECT attstattarget FROM pg_attribute WHERE attrelid = 'org_tree'::regclass AND attname = 'path'"
)


@pytest.mark.integration
def test_postgresql_keeps_finer_statistics_of_the_tree_paths(pg_url: str) -> None:
    """A prefix's share of the tree must be estimated well, or lists read a city's rows in order."""
    copy = Service(pg_url)
    with copy.db.engine.connect() as conn:
        assert conn.exec_driver_sql(ATTRIBUTE).scalar() == 1000
    copy.db.dispose()


def test_the_consumer_reads_the_org_topic_for_every_event_it_handles() -> None:
    spec = org_tree_consumer(OrgTree.attach(MetaData()))
    assert spec.topics == [OrgUnitCreated.topic]
    assert len(spec.handlers) == 3
