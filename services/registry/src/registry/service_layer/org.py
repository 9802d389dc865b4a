"""Org tree use cases: create, rename, move (each opens its unit of work and commits), and the reads."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from registry.adapters.orm import ChildRow, OrgUnitRow
from registry.domain.org import OrgRuleViolation, check_placement
from registry.service_layer.access import visible_unit
from registry.service_layer.commands import MoveIn, OrgUnitIn, OrgUnitPatch
from registry.service_layer.queries import archive_stats as _archive_stats
from registry.service_layer.read_models import OrgUnitOut
from registry.service_layer.views import unit_out
from shouhu_contracts.org import OrgKind
from shouhu_contracts.registry.v1 import OrgUnitCreated, OrgUnitMoved, OrgUnitRenamed
from shouhu_kit.auth import Principal
from shouhu_kit.org.paths import encode_path, extend_path, in_subtree, rewrite_prefix
from shouhu_kit.problems import Problem
from shouhu_kit.uow import UnitOfWork


def _placement(kind: OrgKind, parent: OrgUnitRow | None) -> None:
    try:
        check_placement(kind=kind, parent_kind=OrgKind(parent.kind) if parent else None)
    except OrgRuleViolation as exc:
        raise Problem(
            status=422,
            slug="org-placement",
            title="组织层级不正确",
            title_en="Invalid org placement",
            detail=exc.zh,
            detail_en=exc.en,
            errors=[{"field": "parent_id", "message": exc.zh, "message_en": exc.en}],
        ) from exc


def _unique_code(uow: UnitOfWork, code: str, *, other_than: uuid.UUID | None = None) -> None:
    found = uow.session.scalar(select(OrgUnitRow.id).where(OrgUnitRow.code == code))
    if found is not None and found != other_than:
        raise Problem(
            status=409,
            slug="duplicate-code",
            title="单位代码已存在",
            title_en="Org unit code already exists",
            detail=f"代码 {code} 已被使用",
            detail_en=f"code {code} is taken",
            existing_id=str(found),
            errors=[{"field": "code", "message": "代码已存在", "message_en": "code exists"}],
        )


def create_org_unit(*, uow: UnitOfWork, cmd: OrgUnitIn, principal: Principal) -> OrgUnitOut:
    """Create a unit under a parent the caller can see; codes are unique city-wide."""
    with uow:
        out = unit_out(_create(uow=uow, cmd=cmd, principal=principal))
        uow.commit()
        return out


def _create(*, uow: UnitOfWork, cmd: OrgUnitIn, principal: Principal) -> OrgUnitRow:
    parent = visible_unit(uow, cmd.parent_id, principal) if cmd.parent_id else None
    if parent is None and not principal.sees(None):
        raise Problem(
            status=403,
            slug="forbidden",
            title="无权创建顶级单位",
            title_en="Only a platform admin creates a city",
        )
    _placement(cmd.kind, parent)
    _unique_code(uow, cmd.code)
    unit_id = uuid.uuid4()
    path = [*(parent.path if parent else []), unit_id]
    row = OrgUnitRow(
        id=unit_id,
        kind=cmd.kind.value,
        code=cmd.code,
        name=cmd.name,
        parent_id=cmd.parent_id,
        path_text=encode_path(path),
        created_at=uow.now(),
    )
    uow.session.add(row)
    uow.session.flush()
    uow.publish(
        OrgUnitCreated(
            unit_id=unit_id,
            kind=cmd.kind,
            code=cmd.code,
            name=cmd.name,
            parent_id=cmd.parent_id,
            path=path,
            created_at=row.created_at,
        )
    )
    return row


def rename_org_unit(
    *, uow: UnitOfWork, unit_id: uuid.UUID, cmd: OrgUnitPatch, principal: Principal
) -> OrgUnitOut:
    """Change a unit's name or code."""
    with uow:
        out = unit_out(_rename(uow=uow, unit_id=unit_id, cmd=cmd, principal=principal))
        uow.commit()
        return out


def _rename(*, uow: UnitOfWork, unit_id: uuid.UUID, cmd: OrgUnitPatch, principal: Principal) -> OrgUnitRow:
    row = visible_unit(uow, unit_id, principal)
    if cmd.code is not None and cmd.code != row.code:
        _unique_code(uow, cmd.code, other_than=row.id)
        row.code = cmd.code
    if cmd.name is not None:
        row.name = cmd.name
    uow.session.flush()
    uow.publish(
        OrgUnitRenamed(unit_id=row.id, code=row.code, name=row.name, path=row.path, occurred_at=uow.now())
    )
    return row


def move_org_unit(*, uow: UnitOfWork, unit_id: uuid.UUID, cmd: MoveIn, principal: Principal) -> OrgUnitOut:
    """Put a unit (and its whole subtree, children included) under another parent."""
    with uow:
        out = unit_out(_move(uow=uow, unit_id=unit_id, cmd=cmd, principal=principal))
        uow.commit()
        return out


def _move(*, uow: UnitOfWork, unit_id: uuid.UUID, cmd: MoveIn, principal: Principal) -> OrgUnitRow:
    row = visible_unit(uow, unit_id, principal)
    parent = visible_unit(uow, cmd.parent_id, principal)
    if parent.path_text.startswith(row.path_text):
        raise Problem(
            status=422,
            slug="org-placement",
            title="不能移到自己的下级之下",
            title_en="A unit cannot move under itself",
            errors=[
                {
                    "field": "parent_id",
                    "message": "不能移到自己的下级之下",
                    "message_en": "cannot move under itself",
                }
            ],
        )
    _placement(OrgKind(row.kind), parent)
    old, new = row.path_text, extend_path(parent.path_text, row.id)
    old_path = row.path
    # One statement per path column rewrites every path below the unit: work grows with the subtree.
    for table, column in (
        (OrgUnitRow, OrgUnitRow.path_text),
        (ChildRow, ChildRow.org_path_text),
        (ChildRow, ChildRow.home_path_text),
    ):
        rewrite_prefix(uow.session, table, column, old=old, new=new)
    row.parent_id = parent.id
    uow.session.flush()
    uow.session.refresh(row)
    uow.publish(OrgUnitMoved(unit_id=row.id, old_path=old_path, new_path=row.path, occurred_at=uow.now()))
    return row


def get_org_unit(*, uow: UnitOfWork, unit_id: uuid.UUID, principal: Principal) -> OrgUnitOut:
    """A unit the caller can see."""
    with uow:
        return unit_out(visible_unit(uow, unit_id, principal))


def list_org_units(*, uow: UnitOfWork, parent_id: uuid.UUID | None, principal: Principal) -> list[OrgUnitOut]:
    """The units directly under a parent; without one, the caller's own unit (or the cities)."""
    with uow:
        if parent_id is not None:
            visible_unit(uow, parent_id, principal)
            rows = list(
                uow.session.scalars(
                    select(OrgUnitRow).where(OrgUnitRow.parent_id == parent_id).order_by(OrgUnitRow.code)
                )
            )
        elif principal.org_id is not None:
            rows = [visible_unit(uow, principal.org_id, principal)]
        else:
            rows = list(
                uow.session.scalars(
                    select(OrgUnitRow).where(OrgUnitRow.parent_id.is_(None)).order_by(OrgUnitRow.code)
                )
            )
        return [unit_out(r) for r in rows]


def subtree(*, uow: UnitOfWork, unit_id: uuid.UUID, principal: Principal) -> list[OrgUnitOut]:
    """The unit and everything below it, top-down."""
    with uow:
        unit = visible_unit(uow, unit_id, principal)
        rows = uow.session.scalars(
            select(OrgUnitRow)
            .where(in_subtree(OrgUnitRow.path_text, unit.path_text))
            .order_by(OrgUnitRow.path_text)
        )
        return [unit_out(r) for r in rows]


def archive_stats(*, uow: UnitOfWork, unit_id: uuid.UUID, principal: Principal) -> dict[str, object]:
    """Archive and contact-card completeness in a unit's subtree."""
    with uow:
        return _archive_stats(uow, visible_unit(uow, unit_id, principal))
