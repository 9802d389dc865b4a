"""Closing due windows (the scheduled job): record each met or missed, then open the next one.

One indexed query (status, window_end) finds what is due; on PostgreSQL the rows are locked
FOR UPDATE SKIP LOCKED so that two worker replicas never close the same window. Each obligation
rolls by one window per run, so after a week's or a month's outage every missed window is
recorded and announced exactly once, in order; the run says `more` while some are still due.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select

from pairing.adapters.orm import ACTIVE, ChildToPair, Obligation, ObligationWindow
from pairing.domain.policy import Duty
from pairing.domain.windows import Window, window_at
from pairing.service_layer import matching
from pairing.service_layer import obligation_events as events
from pairing.service_layer.context import CityPolicy, child_path, policy_at
from pairing.service_layer.obligations import end_obligation, open_window
from shouhu_contracts.pairing.vocabulary import Rhythm
from shouhu_kit.scheduler import JobResult
from shouhu_kit.uow import UnitOfWork

DUTY_REMOVED = "城市政策已取消此项义务 / the city's policy no longer has this duty"


def next_window(duty: Duty, closed: Window) -> Window:
    """The window after `closed`, in the duty's rhythm as the policy now says.

    With the same rhythm it starts where the closed one ended; a changed rhythm applies from
    there, its first window cut to start at the end of the closed one (no gap, no overlap).
    """
    window = window_at(Rhythm(duty.rhythm), closed.end)
    return Window(max(window.start, closed.end), window.end)


def close_due_windows(uow: UnitOfWork, *, batch: int) -> JobResult:
    """Close up to `batch` due windows, oldest due first, each obligation by one window."""
    now = uow.now()
    query = (
        select(Obligation)
        .where(Obligation.status == ACTIVE, Obligation.window_end <= now)
        .order_by(Obligation.window_end, Obligation.id)
        .limit(batch)
    )
    if uow.db.is_postgres:
        query = query.with_for_update(skip_locked=True)
    rows = list(uow.session.scalars(query))
    policies: dict[uuid.UUID, CityPolicy] = {}
    still_due = False
    for row in rows:
        _close(uow, row, now=now, policies=policies)
        still_due = still_due or (row.status == ACTIVE and row.window_end <= now)
    return JobResult(
        handled=len(rows), more=len(rows) == batch or still_due, note=f"closed {len(rows)} windows"
    )


def _close(uow: UnitOfWork, row: Obligation, *, now: datetime, policies: dict[uuid.UUID, CityPolicy]) -> None:
    """Record the current window, announce it if missed, and roll to the next (or end the duty)."""
    session = uow.session
    child = session.get(ChildToPair, row.child_id)
    assert child is not None
    path = child_path(session, child)
    city_id = path[0] if path else uuid.UUID(int=0)
    if city_id not in policies:  # the city's policy as it stands at roll time, read once per run
        policies[city_id] = policy_at(session, path)
    city = policies[city_id]
    duty = city.policy.duty(row.duty)
    name = duty.name if duty else row.duty
    closed = ObligationWindow(
        obligation_id=row.id,
        child_id=row.child_id,
        duty=row.duty,
        window_start=row.window_start,
        window_end=row.window_end,
        met=row.met_at is not None,
        met_at=row.met_at,
        met_by_log_id=row.met_by_log_id,
        closed_at=now,
    )
    session.add(closed)
    if not closed.met:
        target = matching.Target(row, row.window_start, row.window_end, closed)
        uow.publish(events.window_missed(target, path=path, duty_name=name))
    if duty is None:
        end_obligation(uow, row, reason=DUTY_REMOVED, path=path, name=name)
        return
    window = next_window(duty, Window(row.window_start, row.window_end))
    row.window_start, row.window_end = window.start, window.end
    row.rhythm, row.policy_version = duty.rhythm.value, city.version
    row.met_at, row.met_by_log_id = None, None
    open_window(uow, row, child=child, city=city, path=path, duty=duty)
