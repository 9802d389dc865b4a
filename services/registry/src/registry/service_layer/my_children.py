"""A helper's own children (我的结对儿童): their contact cards, phones unmasked, every card read audited."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from registry.adapters.orm import ChildRow, OrgUnitRow
from registry.service_layer.access import audit
from registry.service_layer.queries import ChildFilter, search_children
from registry.service_layer.read_models import CardGuardianOut, CardParentOut, ContactCardOut, ContactCardPage
from shouhu_kit.auth import Principal, Role
from shouhu_kit.problems import Problem
from shouhu_kit.uow import UnitOfWork


def require_helper(principal: Principal) -> None:
    """Problem 403 unless the caller is a helper: only a helper has paired children (the admin too)."""
    if principal.role is not Role.HELPER:
        raise Problem(
            status=403,
            slug="forbidden",
            title="仅限结对帮扶人",
            title_en="Forbidden: helpers only",
            detail=f"需要角色：{Role.HELPER.value}",
            detail_en=f"requires the role {Role.HELPER.value}",
        )


def _parent(doc: dict[str, Any] | None) -> CardParentOut | None:
    if doc is None:
        return None
    return CardParentOut(name=doc.get("name"), phone=doc.get("phone"), work_city=doc.get("work_city"))


def _guardian(doc: dict[str, Any] | None) -> CardGuardianOut | None:
    if doc is None:
        return None
    return CardGuardianOut(name=doc["name"], relation=doc["relation"], phone=doc.get("phone"))


def _card(
    uow: UnitOfWork, row: ChildRow, names: dict[uuid.UUID, str], principal: Principal
) -> ContactCardOut:
    """One card; its read is audited, naming whether it revealed phones."""
    phones = any(d and d.get("phone") for d in (row.father, row.mother, row.guardian))
    audit(
        uow,
        principal=principal,
        action="read_contact_card",
        child_id=row.id,
        detail="phones" if phones else "none",
    )
    return ContactCardOut(
        child_id=row.id,
        name=row.name,
        class_id=row.class_id,
        class_name=names.get(row.class_id),
        school_id=row.school_id,
        school_name=names.get(row.school_id) if row.school_id else None,
        status=row.status,
        guardian=_guardian(row.guardian),
        father=_parent(row.father),
        mother=_parent(row.mother),
    )


def list_my_children(
    *, uow: UnitOfWork, limit: int, cursor: str | None, principal: Principal
) -> ContactCardPage:
    """One page of the caller's paired children by name (keyset); the audit of the cards is committed."""
    require_helper(principal)
    with uow:
        # Every status: a child who left is still theirs until pairing ends the pairing.
        filters = ChildFilter(
            scope_path=None, status=None, paired_with=principal.subject, limit=limit, cursor=cursor
        )
        rows, next_cursor = search_children(uow, filters)
        units = {r.class_id for r in rows} | {r.school_id for r in rows if r.school_id}
        query = select(OrgUnitRow.id, OrgUnitRow.name).where(OrgUnitRow.id.in_(units))
        # .all(): a Result has keys(), so dict() would take it for a mapping.
        names = dict(uow.session.execute(query).all())
        cards = [_card(uow, r, names, principal) for r in rows]
        uow.commit()
        return ContactCardPage(items=cards, next_cursor=next_cursor)
