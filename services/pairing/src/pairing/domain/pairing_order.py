"""Who is paired first (优先结对): the neediest first — both parents away, young, no guardian, at risk.

Not the seed's "three priorities" (三个优先): those are what every child is owed once looked after
(priority tutoring, care and places in activities), not an order of pairing.
"""

from __future__ import annotations

from datetime import date

from shouhu_contracts.alerts.v1 import RiskLevel
from shouhu_contracts.org import LeftBehindType

YOUNG_AGE = 10  # 低龄: the lower primary grades
RISK_WEIGHT = {RiskLevel.HIGH: 2, RiskLevel.MEDIUM: 1, RiskLevel.LOW: 0}


def age_on(birth_date: date, day: date) -> int:
    """Whole years of age on a day."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def neediness(
    *,
    left_behind_type: LeftBehindType,
    has_guardian: bool,
    birth_date: date,
    today: date,
    risk: RiskLevel | None = None,
) -> int:
    """How strongly a child's needs put it first (0–5): both parents away, young, no guardian (one
    each), and the risk the alerts service reports (high 2, medium 1)."""
    return (
        int(left_behind_type is LeftBehindType.BOTH_PARENTS)
        + int(age_on(birth_date, today) < YOUNG_AGE)
        + int(not has_guardian)
        + (RISK_WEIGHT[risk] if risk is not None else 0)
    )
