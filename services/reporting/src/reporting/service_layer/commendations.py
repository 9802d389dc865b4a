"""Commendation candidates (表彰: 自强之星、关爱之星) for a school year under a unit.

- 自强之星 (self-improvement stars): the children who gained the most places in class rank over
  their baseline (the assessment's comparable ranks only, at least one place gained).
- 关爱之星 (caring stars): the helpers credited under the unit with the best contact compliance
  over the school year (their obligation windows due September to August that are settled: met,
  late ones included, ÷ met or missed; windows still open are not judged yet), then the higher
  assessment score; a helper needs the policy's minimum of settled windows (default 6, half a
  year of monthly calls) so that one call met is not 100 %.
Equal figures share a rank (1, 2, 2, 4); every candidate ranked `top` or better is listed.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reporting.adapters.orm import WindowFact
from reporting.domain.assessment import competition_ranks
from reporting.service_layer.assessment import helper_ref, scoped, unit_refs
from reporting.service_layer.assessment_lists import Built, build, helper_totals
from reporting.service_layer.assessment_models import Commendations, StarHelper, StarPupil
from reporting.service_layer.queries import unit_ref
from shouhu_contracts.terms import first_year
from shouhu_kit.auth import Principal
from shouhu_kit.spreadsheets import chunks
from shouhu_kit.uow import UnitOfWork


def school_year_months(school_year: str) -> tuple[str, str]:
    """The first and last month of a school year: '2025-2026' → '2025-09', '2026-08'."""
    start = first_year(school_year)
    return f"{start:04d}-09", f"{start + 1:04d}-08"


def settled_windows(
    session: Session, helpers: list[uuid.UUID], school_year: str
) -> dict[uuid.UUID, tuple[int, int]]:
    """Per helper, (settled, met) windows due in the school year, by the windows' helper index."""
    first, last = school_year_months(school_year)
    w = WindowFact
    counts: dict[uuid.UUID, dict[str, int]] = defaultdict(dict)
    for part in chunks(sorted(helpers)):
        rows = session.execute(
            select(w.helper_id, w.state, func.count())
            .where(w.helper_id.in_(part), w.month >= first, w.month <= last, w.state.in_(("met", "missed")))
            .group_by(w.helper_id, w.state)
        )
        for helper, state, n in rows:
            if helper is not None:
                counts[helper][state] = n
    return {h: (c.get("met", 0) + c.get("missed", 0), c.get("met", 0)) for h, c in counts.items()}


def self_improvement(built: Built, session: Session, principal: Principal, top: int) -> list[StarPupil]:
    """The children with the most places gained, ranked."""
    facts = built.facts
    gained = [
        (s.places_gained, facts.names.get(c, ""), c)
        for c, s in facts.scores.items()
        if s.places_gained is not None and s.places_gained > 0
    ]
    gained.sort(key=lambda g: (-g[0], g[1], str(g[2])))
    ranked = [(r, g) for r, g in competition_ranks(gained, key=lambda g: g[0]) if r <= top]
    rows = unit_refs(session, (facts.scores[c].end.class_id for _, (_, _, c) in ranked))
    out = []
    for rank, (places, name, child) in ranked:
        score = facts.scores[child]
        assert score.baseline is not None  # places_gained is set
        out.append(
            StarPupil(
                rank=rank,
                child_id=child,
                name=name,
                class_unit=scoped(principal, rows, score.end.class_id),
                baseline_rank=score.baseline.rank,
                end_rank=score.end.rank,
                places_gained=places,
                score=score.score,
            )
        )
    return out


def caring(built: Built, session: Session, top: int) -> list[StarHelper]:
    """The helpers with the best compliance, then score, ranked."""
    totals = helper_totals(built.facts)
    windows = settled_windows(session, [t.helper.helper_id for t in totals], built.school_year)
    least = built.version.policy.caring_min_windows
    candidates = []
    for t in totals:
        settled, met = windows.get(t.helper.helper_id, (0, 0))
        if settled >= least:
            candidates.append((Fraction(met, settled), t.score, settled, met, t))
    candidates.sort(key=lambda c: (-c[0], -c[1], str(c[4].helper.helper_id)))
    return [
        StarHelper(
            rank=rank,
            helper=helper_ref(t.helper),
            windows_settled=settled,
            windows_met=met,
            compliance=round(float(share), 4),
            score=score,
        )
        for rank, (share, score, settled, met, t) in competition_ranks(candidates, key=lambda c: (c[0], c[1]))
        if rank <= top
    ]


def commendations(
    *, uow: UnitOfWork, principal: Principal, unit_id: uuid.UUID, school_year: str, top: int = 10
) -> Commendations:
    """Both lists of candidates under a unit the caller may see."""
    with uow:
        built = build(uow, principal=principal, unit_id=unit_id, school_year=school_year)
        return Commendations(
            unit=unit_ref(built.unit),
            school_year=school_year,
            policy_version=built.version.version,
            self_improvement=self_improvement(built, uow.session, principal, top),
            caring=caring(built, uow.session, top),
        )
