"""Reading archives: one child, its history, a search; a read that shows phones or ID numbers is audited."""

from __future__ import annotations

import uuid
from dataclasses import replace

from sqlalchemy import select

from registry.adapters.orm import ChildHistoryRow
from registry.service_layer.access import visible_child, visible_unit
from registry.service_layer.queries import ChildFilter, search_children
from registry.service_layer.read_models import ChildOut, ChildPage, HistoryEntryOut
from registry.service_layer.views import child_out, history_out
from shouhu_kit.auth import Principal
from shouhu_kit.uow import UnitOfWork


def get_child(*, uow: UnitOfWork, child_id: uuid.UUID, principal: Principal) -> ChildOut:
    """The archive as the caller may see it; the audit of an unmasked read is committed."""
    with uow:
        out = child_out(uow, visible_child(uow, child_id, principal), principal)
        uow.commit()
        return out


def child_history(*, uow: UnitOfWork, child_id: uuid.UUID, principal: Principal) -> list[HistoryEntryOut]:
    """Who changed what, when: phones and ID numbers masked as in the archive."""
    with uow:
        visible_child(uow, child_id, principal)
        rows = uow.session.scalars(
            select(ChildHistoryRow).where(ChildHistoryRow.child_id == child_id).order_by(ChildHistoryRow.id)
        )
        return [history_out(r, principal) for r in rows]


def find_children(
    *,
    uow: UnitOfWork,
    org_id: uuid.UUID | None,
    no_guardian: bool | None,
    filters: ChildFilter,
    principal: Principal,
) -> ChildPage:
    """One page of the children under a unit (else the caller's own) matching the filters; reads audited."""
    with uow:
        scope_unit = org_id or principal.org_id
        scope = visible_unit(uow, scope_unit, principal).path_text if scope_unit else None
        rating = "none" if no_guardian else filters.guardian
        rows, next_cursor = search_children(uow, replace(filters, scope_path=scope, guardian=rating))
        items = [child_out(uow, r, principal) for r in rows]
        uow.commit()  # the audit of the unmasked archives on this page
        return ChildPage(items=items, next_cursor=next_cursor)
