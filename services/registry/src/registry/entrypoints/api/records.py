"""Records over time (成长记录): health checks, awards, violations, counselling notes.

Importing records_orm here registers the tables on the registry's metadata before create_all.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from registry.adapters.records_orm import AwardRow, CounsellingNoteRow, HealthCheckRow, ViolationRow
from registry.entrypoints.api.roles import CHILD_WRITERS, READERS
from registry.service_layer import records
from registry.service_layer.access import COUNSELLING_ROLES
from registry.service_layer.records_commands import AwardIn, CounsellingNoteIn, HealthCheckIn, ViolationIn
from shouhu_kit.auth import require_role
from shouhu_kit.deps import CurrentUser, Uow

router = APIRouter(prefix="/v1/children/{child_id}", tags=["records 成长记录"])


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


@router.post(
    "/health-checks",
    status_code=201,
    response_model=HealthCheckOut,
    summary="登记体检 / Record a health check",
)
def post_health_check(
    child_id: uuid.UUID, body: HealthCheckIn, user: CurrentUser, uow: Uow
) -> HealthCheckOut:
    require_role(user, CHILD_WRITERS)
    row = records.record_health_check(uow=uow, child_id=child_id, cmd=body, principal=user)
    uow.commit()
    return HealthCheckOut.model_validate(row, from_attributes=True)


@router.get(
    "/health-checks", response_model=list[HealthCheckOut], summary="体检记录（新的在前）/ Health checks"
)
def get_health_checks(child_id: uuid.UUID, user: CurrentUser, uow: Uow) -> list[HealthCheckOut]:
    require_role(user, READERS)
    rows: list[HealthCheckRow] = records.list_health_checks(uow=uow, child_id=child_id, principal=user)
    return [HealthCheckOut.model_validate(r, from_attributes=True) for r in rows]


@router.post("/awards", status_code=201, response_model=AwardOut, summary="登记获奖 / Record an award")
def post_award(child_id: uuid.UUID, body: AwardIn, user: CurrentUser, uow: Uow) -> AwardOut:
    require_role(user, CHILD_WRITERS)
    row = records.record_award(uow=uow, child_id=child_id, cmd=body, principal=user)
    uow.commit()  # the award and its AwardRecorded event, together
    return AwardOut.model_validate(row, from_attributes=True)


@router.get("/awards", response_model=list[AwardOut], summary="获奖记录（新的在前）/ Awards")
def get_awards(child_id: uuid.UUID, user: CurrentUser, uow: Uow) -> list[AwardOut]:
    require_role(user, READERS)
    rows: list[AwardRow] = records.list_awards(uow=uow, child_id=child_id, principal=user)
    return [AwardOut.model_validate(r, from_attributes=True) for r in rows]


@router.post(
    "/violations", status_code=201, response_model=ViolationOut, summary="登记违纪 / Record a violation"
)
def post_violation(child_id: uuid.UUID, body: ViolationIn, user: CurrentUser, uow: Uow) -> ViolationOut:
    require_role(user, CHILD_WRITERS)
    row = records.record_violation(uow=uow, child_id=child_id, cmd=body, principal=user)
    uow.commit()  # the violation and its ViolationRecorded event, together
    return ViolationOut.model_validate(row, from_attributes=True)


@router.get("/violations", response_model=list[ViolationOut], summary="违纪记录（新的在前）/ Violations")
def get_violations(child_id: uuid.UUID, user: CurrentUser, uow: Uow) -> list[ViolationOut]:
    require_role(user, READERS)
    rows: list[ViolationRow] = records.list_violations(uow=uow, child_id=child_id, principal=user)
    return [ViolationOut.model_validate(r, from_attributes=True) for r in rows]


@router.post(
    "/counselling-notes",
    status_code=201,
    response_model=CounsellingNoteOut,
    summary="登记心理辅导记录（仅教师、校长）/ Record a counselling note (teachers and heads only)",
)
def post_counselling_note(
    child_id: uuid.UUID, body: CounsellingNoteIn, user: CurrentUser, uow: Uow
) -> CounsellingNoteOut:
    # require_role admits the platform admin; the service layer refuses it (see require_counsellor).
    require_role(user, tuple(COUNSELLING_ROLES))
    row = records.record_counselling_note(uow=uow, child_id=child_id, cmd=body, principal=user)
    uow.commit()
    return CounsellingNoteOut.model_validate(row, from_attributes=True)


@router.get(
    "/counselling-notes",
    response_model=list[CounsellingNoteOut],
    summary="心理辅导记录（仅教师、校长；每次查看均留痕）/ Counselling notes (audited)",
)
def get_counselling_notes(child_id: uuid.UUID, user: CurrentUser, uow: Uow) -> list[CounsellingNoteOut]:
    require_role(user, tuple(COUNSELLING_ROLES))
    rows: list[CounsellingNoteRow] = records.list_counselling_notes(
        uow=uow, child_id=child_id, principal=user
    )
    out = [CounsellingNoteOut.model_validate(r, from_attributes=True) for r in rows]
    uow.commit()  # the audit row of this read
    return out
