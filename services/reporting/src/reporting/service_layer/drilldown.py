"""The children behind a figure (who is unpaired, whose contact was missed), keyset-paged by name.

Averages hide the children who are missed: every figure on a unit's card opens this list, within
the caller's scope. A page is found one of two ways, chosen from the unit's own counters:
- gather: every child under the unit through the class and home-village indexes (the subtree from
  the tree's path index), then the first page of those the figure counts, sorted by name. Its
  cost is the unit's children: a school's thousand, but a district's hundred thousand;
- walk: the children in name order (ix_child_facts_name) until a page of those under the unit
  that the figure counts is found. Its cost is the page times the city's children over the
  figure's children under the unit: a few dozen rows for the city, a hundred times that for a
  school of a million-child city.
The one expected to read fewer rows is taken (bench/README.md, "KPI reads").
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any, cast

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Table, and_, exists, or_, select, true, union

from reporting.adapters.orm import TREE, ChildFact, TaskFact, WindowFact
from reporting.domain import metrics as m
from reporting.service_layer.counting import ACTIVE
from reporting.service_layer.paging import decode_cursor, encode_cursor
from reporting.service_layer.queries import (
    Counters,
    UnitRef,
    current_month,
    read_counters,
    unit_ref,
    visible_unit,
)
from shouhu_kit.auth import Principal
from shouhu_kit.org.paths import decode_path, in_subtree
from shouhu_kit.problems import Problem, invalid_request
from shouhu_kit.uow import UnitOfWork


class Figure(StrEnum):
    """Which children a figure counts."""

    ALL = "all"  # 全部儿童
    PAIRED = "paired"  # 已结对
    UNPAIRED = "unpaired"  # 未结对
    ARCHIVE_COMPLETE = "archive_complete"  # 档案完整
    ARCHIVE_INCOMPLETE = "archive_incomplete"  # 档案不完整（联系卡缺电话）
    TASKS_OPEN = "tasks_open"  # 有未办结任务
    TASKS_OVERDUE = "tasks_overdue"  # 有逾期任务
    MISSED = "missed"  # 本月联系逾期未完成
    UNMET = "unmet"  # 本月应联系尚未完成（含逾期）
    MET = "met"  # 本月已完成联系


# What a gathered row costs beside a walked one: two index lookups and a sort, on PostgreSQL a hash
# join too (bench/kpi_reads.py measured them on a district of a 10,000-child city).
GATHER_WEIGHT = {"postgresql": 4.0, "sqlite": 2.0}

# Figures with a value: type:<left-behind type>, guardian:<situation>, risk:<level>
VALUED = {"type": ChildFact.left_behind_type, "guardian": ChildFact.guardian, "risk": ChildFact.risk_level}


class ChildLine(BaseModel):
    """名单中的一名儿童 / A child in the list."""

    child_id: uuid.UUID
    name: str
    class_unit: UnitRef | None = Field(description="班级 / class")
    left_behind_type: str | None
    guardian: str | None
    paired: bool
    archive_complete: bool
    missing_contacts: list[str] = Field(description="联系卡缺少的电话 / contact-card phones missing")
    risk_level: str | None


class ChildPage(BaseModel):
    """儿童名单（分页）/ The children behind a figure, a page at a time."""

    unit: UnitRef
    figure: str
    month: str
    duty: str | None
    items: list[ChildLine]
    next_after: str | None = Field(description="下一页游标 / pass as `after` for the next page")


def _bad(field: str, zh: str, en: str) -> Problem:
    return invalid_request(
        [{"field": field, "location": "query", "message": zh, "message_en": en, "type": "value_error"}]
    )


def _figure_filter(figure: str, *, month: str, duty: str | None) -> ColumnElement[bool]:
    c = ChildFact
    if ":" in figure:
        key, _, value = figure.partition(":")
        if key not in VALUED or not value:
            raise _bad("figure", f"未知指标 {figure}", f"unknown figure {figure}")
        return VALUED[key] == value
    try:
        f = Figure(figure)
    except ValueError as exc:
        raise _bad("figure", f"未知指标 {figure}", f"unknown figure {figure}") from exc
    w, t = WindowFact, TaskFact
    windows = [w.child_id == c.child_id, w.month == month, *([w.duty == duty] if duty else [])]
    match f:
        case Figure.ALL:
            return true()
        case Figure.PAIRED:
            return c.active_pairings > 0
        case Figure.UNPAIRED:
            return c.active_pairings <= 0
        case Figure.ARCHIVE_COMPLETE:
            return c.archive_complete.is_(True)
        case Figure.ARCHIVE_INCOMPLETE:
            return c.archive_complete.is_(False)
        case Figure.TASKS_OPEN:
            return exists().where(t.child_id == c.child_id, t.state == "open")
        case Figure.TASKS_OVERDUE:
            return exists().where(t.child_id == c.child_id, t.state == "open", t.overdue.is_(True))
        case Figure.MISSED:
            return exists().where(*windows, w.state == "missed")
        case Figure.UNMET:
            return exists().where(*windows, w.state.in_(("open", "missed")))
        case Figure.MET:
            return exists().where(*windows, w.state == "met")


def children_behind(
    *,
    uow: UnitOfWork,
    principal: Principal,
    unit_id: uuid.UUID,
    figure: str = Figure.ALL.value,
    month: str | None = None,
    duty: str | None = None,
    after: str | None = None,
    limit: int = 50,
) -> ChildPage:
    """The active children under a unit that a figure counts, ordered by name."""
    with uow:
        unit = visible_unit(uow, unit_id, principal)
        month = month or current_month(uow)
        c = ChildFact
        counted = _figure_filter(figure, month=month, duty=duty)
        query = select(c).where(c.status == ACTIVE, _under(uow, unit, figure, month, duty, limit), counted)
        if after is not None:
            name, child_id = decode_cursor(after, str, uuid.UUID)
            query = query.where(or_(c.name > name, and_(c.name == name, c.child_id > child_id)))
        rows = uow.session.scalars(query.order_by(c.name, c.child_id).limit(limit + 1)).all()
        page, more = rows[:limit], len(rows) > limit
        classes = _classes(uow, {r.class_id for r in page if r.class_id})
        items = [
            ChildLine(
                child_id=r.child_id,
                name=r.name,
                class_unit=classes.get(r.class_id) if r.class_id else None,
                left_behind_type=r.left_behind_type,
                guardian=r.guardian,
                paired=r.active_pairings > 0,
                archive_complete=r.archive_complete,
                missing_contacts=list(r.missing_contacts or []),
                risk_level=r.risk_level,
            )
            for r in page
        ]
        return ChildPage(
            unit=unit_ref(unit),
            figure=figure,
            month=month,
            duty=duty,
            items=items,
            next_after=encode_cursor(page[-1].name, page[-1].child_id) if more else None,
        )


def _under(
    uow: UnitOfWork, unit: Any, figure: str, month: str, duty: str | None, limit: int
) -> ColumnElement[bool]:
    """The children under the unit, written for the plan expected to read fewer rows (gather or walk)."""
    c, city = ChildFact, decode_path(unit.path)[0]
    counters = read_counters(uow, list({unit.id, city}), month)
    here, everyone = counters[unit.id].total.get(m.CHILDREN, 0), counters[city].total.get(m.CHILDREN, 0)
    wanted = max(_expected(counters[unit.id], figure, month, duty), 1)
    weight = GATHER_WEIGHT["postgresql" if uow.db.is_postgres else "sqlite"]
    if (limit + 1) * everyone / wanted < here * weight:
        if unit.id == city and _the_only_root(uow, unit.id):
            return or_(c.class_id.is_not(None), c.home_village_id.is_not(None))  # every unit is under it
        if uow.db.is_postgres:
            # PostgreSQL hashes the subtree for the test; read twice, the CTE is scanned once.
            subtree = TREE.subtree(unit.path).cte("below")
            return or_(c.class_id.in_(select(subtree.c.id)), c.home_village_id.in_(select(subtree.c.id)))
        t1, t2 = TREE.table.alias("class_unit"), TREE.table.alias("home_unit")  # SQLite: a lookup a row
        return or_(
            exists().where(t1.c.id == c.class_id, in_subtree(t1.c.path, unit.path)),
            exists().where(t2.c.id == c.home_village_id, in_subtree(t2.c.path, unit.path)),
        )
    below = TREE.subtree(unit.path)
    if uow.db.is_postgres:
        # PostgreSQL cannot combine an OR of two IN (subquery) through indexes: it would read the
        # whole table. A union of the two lookups is a semi-join it runs through both indexes.
        k = cast(Table, ChildFact.__table__).alias("placed")
        ids = union(
            select(k.c.child_id).where(k.c.class_id.in_(below)),
            select(k.c.child_id).where(k.c.home_village_id.in_(below)),
        )
        return c.child_id.in_(ids)
    return or_(c.class_id.in_(below), c.home_village_id.in_(below))  # SQLite: one lookup per index


def _the_only_root(uow: UnitOfWork, unit_id: uuid.UUID) -> bool:
    """No other unit of the tree lacks a parent (an indexed lookup)."""
    t = TREE.table
    other = uow.session.scalar(select(t.c.id).where(t.c.parent_id.is_(None), t.c.id != unit_id).limit(1))
    return other is None


def _expected(counters: Counters, figure: str, month: str, duty: str | None) -> int:
    """About how many children under the unit a figure counts, from its counters (to choose a plan)."""
    total = counters.total
    if ":" in figure:
        key, _, value = figure.partition(":")
        prefix = {"type": m.LEFT_BEHIND, "guardian": m.GUARDIAN, "risk": m.RISK}[key]
        return total.get(prefix + value, 0)
    children = total.get(m.CHILDREN, 0)
    row = counters.months.get(month, {})
    duties = [duty] if duty else [k.removeprefix(m.DUE) for k in row if k.startswith(m.DUE)]

    def windows(kind: str) -> int:
        return sum(row.get(kind + d, 0) for d in duties)

    return {
        Figure.PAIRED: total.get(m.PAIRED, 0),
        Figure.UNPAIRED: children - total.get(m.PAIRED, 0),
        Figure.ARCHIVE_COMPLETE: total.get(m.ARCHIVE_COMPLETE, 0),
        Figure.ARCHIVE_INCOMPLETE: children - total.get(m.ARCHIVE_COMPLETE, 0),
        Figure.TASKS_OPEN: total.get(m.TASKS_OPEN, 0),
        Figure.TASKS_OVERDUE: total.get(m.TASKS_OVERDUE, 0),
        Figure.MISSED: windows(m.MISSED),
        Figure.UNMET: windows(m.DUE) - windows(m.MET),
        Figure.MET: windows(m.MET),
    }.get(Figure(figure), children)


def _classes(uow: UnitOfWork, ids: set[uuid.UUID]) -> dict[uuid.UUID, UnitRef]:
    if not ids:
        return {}
    t = TREE.table
    rows: list[Any] = list(uow.session.execute(select(t).where(t.c.id.in_(ids))).all())
    return {r.id: unit_ref(r) for r in rows}
