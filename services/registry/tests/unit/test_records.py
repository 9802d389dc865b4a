"""A child's records over time: health checks, awards, violations and counselling notes."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from sqlalchemy import select

from registry.adapters.orm import AuditRow
from shouhu_kit.auth import Role
from shouhu_kit.clock import FakeClock

pytestmark = pytest.mark.unit
SCHEMAS = Path(__file__).resolve().parents[4] / "contracts" / "schemas"
# 2026-09-01 20:00 UTC is already 2026-09-02 04:00 in China: "today" there is 2 September.
NOW = datetime(2026, 9, 1, 20, 0, tzinfo=UTC)
TOMORROW = "2026-09-03"
NOTE = "孩子想念外出务工的妈妈，夜里常哭，已安排每周视频通话。"


class Rec:
    """The api with a fixed clock, an org tree, one child in district A and the tokens of the tests."""

    def __init__(self, api: Any) -> None:
        api.client.app.state.runtime.clock = FakeClock(NOW)
        self.api, self.client = api, api.client
        self.t = api.tree()
        self.child = api.child(self.t["cA"])["id"]
        self.admin = api.admin
        self.teacher = api.auth(Role.TEACHER, self.t["sA"])
        self.head = api.auth(Role.SCHOOL_ADMIN, self.t["sA"])
        self.other_teacher = api.auth(Role.TEACHER, self.t["sB"])
        self.district_admin = api.auth(Role.DISTRICT_ADMIN, self.t["dA"])

    def url(self, kind: str, child: str | None = None) -> str:
        return f"/v1/children/{child or self.child}/{kind}"

    def post(self, kind: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
        return self.client.post(self.url(kind), headers=headers or self.teacher, json=body)

    def get(self, kind: str, headers: dict[str, str] | None = None) -> Any:
        return self.client.get(self.url(kind), headers=headers or self.teacher)

    def outbox(self, event_type: str) -> list[dict[str, Any]]:
        db = self.client.app.state.runtime.db
        out = db.tables.outbox
        with db.sessions() as s:
            rows = s.scalars(select(out.c.payload).where(out.c.event_type == event_type).order_by(out.c.seq))
            return [json.loads(r) for r in rows]

    def audits(self) -> list[AuditRow]:
        with self.client.app.state.runtime.db.sessions() as s:
            return list(s.scalars(select(AuditRow).where(AuditRow.action == "read_counselling")))


@pytest.fixture
def rec(api: Any) -> Rec:
    return Rec(api)


def bad_fields(r: Any) -> dict[str, dict[str, str]]:
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["title"] == "请求数据有误"
    assert body["title_en"] == "Invalid request"
    errors = {e["field"]: e for e in body["errors"]}
    for field, e in errors.items():
        assert e["message"], e
        assert e["message_en"], e
        assert field in body["detail"]
        assert field in body["detail_en"]
    return errors


VALID: dict[str, dict[str, Any]] = {
    "health-checks": {"checked_on": "2026-09-01", "height_cm": 132.5},
    "awards": {"title": "三好学生", "school_year": "2025-2026", "awarded_on": "2026-06-30"},
    "violations": {"occurred_on": "2026-04-02", "serious": True, "description": "打架"},
    "counselling-notes": {"noted_on": "2026-09-01", "counsellor": "张老师", "content": NOTE},
}
DATE_FIELD = {
    "health-checks": "checked_on",
    "awards": "awarded_on",
    "violations": "occurred_on",
    "counselling-notes": "noted_on",
}


def test_health_checks_are_created_and_listed_newest_first(rec: Rec) -> None:
    first = rec.post("health-checks", {"checked_on": "2026-03-10", "height_cm": 128, "weight_kg": 26.5})
    assert first.status_code == 201, first.text
    second = rec.post(
        "health-checks",
        {
            "checked_on": "2026-09-02",  # today in China, though still 1 September in UTC
            "height_cm": 131.5,
            "vision_left": 5.0,
            "vision_right": 4.8,
            "blood_pressure": "１１０／７０",  # typed on a Chinese keyboard
            "lung_capacity_ml": 1500,
            "notes": "右眼轻度近视",
        },
    )
    assert second.status_code == 201, second.text
    body = second.json()
    assert body["blood_pressure"] == "110/70"
    assert (body["systolic"], body["diastolic"]) == (110, 70)
    assert (body["vision_left"], body["vision_right"]) == (5.0, 4.8)
    assert body["recorded_by"] == "tester"
    listed = rec.get("health-checks", rec.district_admin)
    assert listed.status_code == 200
    assert [h["checked_on"] for h in listed.json()] == ["2026-09-02", "2026-03-10"]
    assert listed.json()[1]["blood_pressure"] is None


def test_health_check_validation_names_every_bad_field(rec: Rec) -> None:
    r = rec.post(
        "health-checks",
        {
            "checked_on": "2026-09-01",
            "height_cm": 300,
            "weight_kg": 5,
            "vision_left": 1.0,  # the decimal scale: refused, with its 5-point equivalent
            "vision_right": 5.5,
            "blood_pressure": "70/110",
            "lung_capacity_ml": 100,
            "pulse": 80,
        },
    )
    errors = bad_fields(r)
    assert set(errors) == {
        "height_cm",
        "weight_kg",
        "vision_left",
        "vision_right",
        "blood_pressure",
        "lung_capacity_ml",
        "pulse",
    }
    assert "五分记录法" in errors["vision_left"]["message"]
    assert "5.0" in errors["vision_left"]["message_en"]
    assert "收缩压" in errors["blood_pressure"]["message"]
    assert errors["height_cm"]["message"].startswith("不能大于 220")


def test_health_check_needs_a_measure_and_a_date_not_in_the_future(rec: Rec) -> None:
    errors = bad_fields(rec.post("health-checks", {"checked_on": TOMORROW, "notes": "缺考"}))
    assert set(errors) == {"checked_on", "body"}
    assert errors["checked_on"]["message_en"] == "date is in the future"
    assert rec.get("health-checks").json() == []


@pytest.mark.parametrize("kind", list(VALID))
def test_future_dates_are_refused(rec: Rec, kind: str) -> None:
    body = {**VALID[kind], DATE_FIELD[kind]: TOMORROW}
    if kind == "awards":
        body["school_year"] = "2026-2027"
    errors = bad_fields(rec.post(kind, body))
    assert set(errors) == {DATE_FIELD[kind]}
    assert errors[DATE_FIELD[kind]]["message"] == "日期不能晚于今天"
    today_in_china = {**body, DATE_FIELD[kind]: "2026-09-02"}  # still 1 September in UTC
    assert rec.post(kind, today_in_china).status_code == 201


@pytest.mark.parametrize(
    ("title", "given", "merit"),
    [
        ("三好学生", None, True),
        ("县级三好学生", None, True),
        ("优秀学生干部", None, False),
        ("三好学生", False, False),
        ("优秀学生干部", "是", True),
    ],
)
def test_merit_student_follows_the_title_unless_given(rec: Rec, title: str, given: Any, merit: bool) -> None:
    body = {**VALID["awards"], "title": title}
    if given is not None:
        body["merit_student"] = given
    r = rec.post("awards", body)
    assert r.status_code == 201, r.text
    assert r.json()["merit_student"] is merit
    [event] = rec.outbox("registry.child.award_recorded.v1")
    assert event["data"]["merit_student"] is merit


def test_awards_are_listed_and_each_publishes_a_valid_award_recorded(rec: Rec) -> None:
    older = rec.post("awards", {**VALID["awards"], "title": "优秀学生干部", "awarded_on": "2025-12-30"})
    newer = rec.post("awards", {**VALID["awards"], "school_year": "2025-2026学年"})
    assert older.status_code == newer.status_code == 201, older.text + newer.text
    assert newer.json()["school_year"] == "2025-2026"
    assert [a["title"] for a in rec.get("awards").json()] == ["三好学生", "优秀学生干部"]
    events = rec.outbox("registry.child.award_recorded.v1")
    assert len(events) == 2
    schema = json.loads((SCHEMAS / "registry.child.award_recorded.v1.schema.json").read_text())
    for event in events:
        jsonschema.Draft202012Validator(
            schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        ).validate(event)
    data = events[1]["data"]
    assert data["award_id"] == newer.json()["id"]
    assert events[1]["subject"] == rec.child
    assert data["org_path"] == [rec.t[k] for k in ("city", "dA", "tA", "sA", "cA")]
    assert (data["title"], data["merit_student"], data["school_year"]) == ("三好学生", True, "2025-2026")


@pytest.mark.parametrize(
    ("school_year", "awarded_on", "field"),
    [
        ("2025-2027", "2026-06-30", "school_year"),  # not consecutive
        ("2025/2026", "2026-06-30", "school_year"),  # malformed
        ("2019-2020", "2026-06-30", "school_year"),  # the date lies years after that school year
        ("2026-2027", "2026-06-30", "school_year"),  # awarded before that school year began
    ],
)
def test_award_school_year_must_fit(rec: Rec, school_year: str, awarded_on: str, field: str) -> None:
    r = rec.post("awards", {**VALID["awards"], "school_year": school_year, "awarded_on": awarded_on})
    assert set(bad_fields(r)) == {field}
    assert rec.outbox("registry.child.award_recorded.v1") == []


def test_violations_publish_without_their_description(rec: Rec) -> None:
    description = "课间与同学打架，致对方轻伤，已通知监护人"
    r = rec.post("violations", {"occurred_on": "2026-04-02", "serious": "严重", "description": description})
    assert r.status_code == 201, r.text
    assert r.json()["school_year"] == "2025-2026", "derived from the date"
    assert r.json()["serious"] is True
    minor = rec.post("violations", {"occurred_on": "2026-05-06", "serious": "否", "description": "迟到"})
    assert minor.status_code == 201, minor.text
    listed = rec.get("violations", rec.district_admin).json()
    assert [v["occurred_on"] for v in listed] == ["2026-05-06", "2026-04-02"]
    assert listed[1]["description"] == description, "kept in the registry"
    events = rec.outbox("registry.child.violation_recorded.v1")
    assert len(events) == 2
    schema = json.loads((SCHEMAS / "registry.child.violation_recorded.v1.schema.json").read_text())
    for event in events:
        jsonschema.Draft202012Validator(
            schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        ).validate(event)
        assert "description" not in event["data"]
        assert description not in json.dumps(event, ensure_ascii=False)
        assert "迟到" not in json.dumps(event, ensure_ascii=False)
    assert events[0]["data"]["violation_id"] == r.json()["id"]
    assert (events[0]["data"]["serious"], events[1]["data"]["serious"]) == (True, False)


def test_violation_validation_names_every_bad_field(rec: Rec) -> None:
    r = rec.post(
        "violations",
        {"occurred_on": "2026-04-31", "serious": "也许", "description": "", "school_year": "2025"},
    )
    assert set(bad_fields(r)) == {"occurred_on", "serious", "description", "school_year"}
    r = rec.post("violations", {**VALID["violations"], "school_year": "2024-2025"})
    assert set(bad_fields(r)) == {"school_year"}, "2026-04-02 is in 2025-2026"
    assert rec.outbox("registry.child.violation_recorded.v1") == []


def test_counselling_notes_for_the_schools_teachers_only_and_every_read_audited(
    rec: Rec, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    kind = "counselling-notes"
    for who in (rec.district_admin, rec.admin):
        assert rec.post(kind, VALID[kind], who).status_code == 403
        r = rec.get(kind, who)
        assert r.status_code == 403
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["title_en"].startswith("Forbidden")
    assert rec.post(kind, VALID[kind], rec.other_teacher).status_code == 404
    assert rec.get(kind, rec.other_teacher).status_code == 404
    assert rec.audits() == [], "refused reads are not reads"

    created = rec.post(kind, {**VALID[kind], "follow_up": "下周再谈"}, rec.teacher)
    assert created.status_code == 201, created.text
    assert (
        rec.post(kind, {**VALID[kind], "noted_on": "2026-05-01", "content": "状态好转"}, rec.head).status_code
        == 201
    )
    assert rec.audits() == [], "writing is not reading"
    first = rec.get(kind, rec.teacher)
    assert first.status_code == 200
    assert [n["noted_on"] for n in first.json()] == ["2026-09-01", "2026-05-01"]
    assert first.json()[0]["content"] == NOTE
    assert rec.get(kind, rec.head).status_code == 200
    audits = rec.audits()
    assert [(a.role, a.detail, str(a.child_id)) for a in audits] == [
        ("teacher", "2", rec.child),
        ("school_admin", "2", rec.child),
    ]
    assert all(NOTE not in record.getMessage() for record in caplog.records)


def test_counselling_content_is_limited_and_never_echoed(rec: Rec) -> None:
    secret = "秘" * 2001
    r = rec.post("counselling-notes", {"noted_on": "2026-09-01", "counsellor": "", "content": secret})
    assert set(bad_fields(r)) == {"counsellor", "content"}
    assert "秘秘秘" not in r.text


@pytest.mark.parametrize("kind", list(VALID))
def test_scope_and_roles(rec: Rec, kind: str) -> None:
    assert rec.client.get(rec.url(kind)).status_code == 401
    r = rec.client.post(rec.url(kind), json=VALID[kind])
    assert r.status_code == 401
    assert r.json()["title"] == "未登录或令牌无效"
    helper = rec.api.auth(Role.HELPER, rec.t["sA"])
    assert rec.post(kind, VALID[kind], helper).status_code == 403
    # A helper reads health checks and awards of their paired children only (404 for others, as out
    # of scope); violations (their descriptions) and counselling notes never (403).
    assert rec.get(kind, helper).status_code == (404 if kind in ("health-checks", "awards") else 403)
    assert rec.post(kind, VALID[kind], rec.other_teacher).status_code == 404
    assert rec.get(kind, rec.other_teacher).status_code == 404
    unknown = rec.client.get(rec.url(kind, "5c1f2a7e-1d2b-4e8f-8a3c-9e0d7b6a5f41"), headers=rec.teacher)
    assert unknown.status_code == 404
