"""Reporting read models, built only from events."""

from __future__ import annotations

import uuid

from sqlalchemy import Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shouhu_kit.db import prefix_index


class Base(DeclarativeBase):
    """The reporting service's own metadata."""


class OrgUnitView(Base):
    """An org unit's name and place, from registry.org.

    A unit that a stored path names before its creation event has arrived is held as a
    placeholder (kind '', counting.UNSEEN) so that every stored path passes only units held here.
    """

    __tablename__ = "org_units"
    __table_args__ = (prefix_index("ix_org_units_path_prefix", "path_text"),)

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
    """Where a child is counted: its school path and home path, while its status is active.

    The paths are stored as '/id/…/' text rather than as a list of unit ids so that a unit move
    rewrites every placement below it with one prefix UPDATE (work grows with the subtree, found
    through the prefix indexes), and the counters it shifts are summed from those same rows in one
    SELECT. Storing only the class and village ids would spare that UPDATE but make every transfer
    and exit depend on the org view, which lags or leads the children topic (another consumer).
    Invariant: each counter equals the number of active placements whose paths pass its unit.
    """

    __tablename__ = "child_placements"
    __table_args__ = (
        prefix_index("ix_child_placements_org_path", "org_path_text"),
        prefix_index("ix_child_placements_home_path", "home_path_text"),
    )

    child_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    org_path_text: Mapped[str] = mapped_column(String(800))
    home_path_text: Mapped[str | None] = mapped_column(String(800))
    status: Mapped[str] = mapped_column(String(20))
