"""FastAPI dependency aliases every service's routes use."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request

from shouhu_kit.auth import Principal, principal_dependency
from shouhu_kit.uow import UnitOfWork


def _secret_of(request: Request) -> str:
    return str(request.app.state.settings.jwt_secret)


def _uow(request: Request) -> Iterator[UnitOfWork]:
    with request.app.state.runtime.uow() as uow:
        yield uow


def _new_uow(request: Request) -> UnitOfWork:
    return request.app.state.runtime.uow()  # type: ignore[no-any-return]


current_principal = principal_dependency(_secret_of)
CurrentUser = Annotated[Principal, Depends(current_principal)]
# An open unit of work for a route that only reads (the request's transaction, never committed).
Uow = Annotated[UnitOfWork, Depends(_uow)]
# A unit of work not yet opened, for a route that hands it to a use case: the use case opens it
# (`with uow:`), commits what it changed and returns a result that the route maps to HTTP.
NewUow = Annotated[UnitOfWork, Depends(_new_uow)]


def scope_filter_text(principal: Principal) -> str | None:
    """The '/id/' fragment a record's path must contain for this caller (None: sees all)."""
    return None if principal.org_id is None else f"/{principal.org_id}/"
