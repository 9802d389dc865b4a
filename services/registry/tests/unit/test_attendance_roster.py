"""A class's month of attendance (月度出勤) imported from GBK CSV or XLSX, with a per-row report."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from registry.domain.identity import id_check_char
from shouhu_kit.auth import Role
from shouhu_kit.clock import FakeClock

pytestmark = pytest.mark.unit
SCHEMAS = Path(__file__).resolve().parents[4] / "contracts" / "schemas"
NOW = datetime(2026, 4, 10, 8, 0, tzinfo=UTC)
RECORDED = "registry.child.attendance_recorded.v1"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = ["序号", "学号", "姓名", "身份证号", "应到天数", "缺勤天数", "病事假天数", "备注"]


def id_number(born: date, seq: int) -> str:
    first17 = f"410102{born:%Y%m%d}{seq % 1000:03d}"
    return first17 + id_check_char(first17)


def as_xlsx(rows: list[list[Any]], headers: list[str] = HEADERS) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def as_csv(rows: list[list[Any]], encoding: str, headers: list[str] = HEADERS) -> bytes:
    """As Chinese Excel saves 'CSV (逗号分隔)': GBK."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    return out.getvalue().encode(encoding)


class Class:
    """A class of four pupils (two of them share a name) on a fixed clock."""

    def __init__(self, api: Any) -> None:
        api.client.app.state.runtime.clock = FakeClock(NOW)
        self.api, self.client = api, api.client
        self.t = api.tree()
        self.ids = [id_number(date(2016, 3, 1), n) for n in (11, 13)]
        self.twins = [api.child(self.t["cA"], name="张伟", id_number=i)["id"] for i in self.ids]
        self.lina = api.child(self.t["cA"], name="李娜")["id"]
        self.fang = api.child(self.t["cA"], name="王芳")["id"]

    def upload(self, data: bytes, name: str, *, auth: dict[str, str] | None = None, **params: Any) -> Any:
        return self.client.post(
            "/v1/rosters/attendance",
            params={"class_id": self.t["cA"], "month": "2026-03", **params},
            headers=self.api.admin if auth is None else auth,
            files={"file": (name, data, "application/octet-stream")},
        )

    def outbox(self) -> list[dict[str, Any]]:
        db = self.client.app.state.runtime.db
        out = db.tables.outbox
        with db.sessions() as s:
            rows = s.scalars(select(out.c.payload).where(out.c.event_type == RECORDED).order_by(out.c.seq))
            return [json.loads(r) for r in rows]

    def months(self, child: str) -> list[tuple[str, int, int, int | None, str | None]]:
        r = self.client.get(f"/v1/children/{child}/attendance", headers=self.api.admin)
        return [
            (m["month"], m["school_days"], m["days_absent"], m["excused_days"], m["note"]) for m in r.json()
        ]


@pytest.fixture
def k(api: Any) -> Class:
    return Class(api)


def by_row(doc: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {r["row"]: r for r in doc["rows"]}


ROWS: list[list[Any]] = [
    [1, "S01", "李娜", None, 21, 3, 1, "发烧"],
    [2, "S02", "张伟", None, 21, 0, None, None],  # two children of that name: give the ID
    [3, "S03", "张伟", None, 21, 2, None, None],  # the test gives the ID, and "21天"
    [4, "S04", "王芳", None, 21, 22, None, None],  # more days missed than school days
    [5, "S05", "赵六", None, 21, 0, None, None],  # not in the class
    [6, "S06", "李娜", None, 21, 4, None, None],  # the same child again
    [7, "S07", "王芳", None, "二十", 1, 2, None],  # not a number; excused > missed
]


@pytest.mark.parametrize("fmt", ["xlsx", "csv-gbk"])
def test_a_month_by_id_or_unique_name_with_a_report_naming_each_bad_row(k: Class, fmt: str) -> None:
    rows = [list(r) for r in ROWS]
    rows[2][3] = k.ids[1]
    rows[2][4] = "21天"
    data = as_xlsx(rows) if fmt == "xlsx" else as_csv(rows, "gbk")

    r = k.upload(data, "出勤.xlsx" if fmt == "xlsx" else "出勤.csv")

    assert r.status_code == 200, r.text
    doc = r.json()
    rep = by_row(doc)
    assert (doc["total"], doc["accepted"], doc["rejected"], doc["duplicates"]) == (7, 2, 4, 1)
    assert doc["ignored_columns"] == ["学号", "序号"]
    assert (rep[2]["child_id"], rep[2]["created"], rep[2]["changed"]) == (k.lina, True, True)
    assert rep[4]["child_id"] == k.twins[1]
    assert (rep[3]["errors"][0]["column"], "同名" in rep[3]["errors"][0]["message"]) == ("姓名", True)
    assert [(e["column"], e["field"]) for e in rep[5]["errors"]] == [("缺勤天数", "days_absent")]
    assert rep[5]["errors"][0]["message"] == "缺勤天数不能大于应到天数"
    assert "赵六" in rep[6]["errors"][0]["message"]
    assert (rep[7]["status"], rep[7]["duplicate_of_row"]) == ("duplicate", 2)
    assert {e["column"] for e in rep[8]["errors"]} == {"应到天数"}
    assert all(e["message_en"] for line in doc["rows"] for e in line.get("errors", []))
    assert k.months(k.lina) == [("2026-03", 21, 3, 1, "发烧")]
    assert k.months(k.twins[1]) == [("2026-03", 21, 2, None, None)]
    assert k.months(k.fang) == []
    events = k.outbox()
    assert len(events) == 2
    for event in events:
        schema = json.loads((SCHEMAS / f"{RECORDED}.schema.json").read_text(encoding="utf-8"))
        jsonschema.validate(event, schema)
    assert (events[0]["data"]["absence_rate"], events[0]["data"]["corrected"]) == (0.1429, False)


def test_strict_refuses_the_file_and_again_corrects_only_what_changed(k: Class) -> None:
    good: list[list[Any]] = [[1, "", "李娜", None, 21, 3, 1, None], [2, "", "王芳", None, 21, 0, None, None]]
    bad: list[list[Any]] = [*good, [3, "", "张伟", k.ids[0], 21, 30, None, None]]
    r = k.upload(as_xlsx(bad), "a.xlsx", mode="strict")
    assert r.status_code == 422
    assert by_row(r.json())[4]["errors"][0]["column"] == "缺勤天数"
    assert (k.outbox(), k.months(k.lina)) == ([], [])
    assert k.upload(as_xlsx(good), "a.xlsx", mode="strict").json()["accepted"] == 2
    again = [[1, "", "李娜", None, 21, 3, 1, None], [2, "", "王芳", None, 21, 2, None, None]]
    rep = by_row(k.upload(as_csv(again, "gbk"), "again.csv").json())
    assert [(rep[n]["created"], rep[n]["changed"]) for n in (2, 3)] == [(False, False), (False, True)]
    events = k.outbox()
    assert [(e["data"]["child_id"], e["data"]["corrected"]) for e in events] == [
        (k.lina, False),
        (k.fang, False),
        (k.fang, True),
    ]


def test_the_month_class_and_scope_are_checked_before_any_row(k: Class) -> None:
    data = as_xlsx([[1, "", "李娜", None, 21, 3, None, None]])
    assert k.upload(data, "a.xlsx", month="2026-05").json()["errors"][0]["field"] == "month"
    assert k.upload(data, "a.xlsx", month="1999-12").status_code == 422
    assert k.upload(data, "a.xlsx", class_id=k.t["sA"]).json()["errors"][0]["field"] == "class_id"
    assert k.upload(data, "a.xlsx", auth=k.api.auth(Role.TEACHER, k.t["sB"])).status_code == 404
    assert k.upload(data, "a.xlsx", auth=k.api.auth(Role.HELPER, k.t["sA"])).status_code == 403
    assert k.upload(data, "a.xlsx", auth={}).status_code == 401
    r = k.upload(as_xlsx([[1, "", "李娜", None, 21, None, None, None]], HEADERS[:5]), "a.xlsx")
    assert (r.status_code, [e["column"] for e in r.json()["errors"]]) == (422, ["缺勤天数"])
    assert k.outbox() == []


def test_template_round_trip(k: Class) -> None:
    r = k.client.get("/v1/rosters/attendance/template", headers=k.api.auth(Role.TEACHER, k.t["sA"]))
    assert r.status_code == 200
    book = load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == ["月度出勤", "说明"]
    headers = [c.value for c in book["月度出勤"][1]]
    assert headers == ["姓名", "身份证号", "应到天数", "缺勤天数", "病事假天数", "备注"]
    sheet = book["月度出勤"]
    sheet.delete_rows(2)
    sheet.append(["李娜", None, 20, 2, None, None])
    filled = io.BytesIO()
    book.save(filled)
    assert k.upload(filled.getvalue(), "填好的.xlsx").json()["accepted"] == 1
    r = k.client.get("/v1/rosters/attendance/template", params={"format": "csv"}, headers=k.api.admin)
    assert r.headers["content-type"].startswith("text/csv")
    assert next(csv.reader(io.StringIO(r.content.decode("utf-8-sig")))) == headers
    assert (
        k.client.get(
            "/v1/rosters/attendance/template", headers=k.api.auth(Role.HELPER, k.t["sA"])
        ).status_code
        == 403
    )
