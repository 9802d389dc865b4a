"""Alerts keeps its copy of each child, and the scope of its open tasks, where the child is now."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, update

from alerts.adapters.orm import ChildCopy, FollowUpTask
from alerts.service_layer.handlers import path_text
from shouhu_contracts.envelope import CloudEvent
from shouhu_contracts.registry.v1 import ChildReentered, ChildTransferred, ChildUpdated, OrgUnitMoved
from shouhu_kit.uow import UnitOfWork

OPEN = "open"


def on_child_updated(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """Keep the child's name, on the copy and on its open tasks (closed tasks keep their history)."""
    data: ChildUpdated = event.data
    row = uow.session.get(ChildCopy, data.child_id)
    if row is None:  # never registered here: the event restates enough to keep a copy
        uow.session.add(ChildCopy(id=data.child_id, name=data.name, org_path_text=path_text(data.org_path)))
    else:
        row.name = data.name
    uow.session.execute(
        update(FollowUpTask)
        .where(FollowUpTask.child_id == data.child_id, FollowUpTask.status == OPEN)
        .values(child_name=data.name)
        .execution_options(synchronize_session=False)
    )


def _follow(uow: UnitOfWork, child_id: uuid.UUID, path: str) -> None:
    """The copy and the child's open tasks move to the new path; closed tasks stay where they were."""
    row = uow.session.get(ChildCopy, child_id)
    if row is not None:  # a child never registered here has no name to keep: its tasks still follow
        row.org_path_text = path
    uow.session.execute(
        update(FollowUpTask)
        .where(FollowUpTask.child_id == child_id, FollowUpTask.status == OPEN)
        .values(org_path_text=path)
        .execution_options(synchronize_session=False)
    )


def on_child_transferred(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """The child, and whoever follows up its open tasks, is now in the new class's scope."""
    data: ChildTransferred = event.data
    _follow(uow, data.child_id, path_text(data.org_path))


def on_child_reentered(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """A child back in the programme may be back in another class: follow it there."""
    data: ChildReentered = event.data
    _follow(uow, data.child_id, path_text(data.org_path))


def on_org_unit_moved(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """Rewrite the path prefix of children and of all their tasks below the unit: one UPDATE each.

    Unlike a transfer, closed tasks move too: the class they were opened in is the same unit,
    now under another parent, and scope must find them there. The event's own paths are used: a
    child event published before the move but applied after it keeps the old prefix.
    """
    data: OrgUnitMoved = event.data
    old, new = path_text(data.old_path), path_text(data.new_path)
    if old == new:
        return
    for model in (ChildCopy, FollowUpTask):
        uow.session.execute(
            update(model)
            .where(model.org_path_text.like(f"{old}%"))
            .values(org_path_text=new + func.substr(model.org_path_text, len(old) + 1))
            .execution_options(synchronize_session=False)
        )
