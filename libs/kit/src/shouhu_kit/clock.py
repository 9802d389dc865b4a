"""The clock as a dependency: services ask it for now, tests move a fake one."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    """Tells the time, always timezone-aware UTC."""

    def now(self) -> datetime:
        """The current instant."""
        ...


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        """The current instant in UTC."""
        return datetime.now(UTC)


def _wall() -> datetime:
    return datetime.now(UTC)


class AcceleratedClock:
    """A shifted and sped-up clock for demonstrations (never production): virtual time starts at
    `epoch_virtual` when the wall clock says `epoch_wall`, and runs `speed` times as fast.

    Every process of a platform is given the same two epochs, so they all agree on the virtual now
    (speed 2880: a month passes in 15 minutes)."""

    def __init__(
        self,
        *,
        epoch_wall: datetime,
        epoch_virtual: datetime,
        speed: float,
        wall: Callable[[], datetime] = _wall,
    ) -> None:
        if epoch_wall.tzinfo is None or epoch_virtual.tzinfo is None:
            raise ValueError("AcceleratedClock needs aware datetimes")
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.epoch_wall, self.epoch_virtual, self.speed = epoch_wall, epoch_virtual, speed
        self._wall = wall

    def now(self) -> datetime:
        """The virtual instant, in UTC."""
        elapsed = self._wall() - self.epoch_wall
        return (self.epoch_virtual + elapsed * self.speed).astimezone(UTC)


def clock_speed(clock: Clock) -> float:
    """How many virtual seconds pass per wall second on this clock (1 unless accelerated)."""
    return clock.speed if isinstance(clock, AcceleratedClock) else 1.0


class FakeClock:
    """A clock that only moves when a test moves it."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
        if self._now.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The instant the test set."""
        with self._lock:
            return self._now

    def advance(self, delta: timedelta) -> None:
        """Move time forward."""
        with self._lock:
            self._now += delta


# China keeps UTC+8 all year (no daylight saving). "Today" for a user is the date there, not in UTC:
# a record entered at 07:00 Beijing time is dated today while UTC still says yesterday.
CHINA_TZ = timezone(timedelta(hours=8), "CST")


def china_today(now: datetime) -> date:
    """The calendar date in China at this instant."""
    return now.astimezone(CHINA_TZ).date()
