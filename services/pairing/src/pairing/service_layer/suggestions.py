"""Match suggestions (结对推荐): propose helpers for a unit's unpaired children, then accept or decline.

A run proposes for every waiting child of the unit (so the neediest of the whole unit are served
first) and stores its proposals; the answer carries the first page. Accepting pairs through
`pairings.pair`, so every rule is checked again at that moment: a proposal overtaken since (the
helper's places filled, the child paired or gone) becomes stale with the rule's reason.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pairing.adapters.orm import TREE, ChildToPair, Helper, Suggestion, SuggestionRun
from pairing.domain.matching import WaitingChild, propose
from pairing.domain.rules import Refusal
from pairing.service_layer import pairings
from pairing.service_layer.context import child_path
from pairing.service_layer.suggestion_models import (
    DecideIn,
    DecisionOut,
    ReasonOut,
    SuggestIn,
    SuggestionOut,
    SuggestionPage,
    SuggestionRunOut,
    SuggestionRunSummary,
    UnmatchedOut,
)
from pairing.service_layer.suggestion_store import (
    OPEN,
    helpers_reaching,
    load_unit,
    names_of,
    page_rows,
    store_run,
)
from shouhu_contracts.org import ChildStatus, OrgKind
from shouhu_contracts.pairing.vocabulary import PairingRole
from shouhu_kit.auth import Principal
from shouhu_kit.clock import CHINA_TZ
from shouhu_kit.collector import collector_paused
from shouhu_kit.org.paths import decode_path
from shouhu_kit.org.scope import sees_unit
from shouhu_kit.problems import invalid_request, not_found
from shouhu_kit.uow import UnitOfWork

ACCEPT_BATCH = 200  # proposals accepted per transaction
UNITS = frozenset({OrgKind.SCHOOL.value, OrgKind.TOWNSHIP.value, OrgKind.DISTRICT.value, OrgKind.CITY.value})
RACED = Refusal(
    "child_id", "该儿童刚刚已与他人结对", "the child was just paired by someone else", "has_primary"
)


def _unit_path(session: Session, principal: Principal, unit_id: uuid.UUID) -> str:
    """The unit's path: 404 when unknown or outside the caller's scope, 422 unless a school or above."""
    row = TREE.row(session, unit_id)
    if row is None or not principal.sees(decode_path(row.path)):
        raise not_found("组织单元", "Unit")
    if row.kind not in UNITS:
        raise invalid_request(
            [
                {
                    "field": "unit_id",
                    "location": "body",
                    "message": "须为学校、乡镇、区县或市",
                    "message_en": "must be a school, township, district or city",
                    "type": "unit_kind",
                }
            ]
        )
    return str(row.path)


def suggest(
    *, uow: UnitOfWork, body: SuggestIn, principal: Principal, timings: dict[str, Any] | None = None
) -> SuggestionRunOut:
    """Propose a primary helper for every unpaired child of the unit, store the run, answer its first page.

    `timings` (the bench's) receives the seconds spent loading, matching, storing and answering.
    """
    clock = time.perf_counter
    with collector_paused(), uow:
        session = uow.session
        t0 = clock()
        prefix = _unit_path(session, principal, body.unit_id)
        children, helpers = load_unit(session, prefix=prefix, above=decode_path(prefix))
        t1 = clock()
        matching = propose(children, helpers, today=uow.now().astimezone(CHINA_TZ).date())
        t2 = clock()
        run = store_run(
            session,
            unit_id=body.unit_id,
            source="request",
            actor=principal.subject,
            at=uow.now(),
            matching=matching,
        )
        t3 = clock()
        page = _page(session, run, after=0, limit=body.limit)
        shown = matching.unmatched[: body.limit]
        shown_ids = [uuid.UUID(str(u.child_id)) for u in shown]  # the database's text, see load_unit
        names = names_of(session, shown_ids)
        unmatched = [
            UnmatchedOut(
                rank=u.rank,
                child_id=child_id,
                child_name=names.get(child_id, ""),
                reasons=[ReasonOut(**r) for r in u.reasons],
            )
            for u, child_id in zip(shown, shown_ids, strict=True)
        ]
        t4 = clock()
        uow.commit()
        t5 = clock()
    if timings is not None:
        timings.update(
            children=len(children),
            helpers=len(helpers),
            proposals=len(matching.proposals),
            unmatched=len(matching.unmatched),
            load_s=t1 - t0,
            match_s=t2 - t1,
            store_s=(t3 - t2) + (t5 - t4),
            answer_s=t4 - t3,
        )
    return SuggestionRunOut(**page.model_dump(), unmatched_count=len(matching.unmatched), unmatched=unmatched)


def _page(session: Session, run: SuggestionRun, *, after: int, limit: int) -> SuggestionPage:
    rows = page_rows(session, run_id=run.id, after=after, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return SuggestionPage(
        run_id=run.id,
        unit_id=run.unit_id,
        source=run.source,
        created_at=run.created_at,
        proposals=run.proposals,
        items=[SuggestionOut.model_validate(r, from_attributes=True) for r in rows],
        next_after=rows[-1].rank if more else None,
    )


def _run_in_scope(session: Session, principal: Principal, run_id: uuid.UUID) -> SuggestionRun:
    run = session.get(SuggestionRun, run_id)
    if run is None or not sees_unit(session, tree=TREE, principal=principal, unit_id=run.unit_id):
        raise not_found("推荐", "Suggestion run")
    return run


def list_runs(
    *, uow: UnitOfWork, unit_id: uuid.UUID, source: str | None, limit: int, principal: Principal
) -> list[SuggestionRunSummary]:
    """Runs for the unit and the units under it (a transfer's is its new school's), newest first."""
    with uow:
        row = TREE.row(uow.session, unit_id)
        if row is None or not principal.sees(decode_path(row.path)):
            raise not_found("组织单元", "Unit")
        query = select(SuggestionRun).where(SuggestionRun.unit_id.in_(TREE.subtree(str(row.path))))
        if source is not None:
            query = query.where(SuggestionRun.source == source)
        runs = uow.session.scalars(query.order_by(SuggestionRun.created_at.desc()).limit(limit)).all()
        return [SuggestionRunSummary.model_validate(r, from_attributes=True) for r in runs]


def get_run(
    *, uow: UnitOfWork, run_id: uuid.UUID, after: int, limit: int, principal: Principal
) -> SuggestionPage:
    """A page of a run's proposals in order of need, after the rank `after`."""
    with uow:
        return _page(uow.session, _run_in_scope(uow.session, principal, run_id), after=after, limit=limit)


def accept(*, uow: UnitOfWork, run_id: uuid.UUID, body: DecideIn, principal: Principal) -> list[DecisionOut]:
    """Pair each chosen open proposal (all of them with `all`), one transaction per ACCEPT_BATCH."""
    with uow:
        _run_in_scope(uow.session, principal, run_id)
    out: list[DecisionOut] = []
    if body.child_ids is not None:
        wanted = list(dict.fromkeys(body.child_ids))
        for start in range(0, len(wanted), ACCEPT_BATCH):
            batch = wanted[start : start + ACCEPT_BATCH]
            made, _ = _accept_batch(uow, run_id, principal.subject, child_ids=batch)
            seen = {d.child_id for d in made}
            out += made + [DecisionOut(child_id=c, outcome="not_open") for c in batch if c not in seen]
        return out
    after: int | None = 0
    while after is not None:
        made, after = _accept_batch(uow, run_id, principal.subject, after=after)
        out += made
    return out


def _open_rows(
    session: Session, run_id: uuid.UUID, *, child_ids: Sequence[uuid.UUID] | None, after: int | None
) -> list[Suggestion]:
    query = select(Suggestion).where(Suggestion.run_id == run_id, Suggestion.status == OPEN)
    if child_ids is not None:
        query = query.where(Suggestion.child_id.in_(child_ids))
    if after is not None:
        query = query.where(Suggestion.rank > after)
    return list(session.scalars(query.order_by(Suggestion.rank).limit(ACCEPT_BATCH)))


def _accept_batch(
    uow: UnitOfWork,
    run_id: uuid.UUID,
    actor: str,
    *,
    child_ids: Sequence[uuid.UUID] | None = None,
    after: int | None = None,
) -> tuple[list[DecisionOut], int | None]:
    """Accept one batch in one transaction; the rank of its last row, None when nothing was left."""
    ids: list[uuid.UUID] = []
    last: int | None = None
    try:
        with uow:
            rows = _open_rows(uow.session, run_id, child_ids=child_ids, after=after)
            if not rows:
                return [], None
            ids, last = [r.id for r in rows], rows[-1].rank
            out = _pair_rows(uow, rows, actor)
            uow.commit()
            return out, last
    except IntegrityError:
        pass  # a child of the batch was paired elsewhere at the same moment: one transaction each
    return [_accept_alone(uow, sid, actor) for sid in ids], last


def _accept_alone(uow: UnitOfWork, suggestion_id: uuid.UUID, actor: str) -> DecisionOut:
    try:
        with uow:
            row = uow.session.get_one(Suggestion, suggestion_id)
            if row.status != OPEN:
                return DecisionOut(child_id=row.child_id, outcome="not_open")
            [out] = _pair_rows(uow, [row], actor)
            uow.commit()
            return out
    except IntegrityError:
        with uow:
            row = uow.session.get_one(Suggestion, suggestion_id)
            row.decided_at = uow.now()
            out = _stale(row, RACED)
            uow.commit()
            return out


def _pair_rows(uow: UnitOfWork, rows: list[Suggestion], actor: str) -> list[DecisionOut]:
    """Pair each proposal inside the open unit of work (helpers locked in id order, against deadlocks)."""
    session = uow.session
    kids = session.scalars(select(ChildToPair).where(ChildToPair.id.in_({r.child_id for r in rows})))
    children = {c.id: c for c in kids}
    locked = select(Helper).where(Helper.id.in_({r.helper_id for r in rows})).order_by(Helper.id)
    helpers = {h.id: h for h in session.scalars(locked.with_for_update())}
    now, out = uow.now(), []
    for row in rows:
        got = pairings.pair(
            uow,
            child=children[row.child_id],
            helper=helpers[row.helper_id],
            role=PairingRole.PRIMARY,
            actor=actor,
            suggested=True,
        )
        row.decided_at = now
        if isinstance(got, Refusal):
            out.append(_stale(row, got))
        else:
            row.status, row.pairing_id = "accepted", got.pairing.id
            out.append(DecisionOut(child_id=row.child_id, outcome="created", pairing_id=got.pairing.id))
    return out


def _stale(row: Suggestion, why: Refusal) -> DecisionOut:
    """The proposal no longer holds: stale, the rule that refuses it kept as its last reason."""
    reason = {"zh": why.zh, "en": why.en, "code": why.code}
    row.status, row.reasons = "stale", [*row.reasons, reason]
    return DecisionOut(child_id=row.child_id, outcome="stale", reason=ReasonOut(**reason))


def decline(*, uow: UnitOfWork, run_id: uuid.UUID, body: DecideIn, principal: Principal) -> list[DecisionOut]:
    """Set the chosen open proposals (all of them with `all`) aside: declined."""
    with uow:
        _run_in_scope(uow.session, principal, run_id)
        query = select(Suggestion).where(Suggestion.run_id == run_id, Suggestion.status == OPEN)
        if body.child_ids is not None:
            query = query.where(Suggestion.child_id.in_(body.child_ids))
        rows, now = list(uow.session.scalars(query.order_by(Suggestion.rank))), uow.now()
        out = []
        for row in rows:
            row.status, row.decided_at = "declined", now
            out.append(DecisionOut(child_id=row.child_id, outcome="declined"))
        uow.commit()
    done = {d.child_id for d in out}
    rest = dict.fromkeys(c for c in body.child_ids or [] if c not in done)
    return out + [DecisionOut(child_id=c, outcome="not_open") for c in rest]


def propose_for_child(
    uow: UnitOfWork, child: ChildToPair, *, source: str = "transfer", actor: str = "pairing"
) -> Suggestion | None:
    """A one-child run inside the open unit of work (a transferred child: a helper at the new school).

    None when the child is paired or inactive, or no helper within reach has a free place.
    """
    if child.paired or child.status != ChildStatus.ACTIVE.value:
        return None
    session = uow.session
    path = tuple(child_path(session, child))
    if not path:
        return None
    waiting = WaitingChild(
        child.id, path, child.priority, child.risk_level, child.birth_date, child.left_behind_type,
        child.has_guardian, child.registered_at,
    )  # fmt: skip
    helpers = helpers_reaching(session, path)
    matching = propose([waiting], helpers, today=uow.now().astimezone(CHINA_TZ).date())
    run = store_run(
        session, unit_id=child.class_id, source=source, actor=actor, at=uow.now(), matching=matching
    )
    return session.scalar(select(Suggestion).where(Suggestion.run_id == run.id))
