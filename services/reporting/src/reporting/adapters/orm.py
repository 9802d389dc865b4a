"""Reporting read models, built only from events."""

from __future__ import annotations

import uuid

from sqlalchemy import Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shouhu_kit.org.tree import OrgTree


class Base(DeclarativeBase):
    """The reporting service's own metadata."""


TREE = OrgTree.attach(Base.metadata)  # units' names and places, from registry.org (and placeholders)


class UnitChildCount(Base):
    """Children per unit, subtree included: one counter per ancestor, bumped per event."""

    __tablename__ = "unit_child_counts"

    unit_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    children: Mapped[int] = mapped_column(Integer, default=0)


class ChildPlacement(Base):
    """Where a child is counted: its class and home village, while its status is active.

    Their paths are the tree's, so a unit move rewrites the tree only; the counters it shifts are
    summed from the placements under the moved unit (found through the tree's prefix index, then
    the unit indexes here). Invariant: each counter equals the number of active placements whose
    class path or home path passes its unit.
    """

    __tablename__ = "child_placements"

    child_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    class_id: Mapped[uuid.UUID] = mapped_column(index=True)
    home_village_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(20))
