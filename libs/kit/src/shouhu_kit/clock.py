"""The clock as a dependency: services ask it for now, tests move a fake one."""

from __future__ import annotations

import threading
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
