"""Class rosters (花名册): import from XLSX and CSV with a per-row report, template, export, term results."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from registry.adapters.orm import AuditRow, ChildHistoryRow
from registry.adapters.rosters import CHILD_COLUMNS
from registry.domain.identity import id_check_char
from shouhu_kit.auth import Role
from shouhu_kit.spreadsheets import MAX_BYTES

pytestmark = pytest.mark.unit

HEADERS = [c.header for c in CHILD_COLUMNS]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def id_number(born: date, seq: int) -> str:
    """A valid GB 11643 number; an odd sequence is a boy."""
    first17 = f"410102{born:%Y%m%d}{seq % 1000:03d}"
    return first17 + id_check_char(first17)


def person(n: int, **cells: Any) -> dict[str, Any]:
    """A good roster row keyed by Chinese header (n varies the child)."""
    born = date(2012, 1, 1) + timedelta(days=n * 7)
    spellings = [
        born.isoformat(),
        f"{born.year}/{born.month}/{born.day}",
        f"{born.year}年{born.month}月{born.day}日",
    ]
    row = {
        "姓名": f"学生{n:03d}",
        "性别": "男" if n % 2 else "女",
        "出生日期": spellings[n % 3],
        "民族": "汉族",
        "身份证号": id_number(born, n * 2 + 1 if n % 2 else n * 2),
        "班级代码": "KA" if n % 2 else "KA2",
        "户籍村代码": "VA" if n % 5 == 0 else "",
        "是否寄宿": "是" if n % 4 == 0 else "否",
        "留守类型": ["父母双方外出", "父亲外出", "母亲外出"][n % 3],
        "父亲姓名": "王大力",
        "父亲电话": f"139{n:08d}",
        "母亲姓名": "李秀英",
        "母亲电话": f"138{n:08d}",
    }
    if n % 4:  # every fourth child has nobody (监护缺位): the guardian columns stay empty
        row |= {
            "监护人姓名": "王奶奶",
            "监护人关系": "祖母",
            "监护人年龄": "66岁",
            "监护人电话": f"137{n:08d}",
        }
        row |= {"监护情况": "好"}
    return row | cells


def as_xlsx(rows: list[dict[str, Any]], headers: list[str] = HEADERS) -> bytes:
    """A workbook as a user's Excel would hand it over."""
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append([_excel_value(row.get(h)) for h in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _excel_value(value: Any) -> Any:
    """ISO dates become real Excel date cells, as a user typing them gets."""
    if isinstance(value, str) and len(value) == 10 and value[4] == value[7] == "-":
        return datetime.fromisoformat(value)
    return value


def as_csv(rows: list[dict[str, Any]], encoding: str = "utf-8-sig", headers: list[str] = HEADERS) -> bytes:
    """A CSV as Chinese Excel saves one: GB18030 ('CSV 逗号分隔') or UTF-8 with BOM ('CSV UTF-8')."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([[row.get(h, "") for h in headers] for row in rows])
    return out.getvalue().encode(encoding)


def upload(api: Any, data: bytes, name: str, *, auth: Any = None, **params: Any) -> Any:
    return api.client.post(
        "/v1/rosters/children",
        params=params,
        headers=auth or api.admin,
        files={"file": (name, data, "application/octet-stream")},
    )


def outbox_count(api: Any, event_type: str) -> int:
    db = api.client.app.state.runtime.db
    outbox = db.tables.outbox
    with db.sessions() as s:
        return int(s.scalar(select(func.count()).where(outbox.c.event_type == event_type)) or 0)


def by_row(doc: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {r["row"]: r for r in doc["rows"]}


def school(api: Any) -> dict[str, str]:
    t = api.tree()
    t["cA2"] = api.unit("class", "KA2", "三年级(2)班", t["sA"])
    return t


# A mixed roster: 240 good children and the broken rows a school really sends.
BROKEN = {
    "bad check digit": ({"身份证号": id_number(date(2016, 3, 1), 11)[:-1] + "0"}, "身份证号", "校验位"),
    "ID birth differs": (
        {"出生日期": "2016-03-02", "身份证号": id_number(date(2016, 3, 1), 13)},
        "身份证号",
        "出生日期",
    ),
    "bad phone": ({"父亲电话": "1390000"}, "父亲电话", "手机号"),
    "future birth": ({"出生日期": "2099-01-01", "身份证号": ""}, "出生日期", "不能晚于今天"),
    "unknown class": ({"班级代码": "NOPE"}, "班级代码", "不存在"),
    "missing name": ({"姓名": ""}, "姓名", "缺失"),
    "excel mangled ID": ({"身份证号": "4.10102E+17"}, "身份证号", "科学计数法"),
}


@pytest.mark.parametrize("fmt", ["xlsx", "csv-utf8-bom", "csv-gbk"])
def test_mixed_roster_names_each_broken_row_its_column_and_why(api: Any, fmt: str) -> None:
    t = school(api)
    existing = api.child(t["cA"], birth_date="2011-06-01", id_number=id_number(date(2011, 6, 1), 7))
    rows = [person(n) for n in range(240)]
    broken = {}
    for i, (label, (cells, _, _)) in enumerate(BROKEN.items()):
        rows.insert(20 + i * 30, person(500 + i, **cells))
        broken[label] = 20 + i * 30 + 2  # spreadsheet row: the header is row 1
    rows.append(person(7, 姓名="重复的人"))  # the same ID as an earlier row of the file
    rows.append(person(600, 出生日期="2011-06-01", 身份证号=id_number(date(2011, 6, 1), 7)))
    data = as_xlsx(rows) if fmt == "xlsx" else as_csv(rows, "gb18030" if fmt == "csv-gbk" else "utf-8-sig")

    r = upload(api, data, f"花名册.{fmt[:4].strip('-')}", unit_id=t["sA"])

    assert r.status_code == 200, r.text
    doc = r.json()
    assert (doc["total"], doc["rejected"], doc["duplicates"]) == (len(rows), len(BROKEN), 2)
    assert doc["accepted"] == 240
    rows_by_number = by_row(doc)
    for label, (_, column, why) in BROKEN.items():
        report = rows_by_number[broken[label]]
        assert report["status"] == "rejected", label
        assert any(e["column"] == column and why in e["message"] for e in report["errors"]), (label, report)
        assert all(e["message_en"] for e in report["errors"])
    in_file, in_db = rows_by_number[len(rows)], rows_by_number[len(rows) + 1]
    assert in_file["status"] == "duplicate"
    assert in_file["duplicate_of_row"] == 9  # person 7 sits on row 9
    assert in_file["errors"][0]["column"] == "身份证号"
    assert in_db["status"] == "duplicate"
    assert in_db["existing_child_id"] == existing["id"]
    assert outbox_count(api, "registry.child.registered.v1") == doc["accepted"] + 1
    db = api.client.app.state.runtime.db
    with db.sessions() as s:
        registered = s.scalar(select(func.count()).where(ChildHistoryRow.action == "registered"))
    assert registered == doc["accepted"] + 1
    child = api.client.get(f"/v1/children/{rows_by_number[2]['child_id']}", headers=api.admin).json()
    assert (child["name"], child["class_id"], child["birth_date"]) == ("学生000", t["cA2"], "2012-01-01")
    assert child["guardian"] is None
    assert child["has_guardian"] is False
    child = api.client.get(f"/v1/children/{rows_by_number[7]['child_id']}", headers=api.admin).json()
    assert child["home_village_id"] == t["vA"]
    assert child["boarding"] is False
    assert child["guardian"]["age"] == 66
    assert child["guardian"]["rating"] == "good"


def test_strict_mode_imports_nothing_from_a_file_with_a_bad_row(api: Any) -> None:
    t = api.tree()
    rows = [person(n, 班级代码="") for n in range(5)]
    rows[3]["父亲电话"] = "12345"
    r = upload(api, as_csv(rows), "a.csv", unit_id=t["cA"], mode="strict")
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    doc = r.json()
    assert (doc["imported"], doc["rejected"], doc["total"]) == (False, 1, 5)
    assert by_row(doc)[5]["errors"][0]["column"] == "父亲电话"
    assert outbox_count(api, "registry.child.registered.v1") == 0
    assert api.client.get("/v1/children", params={"org_id": t["cA"]}, headers=api.admin).json()["items"] == []
    rows[3]["父亲电话"] = "13912345678"
    r = api.client.post(
        "/v1/rosters/children",
        headers=api.admin,
        data={"unit_id": t["cA"], "mode": "strict"},  # the form works as well as the query
        files={"file": ("a.csv", as_csv(rows), "text/csv")},
    )
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == 5
    assert outbox_count(api, "registry.child.registered.v1") == 5


def test_the_report_comes_as_a_workbook_on_request(api: Any) -> None:
    t = api.tree()
    rows = [person(1, 班级代码=""), person(2, 班级代码="", 身份证号="123")]
    r = upload(api, as_xlsx(rows), "a.xlsx", unit_id=t["cA"], report="xlsx")
    assert r.status_code == 200
    assert r.headers["content-type"] == XLSX
    sheet = load_workbook(io.BytesIO(r.content)).active
    lines = list(sheet.iter_rows(values_only=True))
    assert lines[0] == ("行号", "结果", "儿童编号", "问题")
    assert lines[1][:2] == (2, "已导入")
    assert len(lines[1][2]) == 36
    assert lines[2][:2] == (3, "有误")
    assert "身份证号" in lines[2][3]


def test_template_round_trip(api: Any) -> None:
    t = api.tree()
    r = api.client.get("/v1/rosters/children/template", headers=api.admin)
    assert r.status_code == 200
    assert f"filename*=UTF-8''{quote('留守儿童花名册模板.xlsx')}" in r.headers["content-disposition"]
    book = load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == ["花名册", "说明"]
    assert [c.value for c in book["花名册"][1]] == HEADERS
    guide = " ".join(str(v) for row in book["说明"].iter_rows(values_only=True) for v in row if v)
    assert "父母双方外出" in guide
    assert "好" in guide
    assert "监护缺位" in guide
    book["花名册"].append([person(9).get(h) for h in HEADERS])
    book["花名册"]["F3"] = None  # class code: importing into the class itself
    filled = io.BytesIO()
    book.save(filled)
    r = upload(api, filled.getvalue(), "填好的.xlsx", unit_id=t["cA"])
    assert r.status_code == 200, r.text
    assert (r.json()["accepted"], r.json()["total"]) == (2, 2)

    r = api.client.get("/v1/rosters/children/template", params={"format": "csv"}, headers=api.admin)
    assert r.headers["content-type"].startswith("text/csv")
    header, example = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert header == HEADERS
    example[HEADERS.index("姓名")], example[HEADERS.index("身份证号")] = "李小红", ""
    r = upload(api, as_csv([dict(zip(header, example, strict=True))], "gb18030"), "t.csv", unit_id=t["cB"])
    assert r.json()["accepted"] == 1, r.text


def _export(api: Any, unit: str, auth: Any) -> list[tuple[Any, ...]]:
    r = api.client.get("/v1/rosters/children/export", params={"unit_id": unit}, headers=auth)
    assert r.status_code == 200, r.text
    assert "filename*=UTF-8''" in r.headers["content-disposition"]
    return list(load_workbook(io.BytesIO(r.content))["花名册"].iter_rows(values_only=True))


def _audits(api: Any) -> list[AuditRow]:
    with api.client.app.state.runtime.db.sessions() as s:
        return list(s.scalars(select(AuditRow).where(AuditRow.action == "export_roster")))


def test_export_masks_for_the_role_audits_unmasked_exports_and_re_imports(api: Any) -> None:
    t = api.tree()
    assert (
        upload(api, as_csv([person(n, 班级代码="") for n in (1, 2, 3)]), "a.csv", unit_id=t["cA"]).status_code
        == 200
    )
    phone, idn = HEADERS.index("父亲电话"), HEADERS.index("身份证号")

    lines = _export(api, t["sA"], api.auth(Role.TEACHER, t["sA"]))
    assert lines[0] == tuple(HEADERS)
    assert len(lines) == 4
    assert lines[1][phone] == "139 0000 0001", "unmasked: written the Chinese national way"
    assert "*" in lines[1][idn]
    assert lines[1][HEADERS.index("班级代码")] == "KA"
    assert lines[1][HEADERS.index("性别")] == "男"
    [audit] = _audits(api)
    assert str(t["sA"]) in audit.detail
    assert "children=3" in audit.detail
    assert audit.role == "teacher"
    log = api.client.get(
        "/v1/audit", params={"unit_id": t["sA"]}, headers=api.auth(Role.DISTRICT_ADMIN, t["dA"])
    )
    assert [(e["action"], e["unit_id"]) for e in log.json()] == [("export_roster", str(t["sA"]))]
    assert api.client.get("/v1/audit", headers=api.auth(Role.DISTRICT_ADMIN, t["dA"])).status_code == 422

    lines = _export(api, t["city"], api.auth(Role.CITY_ADMIN, t["city"]))
    assert lines[1][phone] == "139****0001"
    assert lines[1][idn].startswith("410102")
    assert "*" in lines[1][idn]
    assert len(_audits(api)) == 1, "a fully masked export reveals nothing"

    lines = _export(api, t["dA"], api.auth(Role.DISTRICT_ADMIN, t["dA"]))
    assert lines[1][idn] == person(1)["身份证号"]
    assert lines[1][phone] == "139****0001"
    assert len(_audits(api)) == 2

    r = api.client.get("/v1/rosters/children/export", params={"unit_id": t["sA"]}, headers=api.admin)
    doc = upload(api, r.content, "export.xlsx", unit_id=t["sA"]).json()
    assert (doc["duplicates"], doc["rejected"]) == (3, 0), "an export is a valid roster"


def test_a_teacher_from_another_district_gets_404(api: Any) -> None:
    t = api.tree()
    teacher_b = api.auth(Role.TEACHER, t["sB"])
    assert upload(api, as_csv([person(1)]), "a.csv", auth=teacher_b, unit_id=t["cA"]).status_code == 404
    r = api.client.get("/v1/rosters/children/export", params={"unit_id": t["dA"]}, headers=teacher_b)
    assert r.status_code == 404
    r = api.client.post(
        "/v1/rosters/term-results",
        params={"class_id": t["cA"], "term": "2025-2026-1"},
        headers=teacher_b,
        files={"file": ("r.csv", "姓名,班级排名\n王小明,1\n".encode(), "text/csv")},
    )
    assert r.status_code == 404
    assert upload(api, as_csv([person(1)]), "a.csv", auth=api.auth(Role.HELPER, t["sA"])).status_code == 403


def test_files_that_cannot_be_a_roster_are_clear_4xx_problems(api: Any) -> None:
    t = api.tree()
    cases = [
        (b"%PDF-1.7 ...", "a.pdf", 415),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old.xls", 415),
        ("性别,出生日期,留守类型\n男,2016-01-01,父亲外出\n".encode(), "a.csv", 422),
        (as_csv([]), "empty.csv", 422),
        (b"x" * (MAX_BYTES + 1), "big.csv", 413),
        (
            ("姓名,性别,出生日期,留守类型\n" + "张三,男,2016-01-01,父亲外出\n" * 50_001).encode(),
            "many.csv",
            413,
        ),
    ]
    for data, name, status in cases:
        r = upload(api, data, name, unit_id=t["cA"])
        assert r.status_code == status, (name, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["title"]
        assert r.json()["title_en"]
    r = upload(
        api, "姓名,性别,出生日期,留守类型\n,男,2016-01-01,父亲外出\n".encode(), "a.csv", unit_id=t["cA"]
    )
    assert r.status_code == 200, "a missing value is a row problem, not a file problem"
    r = upload(api, as_csv([person(1)], headers=HEADERS[:5]), "a.csv", unit_id=t["sA"])
    assert r.status_code == 422, "above a class, the class code column is required"
    assert [e["column"] for e in r.json()["errors"]] == ["班级代码", "留守类型"]


def _results(api: Any, t: dict[str, str], rows: list[list[Any]], **params: Any) -> Any:
    headers = ["序号", "姓名", "身份证号", "语文", "数学", "英语", "总分", "班级排名"]
    return api.client.post(
        "/v1/rosters/term-results",
        params={"class_id": t["cA"], "term": "2025-2026-1", **params},
        headers=api.admin,
        files={
            "file": ("成绩.xlsx", as_xlsx([dict(zip(headers, r, strict=True)) for r in rows], headers), XLSX)
        },
    )


def test_term_results_by_id_or_unique_name_with_subjects_and_corrections(api: Any) -> None:
    t = api.tree()
    ids = [id_number(date(2016, 3, 1), n) for n in (11, 13)]
    twins = [api.child(t["cA"], name="张伟", id_number=i) for i in ids]
    lina = api.child(t["cA"], name="李娜")
    api.child(t["cA"], name="王芳")
    rows: list[list[Any]] = [
        [1, "李娜", None, 90, 85, 88, None, 2],
        [2, "张伟", ids[1], 70, 80, 75, 225, 5],
        [3, "张伟", None, 60, 60, 60, None, 8],
        [4, "王芳", None, "缺考", 90, 90, None, 3],
        [5, "赵六", None, 90, 90, 90, None, 1],
        [6, "李娜", None, 91, 85, 88, None, 2],
        [7, "王芳", None, 80, 80, 80, None, None],
        [8, None, None, 80, 80, 80, None, 4],
    ]
    r = _results(api, t, rows)
    assert r.status_code == 200, r.text
    doc = r.json()
    rep = by_row(doc)
    assert (doc["accepted"], doc["rejected"], doc["duplicates"], doc["ignored_columns"]) == (
        2,
        5,
        1,
        ["序号"],
    )
    assert rep[2]["child_id"] == lina["id"]
    assert rep[2]["created"] is True
    assert rep[3]["child_id"] == twins[1]["id"]
    assert rep[4]["errors"][0]["column"] == "姓名"
    assert "同名" in rep[4]["errors"][0]["message"]
    assert rep[5]["errors"][0]["column"] == "语文"
    assert "赵六" in rep[6]["errors"][0]["message"]
    assert rep[7]["status"] == "duplicate"
    assert rep[7]["duplicate_of_row"] == 2
    assert rep[8]["errors"][0]["column"] == "班级排名"
    assert rep[9]["errors"][0]["column"] == "姓名"
    [result] = api.client.get(f"/v1/children/{lina['id']}/term-results", headers=api.admin).json()
    assert result["subjects"] == {"语文": 90, "数学": 85, "英语": 88}
    assert (result["total_score"], result["class_rank"], result["class_size"]) == (263, 2, 8)
    assert outbox_count(api, "registry.child.term_result_recorded.v1") == 2

    r = _results(
        api, t, [[1, "李娜", None, 95, 85, 88, None, 1], [2, "王芳", None, 1, 1, 1, None, 9]], mode="strict"
    )
    assert r.status_code == 422, "rank 9 in a class of 2"
    assert by_row(r.json())[3]["errors"][0]["column"] == "班级排名"
    assert outbox_count(api, "registry.child.term_result_recorded.v1") == 2

    r = _results(api, t, [[1, "李娜", None, 95, 85, 88, None, 1]])
    assert by_row(r.json())[2]["created"] is False, "recording again corrects"
    [result] = api.client.get(f"/v1/children/{lina['id']}/term-results", headers=api.admin).json()
    assert (result["subjects"]["语文"], result["total_score"], result["class_rank"]) == (95, 268, 1)
    assert outbox_count(api, "registry.child.term_result_recorded.v1") == 3
    r = _results(api, t, [[1, "李娜", None, 95, 85, 88, None, 1]], term="2025-2027-1")
    assert r.status_code == 422
