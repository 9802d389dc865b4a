"""Operations endpoints every API process serves beside /healthz, /readyz and /metrics."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel

from shouhu_kit.auth import Role, require_role
from shouhu_kit.deps import CurrentUser
from shouhu_kit.scheduler import job_statuses

ops_router = APIRouter(prefix="/v1/ops", tags=["ops 运维"])


class JobStatusOut(BaseModel):
    """定时任务运行情况 / When a scheduled job last ran and what it did."""

    name: str
    next_run_at: datetime
    last_started_at: datetime | None
    last_finished_at: datetime | None
    last_handled: int
    last_note: str
    last_error: str
    runs: int


@ops_router.get(
    "/jobs",
    response_model=list[JobStatusOut],
    summary="定时任务运行情况 / Scheduled jobs: last run and what it did",
)
def list_jobs(user: CurrentUser, request: Request) -> list[JobStatusOut]:
    require_role(user, (Role.OPS,))
    return [
        JobStatusOut.model_validate(j, from_attributes=True)
        for j in job_statuses(request.app.state.runtime.db)
    ]
