"""Contact obligations (联系义务): each duty of the city's policy attached to a child, with its window.

Interface used by pairings and the child handlers (implemented here):
- attach_for_pairing(uow, pairing, child, city) -> None: the primary helper's duties, windows open now.
- attach_for_child(uow, child, city) -> None: the class teacher's and the school's duties.
- end_for_pairing(uow, pairing_id, reason) -> None; end_for_child(uow, child_id, reason) -> None.
"""

from __future__ import annotations

import uuid

from pairing.adapters.orm import ChildToPair, Pairing
from pairing.service_layer.context import CityPolicy
from shouhu_kit.uow import UnitOfWork


def attach_for_pairing(uow: UnitOfWork, pairing: Pairing, child: ChildToPair, city: CityPolicy) -> None:
    """Open the windows of the primary helper's duties for a new primary pairing."""


def attach_for_child(uow: UnitOfWork, child: ChildToPair, city: CityPolicy) -> None:
    """Open the windows of the class teacher's and the school's duties for an active child."""


def end_for_pairing(uow: UnitOfWork, pairing_id: uuid.UUID, reason: str) -> None:
    """End the obligations of an ended pairing (each announced as ended)."""


def end_for_child(uow: UnitOfWork, child_id: uuid.UUID, reason: str) -> None:
    """End every obligation of a child who left the programme."""
