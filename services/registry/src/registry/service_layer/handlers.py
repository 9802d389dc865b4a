"""Registry commands: each changes state and queues its event in one unit of work."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from registry.adapters.orm import ChildRow, OrgUnitRow, TermResultRow
from registry.domain.org import OrgRuleViolation, check_placement
from shouhu_contracts.org import Gender, LeftBehindType, OrgKind
from shouhu_contracts.registry.v1 import ChildRegistered, OrgUnitCreated, TermResultRecorded
from shouhu_kit.auth import Principal
from shouhu_kit.errors import Problem, not_found
from shouhu_kit.uow import UnitOfWork


@dataclass(frozen=True)
class CreateOrgUnit:
    """创建组织单元."""

    kind: OrgKind
    code: str
    name: str
    parent_id: uuid.UUID | None


@dataclass(frozen=True)
class RegisterChild:
    """留守儿童建档."""

    name: str
    gender: Gender
    birth_date: date
    left_behind_type: LeftBehindType
    class_id: uuid.UUID
    home_village_id: uuid.UUID | None
    has_guardian: bool


@dataclass(frozen=True)
class RecordTermResult:
    """登记期末成绩 (total and class rank)."""

    child_id: uuid.UUID
    term: str
    total_score: float
    class_rank: int
    class_size: int | None


def path_ids(row: OrgUnitRow) -> list[uuid.UUID]:
    """The unit's path as ids."""
    return [uuid.UUID(p) for p in row.path]


def visible_unit(uow: UnitOfWork, unit_id: uuid.UUID, principal: Principal) -> OrgUnitRow:
    """The unit, or 404 when missing or outside the caller's scope (no existence leak)."""
    row = uow.session.get(OrgUnitRow, unit_id)
    if row is None or not principal.sees(path_ids(row)):
        raise not_found("组织单元", "Org unit")
    return row


def create_org_unit(*, uow: UnitOfWork, cmd: CreateOrgUnit, principal: Principal) -> OrgUnitRow:
    """Create a unit under a parent the caller can see; codes are unique city-wide."""
    parent = visible_unit(uow, cmd.parent_id, principal) if cmd.parent_id else None
    if parent is None and not principal.sees(None):
        raise Problem(
            status=403,
            slug="forbidden",
            title="无权创建顶级单位",
            title_en="Only a platform admin creates a city",
        )
    try:
        check_placement(kind=cmd.kind, parent_kind=OrgKind(parent.kind) if parent else None)
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
    if uow.session.scalar(select(OrgUnitRow.id).where(OrgUnitRow.code == cmd.code)):
        raise Problem(
            status=409,
            slug="duplicate-code",
            title="单位代码已存在",
            title_en="Org unit code already exists",
            detail=f"代码 {cmd.code} 已被使用",
            detail_en=f"code {cmd.code} is taken",
            errors=[{"field": "code", "message": "代码已存在", "message_en": "code exists"}],
        )
    unit_id = uuid.uuid4()
    path = [*(parent.path if parent else []), str(unit_id)]
    row = OrgUnitRow(
        id=unit_id,
        kind=cmd.kind.value,
        code=cmd.code,
        name=cmd.name,
        parent_id=cmd.parent_id,
        path=path,
        path_text="/" + "/".join(path) + "/",
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
            path=[uuid.UUID(p) for p in path],
            created_at=row.created_at,
        )
    )
    return row


def register_child(*, uow: UnitOfWork, cmd: RegisterChild, principal: Principal) -> ChildRow:
    """Create a child's archive in a class the caller can see."""
    klass = visible_unit(uow, cmd.class_id, principal)
    if klass.kind != OrgKind.CLASS.value:
        raise _field_problem("class_id", "所选单位不是班级", "class_id must name a class")
    home = None
    if cmd.home_village_id:
        home = uow.session.get(OrgUnitRow, cmd.home_village_id)
        if home is None or home.kind != OrgKind.VILLAGE.value:
            raise _field_problem("home_village_id", "所选单位不是村/居", "must name a village")
    if cmd.birth_date > uow.now().date():
        raise _field_problem("birth_date", "出生日期不能晚于今天", "birth date is in the future")
    row = ChildRow(
        id=uuid.uuid4(),
        name=cmd.name,
        gender=cmd.gender.value,
        birth_date=cmd.birth_date,
        left_behind_type=cmd.left_behind_type.value,
        class_id=klass.id,
        org_path_text=klass.path_text,
        home_village_id=cmd.home_village_id,
        has_guardian=cmd.has_guardian,
        status="active",
        registered_at=uow.now(),
    )
    uow.session.add(row)
    uow.session.flush()
    uow.publish(
        ChildRegistered(
            child_id=row.id,
            name=row.name,
            gender=cmd.gender,
            birth_date=cmd.birth_date,
            left_behind_type=cmd.left_behind_type,
            class_id=klass.id,
            org_path=path_ids(klass),
            home_village_id=cmd.home_village_id,
            home_path=path_ids(home) if home else None,
            has_guardian=cmd.has_guardian,
            registered_at=row.registered_at,
        )
    )
    return row


def visible_child(uow: UnitOfWork, child_id: uuid.UUID, principal: Principal) -> ChildRow:
    """The child, or 404 when missing or outside the caller's scope."""
    row = uow.session.get(ChildRow, child_id)
    if row is None or not principal.sees(_path_of(row.org_path_text)):
        raise not_found("儿童档案", "Child")
    return row


def record_term_result(
    *, uow: UnitOfWork, cmd: RecordTermResult, principal: Principal
) -> tuple[TermResultRow, bool]:
    """Record (or correct) a term result; returns the row and whether it was new."""
    child = visible_child(uow, cmd.child_id, principal)
    if cmd.class_size is not None and cmd.class_rank > cmd.class_size:
        raise _field_problem("class_rank", "班级排名不能大于班级人数", "rank exceeds class size")
    row = uow.session.scalar(
        select(TermResultRow).where(TermResultRow.child_id == child.id, TermResultRow.term == cmd.term)
    )
    created = row is None
    if row is None:
        row = TermResultRow(child_id=child.id, term=cmd.term)
        uow.session.add(row)
    row.total_score, row.class_rank, row.class_size = cmd.total_score, cmd.class_rank, cmd.class_size
    row.recorded_at = uow.now()
    uow.session.flush()
    uow.publish(
        TermResultRecorded(
            child_id=child.id,
            term=cmd.term,
            total_score=cmd.total_score,
            class_rank=cmd.class_rank,
            class_size=cmd.class_size,
            org_path=_path_of(child.org_path_text),
            recorded_at=row.recorded_at,
        )
    )
    return row, created


def _path_of(path_text: str) -> list[uuid.UUID]:
    return [uuid.UUID(p) for p in path_text.strip("/").split("/") if p]


def _field_problem(field: str, zh: str, en: str) -> Problem:
    return Problem(
        status=422,
        slug="validation",
        title="请求数据有误",
        title_en="Invalid request",
        detail=zh,
        detail_en=en,
        errors=[{"field": field, "message": zh, "message_en": en}],
    )
