"""Registry tables."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shouhu_kit.db import UTCDateTime


class Base(DeclarativeBase):
    """The registry's own metadata."""


class OrgUnitRow(Base):
    """An org unit; `path_text` ('/id/id/…/') makes subtree queries a prefix match."""

    __tablename__ = "org_units"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    path: Mapped[list[str]] = mapped_column(JSON)
    path_text: Mapped[str] = mapped_column(String(800), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChildRow(Base):
    """A child's archive (the slice's part of it)."""

    __tablename__ = "children"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    gender: Mapped[str] = mapped_column(String(10))
    birth_date: Mapped[date] = mapped_column(Date)
    left_behind_type: Mapped[str] = mapped_column(String(20))
    class_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"), index=True)
    org_path_text: Mapped[str] = mapped_column(String(800), index=True)
    home_village_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_units.id"))
    has_guardian: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(20), default="active")
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TermResultRow(Base):
    """One result per child per term; recording again corrects it."""

    __tablename__ = "term_results"
    __table_args__ = (UniqueConstraint("child_id", "term"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("children.id"), index=True)
    term: Mapped[str] = mapped_column(String(11))
    total_score: Mapped[float] = mapped_column(Float)
    class_rank: Mapped[int] = mapped_column(Integer)
    class_size: Mapped[int | None] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
