"""What the API fuzzer (tests/fuzz) found in the registry: each input once answered 500, now a 4xx."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest

pytestmark = pytest.mark.unit


def _cursor(values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


def _invalid(r: Any, field: str) -> None:
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert field in [e["field"] for e in r.json()["errors"]], r.text


@pytest.mark.parametrize(
    ("sort", "values"),
    [
        ("name", ["王", 5]),  # an id that is not a string
        ("name", [None, None]),
        ("-name", [["a"], str(uuid.uuid4())]),  # a sort value that is not a string
        ("birth_date", [5, str(uuid.uuid4())]),
        ("birth_date", ["not a date", str(uuid.uuid4())]),
        ("-registered_at", ["not a time", str(uuid.uuid4())]),
        ("name", ["a\x00b", str(uuid.uuid4())]),  # NUL: PostgreSQL refuses it in text
        ("name", ["王"]),
    ],
)
def test_a_forged_cursor_is_422_not_500(api: Any, sort: str, values: Any) -> None:
    r = api.client.get("/v1/children", params={"sort": sort, "cursor": _cursor(values)}, headers=api.admin)
    _invalid(r, "cursor")


def test_a_cursor_the_api_handed_out_still_pages(api: Any) -> None:
    t = api.tree()
    for _ in range(3):
        api.child(t["cA"])
    first = api.client.get("/v1/children", params={"limit": 2, "sort": "-birth_date"}, headers=api.admin)
    cursor = first.json()["next_cursor"]
    second = api.client.get(
        "/v1/children", params={"limit": 2, "sort": "-birth_date", "cursor": cursor}, headers=api.admin
    )
    assert second.status_code == 200, second.text
    assert len(second.json()["items"]) == 1


@pytest.mark.parametrize(
    ("kind", "body", "field"),
    [
        # occurred_on 1000-01-01 made the school year "999-1000", and int("999-") a 500.
        ("violations", {"occurred_on": "1000-01-01", "serious": False, "description": "0"}, "occurred_on"),
        # school year 0000-0001 made date(0, 8, 1), which does not exist.
        (
            "awards",
            {"title": "三好学生", "school_year": "0000-0001", "awarded_on": "2026-06-30"},
            "school_year",
        ),
        ("health-checks", {"checked_on": "0001-01-01", "height_cm": 130}, "checked_on"),
        (
            "counselling-notes",
            {"noted_on": "1899-12-31", "counsellor": "张老师", "content": "谈话"},
            "noted_on",
        ),
    ],
)
def test_record_dates_before_1900_are_422(api: Any, kind: str, body: dict[str, Any], field: str) -> None:
    from shouhu_kit.auth import Role

    t = api.tree()
    child = api.child(t["cA"])["id"]
    teacher = api.auth(Role.TEACHER, t["sA"])
    r = api.client.post(f"/v1/children/{child}/{kind}", headers=teacher, json=body)
    _invalid(r, field)


@pytest.mark.parametrize(
    ("kind", "body", "field"),
    [
        ("health-checks", {"checked_on": "2026-01-05", "height_cm": 130, "notes": "a\x00"}, "notes"),
        ("awards", {"title": "三好\x00", "school_year": "2025-2026", "awarded_on": "2026-01-05"}, "title"),
        (
            "violations",
            {"occurred_on": "2026-01-05", "serious": False, "description": "\x00"},
            "description",
        ),
        (
            "counselling-notes",
            {"noted_on": "2026-01-05", "counsellor": "张", "content": "谈\x00话"},
            "content",
        ),
    ],
)
def test_nul_in_record_text_is_422_on_every_database(
    api: Any, kind: str, body: dict[str, Any], field: str
) -> None:
    """SQLite stored NUL; PostgreSQL refused it mid-transaction and the API answered 500."""
    from shouhu_kit.auth import Role

    t = api.tree()
    child = api.child(t["cA"])["id"]
    teacher = api.auth(Role.TEACHER, t["sA"])
    r = api.client.post(f"/v1/children/{child}/{kind}", headers=teacher, json=body)
    _invalid(r, field)


def test_record_text_keeps_its_line_breaks(api: Any) -> None:
    from shouhu_kit.auth import Role

    t = api.tree()
    child = api.child(t["cA"])["id"]
    teacher = api.auth(Role.TEACHER, t["sA"])
    body = {"noted_on": "2026-01-05", "counsellor": "张老师", "content": "第一次谈话。\n第二次谈话。"}
    r = api.client.post(f"/v1/children/{child}/counselling-notes", headers=teacher, json=body)
    assert r.status_code == 201, r.text
    assert r.json()["content"] == body["content"]
