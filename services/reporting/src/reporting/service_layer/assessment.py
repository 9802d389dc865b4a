"""The assessment's facts for a unit and a school year, read from the read models; the children's page.

Every read starts from the children's second-term ranks (term -2) in the classes under the unit
(`TREE.subtree` and the term results' class index), and reaches each child's other facts through
the child's own keys: the first-term and carried ranks (the results' primary key), awards and
violations (record_facts by child and year), pairings (pairing_facts by child). So the work grows
with the unit's children, not with the city.

Who is assessed: a child with a second-term rank in a class under the unit (the seed assesses at
the second-term final; a child without one, who left or whose result is missing, has no line).
Which helpers are credited: a helper whose pairing with the child was live when the child's
second-term rank was recorded (created by then, not ended by then); primary pairings only unless
the city's policy credits secondary helpers too. The rank's recording time is its latest
correction's, as the read model keeps it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, String, and_, func, or_, select, type_coerce
from sqlalchemy.orm import Session, aliased

from reporting.adapters.orm import (
    TREE,
    AssessmentPolicyVersion,
    ChildFact,
    HelperFact,
    PairingFact,
    RecordFact,
)
from reporting.adapters.orm import TermResultFact as Result
from reporting.domain.assessment import (
    DEFAULT_POLICY,
    AssessmentPolicy,
    ChildScore,
    ChildYear,
    Rank,
    score_child,
)
from reporting.domain.assessment_text import award_reasons, point_reasons
from reporting.service_layer.assessment_models import ChildLine, ChildPage, HelperRef, Reason
from reporting.service_layer.paging import decode_cursor, encode_cursor
from reporting.service_layer.queries import UnitRef, unit_ref, visible_unit
from shouhu_contracts.pairing.vocabulary import PairingRole
from shouhu_contracts.terms import first_year
from shouhu_kit.auth import Principal
from shouhu_kit.city_policy import CityPolicies, Version
from shouhu_kit.org.paths import decode_path
from shouhu_kit.spreadsheets import chunks
from shouhu_kit.uow import UnitOfWork

# The city's versioned assessment formula (shouhu_kit.city_policy), on reporting's assessment_policies.
POLICIES = CityPolicies(
    row=AssessmentPolicyVersion, model=AssessmentPolicy, default=DEFAULT_POLICY, tree=TREE
)
RECORD_KINDS = ("merit_student", "serious_violation")
Where = Callable[[Any], ColumnElement[bool]]  # a condition on the second-term results' alias


def terms(school_year: str) -> tuple[str, str, str]:
    """The year's two terms and the previous year's second: 2025-2026 → -1, -2 and 2024-2025-2."""
    start = first_year(school_year)
    return f"{school_year}-1", f"{school_year}-2", f"{start - 1:04d}-{start:04d}-2"


class Ids:
    """UUIDs from the ids a query returns as they are stored (SQLite: hex text; PostgreSQL: UUIDs).

    One object per id: a class's id, read once per child and term, is converted once, and a child's
    id read again by the records and pairings queries is found, not parsed (bench/README.md,
    "Assessment": parsing every id was a third of a city's build).
    """

    def __init__(self) -> None:
        self.seen: dict[Any, uuid.UUID] = {}

    def __call__(self, raw: Any) -> Any:
        if raw is None or isinstance(raw, uuid.UUID):
            return raw
        found = self.seen.get(raw)
        if found is None:
            found = self.seen[raw] = uuid.UUID(raw)
        return found


@dataclass(frozen=True, slots=True)
class HelperFacts:
    """A credited helper as reporting knows it."""

    helper_id: uuid.UUID
    name: str | None
    kind: str
    unit_id: uuid.UUID | None


@dataclass
class Facts:
    """The assessment's inputs for some children, and their scores under one policy."""

    years: dict[uuid.UUID, ChildYear] = field(default_factory=dict)
    names: dict[uuid.UUID, str] = field(default_factory=dict)
    credited: dict[uuid.UUID, list[uuid.UUID]] = field(default_factory=dict)  # child -> helpers
    helpers: dict[uuid.UUID, HelperFacts] = field(default_factory=dict)
    scores: dict[uuid.UUID, ChildScore] = field(default_factory=dict)
    order: list[uuid.UUID] = field(default_factory=list)  # the children as read
    ids: Ids = field(default_factory=Ids)


def policy_of(session: Session, unit: Row[Any]) -> Version[AssessmentPolicy]:
    """The formula of the unit's city: its newest version, or the default."""
    path = decode_path(unit.path)
    return POLICIES.newest(session, path[0] if path else None)


def _raw(column: Any, label: str) -> Any:
    """The column as the database returns it, without SQLAlchemy's UUID conversion."""
    return type_coerce(column, String).label(label)


def _ranks(school_year: str) -> tuple[Any, Any]:
    """Each child's second-term rank with its first-term and carried ranks and name; and the alias."""
    first, end, previous = terms(school_year)
    e, f, p = aliased(Result, name="e"), aliased(Result, name="f"), aliased(Result, name="p")
    name = func.coalesce(ChildFact.name, "")
    query = (
        select(
            _raw(e.child_id, "child_id"),
            _raw(e.class_id, "end_class"),
            e.class_rank,
            _raw(f.class_id, "first_class"),
            f.class_rank,
            _raw(p.class_id, "previous_class"),
            p.class_rank,
            name,
        )
        .select_from(e)
        .outerjoin(f, and_(f.child_id == e.child_id, f.term == first))
        .outerjoin(p, and_(p.child_id == e.child_id, p.term == previous))
        .outerjoin(ChildFact, ChildFact.child_id == e.child_id)
        .where(e.term == end)
    )
    return query, e


def _records(session: Session, school_year: str, where: Where, ids: Ids) -> tuple[set[Any], set[Any]]:
    """The children with a serious violation, and those named Merit Student, in the year."""
    e, r = aliased(Result, name="e"), RecordFact
    rows = session.execute(
        select(_raw(r.child_id, "child_id"), r.kind)
        .join(e, and_(e.child_id == r.child_id, e.term == terms(school_year)[1]))
        .where(where(e), r.school_year == school_year, r.kind.in_(RECORD_KINDS))
        .distinct()
    )
    serious: set[uuid.UUID] = set()
    merit: set[uuid.UUID] = set()
    for child, kind in rows:
        (serious if kind == "serious_violation" else merit).add(ids(child))
    return serious, merit


def _credits(
    session: Session, school_year: str, where: Where, policy: AssessmentPolicy, facts: Facts
) -> None:
    """The helpers whose pairing was live when each child's second-term rank was recorded."""
    e, pf, h = aliased(Result, name="e"), PairingFact, HelperFact
    roles = [PairingRole.PRIMARY.value, *([PairingRole.SECONDARY.value] if policy.secondary_helpers else [])]
    rows = session.execute(
        select(
            _raw(pf.child_id, "child_id"),
            _raw(pf.helper_id, "helper_id"),
            pf.helper_kind,
            h.name,
            h.kind,
            _raw(h.unit_id, "unit_id"),
        )
        .join(e, and_(e.child_id == pf.child_id, e.term == terms(school_year)[1]))
        .outerjoin(h, h.helper_id == pf.helper_id)
        .where(
            where(e),
            pf.role.in_(roles),
            pf.created_at <= e.recorded_at,
            or_(pf.ended_at.is_(None), pf.ended_at > e.recorded_at),
        )
    )
    ids, helpers, credited = facts.ids, facts.helpers, facts.credited
    for child, helper, pairing_kind, name, kind, unit in rows:
        child, helper = ids(child), ids(helper)
        mine = credited.setdefault(child, [])
        if helper not in mine:
            mine.append(helper)
        if helper not in helpers:
            helpers[helper] = HelperFacts(helper, name, kind or pairing_kind, ids(unit))
    for mine in credited.values():
        if len(mine) > 1:
            mine.sort(key=str)


def load(
    session: Session, rows: Iterable[Any], *, school_year: str, where: Where, policy: AssessmentPolicy
) -> Facts:
    """The children of some rank rows with their records and credited helpers, scored."""
    facts = Facts()
    ids = facts.ids
    rows = [(ids(r[0]), *r[1:]) for r in rows]  # the children's ids first: the records find them
    serious, merit = _records(session, school_year, where, ids)
    first, end, previous = terms(school_year)
    years, names = facts.years, facts.names
    for child, cls, rank, f_cls, f_rank, p_cls, p_rank, name in rows:
        years[child] = ChildYear(
            child_id=child,
            end=Rank(end, ids(cls), rank),
            first_term=Rank(first, ids(f_cls), f_rank) if f_cls is not None else None,
            previous_end=Rank(previous, ids(p_cls), p_rank) if p_cls is not None else None,
            serious_violation=child in serious,
            merit_student=child in merit,
        )
        names[child] = name
        facts.order.append(child)
    _credits(session, school_year, where, policy, facts)
    facts.scores = {child: score_child(year, policy) for child, year in years.items()}
    return facts


def load_unit(session: Session, *, below: Select[Any], school_year: str, policy: AssessmentPolicy) -> Facts:
    """Every child assessed under a unit (`below`: the subtree's unit ids), scored."""
    query, e = _ranks(school_year)
    rows = session.execute(query.where(e.class_id.in_(below)))
    return load(session, rows, school_year=school_year, where=lambda a: a.class_id.in_(below), policy=policy)


def unit_refs(session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Row[Any]]:
    """Tree rows by id, 500 ids a query."""
    t, out = TREE.table, {}
    for part in chunks(sorted(set(ids))):
        out.update({r.id: r for r in session.execute(select(t).where(t.c.id.in_(part)))})
    return out


def helper_ref(h: HelperFacts) -> HelperRef:
    """The API's view of a credited helper."""
    return HelperRef(helper_id=h.helper_id, name=h.name, kind=h.kind)


def _reason(r: Any) -> Reason:
    return Reason(code=r.code, amount=r.amount, reason=r.zh, reason_en=r.en)


def child_line(
    facts: Facts, child: uuid.UUID, policy: AssessmentPolicy, classes: dict[uuid.UUID, UnitRef]
) -> ChildLine:
    """One child's line: ranks, every point and award with its reason, the helpers credited."""
    score, year = facts.scores[child], facts.years[child]
    return ChildLine(
        child_id=child,
        name=facts.names.get(child, ""),
        class_unit=classes.get(score.end.class_id),
        baseline_term=score.baseline.term if score.baseline else None,
        baseline_source=score.baseline_source.value if score.baseline_source else None,
        baseline_rank=score.baseline.rank if score.baseline else None,
        end_term=score.end.term,
        end_rank=score.end.rank,
        places_gained=score.places_gained,
        moved_class=score.moved_class,
        points=[
            Reason(code=r.code, amount=r.amount, reason=r.zh, reason_en=r.en)
            for r in point_reasons(score, policy)
        ],
        score=score.score,
        awards=[
            Reason(code=r.code, amount=r.amount, reason=r.zh, reason_en=r.en)
            for r in award_reasons(score, year, policy)
        ],
        award_yuan=score.award_yuan,
        helpers=[helper_ref(facts.helpers[h]) for h in facts.credited.get(child, [])],
    )


def children_page(
    *,
    uow: UnitOfWork,
    principal: Principal,
    unit_id: uuid.UUID,
    school_year: str,
    after: str | None = None,
    limit: int = 50,
) -> ChildPage:
    """The children assessed under a unit, by name: only the page's children are read and scored."""
    with uow:
        unit = visible_unit(uow, unit_id, principal)
        version = policy_of(uow.session, unit)
        query, e = _ranks(school_year)
        below = TREE.subtree(unit.path)
        name = func.coalesce(ChildFact.name, "")
        query = query.where(e.class_id.in_(below))
        if after is not None:
            last_name, last_id = decode_cursor(after, str, uuid.UUID)
            query = query.where(or_(name > last_name, and_(name == last_name, e.child_id > last_id)))
        rows = uow.session.execute(query.order_by(name, e.child_id).limit(limit + 1)).all()
        page = [Ids()(r[0]) for r in rows[:limit]]
        facts = load(
            uow.session,
            rows[:limit],
            school_year=school_year,
            where=lambda alias: alias.child_id.in_(page),
            policy=version.policy,
        )
        ids = list(facts.order)
        refs = unit_refs(uow.session, (y.end.class_id for y in facts.years.values()))
        classes = {k: unit_ref(r) for k, r in refs.items()}
        items = [child_line(facts, c, version.policy, classes) for c in ids]
        more = len(rows) > limit
        return ChildPage(
            unit=unit_ref(unit),
            school_year=school_year,
            policy_version=version.version,
            items=items,
            next_after=encode_cursor(items[-1].name, items[-1].child_id) if more and items else None,
        )


def scoped(principal: Principal, rows: dict[uuid.UUID, Row[Any]], unit: uuid.UUID | None) -> UnitRef | None:
    """A unit's ref when the caller may see it (a helper's unit may lie outside the caller's scope)."""
    row = rows.get(unit) if unit else None
    return unit_ref(row) if row is not None and principal.sees(decode_path(row.path)) else None
