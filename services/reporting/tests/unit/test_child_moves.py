"""Counts per unit follow children as they transfer, leave, come back, and as units move."""

from __future__ import annotations

import random
import uuid
from typing import Any

import pytest

from reporting.bootstrap import CONSUMERS
from shouhu_contracts.org import ChildStatus, LeftBehindType
from shouhu_contracts.registry.v1 import (
    ChildExited,
    ChildReentered,
    ChildTransferred,
    OrgUnitMoved,
    OrgUnitRenamed,
)
from shouhu_contracts.registry_of_types import EVENT_TYPES

pytestmark = pytest.mark.unit


def test_each_consumer_reads_the_topic_of_every_event_it_handles() -> None:
    handled = {t for spec in CONSUMERS for t in spec.handlers}
    assert {ChildTransferred.event_type, ChildExited.event_type, ChildReentered.event_type} <= handled
    assert {OrgUnitRenamed.event_type, OrgUnitMoved.event_type} <= handled
    for spec in CONSUMERS:
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
    world.rename(world.t["tA"], "城关街道")
    rep.apply(world.published[-1])
    name, code, _, _ = rep.units()[world.t["tA"]]
    assert (name, code) == ("城关街道", "城关街道")


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


def interleave(events: list[Any], rng: random.Random) -> list[Any]:
    """One delivery order Kafka allows: each key's events in order, keys (and topics) mixed."""
    queues: dict[str, list[Any]] = {}
    for e in events:
        queues.setdefault(e.key(), []).append(e)
    out: list[Any] = []
    while queues:
        key = rng.choice(sorted(queues))
        out.append(queues[key].pop(0))
        if not queues[key]:
            del queues[key]
    return out


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
