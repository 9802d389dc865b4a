"""A helper's own view (我的结对) and a child's obligations: each window met or due, in China's dates."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from pydantic import BaseModel, Field
from sqlalchemy import select

from pairing.adapters.orm import ACTIVE, TREE, ChildToPair, Obligation, ObligationWindow, Pairing
from pairing.domain.policy import PairingPolicy
from pairing.service_layer import access
from pairing.service_layer.context import child_path, policy_at
from pairing.service_layer.matching import owes
from shouhu_contracts.pairing.vocabulary import Responsible
from shouhu_kit.auth import Principal
from shouhu_kit.clock import CHINA_TZ, china_today
from shouhu_kit.problems import not_found
from shouhu_kit.uow import UnitOfWork


class MeOut(BaseModel):
    """我的帮扶人信息 / The calling helper's own record."""

    id: uuid.UUID
    name: str
    kind: str
    unit_id: uuid.UUID
    phone: str | None = Field(description="本人手机号 / the helper's own phone")
    capacity: int
    caseload: int
    active: bool


class ObligationOut(BaseModel):
    """一项联系义务的当前周期 / An obligation's current window."""

    obligation_id: uuid.UUID
    duty: str
    duty_name: str
    duty_name_en: str
    responsible: str
    rhythm: str
    helper_id: uuid.UUID | None
    window_start: datetime
    window_end: datetime
    first_day: date = Field(description="周期首日（北京时间）/ first day, China")
    last_day: date = Field(description="周期末日（北京时间）/ last day, China")
    met: bool
    met_at: datetime | None
    met_by_log_id: uuid.UUID | None
    days_left: int = Field(description="含今天的剩余天数 / days left, today included")


class ClosedWindowOut(BaseModel):
    """一个已结束的周期 / A closed window: met or missed."""

    obligation_id: uuid.UUID
    duty: str
    window_start: datetime
    window_end: datetime
    first_day: date
    last_day: date
    met: bool
    met_at: datetime | None
    met_by_log_id: uuid.UUID | None


class MyChildOut(BaseModel):
    """我结对的儿童 / A child I am paired with."""

    child_id: uuid.UUID
    name: str
    class_id: uuid.UUID
    class_name: str
    left_behind_type: str
    has_guardian: bool
    my_role: str
    pairing_id: uuid.UUID
    obligations: list[ObligationOut] = Field(
        description="我本人应履行的联系义务（学校义务见儿童的义务列表）/ what I myself owe the child"
    )


class ChildObligationsOut(BaseModel):
    """儿童的联系义务 / A child's obligations: the current windows and the last closed ones."""

    child_id: uuid.UUID
    current: list[ObligationOut]
    closed: list[ClosedWindowOut]


def _days(start: datetime, end: datetime) -> tuple[date, date]:
    return start.astimezone(CHINA_TZ).date(), end.astimezone(CHINA_TZ).date() - timedelta(days=1)


def obligation_out(row: Obligation, *, policy: PairingPolicy, today: date) -> ObligationOut:
    """One current window as the API shows it."""
    duty = policy.duty(row.duty)
    first, last = _days(row.window_start, row.window_end)
    return ObligationOut(
        obligation_id=row.id,
        duty=row.duty,
        duty_name=duty.name if duty else row.duty,
        duty_name_en=duty.name_en if duty else row.duty,
        responsible=row.responsible,
        rhythm=row.rhythm,
        helper_id=row.helper_id,
        window_start=row.window_start,
        window_end=row.window_end,
        first_day=first,
        last_day=last,
        met=row.met_at is not None,
        met_at=row.met_at,
        met_by_log_id=row.met_by_log_id,
        days_left=max(0, (last - today).days + 1),
    )


def me(*, uow: UnitOfWork, principal: Principal) -> MeOut:
    """The calling helper's record, 404 when the caller is no helper."""
    with uow:
        row = access.own_helper(uow.session, principal)
        if row is None:
            raise not_found("帮扶人", "Helper")
        return MeOut.model_validate(row, from_attributes=True)


def my_children(*, uow: UnitOfWork, principal: Principal) -> list[MyChildOut]:
    """The children of my active pairings, each with what I owe them and whether it is met."""
    with uow:
        session = uow.session
        helper = access.own_helper(session, principal)
        if helper is None:
            raise not_found("帮扶人", "Helper")
        today = china_today(uow.now())
        pairings = session.execute(
            select(Pairing, ChildToPair)
            .join(ChildToPair, ChildToPair.id == Pairing.child_id)
            .where(Pairing.helper_id == helper.id, Pairing.status == ACTIVE)
            .order_by(ChildToPair.name, ChildToPair.id)
        ).all()
        out = []
        for pairing, child in pairings:
            policy = policy_at(session, child_path(session, child)).policy
            klass = TREE.row(session, child.class_id)
            rows = session.scalars(
                select(Obligation)
                .where(Obligation.child_id == child.id, Obligation.status == ACTIVE)
                .order_by(Obligation.window_end, Obligation.duty)
            ).all()
            owed = [
                obligation_out(r, policy=policy, today=today)
                for r in rows
                if r.responsible != Responsible.SCHOOL.value and owes(session, r, helper=helper, child=child)
            ]
            out.append(
                MyChildOut(
                    child_id=child.id,
                    name=child.name,
                    class_id=child.class_id,
                    class_name=klass.name if klass is not None else "",
                    left_behind_type=child.left_behind_type,
                    has_guardian=child.has_guardian,
                    my_role=pairing.role,
                    pairing_id=pairing.id,
                    obligations=owed,
                )
            )
        return out


def child_obligations(
    *, uow: UnitOfWork, child_id: uuid.UUID, closed: int, principal: Principal
) -> ChildObligationsOut:
    """A child's current windows and its last `closed` closed windows (newest first), for staff in scope."""
    with uow:
        session = uow.session
        child = access.visible_child(session, child_id, principal)
        policy = policy_at(session, child_path(session, child)).policy
        today = china_today(uow.now())
        rows = session.scalars(
            select(Obligation)
            .where(Obligation.child_id == child.id, Obligation.status == ACTIVE)
            .order_by(Obligation.window_end, Obligation.duty)
        ).all()
        windows = session.scalars(
            select(ObligationWindow)
            .where(ObligationWindow.child_id == child.id)
            .order_by(ObligationWindow.window_end.desc(), ObligationWindow.id.desc())
            .limit(closed)
        ).all()
        return ChildObligationsOut(
            child_id=child.id,
            current=[obligation_out(r, policy=policy, today=today) for r in rows],
            closed=[
                ClosedWindowOut(
                    obligation_id=w.obligation_id,
                    duty=w.duty,
                    window_start=w.window_start,
                    window_end=w.window_end,
                    first_day=_days(w.window_start, w.window_end)[0],
                    last_day=_days(w.window_start, w.window_end)[1],
                    met=w.met,
                    met_at=w.met_at,
                    met_by_log_id=w.met_by_log_id,
                )
                for w in windows
            ],
        )
