"""Helpers (结对帮扶人): registered, changed and deactivated within the caller's subtree; class teachers."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from pairing.adapters.orm import TREE, ChildToPair, ClassTeacher, Helper
from pairing.domain.rules import SCHOOL_KINDS, reach_unit
from pairing.service_layer import pairings
from pairing.service_layer.access import visible_helper
from pairing.service_layer.context import audit, child_path, path_ids, path_with_kinds, policy_at
from shouhu_contracts.org import OrgKind
from shouhu_contracts.pairing.v1 import HelperDeactivated, HelperRegistered, HelperUpdated
from shouhu_contracts.pairing.vocabulary import HelperKind, PairingEndReason
from shouhu_kit.auth import Principal, Role
from shouhu_kit.etags import stale
from shouhu_kit.org.scope import scope_filter
from shouhu_kit.phones import PhoneNumber, display_phone, mask_phone
from shouhu_kit.problems import Problem, invalid_request, not_found
from shouhu_kit.uow import UnitOfWork

# Who sees a helper's phone: those who coordinate helpers; every unmasked read is audited.
PHONE_ROLES = frozenset(
    {
        Role.ADMIN,
        Role.CITY_ADMIN,
        Role.DISTRICT_ADMIN,
        Role.TOWNSHIP_ADMIN,
        Role.VILLAGE_DIRECTOR,
        Role.SCHOOL_ADMIN,
    }
)
_Text = Field(min_length=1, max_length=50, pattern=r"^[^\x00-\x1f\x7f]+$")


class HelperIn(BaseModel):
    """登记帮扶人 / Register a helper."""

    model_config = ConfigDict(extra="forbid")

    name: str = _Text
    kind: HelperKind
    unit_id: uuid.UUID = Field(
        description="所属单位（教师填学校或班级）/ the helper's unit (a school for teachers)"
    )
    phone: PhoneNumber | None = None
    capacity: int | None = Field(
        default=None, ge=1, le=500, description="帮扶容量，缺省按类别 / default by kind"
    )
    account: str | None = Field(
        default=None, min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.@-]+$",
        description="登录账号（令牌 sub），缺省为帮扶人编号 / login subject; defaults to the helper id",
    )  # fmt: skip


class HelperPatch(BaseModel):
    """修改帮扶人 / Change a helper (only the fields given)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=50, pattern=r"^[^\x00-\x1f\x7f]+$")
    kind: HelperKind | None = None
    unit_id: uuid.UUID | None = None
    phone: PhoneNumber | None = None
    capacity: int | None = Field(default=None, ge=1, le=500)
    active: bool | None = Field(
        default=None, description="重新启用 / reactivate (deactivate has its own call)"
    )


class HelperOut(BaseModel):
    """帮扶人 / A helper."""

    id: uuid.UUID
    name: str
    kind: HelperKind
    unit_id: uuid.UUID
    reach_unit_id: uuid.UUID
    phone: str | None = Field(description="按角色脱敏 / masked unless the role coordinates helpers")
    capacity: int
    caseload: int = Field(description="当前帮扶人数 / active pairings")
    active: bool
    account: str
    registered_at: datetime
    version: int


def _conflict(zh: str, en: str, **extra: Any) -> Problem:
    return Problem(
        status=409, slug="conflict", title="数据冲突", title_en="Conflict", detail=zh, detail_en=en, **extra
    )


def _bad(field: str, zh: str, en: str) -> Problem:
    return invalid_request([{"field": field, "location": "body", "message": zh, "message_en": en}])


def _unit_in_scope(
    uow: UnitOfWork, principal: Principal, unit_id: uuid.UUID, field: str = "unit_id"
) -> list[tuple[uuid.UUID, str]]:
    """The unit's path with kinds; 422 when pairing does not know the unit, 404 outside the caller's scope."""
    path = path_with_kinds(uow.session, unit_id)
    if not path:
        raise _bad(
            field, "组织单元不存在（或尚未同步）", "unknown org unit (or not yet received from the registry)"
        )
    if not principal.sees([u for u, _ in path]):
        raise not_found("组织单元", "Org unit")
    return path


def _reach(kind: HelperKind, path: list[tuple[uuid.UUID, str]], uow: UnitOfWork) -> uuid.UUID:
    reach = reach_unit(kind, path, policy_at(uow.session, [u for u, _ in path]).policy)
    if reach is None:
        raise _bad(
            "unit_id",
            "教师、班主任和学习帮手须属于一所学校",
            "teachers, class teachers and peer students belong to a school",
        )
    return reach


def view(uow: UnitOfWork, row: Helper, principal: Principal) -> HelperOut:
    """The helper as the caller may see it (phone masked by role, an unmasked read audited)."""
    shown = row.phone is not None and principal.role in PHONE_ROLES
    if shown:
        audit(uow, principal=principal, action="helper_phone_read", detail="帮扶人电话", helper_id=row.id)
    return HelperOut(
        id=row.id,
        name=row.name,
        kind=HelperKind(row.kind),
        unit_id=row.unit_id,
        reach_unit_id=row.reach_unit_id,
        phone=display_phone(row.phone) if shown else mask_phone(row.phone),
        capacity=row.capacity,
        caseload=row.caseload,
        active=row.active,
        account=row.account,
        registered_at=row.registered_at,
        version=row.version,
    )


def _facts(uow: UnitOfWork, row: Helper) -> dict[str, Any]:
    return {
        "helper_id": row.id,
        "kind": HelperKind(row.kind),
        "name": None if row.kind == HelperKind.PEER_STUDENT.value else row.name,
        "account": row.account,
        "unit_id": row.unit_id,
        "org_path": path_ids(uow.session, row.unit_id),
        "capacity": row.capacity,
        "active": row.active,
        "occurred_at": uow.now(),
        "classes": sorted(
            uow.session.scalars(select(ClassTeacher.class_id).where(ClassTeacher.helper_id == row.id)).all(),
            key=str,
        ),
    }


def add(uow: UnitOfWork, body: HelperIn, principal: Principal) -> Helper:
    """Register a helper inside the open unit of work (the API and the roster import both call it)."""
    path = _unit_in_scope(uow, principal, body.unit_id)
    kind = body.kind
    helper_id = uuid.uuid4()
    account = body.account or str(helper_id)
    if uow.session.scalar(select(Helper.id).where(Helper.account == account)) is not None:
        raise _conflict(
            "登录账号已被其他帮扶人使用", "account already used by another helper", field="account"
        )
    now = uow.now()
    row = Helper(
        id=helper_id,
        name=body.name,
        kind=kind.value,
        unit_id=body.unit_id,
        reach_unit_id=_reach(kind, path, uow),
        phone=body.phone,
        capacity=body.capacity or policy_at(uow.session, [u for u, _ in path]).policy.capacity_of(kind),
        caseload=0,
        active=True,
        account=account,
        registered_at=now,
        updated_at=now,
    )
    uow.session.add(row)
    uow.session.flush()
    uow.publish(HelperRegistered(**_facts(uow, row)))
    return row


def register(*, uow: UnitOfWork, body: HelperIn, principal: Principal) -> HelperOut:
    """Register one helper."""
    with uow:
        row = add(uow, body, principal)
        out = view(uow, row, principal)
        try:
            uow.commit()
        except IntegrityError as exc:  # the same account registered at once by another request
            raise _conflict(
                "登录账号已被其他帮扶人使用", "account already used by another helper", field="account"
            ) from exc
        return out


def read(*, uow: UnitOfWork, helper_id: uuid.UUID, principal: Principal) -> HelperOut:
    """One helper."""
    with uow:
        out = view(uow, visible_helper(uow.session, helper_id, principal), principal)
        uow.commit()  # the audit row of an unmasked phone
        return out


def change(
    *, uow: UnitOfWork, helper_id: uuid.UUID, patch: HelperPatch, version: int, principal: Principal
) -> HelperOut:
    """Change a helper (If-Match version); pairings the change puts out of reach end."""
    with uow:
        row = visible_helper(uow.session, helper_id, principal)
        if row.version != version:
            raise stale(what_zh="帮扶人信息", what_en="helper")
        given = patch.model_dump(exclude_unset=True)
        for name in ("name", "kind", "unit_id", "capacity", "active"):
            if name in given and given[name] is None:
                raise _bad(name, "不能为空", "may not be null")
        changed = [
            name
            for name, value in given.items()
            if getattr(row, name) != (value.value if isinstance(value, HelperKind) else value)
        ]
        if not changed:
            return view(uow, row, principal)
        kind = patch.kind or HelperKind(row.kind)
        unit_id = patch.unit_id or row.unit_id
        if "capacity" in changed and patch.capacity is not None and patch.capacity < row.caseload:
            raise _bad(
                "capacity",
                f"帮扶容量不能小于当前帮扶人数（{row.caseload}）",
                f"capacity may not fall below the current caseload ({row.caseload})",
            )
        for name in changed:
            value = given[name]
            setattr(row, name, value.value if isinstance(value, HelperKind) else value)
        if {"kind", "unit_id"} & set(changed):
            row.reach_unit_id = _reach(kind, _unit_in_scope(uow, principal, unit_id), uow)
            _end_out_of_reach(uow, row)
        row.updated_at = uow.now()
        uow.session.flush()
        uow.publish(HelperUpdated(**_facts(uow, row), fields=sorted(changed)))
        out = view(uow, row, principal)
        uow.commit()
        return out


def _end_out_of_reach(uow: UnitOfWork, row: Helper) -> None:
    """A helper who moved keeps only the children still within reach."""
    for pairing in pairings.active_pairings_of_helper(uow, row.id):
        child = uow.session.get(ChildToPair, pairing.child_id)
        if child is not None and row.reach_unit_id not in child_path(uow.session, child):
            pairings.end(uow, pairing, reason=PairingEndReason.HELPER_MOVED)


def deactivate(*, uow: UnitOfWork, helper_id: uuid.UUID, reason: str, principal: Principal) -> HelperOut:
    """Deactivate a helper: every pairing ends (each announced), then the helper."""
    with uow:
        row = visible_helper(uow.session, helper_id, principal)
        if row.active:
            for pairing in pairings.active_pairings_of_helper(uow, row.id):
                pairings.end(uow, pairing, reason=PairingEndReason.HELPER_DEACTIVATED, note=reason)
            row.active = False
            row.updated_at = uow.now()
            uow.session.flush()
            uow.publish(HelperDeactivated(**_facts(uow, row), reason=reason))
        out = view(uow, row, principal)
        uow.commit()
        return out


def search(
    *,
    uow: UnitOfWork,
    principal: Principal,
    unit_id: uuid.UUID | None,
    kind: HelperKind | None,
    active: bool | None,
    has_room: bool | None,
    after: uuid.UUID | None,
    limit: int,
) -> list[HelperOut]:
    """Helpers in the caller's subtree (or under a unit of it), by id, a keyset page."""
    with uow:
        scope = scope_filter(uow.session, tree=TREE, principal=principal, units=[Helper.unit_id])
        query = select(Helper).where(scope)
        if unit_id is not None:
            prefix = TREE.path_of(uow.session, unit_id)
            if prefix is None or not principal.sees(path_ids(uow.session, unit_id)):
                raise not_found("组织单元", "Org unit")
            query = query.where(Helper.unit_id.in_(TREE.subtree(prefix)))
        conditions: Sequence[Any] = [
            *([Helper.kind == kind.value] if kind is not None else []),
            *([Helper.active.is_(active)] if active is not None else []),
            *([Helper.caseload < Helper.capacity] if has_room else []),
            *([Helper.caseload >= Helper.capacity] if has_room is False else []),
            *([Helper.id > after] if after is not None else []),
        ]
        rows = uow.session.scalars(query.where(*conditions).order_by(Helper.id).limit(limit)).all()
        out = [view(uow, r, principal) for r in rows]
        uow.commit()
        return out


class ClassTeacherOut(BaseModel):
    """班主任 / A class's class teacher."""

    class_id: uuid.UUID
    helper_id: uuid.UUID
    name: str
    assigned_at: datetime


def name_class_teacher(
    *, uow: UnitOfWork, class_id: uuid.UUID, helper_id: uuid.UUID, principal: Principal
) -> ClassTeacherOut:
    """Name (or change) a class's class teacher: a teacher of that class's school."""
    with uow:
        path = _unit_in_scope(uow, principal, class_id, field="class_id")
        if path[-1][1] != OrgKind.CLASS.value:
            raise _bad("class_id", "不是班级", "not a class")
        helper = visible_helper(uow.session, helper_id, principal)
        if HelperKind(helper.kind) not in SCHOOL_KINDS - {HelperKind.PEER_STUDENT} or not helper.active:
            raise _bad("helper_id", "班主任须为在岗教师", "a class teacher is an active teacher")
        if helper.reach_unit_id not in [u for u, _ in path]:
            raise _bad("helper_id", "班主任须为本校教师", "a class teacher teaches at the class's school")
        row = uow.session.get(ClassTeacher, class_id)
        previous = None if row is None else row.helper_id
        if row is None:
            row = ClassTeacher(class_id=class_id, helper_id=helper_id, assigned_at=uow.now())
            uow.session.add(row)
        elif row.helper_id != helper_id:
            row.helper_id, row.assigned_at = helper_id, uow.now()
        fields = ["classes"] if previous != helper_id else []
        if helper.kind != HelperKind.CLASS_TEACHER.value:
            helper.kind = HelperKind.CLASS_TEACHER.value
            fields.append("kind")
        if fields:  # reporting credits the class's assessment to whoever heads it now
            helper.updated_at = uow.now()
            uow.session.flush()
            uow.publish(HelperUpdated(**_facts(uow, helper), fields=sorted(fields)))
        before = uow.session.get(Helper, previous) if previous not in (None, helper_id) else None
        if before is not None:
            uow.publish(HelperUpdated(**_facts(uow, before), fields=["classes"]))
        out = ClassTeacherOut(
            class_id=class_id, helper_id=helper_id, name=helper.name, assigned_at=row.assigned_at
        )
        uow.commit()
        return out


def class_teacher(*, uow: UnitOfWork, class_id: uuid.UUID, principal: Principal) -> ClassTeacherOut:
    """The class's class teacher, 404 when none is named."""
    with uow:
        _unit_in_scope(uow, principal, class_id, field="class_id")
        row = uow.session.get(ClassTeacher, class_id)
        helper = uow.session.get(Helper, row.helper_id) if row is not None else None
        if row is None or helper is None:
            raise not_found("班主任", "Class teacher")
        return ClassTeacherOut(
            class_id=class_id, helper_id=helper.id, name=helper.name, assigned_at=row.assigned_at
        )
