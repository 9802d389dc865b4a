"""The city's alert policy (预警规则), read and changed through the API; each change a new version
(the versions are the kit's shouhu_kit.city_policy, as pairing's are)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from alerts.domain.policy import RULE_NAMES, AlertPolicy
from alerts.service_layer.tasks import POLICIES
from shouhu_contracts.alerts.tasks import AlertRule
from shouhu_kit.auth import Principal
from shouhu_kit.city_policy import Version
from shouhu_kit.uow import UnitOfWork


class RuleOut(BaseModel):
    """一条规则 / One rule as the policy sets it, with its names."""

    rule: AlertRule
    name: str = Field(description="规则名称")
    name_en: str
    enabled: bool
    due_days: int = Field(description="处理期限（天）/ days to act on a new task")


class PolicyOut(BaseModel):
    """预警规则（某一版本）/ One version of a city's alert policy."""

    city_id: uuid.UUID
    version: int = Field(description="0 = 系统默认 / the built-in default")
    policy: AlertPolicy
    rules: list[RuleOut] = Field(description="每条规则及其中英文名称 / each rule with its names")
    created_at: datetime | None
    created_by: str | None
    note: str | None


class PolicyIn(BaseModel):
    """新版本 / A new version."""

    model_config = ConfigDict(extra="forbid")

    policy: AlertPolicy
    note: str | None = Field(default=None, max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")


def _rules(policy: AlertPolicy) -> list[RuleOut]:
    out = []
    for rule in AlertRule:
        settings = policy.rule(rule)
        zh, en = RULE_NAMES[rule]
        out.append(
            RuleOut(rule=rule, name=zh, name_en=en, enabled=settings.enabled, due_days=settings.due_days)
        )
    return out


def _out(v: Version[AlertPolicy], city: uuid.UUID) -> PolicyOut:
    return PolicyOut(
        city_id=city,
        version=v.version,
        policy=v.policy,
        rules=_rules(v.policy),
        created_at=v.created_at,
        created_by=v.created_by,
        note=v.note,
    )


def current(*, uow: UnitOfWork, principal: Principal, city_id: uuid.UUID | None) -> PolicyOut:
    """The city's policy as it stands."""
    with uow:
        city = POLICIES.city(uow.session, principal, city_id)
        return _out(POLICIES.newest(uow.session, city), city)


def versions(*, uow: UnitOfWork, principal: Principal, city_id: uuid.UUID | None) -> list[PolicyOut]:
    """Every version the city wrote, newest first."""
    with uow:
        city = POLICIES.city(uow.session, principal, city_id)
        return [_out(v, city) for v in POLICIES.history(uow.session, city)]


def change(*, uow: UnitOfWork, principal: Principal, city_id: uuid.UUID | None, body: PolicyIn) -> PolicyOut:
    """Write a new version; rules apply it to what they open next, the ladder to the next step."""
    with uow:
        city = POLICIES.city(uow.session, principal, city_id)
        written = POLICIES.write(uow, city_id=city, policy=body.policy, note=body.note, by=principal.subject)
        out = _out(written, city)
        uow.commit()
        return out
