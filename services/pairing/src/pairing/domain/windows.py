"""Obligation windows in China's calendar (UTC+8, no daylight saving).

A window is a half-open interval [start, end) of instants whose bounds are midnights in China:
a call at 23:30 Beijing time on 31 March meets March, although UTC already says 31 March 15:30.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from shouhu_contracts.pairing.vocabulary import Rhythm
from shouhu_kit.clock import CHINA_TZ

# The school year's two terms (学期): autumn from 1 September, spring from 1 February.
AUTUMN_TERM_MONTH, SPRING_TERM_MONTH = 9, 2


@dataclass(frozen=True, order=True)
class Window:
    """One window of an obligation, as UTC instants."""

    start: datetime
    end: datetime

    def holds(self, at: datetime) -> bool:
        """True when the instant lies in the window."""
        return self.start <= at < self.end


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=CHINA_TZ)


def _month_start(year: int, month: int) -> date:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return date(year, month, 1)


def _first_day(rhythm: Rhythm, day: date) -> date:
    """The first day (China) of the window that holds the day."""
    if rhythm is Rhythm.WEEKLY:
        return day - timedelta(days=day.weekday())
    if rhythm is Rhythm.HALF_MONTHLY:
        return day.replace(day=1 if day.day <= 15 else 16)
    if rhythm is Rhythm.MONTHLY:
        return day.replace(day=1)
    if rhythm is Rhythm.TERM:
        if day.month >= AUTUMN_TERM_MONTH:
            return date(day.year, AUTUMN_TERM_MONTH, 1)
        if day.month >= SPRING_TERM_MONTH:
            return date(day.year, SPRING_TERM_MONTH, 1)
        return date(day.year - 1, AUTUMN_TERM_MONTH, 1)
    if rhythm is Rhythm.HALF_YEARLY:
        return date(day.year, 1 if day.month <= 6 else 7, 1)
    return date(day.year, 1, 1)


def _next_first_day(rhythm: Rhythm, first: date) -> date:
    """The first day of the window after the one that starts on `first`."""
    if rhythm is Rhythm.WEEKLY:
        return first + timedelta(days=7)
    if rhythm is Rhythm.HALF_MONTHLY:
        return first.replace(day=16) if first.day == 1 else _month_start(first.year, first.month + 1)
    if rhythm is Rhythm.MONTHLY:
        return _month_start(first.year, first.month + 1)
    if rhythm is Rhythm.TERM:
        if first.month == AUTUMN_TERM_MONTH:
            return date(first.year + 1, SPRING_TERM_MONTH, 1)
        return date(first.year, AUTUMN_TERM_MONTH, 1)
    if rhythm is Rhythm.HALF_YEARLY:
        return _month_start(first.year, first.month + 6)
    return date(first.year + 1, 1, 1)


def window_at(rhythm: Rhythm, at: datetime) -> Window:
    """The window of this rhythm that holds the instant."""
    first = _first_day(rhythm, at.astimezone(CHINA_TZ).date())
    return Window(
        _midnight(first).astimezone(at.tzinfo),
        _midnight(_next_first_day(rhythm, first)).astimezone(at.tzinfo),
    )


def window_after(rhythm: Rhythm, window: Window) -> Window:
    """The window that follows this one."""
    return window_at(rhythm, window.end)
