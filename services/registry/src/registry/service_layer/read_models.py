"""What the use cases return and the routes answer (separate from the tables on purpose)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from shouhu_contracts.months import Month
from shouhu_contracts.org import ChildStatus, ExitKind, Gender, GuardianshipRating, LeftBehindType, OrgKind
from shouhu_contracts.terms import Term


class OrgUnitOut(BaseModel):
    """组织单元 / Org unit."""

    id: uuid.UUID
    kind: OrgKind
    code: str
    name: str
    parent_id: uuid.UUID | None
    path: list[uuid.UUID]
    created_at: datetime


class ParentOut(BaseModel):
    """父亲或母亲 / A parent (phone masked unless the role needs it)."""

    name: str | None = None
    phone: str | None = None
    work_city: str | None = None
    employer: str | None = None
    employer_address: str | None = None
    away_since: date | None = None


class GuardianOut(BaseModel):
    """监护人 / The guardian (phone masked unless the role needs it)."""

    name: str
    relation: str
    age: int | None = None
    occupation: str | None = None
    health: str | None = None
    phone: str | None = None
    address: str | None = None
    rating: GuardianshipRating


class ChildOut(BaseModel):
    """儿童档案与联系卡 / Child archive and contact card."""

    id: uuid.UUID
    name: str
    gender: Gender
    birth_date: date
    ethnicity: str | None
    id_number: str | None = Field(description="masked (410102********123X) unless the role needs it")
    class_id: uuid.UUID
    school_id: uuid.UUID | None
    org_path: list[uuid.UUID]
    home_village_id: uuid.UUID | None
    home_address: str | None
    boarding: bool
    left_behind_type: LeftBehindType
    father: ParentOut | None
    mother: ParentOut | None
    guardian: GuardianOut | None
    has_guardian: bool
    missing_contacts: list[str] = Field(description="联系卡缺失项 / required phones the card lacks")
    missing_contacts_zh: list[str]
    status: ChildStatus
    exit_reason: str | None
    exit_kind: ExitKind | None = Field(default=None, description="退出类别 / why it exited, as counted")
    version: int
    registered_at: datetime
    updated_at: datetime


class HistoryEntryOut(BaseModel):
    """档案变更记录 / One change to an archive."""

    at: datetime
    actor: str
    action: str
    changes: list[dict[str, Any]]


class TermResultOut(BaseModel):
    """已登记的期末成绩 / A recorded term result."""

    child_id: uuid.UUID
    term: Term
    subjects: dict[str, float] | None
    total_score: float
    class_rank: int
    class_size: int | None
    recorded_at: datetime


class AttendanceOut(BaseModel):
    """已登记的月度出勤 / A recorded month's attendance."""

    child_id: uuid.UUID
    month: Month
    school_days: int
    days_absent: int
    excused_days: int | None
    absence_rate: float = Field(description="缺勤率 / days_absent / school_days, 4 places")
    note: str | None
    recorded_at: datetime
    recorded_by: str


class ChildPage(BaseModel):
    """一页儿童 / A page of children."""

    items: list[ChildOut]
    next_cursor: str | None = Field(description="下一页游标 / pass as `cursor` for the next page")


class HealthCheckOut(BaseModel):
    """体检记录 / A recorded health check."""

    id: uuid.UUID
    child_id: uuid.UUID
    checked_on: date
    height_cm: float | None
    weight_kg: float | None
    vision_left: float | None = Field(description="五分记录法 / 5-point scale")
    vision_right: float | None = Field(description="五分记录法 / 5-point scale")
    blood_pressure: str | None = Field(description="收缩压/舒张压 mmHg / systolic/diastolic")
    systolic: int | None
    diastolic: int | None
    lung_capacity_ml: int | None
    notes: str | None
    recorded_at: datetime
    recorded_by: str


class AwardOut(BaseModel):
    """获奖记录 / A recorded award."""

    id: uuid.UUID
    child_id: uuid.UUID
    title: str
    merit_student: bool = Field(description="三好学生 / Merit Student")
    school_year: str
    awarded_on: date
    recorded_at: datetime
    recorded_by: str


class ViolationOut(BaseModel):
    """违纪记录 / A recorded violation."""

    id: uuid.UUID
    child_id: uuid.UUID
    occurred_on: date
    serious: bool
    description: str
    school_year: str
    recorded_at: datetime
    recorded_by: str


class CounsellingNoteOut(BaseModel):
    """心理辅导记录 / A counselling note."""

    id: uuid.UUID
    child_id: uuid.UUID
    noted_on: date
    counsellor: str
    content: str
    follow_up: str | None
    recorded_at: datetime
    recorded_by: str


class CardParentOut(BaseModel):
    """联系卡上的父亲或母亲 / A parent on the contact card."""

    name: str | None = None
    phone: str | None = None
    work_city: str | None = Field(default=None, description="务工城市 / where they work")


class CardGuardianOut(BaseModel):
    """联系卡上的监护人 / The guardian on the contact card."""

    name: str
    relation: str
    phone: str | None = None


class ContactCardOut(BaseModel):
    """结对儿童联系卡 / The contact card of a paired child (phones unmasked for their helper)."""

    child_id: uuid.UUID
    name: str
    class_id: uuid.UUID
    class_name: str | None
    school_id: uuid.UUID | None
    school_name: str | None
    status: ChildStatus
    guardian: CardGuardianOut | None = Field(description="None: 无人监护 / nobody looks after the child")
    father: CardParentOut | None
    mother: CardParentOut | None


class ContactCardPage(BaseModel):
    """一页联系卡 / A page of contact cards."""

    items: list[ContactCardOut]
    next_cursor: str | None = Field(description="下一页游标 / pass as `cursor` for the next page")


class AuditOut(BaseModel):
    """一次敏感信息读取 / One read of sensitive data."""

    at: datetime
    actor: str
    role: str
    action: str
    child_id: uuid.UUID | None
    unit_id: uuid.UUID | None
    detail: str
