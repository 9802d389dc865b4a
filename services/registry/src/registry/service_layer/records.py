"""A child's records over time (成长记录): health checks, awards, violations, counselling notes.

The input models (records_commands) check each field on its own (every bad field at once); the use
cases here then check what needs the clock or several fields (again every failure at once), write the
row and, for awards and violations, queue the contract event; each opens its unit of work and commits.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute

from registry.adapters.orm import ChildRow
from registry.adapters.records_orm import AwardRow, CounsellingNoteRow, HealthCheckRow, ViolationRow
from registry.service_layer.access import COUNSELLING_ROLES, audit, visible_child
from registry.service_layer.read_models import AwardOut, CounsellingNoteOut, HealthCheckOut, ViolationOut
from registry.service_layer.records_commands import (
    HEALTH_MEASURES,
    AwardIn,
    CounsellingNoteIn,
    HealthCheckIn,
    ViolationIn,
    split_blood_pressure,
)
from shouhu_contracts.registry.v1 import AwardRecorded, ViolationRecorded
from shouhu_contracts.terms import first_year, school_year_of
from shouhu_kit.auth import Principal
from shouhu_kit.clock import china_today
from shouhu_kit.org.paths import decode_path
from shouhu_kit.problems import Problem, invalid_request
from shouhu_kit.uow import UnitOfWork

MERIT_STUDENT = "三好学生"  # Merit Student: +10 in the helper assessment (DOMAIN.md §4)


def _error(field: str, zh: str, en: str) -> dict[str, str]:
    return {"field": field, "message": zh, "message_en": en}


def _future(uow: UnitOfWork, field: str, day: date) -> list[dict[str, str]]:
    if day > china_today(uow.now()):
        return [_error(field, "日期不能晚于今天", "date is in the future")]
    return []


def _raise(errors: list[dict[str, str]]) -> None:
    if errors:
        raise invalid_request(list(errors))


Record = TypeVar("Record", HealthCheckRow, AwardRow, ViolationRow, CounsellingNoteRow)
Out = TypeVar("Out", bound=BaseModel)


def _newest_first(
    uow: UnitOfWork, model: type[Record], on: InstrumentedAttribute[date], child: ChildRow, out: type[Out]
) -> list[Out]:
    query = select(model).where(model.child_id == child.id)
    rows = uow.session.scalars(query.order_by(on.desc(), model.recorded_at.desc()))
    return [out.model_validate(r, from_attributes=True) for r in rows]


def _saved(uow: UnitOfWork, row: Record, out: type[Out]) -> Out:
    """Write the row and commit it with the events queued before; the record as answered."""
    uow.session.add(row)
    uow.session.flush()
    answer = out.model_validate(row, from_attributes=True)
    uow.commit()
    return answer


def _facts(uow: UnitOfWork, child: ChildRow) -> dict[str, Any]:
    return {"child_id": child.id, "org_path": decode_path(child.org_path_text), "occurred_at": uow.now()}


def record_health_check(
    *, uow: UnitOfWork, child_id: uuid.UUID, cmd: HealthCheckIn, principal: Principal
) -> HealthCheckOut:
    """Record a health check (体检) dated today or earlier, with at least one measure."""
    with uow:
        return _saved(
            uow, _health_check(uow, visible_child(uow, child_id, principal), cmd, principal), HealthCheckOut
        )


def _health_check(
    uow: UnitOfWork, child: ChildRow, cmd: HealthCheckIn, principal: Principal
) -> HealthCheckRow:
    errors = _future(uow, "checked_on", cmd.checked_on)
    if all(getattr(cmd, name) is None for name in HEALTH_MEASURES):
        errors.append(
            _error(
                "body",
                "至少填写一项体检指标：身高、体重、视力、血压或肺活量",
                "give at least one measure: height, weight, vision, blood pressure or lung capacity",
            )
        )
    _raise(errors)
    systolic, diastolic = split_blood_pressure(cmd.blood_pressure) if cmd.blood_pressure else (None, None)
    return HealthCheckRow(
        id=uuid.uuid4(),
        child_id=child.id,
        **cmd.model_dump(exclude={"blood_pressure"}),
        systolic=systolic,
        diastolic=diastolic,
        recorded_at=uow.now(),
        recorded_by=principal.subject,
    )


def list_health_checks(*, uow: UnitOfWork, child_id: uuid.UUID, principal: Principal) -> list[HealthCheckOut]:
    """A child's health checks, newest first."""
    with uow:
        child = visible_child(uow, child_id, principal)
        return _newest_first(uow, HealthCheckRow, HealthCheckRow.checked_on, child, HealthCheckOut)


def record_award(*, uow: UnitOfWork, child_id: uuid.UUID, cmd: AwardIn, principal: Principal) -> AwardOut:
    """Record an award (获奖) and publish AwardRecorded; 三好学生 titles count as Merit Student."""
    with uow:
        return _saved(uow, _award(uow, visible_child(uow, child_id, principal), cmd, principal), AwardOut)


def _award(uow: UnitOfWork, child: ChildRow, cmd: AwardIn, principal: Principal) -> AwardRow:
    errors = _future(uow, "awarded_on", cmd.awarded_on)
    start = first_year(cmd.school_year)
    # Awards for a year are given within it or in the autumn after; August allows early terms.
    if not date(start, 8, 1) <= cmd.awarded_on <= date(start + 1, 12, 31):
        errors.append(
            _error("school_year", "获奖日期与所属学年不符", "awarded_on does not fit this school year")
        )
    _raise(errors)
    merit = cmd.merit_student if cmd.merit_student is not None else MERIT_STUDENT in cmd.title
    row = AwardRow(
        id=uuid.uuid4(),
        child_id=child.id,
        title=cmd.title,
        merit_student=merit,
        school_year=cmd.school_year,
        awarded_on=cmd.awarded_on,
        recorded_at=uow.now(),
        recorded_by=principal.subject,
    )
    uow.publish(
        AwardRecorded(
            **_facts(uow, child),
            award_id=row.id,
            title=row.title,
            merit_student=merit,
            school_year=row.school_year,
            awarded_on=row.awarded_on,
        )
    )
    return row


def list_awards(*, uow: UnitOfWork, child_id: uuid.UUID, principal: Principal) -> list[AwardOut]:
    """A child's awards, newest first."""
    with uow:
        child = visible_child(uow, child_id, principal)
        return _newest_first(uow, AwardRow, AwardRow.awarded_on, child, AwardOut)


def record_violation(
    *, uow: UnitOfWork, child_id: uuid.UUID, cmd: ViolationIn, principal: Principal
) -> ViolationOut:
    """Record a violation (违纪) and publish ViolationRecorded, without its description."""
    with uow:
        return _saved(
            uow, _violation(uow, visible_child(uow, child_id, principal), cmd, principal), ViolationOut
        )


def _violation(uow: UnitOfWork, child: ChildRow, cmd: ViolationIn, principal: Principal) -> ViolationRow:
    errors = _future(uow, "occurred_on", cmd.occurred_on)
    try:
        school_year = cmd.school_year or school_year_of(cmd.occurred_on)
    except ValueError:  # a date in no school year the platform keeps (year 441, 9999): not a crash
        school_year = None
        errors.append(_error("occurred_on", "日期不在可登记的学年内", "the date lies in no school year"))
    start = first_year(school_year) if school_year else None
    # A school year runs from September to August; August is allowed for schools that start early.
    if start is not None and not date(start, 8, 1) <= cmd.occurred_on <= date(start + 1, 8, 31):
        errors.append(
            _error("school_year", "发生日期不在所属学年内", "occurred_on is outside this school year")
        )
    _raise(errors)
    assert school_year is not None
    row = ViolationRow(
        id=uuid.uuid4(),
        child_id=child.id,
        occurred_on=cmd.occurred_on,
        serious=cmd.serious,
        description=cmd.description,
        school_year=school_year,
        recorded_at=uow.now(),
        recorded_by=principal.subject,
    )
    uow.publish(
        ViolationRecorded(
            **_facts(uow, child),
            violation_id=row.id,
            serious=row.serious,
            occurred_on=row.occurred_on,
            school_year=school_year,
        )
    )
    return row


def list_violations(*, uow: UnitOfWork, child_id: uuid.UUID, principal: Principal) -> list[ViolationOut]:
    """A child's violations, newest first."""
    with uow:
        child = visible_child(uow, child_id, principal)
        return _newest_first(uow, ViolationRow, ViolationRow.occurred_on, child, ViolationOut)


def require_counsellor(principal: Principal) -> None:
    """Problem 403 unless the caller's role may see counselling notes at all."""
    # Counselling notes are the most sensitive part of a minor's archive (PIPL; DOMAIN.md "Data
    # protection": only people whose job needs a record may see it). Only the school side that
    # counsels the child needs them. The platform admin operates the system and sees every child
    # in the city: one such account reading every note would defeat need-to-know, so, unlike
    # require_role (which always admits ADMIN), the admin is refused here as well.
    if principal.role not in COUNSELLING_ROLES:
        raise Problem(
            status=403,
            slug="forbidden",
            title="无权查看或记录心理辅导记录",
            title_en="Forbidden: counselling notes",
            detail=f"仅限：{', '.join(sorted(r.value for r in COUNSELLING_ROLES))}",
            detail_en=f"only for: {', '.join(sorted(r.value for r in COUNSELLING_ROLES))}",
        )


def record_counselling_note(
    *, uow: UnitOfWork, child_id: uuid.UUID, cmd: CounsellingNoteIn, principal: Principal
) -> CounsellingNoteOut:
    """Record a counselling note (心理辅导记录); only the counselling roles, never published or logged."""
    require_counsellor(principal)
    with uow:
        child = visible_child(uow, child_id, principal)
        _raise(_future(uow, "noted_on", cmd.noted_on))
        row = CounsellingNoteRow(
            id=uuid.uuid4(),
            child_id=child.id,
            **cmd.model_dump(),
            recorded_at=uow.now(),
            recorded_by=principal.subject,
        )
        return _saved(uow, row, CounsellingNoteOut)


def list_counselling_notes(
    *, uow: UnitOfWork, child_id: uuid.UUID, principal: Principal
) -> list[CounsellingNoteOut]:
    """A child's counselling notes, newest first; the audit of this read is committed."""
    require_counsellor(principal)
    with uow:
        child = visible_child(uow, child_id, principal)
        notes = _newest_first(uow, CounsellingNoteRow, CounsellingNoteRow.noted_on, child, CounsellingNoteOut)
        audit(uow, principal=principal, action="read_counselling", child_id=child.id, detail=str(len(notes)))
        uow.commit()
        return notes
