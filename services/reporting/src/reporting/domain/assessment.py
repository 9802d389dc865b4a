"""The helper assessment and the pupil awards (考核及奖励, DOMAIN.md §4, the seed's plan article 6): pure.

Per child over a school year the default formula (a city sets its own, `AssessmentPolicy`):
- baseline (考核基数): the child's class rank at the first-term final; when the child has the
  previous school year's second-term rank, that rank instead ("第二学年的考核就以第一学年第二学期期末
  学生考试成绩名次为依据");
- at the second-term final, +10 per place gained in class rank (no minus for places lost), +10 when
  top 5 at baseline and at the end (保持在班级前5名), +20 with no serious violation in the school
  year (无严重违纪违法行为), +10 when named Merit Student (三好学生).

Decided here, where the seed says nothing:
- **No baseline** (no first-term rank, none carried): no rank points, a zero line says why; the
  conduct and Merit Student points still count.
- **Moved class** (the baseline rank is of another class than the end rank): ranks of two classes
  are not comparable, so no rank points, a zero line says so. A carried rank of another class
  falls back to the first-term rank when that one is of the end class (a class change over the
  summer). The child counts in the class of its end rank.
- **Ties**: a rank is the child's own, so a shared rank 1 is first place for each (¥100 each), a
  shared rank 5 is a top-5 place for each.
- **Which helpers are credited** is the service layer's (pairings live when the end rank was
  recorded); by default the primary helper only (包保: the one responsible), so each child's
  points go to one helper.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

T = TypeVar("T")


class ProgressBase(StrEnum):
    """What the progress award (进步奖) compares the end rank with."""

    FIRST_TERM = "first_term"  # 第一学期期末 (the seed's words, and DOMAIN.md's)
    BASELINE = "baseline"  # 考核基数 (the carried rank, in a second year)


class AssessmentPolicy(BaseModel):
    """One version of a city's assessment formula and award amounts (defaults: DOMAIN.md §4)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    points_per_place: int = Field(10, ge=0, le=1000, description="每上升1名加分 / points per place gained")
    top_places: int = Field(5, ge=1, le=100, description="保持前几名 / 'top' means a rank up to this")
    top_kept_points: int = Field(10, ge=0, le=1000, description="保持前几名加分 / a top place kept")
    no_serious_violation_points: int = Field(
        20, ge=0, le=1000, description="无严重违纪违法加分 / points for no serious violation"
    )
    merit_student_points: int = Field(10, ge=0, le=1000, description="三好学生加分 / Merit Student")
    carry_over: bool = Field(
        True, description="以上学年第二学期期末名次为基数 / the previous second-term rank is the baseline"
    )
    secondary_helpers: bool = Field(
        False, description="协助帮扶人也计分 / secondary helpers are credited too (default: primary only)"
    )
    yuan_per_point: float = Field(1.0, ge=0, le=1000, description="每分奖励（元）/ yuan per point")
    first_place_yuan: int = Field(100, ge=0, le=100_000, description="班级第一名奖励（元）/ first in class")
    excellence_from_rank: int = Field(2, ge=1, le=100, description="优秀奖起始名次 / excellence from rank")
    excellence_to_rank: int = Field(
        5, ge=1, le=100, validate_default=True, description="优秀奖截止名次 / excellence to rank"
    )  # checked when left at its default too: a start of 100 alone is refused, not stored
    excellence_yuan: int = Field(30, ge=0, le=100_000, description="优秀奖（元）/ excellence award")
    progress_places: int = Field(5, ge=1, le=100, description="进步奖所需进步名次 / places for progress")
    progress_yuan: int = Field(15, ge=0, le=100_000, description="进步奖（元）/ progress award")
    progress_from: ProgressBase = Field(
        ProgressBase.FIRST_TERM, description="进步奖比较的名次 / progress counted from this rank"
    )
    caring_min_windows: int = Field(
        6, ge=1, le=1000, description="关爱之星至少应完成的联系次数 / settled contact windows for 关爱之星"
    )

    @field_validator("excellence_to_rank")
    @classmethod
    def _range(cls, value: int, info: Any) -> int:
        if value < info.data.get("excellence_from_rank", 1):
            raise ValueError("优秀奖截止名次不能小于起始名次 / the excellence range ends before it starts")
        return value


DEFAULT_POLICY = AssessmentPolicy()


class BaselineSource(StrEnum):
    """Where the baseline rank comes from."""

    FIRST_TERM = "first_term"  # 本学年第一学期期末
    PREVIOUS_YEAR = "previous_second_term"  # 上学年第二学期期末（结转）


class Rule(StrEnum):
    """Why points were given, or why not (a zero line)."""

    PLACES_GAINED = "places_gained"  # 名次上升
    NO_PLACES_GAINED = "no_places_gained"  # 名次未上升（不扣分）
    TOP_KEPT = "top_kept"  # 保持前5名
    NO_BASELINE = "no_baseline"  # 无考核基数
    CLASS_CHANGED = "class_changed"  # 学年中转班，名次不可比
    NO_SERIOUS_VIOLATION = "no_serious_violation"  # 无严重违纪违法
    SERIOUS_VIOLATION = "serious_violation"  # 有严重违纪违法（不加分）
    MERIT_STUDENT = "merit_student"  # 三好学生


class AwardKind(StrEnum):
    """A pupil's award (班级优秀奖和越位进步奖)."""

    FIRST_PLACE = "first_place"  # 班级第一名
    EXCELLENCE = "excellence"  # 优秀奖（第2–5名）
    PROGRESS = "progress"  # 进步奖（进步5名以上）


@dataclass(frozen=True, slots=True)
class Rank:
    """A class rank at a term's final exam."""

    term: str
    class_id: uuid.UUID
    rank: int


@dataclass(frozen=True, slots=True)
class ChildYear:
    """What the formula needs of one child in one school year."""

    child_id: uuid.UUID
    end: Rank  # the second-term final
    first_term: Rank | None
    previous_end: Rank | None  # the previous school year's second-term final
    serious_violation: bool
    merit_student: bool


@dataclass(frozen=True, slots=True)
class ChildScore:
    """A child's points and awards for the year; `baseline` only when comparable with the end rank."""

    child_id: uuid.UUID
    end: Rank
    baseline: Rank | None
    baseline_source: BaselineSource | None
    moved_class: bool  # a baseline exists, but in another class
    points: tuple[tuple[Rule, int], ...]
    score: int
    awards: tuple[tuple[AwardKind, int], ...]

    @property
    def places_gained(self) -> int | None:
        """Places gained (negative: lost) from the baseline; None without a comparable one."""
        return None if self.baseline is None else self.baseline.rank - self.end.rank

    @property
    def award_yuan(self) -> int:
        """The pupil's awards together, in yuan."""
        return sum(yuan for _, yuan in self.awards)


def baseline(child: ChildYear, policy: AssessmentPolicy) -> tuple[Rank | None, BaselineSource | None, bool]:
    """The baseline of the end rank's class, its source, and whether one existed in another class."""
    candidates: list[tuple[Rank, BaselineSource]] = []
    if policy.carry_over and child.previous_end is not None:
        candidates.append((child.previous_end, BaselineSource.PREVIOUS_YEAR))
    if child.first_term is not None:
        candidates.append((child.first_term, BaselineSource.FIRST_TERM))
    for rank, source in candidates:
        if rank.class_id == child.end.class_id:
            return rank, source, False
    return None, None, bool(candidates)


def score_child(child: ChildYear, policy: AssessmentPolicy) -> ChildScore:
    """The year's points (each with its rule) and the pupil's awards."""
    base, source, moved = baseline(child, policy)
    end = child.end.rank
    points: list[tuple[Rule, int]] = []
    if base is None:
        points.append((Rule.CLASS_CHANGED if moved else Rule.NO_BASELINE, 0))
    else:
        gained = base.rank - end
        points.append(
            (Rule.PLACES_GAINED, gained * policy.points_per_place)
            if gained > 0
            else (Rule.NO_PLACES_GAINED, 0)
        )
        if base.rank <= policy.top_places and end <= policy.top_places:
            points.append((Rule.TOP_KEPT, policy.top_kept_points))
    if child.serious_violation:
        points.append((Rule.SERIOUS_VIOLATION, 0))
    else:
        points.append((Rule.NO_SERIOUS_VIOLATION, policy.no_serious_violation_points))
    if child.merit_student:
        points.append((Rule.MERIT_STUDENT, policy.merit_student_points))
    return ChildScore(
        child_id=child.child_id,
        end=child.end,
        baseline=base,
        baseline_source=source,
        moved_class=moved,
        points=tuple(points),
        score=sum(p for _, p in points),
        awards=awards(child, base, policy),
    )


def awards(
    child: ChildYear, base: Rank | None, policy: AssessmentPolicy
) -> tuple[tuple[AwardKind, int], ...]:
    """The pupil's awards, independent of each other: first place, excellence, progress."""
    end = child.end.rank
    out: list[tuple[AwardKind, int]] = []
    if end == 1:
        out.append((AwardKind.FIRST_PLACE, policy.first_place_yuan))
    if policy.excellence_from_rank <= end <= policy.excellence_to_rank:
        out.append((AwardKind.EXCELLENCE, policy.excellence_yuan))
    start = base if policy.progress_from is ProgressBase.BASELINE else child.first_term
    comparable = start is not None and start.class_id == child.end.class_id
    if comparable and start is not None and start.rank - end >= policy.progress_places:
        out.append((AwardKind.PROGRESS, policy.progress_yuan))
    return tuple(out)


def progress_start(score: ChildScore, child: ChildYear, policy: AssessmentPolicy) -> Rank | None:
    """The rank the progress award compares with (for its reason)."""
    return score.baseline if policy.progress_from is ProgressBase.BASELINE else child.first_term


def reward_yuan(score: float, policy: AssessmentPolicy) -> float:
    """The helper's or class teacher's reward: the score in yuan (考核分是多少就奖多少元)."""
    return round(score * policy.yuan_per_point, 2)


def helper_score(scores: Sequence[int]) -> int:
    """A helper's score: the sum over their children (所得总分等于各自所得考核分的总和)."""
    return sum(scores)


def class_average(scores: Sequence[int]) -> float:
    """A class teacher's score: the average over the class's children (按本班学生考核均分), 2 places."""
    return round(sum(scores) / len(scores), 2) if scores else 0.0


def competition_ranks(items: Sequence[T], key: Callable[[T], Any]) -> list[tuple[int, T]]:
    """Items in order with their ranks; equal keys share a rank, the next rank skips (1, 2, 2, 4)."""
    out: list[tuple[int, T]] = []
    previous: Any = object()
    for i, item in enumerate(items):
        k = key(item)
        rank = out[-1][0] if out and k == previous else i + 1
        out.append((rank, item))
        previous = k
    return out
