"""The follow-up task's life (跟进任务): opened for a named person by a rule, one live task per child
and cause, closed when its cause clears, escalated up the ladder when nobody acts, and each
assignee told. Every rule handler, job and API call goes through these functions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.adapters.orm import (
    LIVE,
    TREE,
    AlertPolicyVersion,
    ChildCopy,
    FollowUpTask,
    Notification,
    OfficeHolder,
    TaskEvent,
)
from alerts.domain.policy import DEFAULT_POLICY, FIRST_ASSIGNEE, LADDER, RULE_NAMES, AlertPolicy
from shouhu_contracts.alerts.tasks import (
    AlertRule,
    Assignee,
    AssigneeRole,
    NotificationKind,
    Resolution,
    TaskCancelled,
    TaskEscalated,
    TaskOpened,
    TaskResolved,
)
from shouhu_contracts.alerts.v1 import FollowUpTaskOpened, TaskReason
from shouhu_contracts.org import OrgKind
from shouhu_kit.city_policy import CityPolicies
from shouhu_kit.clock import CHINA_TZ as _CHINA
from shouhu_kit.db import insert_on_conflict
from shouhu_kit.org.paths import decode_path
from shouhu_kit.uow import UnitOfWork

SYSTEM = "system"
# The city's versioned alert policy (shouhu_kit.city_policy), on alerts' `policies` table.
POLICIES = CityPolicies(row=AlertPolicyVersion, model=AlertPolicy, default=DEFAULT_POLICY, tree=TREE)


@dataclass(frozen=True)
class CityPolicy:
    """A city's alert policy as it now stands (version 0: the built-in default)."""

    city_id: uuid.UUID | None
    version: int
    policy: AlertPolicy


def policy_of_city(session: Session, city_id: uuid.UUID | None) -> CityPolicy:
    """The newest version of the city's policy, or the default."""
    newest = POLICIES.newest(session, city_id)
    return CityPolicy(city_id, newest.version, newest.policy)


def path_of(session: Session, unit_id: uuid.UUID) -> list[uuid.UUID]:
    """A unit's path from the tree ([] when unknown)."""
    text = TREE.path_of(session, unit_id)
    return decode_path(text) if text else []


def policy_for_unit(session: Session, unit_id: uuid.UUID) -> CityPolicy:
    """The policy of the city a unit lies in."""
    path = path_of(session, unit_id)
    return policy_of_city(session, path[0] if path else None)


def _ancestor(session: Session, path: Sequence[uuid.UUID], kind: OrgKind) -> uuid.UUID | None:
    if not path:
        return None
    rows = session.execute(select(TREE.table.c.id, TREE.table.c.kind).where(TREE.table.c.id.in_(list(path))))
    kinds = {r.id: r.kind for r in rows}
    return next((u for u in reversed(path) if kinds.get(u) == kind.value), None)


def office_unit(session: Session, child: ChildCopy, role: AssigneeRole) -> uuid.UUID | None:
    """The unit whose office a rung of the ladder is, for this child."""
    path = path_of(session, child.class_id)
    if role is AssigneeRole.CLASS_TEACHER:
        return child.class_id
    if role is AssigneeRole.VILLAGE_DIRECTOR:
        return child.home_village_id or _ancestor(session, path, OrgKind.VILLAGE)
    if role is AssigneeRole.TOWNSHIP_SUPERVISOR:
        home = path_of(session, child.home_village_id) if child.home_village_id else []
        return _ancestor(session, home, OrgKind.TOWNSHIP) or _ancestor(session, path, OrgKind.TOWNSHIP)
    if role is AssigneeRole.DISTRICT_OFFICE:
        return _ancestor(session, path, OrgKind.DISTRICT)
    return None


def assignee_at(session: Session, child: ChildCopy, role: AssigneeRole) -> Assignee | None:
    """Who holds this rung for the child; None when the rung has nobody (no helper, no village)."""
    if role is AssigneeRole.HELPER:
        if child.primary_helper_account is None:
            return None
        return Assignee(role=role, account=child.primary_helper_account, helper_id=child.primary_helper_id)
    unit = office_unit(session, child, role)
    if unit is None:
        return None
    holder = session.get(OfficeHolder, (unit, role.value))
    return Assignee(role=role, account=holder.account if holder else None, unit_id=unit)


def first_assignee(
    session: Session, child: ChildCopy, rule: AlertRule, first_role: AssigneeRole | None = None
) -> tuple[int, Assignee]:
    """The rule's first rung for the child (or the one the cause names, e.g. a class teacher's
    duty), or the next one that has someone (the top rung at last)."""
    start = LADDER.index(first_role or FIRST_ASSIGNEE[rule])
    for step in range(start, len(LADDER)):
        found = assignee_at(session, child, LADDER[step])
        if found is not None:
            return step, found
    return len(LADDER) - 1, Assignee(role=LADDER[-1])


def current_assignee(task: FollowUpTask) -> Assignee:
    """The task's assignee as stored."""
    return Assignee(
        role=AssigneeRole(task.assignee_role),
        account=task.assignee_account,
        helper_id=task.assignee_helper_id,
        unit_id=task.assignee_unit_id,
    )


def facts(session: Session, task: FollowUpTask) -> dict[str, object]:
    """What every task event restates."""
    return {
        "task_id": task.id,
        "child_id": task.child_id,
        "rule": AlertRule(task.reason),
        "org_path": path_of(session, task.class_id) or [task.class_id],
        "assignee": current_assignee(task),
        "step": task.step,
        "due_at": task.due_at,
    }


def history(uow: UnitOfWork, task: FollowUpTask, action: str, *, by: str, text: str = "") -> None:
    """A line of the task's history."""
    uow.session.add(
        TaskEvent(
            task_id=task.id,
            at=uow.now(),
            action=action,
            by=by,
            text=text,
            step=task.step,
            assignee_role=task.assignee_role,
            assignee_account=task.assignee_account,
        )
    )


def _assign(task: FollowUpTask, step: int, who: Assignee, due: datetime, policy: AlertPolicy) -> None:
    task.step, task.due_at = step, due
    task.assignee_role, task.assignee_account = who.role.value, who.account
    task.assignee_helper_id, task.assignee_unit_id = who.helper_id, who.unit_id
    task.remind_at = due - timedelta(hours=policy.nearly_due_hours)


def live_task(session: Session, child_id: uuid.UUID, rule: AlertRule, cause_key: str) -> FollowUpTask | None:
    """The child's live task for this cause, if any."""
    return session.scalars(
        select(FollowUpTask).where(
            FollowUpTask.child_id == child_id,
            FollowUpTask.reason == rule.value,
            FollowUpTask.cause_key == cause_key,
            FollowUpTask.status.in_(LIVE),
        )
    ).first()


def open_task(
    uow: UnitOfWork,
    *,
    child: ChildCopy,
    rule: AlertRule,
    cause_key: str,
    detail: str,
    detail_en: str,
    cause_event_id: uuid.UUID | None,
    first_role: AssigneeRole | None = None,
) -> FollowUpTask | None:
    """Open the child's task for this cause, unless the rule is off or a live one exists.

    `first_role` is the first rung when the cause names it (a missed duty of the class teacher's).

    The partial unique index (one live task per child, rule and cause) refuses a second one that a
    concurrent replica might insert; the consumer's retry then finds this one and does nothing.
    """
    session = uow.session
    city = policy_for_unit(session, child.class_id)
    settings = city.policy.rule(rule)
    if not settings.enabled or child.status != "active":
        return None
    if live_task(session, child.id, rule, cause_key) is not None:
        return None
    now = uow.now()
    step, who = first_assignee(session, child, rule, first_role)
    task = FollowUpTask(
        id=uuid.uuid4(),
        child_id=child.id,
        child_name=child.name,
        reason=rule.value,
        cause_key=cause_key,
        detail=detail,
        detail_en=detail_en,
        status="open",
        class_id=child.class_id,
        cause_event_id=cause_event_id,
        opened_at=now,
        due_at=now,
        version=1,
    )
    _assign(task, step, who, now + timedelta(days=settings.due_days), city.policy)
    session.add(task)
    session.flush()
    history(uow, task, "opened", by=SYSTEM, text=detail)
    uow.publish(
        TaskOpened(
            **facts(session, task),
            cause_key=cause_key,
            detail=detail,
            detail_en=detail_en,
            cause_event_id=cause_event_id,
            opened_at=now,
        )
    )
    if rule is AlertRule.GRADE_DROP and cause_event_id is not None:  # v1's readers still get theirs
        uow.publish(
            FollowUpTaskOpened(
                task_id=task.id,
                child_id=task.child_id,
                reason=TaskReason.GRADE_DROP,
                detail=detail,
                org_path=path_of(session, task.class_id) or [task.class_id],
                cause_event_id=cause_event_id,
                opened_at=now,
                due_at=task.due_at,
            )
        )
    tell(uow, task, NotificationKind.OPENED)
    return task


def close(uow: UnitOfWork, task: FollowUpTask, *, resolution: Resolution, note: str, by: str) -> None:
    """End a live task: resolved by a person, or because its cause cleared."""
    if task.status not in LIVE:
        return
    now = uow.now()
    task.status, task.resolution, task.resolution_note = "resolved", resolution.value, note
    task.closed_at, task.closed_by, task.remind_at = now, by, None
    task.version += 1
    history(uow, task, "resolved" if resolution is Resolution.RESOLVED else "cleared", by=by, text=note)
    uow.publish(TaskResolved(**facts(uow.session, task), resolution=resolution, note=note, by=by, at=now))


def clear(
    uow: UnitOfWork, *, child_id: uuid.UUID, rule: AlertRule, note: str, cause_key: str | None = None
) -> int:
    """Close the child's live tasks of this rule (and cause) because the cause cleared; how many."""
    query = select(FollowUpTask).where(
        FollowUpTask.child_id == child_id, FollowUpTask.reason == rule.value, FollowUpTask.status.in_(LIVE)
    )
    if cause_key is not None:
        query = query.where(FollowUpTask.cause_key == cause_key)
    tasks = list(uow.session.scalars(query))
    for task in tasks:
        close(uow, task, resolution=Resolution.CAUSE_CLEARED, note=note, by=SYSTEM)
    return len(tasks)


def cancel_all(uow: UnitOfWork, *, child_id: uuid.UUID, reason: str, by: str = SYSTEM) -> int:
    """Cancel every live task of a child (the child left the programme)."""
    tasks = list(
        uow.session.scalars(
            select(FollowUpTask).where(FollowUpTask.child_id == child_id, FollowUpTask.status.in_(LIVE))
        )
    )
    now = uow.now()
    for task in tasks:
        task.status, task.closed_at, task.closed_by, task.remind_at = "cancelled", now, by, None
        task.version += 1
        history(uow, task, "cancelled", by=by, text=reason)
        uow.publish(TaskCancelled(**facts(uow.session, task), reason=reason, by=by, at=now))
    return len(tasks)


def escalate(uow: UnitOfWork, task: FollowUpTask) -> bool:
    """Move an overdue task one rung up (skipping rungs that have nobody); False at the top.

    The new rung's deadline runs from the missed one, not from now: the ladder keeps the times the
    policy gives, so after an outage the job climbs each rung whose deadline passed, one per run.
    """
    session = uow.session
    child = session.get(ChildCopy, task.child_id)
    city = policy_for_unit(session, task.class_id)
    previous = current_assignee(task)
    for step in range(task.step + 1, len(LADDER)):
        role = LADDER[step]
        who = assignee_at(session, child, role) if child is not None else None
        if who is None and step < len(LADDER) - 1:
            continue
        who = who or Assignee(role=role)
        now = uow.now()
        _assign(task, step, who, task.due_at + timedelta(days=city.policy.days_at(role)), city.policy)
        task.version += 1
        name = RULE_NAMES[AlertRule(task.reason)][0]
        history(uow, task, "escalated", by=SYSTEM, text=f"逾期未办，升级至{_ROLE_ZH[role]}（{name}）")
        uow.publish(TaskEscalated(**facts(session, task), previous=previous, reason="overdue", at=now))
        tell(uow, task, NotificationKind.ESCALATED)
        return True
    task.remind_at = None
    return False


_ROLE_ZH = {
    AssigneeRole.HELPER: "结对帮扶人",
    AssigneeRole.CLASS_TEACHER: "班主任",
    AssigneeRole.VILLAGE_DIRECTOR: "村（居）儿童主任",
    AssigneeRole.TOWNSHIP_SUPERVISOR: "乡镇（街道）儿童督导员",
    AssigneeRole.DISTRICT_OFFICE: "区县民政部门",
}
_KIND_ZH = {
    NotificationKind.OPENED: "新的跟进任务",
    NotificationKind.ESCALATED: "跟进任务已升级至您处",
    NotificationKind.NEARLY_DUE: "跟进任务即将到期",
    NotificationKind.DIGEST: "本周跟进任务汇总",
}


def tell(uow: UnitOfWork, task: FollowUpTask, kind: NotificationKind) -> None:
    """Queue a message to the task's assignee, once per task, step and kind (a replay sends nothing)."""
    if task.assignee_account is None:
        return  # an office nobody holds yet: the task shows in that unit's lists
    due = task.due_at.astimezone(_CHINA).strftime("%Y年%m月%d日 %H:%M")
    name = RULE_NAMES[AlertRule(task.reason)][0]
    queue(
        uow,
        dedupe_key=f"{task.id}:{task.step}:{kind.value}:{task.assignee_account}",
        recipient=task.assignee_account,
        kind=kind,
        task_id=task.id,
        child_id=task.child_id,
        subject=f"【守护】{_KIND_ZH[kind]}：{task.child_name}（{name}）",
        body=f"{task.child_name}：{task.detail}\n请于{due}（北京时间）前处理。\n任务编号：{task.id}",
    )


def queue(
    uow: UnitOfWork,
    *,
    dedupe_key: str,
    recipient: str,
    kind: NotificationKind,
    subject: str,
    body: str,
    task_id: uuid.UUID | None = None,
    child_id: uuid.UUID | None = None,
) -> None:
    """Queue one notification (ON CONFLICT on its dedupe key: a second replica queues nothing)."""
    now = uow.now()
    insert = insert_on_conflict(uow.session, Notification.__table__).values(  # type: ignore[arg-type]
        id=uuid.uuid4(),
        dedupe_key=dedupe_key,
        recipient=recipient,
        kind=kind.value,
        task_id=task_id,
        child_id=child_id,
        subject=subject,
        body=body,
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    uow.session.execute(insert.on_conflict_do_nothing(index_elements=["dedupe_key"]))
