"""Pairing event handlers."""

from __future__ import annotations

from typing import Any

from pairing.adapters.orm import ChildToPair
from pairing.domain.priority import pairing_priority
from shouhu_contracts.envelope import CloudEvent
from shouhu_contracts.registry.v1 import ChildRegistered
from shouhu_kit.uow import UnitOfWork


def on_child_registered(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """A new child waits for a helper."""
    data: ChildRegistered = event.data
    priority = pairing_priority(
        left_behind_type=data.left_behind_type,
        has_guardian=data.has_guardian,
        birth_date=data.birth_date,
        today=data.registered_at.date(),
    )
    path = "/" + "/".join(str(p) for p in data.org_path) + "/"
    row = uow.session.get(ChildToPair, data.child_id)
    if row is None:
        uow.session.add(
            ChildToPair(
                id=data.child_id,
                name=data.name,
                left_behind_type=data.left_behind_type.value,
                has_guardian=data.has_guardian,
                priority=priority,
                org_path_text=path,
                paired=False,
                registered_at=data.registered_at,
            )
        )
    else:
        row.name, row.priority, row.org_path_text = data.name, priority, path
