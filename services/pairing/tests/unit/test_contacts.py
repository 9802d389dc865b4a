"""Contact logs: what they meet (month ends in Beijing, backdated, corrected), limits, scope, notes."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from obligation_fixtures import CORRECTED, LOGGED, MET, MISSED, MONTHLY, Town, china, windows
from sqlalchemy import func, select

from pairing.adapters.orm import AuditRow, ObligationWindow
from shouhu_contracts.pairing.vocabulary import HelperKind
from shouhu_kit.auth import Role
from shouhu_kit.clock import CHINA_TZ

pytestmark = pytest.mark.unit


def _starts(refs: list[dict[str, Any]], duty: str = MONTHLY) -> list[str]:
    return [
        datetime.fromisoformat(r["window_start"]).astimezone(CHINA_TZ).date().isoformat()
        for r in refs
        if r["duty"] == duty
    ]


@pytest.fixture
def paired(town: Any) -> tuple[Town, uuid.UUID, uuid.UUID]:
    """A child of class cA1 (school sA1) paired with a teacher of sA1, on 10 March 2027."""
    t: Town = town(china(2027, 3, 10, 9, 0))
    child, helper = t.child(), t.helper()
    t.pair(child, helper)
    return t, child, helper


def test_a_call_late_on_31_march_in_beijing_meets_march_and_one_after_midnight_april(paired: Any) -> None:
    t, child, helper = paired
    me = t.as_helper(helper)
    t.at(china(2027, 3, 31, 23, 40))
    late = t.log(me, child, china(2027, 3, 31, 23, 30))  # UTC says 15:30 on the 31st
    assert late.status_code == 201, late.text
    assert _starts(late.json()["met"]) == ["2027-03-01"]
    t.at(china(2027, 4, 1, 0, 40))
    t.close()
    early = t.log(me, child, china(2027, 4, 1, 0, 30))  # UTC still says 31 March, 16:30
    assert _starts(early.json()["met"]) == ["2027-04-01"]
    assert windows(t.events(MISSED), MONTHLY) == []
    logged = t.events(LOGGED)
    assert [_starts(e["data"]["met"]) for e in logged] == [["2027-03-01"], ["2027-04-01"]]
    assert [e["data"]["late"] for e in t.events(MET) if e["data"]["duty"] == MONTHLY] == [False, False]
    assert t.validate_events() > 0


def test_a_backdated_log_meets_a_closed_missed_window_late(paired: Any) -> None:
    t, child, helper = paired
    t.at(china(2027, 4, 2, 10))
    t.close()
    assert windows(t.events(MISSED), MONTHLY) == [("2027-03-01", MONTHLY)]
    r = t.log(t.as_helper(helper), child, china(2027, 3, 28, 15), duration_minutes=20)
    assert r.status_code == 201, r.text
    assert _starts(r.json()["met"]) == ["2027-03-01"]
    (met,) = [e["data"] for e in t.events(MET) if e["data"]["duty"] == MONTHLY]
    assert met["late"] is True
    assert met["log_id"] == r.json()["id"]
    with t.db.sessions() as s:
        march = s.scalars(select(ObligationWindow).where(ObligationWindow.duty == MONTHLY)).one()
        assert march.met
        assert str(march.met_by_log_id) == r.json()["id"]
    t.validate_events()


def test_no_future_and_no_further_back_than_the_citys_limit(paired: Any) -> None:
    t, child, helper = paired
    me = t.as_helper(helper)
    t.at(china(2027, 4, 20, 9))
    future = t.log(me, child, china(2027, 4, 20, 9, 5))
    assert future.status_code == 422
    assert future.json()["errors"][0]["field"] == "occurred_at"
    assert "晚于" in future.json()["errors"][0]["message"]
    too_old = t.log(me, child, china(2027, 3, 19, 23, 59))  # 32 days back in Beijing (limit: 31)
    assert too_old.status_code == 422
    err = too_old.json()["errors"][0]
    assert err["field"] == "occurred_at"
    assert "31" in err["message"]
    assert "31" in err["message_en"]
    assert t.log(me, child, china(2027, 3, 20, 0, 0)).status_code == 201
    naive = t.log(me, child, china(2027, 4, 1).replace(tzinfo=None))
    assert naive.status_code == 422
    assert naive.json()["errors"][0]["field"] == "occurred_at"
    assert t.events(LOGGED).__len__() == 1


def test_a_correction_moves_a_log_out_of_one_window_and_into_another(paired: Any) -> None:
    t, child, helper = paired
    me = t.as_helper(helper)
    t.at(china(2027, 3, 25))
    log = t.log(me, child, china(2027, 3, 20, 10)).json()
    t.at(china(2027, 4, 2, 12))
    t.close()
    assert windows(t.events(MISSED), MONTHLY) == []  # March was met
    url = f"/v1/contacts/{log['id']}"
    assert t.client.patch(url, headers=me, json={"duration_minutes": 5}).status_code == 428
    stale = t.client.patch(url, headers={**me, "If-Match": '"v9"'}, json={"duration_minutes": 5})
    assert stale.status_code == 412
    assert t.client.patch(url, headers={**me, "If-Match": "nonsense"}, json={}).status_code == 422
    etag = t.client.get(url, headers=me).headers["ETag"]
    assert etag == '"v1"'
    moved = t.client.patch(
        url,
        headers={**me, "If-Match": etag},
        json={"occurred_at": china(2027, 4, 1, 10).isoformat(), "reason": "日期记错"},
    )
    assert moved.status_code == 200, moved.text
    assert moved.headers["ETag"] == '"v2"'
    assert _starts(moved.json()["met"]) == ["2027-04-01"]
    (corrected,) = t.events(CORRECTED)
    assert _starts(corrected["data"]["met"]) == ["2027-04-01"]
    assert _starts(corrected["data"]["unmet"]) == ["2027-03-01"]
    assert corrected["data"]["fields"] == ["occurred_at"]
    assert corrected["data"]["version"] == 2
    # March, closed and now unmet, is announced missed (alerts opens its task from that alone).
    assert windows(t.events(MISSED), MONTHLY) == [("2027-03-01", MONTHLY)]
    with t.db.sessions() as s:
        march = s.scalars(select(ObligationWindow).where(ObligationWindow.duty == MONTHLY)).one()
        assert (march.met, march.met_by_log_id) == (False, None)
    history = t.client.get(f"{url}/history", headers=me).json()
    assert [h["version"] for h in history] == [2]
    old, new = history[0]["changes"]["occurred_at"]
    assert (old[:10], new[:10]) == ("2027-03-20", "2027-04-01")
    assert history[0]["reason"] == "日期记错"
    null = t.client.patch(url, headers={**me, "If-Match": '"v2"'}, json={"kind": None})
    assert null.status_code == 422
    assert null.json()["errors"][0]["field"] == "kind"
    t.validate_events()


def test_the_class_teacher_and_the_school_meet_their_own_duties(paired: Any) -> None:
    t, child, _ = paired
    ct = t.helper("sA1", HelperKind.CLASS_TEACHER)
    t.class_teacher("cA1", ct)
    colleague = t.helper("sA1", HelperKind.TEACHER)
    talk = t.log(
        t.token(Role.TEACHER, "sA1", t.account(ct)), child, china(2027, 3, 10, 8), kind="heart_to_heart"
    )
    assert talk.status_code == 201, talk.text
    assert [m["duty"] for m in talk.json()["met"]] == ["class_teacher_talk_monthly"]
    as_colleague = t.token(Role.TEACHER, "sA1", t.account(colleague))
    family = t.log(as_colleague, child, china(2027, 3, 9), counterpart="family")
    assert [m["duty"] for m in family.json()["met"]] == ["school_family_talk_half_monthly"]
    # The colleague's heart-to-heart talk is not the class teacher's.
    other = t.log(as_colleague, child, china(2027, 3, 9), kind="heart_to_heart")
    assert other.json()["met"] == []
    # A school head logs for a teacher of the school, naming them.
    head = t.token(Role.SCHOOL_ADMIN, "sA1")
    assert t.log(head, child, china(2027, 3, 9), helper_id=str(colleague)).status_code == 201
    assert (
        t.log(head, child, china(2027, 3, 9)).json()["errors"][0]["field"] == "helper_id"
    )  # no helper of theirs
    t.validate_events()


def test_scope_of_logging_and_reading(paired: Any) -> None:
    t, child, helper = paired
    other_child = t.child("cB")
    stranger = t.helper("sB")
    t.pair(other_child, stranger)
    mine = t.log(t.as_helper(helper), child, china(2027, 3, 9)).json()
    them = t.as_helper(stranger, "sB")
    assert t.log(them, child, china(2027, 3, 9)).status_code == 404  # another helper's child
    assert t.client.get(f"/v1/contacts/{mine['id']}", headers=them).status_code == 404
    assert t.client.get(f"/v1/contacts?child_id={child}", headers=them).status_code == 404
    assert t.client.get(f"/v1/contacts?helper_id={helper}", headers=them).status_code == 404
    as_other = t.log(t.as_helper(helper), child, china(2027, 3, 9), helper_id=str(stranger))
    assert as_other.status_code == 403  # a helper logs only as themselves
    assert t.log(t.token(Role.OPS, "city"), child, china(2027, 3, 9)).status_code == 403
    assert t.client.get(f"/v1/contacts/{mine['id']}", headers=t.token(Role.OPS, "city")).status_code == 403
    assert t.client.post("/v1/contacts", json={}).status_code == 401
    assert t.client.get(f"/v1/contacts/{mine['id']}").status_code == 401
    assert t.client.get(f"/v1/contacts/{mine['id']}", headers=t.token(Role.TEACHER, "sB")).status_code == 404
    assert (
        t.client.get(f"/v1/contacts/{mine['id']}", headers=t.token(Role.DISTRICT_ADMIN, "dB")).status_code
        == 404
    )
    for role, unit in ((Role.DISTRICT_ADMIN, "dA"), (Role.TOWNSHIP_ADMIN, "tA"), (Role.TEACHER, "sA1")):
        page = t.client.get(f"/v1/contacts?child_id={child}", headers=t.token(role, unit)).json()
        assert [i["id"] for i in page["items"]] == [mine["id"]], role
    assert t.client.get("/v1/contacts", headers=t.token(Role.ADMIN)).status_code == 422
    assert (
        t.client.get(f"/v1/contacts?child_id={uuid.uuid4()}", headers=t.token(Role.ADMIN)).status_code == 404
    )


def test_pages_run_newest_first_by_keyset(paired: Any) -> None:
    t, child, helper = paired
    me = t.as_helper(helper)
    ids = [t.log(me, child, china(2027, 3, 1) + timedelta(hours=h)).json()["id"] for h in range(5)]
    seen: list[str] = []
    cursor = None
    while True:
        query = f"/v1/contacts?child_id={child}&limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = t.client.get(query, headers=me).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ids[::-1]
    assert t.client.get(f"/v1/contacts?child_id={child}&cursor=xyz", headers=me).status_code == 422


def _audits(t: Town) -> int:
    with t.db.sessions() as s:
        query = select(func.count()).select_from(AuditRow).where(AuditRow.action == "read_contact_notes")
        return int(s.scalar(query) or 0)


def test_notes_are_masked_by_role_and_every_read_is_audited(paired: Any) -> None:
    t, child, helper = paired
    me = t.as_helper(helper)
    log = t.log(me, child, china(2027, 3, 9), notes="孩子最近情绪低落，想念妈妈").json()
    assert log["notes"] == "孩子最近情绪低落，想念妈妈"  # the writer sees what they wrote
    before = _audits(t)
    url = f"/v1/contacts/{log['id']}"
    assert t.client.get(url, headers=me).json()["notes"] is not None
    teacher = t.client.get(url, headers=t.token(Role.TEACHER, "sA1", "t1")).json()
    assert (teacher["notes"], teacher["notes_masked"]) == ("孩子最近情绪低落，想念妈妈", False)
    assert _audits(t) == before + 2
    for role, unit in ((Role.DISTRICT_ADMIN, "dA"), (Role.TOWNSHIP_ADMIN, "tA"), (Role.ADMIN, None)):
        masked = t.client.get(url, headers=t.token(role, unit)).json()
        assert (masked["notes"], masked["notes_masked"]) == (None, True), role
    assert _audits(t) == before + 2  # a masked read reads nothing
    with t.db.sessions() as s:
        row = s.scalars(select(AuditRow).order_by(AuditRow.id.desc())).first()
        assert row is not None
        assert (row.actor, row.role, str(row.child_id)) == ("t1", "teacher", str(child))
    t.client.patch(url, headers={**me, "If-Match": '"v1"'}, json={"notes": "已与妈妈视频"})
    hist = t.client.get(f"{url}/history", headers=t.token(Role.DISTRICT_ADMIN, "dA")).json()
    assert hist[0]["changes"]["notes"] == [None, None]
    hist = t.client.get(f"{url}/history", headers=t.token(Role.SCHOOL_ADMIN, "sA1")).json()
    assert hist[0]["changes"]["notes"] == ["孩子最近情绪低落，想念妈妈", "已与妈妈视频"]
    events = t.events()
    assert all("情绪" not in str(e) and "视频" not in str(e) for e in events)  # notes never go on the bus


def test_a_log_made_while_the_closing_job_was_away_meets_its_window_when_it_opens(paired: Any) -> None:
    t, child, helper = paired
    t.at(china(2027, 4, 3))  # the worker is down: March is still the current window
    r = t.log(t.as_helper(helper), child, china(2027, 4, 2, 18))
    assert _starts(r.json()["met"]) == []
    t.close()
    april = [e["data"] for e in t.events(MET) if e["data"]["duty"] == MONTHLY]
    assert [(a["log_id"], a["late"]) for a in april] == [(r.json()["id"], False)]
    assert _starts(
        t.client.get(f"/v1/contacts/{r.json()['id']}", headers=t.as_helper(helper)).json()["met"]
    ) == ["2027-04-01"]
    assert windows(t.events(MISSED), MONTHLY) == [("2027-03-01", MONTHLY)]
