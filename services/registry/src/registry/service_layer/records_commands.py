"""What a child's records (成长记录) take as input: each field checked on its own, every bad field at once."""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from registry.service_layer.commands import MULTILINE, PRINTABLE
from shouhu_contracts.terms import SchoolYear

HEALTH_MEASURES = (  # HealthCheckIn's measures: a check gives at least one
    "height_cm",
    "weight_kg",
    "vision_left",
    "vision_right",
    "blood_pressure",
    "lung_capacity_ml",
)
_BLOOD_PRESSURE = re.compile(r"^(\d{2,3})\s*/\s*(\d{2,3})\s*(?:mmhg)?$", re.IGNORECASE)


def _vision(value: float) -> float:
    if 0.1 <= value <= 2.0:
        five = 5 + math.log10(value)
        raise ValueError(
            f"视力请按五分记录法填写（3.0–5.3），小数记录 {value} 约为 {five:.1f} / "
            f"use the 5-point scale (3.0–5.3); decimal {value} is about {five:.1f}"
        )
    if not 3.0 <= value <= 5.3 or abs(value * 10 - round(value * 10)) > 1e-6:
        raise ValueError("视力须在 3.0–5.3 之间，保留一位小数 / must be 3.0–5.3 in steps of 0.1")
    return round(value, 1)


def _blood_pressure(value: str) -> str:
    match = _BLOOD_PRESSURE.match(unicodedata.normalize("NFKC", value).strip())
    if match is None:
        raise ValueError("血压格式为 收缩压/舒张压，如 110/70 / write systolic/diastolic, e.g. 110/70")
    systolic, diastolic = int(match[1]), int(match[2])
    if not (60 <= systolic <= 220 and 30 <= diastolic <= 140 and diastolic < systolic):
        raise ValueError(
            "血压超出合理范围（收缩压 60–220，舒张压 30–140，且舒张压低于收缩压） / "
            "out of range: systolic 60–220, diastolic 30–140 and below systolic"
        )
    return f"{systolic}/{diastolic}"


def split_blood_pressure(value: str) -> tuple[int, int]:
    """'110/70' → (110, 70), from a value the input model normalised."""
    systolic, diastolic = value.split("/")
    return int(systolic), int(diastolic)


def _zh_bool(labels: dict[str, bool]) -> BeforeValidator:
    def convert(value: Any) -> Any:
        return labels.get(value.strip(), value) if isinstance(value, str) else value

    return BeforeValidator(convert)


Vision = Annotated[
    float,
    AfterValidator(_vision),
    Field(description="视力（五分记录法 3.0–5.3，如 5.0）/ vision on the 5-point scale, 3.0–5.3"),
]
BloodPressure = Annotated[
    str,
    AfterValidator(_blood_pressure),
    Field(max_length=20, description="血压 收缩压/舒张压 mmHg，如 110/70 / systolic/diastolic"),
]
# A floor under record dates: 1000-01-01 made a school year "999-1000" and a 500 (the fuzzer's find).
RecordDate = Annotated[date, Field(ge=date(1900, 1, 1))]
YesNo = Annotated[bool, _zh_bool({"是": True, "否": False})]
Seriousness = Annotated[bool, _zh_bool({"是": True, "否": False, "严重": True, "一般": False})]


class HealthCheckIn(BaseModel):
    """体检记录 / A health check: the date and at least one measure."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    checked_on: RecordDate = Field(description="体检日期，不晚于今天 / date of the check, not in the future")
    height_cm: float | None = Field(default=None, ge=50, le=220, description="身高（厘米）/ height, cm")
    weight_kg: float | None = Field(default=None, ge=10, le=150, description="体重（千克）/ weight, kg")
    vision_left: Vision | None = Field(default=None, description="左眼视力 / left eye, 5-point scale")
    vision_right: Vision | None = Field(default=None, description="右眼视力 / right eye, 5-point scale")
    blood_pressure: BloodPressure | None = Field(default=None, description="血压，如 110/70 / e.g. 110/70")
    lung_capacity_ml: int | None = Field(
        default=None, ge=300, le=8000, description="肺活量（毫升）/ lung capacity, ml"
    )
    notes: str | None = Field(default=None, max_length=500, pattern=MULTILINE, description="备注 / notes")


class AwardIn(BaseModel):
    """获奖记录 / An award."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(
        min_length=1, max_length=100, pattern=PRINTABLE, description="奖项，如 三好学生、优秀学生干部 / title"
    )
    merit_student: YesNo | None = Field(
        default=None,
        description="是否三好学生（计入帮扶考核）；省略时按奖项名称判断 / "
        "Merit Student, counted in the helper assessment; derived from the title when omitted",
    )
    school_year: SchoolYear = Field(description="所属学年，如 2025-2026 / school year of the award")
    awarded_on: RecordDate = Field(description="获奖日期，不晚于今天 / date awarded, not in the future")


class ViolationIn(BaseModel):
    """违纪记录 / A violation; the description stays in the registry."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    occurred_on: RecordDate = Field(description="发生日期，不晚于今天 / date it happened, not in the future")
    serious: Seriousness = Field(
        description="是否严重违纪（影响帮扶考核）/ serious (counts in the assessment)"
    )
    description: str = Field(
        min_length=1,
        max_length=1000,
        pattern=MULTILINE,
        description="经过（仅存档案，不发布）/ what happened, never published",
    )
    school_year: SchoolYear | None = Field(
        default=None, description="所属学年；省略时按发生日期推算 / school year, derived from the date"
    )


class CounsellingNoteIn(BaseModel):
    """心理辅导记录（敏感）/ A counselling note (sensitive)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    noted_on: RecordDate = Field(description="辅导日期，不晚于今天 / date of the session, not in the future")
    counsellor: str = Field(
        min_length=1, max_length=50, pattern=PRINTABLE, description="辅导教师 / counsellor's name"
    )
    content: str = Field(
        min_length=1, max_length=2000, pattern=MULTILINE, description="辅导内容 / what was discussed"
    )
    follow_up: str | None = Field(
        default=None, max_length=500, pattern=MULTILINE, description="后续跟进 / follow-up plan"
    )
