"""Pairing event handlers: who waits for a helper, where, and how urgently."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from pairing.adapters.orm import TREE, ChildRisk, ChildToPair, Helper
from pairing.domain.pairing_order import neediness
from pairing.domain.policy import TransferRule
from pairing.service_layer import obligations, pairings
from pairing.service_layer.context import child_path, policy_at
from shouhu_contracts.alerts.v1 import RiskLevel, RiskLevelChanged
from shouhu_contracts.envelope import CloudEvent
from shouhu_contracts.org import ChildStatus, LeftBehindType
from shouhu_contracts.pairing.vocabulary import PairingEndReason
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
# The risk consumer's: the alerts service's risk levels put the riskiest first.
RISK_EVENTS = EventHandlers()


def _rank(row: ChildToPair, *, on: date) -> None:
    """Who is paired first, on that day: both parents away, young, no guardian (优先结对)."""
    row.priority = neediness(
        left_behind_type=LeftBehindType(row.left_behind_type),
        has_guardian=row.has_guardian,
        birth_date=row.birth_date,
        today=on,
        risk=RiskLevel(row.risk_level) if row.risk_level else None,
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
        guardian_rating=data.guardian_rating.value if data.guardian_rating else None,
    )
    if (risk := uow.session.get(ChildRisk, data.child_id)) is not None:  # alerts may have been first
        row.risk_level, row.risk_reasons = risk.level, risk.reasons
    _rank(row, on=data.registered_at.date())
    uow.session.add(row)
    uow.session.flush()
    obligations.attach_for_child(uow, row, policy_at(uow.session, data.org_path))


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
        row.guardian_rating = data.guardian_rating.value if data.guardian_rating else None
        _rank(row, on=data.occurred_at.date())


@CHILD_EVENTS.on(ChildTransferred)
def on_child_transferred(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """The child is in its new class: pairings end or stay as the city says, and, when the child
    has lost its primary helper, a helper at the new school is proposed at once."""
    if (row := _known(uow, event)) is None:
        return
    _rank(row, on=event.data.occurred_at.date())
    if row.status != ACTIVE:
        return
    path = child_path(uow.session, row)
    rule = policy_at(uow.session, path).policy.transfer
    for pairing in pairings.active_pairings_of_child(uow, row.id):
        helper = uow.session.get(Helper, pairing.helper_id)
        out_of_reach = helper is None or helper.reach_unit_id not in path
        if rule is TransferRule.END_ALL or (rule is TransferRule.END_OUT_OF_REACH and out_of_reach):
            pairings.end(uow, pairing, reason=PairingEndReason.CHILD_TRANSFERRED)
    if not row.paired:
        from pairing.service_layer.suggestions import propose_for_child

        propose_for_child(uow, row, source="transfer")


@CHILD_EVENTS.on(ChildExited)
def on_child_exited(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """The child left the programme: it no longer waits."""
    data: ChildExited = event.data
    if (row := _known(uow, event)) is not None:
        row.status = data.status.value
        _rank(row, on=data.occurred_at.date())
        for pairing in pairings.active_pairings_of_child(uow, row.id):
            pairings.end(uow, pairing, reason=PairingEndReason.CHILD_EXITED)
        obligations.end_for_child(uow, row.id, reason="儿童已退出关爱名单")


@CHILD_EVENTS.on(ChildReentered)
def on_child_reentered(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """The child is back: it waits again, ranked on its facts of today."""
    data: ChildReentered = event.data
    if (row := _known(uow, event)) is not None:
        row.status = ACTIVE
        row.left_behind_type, row.has_guardian = data.left_behind_type.value, data.has_guardian
        _rank(row, on=data.occurred_at.date())
        obligations.attach_for_child(uow, row, policy_at(uow.session, data.org_path))


@RISK_EVENTS.on(RiskLevelChanged)
def on_risk_changed(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """The alerts service's risk for a child: kept, and the child ranked again."""
    data: RiskLevelChanged = event.data
    reasons = [r.model_dump(mode="json") for r in data.reasons]
    risk = uow.session.get(ChildRisk, data.child_id)
    if risk is not None and risk.changed_at > data.changed_at:
        return  # an older assessment, replayed
    if risk is None:
        uow.session.add(
            ChildRisk(
                child_id=data.child_id, level=data.level.value, reasons=reasons, changed_at=data.changed_at
            )
        )
    else:
        risk.level, risk.reasons, risk.changed_at = data.level.value, reasons, data.changed_at
    row = uow.session.get(ChildToPair, data.child_id)
    if row is not None:
        row.risk_level, row.risk_reasons = data.level.value, reasons
        _rank(row, on=data.changed_at.date())
