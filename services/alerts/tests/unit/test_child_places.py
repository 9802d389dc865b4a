"""Child copies and open tasks follow children as they transfer and come back, and units as they move."""

from __future__ import annotations

import random
import uuid
from typing import Any

import pytest

from alerts.bootstrap import consumers
from alerts.config import AlertsSettings
from shouhu_contracts.catalogue import EVENT_TYPES
from shouhu_contracts.org import LeftBehindType
from shouhu_contracts.registry.v1 import ChildReentered, ChildTransferred, ChildUpdated, OrgUnitMoved
from shouhu_kit.org.paths import encode_path

pytestmark = pytest.mark.unit


def _path(world: Any, unit: uuid.UUID) -> str:
    return encode_path(world.path(unit))


def _drop(world: Any, child: uuid.UUID, second_term: str = "2025-2026-2") -> None:
    """Two terms with a big fall between them: one task."""
    world.result(child, "2025-2026-1", 300, 3)
    world.result(child, second_term, 200, 25)


def test_each_consumer_reads_the_topic_of_every_event_it_handles() -> None:
    specs = consumers(AlertsSettings(env="test"))  # type: ignore[arg-type]
    handled = {t for spec in specs for t in spec.handlers}
    assert {ChildTransferred.event_type, ChildUpdated.event_type, OrgUnitMoved.event_type} <= handled
    assert specs[0].name == "children"
    for spec in specs:
        for event_type in spec.handlers:
            assert EVENT_TYPES[event_type].topic in spec.topics, (spec.name, event_type)


def test_a_transfer_moves_the_copy_and_open_tasks_but_not_closed_ones(world: Any, alerts: Any) -> None:
    t = world.t
    child = world.register(t["cA1"])
    _drop(world, child)
    alerts.apply(*world.published)
    alerts.close_tasks(child)
    world.result(child, "2026-2027-1", 150, 40)  # a second fall: a second, open task
    alerts.apply(world.published[-1], world.transfer(child, t["cB"]))
    assert alerts.children()[child] == ("李小红", _path(world, t["cB"]))
    tasks = alerts.tasks()
    assert tasks[(child, "2025-2026-1>2025-2026-2")][:2] == ("resolved", _path(world, t["cA1"]))
    assert tasks[(child, "2025-2026-2>2026-2027-1")][:2] == ("open", _path(world, t["cB"]))


def test_a_reentry_in_another_class_moves_the_copy_and_open_tasks(world: Any, alerts: Any) -> None:
    t = world.t
    child = world.register(t["cA1"])
    _drop(world, child)
    world.exit(child)
    alerts.apply(*world.published, world.reenter(child, t["cA3"]))
    assert alerts.children()[child][1] == _path(world, t["cA3"])
    # The exit cancelled the drop's task; back in the programme, the drop stands and is followed
    # up again, in the new class.
    assert [v[:2] for v in alerts.live_tasks().values()] == [("open", _path(world, t["cA3"]))]


def test_a_unit_move_rewrites_copies_and_tasks_below_it_in_one_go(world: Any, alerts: Any) -> None:
    t = world.t
    moved, stays = world.register(t["cA1"]), world.register(t["cA2"])
    _drop(world, moved)
    _drop(world, stays)
    alerts.apply(*world.published)
    alerts.close_tasks(moved)
    alerts.apply(world.move(t["sA1"], t["tB"]))
    children, tasks = alerts.children(), alerts.tasks()
    assert children[moved][1] == _path(world, t["cA1"])
    assert f"/{t['tB']}/" in children[moved][1]
    assert children[stays][1] == _path(world, t["cA2"])
    # Closed tasks move too: the unit they were opened in is the same, under a new parent.
    assert {k[0]: v[1] for k, v in tasks.items()} == {
        moved: _path(world, t["cA1"]),
        stays: _path(world, t["cA2"]),
    }


def test_an_update_keeps_the_name_on_the_copy_and_open_tasks(world: Any, alerts: Any) -> None:
    t = world.t
    child = world.register(t["cA1"])
    _drop(world, child)
    alerts.apply(*world.published)
    alerts.close_tasks(child)
    world.result(child, "2026-2027-1", 150, 40)
    world.update(child, name="李小兰")
    alerts.apply(*world.published[-2:])
    assert alerts.children()[child][0] == "李小兰"
    names = {k[1]: v[2] for k, v in alerts.tasks().items()}
    assert names == {"2025-2026-1>2025-2026-2": "李小红", "2025-2026-2>2026-2027-1": "李小兰"}


def test_events_for_children_never_registered_here_do_not_crash(world: Any, alerts: Any) -> None:
    ghost = uuid.uuid4()
    alerts.apply(
        ChildTransferred.example().model_copy(update={"child_id": uuid.uuid4()}),
        ChildReentered.example().model_copy(update={"child_id": uuid.uuid4()}),
        OrgUnitMoved.example(),
        ChildUpdated.example().model_copy(update={"child_id": ghost, "name": "王小明"}),
    )
    # Enough to keep a copy, in the class the event names; the move applied before it put that
    # class's school under another township, and the copy's path is the tree's.
    moved_school = OrgUnitMoved.example().new_path
    class_path = encode_path([*moved_school, ChildUpdated.example().org_path[-1]])
    assert alerts.children() == {ghost: ("王小明", class_path)}
    assert alerts.tasks() == {}


SCRIPTS: dict[str, list[tuple[Any, ...]]] = {
    "fall, transfer, move, fall again": [
        ("register", "cA1"),
        ("drop", 0, "2025-2026-2"),
        ("transfer", 0, "cB"),
        ("move", "sB", "tA2"),
        ("drop", 0, "2026-2027-1"),
    ],
    "fall, exit, move, re-enter elsewhere, rename": [
        ("register", "cA1"),
        ("register", "cA2"),
        ("drop", 1, "2025-2026-2"),
        ("exit", 1),
        ("move", "tA", "dB"),
        ("reenter", 1, "cA3"),
        ("update", 1, "王小红"),
    ],
}


def _run(world: Any, script: list[tuple[Any, ...]]) -> None:
    t, kids = world.t, []
    for op, *args in script:
        if op == "register":
            kids.append(world.register(t[args[0]]))
        elif op == "drop":
            _drop(world, kids[args[0]], args[1])
        elif op == "transfer":
            world.transfer(kids[args[0]], t[args[1]])
        elif op == "exit":
            world.exit(kids[args[0]])
        elif op == "reenter":
            world.reenter(kids[args[0]], t[args[1]], LeftBehindType.MOTHER)
        elif op == "update":
            world.update(kids[args[0]], name=args[1])
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
    assert replayed.live_tasks()


@pytest.mark.parametrize("seed", range(10))
def test_a_random_history_ends_as_a_fresh_registration_in_the_final_place(
    seed: int, world: Any, make: Any
) -> None:
    world.random_script(random.Random(seed), steps=30)
    replayed, fresh = make(), make()
    replayed.apply(*world.published)
    fresh.apply(*world.fresh())
    assert replayed.state() == fresh.state()
