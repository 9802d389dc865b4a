"""Counts per unit follow children as they transfer, leave, come back, and as units move."""

from __future__ import annotations

import random
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from reporting.adapters.orm import TREE
from reporting.bootstrap import consumers
from reporting.config import ReportingSettings
from reporting.service_layer.queries import sub_units, unit_kpis
from shouhu_contracts.catalogue import EVENT_TYPES
from shouhu_contracts.org import ChildStatus, LeftBehindType
from shouhu_contracts.registry.v1 import (
    ChildExited,
    ChildReentered,
    ChildTransferred,
    ChildUpdated,
    OrgUnitMoved,
    OrgUnitRenamed,
)
from shouhu_kit.auth import Principal, Role
from shouhu_kit.org.paths import encode_path
from shouhu_kit.org.tree import UNSEEN
from shouhu_kit.problems import Problem
from shouhu_kit.uow import UnitOfWork
from shouhu_testkit.world import interleave

pytestmark = pytest.mark.unit


def test_each_consumer_reads_the_topic_of_every_event_it_handles() -> None:
    handled = {t for spec in consumers(ReportingSettings()) for t in spec.handlers}
    assert {ChildTransferred.event_type, ChildExited.event_type, ChildReentered.event_type} <= handled
    assert {OrgUnitRenamed.event_type, OrgUnitMoved.event_type} <= handled
    for spec in consumers(ReportingSettings()):
        for event_type in spec.handlers:
            assert EVENT_TYPES[event_type].topic in spec.topics, (spec.name, event_type)


def test_a_transfer_moves_the_school_count_and_leaves_the_home_count(world: Any, rep: Any) -> None:
    t = world.t
    child = world.register(t["cA1"], home=t["vA"])
    rep.apply(*world.published)
    assert {u: rep.count(u) for u in (t["tA"], t["sA1"], t["cA1"], t["vA"], t["dB"])} == {
        t["tA"]: 1,
        t["sA1"]: 1,
        t["cA1"]: 1,
        t["vA"]: 1,
        t["dB"]: 0,
    }
    rep.apply(world.transfer(child, t["cB"]))
    after = {k: rep.count(t[k]) for k in ("city", "dA", "tA", "vA", "sA1", "cA1", "dB", "tB", "sB", "cB")}
    # The home village keeps the child in district A and township tA; the school side moved to B.
    assert after == dict.fromkeys(after, 1) | {"sA1": 0, "cA1": 0}
    rep.apply(world.transfer(child, t["cA2"]))  # back to a school in the home township
    assert rep.count(t["tB"]) == rep.count(t["cB"]) == 0
    assert rep.count(t["tA"]) == rep.count(t["sA2"]) == rep.count(t["city"]) == 1


def test_exit_and_reentry_take_the_child_out_and_back(world: Any, rep: Any) -> None:
    t = world.t
    child = world.register(t["cA1"], home=t["vB"])
    registered = world.published[-1]
    rep.apply(*world.published)
    rep.apply(world.exit(child))
    assert rep.counts() == {}
    rep.apply(registered)  # the same registration delivered again (new id) must not count it
    assert rep.counts() == {}
    rep.apply(world.reenter(child, t["cA3"]))
    for key in ("city", "dA", "tA2", "sA3", "cA3", "dB", "tB", "vB"):
        assert rep.count(t[key]) == 1, key
    assert rep.count(t["sA1"]) == rep.count(t["tA"]) == 0


def test_a_school_move_shifts_its_subtree_count_between_ancestors(world: Any, rep: Any) -> None:
    t = world.t
    moved = [world.register(t["cA1"]) for _ in range(3)]
    homebound = world.register(t["cA1"], home=t["vA"])  # also counted in tA through its home village
    world.register(t["cA2"])
    rep.apply(*world.published)
    before = rep.counts()
    assert before[t["tA"]] == 5
    assert before[t["sA1"]] == 4
    rep.apply(world.move(t["sA1"], t["tB"]))
    after = rep.counts()
    assert after[t["tA"]] == 2  # the other school's child, and the child whose home is in tA
    assert after[t["dA"]] == 2
    assert after[t["tB"]] == after[t["dB"]] == 4
    assert after[t["city"]] == 5
    assert after[t["sA1"]] == after[t["cA1"]] == 4
    units, placements = rep.units(), rep.placements()
    new_school = "/" + "".join(f"{u}/" for u in (t["city"], t["dB"], t["tB"], t["sA1"]))
    assert units[t["sA1"]][2] == new_school
    assert units[t["sA1"]][3] == t["tB"]
    assert units[t["cA1"]][2] == new_school + f"{t['cA1']}/"
    assert all(placements[c][0] == new_school + f"{t['cA1']}/" for c in [*moved, homebound])
    # A later transfer, published with the new path, leaves tB and sA1 exactly.
    rep.apply(world.transfer(moved[0], t["cA2"]))
    assert rep.count(t["tB"]) == 3
    assert rep.count(t["sA1"]) == 3
    assert rep.count(t["tA"]) == 3


def test_a_township_move_counts_a_child_with_school_and_home_inside_once(world: Any, rep: Any) -> None:
    t = world.t
    world.register(t["cA1"], home=t["vA"])
    world.register(t["cA3"], home=t["vA"])  # school in tA2, home in tA
    rep.apply(*world.published)
    rep.apply(world.move(t["tA"], t["dB"]))
    assert rep.count(t["dB"]) == 2
    assert rep.count(t["dA"]) == 1
    assert rep.count(t["tA"]) == 2
    assert rep.count(t["city"]) == 2
    rep.apply(world.move(t["tA2"], t["dB"]))
    assert rep.count(t["dB"]) == 2
    assert rep.count(t["dA"]) == 0


def test_a_rename_changes_name_and_code(world: Any, rep: Any) -> None:
    rep.apply(*world.published)
    world.rename(world.t["tA"], "城关街道", code="CG-01")
    rep.apply(world.published[-1])
    name, code, _, _ = rep.units()[world.t["tA"]]
    assert (name, code) == ("城关街道", "CG-01")


def test_events_for_children_and_units_never_seen_do_not_crash(world: Any, rep: Any) -> None:
    t = world.t
    ghost, gone = uuid.uuid4(), uuid.uuid4()
    rep.apply(
        ChildTransferred.example().model_copy(update={"child_id": ghost, "org_path": world.path(t["cB"])}),
        ChildExited.example().model_copy(update={"child_id": gone, "status": ChildStatus.TRANSFERRED_OUT}),
        ChildReentered.example().model_copy(update={"child_id": uuid.uuid4()}),
        OrgUnitRenamed.example().model_copy(update={"unit_id": uuid.uuid4()}),
        OrgUnitMoved.example(),
    )
    placements = rep.placements()
    assert placements[ghost][2] == "active"
    assert rep.count(t["cB"]) == 1
    assert placements[gone][2] == "transferred_out"


SCRIPTS: dict[str, list[tuple[Any, ...]]] = {
    "transfer, move, transfer back": [
        ("register", "cA1", "vA"),
        ("transfer", 0, "cB"),
        ("move", "sB", "tA2"),
        ("transfer", 0, "cA1"),
    ],
    "exit, move, re-enter elsewhere": [
        ("register", "cA1", "vB"),
        ("register", "cA2", None),
        ("exit", 0),
        ("move", "tA", "dB"),
        ("reenter", 0, "cA3"),
        ("move", "sA3", "tB"),
    ],
    "moves up and down the tree": [
        ("register", "cA1", "vA"),
        ("register", "cA3", "vA"),
        ("move", "sA1", "tA2"),
        ("move", "tA2", "dB"),
        ("transfer", 1, "cA1"),
        ("move", "tA", "dB"),
        ("exit", 0),
    ],
}


def _run(world: Any, script: list[tuple[Any, ...]]) -> None:
    t, kids = world.t, []
    for op, *args in script:
        if op == "register":
            kids.append(world.register(t[args[0]], home=t[args[1]] if args[1] else None))
        elif op == "transfer":
            world.transfer(kids[args[0]], t[args[1]])
        elif op == "exit":
            world.exit(kids[args[0]])
        elif op == "reenter":
            world.reenter(kids[args[0]], t[args[1]], LeftBehindType.MOTHER)
        elif op == "move":
            world.move(t[args[0]], t[args[1]])


@pytest.mark.parametrize("name", SCRIPTS)
def test_a_scripted_history_ends_as_a_fresh_registration_in_the_final_place(
    name: str, world: Any, make: Any
) -> None:
    _run(world, SCRIPTS[name])
    replayed, fresh = make(), make()
    replayed.apply(*world.published)
    fresh.apply(*world.fresh())
    assert replayed.state() == fresh.state()
    assert all(n >= 0 for n in replayed.counts().values())


@pytest.mark.parametrize("seed", range(12))
def test_a_random_history_ends_as_a_fresh_registration_in_the_final_place(
    seed: int, world: Any, make: Any
) -> None:
    world.random_script(random.Random(seed), steps=25)
    replayed, fresh = make(), make()
    replayed.apply(*world.published)
    fresh.apply(*world.fresh())
    assert replayed.state() == fresh.state()


@pytest.mark.parametrize("seed", range(12))
def test_any_delivery_order_kafka_allows_ends_the_same(seed: int, world: Any, make: Any) -> None:
    """Org and child events come through two consumers: only each key's order is kept."""
    rng = random.Random(seed)
    world.random_script(rng, steps=25)
    mixed, fresh = make(), make()
    mixed.apply(*interleave(world.published, rng))
    fresh.apply(*world.fresh())
    assert mixed.state() == fresh.state()


def _keeps_each_key_in_order(order: list[Any], published: list[Any]) -> bool:
    """The order is one Kafka may deliver: every event once, each key's events as published."""
    at = {id(e): i for i, e in enumerate(published)}
    last: dict[str, int] = {}
    for e in order:
        if at[id(e)] < last.get(e.key(), -1):
            return False
        last[e.key()] = at[id(e)]
    return sorted(at[id(e)] for e in order) == list(range(len(published)))


def test_a_path_through_units_not_seen_yet_follows_their_later_moves(world: Any, make: Any) -> None:
    """A child's event names units whose creation comes later, carrying their older place.

    The child is transferred to cA3 after tA2 moved to dB, and sA3 then moves to tA. The child
    topic runs ahead: the transfer lands while the view holds none of the org tree. sA3's own
    events come next (created under dA/tA2, then moved), before tA2's. The placement must follow
    sA3 to tA like the view does, not stay under the tA2 of its event.
    """
    t = world.t
    child = world.register(t["cA1"])
    world.move(t["tA2"], t["dB"])
    world.transfer(child, t["cA3"])
    world.move(t["sA3"], t["tA"])
    published = world.published
    ahead = [e for key in (child, t["sA3"]) for e in published if e.key() == str(key)]
    order = ahead + [e for e in published if all(e is not a for a in ahead)]
    assert _keeps_each_key_in_order(order, published)
    mixed, fresh = make(), make()
    mixed.apply(*order)
    fresh.apply(*world.fresh())
    assert mixed.placements()[child][0] == fresh.placements()[child][0]
    assert mixed.count(t["tA"]) == 1
    assert mixed.count(t["tA2"]) == 0
    assert mixed.state() == fresh.state()


# A delivery order under which test_any_delivery_order_kafka_allows_ends_the_same[1] failed (its
# interleaving depends on the uuid4 ids, so a run reached it about once in 70): positions in
# world.published after random_script(Random(1)). One child stayed under tA2 after its school sA3
# had moved to tA, its transfer having named sA3 before the view held sA3 or tA2.
SEED_1_FAILING_ORDER = [
    5, 17, 21, 19, 14, 22, 13, 39, 6, 2, 4, 18, 7, 12, 23, 20, 9, 24, 25, 3, 26, 43, 31,
    8, 29, 42, 33, 1, 16, 15, 37, 0, 34, 11, 40, 30, 35, 36, 10, 45, 27, 38, 44, 28, 32, 41,
]  # fmt: skip


def test_the_delivery_order_that_once_left_a_child_under_a_township_it_had_left(
    world: Any, make: Any
) -> None:
    world.random_script(random.Random(1), steps=25)
    order = [world.published[i] for i in SEED_1_FAILING_ORDER]
    assert _keeps_each_key_in_order(order, world.published)
    mixed, fresh = make(), make()
    mixed.apply(*order)
    fresh.apply(*world.fresh())
    assert mixed.state() == fresh.state()


def _kinds(rep: Any) -> dict[uuid.UUID, str]:
    with rep.db.sessions() as s:
        return dict(s.execute(select(TREE.table.c.id, TREE.table.c.kind)).all())


def test_units_known_only_from_paths_are_hidden_until_created(world: Any, rep: Any) -> None:
    """Placeholders anchor paths; the API shows a unit once its creation event has come."""
    t = world.t
    org = list(world.published)  # the tree's creation events
    child = world.register(t["cA1"])
    rep.apply(world.published[-1])  # the registration before any org event
    assert rep.count(t["tA"]) == 1
    kinds = _kinds(rep)
    assert set(kinds) == {t[k] for k in ("city", "dA", "tA", "sA1", "cA1")}
    assert set(kinds.values()) == {UNSEEN}
    admin = Principal(subject="admin", role=Role.CITY_ADMIN, org_id=t["city"])

    def uow() -> UnitOfWork:
        return UnitOfWork(db=rep.db, clock=rep.clock, source="/shouhu/reporting")

    with pytest.raises(Problem) as raised:
        unit_kpis(uow=uow(), principal=admin, unit_id=t["tA"])
    assert raised.value.status == 404
    rep.apply(org[0])  # the city's creation
    assert unit_kpis(uow=uow(), principal=admin, unit_id=t["city"]).children == 1
    assert sub_units(uow=uow(), principal=admin, unit_id=t["city"]).items == []  # dA is still a placeholder
    rep.apply(*org)
    assert UNSEEN not in _kinds(rep).values()
    assert rep.units()[t["tA"]][:2] == ("tA", "tA")
    districts = sub_units(uow=uow(), principal=admin, unit_id=t["city"]).items
    assert [(d.unit.unit_id, d.figures.children) for d in districts] == [(t["dA"], 1), (t["dB"], 0)]
    assert rep.placements()[child][0] == encode_path(world.path(t["cA1"]))


@pytest.mark.parametrize("seed", range(8))
def test_histories_with_home_moves_end_as_a_fresh_registration(seed: int, world: Any, make: Any) -> None:
    """A change of home village moves the count between village-side units, in any Kafka order."""
    rng = random.Random(1000 + seed)
    world.random_script(rng, steps=60, home_moves=True)
    first = next(iter(world.kids))
    world.update(first, home=world.t["vA"] if world.kids[first].home != world.t["vA"] else world.t["vB"])
    assert any(isinstance(e, ChildUpdated) and "home_village_id" in e.fields for e in world.published), (
        "the script moved someone's home"
    )
    in_order, mixed, fresh = make(), make(), make()
    in_order.apply(*world.published)
    mixed.apply(*interleave(world.published, rng))
    fresh.apply(*world.fresh())
    assert in_order.state() == fresh.state()
    assert mixed.state() == fresh.state()


def test_a_home_change_moves_the_village_side_count(world: Any, rep: Any) -> None:
    child = world.register(world.t["cA1"], home=world.t["vA"])
    world.update(child, home=world.t["vB"])
    rep.apply(*world.published)
    assert rep.count(world.t["vA"]) == 0
    assert rep.count(world.t["vB"]) == 1
    assert rep.count(world.t["cA1"]) == 1
