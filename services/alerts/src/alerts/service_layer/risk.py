"""Keeping each child's risk (风险等级) current, and announcing it when it changes.

Every handler that changes a child's facts or tasks ends with `refresh`: one query for the child's
live task rules, one for the stored risk (the child and its city's policy are usually in hand).
RiskLevelChanged goes out only when the level or the reasons differ from what was stored.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy import select

from alerts.adapters.orm import LIVE, TREE, ChildCopy, ChildRisk, FollowUpTask
from alerts.domain.policy import RULE_NAMES, AlertPolicy
from alerts.domain.risk import LOW, ChildFacts, Risk, assess
from alerts.service_layer.tasks import path_of, policy_for_unit
from shouhu_contracts.alerts.tasks import AlertRule, AssigneeRole
from shouhu_contracts.alerts.v1 import RiskDimension, RiskLevel, RiskLevelChanged
from shouhu_kit.auth import Principal
from shouhu_kit.org.scope import sees_unit
from shouhu_kit.problems import not_found
from shouhu_kit.uow import UnitOfWork


def assess_child(uow: UnitOfWork, child: ChildCopy, policy: AlertPolicy | None = None) -> Risk:
    """The child's risk from its facts and live tasks, as of this transaction."""
    policy = policy or policy_for_unit(uow.session, child.class_id).policy
    rules = uow.session.scalars(
        select(FollowUpTask.reason)
        .where(FollowUpTask.child_id == child.id, FollowUpTask.status.in_(LIVE))
        .distinct()
    ).all()
    facts = ChildFacts(
        active=child.status == "active",
        has_guardian=child.has_guardian,
        guardian_age=child.guardian_age,
        guardian_rating=child.guardian_rating,
    )
    return assess(
        facts=facts, live_rules=[AlertRule(r) for r in rules], guardian_max_age=policy.guardian_max_age
    )


def refresh(uow: UnitOfWork, child: ChildCopy, policy: AlertPolicy | None = None) -> Risk:
    """Store the child's risk and publish RiskLevelChanged when its level or reasons changed."""
    session = uow.session
    session.flush()  # tasks opened or closed in this transaction count
    if uow.db.is_postgres:  # two consumers changing one child's tasks at once: the second waits, then
        # reads the first's tasks and stored risk (READ COMMITTED), so neither update is lost
        session.execute(select(ChildCopy.id).where(ChildCopy.id == child.id).with_for_update())
    risk = assess_child(uow, child, policy)
    reasons = risk.reasons_json()
    row = session.get(ChildRisk, child.id)
    if row is None and risk == LOW:
        return risk  # never assessed above low: nothing to store or tell
    if row is not None and row.level == risk.level.value and row.reasons == reasons:
        return risk
    now = uow.now()
    previous = RiskLevel(row.level) if row is not None else None
    if row is None:
        row = ChildRisk(child_id=child.id, level=risk.level.value, reasons=reasons, changed_at=now)
        session.add(row)
    else:
        row.level, row.reasons, row.changed_at = risk.level.value, reasons, now
    uow.publish(
        RiskLevelChanged(
            child_id=child.id,
            level=risk.level,
            previous_level=previous,
            reasons=list(risk.reasons),
            org_path=path_of(session, child.class_id) or [child.class_id],
            changed_at=now,
        )
    )
    return risk


class RiskReasonOut(BaseModel):
    """风险原因 / A reason."""

    dimension: RiskDimension
    code: str
    text: str
    text_en: str


class OpenTaskOut(BaseModel):
    """未办结的跟进任务 / A live task, in brief."""

    id: uuid.UUID
    rule: AlertRule
    rule_name: str
    rule_name_en: str
    status: str
    assignee_role: AssigneeRole
    due_at: datetime
    overdue: bool


class ChildRiskOut(BaseModel):
    """儿童风险 / A child's risk, its reasons and the tasks still open."""

    child_id: uuid.UUID
    level: RiskLevel
    reasons: list[RiskReasonOut]
    changed_at: datetime | None = Field(description="When the level or reasons last changed")
    open_tasks: list[OpenTaskOut]


def child_risk(*, uow: UnitOfWork, principal: Principal, child_id: uuid.UUID) -> ChildRiskOut:
    """A child's risk, or 404 when the child is unknown or outside the caller's subtree."""
    with uow:
        session = uow.session
        child = session.get(ChildCopy, child_id)
        if child is None or not sees_unit(session, tree=TREE, principal=principal, unit_id=child.class_id):
            raise not_found("儿童", "Child")
        row = session.get(ChildRisk, child_id)
        live = session.scalars(
            select(FollowUpTask)
            .where(FollowUpTask.child_id == child_id, FollowUpTask.status.in_(LIVE))
            .order_by(FollowUpTask.due_at, FollowUpTask.id)
        ).all()
        now = uow.now()
        return ChildRiskOut(
            child_id=child_id,
            level=RiskLevel(row.level) if row else RiskLevel.LOW,
            reasons=[RiskReasonOut.model_validate(r) for r in (row.reasons if row else [])],
            changed_at=row.changed_at if row else None,
            open_tasks=[
                OpenTaskOut(
                    id=t.id,
                    rule=AlertRule(t.reason),
                    rule_name=RULE_NAMES[AlertRule(t.reason)][0],
                    rule_name_en=RULE_NAMES[AlertRule(t.reason)][1],
                    status=t.status,
                    assignee_role=AssigneeRole(t.assignee_role),
                    due_at=t.due_at,
                    overdue=t.due_at <= now,
                )
                for t in live
            ],
        )
