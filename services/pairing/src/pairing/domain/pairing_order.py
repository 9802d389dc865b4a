"""Who is paired first (优先结对): the neediest first — both parents away, young, no guardian.

Not the seed's "three priorities" (三个优先): those are what every child is owed once looked after
(priority tutoring, care and places in activities), not an order of pairing.
"""

from __future__ import annotations

from datetime import date

from shouhu_contracts.org import LeftBehindType

YOUNG_AGE = 10  # 低龄: the lower primary grades


def age_on(birth_date: date, day: date) -> int:
    """Whole years of age on a day."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def neediness(*, left_behind_type: LeftBehindType, has_guardian: bool, birth_date: date, today: date) -> int:
    """How many of the needs that put a child first it has: both parents away, young, no guardian (0–3)."""
    return (
        int(left_behind_type is LeftBehindType.BOTH_PARENTS)
        + int(age_on(birth_date, today) < YOUNG_AGE)
        + int(not has_guardian)
    )
