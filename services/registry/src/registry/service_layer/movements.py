"""Dynamic management of an archive (动态管理): transfer to another class, exit, re-entry.

Each use case opens the unit of work it is given, commits the change with its event and history,
and returns the archive as the caller may see it.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from registry.adapters.orm import ChildRow
from registry.service_layer.access import visible_child
from registry.service_layer.children import (
    answer_with_archive,
    class_and_school,
    record_history,
    refresh_contact_card,
)
from registry.service_layer.commands import ExitIn, ReenterIn, TransferIn, zh_label
from registry.service_layer.read_models import ChildOut
from shouhu_contracts.org import ChildStatus, ExitKind, LeftBehindType
from shouhu_contracts.registry.v1 import ChildExited, ChildReentered, ChildTransferred
from shouhu_kit.auth import Principal
from shouhu_kit.clock import china_today
from shouhu_kit.org.paths import decode_path
from shouhu_kit.problems import Problem, invalid_request
from shouhu_kit.uow import UnitOfWork


def transfer_child(
    *, uow: UnitOfWork, child_id: uuid.UUID, cmd: TransferIn, principal: Principal
) -> ChildOut:
    """Move the child to another class (school, township or district), keeping id and history."""
    with uow:
        return answer_with_archive(uow, _transfer(uow, child_id, cmd, principal), principal)


def _transfer(uow: UnitOfWork, child_id: uuid.UUID, cmd: TransferIn, principal: Principal) -> ChildRow:
    row = visible_child(uow, child_id, principal)
    if row.status != ChildStatus.ACTIVE.value:
        raise _not_active(row)
    target = class_and_school(uow, cmd.to_class_id, principal, "to_class_id")
    if target.id == row.class_id:
        raise invalid_request(
            [{"field": "to_class_id", "message": "已在该班级", "message_en": "already in that class"}]
        )
    from_class, from_path = row.class_id, decode_path(row.org_path_text)
    row.class_id, row.school_id, row.org_path_text = target.id, target.parent_id, target.path_text
    row.updated_at = uow.now()
    uow.session.flush()
    record_history(
        uow,
        row,
        principal,
        "transferred",
        [
            {"field": "class_id", "old": str(from_class), "new": str(target.id)},
            {"field": "reason", "old": None, "new": cmd.reason},
        ],
    )
    uow.publish(
        ChildTransferred(
            child_id=row.id,
            org_path=target.path,
            occurred_at=uow.now(),
            from_class_id=from_class,
            from_org_path=from_path,
            to_class_id=target.id,
        )
    )
    return row


def _not_active(row: ChildRow) -> Problem:
    return Problem(
        status=409,
        slug="not-active",
        title="该儿童不在册",
        title_en="The child is not active",
        detail=f"当前状态：{row.status}",
        detail_en=f"status: {row.status}",
    )


def exit_child(*, uow: UnitOfWork, child_id: uuid.UUID, cmd: ExitIn, principal: Principal) -> ChildOut:
    """Take the child out of the programme (退出) or record it left the city (转出)."""
    with uow:
        return answer_with_archive(uow, _exit(uow, child_id, cmd, principal), principal)


def _exit(uow: UnitOfWork, child_id: uuid.UUID, cmd: ExitIn, principal: Principal) -> ChildRow:
    row = visible_child(uow, child_id, principal)
    if row.status != ChildStatus.ACTIVE.value:
        raise _not_active(row)
    _check_exit(uow, row, cmd)
    kind = cmd.exit_kind
    reason = cmd.reason or (zh_label(kind) if kind is not None else None)
    assert reason is not None  # _check_exit: a reason, else a kind whose label is the reason
    row.status, row.exit_reason, row.updated_at = cmd.status.value, reason, uow.now()
    row.exit_kind = kind.value if kind is not None else None
    uow.session.flush()
    changes: list[dict[str, Any]] = [
        {"field": "status", "old": "active", "new": cmd.status.value},
        {"field": "exit_reason", "old": None, "new": reason},
    ]
    if kind is not None:
        changes.append({"field": "exit_kind", "old": None, "new": kind.value})
    record_history(uow, row, principal, "exited", changes)
    uow.publish(
        ChildExited(
            child_id=row.id,
            org_path=decode_path(row.org_path_text),
            occurred_at=uow.now(),
            status=cmd.status,
            reason=reason,
            exit_kind=kind,
        )
    )
    return row


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _check_exit(uow: UnitOfWork, row: ChildRow, cmd: ExitIn) -> None:
    """Every problem of the exit at once, each naming its field."""
    errors = []
    if cmd.status is ChildStatus.ACTIVE:
        errors.append(
            {
                "field": "status",
                "message": "退出状态不能为在册",
                "message_en": "must be exited or transferred_out",
            }
        )
    if cmd.reason is None and cmd.exit_kind is None:
        errors.append(
            {
                "field": "reason",
                "message": "须填写原因或退出类别",
                "message_en": "give the reason or exit_kind",
            }
        )
    if cmd.exit_kind is ExitKind.GROWN_UP and _age(row.birth_date, china_today(uow.now())) < 18:
        errors.append(
            {"field": "exit_kind", "message": "该儿童未满18周岁", "message_en": "the child is not 18 yet"}
        )
    if errors:
        raise invalid_request(errors)


def reenter_child(*, uow: UnitOfWork, child_id: uuid.UUID, cmd: ReenterIn, principal: Principal) -> ChildOut:
    """Bring an exited child back (重新纳入), optionally in a new class or with a new type."""
    with uow:
        return answer_with_archive(uow, _reenter(uow, child_id, cmd, principal), principal)


def _reenter(uow: UnitOfWork, child_id: uuid.UUID, cmd: ReenterIn, principal: Principal) -> ChildRow:
    row = visible_child(uow, child_id, principal)
    if row.status == ChildStatus.ACTIVE.value:
        raise Problem(
            status=409, slug="already-active", title="该儿童已在册", title_en="The child is already active"
        )
    changes: list[dict[str, Any]] = [{"field": "status", "old": row.status, "new": "active"}]
    if cmd.class_id is not None and cmd.class_id != row.class_id:
        target = class_and_school(uow, cmd.class_id, principal, "class_id")
        changes.append({"field": "class_id", "old": str(row.class_id), "new": str(target.id)})
        row.class_id, row.school_id, row.org_path_text = target.id, target.parent_id, target.path_text
    if cmd.left_behind_type is not None and cmd.left_behind_type.value != row.left_behind_type:
        changes.append(
            {"field": "left_behind_type", "old": row.left_behind_type, "new": cmd.left_behind_type.value}
        )
        row.left_behind_type = cmd.left_behind_type.value
        refresh_contact_card(row)
    row.status, row.exit_reason, row.exit_kind, row.updated_at = (
        ChildStatus.ACTIVE.value,
        None,
        None,
        uow.now(),
    )
    uow.session.flush()
    record_history(uow, row, principal, "reentered", changes)
    uow.publish(
        ChildReentered(
            child_id=row.id,
            org_path=decode_path(row.org_path_text),
            occurred_at=uow.now(),
            left_behind_type=LeftBehindType(row.left_behind_type),
            has_guardian=row.has_guardian,
        )
    )
    return row
