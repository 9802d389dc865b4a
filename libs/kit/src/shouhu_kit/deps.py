"""FastAPI dependency aliases every service's routes use."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from shouhu_kit.auth import Principal, principal_dependency
from shouhu_kit.uow import UnitOfWork


def _secret_of(request: Request) -> str:
    return str(request.app.state.settings.jwt_secret)


def _new_uow(request: Request) -> UnitOfWork:
    return request.app.state.runtime.uow()  # type: ignore[no-any-return]


current_principal = principal_dependency(_secret_of)
CurrentUser = Annotated[Principal, Depends(current_principal)]
# A unit of work not yet opened, for a route that hands it to a use case: the use case opens it
# (`with uow:`), commits what it changed and returns a result that the route maps to HTTP. Routes
# never hold a transaction themselves.
NewUow = Annotated[UnitOfWork, Depends(_new_uow)]
