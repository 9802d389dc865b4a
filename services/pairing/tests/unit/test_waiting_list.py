"""The waiting list follows children as they change, transfer, leave, come back, and as units move."""

from __future__ import annotations

import random
import uuid
from typing import Any

import pytest

from pairing.bootstrap import consumers
from pairing.config import PairingSettings
from shouhu_contracts.catalogue import EVENT_TYPES
from shouhu_contracts.envelope import EventData
from shouhu_contracts.org import LeftBehindType
from shouhu_contracts.registry.v1 import (
    ChildExited,
    ChildReentered,
    ChildTransferred,
    ChildUpdated,
    GuardianChanged,
    OrgUnitMoved,
)
from shouhu_kit.org.paths import encode_path

pytestmark = pytest.mark.unit


def _path(world: Any, unit: uuid.UUID) -> str:
    return encode_path(world.path(unit))


def test_each_consumer_reads_the_topic_of_every_event_it_handles() -> None:
    handled = {t for spec in consumers(PairingSettings()) for t in spec.handlers}
    wanted: list[type[EventData]] = [
        ChildUpdated,
        GuardianChanged,
        ChildTransferred,
        ChildExited,
        ChildReentered,
        OrgUnitMoved,
    ]
    assert {cls.event_type for cls in wanted} <= handled
    for spec in consumers(PairingSettings()):
        for event_type in spec.handlers:
            assert EVENT_TYPES[event_type].topic in spec.topics, (spec.name, event_type)


def test_an_update_and_a_guardian_change_rank_the_child_again(world: Any, pairing: Any) -> None:
    child = world.register(world.t["cA1"])  # both parents away, aged 9, with a guardian: 2
    pairing.apply(*world.published)
    assert pairing.rows()[child][3] == 2
    world.update(child, name="李小兰", kind=LeftBehindType.FATHER)
    pairing.apply(world.published[-1])
    name, kind, _, priority, *_ = pairing.rows()[child]
    assert (name, kind, priority) == ("李小兰", "father", 1)
    world.update(child, has_guardian=False)  # the registry publishes ChildUpdated, then GuardianChanged
    pairing.apply(world.published[-1])  # GuardianChanged alone is enough
    assert pairing.rows()[child][2:4] == (False, 2)


def test_the_list_hides_an_exited_child_and_shows_it_again_on_reentry(world: Any, pairing: Any) -> None:
    t = world.t
    urgent = world.register(t["cA1"])
    other = world.register(t["cB"])
    registered = world.published[-2]
    pairing.apply(*world.published)
    assert set(pairing.unpaired()) == {urgent, other}
    pairing.apply(world.exit(urgent))
    assert pairing.unpaired() == [other]
    pairing.apply(registered)  # the registration delivered again (new id) must not bring it back
    assert pairing.unpaired() == [other]
    world.update(other, kind=LeftBehindType.MOTHER)
    pairing.apply(world.published[-1], world.reenter(urgent, t["cA3"]))
    assert pairing.unpaired() == [urgent, other]  # most urgent first
    assert pairing.rows()[urgent][4] == _path(world, t["cA3"])


def test_a_transfer_moves_the_child_between_scopes(world: Any, pairing: Any) -> None:
    t = world.t
    child = world.register(t["cA1"])
    pairing.apply(*world.published)
    assert pairing.unpaired(t["tA"]) == [child]
    pairing.apply(world.transfer(child, t["cB"]))
    assert pairing.unpaired(t["tA"]) == []
    assert pairing.unpaired(t["tB"]) == [child]
    assert pairing.rows()[child][4] == _path(world, t["cB"])


def test_a_unit_move_rewrites_the_paths_below_it_only(world: Any, pairing: Any) -> None:
    t = world.t
    moved = [world.register(t["cA1"]) for _ in range(2)]
    stays = world.register(t["cA2"])
    pairing.apply(*world.published)
    pairing.apply(world.move(t["sA1"], t["tB"]))
    rows = pairing.rows()
    assert all(rows[c][4] == _path(world, t["cA1"]) for c in moved)
    assert f"/{t['tB']}/" in rows[moved[0]][4]
    assert rows[stays][4] == _path(world, t["cA2"])
    assert set(pairing.unpaired(t["tB"])) == set(moved)
    assert pairing.unpaired(t["tA"]) == [stays]


def test_events_for_children_never_registered_here_do_not_crash(world: Any, pairing: Any) -> None:
    ghost = {"child_id": uuid.uuid4()}
    pairing.apply(
        ChildUpdated.example().model_copy(update=ghost),
        GuardianChanged.example().model_copy(update=ghost),
        ChildTransferred.example().model_copy(update=ghost),
        ChildExited.example().model_copy(update=ghost),
        ChildReentered.example().model_copy(update=ghost),
        OrgUnitMoved.example(),
    )
    assert pairing.rows() == {}


SCRIPTS: dict[str, list[tuple[Any, ...]]] = {
    "update, transfer, move": [
        ("register", "cA1"),
        ("update", 0, LeftBehindType.MOTHER, False),
        ("transfer", 0, "cB"),
        ("move", "sB", "tA2"),
    ],
    "exit, move, re-enter elsewhere with a new type": [
        ("register", "cA1"),
        ("register", "cA2"),
        ("exit", 0),
        ("move", "tA", "dB"),
        ("reenter", 0, "cA3"),
        ("update", 1, LeftBehindType.FATHER, True),
    ],
    "moves up and down, exit at the end": [
        ("register", "cA1"),
        ("move", "sA1", "tA2"),
        ("move", "tA2", "dB"),
        ("transfer", 0, "cA2"),
        ("exit", 0),
    ],
}


def _run(world: Any, script: list[tuple[Any, ...]]) -> None:
    t, kids = world.t, []
    for op, *args in script:
        if op == "register":
            kids.append(world.register(t[args[0]]))
        elif op == "update":
            world.update(kids[args[0]], kind=args[1], has_guardian=args[2])
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


@pytest.mark.parametrize("seed", range(10))
def test_a_random_history_ends_as_a_fresh_registration_in_the_final_place(
    seed: int, world: Any, make: Any
) -> None:
    world.random_script(random.Random(seed), steps=25)
    replayed, fresh = make(), make()
    replayed.apply(*world.published)
    fresh.apply(*world.fresh())
    assert replayed.state() == fresh.state()
