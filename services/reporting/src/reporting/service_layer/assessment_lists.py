"""Helpers' and class teachers' assessment under a unit: sums and averages over the unit's children.

Both need every child assessed under the unit, so each page builds the unit's assessment (one
read per kind of fact, see service_layer/assessment.py) and pages the totals in memory.

A helper's line sums the children credited to them *under the unit*: asked at a school, a
volunteer who helps children in two schools shows this school's children; asked at the township
or the city, both. A class teacher is a helper of kind class_teacher whose unit is the class
(pairing names a class's class teacher among the school's teachers; the events carry only the
helper's own unit, so one registered at the school level is not known here as any class's). A
class teacher who is also a paired helper has both lines: the seed assesses the two roles apart.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from reporting.adapters.orm import TREE, ClassTeacherFact, HelperFact
from reporting.domain.assessment import AssessmentPolicy, class_average, helper_score, reward_yuan
from reporting.service_layer.assessment import (
    Facts,
    HelperFacts,
    helper_ref,
    load_unit,
    policy_of,
    scoped,
    unit_refs,
)
from reporting.service_layer.assessment_models import (
    ClassLine,
    ClassPage,
    HelperChild,
    HelperLine,
    HelperPage,
    HelperRef,
)
from reporting.service_layer.paging import decode_cursor, encode_cursor
from reporting.service_layer.queries import unit_ref, visible_unit
from shouhu_contracts.pairing.vocabulary import HelperKind
from shouhu_kit.auth import Principal
from shouhu_kit.city_policy import Version
from shouhu_kit.collector import collector_paused
from shouhu_kit.spreadsheets import chunks
from shouhu_kit.uow import UnitOfWork


@dataclass(frozen=True)
class Built:
    """A unit's assessment for a school year: the unit, the policy version, every child scored."""

    unit: Row[Any]
    school_year: str
    version: Version[AssessmentPolicy]
    facts: Facts


@dataclass(frozen=True)
class HelperTotal:
    """A helper's children under the unit and their sum."""

    helper: HelperFacts
    children: list[uuid.UUID]
    score: int


@dataclass(frozen=True)
class ClassTotal:
    """A class's assessed children, their points together and the average."""

    class_id: uuid.UUID
    children: list[uuid.UUID]
    total: int
    average: float


def build(uow: UnitOfWork, *, principal: Principal, unit_id: uuid.UUID, school_year: str) -> Built:
    """Every child assessed under a unit the caller may see, scored with the city's formula."""
    unit = visible_unit(uow, unit_id, principal)
    version = policy_of(uow.session, unit)
    with collector_paused():  # a district's children, records and credits: see shouhu_kit.collector
        facts = load_unit(
            uow.session, below=TREE.subtree(unit.path), school_year=school_year, policy=version.policy
        )
    return Built(unit, school_year, version, facts)


def helper_totals(facts: Facts) -> list[HelperTotal]:
    """Each credited helper's sum, highest first (ties by helper id, so pages are stable).

    A helper's children are in no order (`by_name` orders those shown)."""
    children: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for child in facts.order:
        for helper in facts.credited.get(child, []):
            children[helper].append(child)
    totals = [
        HelperTotal(facts.helpers[h], kids, helper_score([facts.scores[c].score for c in kids]))
        for h, kids in children.items()
    ]
    return sorted(totals, key=lambda t: (-t.score, str(t.helper.helper_id)))


def by_name(facts: Facts, children: list[uuid.UUID]) -> list[uuid.UUID]:
    """Children in name order (then id)."""
    return sorted(children, key=lambda c: (facts.names.get(c, ""), str(c)))


def class_totals(facts: Facts) -> dict[uuid.UUID, ClassTotal]:
    """Each class's children (by the class of their second-term rank) and their average."""
    children: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for child in facts.order:
        children[facts.scores[child].end.class_id].append(child)
    out = {}
    for cls, kids in children.items():
        scores = [facts.scores[c].score for c in kids]
        out[cls] = ClassTotal(cls, kids, sum(scores), class_average(scores))
    return out


def class_teachers(session: Session, class_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[HelperRef]]:
    """Each class's class teacher: the one pairing names as heading it (or, for a class teacher
    registered at the class itself, that one)."""
    out: dict[uuid.UUID, list[HelperRef]] = defaultdict(list)
    h, c = HelperFact, ClassTeacherFact
    for part in chunks(sorted(class_ids)):
        named = session.execute(
            select(c.class_id, h)
            .join(h, h.helper_id == c.helper_id)
            .where(c.class_id.in_(part), h.active.is_(True))
        ).all()
        registered = session.scalars(
            select(h)
            .where(h.kind == HelperKind.CLASS_TEACHER.value, h.active.is_(True), h.unit_id.in_(part))
            .order_by(h.helper_id)
        ).all()
        for class_id, r in [*named, *((r.unit_id, r) for r in registered)]:
            if all(t.helper_id != r.helper_id for t in out[class_id]):
                out[class_id].append(HelperRef(helper_id=r.helper_id, name=r.name, kind=r.kind))
    return out


def helpers_page(
    *,
    uow: UnitOfWork,
    principal: Principal,
    unit_id: uuid.UUID,
    school_year: str,
    after: str | None = None,
    limit: int = 50,
) -> HelperPage:
    """The helpers credited under a unit, highest score first, each with their children."""
    with uow:
        built = build(uow, principal=principal, unit_id=unit_id, school_year=school_year)
        totals = helper_totals(built.facts)
        if after is not None:
            score, helper = decode_cursor(after, int, uuid.UUID)
            totals = [t for t in totals if (-t.score, str(t.helper.helper_id)) > (-score, str(helper))]
        page, more = totals[:limit], len(totals) > limit
        facts, policy = built.facts, built.version.policy
        rows = unit_refs(
            uow.session,
            [*(facts.scores[c].end.class_id for t in page for c in t.children)]
            + [t.helper.unit_id for t in page if t.helper.unit_id],
        )
        items = [
            HelperLine(
                helper=helper_ref(t.helper),
                unit=scoped(principal, rows, t.helper.unit_id),
                children=[
                    HelperChild(
                        child_id=c,
                        name=facts.names.get(c, ""),
                        class_unit=scoped(principal, rows, facts.scores[c].end.class_id),
                        score=facts.scores[c].score,
                    )
                    for c in by_name(facts, t.children)
                ],
                score=t.score,
                reward_yuan=reward_yuan(t.score, policy),
            )
            for t in page
        ]
        last = page[-1] if page else None
        return HelperPage(
            unit=unit_ref(built.unit),
            school_year=school_year,
            policy_version=built.version.version,
            items=items,
            next_after=encode_cursor(last.score, last.helper.helper_id) if more and last else None,
        )


def class_rows(session: Session, class_ids: list[uuid.UUID]) -> dict[uuid.UUID, Row[Any]]:
    """The classes' tree rows and their schools' (the parents)."""
    rows = unit_refs(session, class_ids)
    parents = {r.parent_id for r in rows.values() if r.parent_id and r.parent_id not in rows}
    return rows | unit_refs(session, parents)


def class_teachers_page(
    *,
    uow: UnitOfWork,
    principal: Principal,
    unit_id: uuid.UUID,
    school_year: str,
    after: str | None = None,
    limit: int = 50,
) -> ClassPage:
    """Each class under a unit with assessed children: its class teachers and their average, by code."""
    with uow:
        built = build(uow, principal=principal, unit_id=unit_id, school_year=school_year)
        totals = class_totals(built.facts)
        codes = {r.id: r.code for r in unit_refs(uow.session, totals).values()}
        ordered = sorted(totals.values(), key=lambda t: (codes.get(t.class_id, ""), str(t.class_id)))
        if after is not None:
            code, cls = decode_cursor(after, str, uuid.UUID)
            ordered = [t for t in ordered if (codes.get(t.class_id, ""), str(t.class_id)) > (code, str(cls))]
        page, more = ordered[:limit], len(ordered) > limit
        ids = [t.class_id for t in page]
        rows = class_rows(uow.session, ids)
        teachers = class_teachers(uow.session, ids)
        policy = built.version.policy
        items = [
            ClassLine(
                class_unit=unit_ref(rows[t.class_id]),
                school=scoped(principal, rows, rows[t.class_id].parent_id),
                class_teachers=teachers.get(t.class_id, []),
                children=len(t.children),
                total_score=t.total,
                average_score=t.average,
                reward_yuan=reward_yuan(t.average, policy),
            )
            for t in page
        ]
        last = page[-1] if page else None
        return ClassPage(
            unit=unit_ref(built.unit),
            school_year=school_year,
            policy_version=built.version.version,
            items=items,
            next_after=encode_cursor(codes.get(last.class_id, ""), last.class_id) if more and last else None,
        )
