"""A city's alert policy (预警规则): each rule's switch, threshold and deadline, and the ladder a task
climbs when nobody acts. Versioned like pairing's policy; the defaults follow DOMAIN.md §3."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shouhu_contracts.alerts.tasks import AlertRule, AssigneeRole

RULE_NAMES: dict[AlertRule, tuple[str, str]] = {
    AlertRule.CONTACT_MISSED: ("未按时联系", "Contact missed"),
    AlertRule.GRADE_DROP: ("学习滑坡", "Grades dropped"),
    AlertRule.NO_GUARDIAN: ("无人监护", "No guardian"),
    AlertRule.GUARDIAN_UNFIT: ("监护人年老或体弱", "Guardian too old or too ill"),
    AlertRule.GUARDIANSHIP_POOR: ("监护情况差", "Guardianship rated poor"),
    AlertRule.NOT_PAIRED: ("建档后未结对", "Registered, not paired"),
    AlertRule.ARCHIVE_INCOMPLETE: ("联系卡不完整", "Contact card incomplete"),
    AlertRule.SERIOUS_VIOLATION: ("严重违纪", "Serious violation"),
    AlertRule.CHRONIC_ABSENCE: ("长期缺勤", "Chronic absence"),
    AlertRule.DROPPED_OUT: ("辍学", "Left school"),
}
# Who is told first, by rule: the paired helper for what a helper can act on; else the class teacher
# (at school) or the village child director (no guardian: 监护缺位 needs the village at once).
FIRST_ASSIGNEE: dict[AlertRule, AssigneeRole] = {
    AlertRule.CONTACT_MISSED: AssigneeRole.HELPER,
    AlertRule.GRADE_DROP: AssigneeRole.CLASS_TEACHER,
    AlertRule.NO_GUARDIAN: AssigneeRole.VILLAGE_DIRECTOR,
    AlertRule.GUARDIAN_UNFIT: AssigneeRole.VILLAGE_DIRECTOR,
    AlertRule.GUARDIANSHIP_POOR: AssigneeRole.VILLAGE_DIRECTOR,
    AlertRule.NOT_PAIRED: AssigneeRole.CLASS_TEACHER,
    AlertRule.ARCHIVE_INCOMPLETE: AssigneeRole.CLASS_TEACHER,
    AlertRule.SERIOUS_VIOLATION: AssigneeRole.CLASS_TEACHER,
    AlertRule.CHRONIC_ABSENCE: AssigneeRole.CLASS_TEACHER,
    AlertRule.DROPPED_OUT: AssigneeRole.VILLAGE_DIRECTOR,
}
LADDER: tuple[AssigneeRole, ...] = (
    AssigneeRole.HELPER,
    AssigneeRole.CLASS_TEACHER,
    AssigneeRole.VILLAGE_DIRECTOR,
    AssigneeRole.TOWNSHIP_SUPERVISOR,
    AssigneeRole.DISTRICT_OFFICE,
)


class RuleSettings(BaseModel):
    """One rule: on or off, and days to act on its task."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    due_days: int = Field(default=7, ge=1, le=90, description="处理期限（天）/ days to act on a new task")


def _rules() -> dict[AlertRule, RuleSettings]:
    urgent = {AlertRule.NO_GUARDIAN, AlertRule.DROPPED_OUT, AlertRule.SERIOUS_VIOLATION}
    return {rule: RuleSettings(due_days=3 if rule in urgent else 7) for rule in AlertRule}


class Step(BaseModel):
    """A step of the ladder and the days its assignee has before the task climbs on."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: AssigneeRole
    days: int = Field(ge=1, le=90)


def _steps() -> tuple[Step, ...]:
    days = {
        AssigneeRole.HELPER: 7,
        AssigneeRole.CLASS_TEACHER: 5,
        AssigneeRole.VILLAGE_DIRECTOR: 5,
        AssigneeRole.TOWNSHIP_SUPERVISOR: 7,
        AssigneeRole.DISTRICT_OFFICE: 14,
    }
    return tuple(Step(role=r, days=days[r]) for r in LADDER)


class AlertPolicy(BaseModel):
    """One version of a city's alert policy (what the API reads and writes)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: dict[AlertRule, RuleSettings] = Field(default_factory=_rules)
    grade_drop_rank_places: int = Field(default=10, ge=1, le=100, description="班级排名下降名次")
    grade_drop_total_share: float = Field(default=0.15, gt=0, lt=1, description="总分下降比例")
    failing_score: float = Field(default=60, ge=0, le=1000, description="单科不及格分数线")
    failing_subjects: int = Field(default=2, ge=1, le=20, description="不及格科目数达到即预警")
    guardian_max_age: int = Field(default=75, ge=40, le=120, description="监护人年龄上限")
    not_paired_days: int = Field(default=14, ge=1, le=365, description="建档后多少天未结对即预警")
    archive_incomplete_days: int = Field(default=30, ge=1, le=365, description="联系卡不完整多少天即预警")
    chronic_absence_share: float = Field(default=0.10, gt=0, le=1, description="缺勤天数占应到天数比例")
    ladder: tuple[Step, ...] = Field(default_factory=_steps, min_length=1)
    nearly_due_hours: int = Field(default=24, ge=1, le=240, description="到期前多少小时提醒")

    def rule(self, rule: AlertRule) -> RuleSettings:
        """The rule's settings (a rule the document leaves out is on, with the default deadline)."""
        return self.rules.get(rule) or _rules()[rule]

    def step_after(self, role: AssigneeRole) -> Step | None:
        """The ladder's next step above this role, None at the top."""
        roles = [s.role for s in self.ladder]
        if role not in roles:
            return self.ladder[0] if self.ladder else None
        at = roles.index(role)
        return self.ladder[at + 1] if at + 1 < len(self.ladder) else None

    def days_at(self, role: AssigneeRole) -> int:
        """The days an assignee of this role has on the ladder."""
        return next((s.days for s in self.ladder if s.role == role), 7)


DEFAULT_POLICY = AlertPolicy()
