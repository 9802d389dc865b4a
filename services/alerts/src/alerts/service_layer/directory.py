"""The directory (通讯录): who holds each office of the ladder at a unit, and how to reach a person.

People are found by account (the login the tasks name); their mail and phone are shown masked to
everyone but the platform admin. An office is read and changed only by an official whose scope
holds the unit; outside it, as for a unit the tree does not know, the answer is 404.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from alerts.adapters.orm import TREE, OfficeHolder, Person
from shouhu_contracts.org import OrgKind
from shouhu_kit.auth import Principal, Role
from shouhu_kit.org.scope import sees_unit
from shouhu_kit.org.tree import UNSEEN
from shouhu_kit.phones import PhoneNumber, mask_phone
from shouhu_kit.problems import Problem, invalid_request, not_found
from shouhu_kit.uow import UnitOfWork

ACCOUNT = r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$"
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
NAME = r"^[^\x00-\x1f\x7f]+$"


class OfficeRole(StrEnum):
    """An office on the ladder above the helper, and the kind of unit that has it."""

    CLASS_TEACHER = "class_teacher"  # 班主任
    VILLAGE_DIRECTOR = "village_director"  # 村（居）儿童主任
    TOWNSHIP_SUPERVISOR = "township_supervisor"  # 乡镇（街道）儿童督导员
    DISTRICT_OFFICE = "district_office"  # 区县民政部门


UNIT_KIND = {
    OfficeRole.CLASS_TEACHER: OrgKind.CLASS,
    OfficeRole.VILLAGE_DIRECTOR: OrgKind.VILLAGE,
    OfficeRole.TOWNSHIP_SUPERVISOR: OrgKind.TOWNSHIP,
    OfficeRole.DISTRICT_OFFICE: OrgKind.DISTRICT,
}


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError("邮箱地址格式不正确 / not a valid email address")
    return value


def _no_extension(value: str) -> str:
    if ";ext=" in value:
        raise ValueError("带分机号的电话无法接收短信 / a number with an extension cannot receive messages")
    return value


def _webhook(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("须为 http(s) 地址 / must be an http(s) URL")
    return value


class PersonIn(BaseModel):
    """登记联系方式 / How to reach a person."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=50, pattern=NAME)
    email: Annotated[str, Field(max_length=200), AfterValidator(_email)] | None = None
    phone: Annotated[PhoneNumber, AfterValidator(_no_extension)] | None = None
    webhook_url: Annotated[str, Field(max_length=500), AfterValidator(_webhook)] | None = Field(
        default=None, description="个人的企业微信机器人或短信网关地址 / the person's own WeCom bot or gateway"
    )


class PersonOut(BaseModel):
    """A person's contact, masked except for the platform admin."""

    account: str
    name: str
    email: str | None
    phone: str | None
    webhook_url: str | None
    updated_at: datetime


class OfficeIn(BaseModel):
    """指定职务人 / Who holds the office."""

    model_config = ConfigDict(extra="forbid")

    account: str = Field(min_length=1, max_length=100, pattern=ACCOUNT)
    name: str = Field(min_length=1, max_length=50, pattern=NAME)


class OfficeOut(BaseModel):
    """An office and its holder."""

    unit_id: uuid.UUID
    role: OfficeRole
    account: str
    name: str
    updated_at: datetime


def mask_email(value: str | None) -> str | None:
    """'l***@example.com'."""
    if not value:
        return value
    local, _, domain = value.partition("@")
    return f"{local[:1]}***@{domain}"


def _mask_url(value: str | None) -> str | None:
    """Only where it goes: a bot's key in the query or path stays hidden."""
    if not value:
        return value
    parts = urlsplit(value)
    return f"{parts.scheme}://{parts.netloc}/***"


def _person_out(person: Person, principal: Principal) -> PersonOut:
    clear = principal.role is Role.ADMIN
    return PersonOut(
        account=person.account,
        name=person.name,
        email=person.email if clear else mask_email(person.email),
        phone=person.phone if clear else mask_phone(person.phone),
        webhook_url=person.webhook_url if clear else _mask_url(person.webhook_url),
        updated_at=person.updated_at,
    )


def _check_account(account: str) -> None:
    if not re.match(ACCOUNT, account):
        raise invalid_request(
            [
                {
                    "field": "path.account",
                    "location": "path",
                    "message": "账号格式不正确",
                    "message_en": "not a valid account",
                    "type": "string_pattern_mismatch",
                }
            ]
        )


def put_person(*, uow: UnitOfWork, principal: Principal, account: str, body: PersonIn) -> PersonOut:
    """Record (or replace) how to reach a person."""
    _check_account(account)
    with uow:
        person = uow.session.get(Person, account)
        if person is None:
            person = Person(account=account)
            uow.session.add(person)
        person.name, person.email, person.phone = body.name, body.email, body.phone
        person.webhook_url, person.updated_at = body.webhook_url, uow.now()
        out = _person_out(person, principal)
        uow.commit()
    return out


def get_person(*, uow: UnitOfWork, principal: Principal, account: str) -> PersonOut:
    """A person's contact (masked for all but the platform admin)."""
    with uow:
        person = uow.session.get(Person, account)
        if person is None:
            raise not_found("联系人", "Person")
        return _person_out(person, principal)


def _unit_in_scope(uow: UnitOfWork, principal: Principal, unit_id: uuid.UUID, role: OfficeRole) -> None:
    session = uow.session
    row = TREE.row(session, unit_id)
    if row is None or not sees_unit(session, tree=TREE, principal=principal, unit_id=unit_id):
        raise not_found("组织单元", "Org unit")
    expected = UNIT_KIND[role]
    if row.kind not in (UNSEEN, expected.value):
        raise Problem(
            status=422,
            slug="office-unit-kind",
            title="该单元没有此职务",
            title_en="This unit has no such office",
            detail=f"{role.value} 须设在{expected.value}一级，此单元为 {row.kind}",
            detail_en=f"{role.value} belongs to a {expected.value}; this unit is a {row.kind}",
            field="role",
        )


def _office_out(holder: OfficeHolder) -> OfficeOut:
    return OfficeOut(
        unit_id=holder.unit_id,
        role=OfficeRole(holder.role),
        account=holder.account,
        name=holder.name,
        updated_at=holder.updated_at,
    )


def put_office(
    *, uow: UnitOfWork, principal: Principal, unit_id: uuid.UUID, role: OfficeRole, body: OfficeIn
) -> OfficeOut:
    """Name who holds an office at a unit (tasks escalated from now on go to them)."""
    with uow:
        _unit_in_scope(uow, principal, unit_id, role)
        holder = uow.session.get(OfficeHolder, (unit_id, role.value))
        if holder is None:
            holder = OfficeHolder(unit_id=unit_id, role=role.value)
            uow.session.add(holder)
        holder.account, holder.name, holder.updated_at = body.account, body.name, uow.now()
        out = _office_out(holder)
        uow.commit()
    return out


def get_office(*, uow: UnitOfWork, principal: Principal, unit_id: uuid.UUID, role: OfficeRole) -> OfficeOut:
    """Who holds the office."""
    with uow:
        _unit_in_scope(uow, principal, unit_id, role)
        holder = uow.session.get(OfficeHolder, (unit_id, role.value))
        if holder is None:
            raise not_found("职务人", "Office holder")
        return _office_out(holder)


def delete_office(*, uow: UnitOfWork, principal: Principal, unit_id: uuid.UUID, role: OfficeRole) -> None:
    """Leave the office empty (its tasks then show in the unit's lists, and nobody is told)."""
    with uow:
        _unit_in_scope(uow, principal, unit_id, role)
        holder = uow.session.get(OfficeHolder, (unit_id, role.value))
        if holder is None:
            raise not_found("职务人", "Office holder")
        uow.session.delete(holder)
        uow.commit()
