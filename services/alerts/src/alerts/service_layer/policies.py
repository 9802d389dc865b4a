"""The city's alert policy (预警规则), read and changed through the API; each change a new version.

Mirrors pairing's policy API (services/pairing/.../service_layer/policies.py) for AlertPolicy."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from alerts.adapters.orm import TREE, AlertPolicyVersion
from alerts.domain.policy import RULE_NAMES, AlertPolicy
from alerts.service_layer.tasks import DEFAULT_VERSION, path_of, policy_of_city
from shouhu_contracts.alerts.tasks import AlertRule
from shouhu_contracts.org import OrgKind
from shouhu_kit.auth import Principal, Role
from shouhu_kit.problems import Problem, invalid_request, not_found
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


def _kind(session: object, unit_id: uuid.UUID) -> str | None:
    row = TREE.row(session, unit_id)  # type: ignore[arg-type]
    return None if row is None else str(row.kind)


def _city(uow: UnitOfWork, principal: Principal, city_id: uuid.UUID | None) -> uuid.UUID:
    """The city asked for (the caller's own, or any for the platform admin), or the caller's city."""
    session = uow.session
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
        path = path_of(session, principal.org_id)
        if not path:
            raise not_found("城市", "City")
        return path[0]
    if _kind(session, city_id) != OrgKind.CITY.value:
        raise not_found("城市", "City")
    # The city's policy governs everyone in it: anyone inside the city may read it.
    if principal.role is not Role.ADMIN and principal.org_id is not None:
        own = path_of(session, principal.org_id)
        if not own or own[0] != city_id:
            raise not_found("城市", "City")
    return city_id


def _rules(policy: AlertPolicy) -> list[RuleOut]:
    out = []
    for rule in AlertRule:
        settings = policy.rule(rule)
        zh, en = RULE_NAMES[rule]
        out.append(
            RuleOut(rule=rule, name=zh, name_en=en, enabled=settings.enabled, due_days=settings.due_days)
        )
    return out


def _out(row: AlertPolicyVersion) -> PolicyOut:
    policy = AlertPolicy.model_validate(row.document)
    return PolicyOut(
        city_id=row.city_id,
        version=row.version,
        policy=policy,
        rules=_rules(policy),
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
                city_id=city,
                version=DEFAULT_VERSION,
                policy=now.policy,
                rules=_rules(now.policy),
                created_at=None,
                created_by=None,
                note=None,
            )
        row = uow.session.scalars(
            select(AlertPolicyVersion).where(
                AlertPolicyVersion.city_id == city, AlertPolicyVersion.version == now.version
            )
        ).one()
        return _out(row)


def versions(*, uow: UnitOfWork, principal: Principal, city_id: uuid.UUID | None) -> list[PolicyOut]:
    """Every version the city wrote, newest first."""
    with uow:
        city = _city(uow, principal, city_id)
        rows = uow.session.scalars(
            select(AlertPolicyVersion)
            .where(AlertPolicyVersion.city_id == city)
            .order_by(AlertPolicyVersion.version.desc())
        )
        return [_out(r) for r in rows]


def change(*, uow: UnitOfWork, principal: Principal, city_id: uuid.UUID | None, body: PolicyIn) -> PolicyOut:
    """Write a new version; rules apply it to what they open next, the ladder to the next step."""
    with uow:
        city = _city(uow, principal, city_id)
        version = policy_of_city(uow.session, city).version + 1
        row = AlertPolicyVersion(
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
                detail="预警规则刚被他人修改，请重新读取后再改",
                detail_en="the policy was changed at the same moment; read it again",
            ) from exc
        out = _out(row)
        uow.commit()
        return out
