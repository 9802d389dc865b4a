"""Reporting projections of child events: work per event grows with the depth of the tree, not the city."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from reporting.adapters.orm import TREE, ChildPlacement
from reporting.service_layer.counting import ACTIVE, counted_units, shift
from shouhu_contracts.envelope import CloudEvent
from shouhu_contracts.registry.v1 import (
    ChildExited,
    ChildReentered,
    ChildRegistered,
    ChildTransferred,
    ChildUpdated,
)
from shouhu_kit.handlers import EventHandlers
from shouhu_kit.uow import UnitOfWork

# The children consumer's handlers, each declared over its function (the bootstrap names the set).
CHILD_EVENTS = EventHandlers()


def _unit(uow: UnitOfWork, path: Sequence[uuid.UUID] | None) -> uuid.UUID | None:
    """The unit at the end of an event's path, held in the tree (None for no path)."""
    return TREE.unit_of(uow.session, path) if path else None


def _add(
    uow: UnitOfWork, child_id: uuid.UUID, *, class_id: uuid.UUID, home: uuid.UUID | None, status: str
) -> None:
    """A new placement, counted in every unit above its class and home village if it is active."""
    row = ChildPlacement(child_id=child_id, class_id=class_id, home_village_id=home, status=status)
    uow.session.add(row)
    shift(uow, before=set(), after=counted_units(uow, row))


_KEEP = object()  # _settle: leave the home village as it is


def _settle(
    uow: UnitOfWork,
    row: ChildPlacement,
    *,
    class_id: uuid.UUID | None = None,
    status: str | None = None,
    home: uuid.UUID | object | None = _KEEP,
) -> None:
    """Change a placement and move the counters by exactly the difference."""
    before = counted_units(uow, row)
    if class_id is not None:
        row.class_id = class_id
    if isinstance(home, uuid.UUID) or home is None:
        row.home_village_id = home
    if status is not None:
        row.status = status
    shift(uow, before=before, after=counted_units(uow, row))


@CHILD_EVENTS.on(ChildRegistered)
def on_child_registered(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """Count the child once in each unit above its class and its home village."""
    data: ChildRegistered = event.data
    if uow.session.get(ChildPlacement, data.child_id) is not None:
        return  # a replay: the placement is as new or newer, and an exited child stays uncounted
    class_id = TREE.unit_of(uow.session, data.org_path)
    _add(uow, data.child_id, class_id=class_id, home=_unit(uow, data.home_path), status=ACTIVE)


@CHILD_EVENTS.on(ChildTransferred)
def on_child_transferred(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """Move the count from the old class's units to the new one's; the home village's keep it."""
    data: ChildTransferred = event.data
    row = uow.session.get(ChildPlacement, data.child_id)
    class_id = TREE.unit_of(uow.session, data.org_path)
    if row is None:  # never registered here: only active children transfer, so count it where it is
        _add(uow, data.child_id, class_id=class_id, home=None, status=ACTIVE)
    else:
        _settle(uow, row, class_id=class_id)


@CHILD_EVENTS.on(ChildExited)
def on_child_exited(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """The child stops counting everywhere; the placement remembers it is out."""
    data: ChildExited = event.data
    row = uow.session.get(ChildPlacement, data.child_id)
    if row is None:  # remembered, so that a late or replayed registration does not count it
        class_id = TREE.unit_of(uow.session, data.org_path)
        _add(uow, data.child_id, class_id=class_id, home=None, status=data.status.value)
    else:
        _settle(uow, row, status=data.status.value)


@CHILD_EVENTS.on(ChildReentered)
def on_child_reentered(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """The child counts again, in its (possibly new) class and its home village."""
    data: ChildReentered = event.data
    row = uow.session.get(ChildPlacement, data.child_id)
    class_id = TREE.unit_of(uow.session, data.org_path)
    if row is None:
        _add(uow, data.child_id, class_id=class_id, home=None, status=ACTIVE)
    else:
        _settle(uow, row, class_id=class_id, status=ACTIVE)


@CHILD_EVENTS.on(ChildUpdated)
def on_child_updated(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """A new home village moves the count between the village-side units."""
    data: ChildUpdated = event.data
    if "home_village_id" not in data.fields:
        return
    row = uow.session.get(ChildPlacement, data.child_id)
    home = _unit(uow, data.home_path)
    if row is None:
        class_id = TREE.unit_of(uow.session, data.org_path)
        _add(uow, data.child_id, class_id=class_id, home=home, status=ACTIVE)
    else:
        _settle(uow, row, home=home)
