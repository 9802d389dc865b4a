"""Pairing tables: children as the registry's events describe them, helpers, pairings, the city's
policy, contact obligations with their current windows, contact logs, and match suggestions."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shouhu_contracts.org import ChildStatus
from shouhu_kit.db import UTCDateTime
from shouhu_kit.org.tree import OrgTree

ACTIVE = "active"
ENDED = "ended"


class Base(DeclarativeBase):
    """The pairing service's own metadata."""


TREE = OrgTree.attach(Base.metadata)  # pairing's copy of the org tree: every record's path and scope


def _where(condition: str) -> dict[str, Any]:
    """A partial index's condition, on both databases."""
    return {"sqlite_where": text(condition), "postgresql_where": text(condition)}


class ChildToPair(Base):
    """A child as pairing sees it: where (its class, placed by TREE), its needs, whether paired."""

    __tablename__ = "children"
    __table_args__ = (Index("ix_children_waiting", "status", "paired", "priority"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    birth_date: Mapped[date] = mapped_column(Date)
    left_behind_type: Mapped[str] = mapped_column(String(20))
    has_guardian: Mapped[bool] = mapped_column(Boolean)
    priority: Mapped[int] = mapped_column(Integer)  # neediness (domain.pairing_order): who is paired first
    class_id: Mapped[uuid.UUID] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(20), default=ChildStatus.ACTIVE.value)
    paired: Mapped[bool] = mapped_column(Boolean, default=False)  # has an active primary pairing
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    guardian_rating: Mapped[str | None] = mapped_column(String(10), nullable=True)
    risk_level: Mapped[str | None] = mapped_column(String(10), nullable=True)  # from alerts.risk
    risk_reasons: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)


class Helper(Base):
    """A helper (结对帮扶人): kind, unit, how far they may pair (reach), capacity and caseload."""

    __tablename__ = "helpers"
    __table_args__ = (Index("ix_helpers_reach", "active", "reach_unit_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[uuid.UUID] = mapped_column(index=True)
    reach_unit_id: Mapped[uuid.UUID]  # the unit whose children the helper may pair with (domain.rules)
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True)  # E.164
    capacity: Mapped[int] = mapped_column(Integer)
    caseload: Mapped[int] = mapped_column(Integer, default=0)  # active pairings
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    account: Mapped[str] = mapped_column(String(100), unique=True)  # the login subject (JWT sub)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - lost updates fail loudly


class ClassTeacher(Base):
    """Each class names its class teacher (班主任)."""

    __tablename__ = "class_teachers"

    class_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    helper_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("helpers.id"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Pairing(Base):
    """A child and a helper (结对): primary or secondary, active or ended with its reason."""

    __tablename__ = "pairings"
    __table_args__ = (
        Index(
            "ux_pairings_one_primary",
            "child_id",
            unique=True,
            **_where("status = 'active' AND role = 'primary'"),
        ),
        Index("ux_pairings_once", "child_id", "helper_id", unique=True, **_where("status = 'active'")),
        Index("ix_pairings_helper", "helper_id", "status"),
        Index("ix_pairings_child", "child_id", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("children.id"))
    helper_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("helpers.id"))
    role: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default=ACTIVE)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(100))
    suggested: Mapped[bool] = mapped_column(Boolean, default=False)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    end_reason: Mapped[str | None] = mapped_column(String(30), nullable=True)
    end_note: Mapped[str | None] = mapped_column(String(200), nullable=True)


class PolicyVersion(Base):
    """One version of a city's pairing policy (domain.policy.PairingPolicy as JSON)."""

    __tablename__ = "policies"
    __table_args__ = (UniqueConstraint("city_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    city_id: Mapped[uuid.UUID]
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(String(200), nullable=True)


class Obligation(Base):
    """A duty owed to one child (by its primary helper, class teacher or school) and its current window.

    `window_end` is when the window is due; the closing job finds the due ones by the
    (status, window_end) index, never by scanning pairings.
    """

    __tablename__ = "obligations"
    __table_args__ = (
        Index("ix_obligations_due", "status", "window_end"),
        Index("ix_obligations_child", "child_id", "status"),
        Index("ix_obligations_pairing", "pairing_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("children.id"))
    duty: Mapped[str] = mapped_column(String(64))
    rhythm: Mapped[str] = mapped_column(String(20))
    responsible: Mapped[str] = mapped_column(String(20))
    pairing_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("pairings.id"), nullable=True)
    helper_id: Mapped[uuid.UUID | None] = mapped_column(nullable=True)  # for a primary helper's duty
    policy_version: Mapped[int] = mapped_column(Integer)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    met_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    met_by_log_id: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    status: Mapped[str] = mapped_column(String(10), default=ACTIVE)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ObligationWindow(Base):
    """A closed window of an obligation: met or missed, and (if met late) by which log."""

    __tablename__ = "obligation_windows"
    __table_args__ = (
        UniqueConstraint("obligation_id", "window_start"),
        Index("ix_obligation_windows_child", "child_id", "window_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    obligation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("obligations.id"))
    child_id: Mapped[uuid.UUID]
    duty: Mapped[str] = mapped_column(String(64))
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    met: Mapped[bool] = mapped_column(Boolean)
    met_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    met_by_log_id: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ContactLog(Base):
    """A contact (联系记录): who, with whom, how, when, for how long; notes are sensitive."""

    __tablename__ = "contact_logs"
    __table_args__ = (
        Index("ix_contact_logs_child", "child_id", "occurred_at"),
        Index("ix_contact_logs_helper", "helper_id", "occurred_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("children.id"))
    helper_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("helpers.id"))
    kind: Mapped[str] = mapped_column(String(30))
    counterpart: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    follow_up_needed: Mapped[bool] = mapped_column(Boolean, default=False)
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime)
    logged_by: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer, default=1)
    corrected_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - lost updates fail loudly


class ContactLogChange(Base):
    """A correction of a contact log: who, when, each field's old and new value."""

    __tablename__ = "contact_log_changes"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    log_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contact_logs.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_by: Mapped[str] = mapped_column(String(100))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)  # field → [old, new]
    reason: Mapped[str | None] = mapped_column(String(200), nullable=True)


class ContactMatch(Base):
    """Which obligation window a contact log meets (a log says which obligations it met)."""

    __tablename__ = "contact_matches"
    __table_args__ = (Index("ix_contact_matches_window", "obligation_id", "window_start"),)

    log_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contact_logs.id"), primary_key=True)
    obligation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("obligations.id"), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    duty: Mapped[str] = mapped_column(String(64))


class SuggestionRun(Base):
    """One round of match suggestions for a unit (asked for, or proposed on a transfer)."""

    __tablename__ = "suggestion_runs"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(index=True)
    source: Mapped[str] = mapped_column(String(20))  # request | transfer
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(100))
    proposals: Mapped[int] = mapped_column(Integer, default=0)


class Suggestion(Base):
    """A proposed pairing with its reasons, open until accepted, declined or overtaken."""

    __tablename__ = "suggestions"
    __table_args__ = (
        Index("ix_suggestions_run", "run_id", "rank"),
        Index("ix_suggestions_child", "child_id", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("suggestion_runs.id"))
    rank: Mapped[int] = mapped_column(Integer)
    child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("children.id"))
    helper_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("helpers.id"))
    role: Mapped[str] = mapped_column(String(10))
    reasons: Mapped[list[Any]] = mapped_column(JSON)  # [{"zh": …, "en": …}]
    status: Mapped[str] = mapped_column(String(10), default="open")  # open|accepted|declined|stale
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    pairing_id: Mapped[uuid.UUID | None] = mapped_column(nullable=True)


class AuditRow(Base):
    """A sensitive read (contact notes, unmasked phones): who, when, what."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_child", "child_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(30))
    action: Mapped[str] = mapped_column(String(40))
    child_id: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    helper_id: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    detail: Mapped[str] = mapped_column(String(200))


class ChildRisk(Base):
    """A child's risk as the alerts service last announced it (kept apart: it may come first)."""

    __tablename__ = "child_risks"

    child_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(String(10))
    reasons: Mapped[list[Any]] = mapped_column(JSON)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
