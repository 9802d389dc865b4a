"""Bearer JWT (HS256) carrying the caller's role and org scope."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shouhu_kit.problems import Problem


class Role(StrEnum):
    """Who the caller is; each endpoint names the roles it serves."""

    ADMIN = "admin"  # 平台管理员: the whole platform
    CITY_ADMIN = "city_admin"  # 市级管理员
    DISTRICT_ADMIN = "district_admin"  # 区县管理员
    TOWNSHIP_ADMIN = "township_admin"  # 乡镇/街道管理员 (child supervisor 儿童督导员)
    VILLAGE_DIRECTOR = "village_director"  # 儿童主任
    SCHOOL_ADMIN = "school_admin"  # 校长/学校管理员
    TEACHER = "teacher"  # 班主任/教师
    HELPER = "helper"  # 结对帮扶人
    OPS = "ops"  # 运维: metrics and health only, no personal data


@dataclass(frozen=True)
class Principal:
    """The authenticated caller."""

    subject: str
    role: Role
    org_id: uuid.UUID | None  # the root of what the caller may see; None only for ADMIN

    def sees(self, path: Sequence[uuid.UUID] | None) -> bool:
        """True when a record at this org path lies in the caller's subtree."""
        if self.role is Role.ADMIN:
            return True
        return path is not None and self.org_id is not None and self.org_id in path


def issue_token(
    *,
    secret: str,
    subject: str,
    role: Role,
    org_id: uuid.UUID | None,
    issuer: str = "shouhu",
    ttl: timedelta = timedelta(hours=12),
    now: datetime | None = None,
) -> str:
    """Sign a token (development tools and tests; production tokens come from the IdP)."""
    at = now or datetime.now(UTC)
    claims = {"sub": subject, "role": role.value, "iss": issuer, "iat": at, "exp": at + ttl}
    if org_id is not None:
        claims["org"] = str(org_id)
    return jwt.encode(claims, secret, algorithm="HS256")


def decode_token(token: str, *, secret: str, issuer: str = "shouhu") -> Principal:
    """Verify and read a token; Problem 401 when it is not acceptable."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            issuer=issuer,
            options={"require": ["sub", "role", "exp", "iss"]},
        )
        role = Role(claims["role"])
        org = uuid.UUID(claims["org"]) if claims.get("org") else None
    except (jwt.PyJWTError, ValueError, KeyError) as exc:
        raise _unauthorized("令牌无效或已过期", f"invalid token: {type(exc).__name__}") from exc
    if org is None and role is not Role.ADMIN:
        raise _unauthorized("令牌缺少组织范围", "token has no org scope")
    return Principal(subject=str(claims["sub"]), role=role, org_id=org)


def _unauthorized(zh: str, en: str) -> Problem:
    return Problem(
        status=401,
        slug="unauthorized",
        title="未登录或令牌无效",
        title_en="Not authenticated",
        detail=zh,
        detail_en=en,
    )


_bearer = HTTPBearer(auto_error=False)


def principal_dependency(secret_of: Callable[[Request], str]) -> Callable[..., Principal]:
    """A FastAPI dependency that authenticates the bearer token."""

    def current(
        request: Request,
        creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        if creds is None:
            raise _unauthorized("缺少 Bearer 令牌", "missing bearer token")
        return decode_token(creds.credentials, secret=secret_of(request))

    return current


def require_role(principal: Principal, roles: Sequence[Role]) -> None:
    """Problem 403 unless the caller has one of the roles."""
    if principal.role not in roles and principal.role is not Role.ADMIN:
        raise Problem(
            status=403,
            slug="forbidden",
            title="无权执行此操作",
            title_en="Forbidden",
            detail=f"需要角色：{', '.join(r.value for r in roles)}",
            detail_en=f"requires one of: {', '.join(r.value for r in roles)}",
        )
