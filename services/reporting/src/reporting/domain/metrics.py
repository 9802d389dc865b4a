"""What a child, an obligation window and a follow-up task each count for (no I/O).

A contribution maps (metric, period) to a count. The period is None for a stock metric (it counts
from the month it changes; its value at a month's end is a running total) and a month for a period
metric (a window due in April counts in April only).
"""

from __future__ import annotations

from enum import StrEnum

Contribution = dict[tuple[str, str | None], int]

CHILDREN = "children"
ARCHIVE_COMPLETE = "archive_complete"
PAIRED = "paired"
TASKS_OPEN = "tasks_open"
TASKS_OVERDUE = "tasks_overdue"
LEFT_BEHIND = "lbt:"  # + LeftBehindType
GUARDIAN = "guardian:"  # + GuardianSituation
RISK = "risk:"  # + RiskLevel
DUE, MET, MISSED, LATE = "due:", "met:", "missed:", "late:"  # + duty code, per month


class GuardianSituation(StrEnum):
    """监护情况 as the seed counts it: grandparents 56%, nobody 26%, other relatives 18%."""

    GRANDPARENT = "grandparent"  # 祖辈监护
    RELATIVE = "relative"  # 其他亲属监护
    NONE = "none"  # 无人监护
    OTHER = "other"  # 其他 (a parent at home, a foster carer, unknown relation)


_GRANDPARENT_WORDS = ("祖", "爷", "奶", "外公", "外婆", "姥", "grand")
_RELATIVE_WORDS = (
    "叔",
    "伯",
    "姑",
    "舅",
    "姨",
    "婶",
    "兄",
    "姐",
    "哥",
    "弟",
    "妹",
    "亲",
    "堂",
    "表",
    "uncle",
    "aunt",
)


def guardian_situation(*, has_guardian: bool, relation: str | None) -> GuardianSituation:
    """The guardian's situation from the archive's relation text (祖父母, 外婆, 姑姑…)."""
    if not has_guardian:
        return GuardianSituation.NONE
    text = (relation or "").strip().lower()
    if any(word in text for word in _GRANDPARENT_WORDS):
        return GuardianSituation.GRANDPARENT
    if any(word in text for word in _RELATIVE_WORDS):
        return GuardianSituation.RELATIVE
    return GuardianSituation.OTHER


def child_contribution(
    *,
    active: bool,
    left_behind_type: str | None,
    guardian: str | None,
    archive_complete: bool,
    paired: bool,
    risk_level: str | None,
) -> Contribution:
    """An active child counts once, and once more for each of its facts; an exited one not at all."""
    if not active:
        return {}
    out: Contribution = {(CHILDREN, None): 1}
    if left_behind_type:
        out[(LEFT_BEHIND + left_behind_type, None)] = 1
    if guardian:
        out[(GUARDIAN + guardian, None)] = 1
    if archive_complete:
        out[(ARCHIVE_COMPLETE, None)] = 1
    if paired:
        out[(PAIRED, None)] = 1
    if risk_level:
        out[(RISK + risk_level, None)] = 1
    return out


def window_contribution(*, duty: str, month: str, state: str, late: bool) -> Contribution:
    """A window is due in its month unless it ended early; met (late or not) or missed."""
    if state == "ended":
        return {}
    out: Contribution = {(DUE + duty, month): 1}
    if state == "met":
        out[(MET + duty, month)] = 1
        if late:
            out[(LATE + duty, month)] = 1
    elif state == "missed":
        out[(MISSED + duty, month)] = 1
    return out


def task_contribution(*, state: str, overdue: bool) -> Contribution:
    """An open task counts, and once more while it is overdue."""
    if state != "open":
        return {}
    out: Contribution = {(TASKS_OPEN, None): 1}
    if overdue:
        out[(TASKS_OVERDUE, None)] = 1
    return out
