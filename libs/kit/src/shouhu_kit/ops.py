"""Operations endpoints every API process serves beside /healthz, /readyz and /metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request

from shouhu_kit.auth import Role, require_role
from shouhu_kit.deps import CurrentUser
from shouhu_kit.scheduler import JobStatus, job_statuses

ops_router = APIRouter(prefix="/v1/ops", tags=["ops 运维"])


@ops_router.get(
    "/jobs",
    response_model=list[JobStatus],
    summary="定时任务运行情况 / Scheduled jobs: last run and what it did",
)
def list_jobs(user: CurrentUser, request: Request) -> list[JobStatus]:
    require_role(user, (Role.OPS,))
    return job_statuses(request.app.state.runtime.db)
