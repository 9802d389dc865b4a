"""Pairing event handlers: who waits for a helper, where, and how urgently."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from pairing.adapters.orm import TREE, ChildToPair
from pairing.domain.pairing_order import neediness
from shouhu_contracts.envelope import CloudEvent
from shouhu_contracts.org import ChildStatus, LeftBehindType
from shouhu_contracts.registry.v1 import (
    ChildExited,
    ChildFacts,
    ChildReentered,
    ChildRegistered,
    ChildTransferred,
    ChildUpdated,
    GuardianChanged,
)
from shouhu_kit.handlers import EventHandlers
from shouhu_kit.uow import UnitOfWork

log = logging.getLogger(__name__)
ACTIVE = ChildStatus.ACTIVE.value

# The children consumer's handlers, each declared over its function (the bootstrap names the set).
CHILD_EVENTS = EventHandlers()


def _rank(row: ChildToPair, *, on: date) -> None:
    """Who is paired first, on that day: both parents away, young, no guardian (优先结对)."""
    row.priority = neediness(
        left_behind_type=LeftBehindType(row.left_behind_type),
        has_guardian=row.has_guardian,
        birth_date=row.birth_date,
        today=on,
    )


@CHILD_EVENTS.on(ChildRegistered)
def on_child_registered(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """A new child waits for a helper."""
    data: ChildRegistered = event.data
    if uow.session.get(ChildToPair, data.child_id) is not None:
        return  # a replay: what we hold is as new or newer, and an exited child stays out
    row = ChildToPair(
        id=data.child_id,
        name=data.name,
        birth_date=data.birth_date,
        left_behind_type=data.left_behind_type.value,
        has_guardian=data.has_guardian,
        class_id=TREE.unit_of(uow.session, data.org_path),
        status=ACTIVE,
        paired=False,
        registered_at=data.registered_at,
    )
    _rank(row, on=data.registered_at.date())
    uow.session.add(row)


def _known(uow: UnitOfWork, event: CloudEvent[Any]) -> ChildToPair | None:
    """The child's row, in the class the event restates; None for a child never registered here.

    Such a child is left out: without its birth date pairing cannot rank it, and a later event
    for it is ignored the same way (the registry publishes the registration first, on the same key).
    """
    data: ChildFacts = event.data
    row = uow.session.get(ChildToPair, data.child_id)
    if row is None:
        log.info("%s for child %s never registered here: ignored", event.type, data.child_id)
        return None
    row.class_id = TREE.unit_of(uow.session, data.org_path)
    return row


@CHILD_EVENTS.on(ChildUpdated)
def on_child_updated(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """New name, left-behind type or guardian: rank again."""
    data: ChildUpdated = event.data
    if (row := _known(uow, event)) is not None:
        row.name, row.left_behind_type, row.has_guardian = (
            data.name,
            data.left_behind_type.value,
            data.has_guardian,
        )
        _rank(row, on=data.occurred_at.date())


@CHILD_EVENTS.on(GuardianChanged)
def on_guardian_changed(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """A child with or without a guardian now: rank again."""
    data: GuardianChanged = event.data
    if (row := _known(uow, event)) is not None:
        row.has_guardian = data.has_guardian
        _rank(row, on=data.occurred_at.date())


@CHILD_EVENTS.on(ChildTransferred)
def on_child_transferred(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """The child waits in its new class (restated by `_known`)."""
    if (row := _known(uow, event)) is not None:
        _rank(row, on=event.data.occurred_at.date())


@CHILD_EVENTS.on(ChildExited)
def on_child_exited(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """The child left the programme: it no longer waits."""
    data: ChildExited = event.data
    if (row := _known(uow, event)) is not None:
        row.status = data.status.value
        _rank(row, on=data.occurred_at.date())


@CHILD_EVENTS.on(ChildReentered)
def on_child_reentered(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """The child is back: it waits again, ranked on its facts of today."""
    data: ChildReentered = event.data
    if (row := _known(uow, event)) is not None:
        row.status = ACTIVE
        row.left_behind_type, row.has_guardian = data.left_behind_type.value, data.has_guardian
        _rank(row, on=data.occurred_at.date())
