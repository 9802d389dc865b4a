"""The registry's slice through its HTTP API: org tree, children, term results, scope."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from shouhu_kit.auth import Role

pytestmark = pytest.mark.unit


def outbox_types(api: Any) -> list[str]:
    db = api.client.app.state.runtime.db
    with db.sessions() as s:
        return list(s.scalars(select(db.tables.outbox.c.event_type).order_by(db.tables.outbox.c.seq)))


def test_org_tree_children_and_results_each_queue_their_event(api: Any) -> None:
    t = api.tree()
    child = api.child(t["cA"], home_village_id=t["vA"])
    assert child["gender"] == "male"
    assert child["left_behind_type"] == "both_parents"
    r = api.client.put(
        f"/v1/children/{child['id']}/term-results/2025-2026-1",
        headers=api.admin,
        json={"total_score": 300, "class_rank": 5, "class_size": 40},
    )
    assert r.status_code == 201
    r = api.client.put(
        f"/v1/children/{child['id']}/term-results/2025-2026-1",
        headers=api.admin,
        json={"total_score": 301, "class_rank": 5, "class_size": 40},
    )
    assert r.status_code == 200, "recording again corrects"
    types = outbox_types(api)
    assert types.count("registry.org.unit_created.v1") == 11
    assert types[-3:] == [
        "registry.child.registered.v1",
        "registry.child.term_result_recorded.v1",
        "registry.child.term_result_recorded.v1",
    ]
    db = api.client.app.state.runtime.db
    with db.sessions() as s:
        payload = s.scalars(
            select(db.tables.outbox.c.payload).where(
                db.tables.outbox.c.event_type == "registry.child.registered.v1"
            )
        ).one()
    data = json.loads(payload)["data"]
    assert data["org_path"] == [t["city"], t["dA"], t["tA"], t["sA"], t["cA"]]
    assert data["home_path"] == [t["city"], t["dA"], t["tA"], t["vA"]]


@pytest.mark.parametrize(
    ("kind", "parent_key", "status"),
    [("class", "city", 422), ("village", "dA", 422), ("school", "dA", 201), ("city", None, 201)],
)
def test_org_placement_rules(api: Any, kind: str, parent_key: str | None, status: int) -> None:
    t = api.tree()
    r = api.client.post(
        "/v1/org-units",
        headers=api.admin,
        json={
            "kind": kind,
            "code": f"X{uuid.uuid4().hex[:6]}",
            "name": "新单位",
            "parent_id": t[parent_key] if parent_key else None,
        },
    )
    assert r.status_code == status, r.text


def test_duplicate_code_is_409(api: Any) -> None:
    api.unit("city", "DUP", "甲市")
    r = api.client.post(
        "/v1/org-units", headers=api.admin, json={"kind": "city", "code": "DUP", "name": "乙市"}
    )
    assert r.status_code == 409
    assert r.json()["errors"][0]["field"] == "code"


def test_bad_child_names_every_field(api: Any) -> None:
    t = api.tree()
    r = api.client.post(
        "/v1/children",
        headers=api.admin,
        json={
            "name": "",
            "gender": "未知",
            "birth_date": "2016-02-30",
            "left_behind_type": "both_parents",
            "class_id": t["cA"],
            "guardian": None,
        },
    )
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert {e["field"] for e in r.json()["errors"]} == {"name", "gender", "birth_date"}


def test_future_birth_date_and_wrong_unit_kinds(api: Any) -> None:
    t = api.tree()
    base = {"name": "李四", "gender": "女", "left_behind_type": "mother", "guardian": None}
    r = api.client.post(
        "/v1/children", headers=api.admin, json={**base, "birth_date": "2099-01-01", "class_id": t["cA"]}
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "birth_date"
    r = api.client.post(
        "/v1/children", headers=api.admin, json={**base, "birth_date": "2016-01-01", "class_id": t["sA"]}
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "class_id"


def test_term_validation(api: Any) -> None:
    t = api.tree()
    child = api.child(t["cA"])
    url = f"/v1/children/{child['id']}/term-results"
    assert (
        api.client.put(
            f"{url}/2025-2027-1", headers=api.admin, json={"total_score": 1, "class_rank": 1}
        ).status_code
        == 422
    )
    assert (
        api.client.put(
            f"{url}/2025-2026-3", headers=api.admin, json={"total_score": 1, "class_rank": 1}
        ).status_code
        == 422
    )
    r = api.client.put(
        f"{url}/2025-2026-1", headers=api.admin, json={"total_score": 1, "class_rank": 41, "class_size": 40}
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "class_rank"


def test_another_districts_child_is_invisible(api: Any) -> None:
    t = api.tree()
    child_b = api.child(t["cB"])
    a_admin = api.auth(Role.DISTRICT_ADMIN, t["dA"])
    assert api.client.get(f"/v1/children/{child_b['id']}", headers=a_admin).status_code == 404
    assert (
        api.client.get(
            f"/v1/children/{child_b['id']}", headers=api.auth(Role.DISTRICT_ADMIN, t["dB"])
        ).status_code
        == 200
    )
    r = api.client.post(
        "/v1/children",
        headers=a_admin,
        json={
            "name": "越权",
            "gender": "男",
            "birth_date": "2016-01-01",
            "left_behind_type": "father",
            "class_id": t["cB"],
            "guardian": None,
        },
    )
    assert r.status_code == 404
    listed = api.client.get("/v1/children", params={"org_id": t["city"]}, headers=a_admin)
    assert listed.status_code == 404, "the city is above a district admin's scope"
    listed = api.client.get("/v1/children", params={"org_id": t["dA"]}, headers=a_admin)
    assert listed.status_code == 200
    assert listed.json()["items"] == []


def test_roles_without_business_here_are_403_and_no_token_is_401(api: Any) -> None:
    t = api.tree()
    assert api.client.get(f"/v1/org-units/{t['city']}").status_code == 401
    ops = api.auth(Role.OPS, t["city"])
    assert api.client.get(f"/v1/org-units/{t['city']}", headers=ops).status_code == 403
    teacher = api.auth(Role.TEACHER, t["sA"])
    r = api.client.post(
        "/v1/org-units",
        headers=teacher,
        json={"kind": "class", "code": "K9", "name": "x", "parent_id": t["sA"]},
    )
    assert r.status_code == 403


def test_children_list_pages_by_cursor(api: Any) -> None:
    t = api.tree()
    made = [api.child(t["cA"], name=f"王{n}") for n in "丁甲乙丙戊"]
    want = sorted((c["name"], c["id"]) for c in made)
    seen: list[tuple[str, str]] = []
    cursor = None
    for _ in range(3):
        params: dict[str, Any] = {"org_id": t["dA"], "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = api.client.get("/v1/children", params=params, headers=api.admin).json()
        seen += [(c["name"], c["id"]) for c in page["items"]]
        cursor = page["next_cursor"]
    assert seen == want
    assert cursor is None
