"""A child's risk (风险等级): a level and its reasons across the five haves (五有), pure.

Guardianship is read from the child's facts (a child without a guardian is high risk the moment it
is registered, whatever the tasks say); schooling, living and safety from the child's live
follow-up tasks, so that a cause that cleared, or a task a person resolved, lowers the risk.
Health has no rule yet: the registry publishes no health facts (its reasons will join here).

The level: high when any reason is grave (no guardian, left school, a serious violation) or when
three or more reasons stand at once; medium when any reason that weighs stands; low otherwise
(an incomplete contact card is a reason worth showing that does not by itself raise the level).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

from shouhu_contracts.alerts.tasks import AlertRule
from shouhu_contracts.alerts.v1 import RiskDimension, RiskLevel, RiskReason
from shouhu_contracts.org import GuardianshipRating


class Weight(IntEnum):
    """How much a reason weighs."""

    NOTE = 0  # shown, does not raise the level
    WEIGHS = 1  # medium
    GRAVE = 2  # high at once


@dataclass(frozen=True)
class Cause:
    """A reason's code, dimension, weight and wording."""

    code: str
    dimension: RiskDimension
    weight: Weight
    text: str
    text_en: str

    def reason(self) -> RiskReason:
        """As the contract carries it."""
        return RiskReason(dimension=self.dimension, code=self.code, text=self.text, text_en=self.text_en)


S, G, L, H = RiskDimension.SCHOOLING, RiskDimension.GUARDIANSHIP, RiskDimension.LIVING, RiskDimension.SAFETY
NO_GUARDIAN = Cause("no_guardian", G, Weight.GRAVE, "无监护人", "No guardian")
GUARDIAN_UNFIT = Cause("guardian_unfit", G, Weight.WEIGHS, "监护人年龄过大", "Guardian over the age limit")
GUARDIANSHIP_POOR = Cause("guardianship_poor", G, Weight.WEIGHS, "监护情况差", "Guardianship rated poor")
# Causes read from the child's live tasks, by the rule that opened them.
BY_TASK: dict[AlertRule, Cause] = {
    AlertRule.GRADE_DROP: Cause("grade_drop", S, Weight.WEIGHS, "学习成绩下滑", "Grades dropped"),
    AlertRule.CHRONIC_ABSENCE: Cause("chronic_absence", S, Weight.WEIGHS, "长期缺勤", "Chronic absence"),
    AlertRule.DROPPED_OUT: Cause("dropped_out", S, Weight.GRAVE, "已辍学", "Left school"),
    AlertRule.NOT_PAIRED: Cause(
        "not_paired", L, Weight.WEIGHS, "建档后长期未结对", "Not paired with a helper"
    ),
    AlertRule.CONTACT_MISSED: Cause(
        "contact_missed", L, Weight.WEIGHS, "帮扶联系未按时完成", "Contact missed"
    ),
    AlertRule.ARCHIVE_INCOMPLETE: Cause(
        "archive_incomplete", L, Weight.NOTE, "联系卡不完整", "Contact card incomplete"
    ),
    AlertRule.SERIOUS_VIOLATION: Cause("serious_violation", H, Weight.GRAVE, "严重违纪", "Serious violation"),
}
# The guardianship rules' own tasks are read as facts above, not twice.
_ORDER = [S, G, L, RiskDimension.HEALTH, H]


@dataclass(frozen=True)
class ChildFacts:
    """What the risk reads of a child besides its tasks."""

    active: bool
    has_guardian: bool
    guardian_age: int | None
    guardian_rating: str | None


@dataclass(frozen=True)
class Risk:
    """A level and its reasons, in the five haves' order."""

    level: RiskLevel
    reasons: tuple[RiskReason, ...]

    def reasons_json(self) -> list[dict[str, str]]:
        """The reasons as stored and compared."""
        return [r.model_dump(mode="json") for r in self.reasons]


LOW = Risk(RiskLevel.LOW, ())


def assess(*, facts: ChildFacts, live_rules: Iterable[AlertRule], guardian_max_age: int) -> Risk:
    """The child's risk now; for a child out of the programme only its live tasks count (a child who
    left school keeps its task, and its risk, while out; other tasks were cancelled at the exit)."""
    causes: list[Cause] = []
    if not facts.active:
        pass
    elif not facts.has_guardian:
        causes.append(NO_GUARDIAN)
    else:
        if facts.guardian_age is not None and facts.guardian_age > guardian_max_age:
            causes.append(GUARDIAN_UNFIT)
        if facts.guardian_rating == GuardianshipRating.POOR.value:
            causes.append(GUARDIANSHIP_POOR)
    causes.extend(BY_TASK[r] for r in sorted(set(live_rules)) if r in BY_TASK)
    causes.sort(key=lambda c: (_ORDER.index(c.dimension), c.code))
    weighing = [c for c in causes if c.weight >= Weight.WEIGHS]
    if any(c.weight is Weight.GRAVE for c in causes) or len(weighing) >= 3:
        level = RiskLevel.HIGH
    elif weighing:
        level = RiskLevel.MEDIUM
    else:
        level = RiskLevel.LOW
    return Risk(level, tuple(c.reason() for c in causes))
