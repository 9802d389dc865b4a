"""Every consuming service agrees with the registry on a child's path, whatever the order of a unit move.

The move comes between a child's event and its next; Kafka may deliver it (through the org
consumer) before the first, between the two, or after the second, and the org tree's own
creation events may come before the child's events or after them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import ColumnElement, MetaData, select

from alerts.adapters.orm import TREE as ALERTS_TREE
from alerts.adapters.orm import Base as AlertsBase
from alerts.adapters.orm import ChildCopy
from alerts.bootstrap import consumers as alerts_consumers
from alerts.config import AlertsSettings
from pairing.adapters.orm import TREE as PAIRING_TREE
from pairing.adapters.orm import Base as PairingBase
from pairing.adapters.orm import ChildToPair
from pairing.bootstrap import consumers as pairing_consumers
from pairing.config import PairingSettings
from reporting.adapters.orm import TREE as REPORTING_TREE
from reporting.adapters.orm import Base as ReportingBase
from reporting.adapters.orm import ChildFact
from reporting.bootstrap import consumers as reporting_consumers
from reporting.config import ReportingSettings
from shouhu_contracts.envelope import EventData
from shouhu_kit.db import Database
from shouhu_kit.org.paths import encode_path
from shouhu_kit.org.tree import OrgTree
from shouhu_testkit.wiring import ConsumerHarness
from shouhu_testkit.world import World

pytestmark = pytest.mark.unit


@dataclass(frozen=True)
class Consumer:
    """How a service is wired and where it keeps a child's class."""

    metadata: MetaData
    specs: Callable[[], list[Any]]
    tree: OrgTree
    child_key: Any
    class_id: Any


SERVICES = {
    "pairing": Consumer(
        PairingBase.metadata,
        lambda: pairing_consumers(PairingSettings()),
        PAIRING_TREE,
        ChildToPair.id,
        ChildToPair.class_id,
    ),
    "alerts": Consumer(
        AlertsBase.metadata,
        lambda: alerts_consumers(AlertsSettings(env="test")),  # type: ignore[arg-type]
        ALERTS_TREE,
        ChildCopy.id,
        ChildCopy.class_id,
    ),
    "reporting": Consumer(
        ReportingBase.metadata,
        lambda: reporting_consumers(ReportingSettings()),
        REPORTING_TREE,
        ChildFact.child_id,
        ChildFact.class_id,
    ),
}


class Service(ConsumerHarness):
    """One consuming service's tables, fed through the consumer specs its worker runs."""

    def __init__(self, url: str, consumer: Consumer) -> None:
        db = Database(url=url, metadata=consumer.metadata)
        db.create_schema()
        super().__init__(db=db, specs=consumer.specs(), source="/shouhu/test")
        self.consumer = consumer

    def path_of_child(self, child: uuid.UUID) -> str | None:
        """The child's path as this service derives it: its class, placed by the service's tree."""
        c = self.consumer
        key: ColumnElement[bool] = c.child_key == child
        with self.db.sessions() as s:
            class_id = s.scalar(select(c.class_id).where(key))
            return None if class_id is None else c.tree.path_of(s, class_id)


@pytest.fixture
def services(db_urls: Callable[[], str]) -> Iterator[dict[str, Service]]:
    made = {name: Service(db_urls(), consumer) for name, consumer in SERVICES.items()}
    yield made
    for service in made.values():
        service.db.dispose()


MOVES = {"a school to another township": ("sA1", "tB"), "a township to another district": ("tA", "dB")}


def _history(world: World, move: tuple[str, str]) -> tuple[list[EventData], list[EventData], uuid.UUID]:
    """Org events (creations, the move) and a child's: registered, transferred into cA1, a new home."""
    t = world.t
    creations = list(world.published)
    child = world.register(t["cB"], home=t["vB"])
    world.transfer(child, t["cA1"])
    moved = world.move(t[move[0]], t[move[1]])
    world.update(child, home=t["vA"])
    registered, transferred, _, updated = world.published[len(creations) :]
    return [*creations, moved], [registered, transferred, updated], child


@pytest.mark.parametrize("tree_first", [True, False], ids=["tree first", "tree late"])
@pytest.mark.parametrize("move_after", [0, 1, 2], ids=["before the event", "between", "after the next"])
@pytest.mark.parametrize("move", MOVES)
def test_every_service_agrees_with_the_registry_on_the_childs_path(
    move: str, move_after: int, tree_first: bool, services: dict[str, Service]
) -> None:
    world = World()
    org, (registered, transferred, updated), child = _history(world, MOVES[move])
    creations, moved = org[:-1], org[-1]
    events_before_move = [registered, transferred, updated][: move_after + 1]
    events_after_move = [registered, transferred, updated][move_after + 1 :]
    order = (
        [*creations, *events_before_move, moved, *events_after_move]
        if tree_first
        else [*events_before_move, *creations, moved, *events_after_move]
    )
    registry_path = encode_path(world.path(world.t["cA1"]))
    for service in services.values():
        service.apply(*order)
    assert {name: s.path_of_child(child) for name, s in services.items()} == dict.fromkeys(
        services, registry_path
    )
    with services["reporting"].db.sessions() as s:  # reporting also places the child's home village
        home = s.scalar(select(ChildFact.home_village_id).where(ChildFact.child_id == child))
        assert home == world.t["vA"]
        assert REPORTING_TREE.path_of(s, home) == encode_path(world.path(world.t["vA"]))


def test_a_path_seen_before_the_move_is_the_trees_until_the_move_arrives(
    services: dict[str, Service],
) -> None:
    """The child's next event (after the move) lands first: every service shows the tree's path."""
    world = World()
    org, (registered, transferred, updated), child = _history(world, MOVES["a school to another township"])
    creations, moved = org[:-1], org[-1]
    before = encode_path(world.path(world.t["tA"])) + f"{world.t['sA1']}/{world.t['cA1']}/"
    for service in services.values():
        service.apply(*creations, registered, transferred, updated)
    assert {s.path_of_child(child) for s in services.values()} == {before}
    for service in services.values():
        service.apply(moved)
    assert {s.path_of_child(child) for s in services.values()} == {encode_path(world.path(world.t["cA1"]))}
