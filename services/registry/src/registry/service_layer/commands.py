"""Commands: validated input to the registry's use cases (the HTTP API and roster import share them)."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator

from registry.domain.identity import InvalidIdentity, id_birth_date, normalize_id_number
from shouhu_contracts.org import ChildStatus, ExitKind, Gender, GuardianshipRating, LeftBehindType, OrgKind
from shouhu_kit.phones import PhoneNumber

# Users type Chinese; the API accepts the Chinese label or the English value of each enumeration.
ZH_LABELS: dict[type[StrEnum], dict[str, str]] = {
    Gender: {"男": "male", "女": "female"},
    LeftBehindType: {
        "父母双方外出": "both_parents",
        "双亲外出": "both_parents",
        "父母均外出": "both_parents",
        "父亲外出": "father",
        "母亲外出": "mother",
    },
    OrgKind: {
        "市": "city",
        "区": "district",
        "县": "district",
        "区/县": "district",
        "乡镇": "township",
        "街道": "township",
        "乡镇/街道": "township",
        "村": "village",
        "社区": "village",
        "村/居": "village",
        "学校": "school",
        "班级": "class",
    },
    GuardianshipRating: {
        "好": "good",
        "良好": "good",
        "较好": "fair",
        "一般": "fair",
        "差": "poor",
        "较差": "poor",
    },
    ChildStatus: {
        "在册": "active",
        "已退出": "exited",
        "退出": "exited",
        "已转出": "transferred_out",
        "转出": "transferred_out",
    },
    ExitKind: {
        "父母返乡": "parents_returned",
        "年满18周岁": "grown_up",
        "年满18岁": "grown_up",
        "迁出": "moved_away",
        "辍学": "dropped_out",
        "其他": "other",
    },
}


def accept_zh(enum: type[StrEnum]) -> BeforeValidator:
    """Map a Chinese label to the enumeration's value before validation."""
    labels = ZH_LABELS[enum]
    values = [e.value for e in enum]
    # The first Chinese label of each value is the one users are told about.
    zh = "、".join(next(k for k, v in labels.items() if v == value) for value in values)
    en = ", ".join(values)

    def convert(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        value = labels.get(value.strip(), value.strip())
        if value not in values:
            raise ValueError(f"取值无效，可选：{zh} / must be one of: {en}")
        return value

    return BeforeValidator(convert)


def zh_label(value: StrEnum) -> str:
    """The Chinese label users are told about for a value ('辍学' for dropped_out)."""
    return next(k for k, v in ZH_LABELS[type(value)].items() if v == value.value)


GenderIn = Annotated[Gender, accept_zh(Gender)]
LeftBehindTypeIn = Annotated[LeftBehindType, accept_zh(LeftBehindType)]
OrgKindIn = Annotated[OrgKind, accept_zh(OrgKind)]
RatingIn = Annotated[GuardianshipRating, accept_zh(GuardianshipRating)]
StatusIn = Annotated[ChildStatus, accept_zh(ChildStatus)]
ExitKindIn = Annotated[ExitKind, accept_zh(ExitKind)]
# Printable text only: control characters (NUL above all) are refused, PostgreSQL would choke on them.
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"
# Longer text may break lines (tab, line feed, carriage return); other control characters are refused.
MULTILINE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
Text50 = Annotated[str, Field(min_length=1, max_length=50, pattern=PRINTABLE)]
Text100 = Annotated[str, Field(min_length=1, max_length=100, pattern=PRINTABLE)]
Text200 = Annotated[str, Field(min_length=1, max_length=200, pattern=PRINTABLE)]
SubjectScores = dict[
    Annotated[str, Field(min_length=1, max_length=20, pattern=PRINTABLE)],
    Annotated[float, Field(ge=0, le=1000)],
]


class OrgUnitIn(BaseModel):
    """新建组织单元 / A new org unit."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: OrgKindIn = Field(
        description="层级 / level: city 市, district 区/县, township 乡镇/街道, "
        "village 村/居, school 学校, class 班级"
    )
    code: str = Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="单位代码 / code, unique city-wide",
    )
    name: Text100 = Field(description="名称 / Chinese name")
    parent_id: uuid.UUID | None = Field(default=None, description="上级单位 / parent unit")


class OrgUnitPatch(BaseModel):
    """更名 / Rename an org unit."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str | None = Field(default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    name: Text100 | None = None


class MoveIn(BaseModel):
    """调整隶属 / Move an org unit under another parent."""

    model_config = ConfigDict(extra="forbid")

    parent_id: uuid.UUID = Field(description="新的上级单位 / new parent")


class ParentIn(BaseModel):
    """父亲或母亲 / A parent."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Text50 | None = Field(default=None, description="姓名 / name")
    phone: PhoneNumber | None = None
    work_city: Text50 | None = Field(default=None, description="务工地 / city of work")
    employer: Text200 | None = Field(default=None, description="工作单位 / employer")
    employer_address: Text200 | None = Field(default=None, description="单位地址 / employer address")
    away_since: date | None = Field(default=None, description="外出时间 / away since")


class GuardianIn(BaseModel):
    """监护人或委托监护人 / The guardian."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Text50 = Field(description="姓名 / name")
    relation: Text50 = Field(description="与儿童关系 / relation, e.g. 祖父母")
    age: int | None = Field(default=None, ge=14, le=120, description="年龄 / age")
    occupation: Text50 | None = Field(default=None, description="职业 / occupation")
    health: Text50 | None = Field(default=None, description="健康状况 / health, e.g. 良好、慢性病")
    phone: PhoneNumber | None = None
    address: Text200 | None = Field(default=None, description="住址 / address")
    rating: RatingIn = Field(description="监护情况 / guardianship: good 好, fair 较好, poor 差")


class ChildIn(BaseModel):
    """留守儿童建档 / A left-behind child's archive and contact card."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Text50 = Field(description="姓名 / name")
    gender: GenderIn = Field(description="性别 / gender: 男 male, 女 female")
    birth_date: date = Field(description="出生日期 / birth date (YYYY-MM-DD)")
    ethnicity: Text50 | None = Field(default=None, description="民族 / ethnicity, e.g. 汉族")
    id_number: str | None = Field(default=None, description="身份证号 / resident ID number (18, GB 11643)")
    class_id: uuid.UUID = Field(description="所在班级 / class")
    home_village_id: uuid.UUID | None = Field(default=None, description="户籍村/居 / home village")
    home_address: Text200 | None = Field(default=None, description="家庭住址 / home address")
    boarding: bool = Field(default=False, description="是否寄宿 / boarding")
    left_behind_type: LeftBehindTypeIn = Field(
        description="留守类型 / type: both_parents 父母双方外出, father 父亲外出, mother 母亲外出"
    )
    father: ParentIn | None = Field(default=None, description="父亲 / father")
    mother: ParentIn | None = Field(default=None, description="母亲 / mother")
    guardian: GuardianIn | None = Field(
        default=None, description="监护人；无人监护时为空 / null: no guardian"
    )

    @field_validator("id_number")
    @classmethod
    def _id_number(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or value.strip() == "":
            return None
        try:
            normalized = normalize_id_number(value)
        except InvalidIdentity as exc:
            raise ValueError(str(exc)) from exc
        birth = info.data.get("birth_date")
        if birth is not None and id_birth_date(normalized) != birth:
            raise ValueError(
                "身份证号中的出生日期与档案出生日期不一致 / "
                "the ID number's birth date differs from birth_date"
            )
        return normalized


class ChildPatch(BaseModel):
    """部分更新（JSON Merge Patch）/ A partial update: set fields, null clears, objects merge."""

    model_config = ConfigDict(extra="forbid")

    name: Any = None
    gender: Any = None
    birth_date: Any = None
    ethnicity: Any = None
    id_number: Any = None
    home_village_id: Any = None
    home_address: Any = None
    boarding: Any = None
    left_behind_type: Any = None
    father: Any = None
    mother: Any = None
    guardian: Any = None


class TransferIn(BaseModel):
    """转学 / Transfer to another class (school, district)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    to_class_id: uuid.UUID = Field(description="转入班级 / destination class")
    reason: Text200 | None = Field(default=None, description="原因 / reason")


class ExitIn(BaseModel):
    """退出或转出 / Leave the programme or the city."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    status: StatusIn = Field(default=ChildStatus.EXITED, description="exited 已退出 / transferred_out 已转出")
    reason: Text200 | None = Field(
        default=None,
        description="原因；省略时为退出类别 / reason, e.g. 父母返乡 (defaults to the kind's label)",
    )
    exit_kind: ExitKindIn | None = Field(
        default=None,
        description="退出类别 / kind: parents_returned 父母返乡, grown_up 年满18周岁, moved_away 迁出, "
        "dropped_out 辍学, other 其他",
    )


class ReenterIn(BaseModel):
    """重新纳入 / Back in the programme."""

    model_config = ConfigDict(extra="forbid")

    left_behind_type: LeftBehindTypeIn | None = None
    class_id: uuid.UUID | None = Field(default=None, description="新班级（可选）/ new class, optional")


class TermResultIn(BaseModel):
    """期末成绩 / A term result."""

    model_config = ConfigDict(extra="forbid")

    subjects: SubjectScores | None = Field(
        default=None, description="各科成绩 / score per subject, e.g. 语文: 92"
    )
    total_score: float | None = Field(
        default=None, ge=0, le=10_000, description="总分；省略时为各科之和 / total (defaults to the sum)"
    )
    class_rank: int = Field(ge=1, le=1_000, description="班级排名 / class rank")
    class_size: int | None = Field(default=None, ge=1, le=1_000, description="班级人数 / class size")


class AttendanceIn(BaseModel):
    """月度出勤 / A month's attendance: days missed of the school days (excused ones included)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    school_days: int = Field(ge=1, le=31, description="应到天数 / the month's school days")
    days_absent: int = Field(ge=0, le=31, description="缺勤天数 / days missed, excused ones included")
    excused_days: int | None = Field(
        default=None, ge=0, le=31, description="病事假天数 / of the days missed, excused (sick or leave)"
    )
    note: Text200 | None = Field(default=None, description="备注 / note (stays in the registry)")
