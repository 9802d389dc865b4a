"""Who sees which child and which helper: the caller's subtree, and a helper only their own."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from pairing.adapters.orm import ACTIVE, ChildToPair, Helper, Pairing
from pairing.service_layer.context import child_path, path_ids
from shouhu_kit.auth import Principal, Role
from shouhu_kit.problems import not_found
from shouhu_kit.uow import UnitOfWork


def visible_child(uow: UnitOfWork, child_id: uuid.UUID, principal: Principal) -> ChildToPair:
    """The child, or 404 when unknown here or outside the caller's scope (a helper: their own only)."""
    child = uow.session.get(ChildToPair, child_id)
    if child is None:
        raise not_found("儿童", "Child")
    if principal.role is Role.HELPER:
        mine = uow.session.scalar(
            select(Pairing.id)
            .join(Helper, Helper.id == Pairing.helper_id)
            .where(
                Pairing.child_id == child_id, Pairing.status == ACTIVE, Helper.account == principal.subject
            )
            .limit(1)
        )
        if mine is None:
            raise not_found("儿童", "Child")
    elif not principal.sees(child_path(uow.session, child)):
        raise not_found("儿童", "Child")
    return child


def visible_helper(uow: UnitOfWork, helper_id: uuid.UUID, principal: Principal) -> Helper:
    """The helper, or 404 when missing or outside the caller's subtree (a helper sees only themself)."""
    row = uow.session.get(Helper, helper_id)
    if row is None:
        raise not_found("帮扶人", "Helper")
    if principal.role is Role.HELPER:
        if row.account != principal.subject:
            raise not_found("帮扶人", "Helper")
        return row
    if not principal.sees(path_ids(uow.session, row.unit_id)):
        raise not_found("帮扶人", "Helper")
    return row
