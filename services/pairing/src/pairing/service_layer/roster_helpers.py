"""The helpers' roster (帮扶人花名册): one spreadsheet row a helper, each row reported."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select

from pairing.adapters.orm import TREE, Helper
from pairing.service_layer import helpers
from pairing.service_layer.context import path_ids
from pairing.service_layer.helpers import HelperIn
from shouhu_contracts.pairing.vocabulary import HelperKind
from shouhu_kit import spreadsheets as xl
from shouhu_kit.auth import Principal
from shouhu_kit.org.paths import in_subtree
from shouhu_kit.phones import normalize_phone
from shouhu_kit.problems import Problem, not_found
from shouhu_kit.spreadsheets import ImportMode, RosterReport, chunks
from shouhu_kit.uow import UnitOfWork

KIND_LABELS: dict[str, HelperKind] = {
    "教师": HelperKind.TEACHER,
    "班主任": HelperKind.CLASS_TEACHER,
    "志愿者": HelperKind.VOLUNTEER,
    "领导干部": HelperKind.LEADER,
    "一把手": HelperKind.LEADER,
    "爱心妈妈": HelperKind.CARING_MOTHER,
    "代理家长": HelperKind.CARING_MOTHER,
    "学习帮手": HelperKind.PEER_STUDENT,
    "爱心企业": HelperKind.COMPANY,
    **{kind.value: kind for kind in HelperKind},
}
_CHOICES = ("教师", "班主任", "志愿者", "领导干部", "爱心妈妈", "学习帮手", "爱心企业")


def _capacity(text: str) -> int:
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= 500:
        raise ValueError("帮扶容量应为1–500的整数 / capacity is a whole number 1–500")
    return int(text)


HELPER_ROSTER = xl.Roster(
    columns=(
        xl.Column("姓名", "name", True, "王老师", "必填", header_en="Name"),
        xl.Column(
            "类别", "kind", True, "教师", "教师、班主任、志愿者、领导干部、爱心妈妈、学习帮手、爱心企业",
            parse=xl.one_of(KIND_LABELS), choices=_CHOICES, header_en="Kind",
        ),
        xl.Column(
            "所属单位代码", "unit_code", True, "S01", "学校、乡镇或班级的代码（与档案系统一致）",
            text=True, header_en="Unit code",
        ),
        xl.Column(
            "手机号", "phone", False, "13800138000", xl.PHONE_NOTE,
            parse=xl.from_text(normalize_phone), text=True, header_en="Phone",
        ),
        xl.Column(
            "帮扶容量", "capacity", False, "3", "留空按类别默认（教师3、干部1…）",
            parse=xl.from_text(_capacity), header_en="Capacity",
        ),
        xl.Column(
            "登录账号", "account", False, "wang01", "留空则以帮扶人编号登录",
            text=True, header_en="Account",
        ),
    ),
    fields={"unit_id": "unit_code"},
)  # fmt: skip


def _units_by_code(uow: UnitOfWork, prefix: str, codes: Iterable[str | None]) -> dict[str, uuid.UUID]:
    """The units under the import's unit that the file names, one IN query per 500 codes."""
    found: dict[str, uuid.UUID] = {}
    table = TREE.table
    for part in chunks(sorted({c for c in codes if c})):
        rows = uow.session.execute(
            select(table.c.code, table.c.id).where(table.c.code.in_(part), in_subtree(table.c.path, prefix))
        )
        found.update((r.code, r.id) for r in rows)
    return found


def _command(row: xl.Row, units: Mapping[str, uuid.UUID]) -> HelperIn:
    unit = units.get(str(row.get("unit_code")))
    if row.get("unit_code") is not None and unit is None:
        row.fail("unit_code", "单位代码不存在或不在本单位下", "unknown unit code, or not under this unit")
    values: dict[str, Any] = {k: row.get(k) for k in ("name", "kind", "phone", "capacity", "account")}
    return HelperIn.model_validate({**{k: v for k, v in values.items() if v is not None}, "unit_id": unit})


def import_helpers(
    *, uow: UnitOfWork, data: bytes, filename: str, unit_id: uuid.UUID, mode: ImportMode, principal: Principal
) -> RosterReport:
    """Register the roster's helpers under the unit in one commit; strict mode refuses a file with errors."""
    with uow:
        prefix = TREE.path_of(uow.session, unit_id)
        if prefix is None or not principal.sees(path_ids(uow.session, unit_id)):
            raise not_found("组织单元", "Org unit")
        file = xl.read_roster(data=data, filename=filename, roster=HELPER_ROSTER)
        units = _units_by_code(uow, prefix, (r.get("unit_code") for r in file.rows))
        report, accepted = xl.import_rows(file, to_command=lambda row: _command(row, units))
        accepted = xl.drop_duplicates_in_file(
            [a for a in accepted if a.command.account is None or _free(uow, a)],
            key="account",
            value=lambda c: c.account,
            roster=HELPER_ROSTER,
        )
        if report.decide(mode):
            for item in accepted:
                try:
                    row = helpers.add(uow, item.command, principal)
                except (
                    Problem,
                    ValidationError,
                ) as exc:  # a rule of registration (a teacher outside a school)
                    item.report.fail("rejected", HELPER_ROSTER.errors(exc))
                    continue
                item.report.extra["helper_id"] = str(row.id)
            if report.decide(mode):
                uow.commit()
        return report


def _free(uow: UnitOfWork, item: xl.Accepted[HelperIn]) -> bool:
    """False (and the row reported) when another helper already signs in with the row's account."""
    taken = uow.session.scalar(select(Helper.id).where(Helper.account == item.command.account))
    if taken is None:
        return True
    item.report.fail(
        "duplicate",
        [
            HELPER_ROSTER.error(
                "account", "登录账号已被其他帮扶人使用 / account already used by another helper"
            )
        ],
        existing_helper_id=str(taken),
    )
    return False
