"""Each point and award of the assessment with its reason, in Chinese and English (pure).

Written only for the lines a reader sees (a page, an export): building a city's scores needs none.
"""

from __future__ import annotations

from dataclasses import dataclass

from reporting.domain.assessment import (
    AssessmentPolicy,
    AwardKind,
    BaselineSource,
    ChildScore,
    ChildYear,
    Rule,
    progress_start,
)

BASELINE_NAMES: dict[BaselineSource, tuple[str, str]] = {
    BaselineSource.FIRST_TERM: ("本学年第一学期期末名次", "this year's first-term final rank"),
    BaselineSource.PREVIOUS_YEAR: (
        "上学年第二学期期末名次（结转）",
        "last year's second-term final rank (carried)",
    ),
}
AWARD_NAMES: dict[AwardKind, tuple[str, str]] = {
    AwardKind.FIRST_PLACE: ("班级第一名", "first in class"),
    AwardKind.EXCELLENCE: ("优秀奖", "excellence award"),
    AwardKind.PROGRESS: ("进步奖", "progress award"),
}


@dataclass(frozen=True)
class Reason:
    """One line of a child's assessment: points (or yuan) and why."""

    code: str
    amount: int
    zh: str
    en: str


def _rule_text(rule: Rule, points: int, score: ChildScore, policy: AssessmentPolicy) -> tuple[str, str]:
    end = score.end.rank
    b = score.baseline.rank if score.baseline else 0
    k, per = policy.top_places, policy.points_per_place
    match rule:
        case Rule.PLACES_GAINED:
            n = b - end
            return (
                f"班级名次上升{n}名（第{b}名→第{end}名），每名{per}分，加{points}分",
                f"gained {n} places in class (rank {b} → {end}), {per} points each: +{points}",
            )
        case Rule.NO_PLACES_GAINED:
            return (
                f"班级名次未上升（第{b}名→第{end}名），不加分，也不扣分",
                f"no places gained in class (rank {b} → {end}): no points, none taken off",
            )
        case Rule.TOP_KEPT:
            return (
                f"保持班级前{k}名（第{b}名→第{end}名），加{points}分",
                f"kept a top-{k} place in class (rank {b} → {end}): +{points}",
            )
        case Rule.NO_BASELINE:
            wanted = "第一学期期末名次" + ("或上学年第二学期期末名次" if policy.carry_over else "")
            return (
                f"无考核基数（缺{wanted}），不计名次加分",
                "no baseline (no first-term final rank"
                + (", none carried from last year" if policy.carry_over else "")
                + "): no points for rank",
            )
        case Rule.CLASS_CHANGED:
            return (
                "学年中转班（考核基数为另一班级的名次），名次不可比，不计名次加分；按期末所在班级统计",
                "moved class during the year (the baseline is another class's rank): ranks are not "
                "comparable, no points for rank; counted in the class of the end rank",
            )
        case Rule.NO_SERIOUS_VIOLATION:
            return (
                f"本学年无严重违纪违法行为，加{points}分",
                f"no serious violation this school year: +{points}",
            )
        case Rule.SERIOUS_VIOLATION:
            return (
                "本学年有严重违纪违法行为，此项不加分",
                "a serious violation this school year: no points for conduct",
            )
        case Rule.MERIT_STUDENT:
            return (f"获“三好学生”称号，加{points}分", f"named Merit Student (三好学生): +{points}")


def point_reasons(score: ChildScore, policy: AssessmentPolicy) -> list[Reason]:
    """Every point of the child's score with its reason (zero lines say why none were given)."""
    return [
        Reason(rule.value, points, *_rule_text(rule, points, score, policy)) for rule, points in score.points
    ]


def award_reasons(score: ChildScore, child: ChildYear, policy: AssessmentPolicy) -> list[Reason]:
    """Every award of the pupil with its reason."""
    end = score.end.rank
    out = []
    for kind, yuan in score.awards:
        name, name_en = AWARD_NAMES[kind]
        if kind is AwardKind.FIRST_PLACE:
            zh, en = f"第二学期期末班级第1名，奖{yuan}元", f"first in class at the second-term final: ¥{yuan}"
        elif kind is AwardKind.EXCELLENCE:
            lo, hi = policy.excellence_from_rank, policy.excellence_to_rank
            zh = f"{name}：第二学期期末班级第{end}名（第{lo}–{hi}名），奖{yuan}元"
            en = f"{name_en}: rank {end} at the second-term final (ranks {lo}–{hi}): ¥{yuan}"
        else:
            start = progress_start(score, child, policy)
            n = (start.rank - end) if start else 0
            zh = f"{name}：比{_start_name(policy)}进步{n}名（达{policy.progress_places}名），奖{yuan}元"
            least = policy.progress_places
            en = f"{name_en}: {n} places up on the {_start_name_en(policy)} (at least {least}): ¥{yuan}"
        out.append(Reason(kind.value, yuan, zh, en))
    return out


def _start_name(policy: AssessmentPolicy) -> str:
    return "第一学期期末" if policy.progress_from.value == "first_term" else "考核基数"


def _start_name_en(policy: AssessmentPolicy) -> str:
    return "first-term final" if policy.progress_from.value == "first_term" else "baseline"
