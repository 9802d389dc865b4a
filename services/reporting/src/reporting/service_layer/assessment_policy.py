"""The city's assessment formula (考核办法), read and changed through the API; each change a new version
(the versions are the kit's shouhu_kit.city_policy, as pairing's and alerts' are)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from reporting.domain.assessment import AssessmentPolicy
from reporting.service_layer.assessment import POLICIES
from shouhu_kit.auth import Principal
from shouhu_kit.city_policy import Version
from shouhu_kit.uow import UnitOfWork


class PolicyOut(BaseModel):
    """考核办法（某一版本）/ One version of a city's assessment formula."""

    city_id: uuid.UUID
    version: int = Field(description="0 = 系统默认 / the built-in default (DOMAIN.md §4)")
    policy: AssessmentPolicy
    created_at: datetime | None
    created_by: str | None
    note: str | None


class PolicyIn(BaseModel):
    """新版本 / A new version."""

    model_config = ConfigDict(extra="forbid")

    policy: AssessmentPolicy
    note: str | None = Field(
        default=None, max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$", description="修改说明 / why"
    )


def _out(v: Version[AssessmentPolicy], city: uuid.UUID) -> PolicyOut:
    return PolicyOut(
        city_id=city,
        version=v.version,
        policy=v.policy,
        created_at=v.created_at,
        created_by=v.created_by,
        note=v.note,
    )


def current(*, uow: UnitOfWork, principal: Principal, city_id: uuid.UUID | None) -> PolicyOut:
    """The city's formula as it stands."""
    with uow:
        city = POLICIES.city(uow.session, principal, city_id)
        return _out(POLICIES.newest(uow.session, city), city)


def versions(*, uow: UnitOfWork, principal: Principal, city_id: uuid.UUID | None) -> list[PolicyOut]:
    """Every version the city wrote, newest first."""
    with uow:
        city = POLICIES.city(uow.session, principal, city_id)
        return [_out(v, city) for v in POLICIES.history(uow.session, city)]


def change(*, uow: UnitOfWork, principal: Principal, city_id: uuid.UUID | None, body: PolicyIn) -> PolicyOut:
    """Write a new version; every assessment read after it uses it (past years included)."""
    with uow:
        city = POLICIES.city(uow.session, principal, city_id)
        written = POLICIES.write(uow, city_id=city, policy=body.policy, note=body.note, by=principal.subject)
        out = _out(written, city)
        uow.commit()
        return out
