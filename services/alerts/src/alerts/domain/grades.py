"""The grade-drop rule (学习严重滑坡): pure, no framework.

Between two consecutive terms a child's grades have dropped when the class rank falls by at least
`rank_places`, the total by at least `total_share`, or at least `failing_subjects` subjects of the
later term score under `failing_score` (DOMAIN.md §3: "rank or total falls by a set margin, or
several subjects fail"). A drop has recovered when the next term shows no drop and the rank is
back within `rank_places` of the term before the drop.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from alerts.domain.policy import AlertPolicy


@dataclass(frozen=True)
class GradeDropPolicy:
    """When a fall between two terms calls for a follow-up (defaults: 10 places, 15%, two fails)."""

    rank_places: int = 10
    total_share: float = 0.15
    failing_score: float = 60
    failing_subjects: int = 2

    @classmethod
    def of(cls, policy: AlertPolicy) -> GradeDropPolicy:
        """The thresholds a city's alert policy sets."""
        return cls(
            rank_places=policy.grade_drop_rank_places,
            total_share=policy.grade_drop_total_share,
            failing_score=policy.failing_score,
            failing_subjects=policy.failing_subjects,
        )


@dataclass(frozen=True)
class TermScore:
    """One term's total, class rank and (when recorded) score per subject."""

    term: str
    total_score: float
    class_rank: int
    subjects: Mapping[str, float] | None = field(default=None, compare=False)

    def failing(self, score: float) -> list[str]:
        """The subjects under the failing score, in name order."""
        return sorted(name for name, value in (self.subjects or {}).items() if value < score)


@dataclass(frozen=True)
class GradeDrop:
    """A fall that meets the policy."""

    previous: TermScore
    current: TermScore
    places_lost: int
    share_lost: float
    failing: tuple[str, ...] = ()

    @property
    def cause_key(self) -> str:
        """The term pair, e.g. 2025-2026-1>2025-2026-2: one live task per pair."""
        return f"{self.previous.term}>{self.current.term}"

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
        if self.failing:
            parts.append(f"{len(self.failing)}科不及格（{'、'.join(self.failing)}）")
        return f"{self.previous.term}→{self.current.term}：" + "；".join(parts)

    def describe_en(self) -> str:
        """Why, in English."""
        parts = []
        if self.places_lost > 0:
            parts.append(
                f"class rank down {self.places_lost} places "
                f"({self.previous.class_rank} → {self.current.class_rank})"
            )
        if self.share_lost > 0:
            before, after = self.previous.total_score, self.current.total_score
            parts.append(f"total down {self.share_lost:.0%} ({before:g} → {after:g})")
        if self.failing:
            parts.append(f"{len(self.failing)} subjects failed ({', '.join(self.failing)})")
        return f"{self.previous.term} → {self.current.term}: " + "; ".join(parts)


def _share_lost(previous: TermScore, current: TermScore) -> float:
    if previous.total_score <= 0:
        return 0.0
    return (previous.total_score - current.total_score) / previous.total_score


def detect_grade_drop(
    *, previous: TermScore, current: TermScore, policy: GradeDropPolicy
) -> GradeDrop | None:
    """A GradeDrop when rank falls by at least `rank_places`, the total by at least `total_share`,
    or the later term has at least `failing_subjects` subjects under `failing_score`."""
    places_lost = current.class_rank - previous.class_rank
    share_lost = _share_lost(previous, current)
    failing = current.failing(policy.failing_score)
    # A tiny tolerance so that exactly 15% counts despite floating-point rounding.
    if (
        places_lost >= policy.rank_places
        or share_lost >= policy.total_share - 1e-9
        or len(failing) >= policy.failing_subjects
    ):
        return GradeDrop(
            previous=previous,
            current=current,
            places_lost=max(places_lost, 0),
            share_lost=max(share_lost, 0.0),
            failing=tuple(failing) if len(failing) >= policy.failing_subjects else (),
        )
    return None


def recovered(*, drop: GradeDrop, later: TermScore, policy: GradeDropPolicy) -> bool:
    """The next term after a drop shows no drop, and the rank is back within the threshold of the
    term before the drop (下一学期成绩已回升)."""
    if detect_grade_drop(previous=drop.current, current=later, policy=policy) is not None:
        return False
    return later.class_rank - drop.previous.class_rank < policy.rank_places


@dataclass(frozen=True)
class GradeStanding:
    """What a child's terms call for: the drops still standing, and those the next term recovered."""

    standing: tuple[GradeDrop, ...]
    recovered: tuple[GradeDrop, ...]


def assess_terms(scores: Sequence[TermScore], policy: GradeDropPolicy) -> GradeStanding:
    """Each consecutive pair of terms (in term order), and whether its drop has recovered.

    A function of the terms alone: however late or corrected the results came, the same terms
    give the same standing.
    """
    ordered = sorted(scores, key=lambda s: s.term)
    standing: list[GradeDrop] = []
    healed: list[GradeDrop] = []
    for at in range(1, len(ordered)):
        drop = detect_grade_drop(previous=ordered[at - 1], current=ordered[at], policy=policy)
        if drop is None:
            continue
        later = ordered[at + 1] if at + 1 < len(ordered) else None
        if later is not None and recovered(drop=drop, later=later, policy=policy):
            healed.append(drop)
        else:
            standing.append(drop)
    return GradeStanding(standing=tuple(standing), recovered=tuple(healed))
