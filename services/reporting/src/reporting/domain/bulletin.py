"""The monthly bulletin's ranks (每月一通报): each unit among its siblings, and its change since last month.

The rule, as the bulletin prints it (RANK_RULE):
- A unit is ranked on pairing coverage (结对覆盖率) and on contact compliance (联系完成率), each
  highest first, among the units with the same parent.
- Overall (综合) it is ranked on the mean of the two rates; a unit with nothing due that month
  (no compliance) is ranked overall on its coverage alone.
- A unit with no child at the month's end gets no rank at all; one with nothing due gets no
  compliance rank.
- Equal scores share a rank and the next rank skips (competition ranking: 1, 2, 2, 4). Rates are
  compared as the bulletin shows them (four places), so what looks equal is ranked equal.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

RANK_RULE = (
    "综合排名按结对覆盖率与联系完成率的平均值（当月无应联系任务的按覆盖率）由高到低，"
    "并列同名次（1、2、2、4）；无儿童的单位不排名。"
    " / Overall rank: the mean of pairing coverage and contact compliance (coverage alone when nothing"
    " was due), highest first; ties share a rank (1, 2, 2, 4); a unit with no child is not ranked."
)
UP, DOWN, SAME = "▲", "▼", "–"


@dataclass(frozen=True)
class Standing:
    """What a unit is ranked on: its children at the month's end, its two rates (None: no divisor)."""

    children: int
    coverage: float | None
    compliance: float | None


@dataclass(frozen=True)
class Ranks:
    """A unit's places among its siblings (None: not ranked on that)."""

    overall: int | None
    coverage: int | None
    compliance: int | None


NO_RANKS = Ranks(None, None, None)


def overall_score(standing: Standing) -> float | None:
    """The overall score: the mean of the two rates, coverage alone when nothing was due; None unranked."""
    if standing.children <= 0 or standing.coverage is None:
        return None
    if standing.compliance is None:
        return round(standing.coverage, 6)
    return round((standing.coverage + standing.compliance) / 2, 6)


def competition_ranks(scores: Mapping[K, float | None]) -> dict[K, int | None]:
    """Highest first; equal scores share a rank and the next skips (1, 2, 2, 4); None stays unranked."""
    ranked = sorted((s for s in scores.values() if s is not None), reverse=True)
    first: dict[float, int] = {}
    for place, score in enumerate(ranked, start=1):
        first.setdefault(score, place)
    return {k: (None if s is None else first[s]) for k, s in scores.items()}


def rank_siblings(standings: Mapping[K, Standing]) -> dict[K, Ranks]:
    """The ranks of units that share a parent, by the bulletin's rule (RANK_RULE)."""
    counted = {k: s for k, s in standings.items() if s.children > 0}
    overall = competition_ranks({k: overall_score(s) for k, s in counted.items()})
    coverage = competition_ranks({k: _shown(s.coverage) for k, s in counted.items()})
    compliance = competition_ranks({k: _shown(s.compliance) for k, s in counted.items()})
    return {k: Ranks(overall[k], coverage[k], compliance[k]) if k in counted else NO_RANKS for k in standings}


def _shown(rate: float | None) -> float | None:
    return None if rate is None else round(rate, 4)


def rate_change(now: float | None, before: float | None) -> float | None:
    """A rate's change since last month (None when either month has none), to four places."""
    if now is None or before is None:
        return None
    return round(now - before, 4)


def places_gained(now: int | None, before: int | None) -> int | None:
    """Places climbed since last month (positive: up, as 3rd → 1st is +2); None when either is unranked."""
    if now is None or before is None:
        return None
    return before - now


def arrow(change: float | None) -> str:
    """▲ for a rise, ▼ for a fall, – for none; empty when there is nothing to compare with."""
    if change is None:
        return ""
    return UP if change > 0 else DOWN if change < 0 else SAME
