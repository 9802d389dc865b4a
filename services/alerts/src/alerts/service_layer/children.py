"""Alerts keeps its copy of each child, and its open tasks, in the class the child is in now."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import update

from alerts.adapters.orm import TREE, ChildCopy, FollowUpTask
from shouhu_contracts.envelope import CloudEvent
from shouhu_contracts.registry.v1 import ChildReentered, ChildRegistered, ChildTransferred, ChildUpdated
from shouhu_kit.handlers import EventHandlers
from shouhu_kit.uow import UnitOfWork

OPEN = "open"

# The children consumer's handlers, each declared over its function (the bootstrap names the set).
CHILD_EVENTS = EventHandlers()


@CHILD_EVENTS.on(ChildRegistered)
def on_child_registered(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """Keep the child's name and class."""
    data: ChildRegistered = event.data
    if uow.session.get(ChildCopy, data.child_id) is not None:
        return  # a replay: registration is a child's first event, so what we hold is as new or newer
    uow.session.add(
        ChildCopy(id=data.child_id, name=data.name, class_id=TREE.unit_of(uow.session, data.org_path))
    )


@CHILD_EVENTS.on(ChildUpdated)
def on_child_updated(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """Keep the child's name, on the copy and on its open tasks (closed tasks keep their history)."""
    data: ChildUpdated = event.data
    row = uow.session.get(ChildCopy, data.child_id)
    if row is None:  # never registered here: the event restates enough to keep a copy
        class_id = TREE.unit_of(uow.session, data.org_path)
        uow.session.add(ChildCopy(id=data.child_id, name=data.name, class_id=class_id))
    else:
        row.name = data.name
    uow.session.execute(
        update(FollowUpTask)
        .where(FollowUpTask.child_id == data.child_id, FollowUpTask.status == OPEN)
        .values(child_name=data.name)
        .execution_options(synchronize_session=False)
    )


def _follow(uow: UnitOfWork, child_id: uuid.UUID, org_path: Sequence[uuid.UUID]) -> None:
    """The copy and the child's open tasks move to its class now; closed tasks stay where they were."""
    class_id = TREE.unit_of(uow.session, org_path)
    row = uow.session.get(ChildCopy, child_id)
    if row is not None:  # a child never registered here has no name to keep: its tasks still follow
        row.class_id = class_id
    uow.session.execute(
        update(FollowUpTask)
        .where(FollowUpTask.child_id == child_id, FollowUpTask.status == OPEN)
        .values(class_id=class_id)
        .execution_options(synchronize_session=False)
    )


@CHILD_EVENTS.on(ChildTransferred)
def on_child_transferred(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """The child, and whoever follows up its open tasks, is now in the new class's scope."""
    data: ChildTransferred = event.data
    _follow(uow, data.child_id, data.org_path)


@CHILD_EVENTS.on(ChildReentered)
def on_child_reentered(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """A child back in the programme may be back in another class: follow it there."""
    data: ChildReentered = event.data
    _follow(uow, data.child_id, data.org_path)
