"""Registry tables."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shouhu_contracts.months import MONTH_LENGTH
from shouhu_contracts.terms import TERM_LENGTH
from shouhu_kit.db import UTCDateTime, prefix_index
from shouhu_kit.org.paths import decode_path


class Base(DeclarativeBase):
    """The registry's own metadata."""


class OrgUnitRow(Base):
    """An org unit; `path_text` (shouhu_kit.org.paths) makes subtree queries a prefix match."""

    __tablename__ = "org_units"
    __table_args__ = (prefix_index("ix_org_units_path_prefix", "path_text"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    path_text: Mapped[str] = mapped_column(String(800))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def path(self) -> list[uuid.UUID]:
        """Ids from the city down to this unit."""
        return decode_path(self.path_text)


class ChildRow(Base):
    """A child's archive and contact card (留守儿童档案 + 联系卡).

    Parents and guardian are small documents; what lists filter on is derived into columns.
    """

    __tablename__ = "children"
    __table_args__ = (
        prefix_index("ix_children_org_path_prefix", "org_path_text"),
        prefix_index("ix_children_home_path_prefix", "home_path_text"),
        prefix_index("ix_children_name_prefix", "name"),
        prefix_index("ix_children_id_number_prefix", "id_number"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    gender: Mapped[str] = mapped_column(String(10))
    birth_date: Mapped[date] = mapped_column(Date)
    ethnicity: Mapped[str | None] = mapped_column(String(50))
    id_number: Mapped[str | None] = mapped_column(String(18), unique=True)
    class_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"), index=True)
    school_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_units.id"))
    org_path_text: Mapped[str] = mapped_column(String(800))
    home_village_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_units.id"))
    home_path_text: Mapped[str | None] = mapped_column(String(800))
    home_address: Mapped[str | None] = mapped_column(String(200))
    boarding: Mapped[bool] = mapped_column(Boolean, default=False)
    left_behind_type: Mapped[str] = mapped_column(String(20))
    father: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    mother: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    guardian: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    guardian_rating: Mapped[str] = mapped_column(String(10), index=True)  # 'none' when nobody
    missing_contacts: Mapped[str] = mapped_column(String(200), default="")
    contact_complete: Mapped[bool] = mapped_column(Boolean, index=True)
    status: Mapped[str] = mapped_column(String(20), default="active")
    exit_reason: Mapped[str | None] = mapped_column(String(200))
    exit_kind: Mapped[str | None] = mapped_column(String(20))  # shouhu_contracts.org.ExitKind
    version: Mapped[int] = mapped_column(Integer, default=1)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - lost updates fail loudly

    @property
    def has_guardian(self) -> bool:
        """False when nobody looks after the child."""
        return self.guardian is not None


class ChildHistoryRow(Base):
    """Who changed what in an archive, when (old and new values per field)."""

    __tablename__ = "child_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("children.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


class AuditRow(Base):
    """Every read of sensitive fields (unmasked phones or ID numbers, counselling notes)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(30))
    action: Mapped[str] = mapped_column(String(40))
    child_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    unit_id: Mapped[uuid.UUID | None] = mapped_column(index=True)  # exports: the unit exported
    detail: Mapped[str] = mapped_column(Text)


class TermResultRow(Base):
    """One result per child per term; recording again corrects it."""

    __tablename__ = "term_results"
    __table_args__ = (UniqueConstraint("child_id", "term"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("children.id"), index=True)
    term: Mapped[str] = mapped_column(String(TERM_LENGTH))
    subjects: Mapped[dict[str, float] | None] = mapped_column(JSON)
    total_score: Mapped[float] = mapped_column(Float)
    class_rank: Mapped[int] = mapped_column(Integer)
    class_size: Mapped[int | None] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AttendanceRow(Base):
    """One month's attendance per child (月度出勤); recording the month again corrects it."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("child_id", "month"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # The unique (child_id, month) index serves a child's months: no index of its own on child_id.
    child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("children.id"))
    month: Mapped[str] = mapped_column(String(MONTH_LENGTH))
    school_days: Mapped[int] = mapped_column(Integer)  # 应到天数
    days_absent: Mapped[int] = mapped_column(Integer)  # 缺勤天数, excused ones included
    excused_days: Mapped[int | None] = mapped_column(Integer)  # 病事假天数
    note: Mapped[str | None] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(100))


class HelperAccessRow(Base):
    """Which helper (结对帮扶人) may read which child, as the pairing service's events say.

    One row per pairing. No foreign key to `children`: the row comes from another service's event
    and must never make that event fail. A pairing ended before its creation was consumed is kept
    as an ended row (`created_at` still empty), so the late creation finds it and stays closed.
    """

    __tablename__ = "helper_access"
    __table_args__ = (
        Index("ix_helper_access_account_active", "helper_account", "active"),
        Index("ix_helper_access_child", "child_id"),
    )

    pairing_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    child_id: Mapped[uuid.UUID]
    helper_account: Mapped[str] = mapped_column(String(100))  # the helper's login subject (JWT sub)
    helper_id: Mapped[uuid.UUID]
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
