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


current_principal = principal_dependency(_secret_of)
CurrentUser = Annotated[Principal, Depends(current_principal)]
Uow = Annotated[UnitOfWork, Depends(_uow)]
