"""Alerts keeps its copy of each child current from the registry's events, places it and its live
tasks in the class the child is in now, and applies the rules that read the child's facts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from alerts.adapters.orm import LIVE, TREE, ChildCopy, FollowUpTask, TermScoreCopy
from alerts.service_layer import attendance, risk, rules, tasks
from shouhu_contracts.alerts.tasks import AlertRule
from shouhu_contracts.envelope import CloudEvent
from shouhu_contracts.registry.v1 import (
    AttendanceRecorded,
    ChildExited,
    ChildReentered,
    ChildRegistered,
    ChildTransferred,
    ChildUpdated,
    GuardianChanged,
    TermResultRecorded,
    ViolationRecorded,
)
from shouhu_kit.clock import china_today
from shouhu_kit.handlers import EventHandlers
from shouhu_kit.uow import UnitOfWork

DROPPED_OUT = "dropped_out"  # ChildExited.exit_kind of a child who left school (辍学)

# The children consumer's handlers, each declared over its function (the bootstrap names the set).
CHILD_EVENTS = EventHandlers()
# Chronic absence (长期缺勤) has its own module; its handler is one of the children consumer's.
CHILD_EVENTS.on(AttendanceRecorded)(attendance.on_attendance_recorded)


def _live_tasks(child_id: uuid.UUID) -> Any:
    return update(FollowUpTask).where(FollowUpTask.child_id == child_id, FollowUpTask.status.in_(LIVE))


@CHILD_EVENTS.on(ChildRegistered)
def on_child_registered(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """Keep the child's facts, start the time rules' clocks, and apply the guardianship rules."""
    data: ChildRegistered = event.data
    session = uow.session
    row = session.get(ChildCopy, data.child_id)
    if row is not None and row.registered_at is not None:
        return  # a replay: registration is a child's first event, so what we hold is as new or newer
    class_id = TREE.unit_of(session, data.org_path)
    if row is None:
        row = ChildCopy(
            id=data.child_id, name=data.name, class_id=class_id, status="active", missing_contacts=[]
        )
        session.add(row)
    # else a placeholder made by an event that came first: the registration fills it in
    row.name, row.class_id = data.name, class_id
    row.home_village_id, row.registered_at = data.home_village_id, data.registered_at
    row.has_guardian, row.guardian_age = data.has_guardian, data.guardian_age
    row.guardian_rating = data.guardian_rating.value if data.guardian_rating else None
    session.flush()
    policy = tasks.policy_for_unit(session, row.class_id).policy
    if row.primary_helper_id is None:
        row.not_paired_check_at = data.registered_at + timedelta(days=policy.not_paired_days)
    rules.contact_card(uow, row, list(data.missing_contacts), policy)
    _rename_live_tasks(uow, row)
    rules.guardianship(uow, row, policy, event.id)
    risk.refresh(uow, row, policy)


def _rename_live_tasks(uow: UnitOfWork, row: ChildCopy) -> None:
    uow.session.execute(
        _live_tasks(row.id).values(child_name=row.name).execution_options(synchronize_session=False)
    )


@CHILD_EVENTS.on(ChildUpdated)
def on_child_updated(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """Keep the name (on the copy and live tasks; closed tasks keep their history), the guardian's
    presence and the contact card; close what the update fixed."""
    data: ChildUpdated = event.data
    session = uow.session
    row = session.get(ChildCopy, data.child_id)
    if row is None:  # never registered here: the event restates enough to keep a copy
        class_id = TREE.unit_of(session, data.org_path)
        row = ChildCopy(
            id=data.child_id, name=data.name, class_id=class_id, status="active", missing_contacts=[]
        )
        session.add(row)
    row.name, row.has_guardian, row.home_village_id = data.name, data.has_guardian, data.home_village_id
    session.flush()
    _rename_live_tasks(uow, row)
    policy = tasks.policy_for_unit(session, row.class_id).policy
    rules.contact_card(uow, row, list(data.missing_contacts), policy)
    rules.guardianship(uow, row, policy, event.id)
    risk.refresh(uow, row, policy)


@CHILD_EVENTS.on(GuardianChanged)
def on_guardian_changed(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """The guardian's presence, age and rating: the guardianship rules open or close their tasks."""
    data: GuardianChanged = event.data
    row = uow.session.get(ChildCopy, data.child_id)
    if row is None:
        return  # the child's registration (or first update) brings its copy
    row.has_guardian, row.guardian_age = data.has_guardian, data.guardian_age
    row.guardian_rating = data.guardian_rating.value if data.guardian_rating else None
    policy = tasks.policy_for_unit(uow.session, row.class_id).policy
    rules.guardianship(uow, row, policy, event.id)
    risk.refresh(uow, row, policy)


def _follow(uow: UnitOfWork, child_id: uuid.UUID, org_path: Sequence[uuid.UUID]) -> ChildCopy | None:
    """The copy and the child's live tasks move to its class now; closed tasks stay where they were."""
    class_id = TREE.unit_of(uow.session, org_path)
    row = uow.session.get(ChildCopy, child_id)
    if row is not None:  # a child never registered here has no name to keep: its tasks still follow
        row.class_id = class_id
    uow.session.execute(
        _live_tasks(child_id).values(class_id=class_id).execution_options(synchronize_session=False)
    )
    return row


@CHILD_EVENTS.on(ChildTransferred)
def on_child_transferred(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """The child, and whoever follows up its live tasks, is now in the new class's scope."""
    data: ChildTransferred = event.data
    _follow(uow, data.child_id, data.org_path)


@CHILD_EVENTS.on(ChildExited)
def on_child_exited(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """A child out of the programme: its live tasks are cancelled and the time rules stop; a child
    who left school (辍学) gets a task for the village at once (劝返), which stays while it is out."""
    data: ChildExited = event.data
    row = uow.session.get(ChildCopy, data.child_id)
    if row is None:
        return
    tasks.cancel_all(uow, child_id=row.id, reason=f"儿童已退出关爱名单：{data.reason}"[:200])
    if getattr(data, "exit_kind", None) == DROPPED_OUT and row.status == "active":
        tasks.open_task(
            uow,
            child=row,
            rule=AlertRule.DROPPED_OUT,
            cause_key=china_today(data.occurred_at).isoformat(),
            detail=f"儿童已辍学（{data.reason}），请村（居）儿童主任跟进劝返",
            detail_en="The child left school: the village child director follows up (劝返)",
            cause_event_id=event.id,
        )
    row.status = data.status.value
    row.not_paired_check_at = row.archive_check_at = None
    risk.refresh(uow, row)


@CHILD_EVENTS.on(ChildReentered)
def on_child_reentered(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """A child back in the programme, perhaps in another class: its facts' rules apply again."""
    data: ChildReentered = event.data
    row = _follow(uow, data.child_id, data.org_path)
    if row is None:
        return
    row.status, row.has_guardian = "active", data.has_guardian
    tasks.clear(uow, child_id=row.id, rule=AlertRule.DROPPED_OUT, note=rules.BACK)
    policy = tasks.policy_for_unit(uow.session, row.class_id).policy
    rules.start_waiting(uow, row, policy)
    if row.missing_contacts:
        row.archive_check_at = uow.now() + timedelta(days=policy.archive_incomplete_days)
    rules.guardianship(uow, row, policy, event.id)
    rules.grades(uow, row, policy, event.id)
    risk.refresh(uow, row, policy)


@CHILD_EVENTS.on(TermResultRecorded)
def on_term_result(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """Keep the result (a correction overwrites), then weigh the child's terms against the city's
    grade-drop thresholds: a drop opens a task, a recovery closes it (学习严重滑坡)."""
    data: TermResultRecorded = event.data
    session = uow.session
    row = session.scalar(
        select(TermScoreCopy).where(TermScoreCopy.child_id == data.child_id, TermScoreCopy.term == data.term)
    )
    if row is None:
        row = TermScoreCopy(child_id=data.child_id, term=data.term)
        session.add(row)
    row.total_score, row.class_rank = data.total_score, data.class_rank
    row.subjects = dict(data.subjects) if data.subjects is not None else None
    child = rules.child_copy(uow, data.child_id, data.org_path)
    session.flush()
    policy = tasks.policy_for_unit(session, child.class_id).policy
    rules.grades(uow, child, policy, event.id)
    risk.refresh(uow, child, policy)


@CHILD_EVENTS.on(ViolationRecorded)
def on_violation_recorded(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """A serious violation (严重违纪) opens a task for the class teacher; a person closes it."""
    data: ViolationRecorded = event.data
    if not data.serious:
        return
    child = rules.child_copy(uow, data.child_id, data.org_path)
    day = data.occurred_on.isoformat()
    tasks.open_task(
        uow,
        child=child,
        rule=AlertRule.SERIOUS_VIOLATION,
        cause_key=f"{day}:{data.violation_id}",
        detail=f"{data.occurred_on:%Y年%m月%d日}登记严重违纪，请制定个别教育管理方案",
        detail_en=f"A serious violation was recorded on {day}: make an individual plan",
        cause_event_id=event.id,
    )
    risk.refresh(uow, child)
