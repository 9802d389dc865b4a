"""The clock as a dependency: services ask it for now, tests move a fake one."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
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
