"""Suggestions' reads and writes, set-based: a few SELECTs for a whole unit, bulk INSERTs for a run.

Never a query per child: the tree's paths under the unit are read once (each distinct id parsed
once), the unit's waiting children in one SELECT, the helpers who reach into it in another.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, or_, select
from sqlalchemy.orm import Session

from pairing.adapters.orm import TREE, Base, ChildToPair, Helper, Suggestion, SuggestionRun
from pairing.domain.matching import FreeHelper, Matching, WaitingChild
from pairing.domain.rules import SECONDARY_ONLY
from shouhu_contracts.org import ChildStatus
from shouhu_contracts.pairing.vocabulary import PairingRole
from shouhu_kit.org.paths import in_subtree

ACTIVE = ChildStatus.ACTIVE.value
OPEN = "open"
INSERT_BATCH = 5000
_T = TREE.table.c
_PEERS = [k.value for k in SECONDARY_ONLY]


def paths_under(session: Session, prefix: str) -> dict[uuid.UUID, tuple[uuid.UUID, ...]]:
    """Each unit's path (city first) in the subtree with this path prefix."""
    parsed: dict[str, uuid.UUID] = {}
    out: dict[uuid.UUID, tuple[uuid.UUID, ...]] = {}
    for unit_id, path in session.execute(select(_T.id, _T.path).where(in_subtree(_T.path, prefix))):
        ids = []
        for part in path[1:-1].split("/"):
            found = parsed.get(part)
            if found is None:
                found = parsed[part] = uuid.UUID(part)
            ids.append(found)
        out[unit_id] = tuple(ids)
    return out


def waiting_children(
    session: Session, *, prefix: str, paths: dict[uuid.UUID, tuple[uuid.UUID, ...]]
) -> list[WaitingChild]:
    """The active unpaired children placed in the subtree, with their class paths."""
    c = ChildToPair
    query = select(
        c.id, c.class_id, c.priority, c.risk_level, c.birth_date, c.left_behind_type, c.has_guardian,
        c.registered_at,
    ).where(c.status == ACTIVE, c.paired.is_(False), c.class_id.in_(TREE.subtree(prefix)))  # fmt: skip
    return [
        WaitingChild(r[0], paths[r[1]], r[2], r[3], r[4], r[5], r[6], r[7])
        for r in session.execute(query)
        if r[1] in paths
    ]


def free_helpers(session: Session, *, prefix: str | None, above: Sequence[uuid.UUID]) -> list[FreeHelper]:
    """Active helpers with a free place (peer students aside) whose reach unit is in the subtree
    with this prefix or is one of `above` (the unit and its ancestors)."""
    h = Helper
    reach = [h.reach_unit_id.in_(list(above))] if above else []
    if prefix is not None:
        reach.append(h.reach_unit_id.in_(TREE.subtree(prefix)))
    query = select(h.id, h.kind, h.reach_unit_id, h.caseload, h.capacity).where(
        h.active.is_(True), h.caseload < h.capacity, h.kind.not_in(_PEERS), or_(*reach)
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
    """The run and its proposals, inserted in batches of INSERT_BATCH rows."""
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
    table = Base.metadata.tables[Suggestion.__tablename__]
    primary = PairingRole.PRIMARY.value
    for batch in _chunks(matching.proposals, INSERT_BATCH):
        rows: list[dict[str, Any]] = [
            {
                "id": uuid.uuid4(),
                "run_id": run.id,
                "rank": p.rank,
                "child_id": p.child_id,
                "helper_id": p.helper_id,
                "role": primary,
                "reasons": p.reasons,
                "status": OPEN,
            }
            for p in batch
        ]
        session.execute(insert(table), rows)
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


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
