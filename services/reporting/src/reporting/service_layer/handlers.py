"""Reporting projections of child events: work per event grows with the depth of the tree, not the city."""

from __future__ import annotations

import uuid
from typing import Any

from reporting.adapters.orm import ChildPlacement
from reporting.service_layer.counting import ACTIVE, counted_units, current_path, shift
from shouhu_contracts.envelope import CloudEvent
from shouhu_contracts.registry.v1 import (
    ChildExited,
    ChildReentered,
    ChildRegistered,
    ChildTransferred,
    ChildUpdated,
)
from shouhu_kit.uow import UnitOfWork


def _add(uow: UnitOfWork, child_id: uuid.UUID, *, org_path: str, home_path: str | None, status: str) -> None:
    """A new placement, counted in every unit of its paths if it is active."""
    row = ChildPlacement(child_id=child_id, org_path_text=org_path, home_path_text=home_path, status=status)
    uow.session.add(row)
    shift(uow, before=set(), after=counted_units(row))


_KEEP = "keep"  # _settle: leave the home path as it is


def _settle(
    uow: UnitOfWork,
    row: ChildPlacement,
    *,
    org_path: str | None = None,
    status: str | None = None,
    home_path: str | None = _KEEP,
) -> None:
    """Change a placement and move the counters by exactly the difference."""
    before = counted_units(row)
    if org_path is not None:
        row.org_path_text = org_path
    if home_path != _KEEP:
        row.home_path_text = home_path
    if status is not None:
        row.status = status
    shift(uow, before=before, after=counted_units(row))


def on_child_registered(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """Count the child once in each unit of its school path and its home path."""
    data: ChildRegistered = event.data
    if uow.session.get(ChildPlacement, data.child_id) is not None:
        return  # a replay: the placement is as new or newer, and an exited child stays uncounted
    home = current_path(uow, data.home_path) if data.home_path else None
    _add(uow, data.child_id, org_path=current_path(uow, data.org_path), home_path=home, status=ACTIVE)


def on_child_transferred(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """Move the count from the old school path to the new one; the home path's units keep it."""
    data: ChildTransferred = event.data
    row = uow.session.get(ChildPlacement, data.child_id)
    new_path = current_path(uow, data.org_path)
    if row is None:  # never registered here: only active children transfer, so count it where it is
        _add(uow, data.child_id, org_path=new_path, home_path=None, status=ACTIVE)
    else:
        _settle(uow, row, org_path=new_path)


def on_child_exited(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """The child stops counting everywhere; the placement remembers it is out."""
    data: ChildExited = event.data
    row = uow.session.get(ChildPlacement, data.child_id)
    if row is None:  # remembered, so that a late or replayed registration does not count it
        path = current_path(uow, data.org_path)
        _add(uow, data.child_id, org_path=path, home_path=None, status=data.status.value)
    else:
        _settle(uow, row, status=data.status.value)


def on_child_reentered(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """The child counts again, at its (possibly new) school path and its home path."""
    data: ChildReentered = event.data
    row = uow.session.get(ChildPlacement, data.child_id)
    new_path = current_path(uow, data.org_path)
    if row is None:
        _add(uow, data.child_id, org_path=new_path, home_path=None, status=ACTIVE)
    else:
        _settle(uow, row, org_path=new_path, status=ACTIVE)


def on_child_updated(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """A new home village moves the count between the village-side units."""
    data: ChildUpdated = event.data
    if "home_village_id" not in data.fields:
        return
    row = uow.session.get(ChildPlacement, data.child_id)
    home = current_path(uow, data.home_path) if data.home_path else None
    if row is None:
        _add(uow, data.child_id, org_path=current_path(uow, data.org_path), home_path=home, status=ACTIVE)
    else:
        _settle(uow, row, home_path=home)
