"""Term result routes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Response
from sqlalchemy import select

from registry.adapters.orm import TermResultRow
from registry.domain.terms import TERM_PATTERN, valid_term
from registry.entrypoints.api.roles import READERS, RESULT_WRITERS
from registry.entrypoints.api.schemas import TermResultOut
from registry.service_layer.access import visible_child
from registry.service_layer.commands import TermResultIn
from registry.service_layer.results import record_term_result
from shouhu_kit.auth import require_role
from shouhu_kit.deps import CurrentUser, Uow
from shouhu_kit.problems import invalid_request

router = APIRouter(prefix="/v1/children/{child_id}/term-results", tags=["results 成绩"])
Term = Annotated[str, Path(pattern=TERM_PATTERN, description="学期，如 2025-2026-1 / term")]


@router.put(
    "/{term}",
    response_model=TermResultOut,
    summary="登记或更正期末成绩 / Record or correct a term result",
    responses={201: {"model": TermResultOut, "description": "首次登记 / Recorded for the first time"}},
)
def put_term_result(
    child_id: uuid.UUID, term: Term, body: TermResultIn, user: CurrentUser, uow: Uow, response: Response
) -> TermResultOut:
    require_role(user, RESULT_WRITERS)
    if not valid_term(term):
        raise invalid_request(
            [
                {
                    "field": "term",
                    "message": "学年须为连续两年，如 2025-2026-1",
                    "message_en": "school years must follow each other, e.g. 2025-2026-1",
                }
            ]
        )
    row, created = record_term_result(uow=uow, child_id=child_id, term=term, cmd=body, principal=user)
    uow.commit()
    response.status_code = 201 if created else 200
    return TermResultOut.model_validate(row, from_attributes=True)


@router.get("", response_model=list[TermResultOut], summary="期末成绩列表 / A child's term results")
def list_term_results(child_id: uuid.UUID, user: CurrentUser, uow: Uow) -> list[TermResultOut]:
    require_role(user, READERS)
    visible_child(uow, child_id, user)
    rows = uow.session.scalars(
        select(TermResultRow).where(TermResultRow.child_id == child_id).order_by(TermResultRow.term)
    )
    return [TermResultOut.model_validate(r, from_attributes=True) for r in rows]
