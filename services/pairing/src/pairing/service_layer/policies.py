"""The city's pairing policy, read and changed through the API; each change a new version."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from pairing.adapters.orm import PolicyVersion
from pairing.domain.policy import PairingPolicy
from pairing.service_layer.context import DEFAULT_VERSION, path_with_kinds, policy_of_city
from shouhu_contracts.org import OrgKind
from shouhu_kit.auth import Principal, Role
from shouhu_kit.problems import Problem, invalid_request, not_found
from shouhu_kit.uow import UnitOfWork


class PolicyOut(BaseModel):
    """结对帮扶制度（某一版本）/ One version of a city's pairing policy."""

    city_id: uuid.UUID
    version: int = Field(description="0 = 系统默认 / the built-in default")
    policy: PairingPolicy
    created_at: datetime | None
    created_by: str | None
    note: str | None


class PolicyIn(BaseModel):
    """新版本 / A new version."""

    model_config = ConfigDict(extra="forbid")

    policy: PairingPolicy
    note: str | None = Field(default=None, max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")


def _city(uow: UnitOfWork, principal: Principal, city_id: uuid.UUID | None) -> uuid.UUID:
    """The city asked for (in the caller's scope), or the caller's own city."""
    if city_id is None:
        if principal.org_id is None:
            raise invalid_request(
                [
                    {
                        "field": "city_id",
                        "location": "query",
                        "message": "请指定城市",
                        "message_en": "name the city",
                    }
                ]
            )
        path = path_with_kinds(uow.session, principal.org_id)
        if not path:
            raise not_found("城市", "City")
        return path[0][0]
    path = path_with_kinds(uow.session, city_id)
    if not path or path[-1][1] != OrgKind.CITY.value:
        raise not_found("城市", "City")
    # The city's policy governs everyone in it: anyone inside the city may read it.
    if principal.role is not Role.ADMIN and principal.org_id is not None:
        own = path_with_kinds(uow.session, principal.org_id)
        if not own or own[0][0] != city_id:
            raise not_found("城市", "City")
    return city_id


def _out(row: PolicyVersion) -> PolicyOut:
    return PolicyOut(
        city_id=row.city_id,
        version=row.version,
        policy=PairingPolicy.model_validate(row.document),
        created_at=row.created_at,
        created_by=row.created_by,
        note=row.note,
    )


def current(*, uow: UnitOfWork, principal: Principal, city_id: uuid.UUID | None) -> PolicyOut:
    """The city's policy as it stands."""
    with uow:
        city = _city(uow, principal, city_id)
        now = policy_of_city(uow.session, city)
        if now.version == DEFAULT_VERSION:
            return PolicyOut(
                city_id=city, version=0, policy=now.policy, created_at=None, created_by=None, note=None
            )
        row = uow.session.scalars(
            select(PolicyVersion).where(PolicyVersion.city_id == city, PolicyVersion.version == now.version)
        ).one()
        return _out(row)


def versions(*, uow: UnitOfWork, principal: Principal, city_id: uuid.UUID | None) -> list[PolicyOut]:
    """Every version the city wrote, newest first."""
    with uow:
        city = _city(uow, principal, city_id)
        rows = uow.session.scalars(
            select(PolicyVersion).where(PolicyVersion.city_id == city).order_by(PolicyVersion.version.desc())
        )
        return [_out(r) for r in rows]


def change(*, uow: UnitOfWork, principal: Principal, city_id: uuid.UUID | None, body: PolicyIn) -> PolicyOut:
    """Write a new version; obligations take it up as their windows roll over."""
    with uow:
        city = _city(uow, principal, city_id)
        version = policy_of_city(uow.session, city).version + 1
        row = PolicyVersion(
            city_id=city,
            version=version,
            document=body.policy.model_dump(mode="json"),
            created_at=uow.now(),
            created_by=principal.subject,
            note=body.note,
        )
        uow.session.add(row)
        try:
            uow.session.flush()
        except IntegrityError as exc:  # another version written at the same moment
            raise Problem(
                status=409,
                slug="conflict",
                title="数据冲突",
                title_en="Conflict",
                detail="制度刚被他人修改，请重新读取后再改",
                detail_en="the policy was changed at the same moment; read it again",
            ) from exc
        out = _out(row)
        uow.commit()
        return out
