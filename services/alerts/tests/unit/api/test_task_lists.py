"""Task lists: scope per role, filters, keyset pages without duplicates or gaps, forged cursors."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from alerts.adapters.orm import FollowUpTask
from shouhu_contracts.alerts.tasks import AlertRule
from shouhu_kit.auth import Role

DAY = timedelta(days=1)

pytestmark = pytest.mark.unit


@pytest.fixture
def town(api: Any) -> dict[str, uuid.UUID]:
    """Tasks across the city: two helpers' children, grade drops for class teachers, another district."""
    a = api.child("K1", helper="helper-li", name="甲")
    b = api.child("K2", helper="helper-zhao", name="乙")
    c = api.child("K3", name="丙")
    d = api.child("K4", helper="helper-li", name="丁")
    t = {
        "a_contact": api.task(a),
        "b_contact": api.task(b),
        "a_grades": api.task(a, AlertRule.GRADE_DROP, "2026-2027-1>2026-2027-2"),
        "c_grades": api.task(c, AlertRule.GRADE_DROP, "2026-2027-1>2026-2027-2"),
        "d_contact": api.task(d),
    }
    api.clock.advance(DAY)
    t["c_guardian"] = api.task(c, AlertRule.SERIOUS_VIOLATION, "v1")  # due in 3 days from a day later
    return t


def ids(got: object) -> set[str]:
    assert getattr(got, "status_code", None) == 200, getattr(got, "text", got)
    return {t["id"] for t in got.json()}  # type: ignore[attr-defined]


def s(*tasks: uuid.UUID) -> set[str]:
    return {str(t) for t in tasks}


def test_each_role_sees_its_scope(api: Any, town: dict[str, uuid.UUID]) -> None:
    t = town
    every = s(*t.values())
    assert ids(api.get("/v1/tasks", api.headers(Role.ADMIN))) == every
    assert ids(api.get("/v1/tasks", api.headers(Role.CITY_ADMIN, "C"))) == every
    district = api.headers(Role.DISTRICT_ADMIN, "D1")
    assert ids(api.get("/v1/tasks", district)) == every - s(t["d_contact"])
    school = api.headers(Role.SCHOOL_ADMIN, "S1")
    assert ids(api.get("/v1/tasks", school)) == s(t["a_contact"], t["b_contact"], t["a_grades"])
    teacher = api.headers(Role.TEACHER, "S2")
    assert ids(api.get("/v1/tasks", teacher)) == s(t["c_grades"], t["c_guardian"])
    # A helper sees exactly the tasks assigned to them, wherever their token's unit is.
    li = api.headers(Role.HELPER, "S1", subject="helper-li")
    assert ids(api.get("/v1/tasks", li)) == s(t["a_contact"], t["d_contact"])
    assert api.get(f"/v1/tasks/{t['a_contact']}", li).status_code == 200
    assert api.get(f"/v1/tasks/{t['b_contact']}", li).status_code == 404  # zhao's: as unknown
    assert api.get(f"/v1/tasks/{t['d_contact']}", district).status_code == 404  # the other district's
    assert api.get(f"/v1/tasks/{uuid.uuid4()}", district).status_code == 404
    assert api.get("/v1/tasks", api.headers(Role.OPS, "C")).status_code == 403
    assert api.client.get("/v1/tasks").status_code == 401
    assert api.client.get("/v1/me/tasks").status_code == 401


def test_my_tasks_are_the_ones_assigned_to_my_account(api: Any, town: dict[str, uuid.UUID]) -> None:
    t = town
    li = api.headers(Role.HELPER, "S1", subject="helper-li")
    assert ids(api.get("/v1/me/tasks", li)) == s(t["a_contact"], t["d_contact"])
    teacher = api.headers(Role.TEACHER, "K3", subject="ct-K3")  # the class teacher of K3, by account
    assert ids(api.get("/v1/me/tasks", teacher)) == s(t["c_grades"], t["c_guardian"])
    stranger = api.headers(Role.TEACHER, "K3", subject="someone-else")
    assert ids(api.get("/v1/me/tasks", stranger)) == set()
    assert ids(api.get("/v1/me/tasks", li, rule="grade_drop")) == set()


def test_filters(api: Any, town: dict[str, uuid.UUID]) -> None:
    t = town
    city = api.headers(Role.CITY_ADMIN, "C")
    assert ids(api.get("/v1/tasks", city, rule="grade_drop")) == s(t["a_grades"], t["c_grades"])
    both = s(t["a_grades"], t["c_grades"], t["c_guardian"])
    assert ids(api.get("/v1/tasks", city, rule="grade_drop,serious_violation")) == both
    assert ids(api.get("/v1/tasks", city, rule=["grade_drop", "serious_violation"])) == both
    assert ids(api.get("/v1/tasks", city, unit_id=str(api.u["S2"]))) == s(t["c_grades"], t["c_guardian"])
    assert ids(api.get("/v1/tasks", city, assignee="helper-zhao")) == s(t["b_contact"])
    child = api.row(t["c_grades"]).child_id
    assert ids(api.get("/v1/tasks", city, child_id=str(child))) == s(t["c_grades"], t["c_guardian"])
    # A unit outside the caller's subtree is unknown to them.
    assert (
        api.get("/v1/tasks", api.headers(Role.DISTRICT_ADMIN, "D1"), unit_id=str(api.u["S3"])).status_code
        == 404
    )
    # Overdue: live and past this step's deadline. Serious violations are due in 3 days, others in 7.
    api.clock.advance(3 * DAY + DAY / 2)
    assert ids(api.get("/v1/tasks", city, overdue="true")) == s(t["c_guardian"])
    assert t["c_guardian"] not in {uuid.UUID(i) for i in ids(api.get("/v1/tasks", city, overdue="false"))}
    api.clock.advance(4 * DAY)
    assert ids(api.get("/v1/tasks", city, overdue="true")) == s(*t.values())
    # Status: the live ones by default; a resolved task only when asked for.
    resolved = api.act(t["b_contact"], "resolve", city, {"note": "已电话联系"})
    assert resolved.status_code == 200, resolved.text
    assert t["b_contact"] not in {uuid.UUID(i) for i in ids(api.get("/v1/tasks", city))}
    assert ids(api.get("/v1/tasks", city, status="resolved")) == s(t["b_contact"])
    assert ids(api.get("/v1/tasks", city, status="resolved,open")) == s(*t.values())
    assert ids(api.get("/v1/tasks", city, status="resolved", overdue="true")) == set()
    for name, value in (
        ("status", "closed"),
        ("rule", "grade"),
        ("status", "open,nope"),
        ("assignee", "a\x00"),
    ):
        bad = api.get("/v1/tasks", city, **{name: value})
        assert bad.status_code == 422, bad.text
        assert bad.headers["content-type"].startswith("application/problem+json")
        assert [e["field"].removeprefix("query.") for e in bad.json()["errors"]] == [name]


def test_keyset_pages_have_no_duplicates_or_gaps(api: Any) -> None:
    kids = [api.child(f"K{1 + i % 4}", helper="helper-li", name=f"童{i}") for i in range(23)]
    opened = []
    for i, kid in enumerate(kids):
        opened.append(api.task(kid))  # several share a due date: the id breaks the tie
        if i % 5 == 4:
            api.clock.advance(DAY / 3)
    with api.runtime.db.sessions() as session:
        rows = session.scalars(select(FollowUpTask)).all()
        ordered = sorted(rows, key=lambda r: (r.due_at, r.id))
        expected = [str(r.id) for r in ordered]
        inside = {api.u[k] for k in ("K1", "K2", "K3")}
        in_d1 = [str(r.id) for r in ordered if r.class_id in inside]
    assert len({r.due_at for r in rows}) < len(rows)  # ties on the due date exist
    for who, want in ((api.headers(Role.ADMIN), expected), (api.headers(Role.DISTRICT_ADMIN, "D1"), in_d1)):
        pages = api.walk("/v1/tasks", who, limit=4)
        flat = [i for page in pages for i in page]
        assert flat == want  # every task once, in order: no duplicate, no gap
        assert all(len(p) == 4 for p in pages[:-1])
        assert 1 <= len(pages[-1]) <= 4
    mine = api.walk("/v1/me/tasks", api.headers(Role.HELPER, "S1", subject="helper-li"), limit=7)
    assert [i for p in mine for i in p] == expected
    # A cursor from a filtered list continues that list.
    first = api.get("/v1/tasks", api.headers(Role.ADMIN), limit=2, unit_id=str(api.u["K1"]))
    after = api.get(
        "/v1/tasks",
        api.headers(Role.ADMIN),
        limit=50,
        unit_id=str(api.u["K1"]),
        cursor=first.headers["X-Next-Cursor"],
    )
    k1 = [str(r.id) for r in ordered if r.class_id == api.u["K1"]]
    assert [t["id"] for t in first.json()] + [t["id"] for t in after.json()] == k1
    assert 'rel="next"' in first.headers["Link"]
    assert "X-Next-Cursor" not in after.headers


def _b64(value: object) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "!!!not-base64",
        "abc",
        _b64({"due": "2027-03-01"}),
        _b64(["2027-03-01T00:00:00+00:00"]),
        _b64(["2027-03-01T00:00:00", str(uuid.uuid4())]),  # naive
        _b64(["not a date", str(uuid.uuid4())]),
        _b64(["2027-03-01T00:00:00+00:00", "not-a-uuid"]),
        _b64(["2027-03-01T00:00:00+00:00\x00", str(uuid.uuid4())]),
        _b64([1, 2]),
        _b64(b"\xff\xfe\x00"),
        _b64(b"[" * 300),
        "x" * 600,
        _b64(["99999-01-01T00:00:00+00:00", str(uuid.uuid4())]),
    ],
)
def test_a_forged_cursor_is_422_naming_the_cursor(api: Any, cursor: str) -> None:
    api.task(api.child("K1", helper="helper-li"))
    for url in ("/v1/tasks", "/v1/me/tasks"):
        got = api.get(url, api.headers(Role.CITY_ADMIN, "C"), cursor=cursor)
        assert got.status_code == 422, got.text
        assert [e["field"].removeprefix("query.") for e in got.json()["errors"]] == ["cursor"]
