"""The assessment API: roles and scope (403/404), bad input (422 naming the field), workbook, policy."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from shouhu_kit.auth import Role

pytestmark = pytest.mark.unit
Y1 = "2025-2026"
LISTS = ("assessment/children", "assessment/helpers", "assessment/class-teachers", "commendations")


def url(api: Any, unit: str, what: str) -> str:
    return f"/v1/org-units/{api.t[unit]}/{what}"


def test_a_unit_is_read_within_the_callers_scope(api: Any, api_example: Any) -> None:
    school = api.auth(Role.SCHOOL_ADMIN, "sA1")
    for what in (*LISTS, "assessment/export"):
        assert api.get(url(api, "cA1", what), school, school_year=Y1).status_code == 200, what
        # Another school's class, and a unit above the caller's: 404 (as if it did not exist).
        assert api.get(url(api, "cA2", what), school, school_year=Y1).status_code == 404, what
        assert api.get(url(api, "tA", what), school, school_year=Y1).status_code == 404, what
        for role in (Role.TEACHER, Role.HELPER, Role.OPS):
            assert api.get(url(api, "cA1", what), api.auth(role, "sA1"), school_year=Y1).status_code == 403
    district_b = api.auth(Role.DISTRICT_ADMIN, "dB")
    assert api.get(url(api, "sA1", "assessment/children"), district_b, school_year=Y1).status_code == 404
    unknown = f"/v1/org-units/{'0' * 8}-0000-4000-8000-{'0' * 12}/assessment/children"
    assert api.get(unknown, api.auth(Role.ADMIN), school_year=Y1).status_code == 404


def test_a_school_admin_reads_their_schools_figures(api: Any, api_example: Any) -> None:
    school = api.auth(Role.SCHOOL_ADMIN, "sA1")
    kids = api.get(url(api, "sA1", "assessment/children"), school, school_year=Y1).json()
    assert kids["policy_version"] == 0
    assert kids["school_year"] == Y1
    assert {c["name"]: c["score"] for c in kids["items"]} == {
        "小明": 60,
        "小红": 50,
        "小刚": 10,
        "小丽": 20,
        "小军": 80,
        "小芳": 20,
    }
    people = api.get(url(api, "sA1", "assessment/helpers"), school, school_year=Y1).json()["items"]
    # 李志愿者 belongs to township tA, above the caller: named, but the unit is not shown.
    assert [(h["helper"]["name"], h["score"], h["unit"] and h["unit"]["name"]) for h in people] == [
        ("王老师", 110, "sA1"),
        ("李志愿者", 80, None),
    ]
    teachers = api.get(url(api, "sA1", "assessment/class-teachers"), school, school_year=Y1).json()["items"]
    assert [(c["class_unit"]["name"], c["average_score"], c["reward_yuan"]) for c in teachers] == [
        ("cA1", 40.0, 40.0)
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "school_year"),
        ({"school_year": "2025-2027"}, "school_year"),
        ({"school_year": "2025"}, "school_year"),
        ({"school_year": Y1, "limit": 0}, "limit"),
        ({"school_year": Y1, "limit": 201}, "limit"),
        ({"school_year": Y1, "after": "not-a-cursor"}, "after"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    api: Any, api_example: Any, params: dict[str, Any], field: str
) -> None:
    got = api.get(url(api, "city", "assessment/children"), api.auth(Role.CITY_ADMIN, "city"), **params)
    assert got.status_code == 422, got.text
    assert [e["field"].removeprefix("query.") for e in got.json()["errors"]] == [field]
    assert all(e["message"] and e["message_en"] for e in got.json()["errors"])


def test_a_full_width_school_year_is_read_as_typed(api: Any, api_example: Any) -> None:
    got = api.get(
        url(api, "cA1", "assessment/children"),
        api.auth(Role.CITY_ADMIN, "city"),
        school_year="２０２５-２０２６学年",
    )
    assert got.status_code == 200
    assert got.json()["school_year"] == Y1


def test_the_workbook_opens_and_holds_the_figures(api: Any, api_example: Any) -> None:
    got = api.get(url(api, "tA", "assessment/export"), api.auth(Role.TOWNSHIP_ADMIN, "tA"), school_year=Y1)
    assert got.status_code == 200
    assert got.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in got.headers["content-disposition"]
    book = load_workbook(io.BytesIO(got.content), read_only=True)
    assert book.sheetnames == ["儿童", "帮扶人", "班主任"]
    sheets = {name: [list(r) for r in book[name].iter_rows(values_only=True)] for name in book.sheetnames}
    head = sheets["儿童"][0]
    assert head[:3] == ["学校 / School", "班级 / Class", "姓名 / Name"]
    assert all(" / " in h for s in sheets.values() for h in s[0])  # every header in Chinese and English
    by_name = {r[2]: dict(zip(head, r, strict=True)) for r in sheets["儿童"][1:]}
    assert len(by_name) == 8
    ming = by_name["小明"]
    assert (ming["考核基数（名次） / Baseline rank"], ming["第二学期期末名次 / Second-term rank"]) == (12, 9)
    assert ming["考核分 / Points"] == 60
    assert "三好学生" in ming["加分明细 / Points, with reasons"]
    assert ming["计分帮扶人 / Helpers credited"] == "王老师"
    assert by_name["小红"]["学生奖励（元） / Pupil awards (yuan)"] == 100
    assert "转班" in by_name["小芳"]["加分明细 / Points, with reasons"]
    helpers = {r[0]: r for r in sheets["帮扶人"][1:]}
    assert (helpers["王老师"][1], helpers["王老师"][3], helpers["王老师"][5], helpers["王老师"][6]) == (
        "教师",
        2,
        110,
        110,
    )
    assert helpers["李志愿者"][5] == 100
    classes = {r[1]: r for r in sheets["班主任"][1:]}
    assert classes["cA1"][2:7] == ["陈老师", 6, 240, 40, 40]
    assert classes["cA2"][2].startswith("未登记")


def test_the_policy_is_read_by_the_city_and_changed_by_its_admin(api: Any, api_example: Any) -> None:
    reader = api.auth(Role.SCHOOL_ADMIN, "sA1")
    default = api.get("/v1/assessment-policy", reader)
    assert default.status_code == 200, default.text
    assert default.json()["version"] == 0
    assert default.json()["policy"]["points_per_place"] == 10
    body = {
        "policy": {**default.json()["policy"], "points_per_place": 20, "yuan_per_point": 0.5},
        "note": "本市办法",
    }
    assert api.put("/v1/assessment-policy", api.auth(Role.DISTRICT_ADMIN, "dA"), body).status_code == 403
    written = api.put("/v1/assessment-policy", api.auth(Role.CITY_ADMIN, "city"), body)
    assert written.status_code == 200, written.text
    assert (written.json()["version"], written.json()["created_by"]) == (1, "tester")
    kids = api.get(url(api, "cA1", "assessment/children"), reader, school_year=Y1).json()
    assert kids["policy_version"] == 1
    assert {c["name"]: c["score"] for c in kids["items"]}["小明"] == 60 + 20 + 10  # 3 × 20, conduct, 三好
    people = api.get(url(api, "cA1", "assessment/helpers"), reader, school_year=Y1).json()["items"]
    # 王老师: 小明 90 + 小红 (2 × 20 + 10 + 20 = 70) = 160 points, ¥80 at ¥0.5 a point.
    assert next((h["helper"]["name"], h["score"], h["reward_yuan"]) for h in people) == ("王老师", 160, 80.0)
    versions = api.get("/v1/assessment-policy/versions", reader).json()
    assert [v["version"] for v in versions] == [1]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"excellence_from_rank": 4, "excellence_to_rank": 3}, "policy.excellence_to_rank"),
        ({"excellence_from_rank": 100}, "policy.excellence_to_rank"),  # past the default end, 5
        ({"progress_yuan": -1}, "policy.progress_yuan"),
        ({"surprise": True}, "policy.surprise"),
    ],
)
def test_a_bad_policy_is_a_422_naming_the_field(
    api: Any, api_example: Any, change: dict[str, Any], field: str
) -> None:
    got = api.put("/v1/assessment-policy", api.auth(Role.CITY_ADMIN, "city"), {"policy": change})
    assert got.status_code == 422, got.text
    assert [e["field"] for e in got.json()["errors"]] == [field]
    assert api.get("/v1/assessment-policy", api.auth(Role.CITY_ADMIN, "city")).json()["version"] == 0


def test_commendations_answer_both_lists(api: Any, api_example: Any) -> None:
    got = api.get(url(api, "city", "commendations"), api.auth(Role.CITY_ADMIN, "city"), school_year=Y1, top=2)
    assert got.status_code == 200, got.text
    assert [(s["rank"], s["name"]) for s in got.json()["self_improvement"]] == [
        (1, "小军"),
        (2, "小明"),
        (2, "小燕"),
    ]
    assert got.json()["caring"] == []  # no contact windows recorded in this world
    assert (
        api.get(
            url(api, "city", "commendations"), api.auth(Role.CITY_ADMIN, "city"), school_year=Y1, top=0
        ).status_code
        == 422
    )
