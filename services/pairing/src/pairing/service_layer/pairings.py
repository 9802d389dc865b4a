"""Pairings (结对): made within the rules and capacity, ended with a reason, each change an event."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from pairing.adapters.orm import ACTIVE, ENDED, TREE, ChildToPair, Helper, Pairing
from pairing.domain.rules import Refusal, refusal
from pairing.service_layer import obligations
from pairing.service_layer.access import visible_child, visible_helper
from pairing.service_layer.context import child_path, policy_at
from shouhu_contracts.org import ChildStatus
from shouhu_contracts.pairing.v1 import PairingCreated, PairingEnded
from shouhu_contracts.pairing.vocabulary import HelperKind, PairingEndReason, PairingRole
from shouhu_kit.auth import Principal, Role
from shouhu_kit.org.scope import scope_filter
from shouhu_kit.problems import Problem, not_found
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


class PairingIn(BaseModel):
    """结对 / Pair a child with a helper."""

    model_config = ConfigDict(extra="forbid")

    child_id: uuid.UUID
    helper_id: uuid.UUID
    role: PairingRole = PairingRole.PRIMARY


class PairingEndIn(BaseModel):
    """解除结对 / End a pairing."""

    model_config = ConfigDict(extra="forbid")

    reason: PairingEndReason = PairingEndReason.OTHER
    note: str | None = Field(default=None, max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")


class PairingOut(BaseModel):
    """结对关系 / A pairing."""

    id: uuid.UUID
    child_id: uuid.UUID
    child_name: str
    helper_id: uuid.UUID
    helper_name: str
    helper_kind: HelperKind
    role: PairingRole
    status: str = Field(description="active 进行中 / ended 已解除")
    created_at: datetime
    created_by: str
    suggested: bool
    ended_at: datetime | None
    end_reason: PairingEndReason | None
    end_note: str | None


def _out(row: Pairing, child: ChildToPair, helper: Helper) -> PairingOut:
    return PairingOut(
        id=row.id,
        child_id=row.child_id,
        child_name=child.name,
        helper_id=row.helper_id,
        helper_name=helper.name,
        helper_kind=HelperKind(helper.kind),
        role=PairingRole(row.role),
        status=row.status,
        created_at=row.created_at,
        created_by=row.created_by,
        suggested=row.suggested,
        ended_at=row.ended_at,
        end_reason=PairingEndReason(row.end_reason) if row.end_reason else None,
        end_note=row.end_note,
    )


def _refused(why: Refusal) -> Problem:
    status = 409 if why.code in {"has_primary", "already_paired", "at_capacity"} else 422
    return Problem(
        status=status,
        slug="pairing-refused",
        title="不能结对",
        title_en="Pairing refused",
        detail=why.zh,
        detail_en=why.en,
        errors=[
            {
                "field": why.field,
                "location": "body",
                "message": why.zh,
                "message_en": why.en,
                "type": why.code,
            }
        ],
    )


def create(*, uow: UnitOfWork, body: PairingIn, principal: Principal) -> PairingOut:
    """Pair a child and a helper, both in the caller's scope, within the rules."""
    with uow:
        child = visible_child(uow.session, body.child_id, principal)
        helper = visible_helper(uow.session, body.helper_id, principal)
        made = pair(uow, child=child, helper=helper, role=body.role, actor=principal.subject)
        if isinstance(made, Refusal):
            raise _refused(made)
        out = _out(made.pairing, child, helper)
        try:
            uow.commit()
        except IntegrityError as exc:  # a second primary or the same pair made at once elsewhere
            raise _refused(
                Refusal(
                    "role",
                    "该儿童刚刚已与他人结对",
                    "the child was just paired by someone else",
                    "has_primary",
                )
            ) from exc
        return out


def finish(*, uow: UnitOfWork, pairing_id: uuid.UUID, body: PairingEndIn, principal: Principal) -> PairingOut:
    """End a pairing (idempotent: an ended pairing is answered as it is)."""
    with uow:
        row = uow.session.get(Pairing, pairing_id)
        if row is None:
            raise not_found("结对关系", "Pairing")
        child = visible_child(uow.session, row.child_id, principal)
        end(uow, row, reason=body.reason, note=body.note)
        helper = uow.session.get(Helper, row.helper_id)
        assert helper is not None
        out = _out(row, child, helper)
        uow.commit()
        return out


def listing(
    *,
    uow: UnitOfWork,
    principal: Principal,
    child_id: uuid.UUID | None,
    helper_id: uuid.UUID | None,
    status: str | None,
    after: uuid.UUID | None,
    limit: int,
) -> list[PairingOut]:
    """Pairings of a child or a helper (history included), or in the caller's subtree; keyset by id."""
    with uow:
        query = select(Pairing, ChildToPair, Helper)
        query = query.join(ChildToPair, ChildToPair.id == Pairing.child_id)
        query = query.join(Helper, Helper.id == Pairing.helper_id)
        if child_id is not None:
            visible_child(uow.session, child_id, principal)
            query = query.where(Pairing.child_id == child_id)
        if helper_id is not None:
            visible_helper(uow.session, helper_id, principal)
            query = query.where(Pairing.helper_id == helper_id)
        if principal.role is Role.HELPER:
            query = query.where(Helper.account == principal.subject)
        elif child_id is None:
            query = query.where(
                scope_filter(uow.session, tree=TREE, principal=principal, units=[ChildToPair.class_id])
            )
        if status is not None:
            query = query.where(Pairing.status == status)
        if after is not None:
            query = query.where(Pairing.id > after)
        rows = uow.session.execute(query.order_by(Pairing.id).limit(limit)).all()
        return [_out(p, c, h) for p, c, h in rows]
