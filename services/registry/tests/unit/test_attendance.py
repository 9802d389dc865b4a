"""Monthly attendance (月度出勤) through the API, its event, and the structured exit kind (辍学)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from sqlalchemy import select

from registry.bootstrap import consumers
from shouhu_contracts.pairing.v1 import PairingCreated
from shouhu_kit.auth import Role
from shouhu_kit.clock import FakeClock
from shouhu_testkit.wiring import ConsumerHarness, bearer

pytestmark = pytest.mark.unit
SCHEMAS = Path(__file__).resolve().parents[4] / "contracts" / "schemas"
# 2026-03-31 16:30 UTC is already 1 April 00:30 in China: April may be recorded, May may not.
NOW = datetime(2026, 3, 31, 16, 30, tzinfo=UTC)
RECORDED = "registry.child.attendance_recorded.v1"


class Att:
    """The api on a fixed clock, an org tree, one child in district A and the tokens of the tests."""

    def __init__(self, api: Any) -> None:
        api.client.app.state.runtime.clock = FakeClock(NOW)
        self.api, self.client = api, api.client
        self.t = api.tree()
        self.child = api.child(self.t["cA"])["id"]
        self.teacher = api.auth(Role.TEACHER, self.t["sA"])

    def put(self, month: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
        url = f"/v1/children/{self.child}/attendance/{month}"
        return self.client.put(url, headers=self.teacher if headers is None else headers, json=body)

    def get(self, params: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> Any:
        url = f"/v1/children/{self.child}/attendance"
        return self.client.get(url, headers=self.teacher if headers is None else headers, params=params)

    def outbox(self, event_type: str) -> list[dict[str, Any]]:
        db = self.client.app.state.runtime.db
        out = db.tables.outbox
        with db.sessions() as s:
            rows = s.scalars(select(out.c.payload).where(out.c.event_type == event_type).order_by(out.c.seq))
            return [json.loads(r) for r in rows]


@pytest.fixture
def a(api: Any) -> Att:
    return Att(api)


def _valid(event: dict[str, Any]) -> dict[str, Any]:
    schema = json.loads((SCHEMAS / f"{event['type']}.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(event, schema)
    return event["data"]  # type: ignore[no-any-return]


def test_recording_again_corrects_and_the_same_figures_publish_nothing(a: Att) -> None:
    r = a.put("2026-03", {"school_days": 21, "days_absent": 2, "excused_days": 1, "note": "发烧两天"})
    assert r.status_code == 201, r.text
    first = r.json()
    assert (first["absence_rate"], first["excused_days"], first["note"]) == (0.0952, 1, "发烧两天")
    assert a.put("2026-3", {"school_days": 21, "days_absent": 3}).status_code == 200, "2026-3 is 2026-03"
    assert a.put("2026-03", {"school_days": 21, "days_absent": 3}).status_code == 200
    assert a.put("2026年4月", {"school_days": 20, "days_absent": 0}).status_code == 201
    [march, april] = [_valid(e) for e in a.outbox(RECORDED)[1:]]
    assert len(a.outbox(RECORDED)) == 3, "the unchanged correction published nothing"
    assert march["month"] == "2026-03"
    assert (march["days_absent"], march["excused_days"], march["corrected"]) == (3, None, True)
    assert march["absence_rate"] == 0.1429
    assert march["org_path"] == [a.t["city"], a.t["dA"], a.t["tA"], a.t["sA"], a.t["cA"]]
    assert (april["month"], april["absence_rate"], april["corrected"]) == ("2026-04", 0.0, False)
    assert _valid(a.outbox(RECORDED)[0])["corrected"] is False
    listed = a.get().json()
    assert [(m["month"], m["days_absent"], m["note"]) for m in listed] == [
        ("2026-04", 0, None),
        ("2026-03", 3, None),
    ]
    assert listed[0]["recorded_by"]
    assert [m["month"] for m in a.get({"from": "2026-04"}).json()] == ["2026-04"]
    assert [m["month"] for m in a.get({"to": "2026-03"}).json()] == ["2026-03"]
    assert a.get({"from": "2025-01", "to": "2025-12"}).json() == []
    r = a.put("2026-03", {"school_days": 21, "days_absent": 3, "note": "已家访"})
    assert (r.status_code, r.json()["note"]) == (200, "已家访")
    assert len(a.outbox(RECORDED)) == 3, "a note is not on the bus: nothing to publish"


def _fields(r: Any) -> dict[str, str]:
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    errors = r.json()["errors"]
    assert all(e["message"] and e["message_en"] for e in errors)
    return {e["field"]: e["message"] for e in errors}


def test_bad_figures_and_months_name_their_field_in_both_languages(a: Att) -> None:
    assert _fields(a.put("2026-03", {"school_days": 20, "days_absent": 21})) == {
        "days_absent": "缺勤天数不能大于应到天数"
    }
    assert set(_fields(a.put("2026-03", {"school_days": 5, "days_absent": 2, "excused_days": 3}))) == {
        "excused_days"
    }
    assert "29" in _fields(a.put("2024-02", {"school_days": 30, "days_absent": 0}))["school_days"]
    assert set(_fields(a.put("2026-03", {"school_days": 0, "days_absent": -1}))) == {
        "school_days",
        "days_absent",
    }
    assert set(_fields(a.put("2026-03", {"school_days": 32, "days_absent": 0, "x": 1}))) == {
        "school_days",
        "x",
    }
    assert set(_fields(a.put("2026-03", {"days_absent": 1}))) == {"school_days"}
    assert a.put("2026-04", {"school_days": 1, "days_absent": 0}).status_code == 201, "April in China"
    assert "本月" in _fields(a.put("2026-05", {"school_days": 20, "days_absent": 0}))["month"]
    for month in ("1999-12", "2026-13", "2026-03-01", "２０２６-１３"):
        assert set(_fields(a.put(month, {"school_days": 20, "days_absent": 0}))) == {"path.month"}, month
    assert set(_fields(a.get({"from": "2026-04", "to": "2026-03"}))) == {"from"}
    assert set(_fields(a.get({"to": "2026-99"}))) == {"query.to"}
    assert len(a.outbox(RECORDED)) == 1, "only the April record went in"


def test_writers_readers_and_scope_as_for_term_results(a: Att) -> None:
    body = {"school_days": 21, "days_absent": 1}
    assert a.put("2026-03", body, headers={}).status_code == 401
    assert a.get(headers={}).status_code == 401
    for role in (Role.OPS, Role.VILLAGE_DIRECTOR, Role.HELPER):
        assert a.put("2026-03", body, headers=a.api.auth(role, a.t["sA"])).status_code == 403, role
    other_teacher = a.api.auth(Role.TEACHER, a.t["sB"])
    assert a.put("2026-03", body, headers=other_teacher).status_code == 404
    assert a.get(headers=other_teacher).status_code == 404
    assert a.get(headers=a.api.auth(Role.OPS, a.t["city"])).status_code == 403
    for role, unit in ((Role.SCHOOL_ADMIN, "sA"), (Role.DISTRICT_ADMIN, "dA"), (Role.CITY_ADMIN, "city")):
        assert a.put("2026-03", body, headers=a.api.auth(role, a.t[unit])).status_code in (200, 201), role
    village = a.api.auth(Role.VILLAGE_DIRECTOR, a.t["tA"])
    assert [m["days_absent"] for m in a.get(headers=village).json()] == [1], "readers read"
    assert len(a.outbox(RECORDED)) == 1, "the same figures by three writers: one event"


def test_a_paired_helper_reads_their_child_s_attendance_and_no_other(a: Att) -> None:
    assert a.put("2026-03", {"school_days": 21, "days_absent": 4}).status_code == 201
    other = a.api.child(a.t["cA"], name="李小花")["id"]
    helper = bearer(secret=a.api.settings.jwt_secret, role=Role.HELPER, org_id=a.t["sB"], subject="helper-li")
    assert a.get(headers=helper).status_code == 404, "not paired yet"
    db = a.client.app.state.runtime.db
    worker = ConsumerHarness(db=db, specs=consumers(a.api.settings), source="/shouhu/registry")
    pairing = PairingCreated.example().model_copy(
        update={
            "child_id": uuid.UUID(a.child),
            "helper_account": "helper-li",
            "created_at": NOW,
        }
    )
    worker.apply(pairing)
    assert [m["days_absent"] for m in a.get(headers=helper).json()] == [4]
    r = a.client.get(f"/v1/children/{other}/attendance", headers=helper)
    assert r.status_code == 404
    assert a.put("2026-03", {"school_days": 21, "days_absent": 0}, headers=helper).status_code == 403


def test_leaving_school_is_an_exit_kind_on_the_archive_and_in_child_exited(a: Att) -> None:
    url = f"/v1/children/{a.child}"
    assert set(_fields(a.client.post(f"{url}/exit", headers=a.teacher, json={}))) == {"reason"}
    assert (
        "辍学"
        in _fields(a.client.post(f"{url}/exit", headers=a.teacher, json={"exit_kind": "退学了"}))["exit_kind"]
    )
    r = a.client.post(f"{url}/exit", headers=a.teacher, json={"exit_kind": "grown_up"})
    assert _fields(r) == {"exit_kind": "该儿童未满18周岁"}, "born 2016"
    r = a.client.post(f"{url}/exit", headers=a.teacher, json={"exit_kind": "辍学"})
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["exit_kind"], r.json()["exit_reason"]) == (
        "exited",
        "dropped_out",
        "辍学",
    )
    [exited] = a.outbox("registry.child.exited.v1")
    data = _valid(exited)
    assert (data["exit_kind"], data["reason"], data["status"]) == ("dropped_out", "辍学", "exited")
    history = a.client.get(f"{url}/history", headers=a.teacher).json()
    assert {"field": "exit_kind", "old": None, "new": "dropped_out"} in history[-1]["changes"]
    assert a.client.post(f"{url}/reenter", headers=a.teacher, json={}).status_code == 200
    assert a.client.get(url, headers=a.teacher).json()["exit_kind"] is None
    r = a.client.post(f"{url}/exit", headers=a.teacher, json={"status": "已转出", "reason": "随父母迁往外省"})
    assert (r.json()["status"], r.json()["exit_kind"], r.json()["exit_reason"]) == (
        "transferred_out",
        None,
        "随父母迁往外省",
    )
    data = _valid(a.outbox("registry.child.exited.v1")[-1])
    assert data["exit_kind"] is None, "a free-text exit, as before"
