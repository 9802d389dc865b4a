"""Helpers, pairings and obligation windows, from pairing's topics: coverage and compliance."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select

from reporting.adapters.orm import TREE, ClassTeacherFact, HelperFact, PairingFact, WindowFact
from reporting.service_layer.children import child_row
from reporting.service_layer.counting import Recount, china_month, counted_new
from shouhu_contracts.envelope import CloudEvent
from shouhu_contracts.pairing.v1 import (
    HelperDeactivated,
    HelperFacts,
    HelperRegistered,
    HelperUpdated,
    ObligationEnded,
    ObligationFacts,
    ObligationWindowMet,
    ObligationWindowMissed,
    ObligationWindowOpened,
    PairingCreated,
    PairingEnded,
)
from shouhu_kit.handlers import EventHandlers
from shouhu_kit.uow import UnitOfWork

PAIRING_EVENTS = EventHandlers()
OBLIGATION_EVENTS = EventHandlers()


@PAIRING_EVENTS.on(HelperRegistered, HelperUpdated, HelperDeactivated)
def on_helper(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """Keep the helper's name, kind and unit (the assessment names them)."""
    data: HelperFacts = event.data
    row = uow.session.get(HelperFact, data.helper_id)
    if row is None:
        row = HelperFact(helper_id=data.helper_id)
        uow.session.add(row)
    row.kind, row.name, row.account = data.kind.value, data.name, data.account
    row.unit_id, row.active = data.unit_id, data.active
    heads = set(data.classes) if data.active else set()
    c = ClassTeacherFact
    uow.session.execute(delete(c).where(c.helper_id == data.helper_id, c.class_id.not_in(heads)))
    for class_id in sorted(heads, key=str):  # a class names one teacher: the newest event names them
        held = uow.session.get(c, class_id)
        if held is None:
            uow.session.add(c(class_id=class_id, helper_id=data.helper_id))
        else:
            held.helper_id = data.helper_id


@PAIRING_EVENTS.on(PairingCreated)
def on_pairing_created(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """The child is covered (结对) while it has at least one live pairing."""
    data: PairingCreated = event.data
    if uow.session.get(PairingFact, data.pairing_id) is not None:
        return  # delivered again, or its end came first
    uow.session.add(
        PairingFact(
            pairing_id=data.pairing_id,
            child_id=data.child_id,
            helper_id=data.helper_id,
            helper_kind=data.helper_kind.value,
            role=data.role.value,
            created_at=data.created_at,
        )
    )
    child = child_row(uow, data.child_id)
    with Recount(uow, child, data.created_at):
        child.active_pairings += 1


@PAIRING_EVENTS.on(PairingEnded)
def on_pairing_ended(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """One pairing fewer; the child is uncovered when it was the last."""
    data: PairingEnded = event.data
    row = uow.session.get(PairingFact, data.pairing_id)
    if row is None:  # its creation never came: remember the end so a late creation counts nothing
        uow.session.add(
            PairingFact(
                pairing_id=data.pairing_id,
                child_id=data.child_id,
                helper_id=data.helper_id,
                helper_kind=data.helper_kind.value,
                role=data.role.value,
                created_at=data.ended_at,
                ended_at=data.ended_at,
            )
        )
        return
    if row.ended_at is not None:
        return
    row.ended_at = data.ended_at
    child = child_row(uow, data.child_id)
    with Recount(uow, child, data.ended_at):
        child.active_pairings = max(0, child.active_pairings - 1)


def window_month(end: datetime) -> str:
    """The month a window is due in: China's month of its last instant (its end is exclusive)."""
    return china_month(end - timedelta(microseconds=1))


def _window(uow: UnitOfWork, data: ObligationFacts) -> tuple[WindowFact, bool]:
    """The window's row, and whether it is new (placed where the child's class and village are)."""
    row = uow.session.scalars(
        select(WindowFact).where(
            WindowFact.obligation_id == data.obligation_id, WindowFact.window_start == data.window_start
        )
    ).first()
    if row is not None:
        return row, False
    child = child_row(uow, data.child_id)
    row = WindowFact(
        obligation_id=data.obligation_id,
        window_start=data.window_start,
        window_end=data.window_end,
        child_id=data.child_id,
        helper_id=data.helper_id,
        duty=data.duty,
        month=window_month(data.window_end),
        state="open",
        late=False,
        class_id=TREE.unit_of(uow.session, data.org_path),
        home_village_id=child.home_village_id,
    )
    return row, True


def _settle(uow: UnitOfWork, data: ObligationFacts, at: datetime, state: str, *, late: bool = False) -> None:
    row, new = _window(uow, data)
    if new:
        row.state, row.late = state, late
        counted_new(uow, row, at)
        return
    if row.state == state and row.late == late:
        return
    with Recount(uow, row, at):
        row.state, row.late = state, late


@OBLIGATION_EVENTS.on(ObligationWindowOpened)
def on_window_opened(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """A window is due in the month it ends."""
    data: ObligationWindowOpened = event.data
    row, new = _window(uow, data)
    if new:
        counted_new(uow, row, data.window_start)


@OBLIGATION_EVENTS.on(ObligationWindowMet)
def on_window_met(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """Met (late when logged after the window closed unmet: it stops counting as missed)."""
    data: ObligationWindowMet = event.data
    _settle(uow, data, data.met_at, "met", late=data.late)


@OBLIGATION_EVENTS.on(ObligationWindowMissed)
def on_window_missed(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """Closed unmet, or unmet again by a correction after it closed."""
    data: ObligationWindowMissed = event.data
    _settle(uow, data, data.closed_at, "missed")


@OBLIGATION_EVENTS.on(ObligationEnded)
def on_obligation_ended(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """The duty ended (pairing ended, child out): its open window is no longer due."""
    data: ObligationEnded = event.data
    row, new = _window(uow, data)
    if new:
        row.state = "ended"
        uow.session.add(row)
    elif row.state == "open":
        with Recount(uow, row, data.ended_at):
            row.state = "ended"
