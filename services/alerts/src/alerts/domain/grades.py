"""The grade-drop rule (学习严重滑坡): pure, no framework."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GradeDropPolicy:
    """When a fall between two terms calls for a follow-up (defaults: 10 places, 15%)."""

    rank_places: int = 10
    total_share: float = 0.15


@dataclass(frozen=True)
class TermScore:
    """One term's total and class rank."""

    term: str
    total_score: float
    class_rank: int


@dataclass(frozen=True)
class GradeDrop:
    """A fall that meets the policy."""

    previous: TermScore
    current: TermScore
    places_lost: int
    share_lost: float

    def describe(self) -> str:
        """Why, in Chinese, for the person who follows up."""
        parts = []
        if self.places_lost > 0:
            parts.append(
                f"班级排名下降{self.places_lost}名（第{self.previous.class_rank}名→第"
                f"{self.current.class_rank}名）"
            )
        if self.share_lost > 0:
            parts.append(
                f"总分下降{self.share_lost:.0%}（{self.previous.total_score:g}→{self.current.total_score:g}）"
            )
        return f"{self.previous.term}→{self.current.term}：" + "；".join(parts)


def detect_grade_drop(
    *, previous: TermScore, current: TermScore, policy: GradeDropPolicy
) -> GradeDrop | None:
    """A GradeDrop when rank falls by at least `rank_places` or the total by at least `total_share`."""
    places_lost = current.class_rank - previous.class_rank
    share_lost = (
        (previous.total_score - current.total_score) / previous.total_score
        if previous.total_score > 0
        else 0.0
    )
    # A tiny tolerance so that exactly 15% counts despite floating-point rounding.
    if places_lost >= policy.rank_places or share_lost >= policy.total_share - 1e-9:
        return GradeDrop(
            previous=previous,
            current=current,
            places_lost=max(places_lost, 0),
            share_lost=max(share_lost, 0.0),
        )
    return None
