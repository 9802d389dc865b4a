"""What the assessment API answers (考核及奖励): children's lines, helpers, class teachers, stars."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

from reporting.service_layer.queries import UnitRef

NEXT = "下一页游标，原样传入 after / pass as `after` for the next page (None: the last page)"


class Reason(BaseModel):
    """一项加分或奖励及其理由 / One point or award and why."""

    code: str = Field(description="规则代码 / rule code, e.g. places_gained, no_baseline, progress")
    amount: int = Field(description="分数（奖励为元）/ points (yuan for an award); 0 says why none")
    reason: str = Field(description="理由 / the reason, in Chinese")
    reason_en: str = Field(description="the reason, in English")


class HelperRef(BaseModel):
    """帮扶人 / A helper."""

    helper_id: uuid.UUID
    name: str | None = Field(description="姓名（学习帮手不显示）/ name (none for a peer student)")
    kind: str = Field(description="类别 / helper kind, e.g. teacher, class_teacher, volunteer")


class ChildLine(BaseModel):
    """一名儿童的学年考核 / A child's assessment for the school year."""

    child_id: uuid.UUID
    name: str = Field(description="姓名 / name")
    class_unit: UnitRef | None = Field(description="期末所在班级 / the class of the second-term rank")
    baseline_term: str | None = Field(description="考核基数的学期 / the baseline's term (None: no baseline)")
    baseline_source: str | None = Field(
        description="基数来源 / first_term, or previous_second_term (carried from last year)"
    )
    baseline_rank: int | None = Field(description="考核基数（班级名次）/ baseline class rank")
    end_term: str = Field(description="第二学期 / the second term")
    end_rank: int = Field(description="第二学期期末班级名次 / class rank at the second-term final")
    places_gained: int | None = Field(description="上升名次（负数为下降）/ places gained (negative: lost)")
    moved_class: bool = Field(description="学年中转班，名次不可比 / moved class: ranks not comparable")
    points: list[Reason] = Field(description="每项加分及理由 / every point with its reason")
    score: int = Field(description="考核分 / the child's points")
    awards: list[Reason] = Field(description="学生奖励及理由（元）/ the pupil's awards with reasons (yuan)")
    award_yuan: int = Field(description="学生奖励合计（元）/ the pupil's awards together (yuan)")
    helpers: list[HelperRef] = Field(description="计分的帮扶人 / helpers credited with this child's points")


class ChildPage(BaseModel):
    """儿童考核（分页，按姓名）/ Children's assessment lines, a page at a time, by name."""

    unit: UnitRef
    school_year: str
    policy_version: int = Field(
        description="所用考核办法版本（0 为默认）/ the policy version used (0: default)"
    )
    items: list[ChildLine]
    next_after: str | None = Field(description=NEXT)


class HelperChild(BaseModel):
    """帮扶人名下的一名儿童 / One of a helper's children and its points."""

    child_id: uuid.UUID
    name: str
    class_unit: UnitRef | None
    score: int


class HelperLine(BaseModel):
    """一名帮扶人的考核 / A helper's assessment: the sum over their children under the unit."""

    helper: HelperRef
    unit: UnitRef | None = Field(description="帮扶人所属单位 / the helper's unit")
    children: list[HelperChild] = Field(description="计分的儿童 / the children credited")
    score: int = Field(description="考核得分（各儿童考核分之和）/ score: the sum of the children's points")
    reward_yuan: float = Field(description="奖励（元）/ reward in yuan")


class HelperPage(BaseModel):
    """帮扶人考核（分页，按得分从高到低）/ Helpers' assessment, a page at a time, highest score first."""

    unit: UnitRef
    school_year: str
    policy_version: int
    items: list[HelperLine]
    next_after: str | None = Field(description=NEXT)


class ClassLine(BaseModel):
    """一个班级班主任的考核 / A class teacher's assessment: the average over the class's children."""

    class_unit: UnitRef
    school: UnitRef | None = Field(description="学校 / the school")
    class_teachers: list[HelperRef] = Field(
        description="班主任（类别为班主任、所属单位为本班的帮扶人；空表示未登记）/ class teachers "
        "(helpers of kind class_teacher whose unit is the class; empty: none registered)"
    )
    children: int = Field(description="参与考核的留守儿童数 / left-behind children assessed")
    total_score: int = Field(description="儿童考核分合计 / the children's points together")
    average_score: float = Field(description="考核均分（班主任得分）/ the average: the class teacher's score")
    reward_yuan: float = Field(description="奖励（元）/ reward in yuan")


class ClassPage(BaseModel):
    """班主任考核（分页，按班级代码）/ Class teachers' assessment, a page at a time, by class code."""

    unit: UnitRef
    school_year: str
    policy_version: int
    items: list[ClassLine]
    next_after: str | None = Field(description=NEXT)


class StarPupil(BaseModel):
    """自强之星候选 / A self-improvement star candidate: most places gained."""

    rank: int = Field(description="名次（并列同名次）/ rank (ties share it)")
    child_id: uuid.UUID
    name: str
    class_unit: UnitRef | None
    baseline_rank: int
    end_rank: int
    places_gained: int = Field(description="上升名次 / places gained")
    score: int = Field(description="考核分 / the child's points")


class StarHelper(BaseModel):
    """关爱之星候选 / A caring star candidate: best contact compliance, then score."""

    rank: int = Field(description="名次（并列同名次）/ rank (ties share it)")
    helper: HelperRef
    windows_settled: int = Field(description="本学年应完成联系（已到期）/ contact windows settled this year")
    windows_met: int = Field(description="已完成 / met (late ones included)")
    compliance: float = Field(description="联系完成率 / met ÷ settled")
    score: int = Field(description="考核得分 / assessment score under the unit")


class Commendations(BaseModel):
    """表彰候选 / Commendation candidates (自强之星、关爱之星) under a unit."""

    unit: UnitRef
    school_year: str
    policy_version: int
    self_improvement: list[StarPupil] = Field(description="自强之星候选 / self-improvement stars")
    caring: list[StarHelper] = Field(description="关爱之星候选 / caring stars")
