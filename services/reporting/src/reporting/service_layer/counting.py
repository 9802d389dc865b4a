"""Counting: what a thing contributes, where it counts, and the counter bumps a change makes.

Every handler follows one shape: take the thing's `placed()` before, change its row, take it after,
and `change()` bumps each unit's counters by exactly the difference. Work per event grows with the
tree's depth and the thing's few metrics, never with the city.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

from sqlalchemy import Table, event
from sqlalchemy.orm import Session

from reporting.adapters.orm import STOCK, TREE, ChildFact, TaskFact, UnitCount, WindowFact
from reporting.domain import metrics
from reporting.domain.metrics import Contribution
from shouhu_contracts.months import month_of
from shouhu_contracts.org import ChildStatus
from shouhu_kit.clock import china_today
from shouhu_kit.db import insert_on_conflict
from shouhu_kit.org.paths import decode_path
from shouhu_kit.uow import UnitOfWork

ACTIVE = ChildStatus.ACTIVE.value
Counted = ChildFact | WindowFact | TaskFact


def china_month(at: datetime) -> str:
    """The month (China's time) an instant falls in, e.g. '2027-04'."""
    return month_of(china_today(at))


@dataclass(frozen=True)
class Placed:
    """Where a thing counts (every unit above its class and home village) and what it counts for."""

    units: frozenset[uuid.UUID] = frozenset()
    counts: Contribution = field(default_factory=dict)


NOWHERE = Placed()


def contribution(row: Counted) -> Contribution:
    """What a row counts for, by its kind."""
    if isinstance(row, ChildFact):
        return metrics.child_contribution(
            active=row.status == ACTIVE,
            left_behind_type=row.left_behind_type,
            guardian=row.guardian,
            archive_complete=row.archive_complete,
            paired=row.active_pairings > 0,
            risk_level=row.risk_level,
        )
    if isinstance(row, WindowFact):
        return metrics.window_contribution(duty=row.duty, month=row.month, state=row.state, late=row.late)
    return metrics.task_contribution(state=row.state, overdue=row.overdue)


def _above(uow: UnitOfWork, unit_id: uuid.UUID | None, moved: tuple[str, str] | None) -> list[uuid.UUID]:
    """The unit and every unit above it; `moved` (old, new) reads the path as a subtree move leaves it.

    FOR SHARE (PostgreSQL): a concurrent move of the unit or an ancestor, which locks the moved
    subtree's rows first, either waits for this transaction or is seen by it, so a count moved by
    one is never moved again, or missed, by the other.
    """
    if unit_id is None:
        return []
    paths = _paths(uow.session)
    path = paths.get(unit_id)
    if path is None:
        path = TREE.path_of(uow.session, unit_id, lock="share")
        if path is None:  # not held: placed before the tree heard of it (handlers hold it)
            return []
        paths[unit_id] = path
    if moved is not None and path.startswith(moved[0]):
        path = moved[1] + path[len(moved[0]) :]
    return decode_path(path)


def _paths(session: Session) -> dict[uuid.UUID, str]:
    """Paths read in this transaction (each read FOR SHARE once), forgotten when it ends.

    A batch of events applies in one transaction, and most of its events name the same few classes
    and villages; the row lock taken by the first read holds the path until the commit.
    """
    paths: dict[uuid.UUID, str] | None = session.info.get(_PATHS)
    if paths is None:
        paths = session.info[_PATHS] = {}
        event.listen(session, "after_transaction_end", _forget, once=True)
    return paths


def _forget(session: Session, _transaction: object) -> None:
    session.info.pop(_PATHS, None)


def forget_paths(uow: UnitOfWork) -> None:
    """Drop the paths read so far (a unit move is about to rewrite them in this transaction)."""
    uow.session.info.pop(_PATHS, None)


_PATHS = "reporting.paths"


def placed(uow: UnitOfWork, row: Counted | None, *, moved: tuple[str, str] | None = None) -> Placed:
    """Where a row counts and for what (NOWHERE for no row, or a row that counts for nothing)."""
    if row is None:
        return NOWHERE
    counts = contribution(row)
    if not counts:
        return NOWHERE
    units = {*_above(uow, row.class_id, moved), *_above(uow, row.home_village_id, moved)}
    return Placed(frozenset(units), counts)


def change(uow: UnitOfWork, *, at: datetime, before: Placed, after: Placed) -> None:
    """Bump every counter by the difference between two placements, dated `at` (the event's time)."""
    deltas: dict[tuple[uuid.UUID, str, str], int] = defaultdict(int)
    month = china_month(at)
    for sign, side in ((-1, before), (1, after)):
        for (metric, period), n in side.counts.items():
            for unit in side.units:
                if period is None:
                    deltas[(unit, metric, STOCK)] += sign * n
                    deltas[(unit, metric, month)] += sign * n
                else:
                    deltas[(unit, metric, period)] += sign * n
    bump(uow, deltas.items())


def bump(uow: UnitOfWork, deltas: Iterable[tuple[tuple[uuid.UUID, str, str], int]]) -> None:
    """Atomic adds, one statement, rows in a fixed order so that two workers never deadlock."""
    rows = [
        {"unit_id": unit, "metric": metric, "month": month, "n": n}
        for (unit, metric, month), n in sorted(
            deltas, key=lambda item: (str(item[0][0]), item[0][1], item[0][2])
        )
        if n
    ]
    if not rows:
        return
    table = cast(Table, UnitCount.__table__)
    stmt = insert_on_conflict(uow.session, table).values(rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.unit_id, table.c.metric, table.c.month],
        set_={"n": table.c.n + stmt.excluded.n},
    )
    uow.session.execute(stmt)


class Recount:
    """`with Recount(uow, row, at):` change the row inside; its counters follow on exit."""

    def __init__(self, uow: UnitOfWork, row: Counted | None, at: datetime) -> None:
        self.uow, self.row, self.at = uow, row, at
        self.before = placed(uow, row)

    def __enter__(self) -> Recount:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        if exc_type is None:
            self.uow.session.flush()
            change(self.uow, at=self.at, before=self.before, after=placed(self.uow, self.row))


def counted_new(uow: UnitOfWork, row: Counted, at: datetime) -> None:
    """A new row: added, and counted where it belongs."""
    uow.session.add(row)
    uow.session.flush()
    change(uow, at=at, before=NOWHERE, after=placed(uow, row))
