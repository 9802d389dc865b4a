"""Child archive use cases: register and update (merge patch); transfers, exits and re-entries are in
movements.py.

Each use case opens the unit of work it is given, commits the change with its events, history and
the audit of the archive it answers with, and returns that archive as the caller may see it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select

from registry.adapters.orm import ChildHistoryRow, ChildRow, OrgUnitRow
from registry.domain.archive import diff, missing_contacts
from registry.service_layer.access import visible_child, visible_unit
from registry.service_layer.commands import ChildIn
from registry.service_layer.read_models import ChildOut
from registry.service_layer.views import child_out, missing_list
from shouhu_contracts.org import ChildStatus, GuardianshipRating, LeftBehindType, OrgKind
from shouhu_contracts.registry.v1 import (
    ChildRegistered,
    ChildUpdated,
    GuardianChanged,
)
from shouhu_kit.auth import Principal
from shouhu_kit.clock import china_today
from shouhu_kit.org.paths import decode_path
from shouhu_kit.problems import Problem, field_errors, invalid_request
from shouhu_kit.uow import UnitOfWork

# The fields of the archive document (what PATCH may change and history records).
ARCHIVE_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "ethnicity",
    "id_number",
    "home_village_id",
    "home_address",
    "boarding",
    "left_behind_type",
    "father",
    "mother",
    "guardian",
)


def archive_doc(row: ChildRow) -> dict[str, Any]:
    """The archive as a JSON-able document (the shape of ChildIn without the class)."""
    return {
        "name": row.name,
        "gender": row.gender,
        "birth_date": row.birth_date.isoformat(),
        "ethnicity": row.ethnicity,
        "id_number": row.id_number,
        "home_village_id": str(row.home_village_id) if row.home_village_id else None,
        "home_address": row.home_address,
        "boarding": row.boarding,
        "left_behind_type": row.left_behind_type,
        "father": row.father,
        "mother": row.mother,
        "guardian": row.guardian,
    }


def class_and_school(uow: UnitOfWork, class_id: uuid.UUID, principal: Principal, field: str) -> OrgUnitRow:
    klass = visible_unit(uow, class_id, principal)
    if klass.kind != OrgKind.CLASS.value:
        raise invalid_request(
            [{"field": field, "message": "所选单位不是班级", "message_en": "must name a class"}]
        )
    return klass


def check_archive(uow: UnitOfWork, cmd: ChildIn, *, child_id: uuid.UUID | None) -> OrgUnitRow | None:
    """Checks that need the clock or the database; every failure is reported at once."""
    today = china_today(uow.now())
    errors = []
    for field, value in (
        ("birth_date", cmd.birth_date),
        ("father.away_since", cmd.father and cmd.father.away_since),
        ("mother.away_since", cmd.mother and cmd.mother.away_since),
    ):
        if isinstance(value, date) and value > today:
            errors.append(
                {"field": field, "message": "日期不能晚于今天", "message_en": "date is in the future"}
            )
    home = None
    if cmd.home_village_id is not None:
        home = uow.session.get(OrgUnitRow, cmd.home_village_id)
        if home is None or home.kind != OrgKind.VILLAGE.value:
            errors.append(
                {
                    "field": "home_village_id",
                    "message": "所选单位不是村/居",
                    "message_en": "must name a village",
                }
            )
    if errors:
        raise invalid_request(errors)
    if cmd.id_number:
        existing = uow.session.scalar(select(ChildRow.id).where(ChildRow.id_number == cmd.id_number))
        if existing is not None and existing != child_id:
            raise Problem(
                status=409,
                slug="duplicate-child",
                title="该身份证号已建档",
                title_en="A child with this ID number is already registered",
                detail=f"已有档案：{existing}",
                detail_en=f"existing child: {existing}",
                existing_child_id=str(existing),
                errors=[
                    {"field": "id_number", "message": "该身份证号已建档", "message_en": "already registered"}
                ],
            )
    return home


def _apply(row: ChildRow, cmd: ChildIn, home: OrgUnitRow | None) -> None:
    data = cmd.model_dump(mode="json")
    row.name, row.gender, row.birth_date = cmd.name, cmd.gender.value, cmd.birth_date
    row.ethnicity, row.id_number, row.home_address = cmd.ethnicity, cmd.id_number, cmd.home_address
    row.home_village_id = cmd.home_village_id
    row.home_path_text = home.path_text if home else None
    row.boarding, row.left_behind_type = cmd.boarding, cmd.left_behind_type.value
    row.father, row.mother, row.guardian = data["father"], data["mother"], data["guardian"]
    row.guardian_rating = cmd.guardian.rating.value if cmd.guardian else "none"
    refresh_contact_card(row)


def refresh_contact_card(row: ChildRow) -> None:
    """Recompute which required phones the contact card lacks."""
    missing = missing_contacts(
        left_behind_type=LeftBehindType(row.left_behind_type),
        father=row.father,
        mother=row.mother,
        guardian=row.guardian,
    )
    row.missing_contacts, row.contact_complete = ",".join(missing), not missing


def record_history(
    uow: UnitOfWork, row: ChildRow, principal: Principal, action: str, changes: list[dict[str, Any]]
) -> None:
    uow.session.add(
        ChildHistoryRow(
            child_id=row.id, at=uow.now(), actor=principal.subject, action=action, changes=changes
        )
    )


def new_child(
    *, cmd: ChildIn, klass: OrgUnitRow, home: OrgUnitRow | None, now: datetime
) -> tuple[ChildRow, ChildRegistered, list[dict[str, Any]]]:
    """A new archive row, its event and its history changes, from checked input (no I/O)."""
    row = ChildRow(
        id=uuid.uuid4(),
        class_id=klass.id,
        school_id=klass.parent_id,
        org_path_text=klass.path_text,
        status=ChildStatus.ACTIVE.value,
        version=1,
        registered_at=now,
        updated_at=now,
    )
    _apply(row, cmd, home)
    event = ChildRegistered(
        child_id=row.id,
        name=row.name,
        gender=cmd.gender,
        birth_date=cmd.birth_date,
        left_behind_type=cmd.left_behind_type,
        class_id=klass.id,
        org_path=klass.path,
        school_id=klass.parent_id,
        home_village_id=cmd.home_village_id,
        home_path=home.path if home else None,
        has_guardian=cmd.guardian is not None,
        boarding=cmd.boarding,
        guardian_rating=cmd.guardian.rating if cmd.guardian else None,
        guardian_age=cmd.guardian.age if cmd.guardian else None,
        guardian_relation=cmd.guardian.relation if cmd.guardian else None,
        missing_contacts=missing_list(row),
        registered_at=now,
    )
    changes = diff({}, {**archive_doc(row), "class_id": str(klass.id)})
    return row, event, changes


def answer_with_archive(uow: UnitOfWork, row: ChildRow, principal: Principal) -> ChildOut:
    """The archive as the caller may see it, committed with the change and the audit of this read."""
    out = child_out(uow, row, principal)
    uow.commit()
    return out


def register_child(*, uow: UnitOfWork, cmd: ChildIn, principal: Principal) -> ChildOut:
    """Create a child's archive in a class the caller can see (建档)."""
    with uow:
        return answer_with_archive(uow, _register(uow, cmd, principal), principal)


def _register(uow: UnitOfWork, cmd: ChildIn, principal: Principal) -> ChildRow:
    klass = class_and_school(uow, cmd.class_id, principal, "class_id")
    home = check_archive(uow, cmd, child_id=None)
    row, event, changes = new_child(cmd=cmd, klass=klass, home=home, now=uow.now())
    uow.session.add(row)
    uow.session.flush()
    record_history(uow, row, principal, "registered", changes)
    uow.publish(event)
    return row


def _merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """RFC 7396 JSON Merge Patch."""
    out = dict(base)
    for key, value in patch.items():
        if value is None:
            out[key] = None
        elif isinstance(value, dict):
            out[key] = _merge(out.get(key) or {}, value)
        else:
            out[key] = value
    return out


def update_child(
    *, uow: UnitOfWork, child_id: uuid.UUID, patch: dict[str, Any], if_match: int, principal: Principal
) -> ChildOut:
    """Apply a merge patch to the archive, refusing a stale version (412)."""
    with uow:
        return answer_with_archive(uow, _update(uow, child_id, patch, if_match, principal), principal)


def _update(
    uow: UnitOfWork, child_id: uuid.UUID, patch: dict[str, Any], if_match: int, principal: Principal
) -> ChildRow:
    row = visible_child(uow, child_id, principal)
    if row.version != if_match:
        raise Problem(
            status=412,
            slug="stale-version",
            title="档案已被他人修改，请刷新后重试",
            title_en="The archive changed since you read it",
            current_version=row.version,
            detail=f"当前版本 {row.version}，请求基于版本 {if_match}",
            detail_en=f"current version {row.version}, request based on {if_match}",
        )
    before = archive_doc(row)
    merged = _merge(before, patch)
    try:
        cmd = ChildIn.model_validate({**merged, "class_id": row.class_id})
    except ValidationError as exc:
        raise invalid_request(field_errors(exc.errors())) from exc
    home = check_archive(uow, cmd, child_id=row.id)
    _apply(row, cmd, home)
    changes = diff(before, archive_doc(row))
    if not changes:
        return row
    row.updated_at = uow.now()
    uow.session.flush()
    record_history(uow, row, principal, "updated", changes)
    fields = [c["field"] for c in changes]
    facts = {"child_id": row.id, "org_path": decode_path(row.org_path_text), "occurred_at": uow.now()}
    uow.publish(
        ChildUpdated(
            **facts,
            fields=fields,
            name=row.name,
            left_behind_type=LeftBehindType(row.left_behind_type),
            has_guardian=row.has_guardian,
            boarding=row.boarding,
            missing_contacts=missing_list(row),
            home_village_id=row.home_village_id,
            home_path=decode_path(row.home_path_text) if row.home_path_text else None,
        )
    )
    if any(f.startswith("guardian") for f in fields):
        g = row.guardian
        uow.publish(
            GuardianChanged(
                **facts,
                has_guardian=g is not None,
                relation=g and g.get("relation"),
                guardian_age=g and g.get("age"),
                guardian_rating=GuardianshipRating(g["rating"]) if g else None,
            )
        )
    return row
