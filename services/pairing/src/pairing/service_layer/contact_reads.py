"""Reading contact logs: one, a child's or a helper's (keyset pages, newest first), notes masked by role."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime

from sqlalchemy import Select, literal, select, tuple_

from pairing.adapters.orm import TREE, ChildToPair, ContactLog, ContactMatch
from pairing.service_layer import access
from pairing.service_layer.contact_models import ContactOut, ContactPage, WindowRefOut
from pairing.service_layer.context import audit
from shouhu_contracts.pairing.vocabulary import ContactKind, Counterpart
from shouhu_kit.auth import Principal, Role
from shouhu_kit.org.scope import scope_filter
from shouhu_kit.problems import invalid_request, not_found
from shouhu_kit.uow import UnitOfWork


def answer(uow: UnitOfWork, log: ContactLog, child: ChildToPair, principal: Principal) -> ContactOut:
    """The log as this caller may see it; an unmasked read of its notes is audited."""
    session = uow.session
    shown = access.reads_notes(session, log, child, principal)
    if shown and log.notes is not None:
        audit(
            uow,
            principal=principal,
            action="read_contact_notes",
            detail=f"contact log {log.id}",
            child_id=log.child_id,
            helper_id=log.helper_id,
        )
    matches = session.scalars(
        select(ContactMatch).where(ContactMatch.log_id == log.id).order_by(ContactMatch.window_start)
    ).all()
    return ContactOut(
        id=log.id,
        child_id=log.child_id,
        helper_id=log.helper_id,
        kind=ContactKind(log.kind),
        counterpart=Counterpart(log.counterpart),
        occurred_at=log.occurred_at,
        duration_minutes=log.duration_minutes,
        notes=log.notes if shown else None,
        notes_masked=not shown and log.notes is not None,
        follow_up_needed=log.follow_up_needed,
        logged_at=log.logged_at,
        logged_by=log.logged_by,
        corrected_at=log.corrected_at,
        version=log.version,
        met=[WindowRefOut.model_validate(m, from_attributes=True) for m in matches],
    )


def get_contact(*, uow: UnitOfWork, log_id: uuid.UUID, principal: Principal) -> ContactOut:
    """One log in the caller's scope."""
    with uow:
        log, child = access.visible_log(uow.session, log_id, principal)
        out = answer(uow, log, child, principal)
        uow.commit()  # the audit of the read
        return out


def _encode(log: ContactLog) -> str:
    return base64.urlsafe_b64encode(json.dumps([log.occurred_at.isoformat(), str(log.id)]).encode()).decode()


def _decode(cursor: str) -> tuple[datetime, uuid.UUID]:
    """The last row's instant and id; anything a client could have made up answers 422, never 500."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(values, list) or len(values) != 2 or not all(isinstance(v, str) for v in values):
            raise ValueError("a cursor is two strings")
        at = datetime.fromisoformat(values[0])
        if at.tzinfo is None:
            raise ValueError("naive datetime")
        return at, uuid.UUID(values[1])
    except (ValueError, RecursionError) as exc:
        raise invalid_request(
            [{"field": "cursor", "location": "query", "message": "游标无效", "message_en": "invalid cursor"}]
        ) from exc


def _page(
    uow: UnitOfWork,
    query: Select[ContactLog, ChildToPair],
    *,
    cursor: str | None,
    limit: int,
    principal: Principal,
) -> ContactPage:
    if cursor:
        at, last = _decode(cursor)
        bound = tuple_(
            literal(at, type_=ContactLog.occurred_at.type), literal(last, type_=ContactLog.id.type)
        )
        query = query.where(tuple_(ContactLog.occurred_at, ContactLog.id) < bound)
    rows = uow.session.execute(
        query.order_by(ContactLog.occurred_at.desc(), ContactLog.id.desc()).limit(limit + 1)
    ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    items = [answer(uow, log, child, principal) for log, child in rows]
    return ContactPage(items=items, next_cursor=_encode(rows[-1][0]) if more and rows else None)


def list_contacts(
    *,
    uow: UnitOfWork,
    child_id: uuid.UUID | None,
    helper_id: uuid.UUID | None,
    cursor: str | None,
    limit: int,
    principal: Principal,
) -> ContactPage:
    """A child's logs, or a helper's, in the caller's scope; a helper reads only the logs they wrote."""
    if child_id is None and helper_id is None:
        raise invalid_request(
            [
                {
                    "field": "child_id",
                    "location": "query",
                    "message": "须指定 child_id 或 helper_id",
                    "message_en": "give child_id or helper_id",
                }
            ]
        )
    with uow:
        session = uow.session
        query = select(ContactLog, ChildToPair).join(ChildToPair, ChildToPair.id == ContactLog.child_id)
        if child_id is not None:
            access.visible_child(session, child_id, principal)
            query = query.where(ContactLog.child_id == child_id)
        if helper_id is not None:
            access.visible_helper(session, helper_id, principal)
            query = query.where(ContactLog.helper_id == helper_id)
        if principal.role is Role.HELPER:
            me = access.own_helper(session, principal)
            if me is None:
                raise not_found("帮扶人", "Helper")
            query = query.where(ContactLog.helper_id == me.id)
        else:
            query = query.where(
                scope_filter(session, tree=TREE, principal=principal, units=[ChildToPair.class_id])
            )
        page = _page(uow, query, cursor=cursor, limit=limit, principal=principal)
        uow.commit()
        return page


def my_contacts(*, uow: UnitOfWork, cursor: str | None, limit: int, principal: Principal) -> ContactPage:
    """The logs the calling helper wrote, newest first."""
    with uow:
        me = access.own_helper(uow.session, principal)
        if me is None:
            raise not_found("帮扶人", "Helper")
        query = (
            select(ContactLog, ChildToPair)
            .join(ChildToPair, ChildToPair.id == ContactLog.child_id)
            .where(ContactLog.helper_id == me.id)
        )
        page = _page(uow, query, cursor=cursor, limit=limit, principal=principal)
        uow.commit()
        return page
