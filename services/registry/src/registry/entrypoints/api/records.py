"""Records over time (成长记录): health checks, awards, violations, counselling notes."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from registry.entrypoints.api.roles import CHILD_WRITERS, PAIRED_READERS, READERS
from registry.service_layer import records
from registry.service_layer.access import COUNSELLING_ROLES
from registry.service_layer.read_models import AwardOut, CounsellingNoteOut, HealthCheckOut, ViolationOut
from registry.service_layer.records_commands import AwardIn, CounsellingNoteIn, HealthCheckIn, ViolationIn
from shouhu_kit.auth import require_role
from shouhu_kit.deps import CurrentUser, NewUow

router = APIRouter(prefix="/v1/children/{child_id}", tags=["records 成长记录"])


@router.post(
    "/health-checks",
    status_code=201,
    response_model=HealthCheckOut,
    summary="登记体检 / Record a health check",
)
def post_health_check(
    child_id: uuid.UUID, body: HealthCheckIn, user: CurrentUser, uow: NewUow
) -> HealthCheckOut:
    require_role(user, CHILD_WRITERS)
    return records.record_health_check(uow=uow, child_id=child_id, cmd=body, principal=user)


@router.get(
    "/health-checks", response_model=list[HealthCheckOut], summary="体检记录（新的在前）/ Health checks"
)
def get_health_checks(child_id: uuid.UUID, user: CurrentUser, uow: NewUow) -> list[HealthCheckOut]:
    require_role(user, PAIRED_READERS)
    return records.list_health_checks(uow=uow, child_id=child_id, principal=user)


@router.post("/awards", status_code=201, response_model=AwardOut, summary="登记获奖 / Record an award")
def post_award(child_id: uuid.UUID, body: AwardIn, user: CurrentUser, uow: NewUow) -> AwardOut:
    require_role(user, CHILD_WRITERS)
    return records.record_award(uow=uow, child_id=child_id, cmd=body, principal=user)


@router.get("/awards", response_model=list[AwardOut], summary="获奖记录（新的在前）/ Awards")
def get_awards(child_id: uuid.UUID, user: CurrentUser, uow: NewUow) -> list[AwardOut]:
    require_role(user, PAIRED_READERS)
    return records.list_awards(uow=uow, child_id=child_id, principal=user)


@router.post(
    "/violations", status_code=201, response_model=ViolationOut, summary="登记违纪 / Record a violation"
)
def post_violation(child_id: uuid.UUID, body: ViolationIn, user: CurrentUser, uow: NewUow) -> ViolationOut:
    require_role(user, CHILD_WRITERS)
    return records.record_violation(uow=uow, child_id=child_id, cmd=body, principal=user)


@router.get("/violations", response_model=list[ViolationOut], summary="违纪记录（新的在前）/ Violations")
def get_violations(child_id: uuid.UUID, user: CurrentUser, uow: NewUow) -> list[ViolationOut]:
    require_role(user, READERS)
    return records.list_violations(uow=uow, child_id=child_id, principal=user)


@router.post(
    "/counselling-notes",
    status_code=201,
    response_model=CounsellingNoteOut,
    summary="登记心理辅导记录（仅教师、校长）/ Record a counselling note (teachers and heads only)",
)
def post_counselling_note(
    child_id: uuid.UUID, body: CounsellingNoteIn, user: CurrentUser, uow: NewUow
) -> CounsellingNoteOut:
    # require_role admits the platform admin; the service layer refuses it (see require_counsellor).
    require_role(user, tuple(COUNSELLING_ROLES))
    return records.record_counselling_note(uow=uow, child_id=child_id, cmd=body, principal=user)


@router.get(
    "/counselling-notes",
    response_model=list[CounsellingNoteOut],
    summary="心理辅导记录（仅教师、校长；每次查看均留痕）/ Counselling notes (audited)",
)
def get_counselling_notes(child_id: uuid.UUID, user: CurrentUser, uow: NewUow) -> list[CounsellingNoteOut]:
    require_role(user, tuple(COUNSELLING_ROLES))
    return records.list_counselling_notes(uow=uow, child_id=child_id, principal=user)
