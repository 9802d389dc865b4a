"""What a client can send answers 4xx problem+json, never 500: the fuzzer's find and its kin."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from shouhu_kit.auth import Role

pytestmark = pytest.mark.unit


def field_of(r: Any) -> set[str]:
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    errors = r.json()["errors"]
    for e in errors:
        assert e["message"]
        assert e["message_en"]
    return {e["field"] for e in errors}


@pytest.fixture
def child(api: Any) -> tuple[str, dict[str, str]]:
    t = api.tree()
    return api.child(t["cA"])["id"], api.auth(Role.TEACHER, t["sA"])


@pytest.mark.parametrize("day", ["0441-06-06", "0001-01-01", "9999-12-31"])
def test_a_violation_dated_in_no_school_year(api: Any, child: tuple[str, dict[str, str]], day: str) -> None:
    # The fuzzer's find: the school year derived from 0441-06-06 was '440-441', and int('440-') crashed.
    child_id, teacher = child
    body = {"occurred_on": day, "serious": True, "description": "打架"}
    r = api.client.post(f"/v1/children/{child_id}/violations", headers=teacher, json=body)
    assert "occurred_on" in field_of(r)


def test_an_award_in_a_school_year_that_dates_cannot_hold(
    api: Any, child: tuple[str, dict[str, str]]
) -> None:
    child_id, teacher = child
    body = {"title": "三好学生", "school_year": "0000-0001", "awarded_on": "2026-06-30"}
    r = api.client.post(f"/v1/children/{child_id}/awards", headers=teacher, json=body)
    assert field_of(r) == {"school_year"}


@pytest.mark.parametrize(
    "text",
    [
        {"description": "打架\x00"},
        {"description": "第一行\n第二行\x07"},
    ],
)
def test_control_characters_in_free_text_are_refused(
    api: Any, child: tuple[str, dict[str, str]], text: dict[str, str]
) -> None:
    # PostgreSQL refuses NUL in text: it answered 500 there.
    child_id, teacher = child
    body = {"occurred_on": "2025-10-10", "serious": False, **text}
    r = api.client.post(f"/v1/children/{child_id}/violations", headers=teacher, json=body)
    assert field_of(r) == {"description"}
    ok = {**body, "description": "第一行\n第二行\t缩进"}
    assert api.client.post(f"/v1/children/{child_id}/violations", headers=teacher, json=ok).status_code == 201


@pytest.mark.parametrize("tag", [b'"v\xb2"', b'"v' + b"9" * 5000 + b'"', b'"v-1"', b'"v\xd9\xa1"'])
def test_a_malformed_if_match(api: Any, child: tuple[str, dict[str, str]], tag: bytes) -> None:
    # '²' is a digit to str.isdigit() but not to int(); 5,000 digits exceed int()'s limit.
    child_id, teacher = child
    r = api.client.patch(f"/v1/children/{child_id}", headers={**teacher, "If-Match": tag}, json={})  # type: ignore[dict-item]
    assert field_of(r) == {"If-Match"}


def _cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


@pytest.mark.parametrize(
    ("sort", "cursor"),
    [
        ("birth_date", _cursor(["x", "y"])),  # not a date
        ("birth_date", _cursor([20160301, "00000000-0000-0000-0000-000000000000"])),  # not a string
        ("registered_at", _cursor(["2026-09-01T08:00:00", "00000000-0000-0000-0000-000000000000"])),  # naive
        ("name", _cursor(["王", 123])),  # id not a string
        ("name", _cursor([{"a": 1}, "00000000-0000-0000-0000-000000000000"])),
        ("name", _cursor(["王\x00", "00000000-0000-0000-0000-000000000000"])),
        ("name", base64.urlsafe_b64encode(b"[" * 5000).decode()),  # nested past the recursion limit
        ("name", base64.urlsafe_b64encode(b"\xff\xfe").decode()),  # not UTF-8
        ("name", "游标"),  # not base64
    ],
)
def test_a_cursor_the_client_made_up(api: Any, sort: str, cursor: str) -> None:
    api.tree()
    r = api.client.get("/v1/children", headers=api.admin, params={"sort": sort, "cursor": cursor})
    assert field_of(r) == {"cursor"}


def test_a_cursor_the_api_gave_still_pages(api: Any) -> None:
    t = api.tree()
    for n in range(3):
        api.child(t["cA"], name=f"王{n}")
    for sort in ("name", "-birth_date", "registered_at"):
        first = api.client.get("/v1/children", headers=api.admin, params={"sort": sort, "limit": 2}).json()
        params = {"sort": sort, "limit": 2, "cursor": first["next_cursor"]}
        rest = api.client.get("/v1/children", headers=api.admin, params=params).json()
        assert len(first["items"]) + len(rest["items"]) == 3
        assert rest["next_cursor"] is None


@pytest.mark.parametrize("term", ["٢٠٢٥-٢٠٢٦-1", "2025-2027-1", "1999-2000-1"])
def test_a_term_in_other_digits_or_years(api: Any, child: tuple[str, dict[str, str]], term: str) -> None:
    child_id, teacher = child
    r = api.client.put(
        f"/v1/children/{child_id}/term-results/{term}",
        headers=teacher,
        json={"total_score": 1, "class_rank": 1},
    )
    assert field_of(r) == {"path.term"}


def test_a_term_typed_with_full_width_digits_is_read(api: Any, child: tuple[str, dict[str, str]]) -> None:
    child_id, teacher = child
    r = api.client.put(
        f"/v1/children/{child_id}/term-results/２０２５-２０２６-1",
        headers=teacher,
        json={"total_score": 300, "class_rank": 3},
    )
    assert r.status_code == 201, r.text
    assert r.json()["term"] == "2025-2026-1"
