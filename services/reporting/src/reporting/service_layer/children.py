"""The children's facts, from registry.children: where each child counts and what for.

Each child event is applied as a Recount: the child's counters move by exactly what changed. A
replay (a registration delivered again under a new id) changes nothing: the row is as new or newer.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import select

from reporting.adapters.orm import TREE, ChildFact, RecordFact, TaskFact, TermResultFact, WindowFact
from reporting.domain.metrics import guardian_situation
from reporting.service_layer.counting import ACTIVE, Recount
from shouhu_contracts.envelope import CloudEvent
from shouhu_contracts.registry.v1 import (
    AwardRecorded,
    ChildExited,
    ChildReentered,
    ChildRegistered,
    ChildTransferred,
    ChildUpdated,
    GuardianChanged,
    TermResultRecorded,
    ViolationRecorded,
)
from shouhu_kit.handlers import EventHandlers
from shouhu_kit.uow import UnitOfWork

CHILD_EVENTS = EventHandlers()


def child_row(uow: UnitOfWork, child_id: uuid.UUID) -> ChildFact:
    """The child's facts, a pending row (counted nowhere) if its registration has not arrived yet."""
    row = uow.session.get(ChildFact, child_id)
    if row is None:
        row = ChildFact(child_id=child_id, status=None, name="", archive_complete=False, active_pairings=0)
        uow.session.add(row)
        uow.session.flush()
    return row


def _unit(uow: UnitOfWork, path: Sequence[uuid.UUID] | None) -> uuid.UUID | None:
    """The unit at the end of an event's path, held in the tree (None for no path)."""
    return TREE.unit_of(uow.session, path) if path else None


def follow_home(uow: UnitOfWork, child: ChildFact, at: datetime) -> None:
    """The child's tasks and windows count in its home village as it now is.

    They take the village from the child's row when they arrive; one that came before the
    registration (another topic ran ahead) or before a move of home would otherwise keep the
    village it saw, so the totals would depend on the order topics were consumed in. Dated at the
    later of `at` and the task's opening, as a live run in time order dates it.
    """
    kinds: tuple[type[TaskFact] | type[WindowFact], ...] = (TaskFact, WindowFact)
    for kind in kinds:
        moved = kind.home_village_id.is_distinct_from(child.home_village_id)
        rows = cast(
            Sequence[TaskFact | WindowFact],
            uow.session.scalars(select(kind).where(kind.child_id == child.child_id, moved)).all(),
        )
        for row in rows:
            when = max(at, row.opened_at) if isinstance(row, TaskFact) else at
            with Recount(uow, row, when):
                row.home_village_id = child.home_village_id


@CHILD_EVENTS.on(ChildRegistered)
def on_registered(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """A new archive: the child counts in its class's and its home village's units."""
    data: ChildRegistered = event.data
    row = child_row(uow, data.child_id)
    if row.status is not None:
        return  # a replay: the row is as new or newer, and an exited child stays uncounted
    with Recount(uow, row, data.registered_at):
        row.status = ACTIVE
        row.class_id = _unit(uow, data.org_path)
        row.home_village_id = _unit(uow, data.home_path)
        row.name, row.gender = data.name, data.gender.value
        row.left_behind_type = data.left_behind_type.value
        row.guardian = guardian_situation(
            has_guardian=data.has_guardian, relation=data.guardian_relation
        ).value
        row.missing_contacts = list(data.missing_contacts)
        row.archive_complete = not data.missing_contacts
        row.registered_at = row.changed_at = data.registered_at
    follow_home(uow, row, data.registered_at)


@CHILD_EVENTS.on(ChildUpdated)
def on_updated(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """The archive changed: its name, type, guardian presence, missing phones, home village."""
    data: ChildUpdated = event.data
    row = child_row(uow, data.child_id)
    with Recount(uow, row, data.occurred_at):
        row.name, row.left_behind_type = data.name, data.left_behind_type.value
        if not data.has_guardian:
            row.guardian = "none"
        elif row.guardian in (None, "none"):
            row.guardian = guardian_situation(has_guardian=True, relation=None).value
        row.missing_contacts = list(data.missing_contacts)
        row.archive_complete = not data.missing_contacts
        if "home_village_id" in data.fields:
            row.home_village_id = _unit(uow, data.home_path)
        if row.class_id is None:
            row.class_id = _unit(uow, data.org_path)
        row.changed_at = data.occurred_at
    if "home_village_id" in data.fields:
        follow_home(uow, row, data.occurred_at)


@CHILD_EVENTS.on(GuardianChanged)
def on_guardian_changed(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """A new guardian, or none: the guardian mix moves."""
    data: GuardianChanged = event.data
    row = child_row(uow, data.child_id)
    with Recount(uow, row, data.occurred_at):
        row.guardian = guardian_situation(has_guardian=data.has_guardian, relation=data.relation).value
        row.changed_at = data.occurred_at


@CHILD_EVENTS.on(ChildTransferred)
def on_transferred(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """The child counts in its new class's units; the home village's keep it."""
    data: ChildTransferred = event.data
    row = child_row(uow, data.child_id)
    with Recount(uow, row, data.occurred_at):
        row.class_id = _unit(uow, data.org_path)
        if row.status is None:  # never registered here: only active children transfer
            row.status = ACTIVE
        row.changed_at = data.occurred_at


@CHILD_EVENTS.on(ChildExited)
def on_exited(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """The child stops counting everywhere; the row remembers it is out (a late registration too)."""
    data: ChildExited = event.data
    row = child_row(uow, data.child_id)
    with Recount(uow, row, data.occurred_at):
        row.status = data.status.value
        if row.class_id is None:
            row.class_id = _unit(uow, data.org_path)
        row.changed_at = data.occurred_at


@CHILD_EVENTS.on(ChildReentered)
def on_reentered(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """The child counts again, in its (possibly new) class."""
    data: ChildReentered = event.data
    row = child_row(uow, data.child_id)
    with Recount(uow, row, data.occurred_at):
        row.status = ACTIVE
        row.class_id = _unit(uow, data.org_path)
        row.left_behind_type = data.left_behind_type.value
        if not data.has_guardian:
            row.guardian = "none"
        row.changed_at = data.occurred_at


@CHILD_EVENTS.on(TermResultRecorded)
def on_term_result(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """A term's final rank in class (a correction replaces the term's earlier one)."""
    data: TermResultRecorded = event.data
    class_id = TREE.unit_of(uow.session, data.org_path)
    row = uow.session.get(TermResultFact, (data.child_id, data.term))
    if row is None:
        row = TermResultFact(child_id=data.child_id, term=data.term)
        uow.session.add(row)
    elif row.recorded_at > data.recorded_at:
        return  # an older record delivered late
    row.class_id, row.class_rank, row.class_size = class_id, data.class_rank, data.class_size
    row.total_score, row.recorded_at = data.total_score, data.recorded_at


@CHILD_EVENTS.on(AwardRecorded)
def on_award(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """An award in a school year (三好学生 counts in the assessment)."""
    data: AwardRecorded = event.data
    if uow.session.get(RecordFact, data.award_id) is None:
        kind = "merit_student" if data.merit_student else "award"
        uow.session.add(
            RecordFact(
                record_id=data.award_id,
                child_id=data.child_id,
                school_year=data.school_year,
                kind=kind,
                title=data.title,
                on=data.awarded_on,
            )
        )


@CHILD_EVENTS.on(ViolationRecorded)
def on_violation(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """A violation in a school year (a serious one costs the child's +20)."""
    data: ViolationRecorded = event.data
    if uow.session.get(RecordFact, data.violation_id) is None:
        kind = "serious_violation" if data.serious else "violation"
        uow.session.add(
            RecordFact(
                record_id=data.violation_id,
                child_id=data.child_id,
                school_year=data.school_year,
                kind=kind,
                title="严重违纪" if data.serious else "违纪",
                on=data.occurred_on,
            )
        )
