"""A helper's own view: my record, my children with what I owe each, my logs; a child's obligations."""

from __future__ import annotations

from typing import Any

import pytest
from obligation_fixtures import MONTHLY, Town, china

from shouhu_contracts.pairing.vocabulary import HelperKind, PairingRole
from shouhu_kit.auth import Role

pytestmark = pytest.mark.unit


def test_me_is_my_helper_record_and_404_for_anyone_else(town: Any) -> None:
    t: Town = town()
    helper = t.helper()
    me = t.client.get("/v1/me", headers=t.as_helper(helper))
    assert me.status_code == 200
    assert (me.json()["id"], me.json()["kind"], me.json()["caseload"]) == (str(helper), "teacher", 0)
    assert t.client.get("/v1/me", headers=t.token(Role.HELPER, "sA1", "nobody")).status_code == 404
    assert t.client.get("/v1/me", headers=t.token(Role.OPS, "city")).status_code == 403
    assert t.client.get("/v1/me").status_code == 401


def test_my_children_show_each_obligation_met_or_due_with_its_window_in_beijing(town: Any) -> None:
    t: Town = town(china(2027, 3, 28, 9))
    helper = t.helper()
    child, buddy_child = t.child(name="张小明"), t.child(name="李小红")
    t.pair(child, helper)
    t.pair(buddy_child, helper, PairingRole.SECONDARY)
    t.pair(t.child("cA1", name="别人"), t.helper())  # someone else's child
    me = t.as_helper(helper)
    t.log(me, child, china(2027, 3, 27, 20))
    mine = t.client.get("/v1/me/children", headers=me).json()
    assert [(c["name"], c["my_role"]) for c in mine] == [("张小明", "primary"), ("李小红", "secondary")]
    first = mine[0]
    assert (first["class_name"], first["left_behind_type"], first["has_guardian"]) == (
        "cA1",
        "both_parents",
        True,
    )
    duties = {o["duty"]: o for o in first["obligations"]}
    assert set(duties) == {
        "helper_contact_monthly",
        "helper_home_visit_half_yearly",
        "helper_parent_feedback_monthly",
    }
    monthly = duties[MONTHLY]
    assert (monthly["first_day"], monthly["last_day"]) == ("2027-03-01", "2027-03-31")
    assert monthly["met"] is True
    assert monthly["days_left"] == 4  # 28, 29, 30 and 31 March
    assert monthly["duty_name"] == "帮扶人每月联系儿童一次"
    assert monthly["duty_name_en"] == "Helper contacts the child monthly"
    feedback = duties["helper_parent_feedback_monthly"]
    assert (feedback["met"], feedback["met_at"]) == (False, None)
    assert mine[1]["obligations"] == []  # a secondary helper owes no duty of the primary's
    contacts = t.client.get("/v1/me/contacts", headers=me).json()
    assert [c["child_id"] for c in contacts["items"]] == [str(child)]
    assert t.client.get("/v1/me/children", headers=t.token(Role.HELPER, "sA1", "nobody")).status_code == 404


def test_a_class_teacher_sees_the_class_teachers_duties_of_their_own_children(town: Any) -> None:
    t: Town = town(china(2027, 3, 28, 9))
    ct = t.helper("sA1", HelperKind.CLASS_TEACHER)
    t.class_teacher("cA1", ct)
    child = t.child()
    t.pair(child, ct)
    (mine,) = t.client.get("/v1/me/children", headers=t.as_helper(ct)).json()
    responsible = {o["responsible"] for o in mine["obligations"]}
    assert responsible == {"primary_helper", "class_teacher"}  # the school's are the school's


def test_staff_in_scope_read_a_childs_current_and_closed_windows(town: Any) -> None:
    t: Town = town(china(2027, 1, 20, 9))
    helper = t.helper()
    child = t.child()
    t.pair(child, helper)
    t.at(china(2027, 3, 5))
    t.log(t.as_helper(helper), child, china(2027, 2, 10))  # backdated into February, before it closed
    t.close()
    url = f"/v1/children/{child}/obligations"
    body = t.client.get(url, headers=t.token(Role.TEACHER, "sA1")).json()
    assert len(body["current"]) == 8
    closed = [(w["first_day"], w["met"]) for w in body["closed"] if w["duty"] == MONTHLY]
    assert closed == [("2027-02-01", True), ("2027-01-01", False)]  # newest first
    limited = t.client.get(f"{url}?closed=1", headers=t.token(Role.DISTRICT_ADMIN, "dA")).json()
    assert len(limited["closed"]) == 1
    assert t.client.get(url, headers=t.token(Role.TEACHER, "sB")).status_code == 404
    assert t.client.get(url, headers=t.as_helper(helper)).status_code == 403
    assert t.client.get(url, headers=t.token(Role.OPS, "city")).status_code == 403
