"""Reporting read models, built only from events."""

from __future__ import annotations

import uuid

from sqlalchemy import Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """The reporting service's own metadata."""


class OrgUnitView(Base):
    """An org unit's name and place, from registry.org."""

    __tablename__ = "org_units"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    path_text: Mapped[str] = mapped_column(String(800))


class UnitChildCount(Base):
    """Children per unit, subtree included: one counter per ancestor, bumped per event."""

    __tablename__ = "unit_child_counts"

    unit_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    children: Mapped[int] = mapped_column(Integer, default=0)


class ChildPlacement(Base):
    """Which units a child is counted in (so a replay or a move never counts twice)."""

    __tablename__ = "child_placements"

    child_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    units: Mapped[str] = mapped_column(String(2000))
