"""Which helper may read which child: kept from the pairing service's pairings (结对关系).

A helper (结对帮扶人) reads the archives of the children they are paired with, and no others. The
registry learns of pairings only through `pairing.pairings`; each handler is idempotent on the
pairing's own id (a replay with a new event id changes nothing either), and an end is final: an
ended pairing never opens again, even when its creation arrives after its end.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, exists, select

from registry.adapters.orm import ChildRow, HelperAccessRow
from shouhu_contracts.envelope import CloudEvent
from shouhu_contracts.pairing.v1 import PairingCreated, PairingEnded, PairingFacts
from shouhu_contracts.pairing.vocabulary import HelperKind
from shouhu_kit.handlers import EventHandlers
from shouhu_kit.uow import UnitOfWork

# The pairings consumer's handlers (the bootstrap names the set).
PAIRING_EVENTS = EventHandlers()


def _row(data: PairingFacts, *, active: bool) -> HelperAccessRow:
    return HelperAccessRow(
        pairing_id=data.pairing_id,
        child_id=data.child_id,
        helper_account=data.helper_account,
        helper_id=data.helper_id,
        active=active,
    )


@PAIRING_EVENTS.on(PairingCreated)
def on_pairing_created(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """The helper may now read the child's archive, unless this pairing has already ended."""
    data: PairingCreated = event.data
    if data.helper_kind is HelperKind.PEER_STUDENT:
        return  # a study buddy (学习帮手) is a pupil: another family's archive is not theirs to read
    row = uow.session.get(HelperAccessRow, data.pairing_id)
    if row is None:
        row = _row(data, active=True)
        uow.session.add(row)
    elif row.created_at is not None:
        return  # a replay: nothing changes
    row.created_at = data.created_at  # an end that came first keeps the row inactive
    uow.session.flush()  # the next event of the same poll finds the row


@PAIRING_EVENTS.on(PairingEnded)
def on_pairing_ended(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """The helper may no longer read the child's archive; the first end recorded stands."""
    data: PairingEnded = event.data
    row = uow.session.get(HelperAccessRow, data.pairing_id)
    if row is None:  # ended before its creation was consumed: kept, so the creation stays closed
        row = _row(data, active=False)
        uow.session.add(row)
    elif row.ended_at is not None:
        return  # a replay: nothing changes
    row.active, row.ended_at = False, data.ended_at
    uow.session.flush()


def paired_with(helper_account: str) -> ColumnElement[bool]:
    """Children in an active pairing with this helper (served by the (account, active) index)."""
    return ChildRow.id.in_(
        select(HelperAccessRow.child_id).where(
            HelperAccessRow.helper_account == helper_account, HelperAccessRow.active.is_(True)
        )
    )


def is_paired(uow: UnitOfWork, *, helper_account: str, child_id: uuid.UUID) -> bool:
    """True when the helper has an active pairing with the child."""
    query = exists().where(
        HelperAccessRow.helper_account == helper_account,
        HelperAccessRow.child_id == child_id,
        HelperAccessRow.active.is_(True),
    )
    return bool(uow.session.scalar(select(query)))
