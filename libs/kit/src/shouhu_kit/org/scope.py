"""Scope, one way everywhere: what a caller may see of records placed at org units.

A caller sees their own unit's subtree (the platform admin sees everything). Lists filter in SQL
with `scope_filter`: the caller's path is read once from the tree, and the records' unit columns
are matched against the tree's units under it (the tree's prefix index, then the records' unit
index). A record in hand is checked with `sees_unit` (or `Principal.sees` for a path in hand).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, SQLColumnExpression, false, or_, true
from sqlalchemy.orm import Session

from shouhu_kit.auth import Principal, Role
from shouhu_kit.org.paths import decode_path
from shouhu_kit.org.tree import OrgTree


def scope_prefix(session: Session, *, tree: OrgTree, principal: Principal) -> str | None:
    """The path whose subtree the caller sees; None for the admin, '' when the tree lacks their unit."""
    if principal.role is Role.ADMIN:
        return None
    if principal.org_id is None:  # only the admin's token may lack a unit (auth.decode_token)
        return ""
    return tree.path_of(session, principal.org_id) or ""


def scope_filter(
    session: Session, *, tree: OrgTree, principal: Principal, units: Sequence[SQLColumnExpression[Any]]
) -> ColumnElement[bool]:
    """Records whose unit (any of `units`, e.g. class or home village) lies in the caller's subtree.

    The admin sees everything; a caller whose unit this tree does not hold yet sees nothing.
    """
    prefix = scope_prefix(session, tree=tree, principal=principal)
    if prefix is None:
        return true()
    if not prefix:
        return false()
    below = tree.subtree(prefix)
    return or_(*(unit.in_(below) for unit in units))


def sees_unit(session: Session, *, tree: OrgTree, principal: Principal, unit_id: uuid.UUID) -> bool:
    """True when a record placed at this unit lies in the caller's subtree as the tree knows it."""
    if principal.role is Role.ADMIN:
        return True
    path = tree.path_of(session, unit_id)
    return path is not None and principal.sees(decode_path(path))
