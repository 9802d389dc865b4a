"""What the reporting API answers: a unit's KPIs, now and month by month, and its sub-units' figures.

A unit's figures are its own counter rows (unit_counts): one indexed read of a few hundred rows,
the same for one school as for the whole city.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Row, or_, select

from reporting.adapters.orm import STOCK, TREE, UnitCount
from reporting.domain import metrics as m
from reporting.service_layer.counting import china_month
from shouhu_kit.auth import Principal
from shouhu_kit.org.paths import decode_path
from shouhu_kit.org.tree import UNSEEN
from shouhu_kit.problems import not_found
from shouhu_kit.uow import UnitOfWork

TREND_MONTHS = 12


def add_months(month: str, n: int) -> str:
    """'2027-04' plus n months (n may be negative)."""
    index = int(month[:4]) * 12 + int(month[5:7]) - 1 + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def rate(numerator: int, denominator: int) -> float | None:
    """A share rounded to four places; None when there is nothing to divide by."""
    return round(numerator / denominator, 4) if denominator else None


class UnitRef(BaseModel):
    """单位 / An org unit."""

    unit_id: uuid.UUID
    kind: str
    code: str
    name: str


class DutyCompliance(BaseModel):
    """一项联系义务本月完成情况 / One duty's windows due in the month."""

    duty: str = Field(description="义务代码 / duty code, e.g. helper_contact_monthly")
    due: int = Field(description="应完成 / windows due")
    met: int = Field(description="已完成 / met (late ones included)")
    late: int = Field(description="补录完成 / met after closing unmet")
    missed: int = Field(description="逾期未完成 / closed unmet")
    rate: float | None = Field(description="完成率 / met ÷ due")


class Compliance(BaseModel):
    """联系完成率 / Contact compliance in a month, overall and per duty."""

    due: int
    met: int
    late: int
    missed: int
    rate: float | None
    by_duty: list[DutyCompliance]


class MonthFigures(BaseModel):
    """一个月的主要指标 / A month's headline figures (stock figures as at the month's end)."""

    month: str
    children: int
    archive_complete: int
    archive_rate: float | None
    paired: int
    coverage: float | None
    due: int
    met: int
    compliance: float | None
    tasks_open: int
    tasks_overdue: int
    risk_high: int
    risk_medium: int


class UnitKpis(BaseModel):
    """单位指标 / A unit's KPIs, its subtree included."""

    unit: UnitRef
    trail: list[UnitRef] = Field(
        description="上级单位（调用者可见部分）/ the units above, within the caller's scope"
    )
    month: str = Field(description="统计月份 / the month reported")
    children: int = Field(description="留守儿童数 / children")
    by_left_behind_type: dict[str, int] = Field(description="按留守类型 / by left-behind type")
    by_guardian: dict[str, int] = Field(description="按监护情况 / by guardian situation")
    archive_complete: int = Field(description="档案完整 / complete archives (contact card phones)")
    archive_rate: float | None = Field(description="档案完整率 / archive completeness")
    paired: int = Field(description="已结对 / paired")
    unpaired: int = Field(description="未结对 / not paired")
    coverage: float | None = Field(description="结对覆盖率 / pairing coverage")
    compliance: Compliance
    tasks_open: int = Field(description="未办结任务 / open tasks")
    tasks_overdue: int = Field(description="逾期任务 / overdue tasks")
    risk: dict[str, int] = Field(description="按风险等级 / by risk level")
    trend: list[MonthFigures] = Field(description="逐月 / month by month, oldest first")


class Counters:
    """A unit's counter rows: stock totals, each month's stock changes, and period counts."""

    def __init__(self, rows: Iterable[tuple[str, str, int]]) -> None:
        self.total: dict[str, int] = defaultdict(int)
        self.months: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for metric, month, n in rows:
            if month == STOCK:
                self.total[metric] += n
            else:
                self.months[month][metric] += n

    def stock(self, metric: str, at: str) -> int:
        """A stock metric as at the end of a month: its total less the changes after it."""
        later = sum(row.get(metric, 0) for month, row in self.months.items() if month > at)
        return self.total.get(metric, 0) - later

    def stocks(self, prefix: str, at: str) -> dict[str, int]:
        """Every stock metric under a prefix (lbt:, guardian:, risk:), by its suffix."""
        names = {k for k in self.total if k.startswith(prefix)}
        for row in self.months.values():
            names |= {k for k in row if k.startswith(prefix)}
        out = {k.removeprefix(prefix): self.stock(k, at) for k in sorted(names)}
        return {k: v for k, v in out.items() if v}

    def period(self, metric: str, month: str) -> int:
        """A period metric in one month."""
        return self.months.get(month, {}).get(metric, 0)

    def compliance(self, month: str) -> Compliance:
        """The month's windows due, met, late and missed, per duty and overall."""
        row = self.months.get(month, {})
        duties = sorted(k.removeprefix(m.DUE) for k in row if k.startswith(m.DUE))
        by_duty = [
            DutyCompliance(
                duty=d,
                due=row.get(m.DUE + d, 0),
                met=row.get(m.MET + d, 0),
                late=row.get(m.LATE + d, 0),
                missed=row.get(m.MISSED + d, 0),
                rate=rate(row.get(m.MET + d, 0), row.get(m.DUE + d, 0)),
            )
            for d in duties
            if row.get(m.DUE + d, 0)
        ]
        due, met = sum(d.due for d in by_duty), sum(d.met for d in by_duty)
        late, missed = sum(d.late for d in by_duty), sum(d.missed for d in by_duty)
        return Compliance(due=due, met=met, late=late, missed=missed, rate=rate(met, due), by_duty=by_duty)

    def figures(self, month: str) -> MonthFigures:
        """The headline figures of one month."""
        children, complete = self.stock(m.CHILDREN, month), self.stock(m.ARCHIVE_COMPLETE, month)
        paired = self.stock(m.PAIRED, month)
        c = self.compliance(month)
        return MonthFigures(
            month=month,
            children=children,
            archive_complete=complete,
            archive_rate=rate(complete, children),
            paired=paired,
            coverage=rate(paired, children),
            due=c.due,
            met=c.met,
            compliance=c.rate,
            tasks_open=self.stock(m.TASKS_OPEN, month),
            tasks_overdue=self.stock(m.TASKS_OVERDUE, month),
            risk_high=self.stock(m.RISK + "high", month),
            risk_medium=self.stock(m.RISK + "medium", month),
        )


def read_counters(uow: UnitOfWork, unit_ids: Sequence[uuid.UUID], since: str) -> dict[uuid.UUID, Counters]:
    """The counter rows of some units: totals, and the months from `since` on (one indexed read)."""
    c = UnitCount
    rows = uow.session.execute(
        select(c.unit_id, c.metric, c.month, c.n).where(
            c.unit_id.in_(unit_ids), or_(c.month == STOCK, c.month >= since)
        )
    ).all()
    grouped: dict[uuid.UUID, list[tuple[str, str, int]]] = defaultdict(list)
    for unit_id, metric, month, n in rows:
        grouped[unit_id].append((metric, month, n))
    return {u: Counters(grouped.get(u, [])) for u in unit_ids}


def visible_unit(uow: UnitOfWork, unit_id: uuid.UUID, principal: Principal) -> Row[Any]:
    """The unit's tree row if the caller may see it; 404 otherwise (a placeholder is not shown yet)."""
    unit = TREE.row(uow.session, unit_id)
    if unit is None or unit.kind == UNSEEN or not principal.sees(decode_path(unit.path)):
        raise not_found("组织单元", "Org unit")
    return unit


def unit_ref(unit: Row[Any]) -> UnitRef:
    """The API's view of a tree row."""
    return UnitRef(unit_id=unit.id, kind=unit.kind, code=unit.code, name=unit.name)


def trail(uow: UnitOfWork, unit: Row[Any], principal: Principal) -> list[UnitRef]:
    """The units above, from the top the caller may see (the dashboard's breadcrumb)."""
    above = decode_path(unit.path)[:-1]
    t = TREE.table
    rows = {r.id: r for r in uow.session.execute(select(t).where(t.c.id.in_(above))).all()} if above else {}
    out = []
    for i, uid in enumerate(above):
        row = rows.get(uid)
        if row is not None and row.kind != UNSEEN and principal.sees(above[: i + 1]):
            out.append(unit_ref(row))
    return out


def current_month(uow: UnitOfWork) -> str:
    """This month, in China's time."""
    return china_month(uow.now())


def unit_kpis(
    *, uow: UnitOfWork, principal: Principal, unit_id: uuid.UUID, month: str | None = None
) -> UnitKpis:
    """One unit's KPIs for a month (this one by default) and the twelve months up to it."""
    with uow:
        unit = visible_unit(uow, unit_id, principal)
        month = month or current_month(uow)
        first = add_months(month, 1 - TREND_MONTHS)
        counters = read_counters(uow, [unit.id], first)[unit.id]
        f = counters.figures(month)
        return UnitKpis(
            unit=unit_ref(unit),
            trail=trail(uow, unit, principal),
            month=month,
            children=f.children,
            by_left_behind_type=counters.stocks(m.LEFT_BEHIND, month),
            by_guardian=counters.stocks(m.GUARDIAN, month),
            archive_complete=f.archive_complete,
            archive_rate=f.archive_rate,
            paired=f.paired,
            unpaired=f.children - f.paired,
            coverage=f.coverage,
            compliance=counters.compliance(month),
            tasks_open=f.tasks_open,
            tasks_overdue=f.tasks_overdue,
            risk=counters.stocks(m.RISK, month),
            trend=[counters.figures(add_months(first, i)) for i in range(TREND_MONTHS)],
        )


class SubUnitFigures(BaseModel):
    """下级单位指标 / A sub-unit's headline figures."""

    unit: UnitRef
    figures: MonthFigures


class SubUnitPage(BaseModel):
    """下级单位（分页）/ Sub-units, a page at a time (ordered by code)."""

    parent: UnitRef
    month: str
    items: list[SubUnitFigures]
    next_after: str | None = Field(description="下一页游标 / pass as `after` for the next page")


def sub_units(
    *,
    uow: UnitOfWork,
    principal: Principal,
    unit_id: uuid.UUID,
    month: str | None = None,
    after: str | None = None,
    limit: int = 100,
) -> SubUnitPage:
    """The units directly under a unit, each with its month's figures; keyset-paged by code."""
    with uow:
        parent = visible_unit(uow, unit_id, principal)
        month = month or current_month(uow)
        t = TREE.table
        query = select(t).where(t.c.parent_id == parent.id, t.c.kind != UNSEEN)
        if after is not None:
            query = query.where(t.c.code > after)
        units = uow.session.execute(query.order_by(t.c.code).limit(limit + 1)).all()
        page, more = units[:limit], len(units) > limit
        counters = read_counters(uow, [u.id for u in page], month)
        items = [SubUnitFigures(unit=unit_ref(u), figures=counters[u.id].figures(month)) for u in page]
        return SubUnitPage(
            parent=unit_ref(parent), month=month, items=items, next_after=page[-1].code if more else None
        )
