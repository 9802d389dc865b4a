"""The helpers' roster (帮扶人花名册): GBK CSV and XLSX in, a per-row report out, helpers registered."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest

from shouhu_kit.auth import Role

pytestmark = pytest.mark.unit

HEADER = "姓名,类别,所属单位代码,手机号,帮扶容量,登录账号\n"


@pytest.fixture
def tree(world: Any, pairing: Any) -> Any:
    pairing.apply(*world.published)
    return world.t


def upload(pairing: Any, unit: Any, body: bytes, name: str = "helpers.csv", **query: str) -> Any:
    return pairing.client.post(
        "/v1/rosters/helpers",
        headers=pairing.headers(Role.TOWNSHIP_ADMIN, unit),
        params={"unit_id": str(unit), **query},
        files={"file": (name, body)},
    )


def test_a_gbk_csv_registers_the_good_rows_and_names_each_bad_one(tree: Any, pairing: Any) -> None:
    rows = (
        "王老师,教师,sA1,13800138000,,wang\n"  # a teacher at a school
        "李阿姨,爱心妈妈,tA,,5,\n"  # a caring mother in the township
        "赵书记,领导干部,tA,,,zhao\n"
        "钱同学,学习帮手,sA2,,,\n"
        "孙某,园丁,sA1,,,\n"  # no such kind
        "周老师,教师,tA,,,\n"  # a teacher outside any school
        "吴老师,教师,sB,,,\n"  # another district: not under this township
        "郑老师,教师,sA1,12345,,\n"  # bad phone
        "冯老师,教师,sA1,,0,\n"  # bad capacity
        "陈老师,教师,sA1,,,wang\n"  # the same account as row 2
    )
    r = upload(pairing, tree["tA"], (HEADER + rows).encode("gbk"))
    assert r.status_code == 200, r.text
    doc = r.json()
    assert (doc["accepted"], doc["rejected"], doc["duplicates"]) == (4, 5, 1)
    by_row = {row["row"]: row for row in doc["rows"]}
    assert by_row[6]["errors"][0]["column"] == "类别"
    assert by_row[7]["errors"][0]["column"] == "所属单位代码"  # a teacher belongs to a school
    assert by_row[8]["errors"][0]["column"] == "所属单位代码"
    assert by_row[9]["errors"][0]["column"] == "手机号"
    assert by_row[10]["errors"][0]["column"] == "帮扶容量"
    assert by_row[11]["status"] == "duplicate"
    assert all(e["message"] and e["message_en"] for row in doc["rows"] for e in row.get("errors", []))
    listed = pairing.client.get(
        f"/v1/helpers?unit_id={tree['tA']}", headers=pairing.headers(Role.ADMIN)
    ).json()
    assert sorted((h["name"], h["kind"], h["capacity"]) for h in listed) == [
        ("李阿姨", "caring_mother", 5),
        ("王老师", "teacher", 3),
        ("赵书记", "leader", 1),
        ("钱同学", "peer_student", 1),
    ]
    registered = [e for e in pairing.outbox() if e["type"] == "pairing.helper.registered.v1"]
    assert len(registered) == 4


def test_strict_mode_refuses_a_file_with_one_bad_row(tree: Any, pairing: Any) -> None:
    body = (HEADER + "王老师,教师,sA1,,,\n孙某,园丁,sA1,,,\n").encode()
    r = upload(pairing, tree["tA"], body, mode="strict")
    assert r.status_code == 422, r.text  # the report comes back as the problem's body
    assert r.json()["imported"] is False
    assert r.json()["rows"][1]["errors"][0]["column"] == "类别"
    assert pairing.client.get("/v1/helpers", headers=pairing.headers(Role.ADMIN)).json() == []


def test_the_template_round_trips_and_an_xlsx_imports(tree: Any, pairing: Any) -> None:
    template = pairing.client.get("/v1/rosters/helpers/template", headers=pairing.headers(Role.ADMIN))
    assert template.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(template.content))
    assert "说明" in book.sheetnames
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]][:3] == ["姓名", "类别", "所属单位代码"]
    out = openpyxl.Workbook()
    ws = out.active
    assert ws is not None
    ws.append(["姓名", "类别", "所属单位代码", "登录账号"])
    ws.append(["刘志愿", "志愿者", "vA", "liu"])
    buf = io.BytesIO()
    out.save(buf)
    r = upload(pairing, tree["tA"], buf.getvalue(), name="helpers.xlsx")
    assert r.json()["accepted"] == 1, r.text
    helper = pairing.client.get("/v1/helpers", headers=pairing.headers(Role.ADMIN)).json()[0]
    assert (helper["account"], helper["reach_unit_id"]) == ("liu", str(tree["tA"]))


def test_only_managers_import_and_only_under_their_unit(tree: Any, pairing: Any) -> None:
    body = (HEADER + "王老师,教师,sA1,,,\n").encode()
    teacher = pairing.client.post(
        "/v1/rosters/helpers",
        headers=pairing.headers(Role.TEACHER, tree["sA1"]),
        params={"unit_id": str(tree["sA1"])},
        files={"file": ("h.csv", body)},
    )
    assert teacher.status_code == 403
    elsewhere = pairing.client.post(
        "/v1/rosters/helpers",
        headers=pairing.headers(Role.TOWNSHIP_ADMIN, tree["tB"]),
        params={"unit_id": str(tree["tA"])},
        files={"file": ("h.csv", body)},
    )
    assert elsewhere.status_code == 404
