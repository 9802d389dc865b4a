"""Helpers and pairings through the API: kinds and capacities, reach, scope, events, and what
the registry's transfers and exits do to pairings."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from shouhu_contracts.registry.v1 import ChildExited, ChildTransferred
from shouhu_kit.auth import Role

pytestmark = pytest.mark.unit
SCHEMAS = Path(__file__).resolve().parents[4] / "contracts" / "schemas"


@pytest.fixture
def city(world: Any, pairing: Any) -> Any:
    """The world's tree and a few children, known to pairing."""
    world.kids_of = {
        c: [world.register(world.t[c], name=f"{c}童{i}") for i in range(5)]
        for c in ("cA1", "cA2", "cA3", "cB")
    }
    pairing.apply(*world.published)
    return world


def helper(
    pairing: Any,
    unit: uuid.UUID,
    kind: str,
    *,
    by: tuple[Role, uuid.UUID | None] = (Role.ADMIN, None),
    **more: Any,
) -> dict[str, Any]:
    r = pairing.client.post(
        "/v1/helpers",
        headers=pairing.headers(*by),
        json={"name": "王老师", "kind": kind, "unit_id": str(unit), **more},
    )
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def pair(
    pairing: Any,
    child: uuid.UUID,
    helper_id: str,
    role: str = "primary",
    who: tuple[Any, ...] = (Role.ADMIN,),
) -> Any:
    return pairing.client.post(
        "/v1/pairings",
        headers=pairing.headers(*who),
        json={"child_id": str(child), "helper_id": helper_id, "role": role},
    )


def test_each_kind_gets_the_seeds_default_capacity_and_its_reach(city: Any, pairing: Any) -> None:
    t = city.t
    teacher = helper(pairing, t["cA1"], "teacher")  # registered at a class: reaches the whole school
    volunteer = helper(pairing, t["vA"], "volunteer")
    leader = helper(pairing, t["dA"], "leader")
    company = helper(pairing, t["city"], "company")
    peer = helper(pairing, t["sA1"], "peer_student")
    mother = helper(pairing, t["tA"], "caring_mother", capacity=5)
    assert [h["capacity"] for h in (teacher, volunteer, leader, company, peer, mother)] == [3, 3, 1, 30, 1, 5]
    assert teacher["reach_unit_id"] == str(t["sA1"])
    assert volunteer["reach_unit_id"] == str(t["tA"])  # their township
    assert leader["reach_unit_id"] == str(t["dA"])
    assert company["reach_unit_id"] == str(t["city"])
    assert teacher["account"] == teacher["id"]  # no account given: the helper id signs in


def test_a_teacher_belongs_to_a_school_and_an_account_is_used_once(city: Any, pairing: Any) -> None:
    r = pairing.client.post(
        "/v1/helpers",
        headers=pairing.headers(Role.ADMIN),
        json={"name": "王老师", "kind": "teacher", "unit_id": str(city.t["tA"])},
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "unit_id"
    helper(pairing, city.t["sA1"], "teacher", account="wang")
    again = pairing.client.post(
        "/v1/helpers",
        headers=pairing.headers(Role.ADMIN),
        json={"name": "王二", "kind": "volunteer", "unit_id": str(city.t["tA"]), "account": "wang"},
    )
    assert again.status_code == 409
    bad_phone = pairing.client.post(
        "/v1/helpers",
        headers=pairing.headers(Role.ADMIN),
        json={"name": "王三", "kind": "volunteer", "unit_id": str(city.t["tA"]), "phone": "12345"},
    )
    assert bad_phone.status_code == 422
    assert bad_phone.json()["errors"][0]["field"] == "phone"


def test_phones_are_masked_for_teachers_and_shown_audited_to_the_school_head(city: Any, pairing: Any) -> None:
    h = helper(pairing, city.t["sA1"], "teacher", phone="13800138000")
    as_teacher = pairing.client.get(
        f"/v1/helpers/{h['id']}", headers=pairing.headers(Role.TEACHER, city.t["sA1"])
    )
    assert as_teacher.json()["phone"] == "138****8000"
    as_head = pairing.client.get(
        f"/v1/helpers/{h['id']}", headers=pairing.headers(Role.SCHOOL_ADMIN, city.t["sA1"])
    )
    assert as_head.json()["phone"] == "138 0013 8000"
    from pairing.adapters.orm import AuditRow

    with pairing.db.sessions() as s:
        audited = [(a.action, a.helper_id) for a in s.query(AuditRow).all()]
    assert ("helper_phone_read", uuid.UUID(h["id"])) in audited


def test_scope_a_school_head_manages_only_their_school(city: Any, pairing: Any) -> None:
    t = city.t
    head = (Role.SCHOOL_ADMIN, t["sA1"])
    r = pairing.client.post(
        "/v1/helpers",
        headers=pairing.headers(*head),
        json={"name": "外校", "kind": "teacher", "unit_id": str(t["sB"])},
    )
    assert r.status_code == 404
    mine = helper(pairing, t["sA1"], "teacher", by=head)
    other = helper(pairing, t["sB"], "teacher")
    listed = pairing.client.get("/v1/helpers", headers=pairing.headers(*head)).json()
    assert [h["id"] for h in listed] == [mine["id"]]
    assert pairing.client.get(f"/v1/helpers/{other['id']}", headers=pairing.headers(*head)).status_code == 404
    assert pairing.client.get("/v1/helpers").status_code == 401
    assert pairing.client.get("/v1/helpers", headers=pairing.headers(Role.OPS, t["city"])).status_code == 403
    assert pair(pairing, city.kids_of["cA1"][0], mine["id"], who=(Role.HELPER, t["sA1"])).status_code == 403


def test_pairing_rules_reach_capacity_one_primary_and_peers_as_buddies(city: Any, pairing: Any) -> None:
    t, kids = city.t, city.kids_of
    teacher = helper(pairing, t["sA1"], "teacher")
    volunteer = helper(pairing, t["tA"], "volunteer")
    peer = helper(pairing, t["sA1"], "peer_student")
    out_of_school = pair(pairing, kids["cB"][0], teacher["id"])
    assert out_of_school.status_code == 422
    assert out_of_school.json()["errors"][0]["type"] == "out_of_reach"
    assert pair(pairing, kids["cA3"][0], volunteer["id"]).json()["errors"][0]["type"] == "out_of_reach"  # tA2
    assert pair(pairing, kids["cA2"][0], volunteer["id"]).status_code == 201  # same township, other school
    for child in kids["cA1"][:3]:
        assert pair(pairing, child, teacher["id"]).status_code == 201
    full = pair(pairing, kids["cA1"][3], teacher["id"])
    assert full.status_code == 409
    assert full.json()["errors"][0]["type"] == "at_capacity"
    second = pair(pairing, kids["cA2"][0], helper(pairing, t["sA2"], "teacher")["id"])
    assert second.status_code == 409
    assert second.json()["errors"][0]["type"] == "has_primary"
    assert pair(pairing, kids["cA1"][0], peer["id"]).json()["errors"][0]["type"] == "peer_primary"
    assert pair(pairing, kids["cA1"][0], peer["id"], role="secondary").status_code == 201  # 1+1 plus a buddy
    got = pairing.client.get(f"/v1/helpers/{teacher['id']}", headers=pairing.headers(Role.ADMIN)).json()
    assert got["caseload"] == 3
    waiting = pairing.unpaired()
    assert kids["cA1"][0] not in waiting
    assert kids["cA1"][3] in waiting


def test_pairing_events_validate_and_carry_the_helpers_account(city: Any, pairing: Any) -> None:
    teacher = helper(pairing, city.t["sA1"], "teacher", account="li")
    made = pair(pairing, city.kids_of["cA1"][0], teacher["id"]).json()
    ended = pairing.client.post(
        f"/v1/pairings/{made['id']}/end", headers=pairing.headers(Role.ADMIN), json={"reason": "reassigned"}
    )
    assert ended.status_code == 200
    assert ended.json()["status"] == "ended"
    events = pairing.outbox()
    types = [e["type"] for e in events]
    assert types.count("pairing.helper.registered.v1") == 1
    assert types.index("pairing.pairing.created.v1") < types.index("pairing.pairing.ended.v1")
    for e in events:
        schema = json.loads((SCHEMAS / f"{e['type']}.schema.json").read_text())
        jsonschema.validate(e, schema)
    created = next(e for e in events if e["type"] == "pairing.pairing.created.v1")
    assert created["data"]["helper_account"] == "li"
    assert created["subject"] == str(city.kids_of["cA1"][0])
    history = pairing.client.get(
        f"/v1/pairings?child_id={city.kids_of['cA1'][0]}", headers=pairing.headers(Role.ADMIN)
    ).json()
    assert [(p["status"], p["end_reason"]) for p in history] == [("ended", "reassigned")]


def test_an_exit_ends_the_pairings_and_frees_the_place(city: Any, pairing: Any) -> None:
    child = city.kids_of["cA1"][0]
    teacher = helper(pairing, city.t["sA1"], "teacher", capacity=1)
    assert pair(pairing, child, teacher["id"]).status_code == 201
    exited: ChildExited = city.exit(child)
    pairing.apply(exited)
    pairing.apply(exited)  # a replay changes nothing
    got = pairing.client.get(f"/v1/helpers/{teacher['id']}", headers=pairing.headers(Role.ADMIN)).json()
    assert got["caseload"] == 0
    ends = [e for e in pairing.outbox() if e["type"] == "pairing.pairing.ended.v1"]
    assert [e["data"]["reason"] for e in ends] == ["child_exited"]
    assert pair(pairing, city.kids_of["cA1"][1], teacher["id"]).status_code == 201


@pytest.mark.parametrize(
    ("rule", "teacher_kept"), [("end_out_of_reach", False), ("keep", True), ("end_all", False)]
)
def test_a_transfer_ends_or_keeps_pairings_as_the_city_says(
    city: Any, pairing: Any, rule: str, teacher_kept: bool
) -> None:
    t, child = city.t, city.kids_of["cA1"][0]
    policy = pairing.client.get(f"/v1/policy?city_id={t['city']}", headers=pairing.headers(Role.ADMIN)).json()
    assert policy["version"] == 0
    changed = pairing.client.put(
        "/v1/policy",
        headers=pairing.headers(Role.CITY_ADMIN, t["city"]),
        json={"policy": {**policy["policy"], "transfer": rule}, "note": "转学规则"},
    )
    assert changed.status_code == 200
    assert changed.json()["version"] == 1
    teacher = helper(pairing, t["sA1"], "teacher")
    mother = helper(pairing, t["tA"], "caring_mother")
    new_teacher = helper(pairing, t["sA2"], "teacher")
    assert pair(pairing, child, teacher["id"]).status_code == 201
    assert pair(pairing, child, mother["id"], role="secondary").status_code == 201
    moved: ChildTransferred = city.transfer(child, t["cA2"])  # same township, another school
    pairing.apply(moved)
    active = pairing.client.get(
        f"/v1/pairings?child_id={child}&status=active", headers=pairing.headers(Role.ADMIN)
    ).json()
    kept = {p["helper_id"] for p in active}
    assert (teacher["id"] in kept) is teacher_kept
    assert (mother["id"] in kept) is (rule != "end_all")  # the township still reaches the child
    runs = pairing.client.get(
        f"/v1/suggestions?unit_id={t['sA2']}&source=transfer", headers=pairing.headers(Role.ADMIN)
    ).json()
    if teacher_kept:  # still paired: nothing to propose
        assert runs == []
    else:  # a helper at the new school is proposed at once
        assert len(runs) == 1
        page = pairing.client.get(
            f"/v1/suggestions/{runs[0]['id']}", headers=pairing.headers(Role.ADMIN)
        ).json()
        assert [(s["child_id"], s["helper_id"]) for s in page["items"]] == [(str(child), new_teacher["id"])]


def test_a_deactivated_helper_leaves_no_pairing_behind(city: Any, pairing: Any) -> None:
    teacher = helper(pairing, city.t["sA1"], "teacher")
    for child in city.kids_of["cA1"][:2]:
        pair(pairing, child, teacher["id"])
    r = pairing.client.post(
        f"/v1/helpers/{teacher['id']}/deactivate",
        headers=pairing.headers(Role.ADMIN),
        json={"reason": "调离"},
    )
    assert r.status_code == 200
    assert r.json()["active"] is False
    assert r.json()["caseload"] == 0
    assert set(city.kids_of["cA1"][:2]) <= set(pairing.unpaired())
    assert (
        pair(pairing, city.kids_of["cA1"][0], teacher["id"]).json()["errors"][0]["type"] == "helper_inactive"
    )


def test_a_helper_is_changed_with_if_match_and_a_move_ends_what_falls_out_of_reach(
    city: Any, pairing: Any
) -> None:
    t = city.t
    teacher = helper(pairing, t["sA1"], "teacher")
    pair(pairing, city.kids_of["cA1"][0], teacher["id"])
    url = f"/v1/helpers/{teacher['id']}"
    assert (
        pairing.client.patch(url, headers=pairing.headers(Role.ADMIN), json={"capacity": 4}).status_code
        == 428
    )
    got = pairing.client.get(url, headers=pairing.headers(Role.ADMIN))
    tag = got.headers["ETag"]
    low = pairing.client.patch(
        url, headers={**pairing.headers(Role.ADMIN), "If-Match": tag}, json={"capacity": 0}
    )
    assert low.status_code == 422
    moved = pairing.client.patch(
        url, headers={**pairing.headers(Role.ADMIN), "If-Match": tag}, json={"unit_id": str(t["sB"])}
    )
    assert moved.status_code == 200
    assert moved.json()["caseload"] == 0
    stale = pairing.client.patch(
        url, headers={**pairing.headers(Role.ADMIN), "If-Match": tag}, json={"capacity": 4}
    )
    assert stale.status_code == 412


def test_the_policy_is_versioned_and_only_the_city_changes_it(city: Any, pairing: Any) -> None:
    t = city.t
    url = f"/v1/policy?city_id={t['city']}"
    base = pairing.client.get(url, headers=pairing.headers(Role.TEACHER, t["sA1"])).json()
    assert {d["code"] for d in base["policy"]["duties"]} >= {
        "helper_contact_monthly",
        "class_teacher_talk_monthly",
    }
    assert (
        pairing.client.put(
            url, headers=pairing.headers(Role.TEACHER, t["sA1"]), json={"policy": base["policy"]}
        ).status_code
        == 403
    )
    bad = pairing.client.put(
        url,
        headers=pairing.headers(Role.CITY_ADMIN, t["city"]),
        json={"policy": {**base["policy"], "capacity": {"teacher": 0}}},
    )
    assert bad.status_code == 422
    for n in (1, 2):
        body = {"policy": {**base["policy"], "backdate_days": 10 * n}}
        assert (
            pairing.client.put(url, headers=pairing.headers(Role.CITY_ADMIN, t["city"]), json=body).json()[
                "version"
            ]
            == n
        )
    versions = pairing.client.get(
        f"/v1/policy/versions?city_id={t['city']}", headers=pairing.headers(Role.ADMIN)
    ).json()
    assert [(v["version"], v["policy"]["backdate_days"]) for v in versions] == [(2, 20), (1, 10)]
    teacher = helper(pairing, t["sA1"], "teacher")
    assert teacher["capacity"] == 3


def test_naming_a_class_teacher_announces_the_classes_each_teacher_heads(city: Any, pairing: Any) -> None:
    """Reporting credits a class's assessment to its class teacher: pairing says who heads which class,
    for the new teacher and for the one the class had before."""
    t = city.t
    first = helper(pairing, t["sA1"], "teacher", account="t-first")
    second = helper(pairing, t["sA1"], "teacher", account="t-second")

    def name(teacher: dict[str, Any]) -> None:
        r = pairing.client.put(
            f"/v1/classes/{t['cA1']}/class-teacher",
            headers=pairing.headers(Role.ADMIN, None),
            json={"helper_id": teacher["id"]},
        )
        assert r.status_code == 200, r.text

    def announced() -> dict[str, list[str]]:
        updates = [e["data"] for e in pairing.outbox() if e["type"] == "pairing.helper.updated.v1"]
        return {u["account"]: u["classes"] for u in updates}

    name(first)
    assert announced() == {"t-first": [str(t["cA1"])]}
    name(first)  # again: nothing changed, nothing announced
    assert len([e for e in pairing.outbox() if e["type"] == "pairing.helper.updated.v1"]) == 1
    name(second)
    assert announced() == {"t-first": [], "t-second": [str(t["cA1"])]}
