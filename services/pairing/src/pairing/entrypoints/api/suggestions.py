"""Match suggestion routes (结对推荐): propose for a unit, page a run, accept or decline proposals."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from pairing.service_layer import suggestions
from pairing.service_layer.suggestion_models import (
    MAX_PAGE,
    DecideIn,
    DecisionOut,
    SuggestIn,
    SuggestionPage,
    SuggestionRunOut,
    SuggestionRunSummary,
)
from shouhu_kit.auth import Role, require_role
from shouhu_kit.deps import CurrentUser, NewUow
from shouhu_kit.openapi_problems import problem_responses

# Those who answer for a unit's pairing: school heads and the officials above them.
SUGGESTERS = (Role.SCHOOL_ADMIN, Role.TOWNSHIP_ADMIN, Role.DISTRICT_ADMIN, Role.CITY_ADMIN, Role.ADMIN)
router = APIRouter(prefix="/v1/suggestions", tags=["suggestions 结对推荐"])


@router.post(
    "",
    status_code=201,
    response_model=SuggestionRunOut,
    summary="为本单位待结对儿童推荐帮扶人 / Propose helpers for a unit's unpaired children",
    responses=problem_responses(403, 404),
)
def suggest(body: SuggestIn, user: CurrentUser, uow: NewUow) -> SuggestionRunOut:
    require_role(user, SUGGESTERS)
    return suggestions.suggest(uow=uow, body=body, principal=user)


@router.get(
    "",
    response_model=list[SuggestionRunSummary],
    summary="本单位及下级的推荐轮次（含转学推荐）/ Runs for a unit and below, newest first",
    responses=problem_responses(403, 404),
)
def list_runs(
    user: CurrentUser,
    uow: NewUow,
    unit_id: uuid.UUID,
    source: Literal["request", "transfer"] | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[SuggestionRunSummary]:
    require_role(user, SUGGESTERS)
    return suggestions.list_runs(uow=uow, unit_id=unit_id, source=source, limit=limit, principal=user)


@router.get(
    "/{run_id}",
    response_model=SuggestionPage,
    summary="查看一轮推荐 / A page of a run's proposals, neediest first",
    responses=problem_responses(403, 404),
)
def get_run(
    run_id: uuid.UUID,
    user: CurrentUser,
    uow: NewUow,
    after: Annotated[
        int, Query(ge=0, description="上一页的 next_after / the previous page's next_after")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 500,
) -> SuggestionPage:
    require_role(user, SUGGESTERS)
    return suggestions.get_run(uow=uow, run_id=run_id, after=after, limit=limit, principal=user)


@router.post(
    "/{run_id}/accept",
    response_model=list[DecisionOut],
    summary="采纳推荐（批量结对）/ Accept proposals: pair in bulk",
    responses=problem_responses(403, 404),
)
def accept(run_id: uuid.UUID, body: DecideIn, user: CurrentUser, uow: NewUow) -> list[DecisionOut]:
    require_role(user, SUGGESTERS)
    return suggestions.accept(uow=uow, run_id=run_id, body=body, principal=user)


@router.post(
    "/{run_id}/decline",
    response_model=list[DecisionOut],
    summary="不采纳推荐 / Decline proposals",
    responses=problem_responses(403, 404),
)
def decline(run_id: uuid.UUID, body: DecideIn, user: CurrentUser, uow: NewUow) -> list[DecisionOut]:
    require_role(user, SUGGESTERS)
    return suggestions.decline(uow=uow, run_id=run_id, body=body, principal=user)
