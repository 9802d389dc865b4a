"""Which obligation windows a contact log meets, and keeping each window's met state true to the logs.

A log meets a window when the window holds its instant, the duty (as the city's policy now
defines it) accepts its kind and counterpart, and the log's helper is the one who owes it:
the pairing's helper, the class's class teacher (班主任), or any teacher of the child's school.
Windows are current (on Obligation) or closed (ObligationWindow); a backdated log into a closed
missed window meets it late.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pairing.adapters.orm import (
    ACTIVE,
    ChildToPair,
    ClassTeacher,
    ContactLog,
    ContactMatch,
    Helper,
    Obligation,
    ObligationWindow,
)
from pairing.domain.policy import Duty, PairingPolicy
from pairing.service_layer import obligation_events as events
from pairing.service_layer.context import path_ids, school_of
from shouhu_contracts.pairing.v1 import ObligationWindowRef
from shouhu_contracts.pairing.vocabulary import HelperKind, Responsible
from shouhu_kit.uow import UnitOfWork

SCHOOL_STAFF = frozenset({HelperKind.TEACHER.value, HelperKind.CLASS_TEACHER.value})


@dataclass(frozen=True)
class Target:
    """One window of one obligation: the current one (closed is None) or a closed one."""

    obligation: Obligation
    start: datetime
    end: datetime
    closed: ObligationWindow | None

    @property
    def key(self) -> tuple[uuid.UUID, datetime]:
        return self.obligation.id, self.start

    def ref(self) -> ObligationWindowRef:
        return ObligationWindowRef(
            obligation_id=self.obligation.id,
            duty=self.obligation.duty,
            window_start=self.start,
            window_end=self.end,
        )


def owes(session: Session, obligation: Obligation, *, helper: Helper, child: ChildToPair) -> bool:
    """True when the helper is the one who owes the obligation."""
    who = Responsible(obligation.responsible)
    if who is Responsible.PRIMARY_HELPER:
        return obligation.helper_id == helper.id
    if who is Responsible.CLASS_TEACHER:
        teacher = session.get(ClassTeacher, child.class_id)
        return teacher is not None and teacher.helper_id == helper.id
    if helper.kind not in SCHOOL_STAFF:
        return False
    school = school_of(session, child.class_id)
    return school is not None and school in path_ids(session, helper.unit_id)


def accepts(duty: Duty | None, log: ContactLog) -> bool:
    """True when the duty is in force and this kind of contact, with this counterpart, meets it."""
    return duty is not None and log.kind in duty.kinds and log.counterpart in duty.counterparts


def targets(
    session: Session, *, log: ContactLog, child: ChildToPair, helper: Helper, policy: PairingPolicy
) -> list[Target]:
    """Every window (current or closed) that the log meets, as the log now stands."""
    at = log.occurred_at
    current = session.scalars(
        select(Obligation).where(
            Obligation.child_id == child.id,
            Obligation.status == ACTIVE,
            Obligation.window_start <= at,
            Obligation.window_end > at,
        )
    ).all()
    found = [Target(o, o.window_start, o.window_end, None) for o in current]
    closed = session.execute(
        select(ObligationWindow, Obligation)
        .join(Obligation, Obligation.id == ObligationWindow.obligation_id)
        .where(ObligationWindow.child_id == child.id, ObligationWindow.window_end > at)
        .where(ObligationWindow.window_start <= at)
    ).all()
    found += [Target(o, w.window_start, w.window_end, w) for w, o in closed]
    return [
        t
        for t in found
        if accepts(policy.duty(t.obligation.duty), log)
        and owes(session, t.obligation, helper=helper, child=child)
    ]


def current_target(obligation: Obligation) -> Target:
    """The obligation's current window."""
    return Target(obligation, obligation.window_start, obligation.window_end, None)


def _mark(uow: UnitOfWork, target: Target, log: ContactLog | None) -> None:
    """Set (or clear, for None) the window's met state to that log."""
    met_at, log_id = (log.occurred_at, log.id) if log is not None else (None, None)
    if target.closed is None:
        target.obligation.met_at, target.obligation.met_by_log_id = met_at, log_id
    else:
        target.closed.met, target.closed.met_at, target.closed.met_by_log_id = log is not None, met_at, log_id


def _met_by(target: Target) -> uuid.UUID | None:
    return target.obligation.met_by_log_id if target.closed is None else target.closed.met_by_log_id


def meet(uow: UnitOfWork, *, target: Target, log: ContactLog, path: list[uuid.UUID], duty_name: str) -> None:
    """Record that the log meets the window; announce the window met if it was not already."""
    uow.session.add(
        ContactMatch(
            log_id=log.id,
            obligation_id=target.obligation.id,
            window_start=target.start,
            window_end=target.end,
            duty=target.obligation.duty,
        )
    )
    if _met_by(target) is not None:
        return  # another log met it first; this one is on record as meeting it too
    _mark(uow, target, log)
    uow.publish(
        events.window_met(target, log=log, path=path, duty_name=duty_name, late=target.closed is not None)
    )


def unmeet(
    uow: UnitOfWork, *, target: Target, log: ContactLog, path: list[uuid.UUID], duty_name: str
) -> None:
    """The log no longer meets the window: another matching log keeps it met, else it is unmet again.

    A closed window left unmet is announced missed again, so alerts needs nothing but the window events.
    """
    session = uow.session
    match = session.get(ContactMatch, (log.id, target.obligation.id, target.start))
    if match is not None:
        session.delete(match)
        session.flush()
    if _met_by(target) != log.id:
        return
    other = session.scalars(
        select(ContactLog)
        .join(ContactMatch, ContactMatch.log_id == ContactLog.id)
        .where(ContactMatch.obligation_id == target.obligation.id, ContactMatch.window_start == target.start)
        .order_by(ContactLog.occurred_at, ContactLog.id)
        .limit(1)
    ).first()
    _mark(uow, target, other)
    if other is None and target.closed is not None:
        uow.publish(events.window_missed(target, path=path, duty_name=duty_name))


def targets_of(session: Session, log_id: uuid.UUID) -> list[Target]:
    """The windows the log is on record as meeting (its ContactMatch rows)."""
    out: list[Target] = []
    for m in session.scalars(select(ContactMatch).where(ContactMatch.log_id == log_id)).all():
        obligation = session.get(Obligation, m.obligation_id)
        assert obligation is not None
        if obligation.window_start == m.window_start:
            out.append(current_target(obligation))
            continue
        closed = session.scalars(
            select(ObligationWindow).where(
                ObligationWindow.obligation_id == m.obligation_id,
                ObligationWindow.window_start == m.window_start,
            )
        ).first()
        if closed is not None:
            out.append(Target(obligation, closed.window_start, closed.window_end, closed))
    return out


def earliest_log_meeting(
    session: Session, *, target: Target, child: ChildToPair, policy: PairingPolicy
) -> list[ContactLog]:
    """The logs already on record that meet a window just opened (logged while the closing job was away)."""
    duty = policy.duty(target.obligation.duty)
    if duty is None:
        return []
    logs = session.scalars(
        select(ContactLog)
        .where(
            ContactLog.child_id == child.id,
            ContactLog.occurred_at >= target.start,
            ContactLog.occurred_at < target.end,
        )
        .order_by(ContactLog.occurred_at, ContactLog.id)
    ).all()
    out = []
    for log in logs:
        helper = session.get(Helper, log.helper_id)
        if (
            helper is not None
            and accepts(duty, log)
            and owes(session, target.obligation, helper=helper, child=child)
        ):
            out.append(log)
    return out
