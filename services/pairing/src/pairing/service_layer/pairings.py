"""Pairings (结对): made within the rules and capacity, ended with a reason, each change an event."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select, update

from pairing.adapters.orm import ACTIVE, ENDED, ChildToPair, Helper, Pairing
from pairing.domain.rules import Refusal, refusal
from pairing.service_layer import obligations
from pairing.service_layer.context import child_path, policy_at
from shouhu_contracts.org import ChildStatus
from shouhu_contracts.pairing.v1 import PairingCreated, PairingEnded
from shouhu_contracts.pairing.vocabulary import HelperKind, PairingEndReason, PairingRole
from shouhu_kit.uow import UnitOfWork


@dataclass(frozen=True)
class Made:
    """A pairing that was made."""

    pairing: Pairing


def pair(
    uow: UnitOfWork,
    *,
    child: ChildToPair,
    helper: Helper,
    role: PairingRole,
    actor: str,
    suggested: bool = False,
) -> Made | Refusal:
    """Pair a child and a helper inside the open unit of work, or say which rule refuses it.

    The helper's row is locked (FOR UPDATE on PostgreSQL) so that two pairings at once cannot both
    take the last place of their capacity; the partial unique indexes refuse a second primary.
    """
    session = uow.session
    session.refresh(helper, with_for_update=True)
    active = session.execute(
        select(Pairing.helper_id, Pairing.role).where(Pairing.child_id == child.id, Pairing.status == ACTIVE)
    ).all()
    path = child_path(session, child)
    why = refusal(
        helper_kind=HelperKind(helper.kind),
        helper_active=helper.active,
        caseload=helper.caseload,
        capacity=helper.capacity,
        reach=helper.reach_unit_id,
        child_path=path,
        child_active=child.status == ChildStatus.ACTIVE.value,
        role=role,
        has_primary=any(r.role == PairingRole.PRIMARY.value for r in active),
        already_paired_with_helper=any(r.helper_id == helper.id for r in active),
    )
    if why is not None:
        return why
    now = uow.now()
    row = Pairing(
        id=uuid.uuid4(),
        child_id=child.id,
        helper_id=helper.id,
        role=role.value,
        status=ACTIVE,
        created_at=now,
        created_by=actor,
        suggested=suggested,
    )
    session.add(row)
    helper.caseload += 1
    if role is PairingRole.PRIMARY:
        child.paired = True
    session.flush()
    uow.publish(
        PairingCreated(
            pairing_id=row.id,
            child_id=child.id,
            helper_id=helper.id,
            helper_account=helper.account,
            helper_kind=HelperKind(helper.kind),
            role=role,
            org_path=path,
            created_at=now,
            suggested=suggested,
        )
    )
    if role is PairingRole.PRIMARY:
        obligations.attach_for_pairing(uow, row, child, policy_at(session, path))
    return Made(row)


def end(uow: UnitOfWork, pairing: Pairing, *, reason: PairingEndReason, note: str | None = None) -> None:
    """End an active pairing inside the open unit of work: caseload freed, obligations ended, announced."""
    if pairing.status != ACTIVE:
        return
    session = uow.session
    now = uow.now()
    pairing.status, pairing.ended_at, pairing.end_reason, pairing.end_note = ENDED, now, reason.value, note
    session.execute(update(Helper).where(Helper.id == pairing.helper_id).values(caseload=Helper.caseload - 1))
    child = session.get(ChildToPair, pairing.child_id)
    assert child is not None
    if pairing.role == PairingRole.PRIMARY.value:
        child.paired = False
    helper = session.get(Helper, pairing.helper_id)
    assert helper is not None
    session.flush()
    uow.publish(
        PairingEnded(
            pairing_id=pairing.id,
            child_id=pairing.child_id,
            helper_id=pairing.helper_id,
            helper_account=helper.account,
            helper_kind=HelperKind(helper.kind),
            role=PairingRole(pairing.role),
            org_path=child_path(session, child),
            reason=reason,
            note=note,
            ended_at=now,
        )
    )
    obligations.end_for_pairing(uow, pairing.id, reason=f"结对已解除（{reason.value}）")


def active_pairings_of_child(uow: UnitOfWork, child_id: uuid.UUID) -> list[Pairing]:
    """The child's active pairings, primary first."""
    rows = uow.session.scalars(
        select(Pairing).where(Pairing.child_id == child_id, Pairing.status == ACTIVE).order_by(Pairing.role)
    )
    return list(rows)


def active_pairings_of_helper(uow: UnitOfWork, helper_id: uuid.UUID) -> list[Pairing]:
    """The helper's active pairings."""
    rows = uow.session.scalars(
        select(Pairing)
        .where(Pairing.helper_id == helper_id, Pairing.status == ACTIVE)
        .order_by(Pairing.created_at)
    )
    return list(rows)
