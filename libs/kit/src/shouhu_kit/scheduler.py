"""Scheduled jobs: declared beside their domain with a name and a cadence, run by one loop in the worker.

A job finds what is due with its own indexed query and does its work in the unit of work it is given;
the kit commits. Several worker replicas may run the same jobs: a replica claims a due run with one
conditional UPDATE on the job's row (`next_run_at <= now`), so each run happens once.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from shouhu_kit.clock import Clock, clock_speed
from shouhu_kit.db import Database
from shouhu_kit.metrics import Metrics
from shouhu_kit.uow import UnitOfWork

log = logging.getLogger(__name__)

# On an accelerated clock a job's cadence is virtual time: every 60 virtual seconds at 2880× is every
# 21 ms of wall time. The loop then ticks as often as the shortest cadence needs, but never faster
# than this, so it cannot spin; a job that falls behind catches up (its query finds all that is due).
MIN_WALL_TICK_SECONDS = 0.2


@dataclass(frozen=True)
class JobResult:
    """What one run did: how many items it handled, and whether more are due right away."""

    handled: int = 0
    more: bool = False
    note: str = ""


@dataclass(frozen=True)
class ScheduledJob:
    """A named periodic job; `run` does one bounded round of work inside the unit of work."""

    name: str
    every: timedelta
    run: Callable[[UnitOfWork], JobResult]
    description: str = ""


@dataclass(frozen=True)
class JobStatus:
    """When a job last ran and what it did (the ops endpoint shows it)."""

    name: str
    next_run_at: datetime
    last_started_at: datetime | None
    last_finished_at: datetime | None
    last_handled: int
    last_note: str
    last_error: str
    runs: int


class Scheduler:
    """Runs due jobs on the service's clock; one replica per due run."""

    def __init__(
        self,
        *,
        db: Database,
        jobs: list[ScheduledJob],
        uow: Callable[[], UnitOfWork],
        clock: Clock,
        metrics: Metrics,
        tick_seconds: float = 1.0,
    ) -> None:
        self._db, self._jobs, self._uow, self._clock = db, jobs, uow, clock
        self._metrics, self._tick = metrics, tick_seconds
        self._owner = socket.gethostname()

    @property
    def wall_tick_seconds(self) -> float:
        """The loop's pause in wall time: the setting, shortened on an accelerated clock (not below 0.2 s)."""
        speed = clock_speed(self._clock)
        if speed == 1 or not self._jobs:
            return self._tick
        shortest = min(j.every for j in self._jobs).total_seconds() / speed
        return max(MIN_WALL_TICK_SECONDS, min(self._tick, shortest))

    def register(self) -> None:
        """Make each job's row (due now) unless another replica made it first."""
        table = self._db.tables.scheduled_jobs
        for job in self._jobs:
            with self._db.engine.begin() as conn:
                if conn.execute(select(table.c.name).where(table.c.name == job.name)).first():
                    continue
                with contextlib.suppress(IntegrityError):  # another replica registered it just now
                    conn.execute(table.insert().values(name=job.name, next_run_at=self._clock.now(), runs=0))

    def _claim(self, job: ScheduledJob, now: datetime) -> bool:
        table = self._db.tables.scheduled_jobs
        with self._db.engine.begin() as conn:
            claimed = conn.execute(
                update(table)
                .where(table.c.name == job.name, table.c.next_run_at <= now)
                .values(next_run_at=now + job.every, last_started_at=now, last_owner=self._owner)
            ).rowcount
        return bool(claimed)

    def _record(self, job: ScheduledJob, *, result: JobResult | None, error: str) -> None:
        table = self._db.tables.scheduled_jobs
        values: dict[str, object] = {"last_finished_at": self._clock.now(), "last_error": error}
        if result is not None:
            values.update(last_handled=result.handled, last_note=result.note[:500])
            if result.more:  # more is due: run again at the next tick rather than after a whole cadence
                values["next_run_at"] = self._clock.now()
        with self._db.engine.begin() as conn:
            conn.execute(
                update(table).where(table.c.name == job.name).values(runs=table.c.runs + 1, **values)
            )

    def run_due(self) -> int:
        """Run every job that is due now (claimed by this replica); returns how many ran."""
        ran = 0
        for job in self._jobs:
            if not self._claim(job, self._clock.now()):
                continue
            ran += 1
            try:
                with self._uow() as uow:
                    result = job.run(uow)
                    uow.commit()
            except Exception as exc:
                log.warning("job %s failed: %s", job.name, type(exc).__name__)
                self._metrics.job_runs.labels(job=job.name, outcome="failed").inc()
                self._record(job, result=None, error=type(exc).__name__)
                continue
            self._metrics.job_runs.labels(job=job.name, outcome="ok").inc()
            self._metrics.job_items.labels(job=job.name).inc(result.handled)
            self._record(job, result=result, error="")
        return ran

    def run_forever(self, stop: threading.Event) -> None:
        """Register the jobs, then run what is due every tick until stopped."""
        self.register()
        while not stop.is_set():
            try:
                self.run_due()
            except Exception as exc:  # the database is away: try again at the next tick
                log.warning("scheduler: %s; retrying", type(exc).__name__)
            stop.wait(self.wall_tick_seconds)


def job_statuses(db: Database) -> list[JobStatus]:
    """Every registered job's last run."""
    table = db.tables.scheduled_jobs
    with db.engine.connect() as conn:
        rows = conn.execute(select(table).order_by(table.c.name)).all()
    return [
        JobStatus(
            name=r.name,
            next_run_at=r.next_run_at,
            last_started_at=r.last_started_at,
            last_finished_at=r.last_finished_at,
            last_handled=r.last_handled or 0,
            last_note=r.last_note or "",
            last_error=r.last_error or "",
            runs=r.runs or 0,
        )
        for r in rows
    ]
