"""Alerts tables: local copies built from events, and the follow-up tasks."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shouhu_contracts.terms import TERM_LENGTH
from shouhu_kit.db import UTCDateTime
from shouhu_kit.org.tree import OrgTree


class Base(DeclarativeBase):
    """The alerts service's own metadata."""


TREE = OrgTree.attach(Base.metadata)  # alerts' copy of the org tree: the path and scope of a class


# Statuses of a task still to be dealt with; one such task per child and cause, never two.
LIVE = ("open", "acknowledged", "in_progress")
_LIVE_SQL = "status IN ('open', 'acknowledged', 'in_progress')"
# The ladder's top step (district office, domain.policy.LADDER): a task there has nowhere to climb,
# so the escalation index leaves it out and an ignored district task never crowds a run's batch.
TOP_STEP = 4
# escalate_overdue states it literally, so that a generic (prepared) plan still proves the index's.
CLIMBS_SQL = f"{_LIVE_SQL} AND step < {TOP_STEP}"


def _where(condition: str) -> dict[str, Any]:
    """A partial index's condition, on both databases."""
    return {"sqlite_where": text(condition), "postgresql_where": text(condition)}


class ChildCopy(Base):
    """What alerts knows of a child, from registry and pairing events: enough to apply the rules.

    `not_paired_check_at` and `archive_check_at` are when a time rule looks at the child next
    (registered + N days), indexed so the jobs find the due ones without a scan.
    """

    __tablename__ = "children"
    __table_args__ = (
        Index("ix_children_not_paired_check", "not_paired_check_at"),
        Index("ix_children_archive_check", "archive_check_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    class_id: Mapped[uuid.UUID] = mapped_column(index=True)
    home_village_id: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="active")
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    has_guardian: Mapped[bool] = mapped_column(Boolean, default=True)
    guardian_age: Mapped[int | None] = mapped_column(Integer, nullable=True)
    guardian_rating: Mapped[str | None] = mapped_column(String(10), nullable=True)
    missing_contacts: Mapped[list[str]] = mapped_column(JSON, default=list)
    primary_helper_id: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    primary_helper_account: Mapped[str | None] = mapped_column(String(100), nullable=True)
    not_paired_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    archive_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class TermScoreCopy(Base):
    """A child's term result, from registry events (a correction overwrites)."""

    __tablename__ = "term_scores"
    __table_args__ = (UniqueConstraint("child_id", "term"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    child_id: Mapped[uuid.UUID] = mapped_column(index=True)
    term: Mapped[str] = mapped_column(String(TERM_LENGTH))
    total_score: Mapped[float] = mapped_column(Float)
    class_rank: Mapped[int] = mapped_column(Integer)
    subjects: Mapped[dict[str, float] | None] = mapped_column(JSON, nullable=True)  # failing subjects


class FollowUpTask(Base):
    """A follow-up task (跟进任务); one per child, reason and cause (e.g. the term pair).

    `class_id` is where the task is followed up: the class it was opened in, and while it is open
    the child's class now. Its path, and so who sees the task, is the tree's.
    """

    __tablename__ = "follow_up_tasks"
    __table_args__ = (
        Index("ux_tasks_one_live", "child_id", "reason", "cause_key", unique=True, **_where(_LIVE_SQL)),
        Index("ix_tasks_status_due", "status", "due_at"),
        # The live tasks in list order: a district's or the city's first page walks it and stops at
        # the page's end, instead of sorting every live task in scope (bench/due_queries.py).
        Index("ix_tasks_live_due", "due_at", "id", **_where(_LIVE_SQL)),
        # Scope, then the open ones by due date: a count reads the index alone (bench/org_scope.py).
        Index("ix_tasks_class_status_due", "class_id", "status", "due_at"),
        Index("ix_tasks_assignee", "assignee_account", "status", "due_at"),
        Index("ix_tasks_remind", "remind_at"),
        Index("ix_tasks_escalation", "due_at", **_where(CLIMBS_SQL)),  # escalate_overdue's one query
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    child_id: Mapped[uuid.UUID] = mapped_column(index=True)
    child_name: Mapped[str] = mapped_column(String(50))
    reason: Mapped[str] = mapped_column(String(40))
    cause_key: Mapped[str] = mapped_column(String(100))
    detail: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    class_id: Mapped[uuid.UUID]
    cause_event_id: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)  # this step's deadline: escalation's index
    detail_en: Mapped[str] = mapped_column(Text, default="")
    step: Mapped[int] = mapped_column(Integer, default=0)
    assignee_role: Mapped[str] = mapped_column(String(30), default="class_teacher")
    assignee_account: Mapped[str | None] = mapped_column(String(100), nullable=True)
    assignee_helper_id: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    assignee_unit_id: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    remind_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # nearly-due reminder
    resolution: Mapped[str | None] = mapped_column(String(20), nullable=True)
    resolution_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)


class TaskEvent(Base):
    """A line of a task's history: opened, acknowledged, commented, escalated, reassigned, resolved."""

    __tablename__ = "task_events"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    task_id: Mapped[uuid.UUID] = mapped_column(index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    action: Mapped[str] = mapped_column(String(20))
    by: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text, default="")  # a comment, a resolution note, a step's detail
    step: Mapped[int] = mapped_column(Integer, default=0)
    assignee_role: Mapped[str | None] = mapped_column(String(30), nullable=True)
    assignee_account: Mapped[str | None] = mapped_column(String(100), nullable=True)


class AlertPolicyVersion(Base):
    """One version of a city's alert policy (domain.policy.AlertPolicy as JSON)."""

    __tablename__ = "policies"
    __table_args__ = (UniqueConstraint("city_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    city_id: Mapped[uuid.UUID]
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(String(200), nullable=True)


class ChildRisk(Base):
    """A child's risk level and its reasons across the five haves (五有)."""

    __tablename__ = "child_risks"
    __table_args__ = (Index("ix_child_risks_level", "level"),)

    child_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(String(10))
    reasons: Mapped[list[Any]] = mapped_column(JSON)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class HelperCopy(Base):
    """A helper as pairing's events describe them: who a helper-step task goes to."""

    __tablename__ = "helpers"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(100), index=True)
    name: Mapped[str | None] = mapped_column(String(50), nullable=True)
    kind: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[uuid.UUID]
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class OfficeHolder(Base):
    """Who holds an office at a unit (a class's class teacher, a village's child director, a
    township's child supervisor, a district's office): the ladder's assignees above the helper."""

    __tablename__ = "office_holders"

    unit_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(30), primary_key=True)
    account: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(50))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Person(Base):
    """How to reach a person (by account): mail, webhook, phone. Never logged, never on the bus."""

    __tablename__ = "people"

    account: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    email: Mapped[str | None] = mapped_column(String(200), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True)  # E.164, for an SMS gateway
    webhook_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Notification(Base):
    """A message to send: one per (recipient, dedupe key), so a restart or a second replica never
    sends it twice; retried with backoff until sent or given up."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("dedupe_key"),
        Index("ix_notifications_due", "status", "next_attempt_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200))
    recipient: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    task_id: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    child_id: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    channel: Mapped[str | None] = mapped_column(String(20), nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)


class DigestRun(Base):
    """The weekly digest's marker (每周汇总): one row per ISO week, how far through the accounts
    it got, and when it finished; so a restart or a second replica neither starts it again nor
    sends it twice (each message's dedupe key is digest:{account}:{week} besides)."""

    __tablename__ = "digest_runs"

    week: Mapped[str] = mapped_column(String(10), primary_key=True)  # ISO week, 2027-W14
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_account: Mapped[str] = mapped_column(String(100), default="")
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    sent: Mapped[int] = mapped_column(Integer, default=0)


class AttendanceCopy(Base):
    """A child's monthly attendance, from registry events (a correction overwrites)."""

    __tablename__ = "attendance"

    child_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
    school_days: Mapped[int] = mapped_column(Integer)
    days_absent: Mapped[int] = mapped_column(Integer)
