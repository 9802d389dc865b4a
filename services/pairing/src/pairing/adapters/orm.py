"""Pairing tables."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, Index, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shouhu_contracts.org import ChildStatus
from shouhu_kit.db import UTCDateTime
from shouhu_kit.org.tree import OrgTree


class Base(DeclarativeBase):
    """The pairing service's own metadata."""


TREE = OrgTree.attach(Base.metadata)  # pairing's copy of the org tree: every child's path and scope


class ChildToPair(Base):
    """A child as pairing sees it: who needs a helper, where (its class, placed by TREE), how urgently."""

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
    paired: Mapped[bool] = mapped_column(Boolean, default=False)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)
