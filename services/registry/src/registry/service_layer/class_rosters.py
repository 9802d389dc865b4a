"""A class's sheet of figures (期末成绩, 月度出勤): the class, its pupils, which pupil a row means."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select

from registry.adapters.orm import ChildRow, OrgUnitRow
from registry.domain.identity import InvalidIdentity, normalize_id_number
from registry.service_layer.access import visible_unit
from shouhu_contracts.org import ChildStatus, OrgKind
from shouhu_kit import spreadsheets as xl
from shouhu_kit.auth import Principal
from shouhu_kit.problems import Problem, invalid_request
from shouhu_kit.uow import UnitOfWork

MAX_ROWS = 1000  # a class, with room to spare


def find_pupil(name: str | None, number: str | None, pupils: Sequence[ChildRow]) -> ChildRow:
    """The child a row means: by ID number, else by the one child of that exact name in the class."""
    if number is not None:
        try:
            number = normalize_id_number(number)
        except InvalidIdentity as exc:
            zh, _, en = str(exc).partition(" / ")
            raise xl.FieldError("id_number", zh, en or zh) from exc
        match = [p for p in pupils if p.id_number == number]
        if not match:
            raise xl.FieldError("id_number", "本班没有该身份证号的儿童", "no child in the class has this ID")
        if name is not None and match[0].name != name:
            raise xl.FieldError("name", "姓名与身份证号不符", "the name does not match the ID number")
        return match[0]
    if name is None:
        raise xl.FieldError("name", "必填字段缺失", "give the name or the ID number")
    match = [p for p in pupils if p.name == name]
    if len(match) == 1:
        return match[0]
    if not match:
        raise xl.FieldError("name", f"本班没有名为“{name}”的儿童", f"no child named {name!r} in the class")
    raise xl.FieldError(
        "name",
        f"本班有 {len(match)} 名儿童同名，请填写身份证号",
        f"{len(match)} children share this name: give the ID",
    )


def roster_class(*, uow: UnitOfWork, class_id: uuid.UUID, principal: Principal) -> OrgUnitRow:
    """The class the sheet is for: 404 outside scope, 422 for a unit that is not a class."""
    klass = visible_unit(uow, class_id, principal)
    if klass.kind != OrgKind.CLASS.value:
        raise invalid_request(
            [{"field": "class_id", "message": "所选单位不是班级", "message_en": "must name a class"}]
        )
    return klass


def active_pupils(uow: UnitOfWork, klass: OrgUnitRow) -> list[ChildRow]:
    """The class's children in the programme (在册)."""
    active = select(ChildRow).where(
        ChildRow.class_id == klass.id, ChildRow.status == ChildStatus.ACTIVE.value
    )
    return list(uow.session.scalars(active))


def check_size(file: xl.RosterFile) -> None:
    """413 for a sheet longer than a class."""
    if len(file.rows) > MAX_ROWS:
        raise Problem(
            status=413, slug="roster-rows", title="一个班级最多 1000 行", title_en="At most 1000 rows"
        )
