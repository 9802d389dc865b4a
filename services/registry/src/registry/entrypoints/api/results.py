"""Term result routes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Response

from registry.entrypoints.api.roles import PAIRED_READERS, RESULT_WRITERS
from registry.service_layer import results
from registry.service_layer.commands import TermResultIn
from registry.service_layer.read_models import TermResultOut
from shouhu_contracts.terms import Term
from shouhu_kit.auth import require_role
from shouhu_kit.deps import CurrentUser, NewUow

router = APIRouter(prefix="/v1/children/{child_id}/term-results", tags=["results 成绩"])
TermPath = Annotated[Term, Path(description="学期，如 2025-2026-1 / term")]


@router.put(
    "/{term}",
    response_model=TermResultOut,
    summary="登记或更正期末成绩 / Record or correct a term result",
    responses={201: {"model": TermResultOut, "description": "首次登记 / Recorded for the first time"}},
)
def put_term_result(
    child_id: uuid.UUID,
    term: TermPath,
    body: TermResultIn,
    user: CurrentUser,
    uow: NewUow,
    response: Response,
) -> TermResultOut:
    require_role(user, RESULT_WRITERS)
    out, created = results.record_term_result(uow=uow, child_id=child_id, term=term, cmd=body, principal=user)
    response.status_code = 201 if created else 200
    return out


@router.get("", response_model=list[TermResultOut], summary="期末成绩列表 / A child's term results")
def list_term_results(child_id: uuid.UUID, user: CurrentUser, uow: NewUow) -> list[TermResultOut]:
    require_role(user, PAIRED_READERS)
    return results.list_term_results(uow=uow, child_id=child_id, principal=user)
