"""Reading the bulletins: the list, one month's ranking of a unit's sub-units, the sub-units' figures now.

A ranking is what was published (the lines hold each unit's name and figures as at the month's
end); the caller's scope is checked on the unit whose sub-units are ranked, as it stands now.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Row, select

from reporting.adapters.orm import TREE, Bulletin, BulletinLine
from reporting.domain import bulletin as rules
from reporting.domain.bulletin import Standing, overall_score, places_gained, rate_change
from reporting.service_layer.queries import (
    MonthFigures,
    SubUnitFigures,
    UnitRef,
    current_month,
    read_counters,
    trail,
    unit_ref,
    visible_unit,
)
from shouhu_kit.auth import Principal
from shouhu_kit.org.tree import UNSEEN
from shouhu_kit.problems import Problem, invalid_request
from shouhu_kit.uow import UnitOfWork

READ_CHUNK = 500


class BulletinSummary(BaseModel):
    """月度通报 / A published monthly bulletin."""

    month: str = Field(description="通报月份 / the month reported")
    bulletin_id: uuid.UUID
    published_at: datetime = Field(description="发布时间 / published at")
    units_ranked: int = Field(description="参与排名的单位数 / units holding a rank")


class BulletinPage(BaseModel):
    """月度通报列表（新的在前）/ Bulletins, newest first, a page at a time."""

    items: list[BulletinSummary]
    next_after: str | None = Field(description="下一页游标 / pass as `after` for the next page")


class Previous(BaseModel):
    """上月 / Last month's figures and ranks (ranks only if the unit had the same parent)."""

    figures: MonthFigures
    rank: int | None
    rank_coverage: int | None
    rank_compliance: int | None


class Change(BaseModel):
    """较上月 / The change since last month (None: nothing to compare with)."""

    children: int | None = Field(description="儿童数变化 / children")
    archive_rate: float | None = Field(description="档案完整率变化 / archive completeness")
    coverage: float | None = Field(description="结对覆盖率变化 / pairing coverage")
    compliance: float | None = Field(description="联系完成率变化 / contact compliance")
    tasks_overdue: int | None = Field(description="逾期任务变化 / overdue tasks")
    rank: int | None = Field(description="综合名次上升位数（负为下降）/ places gained overall")
    rank_coverage: int | None = Field(description="覆盖率名次上升位数 / places gained on coverage")
    rank_compliance: int | None = Field(description="完成率名次上升位数 / places gained on compliance")


class RankingLine(BaseModel):
    """一个下级单位的排名 / One sub-unit's ranks, figures and change."""

    unit: UnitRef
    rank: int | None = Field(description="综合排名 / overall rank (None: no child)")
    rank_coverage: int | None = Field(description="覆盖率排名 / rank on pairing coverage")
    rank_compliance: int | None = Field(description="完成率排名 / rank on contact compliance")
    score: float | None = Field(description="综合得分 / the overall score ranked on")
    figures: MonthFigures
    previous: Previous | None
    change: Change


class Ranking(BaseModel):
    """某月某单位下级排名 / One month's ranking of a unit's sub-units."""

    month: str
    bulletin_id: uuid.UUID
    published_at: datetime
    unit: UnitRef = Field(description="被排名的下级所属单位 / the unit whose sub-units are ranked")
    trail: list[UnitRef]
    figures: MonthFigures | None = Field(description="该单位本身 / the unit's own figures (None: a root)")
    rule: str = Field(description="排名规则 / how the ranks are decided")
    lines: list[RankingLine]


def list_bulletins(*, uow: UnitOfWork, after: str | None = None, limit: int = 24) -> BulletinPage:
    """Published bulletins, newest month first; keyset by month."""
    with uow:
        query = select(Bulletin).order_by(Bulletin.month.desc()).limit(limit + 1)
        if after is not None:
            query = query.where(Bulletin.month < after)
        rows = list(uow.session.scalars(query))
        page, more = rows[:limit], len(rows) > limit
        items = [
            BulletinSummary(
                month=b.month,
                bulletin_id=b.bulletin_id,
                published_at=b.published_at,
                units_ranked=b.units_ranked,
            )
            for b in page
        ]
        return BulletinPage(items=items, next_after=page[-1].month if more else None)


def ranked_unit(uow: UnitOfWork, principal: Principal, unit_id: uuid.UUID | None) -> Row[Any]:
    """The unit asked for, else the caller's own (an admin without one: the only root), if visible."""
    if unit_id is None:
        unit_id = principal.org_id or _only_root(uow)
    return visible_unit(uow, unit_id, principal)


def _only_root(uow: UnitOfWork) -> uuid.UUID:
    t = TREE.table
    roots: list[uuid.UUID] = list(
        uow.session.scalars(select(t.c.id).where(t.c.parent_id.is_(None), t.c.kind != UNSEEN))
    )
    if len(roots) != 1:
        raise invalid_request(
            [
                {
                    "field": "unit_id",
                    "location": "query",
                    "message": "请指定单位",
                    "message_en": "name the unit (there is no single top unit)",
                    "type": "missing",
                }
            ]
        )
    return roots[0]


def ranking(
    *, uow: UnitOfWork, principal: Principal, month: str, unit_id: uuid.UUID | None = None
) -> Ranking:
    """One month's ranking of a unit's sub-units (the caller's own unit by default), best first."""
    with uow:
        unit = ranked_unit(uow, principal, unit_id)
        bulletin = uow.session.get(Bulletin, month)
        if bulletin is None:
            raise Problem(
                status=404,
                slug="not-found",
                title="该月通报不存在",
                title_en="No bulletin for this month",
                detail=f"{month} 的通报尚未发布（月份结束后生成）",
                detail_en=f"the bulletin of {month} is not published (it is built after the month closes)",
            )
        b = BulletinLine
        query = (
            select(b)
            .where(b.month == month, b.parent_id == unit.id)
            .order_by(b.rank.is_(None), b.rank, b.code, b.unit_id)
        )
        lines = [_ranking_line(line) for line in uow.session.scalars(query)]
        own = uow.session.get(BulletinLine, (month, unit.id))
        return Ranking(
            month=month,
            bulletin_id=bulletin.bulletin_id,
            published_at=bulletin.published_at,
            unit=unit_ref(unit),
            trail=trail(uow, unit, principal),
            figures=MonthFigures.model_validate(own.figures) if own is not None else None,
            rule=rules.RANK_RULE,
            lines=lines,
        )


def _ranking_line(line: BulletinLine) -> RankingLine:
    figures = MonthFigures.model_validate(line.figures)
    previous = Previous.model_validate(line.previous) if line.previous else None
    p = previous.figures if previous else None
    return RankingLine(
        unit=UnitRef(unit_id=line.unit_id, kind=line.kind, code=line.code, name=line.name),
        rank=line.rank,
        rank_coverage=line.rank_coverage,
        rank_compliance=line.rank_compliance,
        score=overall_score(
            Standing(children=figures.children, coverage=figures.coverage, compliance=figures.compliance)
        ),
        figures=figures,
        previous=previous,
        change=Change(
            children=figures.children - p.children if p else None,
            archive_rate=rate_change(figures.archive_rate, p.archive_rate if p else None),
            coverage=rate_change(figures.coverage, p.coverage if p else None),
            compliance=rate_change(figures.compliance, p.compliance if p else None),
            tasks_overdue=figures.tasks_overdue - p.tasks_overdue if p else None,
            rank=places_gained(line.rank, previous.rank if previous else None),
            rank_coverage=places_gained(line.rank_coverage, previous.rank_coverage if previous else None),
            rank_compliance=places_gained(
                line.rank_compliance, previous.rank_compliance if previous else None
            ),
        ),
    )


class SubUnitTable(BaseModel):
    """A unit's sub-units with their figures for a month (every one, for an export)."""

    parent: UnitRef
    month: str
    items: list[SubUnitFigures]


def all_sub_units(
    *, uow: UnitOfWork, principal: Principal, unit_id: uuid.UUID, month: str | None = None
) -> SubUnitTable:
    """Every unit directly under a unit, by code, with the month's figures (this month by default)."""
    with uow:
        parent = visible_unit(uow, unit_id, principal)
        month = month or current_month(uow)
        t = TREE.table
        units = uow.session.execute(
            select(t).where(t.c.parent_id == parent.id, t.c.kind != UNSEEN).order_by(t.c.code, t.c.id)
        ).all()
        items: list[SubUnitFigures] = []
        for start in range(0, len(units), READ_CHUNK):
            chunk = units[start : start + READ_CHUNK]
            counters = read_counters(uow, [u.id for u in chunk], month)
            items.extend(
                SubUnitFigures(unit=unit_ref(u), figures=counters[u.id].figures(month)) for u in chunk
            )
        return SubUnitTable(parent=unit_ref(parent), month=month, items=items)
