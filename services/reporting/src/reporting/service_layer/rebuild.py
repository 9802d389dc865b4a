"""Rebuilding the read models from the events alone: every topic from its beginning, into an empty database.

The events are merged by their time (shouhu_kit.replay) because stock metrics are dated by the
event's month: live, each topic is consumed close to when its events happened, so one child's facts
from different services (registered in March, paired in April) are applied in that order; a rebuild
that read topic after topic would date the pairing's coverage in March. The same handlers and the
same inbox apply them, under the live groups' names, so the worker started on the rebuilt database
afterwards resumes at its committed offsets and skips what the rebuild already applied.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, func, select

from reporting.adapters.orm import (
    TREE,
    ChildFact,
    HelperFact,
    PairingFact,
    RecordFact,
    TaskFact,
    TermResultFact,
    UnitCount,
    WindowFact,
)
from reporting.service_layer.alerts import mark_overdue
from shouhu_kit.db import Database
from shouhu_kit.replay import Reading, TopicReplay, replay_into
from shouhu_kit.runtime import ConsumerSpec, Runtime


def read_model_tables(db: Database) -> list[Table]:
    """The tables only events fill (the tree, facts and counters), and the inbox that guards them."""
    models: list[Any] = [
        UnitCount,
        ChildFact,
        WindowFact,
        TaskFact,
        PairingFact,
        HelperFact,
        TermResultFact,
        RecordFact,
    ]
    return [TREE.table, *(m.__table__ for m in models), db.tables.processed_events]


def rows_held(db: Database) -> dict[str, int]:
    """The tables among them that hold rows, with how many."""
    held = {}
    with db.engine.connect() as conn:
        for table in read_model_tables(db):
            n = conn.execute(select(func.count()).select_from(table)).scalar_one()
            if n:
                held[table.name] = int(n)
    return held


class NotEmpty(Exception):
    """The database already holds read models: a rebuild would count everything twice."""

    def __init__(self, held: dict[str, int]) -> None:
        super().__init__(held)
        self.held = held


@dataclass(frozen=True)
class Rebuilt:
    """What a rebuild replayed, per topic, and how many tasks it then found overdue."""

    topics: dict[str, TopicReplay]
    overdue: int


def rebuild(*, runtime: Runtime, specs: Sequence[ConsumerSpec], batch_size: int | None = None) -> Rebuilt:
    """Replay every topic the consumers read into the empty database, then mark overdue tasks now."""
    runtime.db.create_schema()
    held = rows_held(runtime.db)
    if held:
        raise NotEmpty(held)
    if runtime.broker.log_reader is None:
        raise RuntimeError("this broker cannot read whole topics")
    s = runtime.settings
    readings = {
        s.topic(topic): Reading(group=s.group(spec.name), handlers=spec.handlers)
        for spec in specs
        for topic in spec.topics
    }
    reader = runtime.broker.log_reader(sorted(readings))
    try:
        topics = replay_into(
            reader=reader,
            readings=readings,
            uow=runtime.uow,
            now=runtime.clock.now,
            batch_size=batch_size or s.consumer_batch_size,
        )
    finally:
        reader.close()
    return Rebuilt(topics=topics, overdue=_mark_overdue(runtime))


def _mark_overdue(runtime: Runtime) -> int:
    """The overdue job at the clock's now, run until nothing more is due."""
    total, more = 0, True
    while more:
        with runtime.uow() as uow:
            result = mark_overdue(uow)
            uow.commit()
        total, more = total + result.handled, result.more
    return total
