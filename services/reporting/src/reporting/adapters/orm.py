"""Reporting read models, built only from events (ADR 0010).

Three kinds of things are counted: children, obligation windows and follow-up tasks. Each sits in a
class (school side) and, for a child, a home village; it counts once in every unit above either.
What each contributes is a small set of metrics (service_layer/metrics.py); `unit_counts` holds, per
unit, the sum over everything below it, so a unit's KPIs cost the same for a school as for a city.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shouhu_kit.db import UTCDateTime
from shouhu_kit.org.tree import OrgTree


class Base(DeclarativeBase):
    """The reporting service's own metadata."""


TREE = OrgTree.attach(Base.metadata)  # units' names and places, from registry.org (and placeholders)

STOCK = ""  # unit_counts.month of a stock metric's current total (its month rows hold the changes)


class UnitCount(Base):
    """One metric of one unit, its subtree included.

    A stock metric (children, paired, open tasks…) has its current total in the row with month ''
    and, in the row of each month, the change that month (so the value at a month's end is the total
    minus the changes after it). A period metric (windows due and met in a month) has only month rows.
    Bumped atomically, several rows per statement, in a fixed order. Keyed unit, month, metric: a
    read takes a unit's totals and some months (queries.read_counters), so it reads those rows only.
    """

    __tablename__ = "unit_counts"
    __table_args__ = (PrimaryKeyConstraint("unit_id", "month", "metric", name="unit_counts_pkey"),)

    unit_id: Mapped[uuid.UUID] = mapped_column()
    metric: Mapped[str] = mapped_column(String(80))
    month: Mapped[str] = mapped_column(String(7))
    n: Mapped[int] = mapped_column(Integer, default=0)


class ChildFact(Base):
    """What reporting knows of a child, from every service's events.

    `status` is None while only other services' events have named the child (a pairing, a risk):
    such a child counts nowhere until its registration arrives.
    """

    __tablename__ = "child_facts"
    __table_args__ = (
        Index("ix_child_facts_class_name", "class_id", "name", "child_id"),
        Index("ix_child_facts_home_name", "home_village_id", "name", "child_id"),
        Index("ix_child_facts_name", "name", "child_id"),  # a big unit's drill-down walks names in order
    )

    child_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    class_id: Mapped[uuid.UUID | None] = mapped_column()
    home_village_id: Mapped[uuid.UUID | None] = mapped_column()
    status: Mapped[str | None] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(50), default="")
    gender: Mapped[str | None] = mapped_column(String(10))
    left_behind_type: Mapped[str | None] = mapped_column(String(20))
    guardian: Mapped[str | None] = mapped_column(String(20))  # metrics.GuardianSituation
    archive_complete: Mapped[bool] = mapped_column(Boolean, default=False)
    missing_contacts: Mapped[list[str]] = mapped_column(JSON, default=list)
    active_pairings: Mapped[int] = mapped_column(Integer, default=0)
    risk_level: Mapped[str | None] = mapped_column(String(10))
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PairingFact(Base):
    """A pairing, as pairing announced it: the child's coverage and the helper's children."""

    __tablename__ = "pairing_facts"

    pairing_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    child_id: Mapped[uuid.UUID] = mapped_column(index=True)
    helper_id: Mapped[uuid.UUID] = mapped_column(index=True)
    helper_kind: Mapped[str] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class HelperFact(Base):
    """A helper: who is assessed and commended."""

    __tablename__ = "helper_facts"

    helper_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str | None] = mapped_column(String(50))
    account: Mapped[str] = mapped_column(String(100))
    unit_id: Mapped[uuid.UUID] = mapped_column(index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class WindowFact(Base):
    """One obligation window (a month's call, a term's visit): due in the month it ends."""

    __tablename__ = "window_facts"
    __table_args__ = (
        UniqueConstraint("obligation_id", "window_start"),
        Index("ix_window_facts_child_month", "child_id", "month"),
        Index("ix_window_facts_helper_month", "helper_id", "month"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    obligation_id: Mapped[uuid.UUID] = mapped_column()
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    child_id: Mapped[uuid.UUID] = mapped_column()
    helper_id: Mapped[uuid.UUID | None] = mapped_column()
    duty: Mapped[str] = mapped_column(String(60))
    month: Mapped[str] = mapped_column(String(7))  # China's month of the window's last instant
    state: Mapped[str] = mapped_column(String(10))  # open, met, missed, ended
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    class_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    home_village_id: Mapped[uuid.UUID | None] = mapped_column(index=True)


class TaskFact(Base):
    """A follow-up task: open or closed, overdue once its due time passes open."""

    __tablename__ = "task_facts"
    __table_args__ = (Index("ix_task_facts_due", "state", "overdue", "due_at"),)

    task_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    child_id: Mapped[uuid.UUID] = mapped_column(index=True)
    rule: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(10))  # open, closed
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    step: Mapped[int] = mapped_column(Integer, default=0)
    class_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    home_village_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TermResultFact(Base):
    """A child's class rank at a term's final exam (the assessment's baseline and end)."""

    __tablename__ = "term_result_facts"

    child_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    term: Mapped[str] = mapped_column(String(11), primary_key=True)
    class_id: Mapped[uuid.UUID] = mapped_column(index=True)
    class_rank: Mapped[int] = mapped_column(Integer)
    class_size: Mapped[int | None] = mapped_column(Integer)
    total_score: Mapped[float] = mapped_column(Float)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RecordFact(Base):
    """An award (三好学生 counts) or a violation (a serious one costs the +20) in a school year."""

    __tablename__ = "record_facts"
    __table_args__ = (Index("ix_record_facts_child_year", "child_id", "school_year"),)

    record_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    child_id: Mapped[uuid.UUID] = mapped_column()
    school_year: Mapped[str] = mapped_column(String(9))
    kind: Mapped[str] = mapped_column(String(20))  # merit_student, award, serious_violation, violation
    title: Mapped[str] = mapped_column(String(100))
    on: Mapped[date] = mapped_column(Date)


class AssessmentPolicyVersion(Base):
    """One version of a city's assessment formula (domain.assessment.AssessmentPolicy as JSON)."""

    __tablename__ = "assessment_policies"
    __table_args__ = (UniqueConstraint("city_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    city_id: Mapped[uuid.UUID]
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(String(200), nullable=True)


class Bulletin(Base):
    """A month's bulletin (每月一通报), published once when the month closes in China's time."""

    __tablename__ = "bulletins"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    bulletin_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    units_ranked: Mapped[int] = mapped_column(Integer)


class BulletinLine(Base):
    """One unit's figures in a month's bulletin and its ranks among its siblings."""

    __tablename__ = "bulletin_lines"
    __table_args__ = (Index("ix_bulletin_lines_parent", "month", "parent_id", "rank"),)

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    parent_id: Mapped[uuid.UUID | None] = mapped_column()
    kind: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)  # queries.MonthFigures, as at the month's end
    rank: Mapped[int | None] = mapped_column(Integer)  # overall, among the siblings (None: no child)
    rank_coverage: Mapped[int | None] = mapped_column(Integer)
    rank_compliance: Mapped[int | None] = mapped_column(Integer)
    previous: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # last month's figures and ranks


class ClassTeacherFact(Base):
    """Who heads each class (班主任), from pairing's helper events: the class's assessment is theirs."""

    __tablename__ = "class_teacher_facts"

    class_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    helper_id: Mapped[uuid.UUID] = mapped_column(index=True)
