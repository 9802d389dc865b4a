"""Alerts tables: local copies built from events, and the follow-up tasks."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shouhu_contracts.terms import TERM_LENGTH
from shouhu_kit.db import UTCDateTime
from shouhu_kit.org.tree import OrgTree


class Base(DeclarativeBase):
    """The alerts service's own metadata."""


TREE = OrgTree.attach(Base.metadata)  # alerts' copy of the org tree: the path and scope of a class


class ChildCopy(Base):
    """What alerts knows of a child, from registry events: its name and its class now."""

    __tablename__ = "children"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    class_id: Mapped[uuid.UUID] = mapped_column(index=True)


class TermScoreCopy(Base):
    """A child's term result, from registry events (a correction overwrites)."""

    __tablename__ = "term_scores"
    __table_args__ = (UniqueConstraint("child_id", "term"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    child_id: Mapped[uuid.UUID] = mapped_column(index=True)
    term: Mapped[str] = mapped_column(String(TERM_LENGTH))
    total_score: Mapped[float] = mapped_column(Float)
    class_rank: Mapped[int] = mapped_column(Integer)


class FollowUpTask(Base):
    """A follow-up task (跟进任务); one per child, reason and cause (e.g. the term pair).

    `class_id` is where the task is followed up: the class it was opened in, and while it is open
    the child's class now. Its path, and so who sees the task, is the tree's.
    """

    __tablename__ = "follow_up_tasks"
    __table_args__ = (
        UniqueConstraint("child_id", "reason", "cause_key"),
        Index("ix_tasks_status_due", "status", "due_at"),
        # Scope, then the open ones by due date: a count reads the index alone (bench/org_scope.py).
        Index("ix_tasks_class_status_due", "class_id", "status", "due_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    child_id: Mapped[uuid.UUID] = mapped_column(index=True)
    child_name: Mapped[str] = mapped_column(String(50))
    reason: Mapped[str] = mapped_column(String(40))
    cause_key: Mapped[str] = mapped_column(String(100))
    detail: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    class_id: Mapped[uuid.UUID]
    cause_event_id: Mapped[uuid.UUID]
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
