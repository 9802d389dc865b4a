"""Acting on a task: acknowledge, start, comment, resolve, reassign; ETags, ended tasks, events."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from shouhu_contracts.alerts.tasks import AlertRule
from shouhu_kit.auth import Role

pytestmark = pytest.mark.unit


@pytest.fixture
def task(api: Any) -> uuid.UUID:
    """A missed contact, for helper-li (the child's helper) in K1."""
    return api.task(api.child("K1", helper="helper-li"))  # type: ignore[no-any-return]


def _events(api: Any, kind: str) -> list[dict[str, Any]]:
    return [e["data"] for e in api.outbox() if e["type"] == kind]


def test_the_helper_acknowledges_starts_comments_and_resolves(api: Any, task: uuid.UUID) -> None:
    li = api.headers(Role.HELPER, "S1", subject="helper-li")
    read = api.get(f"/v1/tasks/{task}", li)
    assert read.headers["ETag"] == '"v1"'
    assert read.json()["history"][0]["action"] == "opened"
    assert (read.json()["rule_name"], read.json()["rule_name_en"]) == ("未按时联系", "Contact missed")
    acked = api.act(task, "acknowledge", li)
    assert acked.status_code == 200, acked.text
    assert (acked.json()["status"], acked.headers["ETag"]) == ("acknowledged", '"v2"')
    started = api.act(task, "start", li)
    assert (started.json()["status"], started.headers["ETag"]) == ("in_progress", '"v3"')
    again = api.act(task, "acknowledge", li)  # already further on: nothing recorded
    assert (again.status_code, again.json()["status"], again.headers["ETag"]) == (200, "in_progress", '"v3"')
    commented = api.client.post(f"/v1/tasks/{task}/comments", headers=li, json={"text": "已约好周六家访"})
    assert commented.status_code == 201, commented.text
    assert commented.json()["comments"] == [
        {"at": commented.json()["comments"][0]["at"], "by": "helper-li", "text": "已约好周六家访"}
    ]
    assert commented.headers["ETag"] == '"v3"'  # a comment leaves the task as it was
    resolved = api.act(task, "resolve", li, {"note": "已电话联系，孩子一切正常"})
    assert resolved.status_code == 200, resolved.text
    body = resolved.json()
    assert (body["status"], body["resolution"], body["closed_by"]) == ("resolved", "resolved", "helper-li")
    assert [h["action"] for h in body["history"]] == [
        "opened",
        "acknowledged",
        "started",
        "commented",
        "resolved",
    ]
    acks = _events(api, "alerts.task.acknowledged.v1")  # each validated against its schema
    assert [(a["status"], a["by"]) for a in acks] == [
        ("acknowledged", "helper-li"),
        ("in_progress", "helper-li"),
    ]
    [done] = _events(api, "alerts.task.resolved.v1")
    assert (done["resolution"], done["note"], done["task_id"]) == (
        "resolved",
        "已电话联系，孩子一切正常",
        str(task),
    )


def test_an_ended_task_answers_409_in_chinese_and_english(api: Any, task: uuid.UUID) -> None:
    city = api.headers(Role.CITY_ADMIN, "C")
    assert api.act(task, "resolve", city, {"note": "已处理"}).status_code == 200
    for action, body in (
        ("acknowledge", None),
        ("start", None),
        ("resolve", {"note": "again"}),
        ("reassign", {"account": "ct-K2"}),
        ("comments", {"text": "too late"}),
    ):
        got = api.act(task, action, city, body)
        assert got.status_code == 409, (action, got.text)
        problem = got.json()
        assert problem["title"] == "任务已结束"
        assert problem["title_en"] == "Task closed"
        assert "已办结" in problem["detail"]
        assert "resolved" in problem["detail_en"]


def test_if_match_is_required_and_must_be_current(api: Any, task: uuid.UUID) -> None:
    li = api.headers(Role.HELPER, "S1", subject="helper-li")
    for action, body in (("acknowledge", None), ("start", None), ("resolve", {"note": "x"})):
        missing = api.act(task, action, li, body, etag=None)
        assert missing.status_code == 428, missing.text
        assert missing.json()["title_en"] == "If-Match required"
    assert api.act(task, "acknowledge", li, etag='"v1"').status_code == 200
    stale = api.act(task, "start", li, etag='"v1"')  # read before the acknowledgement
    assert stale.status_code == 412, stale.text
    assert api.act(task, "resolve", li, {"note": "x"}, etag='"v1"').status_code == 412
    assert api.act(task, "start", li, etag="garbage").status_code == 422
    assert api.row(task).status == "acknowledged"


def test_who_may_act(api: Any, task: uuid.UUID) -> None:
    zhao = api.headers(Role.HELPER, "S1", subject="helper-zhao")  # another helper
    assert api.act(task, "acknowledge", zhao, etag='"v1"').status_code == 404
    assert api.client.post(f"/v1/tasks/{task}/comments", headers=zhao, json={"text": "hi"}).status_code == 404
    other_school = api.headers(Role.SCHOOL_ADMIN, "S3")
    assert api.act(task, "acknowledge", other_school, etag='"v1"').status_code == 404
    assert api.act(task, "acknowledge", api.headers(Role.OPS, "C"), etag='"v1"').status_code == 403
    assert api.client.post(f"/v1/tasks/{task}/acknowledge", headers={"If-Match": '"v1"'}).status_code == 401
    school = api.headers(Role.SCHOOL_ADMIN, "S1", subject="principal-wu")  # staff in scope may act
    assert api.act(task, "acknowledge", school).json()["history"][-1]["by"] == "principal-wu"


@pytest.mark.parametrize(
    "body",
    [
        None,
        {},
        {"note": ""},
        {"note": "   "},
        {"note": "x" * 501},
        {"note": "a\x00b"},
        {"note": "ok", "x": 1},
    ],
)
def test_a_resolution_needs_a_note(api: Any, task: uuid.UUID, body: Any) -> None:
    got = api.act(task, "resolve", api.headers(Role.CITY_ADMIN, "C"), body)
    assert got.status_code == 422, got.text
    assert got.headers["content-type"].startswith("application/problem+json")
    assert api.row(task).status == "open"


def test_a_reassignment_moves_the_task_tells_the_new_assignee_and_is_an_event(api: Any) -> None:
    child = api.child("K1")
    task = api.task(child, AlertRule.GRADE_DROP, "2026-2027-1>2026-2027-2")
    assert api.row(task).assignee_account == "ct-K1"
    district = api.headers(Role.DISTRICT_ADMIN, "D1", subject="official-chen")
    moved = api.act(task, "reassign", district, {"account": "director-v1", "role": "village_director"})
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert body["assignee"] == {
        "role": "village_director",
        "account": "director-v1",
        "helper_id": None,
        "unit_id": str(api.u["V1"]),
    }
    assert (body["step"], body["status"], body["history"][-1]["action"]) == (2, "open", "reassigned")
    [event] = _events(api, "alerts.task.escalated.v1")
    assert event["reason"] == "reassigned"
    assert event["previous"]["account"] == "ct-K1"
    assert event["assignee"]["account"] == "director-v1"
    assert ("director-v1", "escalated") in api.notifications(task)
    director = api.headers(Role.VILLAGE_DIRECTOR, "V1", subject="director-v1")
    assert [t["id"] for t in api.get("/v1/me/tasks", director).json()] == [str(task)]
    assert api.get(f"/v1/tasks/{task}", director).status_code == 200  # the assignee sees it
    # To a helper: only an active helper's account; a helper may not reassign.
    unknown = api.act(task, "reassign", district, {"account": "nobody", "role": "helper"})
    assert unknown.status_code == 422
    assert [e["field"] for e in unknown.json()["errors"]] == ["account"]
    to_helper = api.act(task, "reassign", district, {"account": "helper-zhao", "role": "helper"})
    assert to_helper.status_code == 200, to_helper.text
    assert (to_helper.json()["step"], to_helper.json()["assignee"]["helper_id"] is not None) == (0, True)
    zhao = api.headers(Role.HELPER, "S1", subject="helper-zhao")
    refused = api.act(task, "reassign", zhao, {"account": "ct-K1", "role": "class_teacher"})
    assert refused.status_code == 403
    same = api.act(task, "reassign", district, {"account": "helper-zhao"})
    assert same.status_code == 422


def test_two_people_with_the_same_etag_cannot_both_act(api: Any, task: uuid.UUID) -> None:
    li = api.headers(Role.HELPER, "S1", subject="helper-li")
    city = api.headers(Role.CITY_ADMIN, "C")
    first = api.act(task, "resolve", city, {"note": "已处理"}, etag='"v1"')
    second = api.act(task, "acknowledge", li, etag='"v1"')
    assert (first.status_code, second.status_code) == (200, 409)
    assert len(_events(api, "alerts.task.resolved.v1")) == 1
    assert _events(api, "alerts.task.acknowledged.v1") == []
