"""Building the monthly bulletin (每月一通报) once a month has closed in China's time.

One run of the job does one bounded round: the next sibling groups (whole groups, about `batch`
units, found by parent in id order) get their lines, with figures as at the month's end read from
the counters (500 units per query) and ranks among their siblings (domain.bulletin). When no group
is left, the Bulletin row is inserted and BulletinPublished queued in the same transaction.

- Which month: after the last published one, up to the last closed; on a first start (no bulletin
  yet) only the last closed month, not years of history.
- Last month's figures and ranks come from last month's published lines (what was read then; a
  unit that changed parent keeps its figures but not its ranks), or, when there is no bulletin for
  last month, from the counters as at that month's end, ranked by the same rule.
- Two replicas: lines are upserted (a repeated round writes the same lines), and the Bulletin row
  is inserted ON CONFLICT DO NOTHING, keyed by the month; only the transaction that inserted it
  publishes, so the event goes out once even if two runs overlap.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Row, Table, func, select

from reporting.adapters.orm import TREE, Bulletin, BulletinLine
from reporting.domain.bulletin import Ranks, Standing, rank_siblings
from reporting.service_layer.counting import china_month
from reporting.service_layer.queries import Counters, MonthFigures, add_months, rate, read_counters
from shouhu_contracts.reporting.v1 import BulletinPublished
from shouhu_kit.db import insert_on_conflict
from shouhu_kit.org.tree import UNSEEN
from shouhu_kit.scheduler import JobResult
from shouhu_kit.uow import UnitOfWork

READ_CHUNK = 500  # units per counter read (and per IN list)


def last_closed_month(uow: UnitOfWork, grace: timedelta) -> str:
    """The last month that has closed in China's time, `grace` ago."""
    return add_months(china_month(uow.now() - grace), -1)


def build_bulletin(uow: UnitOfWork, *, batch: int = 500, grace: timedelta = timedelta(0)) -> JobResult:
    """One round of the bulletin job: the next sibling groups' lines, or the bulletin once all are in."""
    closed = last_closed_month(uow, grace)
    month = month_due(uow, closed)
    if month is None:
        return JobResult(note=f"no bulletin due (last closed month {closed})")
    parents = _next_parents(uow, month, batch)
    if parents:
        written = _write_lines(uow, month, parents)
        return JobResult(handled=written, more=True, note=f"{month}: {written} units ranked")
    published = _publish(uow, month)
    more = month < closed  # months missed while the worker was away follow, oldest first
    return JobResult(more=more, note=f"{month}: {'published' if published else 'already published'}")


def month_due(uow: UnitOfWork, closed: str) -> str | None:
    """The month to build now: the one after the last bulletin, or the last closed on a first start."""
    last = uow.session.scalar(select(Bulletin.month).order_by(Bulletin.month.desc()).limit(1))
    if last is None:
        started = uow.session.scalar(select(BulletinLine.month).order_by(BulletinLine.month.desc()).limit(1))
        month = started if started is not None and started <= closed else closed
    else:
        month = add_months(last, 1)
    return month if month <= closed else None


def _next_parents(uow: UnitOfWork, month: str, batch: int) -> list[uuid.UUID]:
    """The next parents in id order whose sub-units have no line yet: about `batch` units, whole groups."""
    t = TREE.table
    done = uow.session.scalar(
        select(BulletinLine.parent_id)
        .where(BulletinLine.month == month, BulletinLine.parent_id.is_not(None))
        .order_by(BulletinLine.parent_id.desc())
        .limit(1)
    )
    query = (
        select(t.c.parent_id, func.count())
        .where(t.c.parent_id.is_not(None), t.c.kind != UNSEEN)
        .group_by(t.c.parent_id)
        .order_by(t.c.parent_id)
        .limit(batch)
    )
    if done is not None:
        query = query.where(t.c.parent_id > done)
    parents: list[uuid.UUID] = []
    units = 0
    for parent, n in uow.session.execute(query).all():
        if parents and units + n > batch:
            break
        parents.append(parent)
        units += n
    return parents


def _chunks(ids: Sequence[uuid.UUID]) -> list[Sequence[uuid.UUID]]:
    return [ids[i : i + READ_CHUNK] for i in range(0, len(ids), READ_CHUNK)]


def _write_lines(uow: UnitOfWork, month: str, parents: Sequence[uuid.UUID]) -> int:
    """Every sub-unit of these parents: figures as at the month's end, ranks, last month's; upserted."""
    t = TREE.table
    previous_month = add_months(month, -1)
    units = [
        row
        for chunk in _chunks(parents)
        for row in uow.session.execute(
            select(t.c.id, t.c.kind, t.c.code, t.c.name, t.c.parent_id).where(
                t.c.parent_id.in_(chunk), t.c.kind != UNSEEN
            )
        ).all()
    ]
    ids = [u.id for u in units]
    counters: dict[uuid.UUID, Counters] = {}
    for chunk in _chunks(ids):
        counters.update(read_counters(uow, chunk, previous_month))
    published_before = uow.session.get(Bulletin, previous_month) is not None
    before = _previous_lines(uow, previous_month, ids) if published_before else {}
    groups: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for unit in units:
        groups[unit.parent_id].append(unit)
    rows: list[dict[str, Any]] = []
    for parent, siblings in groups.items():
        figures = {u.id: counters[u.id].figures(month) for u in siblings}
        ranks = rank_siblings({u: _standing(f) for u, f in figures.items()})
        if published_before:
            previous = {u.id: _previous_of(before.get(u.id), parent) for u in siblings}
        else:
            previous = _previous_from_counters([u.id for u in siblings], counters, previous_month)
        rows.extend(_line(month, u, figures[u.id], ranks[u.id], previous[u.id]) for u in siblings)
    _upsert(uow, rows)
    return len(rows)


def _standing(f: MonthFigures) -> Standing:
    return Standing(children=f.children, coverage=f.coverage, compliance=f.compliance)


def _previous_lines(uow: UnitOfWork, month: str, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Row[Any]]:
    """Last month's published lines of these units (by the primary key; columns, not ORM objects)."""
    b = BulletinLine
    out: dict[uuid.UUID, Row[Any]] = {}
    for chunk in _chunks(ids):
        query = select(b.unit_id, b.parent_id, b.figures, b.rank, b.rank_coverage, b.rank_compliance).where(
            b.month == month, b.unit_id.in_(chunk)
        )
        out.update({line.unit_id: line for line in uow.session.execute(query)})
    return out


def _previous_of(line: Row[Any] | None, parent: uuid.UUID) -> dict[str, Any] | None:
    """Last month's line as this month's `previous`; its ranks only if the unit had the same parent."""
    if line is None:
        return None
    same = line.parent_id == parent
    return {
        "figures": line.figures,
        "rank": line.rank if same else None,
        "rank_coverage": line.rank_coverage if same else None,
        "rank_compliance": line.rank_compliance if same else None,
    }


def _previous_from_counters(
    siblings: Sequence[uuid.UUID], counters: dict[uuid.UUID, Counters], month: str
) -> dict[uuid.UUID, dict[str, Any] | None]:
    """Last month as the counters hold it (no bulletin then), ranked among today's siblings."""
    figures = {u: counters[u].figures(month) for u in siblings}
    ranks = rank_siblings({u: _standing(f) for u, f in figures.items()})
    return {u: _previous_doc(figures[u], ranks[u]) for u in siblings}


def _previous_doc(figures: MonthFigures, ranks: Ranks) -> dict[str, Any]:
    return {
        "figures": figures.model_dump(),
        "rank": ranks.overall,
        "rank_coverage": ranks.coverage,
        "rank_compliance": ranks.compliance,
    }


def _line(
    month: str, unit: Any, figures: MonthFigures, ranks: Ranks, previous: dict[str, Any] | None
) -> dict[str, Any]:
    return {
        "month": month,
        "unit_id": unit.id,
        "parent_id": unit.parent_id,
        "kind": unit.kind,
        "code": unit.code,
        "name": unit.name,
        "figures": figures.model_dump(),
        "rank": ranks.overall,
        "rank_coverage": ranks.coverage,
        "rank_compliance": ranks.compliance,
        "previous": previous,
    }


LINE_COLUMNS = ("parent_id", "kind", "code", "name", "figures", "rank", "rank_coverage", "rank_compliance")


def _upsert(uow: UnitOfWork, rows: list[dict[str, Any]]) -> None:
    """Insert the lines, or overwrite the same month's line (a repeated round, a unit moved meanwhile).

    One statement executed for many rows (compiled once, cached; the driver batches the rows): a
    multi-row VALUES of 500 lines costs more to compile than to run.
    """
    if not rows:
        return
    table = cast(Table, BulletinLine.__table__)
    insert = insert_on_conflict(uow.session, table)
    stmt = insert.on_conflict_do_update(
        index_elements=[table.c.month, table.c.unit_id],
        set_={k: insert.excluded[k] for k in (*LINE_COLUMNS, "previous")},
    )
    uow.session.execute(stmt, rows)


def _publish(uow: UnitOfWork, month: str) -> bool:
    """The Bulletin row and its event, unless another run inserted the month first."""
    t = TREE.table
    roots = list(uow.session.scalars(select(t.c.id).where(t.c.parent_id.is_(None), t.c.kind != UNSEEN)))
    totals = [c.figures(month) for c in read_counters(uow, roots, month).values()] if roots else []
    children, paired = sum(f.children for f in totals), sum(f.paired for f in totals)
    due, met = sum(f.due for f in totals), sum(f.met for f in totals)
    ranked = uow.session.scalar(
        select(func.count()).where(BulletinLine.month == month, BulletinLine.rank.is_not(None))
    )
    bulletin_id, now = uuid.uuid4(), uow.now()
    table = cast(Table, Bulletin.__table__)
    values = {"month": month, "bulletin_id": bulletin_id, "published_at": now, "units_ranked": ranked or 0}
    insert = insert_on_conflict(uow.session, table).values(**values)
    # RETURNING, not rowcount: psycopg reports -1 for an INSERT … ON CONFLICT DO NOTHING here.
    stmt = insert.on_conflict_do_nothing(index_elements=[table.c.month]).returning(table.c.month)
    if uow.session.execute(stmt).first() is None:
        return False
    uow.publish(
        BulletinPublished(
            bulletin_id=bulletin_id,
            month=month,
            city_id=roots[0] if len(roots) == 1 else None,
            units_ranked=ranked or 0,
            children=children,
            coverage=rate(paired, children),
            compliance=rate(met, due),
            published_at=now,
        )
    )
    return True
