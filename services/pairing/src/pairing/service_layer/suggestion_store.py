"""Suggestions' reads and writes, set-based: a few SELECTs for a whole unit, bulk INSERTs for a run.

Never a query per child: the tree's paths under the unit are read once (each distinct id parsed
once), the unit's waiting children in one SELECT, the helpers who reach into it in another; a
run's proposals in one bulk write.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import String, cast, or_, select
from sqlalchemy.orm import Session

from pairing.adapters.bulk import insert_rows, new_ids, raw_id
from pairing.adapters.orm import TREE, ChildToPair, Helper, Suggestion, SuggestionRun
from pairing.domain.matching import FreeHelper, Matching, Proposal, WaitingChild
from pairing.domain.rules import SECONDARY_ONLY
from shouhu_contracts.org import ChildStatus
from shouhu_contracts.pairing.vocabulary import PairingRole
from shouhu_kit.org.paths import in_subtree

ACTIVE = ChildStatus.ACTIVE.value
OPEN = "open"
_COLUMNS = ("id", "run_id", "rank", "child_id", "helper_id", "role", "reasons", "status")
_T = TREE.table.c
_PEERS = [k.value for k in SECONDARY_ONLY]


class Unit(NamedTuple):
    """What a run for one unit starts from."""

    children: list[WaitingChild]
    helpers: list[FreeHelper]


def load_unit(session: Session, *, prefix: str, above: Sequence[uuid.UUID]) -> Unit:
    """The waiting children of the subtree with this path prefix and the free helpers who reach them.

    Three SELECTs. Units become small ints (a run hashes them a million times); children's and
    helpers' ids stay the database's own text (no UUID object per row), see adapters.bulk.
    """
    tree = session.execute(
        select(cast(_T.id, String), _T.path).where(or_(in_subtree(_T.path, prefix), _T.id.in_(list(above))))
    ).all()
    by_text = {path[1:-1].rsplit("/", 1)[-1]: i for i, (_, path) in enumerate(tree)}
    by_raw = {raw: i for i, (raw, _) in enumerate(tree)}
    paths = [tuple(by_text.get(part, -1) for part in path[1:-1].split("/")) for _, path in tree]
    c, h = ChildToPair, Helper
    kids = select(
        cast(c.id, String), cast(c.class_id, String), c.priority, c.risk_level, c.birth_date,
        c.left_behind_type, c.has_guardian, c.registered_at,
    ).where(c.status == ACTIVE, c.paired.is_(False), c.class_id.in_(TREE.subtree(prefix)))  # fmt: skip
    children = [
        WaitingChild(r[0], paths[by_raw[r[1]]], r[2], r[3], r[4], r[5], r[6], r[7])
        for r in session.execute(kids)
        if r[1] in by_raw
    ]
    reach = or_(h.reach_unit_id.in_(TREE.subtree(prefix)), h.reach_unit_id.in_(list(above)))
    free = select(cast(h.id, String), h.kind, cast(h.reach_unit_id, String), h.caseload, h.capacity).where(
        h.active.is_(True), h.caseload < h.capacity, h.kind.not_in(_PEERS), reach
    )
    helpers = [
        FreeHelper(r[0], r[1], by_raw[r[2]], r[3], r[4]) for r in session.execute(free) if r[2] in by_raw
    ]
    return Unit(children, helpers)


def helpers_reaching(session: Session, units: Sequence[uuid.UUID]) -> list[FreeHelper]:
    """The free helpers (peer students aside) whose reach unit is one of these (a child's path)."""
    h = Helper
    query = select(h.id, h.kind, h.reach_unit_id, h.caseload, h.capacity).where(
        h.active.is_(True), h.caseload < h.capacity, h.kind.not_in(_PEERS), h.reach_unit_id.in_(list(units))
    )
    return [FreeHelper(r[0], r[1], r[2], r[3], r[4]) for r in session.execute(query)]


def store_run(
    session: Session,
    *,
    unit_id: uuid.UUID,
    source: str,
    actor: str,
    at: datetime,
    matching: Matching,
) -> SuggestionRun:
    """The run and its proposals (one bulk write; each distinct list of reasons encoded once)."""
    run = SuggestionRun(
        id=uuid.uuid4(),
        unit_id=unit_id,
        source=source,
        created_at=at,
        created_by=actor,
        proposals=len(matching.proposals),
    )
    session.add(run)
    session.flush()
    run_id, primary = run.id.hex, PairingRole.PRIMARY.value
    encoded: dict[tuple[int, ...], str] = {}

    def reasons(p: Proposal) -> str:
        key = tuple(map(id, p.reasons))  # the reasons are shared constants (domain.matching)
        text = encoded.get(key)
        if text is None:
            text = encoded[key] = json.dumps(p.reasons, ensure_ascii=False)
        return text

    # In child order, with ids drawn in order: each index then grows at a few places at a time
    # instead of at random ones all over, which halved SQLite's write time for a city run.
    ids = sorted(new_ids(len(matching.proposals)))
    proposals = sorted(((raw_id(p.child_id), p) for p in matching.proposals), key=lambda cp: cp[0])
    rows = (
        (ids[n], run_id, p.rank, child, raw_id(p.helper_id), primary, reasons(p), OPEN)
        for n, (child, p) in enumerate(proposals)
    )
    insert_rows(session, Suggestion.__tablename__, _COLUMNS, rows)
    return run


def page_rows(session: Session, *, run_id: uuid.UUID, after: int, limit: int) -> list[Any]:
    """A page of a run's proposals after a rank, with the child's and the helper's names."""
    s = Suggestion
    query = (
        select(
            s.rank, s.child_id, ChildToPair.name.label("child_name"), s.helper_id,
            Helper.name.label("helper_name"), Helper.kind.label("helper_kind"), s.role, s.reasons,
            s.status, s.pairing_id,
        )
        .join(ChildToPair, ChildToPair.id == s.child_id)
        .join(Helper, Helper.id == s.helper_id)
        .where(s.run_id == run_id, s.rank > after)
        .order_by(s.rank)
        .limit(limit)
    )  # fmt: skip
    return list(session.execute(query))


def names_of(session: Session, child_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The children's names (one query)."""
    if not child_ids:
        return {}
    rows = session.execute(select(ChildToPair.id, ChildToPair.name).where(ChildToPair.id.in_(child_ids)))
    return {r.id: r.name for r in rows}
