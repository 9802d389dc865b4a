"""Contact log routes: log, read (ETag), correct (If-Match), history, a child's or a helper's logs."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from pairing.service_layer import contact_reads, contacts
from pairing.service_layer.contact_models import (
    ContactChangeOut,
    ContactIn,
    ContactOut,
    ContactPage,
    ContactPatch,
)
from shouhu_kit.auth import Role, require_role
from shouhu_kit.deps import CurrentUser, NewUow
from shouhu_kit.etags import etag, version_from
from shouhu_kit.openapi_problems import problem_responses

# Everyone who looks after children logs and reads contacts; ops sees no personal data.
CONTACT_ROLES = tuple(r for r in Role if r is not Role.OPS)
router = APIRouter(prefix="/v1/contacts", tags=["contacts 联系记录"])


def _tagged(out: ContactOut, response: Response) -> ContactOut:
    response.headers["ETag"] = etag(out.version)
    return out


def _version(if_match: str | None) -> int:
    return version_from(if_match, what_zh="联系记录", what_en="contact log")


@router.post(
    "",
    status_code=201,
    response_model=ContactOut,
    summary="登记联系记录 / Log a contact",
    responses=problem_responses(403, 404),
)
def log_contact(body: ContactIn, user: CurrentUser, uow: NewUow, response: Response) -> ContactOut:
    require_role(user, CONTACT_ROLES)
    out = contacts.log_contact(uow=uow, cmd=body, principal=user)
    response.headers["Location"] = f"/v1/contacts/{out.id}"
    return _tagged(out, response)


@router.get(
    "",
    response_model=ContactPage,
    summary="儿童或帮扶人的联系记录（新的在前）/ A child's or a helper's contact logs, newest first",
    responses=problem_responses(404),
)
def list_contacts(
    user: CurrentUser,
    uow: NewUow,
    child_id: uuid.UUID | None = None,
    helper_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500, description="上一页返回的 next_cursor")] = None,
) -> ContactPage:
    require_role(user, CONTACT_ROLES)
    return contact_reads.list_contacts(
        uow=uow, child_id=child_id, helper_id=helper_id, cursor=cursor, limit=limit, principal=user
    )


@router.get(
    "/{log_id}",
    response_model=ContactOut,
    summary="查看联系记录 / Get a contact log",
    responses=problem_responses(404),
)
def get_contact(log_id: uuid.UUID, user: CurrentUser, uow: NewUow, response: Response) -> ContactOut:
    require_role(user, CONTACT_ROLES)
    return _tagged(contact_reads.get_contact(uow=uow, log_id=log_id, principal=user), response)


@router.patch(
    "/{log_id}",
    response_model=ContactOut,
    summary="更正联系记录（需 If-Match）/ Correct a contact log (If-Match)",
    responses=problem_responses(404, 412, 428),
)
def correct_contact(
    log_id: uuid.UUID,
    body: ContactPatch,
    user: CurrentUser,
    uow: NewUow,
    response: Response,
    if_match: Annotated[str | None, Header(description='上次读取的 ETag，如 "v1"')] = None,
) -> ContactOut:
    require_role(user, CONTACT_ROLES)
    out = contacts.correct_contact(
        uow=uow,
        log_id=log_id,
        patch=body.model_dump(exclude_unset=True),
        if_match=_version(if_match),
        principal=user,
    )
    return _tagged(out, response)


@router.get(
    "/{log_id}/history",
    response_model=list[ContactChangeOut],
    summary="联系记录更正历史 / Corrections of a contact log",
    responses=problem_responses(404),
)
def contact_history(log_id: uuid.UUID, user: CurrentUser, uow: NewUow) -> list[ContactChangeOut]:
    require_role(user, CONTACT_ROLES)
    return contacts.contact_history(uow=uow, log_id=log_id, principal=user)
