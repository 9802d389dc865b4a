"""HTTP response bodies (separate from the tables on purpose)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from registry.domain.terms import TERM_PATTERN
from shouhu_contracts.org import ChildStatus, Gender, GuardianshipRating, LeftBehindType, OrgKind


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
    term: Annotated[str, Field(pattern=TERM_PATTERN)]
    subjects: dict[str, float] | None
    total_score: float
    class_rank: int
    class_size: int | None
    recorded_at: datetime


class ChildPage(BaseModel):
    """一页儿童 / A page of children."""

    items: list[ChildOut]
    next_cursor: str | None = Field(description="下一页游标 / pass as `cursor` for the next page")
