"""Who sees which child and which contact log, and who may read a log's notes.

A helper sees the children of their active pairings and the logs they wrote; school staff their
school's subtree; officials theirs (shouhu_kit.org.scope). Out of scope answers 404, as the registry does.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from pairing.adapters.orm import ACTIVE, TREE, ChildToPair, ContactLog, Helper, Pairing
from shouhu_kit.auth import Principal, Role
from shouhu_kit.org.scope import sees_unit
from shouhu_kit.problems import not_found

# Contact notes are for the helper who wrote them and the school's teachers and head.
NOTES_ROLES = frozenset({Role.TEACHER, Role.SCHOOL_ADMIN})


def own_helper(session: Session, principal: Principal) -> Helper | None:
    """The helper record whose login is the caller, if any."""
    return session.scalars(select(Helper).where(Helper.account == principal.subject)).first()


def is_paired(session: Session, *, child_id: uuid.UUID, helper_id: uuid.UUID) -> bool:
    """True when the child and the helper have an active pairing."""
    found = session.scalar(
        select(Pairing.id).where(
            Pairing.child_id == child_id, Pairing.helper_id == helper_id, Pairing.status == ACTIVE
        )
    )
    return found is not None


def sees_child(session: Session, child: ChildToPair, principal: Principal) -> bool:
    """True when the caller may see the child."""
    if principal.role is Role.HELPER:
        me = own_helper(session, principal)
        return me is not None and is_paired(session, child_id=child.id, helper_id=me.id)
    return sees_unit(session, tree=TREE, principal=principal, unit_id=child.class_id)


def visible_child(session: Session, child_id: uuid.UUID, principal: Principal) -> ChildToPair:
    """The child, or 404 when missing or outside the caller's scope (no existence leak)."""
    child = session.get(ChildToPair, child_id)
    if child is None or not sees_child(session, child, principal):
        raise not_found("儿童", "Child")
    return child


def visible_helper(session: Session, helper_id: uuid.UUID, principal: Principal) -> Helper:
    """The helper, or 404: a helper sees only themselves, staff the helpers of their subtree."""
    helper = session.get(Helper, helper_id)
    if helper is None:
        raise not_found("帮扶人", "Helper")
    if principal.role is Role.HELPER:
        ok = helper.account == principal.subject
    else:
        ok = sees_unit(session, tree=TREE, principal=principal, unit_id=helper.unit_id)
    if not ok:
        raise not_found("帮扶人", "Helper")
    return helper


def visible_log(session: Session, log_id: uuid.UUID, principal: Principal) -> tuple[ContactLog, ChildToPair]:
    """The log and its child, or 404: a helper sees the logs they wrote, staff those of their subtree."""
    log = session.get(ContactLog, log_id)
    child = session.get(ChildToPair, log.child_id) if log is not None else None
    if log is None or child is None:
        raise not_found("联系记录", "Contact log")
    if principal.role is Role.HELPER:
        me = own_helper(session, principal)
        ok = me is not None and log.helper_id == me.id
    else:
        ok = sees_unit(session, tree=TREE, principal=principal, unit_id=child.class_id)
    if not ok:
        raise not_found("联系记录", "Contact log")
    return log, child


def reads_notes(session: Session, log: ContactLog, child: ChildToPair, principal: Principal) -> bool:
    """True for the helper who wrote the log, and for a teacher or the head of the child's school."""
    writer = session.get(Helper, log.helper_id)
    if writer is not None and writer.account == principal.subject:
        return True
    return principal.role in NOTES_ROLES and sees_unit(
        session, tree=TREE, principal=principal, unit_id=child.class_id
    )
