"""The roster import loop over a declared roster (a helper roster, as pairing declares one); the report."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

import pytest
from openpyxl import load_workbook
from pydantic import BaseModel, Field, ValidationError

from shouhu_kit import spreadsheets as xl
from shouhu_kit.phones import PhoneNumber
from shouhu_kit.problems import Problem, invalid_request
from shouhu_kit.spreadsheets.http import ReportFormat, report_response

pytestmark = pytest.mark.unit

# The declaration a service writes: columns, a command, a row → command function.
KINDS = {"教师": "teacher", "干部": "cadre", "志愿者": "volunteer"}
HELPERS = xl.Roster(
    columns=(
        xl.Column("姓名", "name", True, "张老师", "必填"),
        xl.Column("类别", "kind", True, "教师", "必填", parse=xl.one_of(KINDS), choices=tuple(KINDS)),
        xl.Column("所属单位代码", "unit_code", True, "S01", text=True),
        xl.Column("手机号", "phone", True, "13800138000", xl.PHONE_NOTE, text=True, width=16),
        xl.Column("帮扶容量", "capacity", example="5", note="可结对儿童数"),
        xl.Column("登录账号", "account", example="zhang01"),
    ),
    fields={"unit_id": "unit_code"},
)
UNITS = {"S01": uuid.uuid4(), "S02": uuid.uuid4()}
HEADERS = [c.header for c in HELPERS.columns]


class RegisterHelper(BaseModel):
    name: str = Field(min_length=1, max_length=50)
    kind: str
    unit_id: uuid.UUID
    phone: PhoneNumber
    capacity: int = Field(default=5, ge=1, le=20)
    account: str | None = None


def to_command(row: xl.Row) -> RegisterHelper:
    unit = UNITS.get(row.get("unit_code"))
    if unit is None:  # noted, and the row checked on: the report names every problem at once
        row.fail("unit_code", "单位代码不存在", "unknown unit code")
    if row.get("account") == "taken":
        raise invalid_request(
            [{"field": "account", "message": "账号已被占用", "message_en": "account taken"}]
        )
    return RegisterHelper.model_validate({**row.values, "unit_id": unit})


def as_csv(rows: list[list[Any]], encoding: str = "utf-8-sig", headers: list[str] = HEADERS) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([headers, *rows])
    return out.getvalue().encode(encoding)


GOOD = [
    ["张老师", "教师", "S01", "13800138000", "5", "zhang01"],
    ["李书记", "干部", "S02", "0371-63123456", "", ""],
]
BAD = [
    ["王五", "学生", "S01", "13800138001", "", ""],  # row 4: kind not a choice
    ["赵六", "志愿者", "NOPE", "12345", "99", ""],  # row 5: unit, phone and capacity at once
    ["", "教师", "S01", "13800138002", "", ""],  # row 6: the name blank
    ["钱七", "教师", "S01", "13800138003", "", "taken"],  # row 7: a use case's 422
    ["张老师", "教师", "S02", "138 0013 8000", "", ""],  # row 8: the same phone as row 2
]


def _import(data: bytes, name: str, mode: xl.ImportMode) -> tuple[xl.RosterReport, list[Any]]:
    file = xl.read_roster(data=data, filename=name, roster=HELPERS)
    report, accepted = xl.import_rows(file, to_command=to_command)
    accepted = xl.drop_duplicates_in_file(accepted, key="phone", value=lambda c: c.phone, roster=HELPERS)
    if report.decide(mode):
        for item in accepted:
            item.report.extra["helper_id"] = f"h-{item.report.row}"
    return report, accepted


def _columns(doc: dict[str, Any], row: int) -> list[str]:
    return [e["column"] for e in next(r for r in doc["rows"] if r["row"] == row)["errors"]]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk"])
def test_each_bad_row_names_its_columns_and_why_in_zh_and_en(encoding: str) -> None:
    report, accepted = _import(as_csv(GOOD + BAD, encoding), "帮扶人.csv", xl.ImportMode.PARTIAL)
    doc = report.doc()
    assert (doc["total"], doc["accepted"], doc["rejected"], doc["duplicates"]) == (7, 2, 4, 1)
    assert doc["imported"] is True
    assert [a.command.phone for a in accepted] == ["+8613800138000", "+8637163123456"]
    assert accepted[1].command.capacity == 5
    assert _columns(doc, 4) == ["类别"]
    assert sorted(_columns(doc, 5)) == ["帮扶容量", "所属单位代码", "手机号"]
    assert _columns(doc, 6) == ["姓名"]
    assert _columns(doc, 7) == ["登录账号"]
    dup = doc["rows"][6]
    assert (dup["row"], dup["status"], dup["duplicate_of_row"]) == (8, "duplicate", 2)
    assert dup["errors"][0]["message"] == "与第 2 行手机号重复"
    assert dup["errors"][0]["message_en"] == "same phone as row 2"
    for row in doc["rows"][2:]:
        assert all(e["message"] and e["message_en"] and e["field"] for e in row["errors"]), row
    unit_error = next(e for e in doc["rows"][3]["errors"] if e["column"] == "所属单位代码")
    assert (unit_error["field"], unit_error["message_en"]) == ("unit_code", "unknown unit code")
    assert doc["rows"][0]["helper_id"] == "h-2"


def test_strict_mode_imports_nothing_from_a_file_with_a_bad_row() -> None:
    report, _ = _import(as_csv(GOOD + BAD[:1]), "a.csv", xl.ImportMode.STRICT)
    assert report.imported is False
    assert not any("helper_id" in r.extra for r in report.rows)
    report, _ = _import(as_csv(GOOD), "a.csv", xl.ImportMode.STRICT)
    assert report.imported is True
    assert report.clean


def test_xlsx_the_template_round_trips_and_carries_its_guide() -> None:
    data = xl.template_xlsx(HELPERS, title="帮扶人", rows=[xl.example_row(HELPERS)], guide=xl.COMMON_GUIDE)
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["帮扶人", "说明"]
    assert [c.value for c in book["帮扶人"][1]] == HEADERS
    guide = list(book["说明"].iter_rows(values_only=True))
    assert guide[2] == ("类别", "kind", "是", "必填")
    assert guide[5][:3] == ("帮扶容量", "capacity", None)
    assert any(line[3] and "strict" in line[3] for line in guide)
    assert [dv.formula1 for dv in book["帮扶人"].data_validations.dataValidation] == ['"教师,干部,志愿者"']
    report, accepted = _import(data, "填好的.xlsx", xl.ImportMode.STRICT)
    assert report.imported, report.doc()
    assert accepted[0].command.name == "张老师"
    csv_template = xl.template_csv(HELPERS, rows=[xl.example_row(HELPERS)])
    assert csv_template.startswith("\ufeff姓名,类别".encode())
    assert _import(csv_template, "t.csv", xl.ImportMode.STRICT)[0].imported


def test_english_headers_and_undeclared_columns() -> None:
    data = as_csv(
        [[1, "张老师", "教师", "S01", "13800138000"]], headers=["序号", "name", "KIND", "Unit Code", "phone"]
    )
    file = xl.read_roster(data=data, filename="a.csv", roster=HELPERS)
    assert file.ignored_columns == ["序号"]
    assert file.rows[0].others == {"序号": "1"}
    assert "capacity" not in file.rows[0]
    report, accepted = xl.import_rows(file, to_command=to_command)
    assert report.clean
    assert accepted[0].command.kind == "teacher"
    assert report.doc()["ignored_columns"] == ["序号"]


@pytest.mark.parametrize(
    ("data", "name", "status", "slug"),
    [
        (b"%PDF-1.7", "a.pdf", 415, "roster-type"),
        (b"\xd0\xcf\x11\xe0" + b"\0" * 60, "a.xls", 415, "roster-type"),
        (b"x" * (xl.MAX_BYTES + 1), "a.csv", 413, "roster-size"),
        (as_csv([], headers=HEADERS[:2]), "a.csv", 422, "roster-header"),
        (as_csv([]), "a.csv", 422, "roster-empty"),
        (as_csv([["名字"]], headers=["姓名", "姓名"]), "a.csv", 422, "roster-header"),
    ],
)
def test_a_file_that_cannot_be_the_roster_is_a_4xx_problem(
    data: bytes, name: str, status: int, slug: str
) -> None:
    with pytest.raises(Problem) as caught:
        xl.read_roster(data=data, filename=name, roster=HELPERS)
    assert (caught.value.status, caught.value.slug) == (status, slug)
    assert caught.value.title
    assert caught.value.title_en


def test_missing_columns_are_named_each() -> None:
    with pytest.raises(Problem) as caught:
        xl.read_roster(data=as_csv([], headers=HEADERS[:2]), filename="a.csv", roster=HELPERS)
    assert [e["column"] for e in caught.value.extra["errors"]] == ["所属单位代码", "手机号"]
    assert caught.value.detail_en == "missing: unit_code, phone"
    optional = HELPERS.requiring("account")
    assert [c.key for c in optional.columns if c.required][-1] == "account"
    assert not HELPERS.by_key["account"].required, "requiring makes a new roster"


def test_errors_of_a_command_map_back_to_columns() -> None:
    class Result(BaseModel):
        subjects: dict[str, int]
        class_id: uuid.UUID

    roster = xl.Roster(
        columns=(xl.Column("班级代码", "class_code"),),
        fields={"class_id": "class_code"},
        keyed_by_header=frozenset({"subjects"}),
    )
    with pytest.raises(ValidationError) as caught:
        Result.model_validate({"subjects": {"语文": "缺考"}, "class_id": "x"})
    errors = roster.errors(caught.value)
    assert [(e["column"], e["field"]) for e in errors] == [("语文", "语文"), ("班级代码", "class_code")]
    assert errors[0]["message"] == "应为整数"
    both = roster.errors(xl.RowInvalid(xl.FieldError("class_code", "不存在", "unknown"), caught.value))
    assert [e["column"] for e in both] == ["班级代码", "语文", "班级代码"]
    plain = roster.errors(Problem(status=409, slug="x", title="冲突", title_en="conflict"))
    assert plain == [{"column": "", "field": "", "message": "冲突", "message_en": "conflict"}]


def test_the_report_as_a_workbook_and_as_an_http_answer() -> None:
    report, _ = _import(as_csv(GOOD + BAD[:1]), "a.csv", xl.ImportMode.PARTIAL)
    book = load_workbook(io.BytesIO(xl.report_xlsx(report, id_header="帮扶人编号", id_keys=("helper_id",))))
    lines = list(book.active.iter_rows(values_only=True))
    assert lines[0] == ("行号", "结果", "帮扶人编号", "问题")
    assert lines[1] == (2, "已导入", "h-2", None)
    assert lines[3][:3] == (4, "有误", None)
    assert lines[3][3].startswith("类别：取值无效")
    answer = report_response(report, ReportFormat.JSON, name="帮扶人")
    assert answer.status_code == 200
    refused, _ = _import(as_csv(GOOD + BAD[:1]), "a.csv", xl.ImportMode.STRICT)
    with pytest.raises(Problem) as caught:
        report_response(refused, ReportFormat.JSON, name="帮扶人")
    assert (caught.value.status, caught.value.extra["rejected"]) == (422, 1)
    workbook = report_response(refused, ReportFormat.XLSX, name="帮扶人")
    assert workbook.status_code == 422
    assert "filename*=UTF-8''%E5%AF%BC%E5%85%A5" in workbook.headers["content-disposition"]
    lines = list(load_workbook(io.BytesIO(workbook.body)).active.iter_rows(values_only=True))
    assert lines[1][1] == "无误（未导入）"
