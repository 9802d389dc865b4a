"""Read-side queries: searching archives and the archive rate per unit."""

from __future__ import annotations

import base64
import json
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select, tuple_

from registry.adapters.orm import ChildRow, OrgUnitRow
from registry.service_layer.helper_access import paired_with
from shouhu_kit.org.paths import in_subtree
from shouhu_kit.problems import invalid_request
from shouhu_kit.uow import UnitOfWork

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class ChildSort(StrEnum):
    """Sort keys for child lists (a leading '-' sorts descending)."""

    NAME = "name"
    BIRTH_DATE = "birth_date"
    REGISTERED_AT = "registered_at"


@dataclass(frozen=True)
class ChildFilter:
    """What a caller asks for; `scope_path` is the unit whose subtree is searched.

    `paired_with` (a helper's account) keeps only the children in an active pairing with them.
    """

    scope_path: str | None
    left_behind_type: str | None = None
    guardian: str | None = None  # none | good | fair | poor | any
    status: str | None = "active"
    missing_contacts: bool | None = None
    q: str | None = None  # a name prefix, or an ID-number prefix when it is digits
    sort: str = "name"
    limit: int = 50
    cursor: str | None = None
    paired_with: str | None = None


def _sort_column(sort: str) -> tuple[Any, bool]:
    desc = sort.startswith("-")
    key = sort.lstrip("-")
    try:
        column = {
            "name": ChildRow.name,
            "birth_date": ChildRow.birth_date,
            "registered_at": ChildRow.registered_at,
        }[ChildSort(key).value]
    except ValueError as exc:
        raise invalid_request(
            [
                {
                    "field": "sort",
                    "message": "排序字段无效，可选 name、birth_date、registered_at",
                    "message_en": "sort by name, birth_date or registered_at",
                }
            ]
        ) from exc
    return column, desc


def _encode(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, default=str).encode()).decode()


def _decode(cursor: str, column: Any) -> tuple[Any, uuid.UUID]:
    """The last row's sort value and id; anything a client could have made up answers 422, never 500."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(values, list) or len(values) != 2 or not all(isinstance(v, str) for v in values):
            raise ValueError("a cursor is two strings")
        last_value, last_id = values
        if _CONTROL.search(last_value):  # PostgreSQL refuses NUL in a bound parameter
            raise ValueError("control character")
        if column is ChildRow.birth_date:
            last_value = date.fromisoformat(last_value)
        elif column is ChildRow.registered_at:
            last_value = datetime.fromisoformat(last_value)
            if last_value.tzinfo is None:  # the column binds aware datetimes only
                raise ValueError("naive datetime")
        return last_value, uuid.UUID(last_id)
    # Base64, UTF-8, JSON, ISO dates and UUIDs fail with a ValueError; '[[[[…' nested deep, a RecursionError.
    except (ValueError, RecursionError) as exc:
        raise invalid_request(
            [{"field": "cursor", "message": "游标无效", "message_en": "invalid cursor"}]
        ) from exc


def in_scope(prefix: str) -> ColumnElement[bool]:
    """Children placed in the subtree, on the school side or by their home village (two indexes)."""
    return or_(in_subtree(ChildRow.org_path_text, prefix), in_subtree(ChildRow.home_path_text, prefix))


def search_children(uow: UnitOfWork, f: ChildFilter) -> tuple[list[ChildRow], str | None]:
    """One page of children matching the filter, with the cursor of the next page (keyset paging)."""
    query: Select[Any] = select(ChildRow)
    if f.scope_path is not None:
        query = query.where(in_scope(f.scope_path))
    if f.paired_with is not None:
        query = query.where(paired_with(f.paired_with))
    if f.status:
        query = query.where(ChildRow.status == f.status)
    if f.left_behind_type:
        query = query.where(ChildRow.left_behind_type == f.left_behind_type)
    if f.guardian == "any":
        query = query.where(ChildRow.guardian_rating != "none")
    elif f.guardian:
        query = query.where(ChildRow.guardian_rating == f.guardian)
    if f.missing_contacts is not None:
        query = query.where(ChildRow.contact_complete.is_(not f.missing_contacts))
    if f.q:
        q = f.q.strip()
        query = query.where(
            ChildRow.id_number.startswith(q.upper()) if q[:1].isdigit() else ChildRow.name.startswith(q)
        )
    column, desc = _sort_column(f.sort)
    if f.cursor:
        last_value, last_id = _decode(f.cursor, column)
        key = tuple_(column, ChildRow.id)
        bound = tuple_(literal(last_value, type_=column.type), literal(last_id, type_=ChildRow.id.type))
        query = query.where(key < bound if desc else key > bound)
    order = (column.desc(), ChildRow.id.desc()) if desc else (column, ChildRow.id)
    rows = list(uow.session.scalars(query.order_by(*order).limit(f.limit + 1)))
    more = len(rows) > f.limit
    rows = rows[: f.limit]
    cursor = _encode([getattr(rows[-1], column.key), str(rows[-1].id)]) if more and rows else None
    return rows, cursor


def archive_stats(uow: UnitOfWork, unit: OrgUnitRow) -> dict[str, Any]:
    """Active children in a unit's subtree, how many contact cards are complete, and what is missing."""
    scope = and_(ChildRow.status == "active", in_subtree(ChildRow.org_path_text, unit.path_text))
    total, complete = uow.session.execute(
        select(func.count(), func.count().filter(ChildRow.contact_complete.is_(True))).where(scope)
    ).one()
    missing: dict[str, int] = {}
    for (text,) in uow.session.execute(
        select(ChildRow.missing_contacts).where(scope, ChildRow.missing_contacts != "")
    ):
        for item in text.split(","):
            missing[item] = missing.get(item, 0) + 1
    no_guardian = uow.session.scalar(select(func.count()).where(scope, ChildRow.guardian_rating == "none"))
    return {
        "unit_id": unit.id,
        "name": unit.name,
        "children": total,
        "contact_complete": complete,
        "archive_rate": round(complete / total, 4) if total else None,
        "missing": missing,
        "no_guardian": no_guardian,
    }
