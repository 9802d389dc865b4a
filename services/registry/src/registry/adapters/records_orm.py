"""Tables of a child's records over time (成长记录): health checks, awards, violations, counselling notes.

Each row names the child, when it was recorded and by whom (the token's subject); lists read a
child's rows newest first, so each table's index is (child_id, the record's own date): it serves the
foreign key's lookups too, so child_id needs no index of its own.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.adapters.orm import Base
from shouhu_kit.db import UTCDateTime


class HealthCheckRow(Base):
    """One health check (体检); vision on the 5-point scale (五分记录法), blood pressure split in two."""

    __tablename__ = "health_checks"
    __table_args__ = (Index("ix_health_checks_child", "child_id", "checked_on"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("children.id"))
    checked_on: Mapped[date] = mapped_column(Date)
    height_cm: Mapped[float | None] = mapped_column(Float)
    weight_kg: Mapped[float | None] = mapped_column(Float)
    vision_left: Mapped[float | None] = mapped_column(Float)
    vision_right: Mapped[float | None] = mapped_column(Float)
    systolic: Mapped[int | None] = mapped_column(Integer)
    diastolic: Mapped[int | None] = mapped_column(Integer)
    lung_capacity_ml: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(String(500))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(100))

    @property
    def blood_pressure(self) -> str | None:
        """'110/70' (systolic/diastolic, mmHg) as it was entered, or None."""
        if self.systolic is None or self.diastolic is None:
            return None
        return f"{self.systolic}/{self.diastolic}"


class AwardRow(Base):
    """One award (获奖); `merit_student` (三好学生) counts in the helper assessment of its school year."""

    __tablename__ = "awards"
    __table_args__ = (Index("ix_awards_child", "child_id", "awarded_on"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("children.id"))
    title: Mapped[str] = mapped_column(String(100))
    merit_student: Mapped[bool] = mapped_column(Boolean)
    school_year: Mapped[str] = mapped_column(String(9))
    awarded_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(100))


class ViolationRow(Base):
    """One violation (违纪); the description stays here and never goes on the bus."""

    __tablename__ = "violations"
    __table_args__ = (Index("ix_violations_child", "child_id", "occurred_on"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("children.id"))
    occurred_on: Mapped[date] = mapped_column(Date)
    serious: Mapped[bool] = mapped_column(Boolean)
    description: Mapped[str] = mapped_column(Text)
    school_year: Mapped[str] = mapped_column(String(9))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(100))


class CounsellingNoteRow(Base):
    """One counselling note (心理辅导记录): sensitive, for the school's teachers only, every read audited."""

    __tablename__ = "counselling_notes"
    __table_args__ = (Index("ix_counselling_notes_child", "child_id", "noted_on"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("children.id"))
    noted_on: Mapped[date] = mapped_column(Date)
    counsellor: Mapped[str] = mapped_column(String(50))
    content: Mapped[str] = mapped_column(Text)
    follow_up: Mapped[str | None] = mapped_column(String(500))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(100))
