"""Contact obligations (联系义务): each duty of the city's policy attached to a child, with its window.

Interface used by pairings and the child handlers:
- attach_for_pairing(uow, pairing, child, city) -> None: the primary helper's duties, windows open now.
- attach_for_child(uow, child, city) -> None: the class teacher's and the school's duties.
- end_for_pairing(uow, pairing_id, reason) -> None; end_for_child(uow, child_id, reason) -> None.
The closing job (close_due_windows) lives in obligation_windows.py.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from pairing.adapters.orm import ACTIVE, ENDED, ChildToPair, Obligation, Pairing
from pairing.domain.policy import Duty
from pairing.domain.windows import Window, window_at
from pairing.service_layer import matching
from pairing.service_layer import obligation_events as events
from pairing.service_layer.context import CityPolicy, child_path, policy_at
from shouhu_contracts.org import ChildStatus
from shouhu_contracts.pairing.vocabulary import Responsible, Rhythm
from shouhu_kit.uow import UnitOfWork

CHILD_DUTIES = frozenset({Responsible.CLASS_TEACHER, Responsible.SCHOOL})


def open_window(
    uow: UnitOfWork,
    row: Obligation,
    *,
    child: ChildToPair,
    city: CityPolicy,
    path: list[uuid.UUID],
    duty: Duty,
) -> None:
    """Announce the row's current window, then let the logs already on record for it meet it.

    A log can precede its window's opening: logged while the closing job was away, or before a
    re-entry re-attached the duties.
    """
    uow.session.flush()
    uow.publish(events.opened(row, path=path, duty_name=duty.name))
    target = matching.current_target(row)
    for log in matching.earliest_log_meeting(uow.session, target=target, child=child, policy=city.policy):
        matching.meet(uow, target=target, log=log, path=path, duty_name=duty.name)


def _attach(
    uow: UnitOfWork,
    *,
    child: ChildToPair,
    city: CityPolicy,
    duties: list[Duty],
    pairing_id: uuid.UUID | None,
    helper_id: uuid.UUID | None,
) -> None:
    """One obligation per duty not already held (a replay or a re-entry attaches nothing twice)."""
    session = uow.session
    held = set(
        session.scalars(
            select(Obligation.duty).where(
                Obligation.child_id == child.id,
                Obligation.status == ACTIVE,
                Obligation.pairing_id == pairing_id if pairing_id else Obligation.pairing_id.is_(None),
            )
        )
    )
    path = child_path(session, child)
    now = uow.now()
    for duty in duties:
        if duty.code in held:
            continue
        window: Window = window_at(Rhythm(duty.rhythm), now)
        row = Obligation(
            id=uuid.uuid4(),
            child_id=child.id,
            duty=duty.code,
            rhythm=duty.rhythm.value,
            responsible=duty.responsible.value,
            pairing_id=pairing_id,
            helper_id=helper_id,
            policy_version=city.version,
            window_start=window.start,
            window_end=window.end,
            status=ACTIVE,
            opened_at=now,
        )
        session.add(row)
        open_window(uow, row, child=child, city=city, path=path, duty=duty)


def attach_for_pairing(uow: UnitOfWork, pairing: Pairing, child: ChildToPair, city: CityPolicy) -> None:
    """Open the windows of the primary helper's duties for a new primary pairing."""
    duties = [d for d in city.policy.duties if d.responsible is Responsible.PRIMARY_HELPER]
    _attach(uow, child=child, city=city, duties=duties, pairing_id=pairing.id, helper_id=pairing.helper_id)


def attach_for_child(uow: UnitOfWork, child: ChildToPair, city: CityPolicy) -> None:
    """Open the windows of the class teacher's and the school's duties for an active child.

    Who the class teacher is is resolved when a log is matched (ClassTeacher of the child's class),
    so a new class teacher, or a transfer, needs no change here.
    """
    if child.status != ChildStatus.ACTIVE.value:
        return
    duties = [d for d in city.policy.duties if d.responsible in CHILD_DUTIES]
    _attach(uow, child=child, city=city, duties=duties, pairing_id=None, helper_id=None)


def end_obligation(
    uow: UnitOfWork, row: Obligation, *, reason: str, path: list[uuid.UUID], name: str
) -> None:
    """End an active obligation in its current window, announced."""
    row.status, row.ended_at = ENDED, uow.now()
    uow.publish(events.ended(row, path=path, duty_name=name, reason=reason))


def _end(uow: UnitOfWork, rows: list[Obligation], reason: str) -> None:
    if not rows:
        return
    session = uow.session
    child = session.get(ChildToPair, rows[0].child_id)
    assert child is not None
    path = child_path(session, child)
    policy = policy_at(session, path).policy
    for row in rows:
        duty = policy.duty(row.duty)
        end_obligation(uow, row, reason=reason, path=path, name=duty.name if duty else row.duty)


def end_for_pairing(uow: UnitOfWork, pairing_id: uuid.UUID, reason: str) -> None:
    """End the obligations of an ended pairing (each announced as ended)."""
    rows = uow.session.scalars(
        select(Obligation)
        .where(Obligation.pairing_id == pairing_id, Obligation.status == ACTIVE)
        .order_by(Obligation.duty)
    ).all()
    _end(uow, list(rows), reason)


def end_for_child(uow: UnitOfWork, child_id: uuid.UUID, reason: str) -> None:
    """End every obligation of a child who left the programme."""
    rows = uow.session.scalars(
        select(Obligation)
        .where(Obligation.child_id == child_id, Obligation.status == ACTIVE)
        .order_by(Obligation.duty)
    ).all()
    _end(uow, list(rows), reason)
