"""The archive and contact card: validation, concurrency, dynamic management, masking, search, events."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from sqlalchemy import select

from registry.adapters.orm import AuditRow
from registry.domain.identity import id_check_char
from shouhu_kit.auth import Role

pytestmark = pytest.mark.unit
SCHEMAS = Path(__file__).resolve().parents[4] / "contracts" / "schemas"


def an_id(birth: str = "20160301", seq: str = "123") -> str:
    body = "410102" + birth + seq
    return body + id_check_char(body)


def outbox(api: Any) -> list[dict[str, Any]]:
    db = api.client.app.state.runtime.db
    with db.sessions() as s:
        rows = s.scalars(select(db.tables.outbox.c.payload).order_by(db.tables.outbox.c.seq)).all()
    return [json.loads(r) for r in rows]


def events_of(api: Any, child_id: str) -> list[str]:
    return [e["type"] for e in outbox(api) if e["subject"] == child_id]


def test_every_event_in_the_outbox_validates_against_its_schema(api: Any) -> None:
    t = api.tree()
    child = api.child(t["cA"], id_number=an_id())
    get = api.client.get(f"/v1/children/{child['id']}", headers=api.admin)
    api.client.patch(
        f"/v1/children/{child['id']}",
        headers={**api.admin, "If-Match": get.headers["ETag"]},
        json={"guardian": {"age": 81, "rating": "差"}, "boarding": True},
    )
    api.client.post(f"/v1/children/{child['id']}/transfer", headers=api.admin, json={"to_class_id": t["cB"]})
    api.client.post(f"/v1/children/{child['id']}/exit", headers=api.admin, json={"reason": "父母返乡"})
    api.client.post(
        f"/v1/children/{child['id']}/reenter", headers=api.admin, json={"left_behind_type": "父亲外出"}
    )
    api.client.patch(f"/v1/org-units/{t['tA']}", headers=api.admin, json={"name": "城关街道"})
    api.client.post(f"/v1/org-units/{t['sA']}/move", headers=api.admin, json={"parent_id": t["tB"]})
    events = outbox(api)
    for event in events:
        schema = json.loads((SCHEMAS / f"{event['type']}.schema.json").read_text())
        jsonschema.validate(event, schema)
    assert events_of(api, child["id"]) == [
        "registry.child.registered.v1",
        "registry.child.updated.v1",
        "registry.child.guardian_changed.v1",
        "registry.child.transferred.v1",
        "registry.child.exited.v1",
        "registry.child.reentered.v1",
    ]
    kinds = [e["type"] for e in events if e["type"].startswith("registry.org.")]
    assert kinds[-2:] == ["registry.org.unit_renamed.v1", "registry.org.unit_moved.v1"]
    # Phones and ID numbers never travel on the bus.
    assert "13800138000" not in json.dumps(events)
    assert an_id() not in json.dumps(events)


@pytest.mark.parametrize(
    ("patch", "fields"),
    [
        ({"id_number": an_id()[:17] + ("0" if an_id()[-1] != "0" else "1")}, {"id_number"}),  # check digit
        ({"id_number": an_id("20150301")}, {"id_number"}),  # birth date differs from the archive's
        (
            {"father": {"phone": "12345"}, "guardian": {"phone": "0101234567"}},
            {"father.phone", "guardian.phone"},
        ),
        (
            {"gender": "未知", "left_behind_type": "都在家", "guardian": {"rating": "很好"}},
            {"gender", "left_behind_type", "guardian.rating"},
        ),
        ({"name": "", "guardian": {"age": 3}}, {"name", "guardian.age"}),
    ],
)
def test_invalid_input_names_every_field_in_both_languages(
    api: Any, patch: dict[str, Any], fields: set[str]
) -> None:
    t = api.tree()
    base = {
        "name": "赵小强",
        "gender": "男",
        "birth_date": "2016-03-01",
        "left_behind_type": "父亲外出",
        "class_id": t["cA"],
        "father": {"phone": "13900000001"},
        "guardian": {"name": "赵爷爷", "relation": "祖父", "rating": "好", "phone": "13900000003"},
    }
    body = {
        **base,
        **{
            k: ({**base[k], **v} if isinstance(v, dict) and isinstance(base.get(k), dict) else v)
            for k, v in patch.items()
        },
    }
    r = api.client.post("/v1/children", headers=api.admin, json=body)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["title"] == "请求数据有误"
    assert {e["field"] for e in problem["errors"]} == fields
    for e in problem["errors"]:
        assert e["message"]
        assert e["message_en"]
        assert e["message"] != e["message_en"]


def test_id_and_phones_are_normalised_and_x_is_accepted(api: Any) -> None:
    t = api.tree()
    with_x = next(
        an_id("20160301", f"{n:03d}") for n in range(1000) if an_id("20160301", f"{n:03d}")[-1] == "X"
    )
    child = api.child(t["cA"], id_number=with_x.lower(), father={"phone": "+86 139-0000-0001"})
    assert child["id_number"] == with_x
    assert child["father"]["phone"] == "+8613900000001", "stored and returned in E.164"


def test_a_grandparent_with_only_a_landline_is_reachable_and_masked_the_chinese_way(api: Any) -> None:
    t = api.tree()
    guardian = {"name": "王奶奶", "relation": "祖母", "rating": "好"}
    r = api.client.post(
        "/v1/children",
        headers=api.admin,
        json={
            "name": "王小花",
            "gender": "女",
            "birth_date": "2016-03-01",
            "left_behind_type": "父母双方外出",
            "class_id": t["cA"],
            "guardian": {**guardian, "phone": "63123456"},
        },
    )
    assert r.status_code == 422
    [error] = r.json()["errors"]
    assert (error["field"], error["message"]) == ("guardian.phone", "固定电话须带区号，如 0371-63123456")
    assert error["message_en"] == "a landline needs its area code, e.g. 0371-63123456"

    child = api.child(t["cA"], guardian={**guardian, "phone": "(0371)6312-3456"})
    assert child["guardian"]["phone"] == "+8637163123456"
    assert child["missing_contacts"] == []
    district = api.client.get(f"/v1/children/{child['id']}", headers=api.auth(Role.DISTRICT_ADMIN, t["dA"]))
    assert district.json()["guardian"]["phone"] == "0371-****3456"
    assert district.json()["father"]["phone"] == "139****0001"


def test_future_dates_are_refused(api: Any) -> None:
    t = api.tree()
    r = api.client.post(
        "/v1/children",
        headers=api.admin,
        json={
            "name": "钱多多",
            "gender": "女",
            "birth_date": "2099-01-01",
            "left_behind_type": "mother",
            "class_id": t["cA"],
            "mother": {"phone": "13900000002", "away_since": "2099-05-01"},
        },
    )
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"birth_date", "mother.away_since"}


def test_a_second_archive_with_the_same_id_is_409_with_the_existing_id(api: Any) -> None:
    t = api.tree()
    first = api.child(t["cA"], id_number=an_id())
    r = api.client.post(
        "/v1/children",
        headers=api.admin,
        json={
            "name": "另一人",
            "gender": "男",
            "birth_date": "2016-03-01",
            "left_behind_type": "father",
            "class_id": t["cB"],
            "id_number": an_id(),
        },
    )
    assert r.status_code == 409
    assert r.json()["existing_child_id"] == first["id"]


def test_stale_write_is_412_and_missing_if_match_is_428(api: Any) -> None:
    t = api.tree()
    child = api.child(t["cA"])
    url = f"/v1/children/{child['id']}"
    etag = api.client.get(url, headers=api.admin).headers["ETag"]
    assert api.client.patch(url, headers=api.admin, json={"boarding": True}).status_code == 428
    first = api.client.patch(url, headers={**api.admin, "If-Match": etag}, json={"boarding": True})
    assert first.status_code == 200
    assert first.headers["ETag"] != etag
    stale = api.client.patch(url, headers={**api.admin, "If-Match": etag}, json={"home_address": "新地址"})
    assert stale.status_code == 412
    assert stale.json()["current_version"] == first.json()["version"]
    fresh = api.client.patch(
        url, headers={**api.admin, "If-Match": first.headers["ETag"]}, json={"home_address": "新地址"}
    )
    assert fresh.status_code == 200


def test_merge_patch_sets_merges_and_clears(api: Any) -> None:
    t = api.tree()
    child = api.child(t["cA"])
    url = f"/v1/children/{child['id']}"
    etag = api.client.get(url, headers=api.admin).headers["ETag"]
    r = api.client.patch(
        url, headers={**api.admin, "If-Match": etag}, json={"guardian": None, "mother": {"phone": None}}
    )
    body = r.json()
    assert body["has_guardian"] is False
    assert body["mother"]["name"] == "李秀英"
    assert body["missing_contacts"] == ["mother.phone"]
    assert body["missing_contacts_zh"] == ["母亲电话"]


def test_transfer_keeps_id_and_history_shows_every_step(api: Any) -> None:
    t = api.tree()
    child = api.child(t["cA"])
    r = api.client.post(
        f"/v1/children/{child['id']}/transfer",
        headers=api.admin,
        json={"to_class_id": t["cB"], "reason": "随父母迁居"},
    )
    assert r.status_code == 200
    assert r.json()["id"] == child["id"]
    assert r.json()["org_path"][1] == t["dB"]
    a_admin = api.auth(Role.DISTRICT_ADMIN, t["dA"])
    assert api.client.get(f"/v1/children/{child['id']}", headers=a_admin).status_code == 404
    hist = api.client.get(
        f"/v1/children/{child['id']}/history", headers=api.auth(Role.DISTRICT_ADMIN, t["dB"])
    ).json()
    assert [h["action"] for h in hist] == ["registered", "transferred"]
    moved = hist[1]["changes"]
    assert {"field": "class_id", "old": t["cA"], "new": t["cB"]} in moved
    assert hist[1]["actor"] == "tester"


def test_exit_and_reentry(api: Any) -> None:
    t = api.tree()
    child = api.child(t["cA"])
    url = f"/v1/children/{child['id']}"
    out = api.client.post(f"{url}/exit", headers=api.admin, json={"reason": "父母返乡", "status": "已退出"})
    assert out.json()["status"] == "exited"
    assert api.client.post(f"{url}/exit", headers=api.admin, json={"reason": "x"}).status_code == 409
    assert api.client.get("/v1/children", params={"org_id": t["cA"]}, headers=api.admin).json()["items"] == []
    exited = api.client.get("/v1/children", params={"org_id": t["cA"], "status": "exited"}, headers=api.admin)
    assert [c["id"] for c in exited.json()["items"]] == [child["id"]]
    back = api.client.post(f"{url}/reenter", headers=api.admin, json={"left_behind_type": "母亲外出"})
    assert back.json()["status"] == "active"
    assert back.json()["left_behind_type"] == "mother"
    assert back.json()["exit_reason"] is None


def test_phones_and_ids_are_masked_for_roles_that_do_not_need_them_and_reads_are_audited(api: Any) -> None:
    t = api.tree()
    child = api.child(t["cA"], id_number=an_id())
    url = f"/v1/children/{child['id']}"
    district = api.client.get(url, headers=api.auth(Role.DISTRICT_ADMIN, t["dA"])).json()
    assert district["guardian"]["phone"] == "138****8000"
    assert district["id_number"] == an_id()
    teacher = api.client.get(url, headers=api.auth(Role.TEACHER, t["sA"])).json()
    assert teacher["guardian"]["phone"] == "+8613800138000", "unmasked: as stored, in E.164"
    assert teacher["id_number"] == an_id()[:6] + "********" + an_id()[-4:]
    db = api.client.app.state.runtime.db
    with db.sessions() as s:
        audits = s.scalars(
            select(AuditRow).where(AuditRow.child_id == uuid.UUID(child["id"])).order_by(AuditRow.id)
        ).all()
    assert [(a.role, a.detail) for a in audits][-2:] == [
        ("district_admin", "id_number"),
        ("teacher", "phones"),
    ]


def test_search_filters_sorting_and_scope(api: Any) -> None:
    t = api.tree()
    a = api.child(t["cA"], name="张一", id_number=an_id("20150101", "111"), birth_date="2015-01-01")
    b = api.child(t["cA"], name="张二", guardian=None, birth_date="2017-06-01")
    c = api.child(t["cA"], name="李三", left_behind_type="father", mother=None, father={"phone": None})
    api.child(t["cB"], name="张四")

    def names(**params: Any) -> list[str]:
        r = api.client.get("/v1/children", params={"org_id": t["dA"], **params}, headers=api.admin)
        assert r.status_code == 200, r.text
        return [x["name"] for x in r.json()["items"]]

    assert names() == sorted(["张一", "张二", "李三"])
    assert names(q="张") == ["张一", "张二"]
    assert names(q=an_id("20150101", "111")[:10]) == ["张一"]
    assert names(no_guardian=True) == ["张二"]
    assert names(guardian="good") == sorted(["张一", "李三"])
    assert names(left_behind_type="father") == ["李三"]
    assert names(missing_contacts=True) == ["李三"]
    assert names(sort="-birth_date", q="张") == ["张二", "张一"]
    assert api.client.get("/v1/children", params={"sort": "height"}, headers=api.admin).status_code == 422
    assert api.client.get("/v1/children", params={"cursor": "garbage"}, headers=api.admin).status_code == 422
    assert {a["id"], b["id"], c["id"]} == {
        x["id"]
        for x in api.client.get(
            "/v1/children", params={"org_id": t["dA"]}, headers=api.auth(Role.DISTRICT_ADMIN, t["dA"])
        ).json()["items"]
    }


def test_archive_stats_per_unit(api: Any) -> None:
    t = api.tree()
    api.child(t["cA"])
    api.child(t["cA"], mother={"phone": None}, guardian=None)
    stats = api.client.get(f"/v1/org-units/{t['dA']}/archive-stats", headers=api.admin).json()
    assert stats["children"] == 2
    assert stats["contact_complete"] == 1
    assert stats["archive_rate"] == 0.5
    assert stats["missing"] == {"mother.phone": 1}
    assert stats["no_guardian"] == 1


def test_rename_move_and_subtree(api: Any) -> None:
    t = api.tree()
    child = api.child(t["cA"])
    r = api.client.patch(f"/v1/org-units/{t['tA']}", headers=api.admin, json={"name": "城关街道"})
    assert r.json()["name"] == "城关街道"
    moved = api.client.post(f"/v1/org-units/{t['sA']}/move", headers=api.admin, json={"parent_id": t["tB"]})
    assert moved.status_code == 200
    assert moved.json()["path"] == [t["city"], t["dB"], t["tB"], t["sA"]]
    # The class below the school and the child in it moved with it.
    klass = api.client.get(f"/v1/org-units/{t['cA']}", headers=api.admin).json()
    assert klass["path"] == [t["city"], t["dB"], t["tB"], t["sA"], t["cA"]]
    assert (
        api.client.get(
            f"/v1/children/{child['id']}", headers=api.auth(Role.DISTRICT_ADMIN, t["dB"])
        ).status_code
        == 200
    )
    assert (
        api.client.get(
            f"/v1/children/{child['id']}", headers=api.auth(Role.DISTRICT_ADMIN, t["dA"])
        ).status_code
        == 404
    )
    bad = api.client.post(f"/v1/org-units/{t['dA']}/move", headers=api.admin, json={"parent_id": t["tA"]})
    assert bad.status_code == 422
    sub = api.client.get(f"/v1/org-units/{t['dB']}/subtree", headers=api.admin).json()
    assert {u["id"] for u in sub} >= {t["dB"], t["tB"], t["sA"], t["cA"], t["sB"], t["cB"]}
    assert sub[0]["id"] == t["dB"]


def test_writes_outside_scope_are_404_and_wrong_roles_403(api: Any) -> None:
    t = api.tree()
    child_b = api.child(t["cB"])
    a_teacher = api.auth(Role.TEACHER, t["sA"])
    url = f"/v1/children/{child_b['id']}"
    assert (
        api.client.patch(url, headers={**a_teacher, "If-Match": '"v1"'}, json={"boarding": True}).status_code
        == 404
    )
    assert api.client.post(f"{url}/exit", headers=a_teacher, json={"reason": "x"}).status_code == 404
    assert api.client.get(f"{url}/history", headers=a_teacher).status_code == 404
    helper = api.auth(Role.HELPER, t["sB"])
    assert api.client.get(url, headers=helper).status_code == 404, "not paired with the child (as unknown)"
    assert api.client.get(f"{url}/history", headers=helper).status_code == 403
    own = api.child(t["cA"])
    r = api.client.post(
        f"/v1/children/{own['id']}/transfer", headers=a_teacher, json={"to_class_id": t["cB"]}
    )
    assert r.status_code == 404, "a teacher cannot move a child into another district's class"


def test_control_characters_are_a_422_not_a_database_error(api: Any) -> None:
    t = api.tree()
    r = api.client.post(
        "/v1/children",
        headers=api.admin,
        json={
            "name": "王\x00明",
            "gender": "男",
            "birth_date": "2016-03-01",
            "left_behind_type": "father",
            "class_id": t["cA"],
            "home_address": "村\x07口",
        },
    )
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"name", "home_address"}
    assert api.client.get("/v1/children", params={"q": "\x00"}, headers=api.admin).status_code == 422


def test_a_new_home_village_is_on_the_updated_event(api: Any) -> None:
    t = api.tree()
    child = api.child(t["cA"], home_village_id=t["vA"])
    etag = api.client.get(f"/v1/children/{child['id']}", headers=api.admin).headers["ETag"]
    r = api.client.patch(
        f"/v1/children/{child['id']}",
        headers={**api.admin, "If-Match": etag},
        json={"home_village_id": t["vB"]},
    )
    assert r.status_code == 200
    [updated] = [e for e in outbox(api) if e["type"] == "registry.child.updated.v1"]
    assert updated["data"]["fields"] == ["home_village_id"]
    assert updated["data"]["home_path"] == [t["city"], t["dB"], t["tB"], t["vB"]]
