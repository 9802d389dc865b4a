"""A unit move and a child event handled at once by reporting's two consumers (real PostgreSQL)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import select

from reporting.adapters.orm import STOCK, TREE, Base, ChildFact, UnitCount
from reporting.bootstrap import consumers
from reporting.config import ReportingSettings
from shouhu_contracts.envelope import new_event
from shouhu_contracts.registry.v1 import ChildTransferred, OrgUnitCreated, OrgUnitMoved
from shouhu_kit.db import Database
from shouhu_kit.uow import UnitOfWork
from shouhu_testkit.wiring import ConsumerHarness
from shouhu_testkit.world import World

pytestmark = pytest.mark.integration


def test_a_child_event_in_flight_during_a_move_ends_on_the_new_path(pg_schemas: Callable[[], str]) -> None:
    db = Database(url=pg_schemas(), metadata=Base.metadata)
    db.create_schema()
    rep = ConsumerHarness(db=db, specs=consumers(ReportingSettings()), source="/shouhu/reporting")
    world = World()
    child = world.register(world.t["cA3"])  # class of sA3, in township tA2 of district dA
    world.transfer(child, world.t["cA1"])  # into sA1's class, township tA, still in dA
    world.move(world.t["tA"], world.t["dB"])  # then tA (and sA1 with it) moves to dB
    *before, transfer, move = world.published
    assert isinstance(transfer, ChildTransferred)
    assert isinstance(move, OrgUnitMoved)
    rep.apply(*[e for e in before if isinstance(e, OrgUnitCreated)], *before)

    def event(data: object) -> object:
        return new_event(event_id=uuid.uuid4(), source="/shouhu/registry", time=rep.clock.now(), data=data)  # type: ignore[arg-type]

    # The children consumer is mid-transaction with the transfer (its old path) when the move comes.
    child_tx = UnitOfWork(db=db, clock=rep.clock, source="/shouhu/reporting").__enter__()
    rep.handlers[transfer.event_type](child_tx, event(transfer))
    moved = threading.Event()

    def org_consumer() -> None:
        with UnitOfWork(db=db, clock=rep.clock, source="/shouhu/reporting") as uow:
            rep.handlers[move.event_type](uow, event(move))
            uow.commit()
        moved.set()

    org = threading.Thread(target=org_consumer)
    org.start()
    assert not moved.wait(1.5), "the move waits for the child's transaction, which holds its anchor"
    child_tx.commit()
    child_tx.__exit__(None, None, None)
    org.join(30)
    assert moved.is_set()
    with db.sessions() as s:
        class_id = s.scalar(select(ChildFact.class_id).where(ChildFact.child_id == child))
        placed = TREE.path_of(s, class_id) if class_id else None  # the placement's path is the tree's
    assert placed is not None
    assert placed.startswith(f"/{world.t['city']}/{world.t['dB']}/{world.t['tA']}/"), placed
    fresh = ConsumerHarness(
        db=Database(url=pg_schemas(), metadata=Base.metadata),
        specs=consumers(ReportingSettings()),
        source="/shouhu/reporting",
    )
    fresh.db.create_schema()
    fresh.apply(*world.fresh())

    def counts(d: Database) -> dict[uuid.UUID, int]:
        with d.sessions() as s:
            return {u: n for u, n in s.execute(_CHILDREN) if n}

    assert counts(db) == counts(fresh.db)
    db.dispose()
    fresh.db.dispose()


_CHILDREN = select(UnitCount.unit_id, UnitCount.n).where(
    UnitCount.metric == "children", UnitCount.month == STOCK
)
