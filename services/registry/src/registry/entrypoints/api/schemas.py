"""HTTP request and response bodies (separate from the tables on purpose)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from registry.domain.terms import TERM_PATTERN
from shouhu_contracts.org import Gender, LeftBehindType, OrgKind

# Users type Chinese; the API accepts the Chinese label or the English value of each enumeration.
_ZH_LABELS: dict[type[StrEnum], dict[str, str]] = {
    Gender: {"男": "male", "女": "female"},
    LeftBehindType: {
        "父母双方外出": "both_parents",
        "双亲外出": "both_parents",
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
}


def _accept_zh(enum: type[StrEnum]) -> BeforeValidator:
    labels = _ZH_LABELS[enum]

    def convert(value: Any) -> Any:
        return labels.get(value.strip(), value.strip()) if isinstance(value, str) else value

    return BeforeValidator(convert)


GenderIn = Annotated[Gender, _accept_zh(Gender)]
LeftBehindTypeIn = Annotated[LeftBehindType, _accept_zh(LeftBehindType)]
OrgKindIn = Annotated[OrgKind, _accept_zh(OrgKind)]


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
    name: str = Field(min_length=1, max_length=100, description="名称 / Chinese name")
    parent_id: uuid.UUID | None = Field(default=None, description="上级单位 / parent unit")


class OrgUnitOut(BaseModel):
    """组织单元 / Org unit."""

    id: uuid.UUID
    kind: OrgKind
    code: str
    name: str
    parent_id: uuid.UUID | None
    path: list[uuid.UUID]
    created_at: datetime


class ChildIn(BaseModel):
    """留守儿童建档 / Register a left-behind child."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=50, description="姓名 / name")
    gender: GenderIn = Field(description="性别 / gender: 男 male, 女 female")
    birth_date: date = Field(description="出生日期 / birth date (YYYY-MM-DD)")
    left_behind_type: LeftBehindTypeIn = Field(
        description="留守类型 / type: both_parents 父母双方外出, father 父亲外出, mother 母亲外出"
    )
    class_id: uuid.UUID = Field(description="所在班级 / class")
    home_village_id: uuid.UUID | None = Field(default=None, description="户籍村/居 / home village")
    has_guardian: bool = Field(description="是否有监护人 / has a guardian")


class ChildOut(BaseModel):
    """儿童档案 / Child archive."""

    id: uuid.UUID
    name: str
    gender: Gender
    birth_date: date
    left_behind_type: LeftBehindType
    class_id: uuid.UUID
    home_village_id: uuid.UUID | None
    has_guardian: bool
    status: str
    registered_at: datetime


class TermResultIn(BaseModel):
    """期末成绩 / A term result."""

    model_config = ConfigDict(extra="forbid")

    total_score: float = Field(ge=0, le=10_000, description="总分 / total score")
    class_rank: int = Field(ge=1, le=1_000, description="班级排名 / class rank")
    class_size: int | None = Field(default=None, ge=1, le=1_000, description="班级人数 / class size")


class TermResultOut(BaseModel):
    """已登记的期末成绩 / A recorded term result."""

    child_id: uuid.UUID
    term: Annotated[str, Field(pattern=TERM_PATTERN)]
    total_score: float
    class_rank: int
    class_size: int | None
    recorded_at: datetime
