"""Reporting's part in a unit move: what lies under the moved subtree counts under its new ancestors.

The kit's tree consumer keeps names and places (shouhu_kit.org.events) and calls this in the
move's transaction, with the subtree locked and its paths not yet rewritten.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import or_, select

from reporting.adapters.orm import STOCK, TREE, ChildFact, TaskFact, WindowFact
from reporting.service_layer.counting import Counted, bump, china_month, forget_paths, placed
from shouhu_kit.uow import UnitOfWork

BATCH = 1000


def shift_subtree_counts(uow: UnitOfWork, *, old: str, new: str, at: datetime) -> None:
    """Move the counts of every child, window and task placed under the moved unit, batch by batch.

    A thing counts once per unit, so where its other path (home or school, outside the subtree)
    still passes an ancestor left behind, or already passes one joined, that counter keeps it.
    Work grows with the subtree, not the city: each kind is found through its unit indexes.
    """
    below = TREE.subtree(old)
    month = china_month(at)
    kinds: list[tuple[type[Counted], Any]] = [
        (ChildFact, ChildFact.child_id),
        (WindowFact, WindowFact.id),
        (TaskFact, TaskFact.task_id),
    ]
    for kind, key in kinds:
        where = or_(kind.class_id.in_(below), kind.home_village_id.in_(below))
        ids = uow.session.scalars(select(key).where(where)).all()
        for start in range(0, len(ids), BATCH):
            deltas: Deltas = defaultdict(int)
            rows = cast(
                Sequence[Counted],
                uow.session.scalars(select(kind).where(key.in_(ids[start : start + BATCH]))).all(),
            )
            for row in rows:
                _diff(uow, row, old=old, new=new, month=month, into=deltas)
            bump(uow, deltas.items())
    forget_paths(uow)  # the kit rewrites the subtree's paths next, in this transaction


Deltas = dict[tuple[uuid.UUID, str, str], int]


def _diff(uow: UnitOfWork, row: Counted, *, old: str, new: str, month: str, into: Deltas) -> None:
    before, after = placed(uow, row), placed(uow, row, moved=(old, new))
    moves = [*((u, -1) for u in before.units - after.units), *((u, 1) for u in after.units - before.units)]
    for (metric, period), n in before.counts.items():
        for unit, sign in moves:
            if period is None:
                into[(unit, metric, STOCK)] += sign * n
                into[(unit, metric, month)] += sign * n
            else:
                into[(unit, metric, period)] += sign * n
