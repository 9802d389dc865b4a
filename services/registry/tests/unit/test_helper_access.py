"""A helper (结对帮扶人) reads exactly their paired children, as the pairing service's events say."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from registry.adapters.orm import AuditRow, HelperAccessRow
from registry.bootstrap import consumers
from registry.domain.identity import id_check_char
from shouhu_contracts.pairing.v1 import PairingCreated, PairingEnded
from shouhu_contracts.pairing.vocabulary import HelperKind, PairingEndReason, PairingRole
from shouhu_kit.auth import Role
from shouhu_testkit.wiring import ConsumerHarness, bearer

pytestmark = pytest.mark.unit
AT = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
UNKNOWN = "5c1f2a7e-1d2b-4e8f-8a3c-9e0d7b6a5f41"


class Pairings:
    """The registry's API, its tree, and the pairing service's events fed through the registry's consumer."""

    def __init__(self, api: Any) -> None:
        self.api, self.client = api, api.client
        self.db = api.client.app.state.runtime.db
        self.t = api.tree()
        self.worker = ConsumerHarness(db=self.db, specs=consumers(api.settings), source="/shouhu/registry")

    def helper(self, account: str, unit: str = "sB") -> dict[str, str]:
        """A helper's token; their org unit is not what gives them access (another district here)."""
        return bearer(
            secret=self.api.settings.jwt_secret, role=Role.HELPER, org_id=self.t[unit], subject=account
        )

    def created(
        self, child: str, account: str, pairing: uuid.UUID | None = None, **extra: Any
    ) -> PairingCreated:
        return PairingCreated.example().model_copy(
            update={
                "pairing_id": pairing or uuid.uuid4(),
                "child_id": uuid.UUID(child),
                "helper_id": uuid.uuid5(uuid.NAMESPACE_URL, account),
                "helper_account": account,
                "created_at": AT,
                **extra,
            }
        )

    def ended(self, created: PairingCreated, at: datetime = AT + timedelta(days=30)) -> PairingEnded:
        facts = created.model_dump(exclude={"created_at", "suggested"})
        return PairingEnded(**facts, reason=PairingEndReason.REASSIGNED, ended_at=at)

    def pair(self, child: str, account: str) -> PairingCreated:
        event = self.created(child, account)
        self.worker.apply(event)
        return event

    def access(self) -> list[tuple[Any, ...]]:
        with self.db.sessions() as s:
            rows = s.scalars(select(HelperAccessRow).order_by(HelperAccessRow.pairing_id))
            return [
                (r.pairing_id, r.child_id, r.helper_account, r.active, r.created_at, r.ended_at) for r in rows
            ]

    def audits(self, actor: str) -> list[tuple[str, str, str, str | None]]:
        with self.db.sessions() as s:
            rows = s.scalars(select(AuditRow).where(AuditRow.actor == actor).order_by(AuditRow.id))
            return [(r.role, r.action, r.detail, str(r.child_id) if r.child_id else None) for r in rows]


@pytest.fixture
def p(api: Any) -> Pairings:
    return Pairings(api)


def test_a_paired_helper_reads_the_archive_phones_unmasked_id_masked_and_audited(p: Pairings) -> None:
    body = "41010220160301123"
    id_number = body + id_check_char(body)
    child = p.api.child(p.t["cA"], id_number=id_number)["id"]
    p.pair(child, "helper-li")
    r = p.client.get(f"/v1/children/{child}", headers=p.helper("helper-li"))
    assert r.status_code == 200, r.text
    card = r.json()
    assert card["guardian"]["phone"] == "+8613800138000"
    assert card["father"]["phone"] == "+8613900000001"
    assert card["mother"]["phone"] == "+8613900000002"
    assert card["id_number"] == id_number[:6] + "********" + id_number[-4:], "never the ID number"
    assert r.headers["ETag"] == '"v1"'
    assert p.audits("helper-li") == [("helper", "read_sensitive", "phones", child)]


def test_a_peer_student_buddy_never_reads_the_archive(p: Pairings) -> None:
    child = p.api.child(p.t["cA"])["id"]
    p.worker.apply(
        p.created(child, "pupil-wang", helper_kind=HelperKind.PEER_STUDENT, role=PairingRole.SECONDARY)
    )
    assert p.client.get(f"/v1/children/{child}", headers=p.helper("pupil-wang")).status_code == 404
    p.pair(child, "teacher-li")
    assert p.client.get(f"/v1/children/{child}", headers=p.helper("teacher-li")).status_code == 200


def test_a_paired_helper_reads_results_awards_and_health_checks_not_violations_or_notes(p: Pairings) -> None:
    child = p.api.child(p.t["cA"])["id"]
    base = f"/v1/children/{child}"
    admin = p.api.admin
    teacher = p.api.auth(Role.TEACHER, p.t["sA"])
    for method, path, body, who in (
        ("PUT", "/term-results/2025-2026-1", {"total_score": 300, "class_rank": 4}, admin),
        (
            "POST",
            "/awards",
            {"title": "三好学生", "school_year": "2025-2026", "awarded_on": "2026-06-30"},
            admin,
        ),
        ("POST", "/health-checks", {"checked_on": "2026-06-01", "height_cm": 132.5}, admin),
        ("POST", "/violations", {"occurred_on": "2026-04-02", "serious": True, "description": "打架"}, admin),
        (
            "POST",
            "/counselling-notes",
            {"noted_on": "2026-06-01", "counsellor": "张老师", "content": "想妈妈"},
            teacher,
        ),
    ):
        r = p.client.request(method, base + path, json=body, headers=who)
        assert r.status_code == 201, r.text
    p.pair(child, "helper-li")
    helper = p.helper("helper-li")
    assert [x["class_rank"] for x in p.client.get(f"{base}/term-results", headers=helper).json()] == [4]
    assert [x["title"] for x in p.client.get(f"{base}/awards", headers=helper).json()] == ["三好学生"]
    assert [x["height_cm"] for x in p.client.get(f"{base}/health-checks", headers=helper).json()] == [132.5]
    for refused in ("violations", "counselling-notes", "history"):
        r = p.client.get(f"{base}/{refused}", headers=helper)
        assert r.status_code == 403, refused
        assert "打架" not in r.text
        assert "想妈妈" not in r.text


def test_without_a_pairing_after_it_ended_or_for_another_helpers_child_it_is_404(p: Pairings) -> None:
    mine = p.api.child(p.t["cA"])["id"]
    theirs = p.api.child(p.t["cB"], name="李小花")["id"]
    helper = p.helper("helper-li")
    unknown = p.client.get(f"/v1/children/{UNKNOWN}", headers=helper)
    assert unknown.status_code == 404

    def refused(child: str) -> None:
        for path in ("", "/term-results", "/awards", "/health-checks"):
            r = p.client.get(f"/v1/children/{child}{path}", headers=helper)
            assert r.status_code == 404, (path, r.text)
            body = {k: v for k, v in r.json().items() if k != "instance"}
            if not path:  # exactly like a child that does not exist: no existence leak
                assert body == {k: v for k, v in unknown.json().items() if k != "instance"}

    refused(mine)
    created = p.pair(mine, "helper-li")
    p.pair(theirs, "helper-wang")
    assert p.client.get(f"/v1/children/{mine}", headers=helper).status_code == 200
    refused(theirs)
    p.worker.apply(p.ended(created))
    refused(mine)
    assert [a[3] for a in p.audits("helper-li")] == [mine], "only the one allowed read was audited"


def test_helpers_still_cannot_list_search_import_export_or_write(p: Pairings) -> None:
    child = p.api.child(p.t["cA"])["id"]
    p.pair(child, "helper-li")
    helper = p.helper("helper-li")
    base = f"/v1/children/{child}"
    award = {"title": "三好学生", "school_year": "2025-2026", "awarded_on": "2026-06-30"}
    for method, url, options in (
        ("GET", "/v1/children", {}),
        ("GET", "/v1/children", {"params": {"q": "王"}}),
        ("GET", "/v1/org-units", {}),
        ("GET", "/v1/rosters/children/export", {"params": {"unit_id": p.t["sA"]}}),
        (
            "POST",
            "/v1/rosters/children",
            {"params": {"unit_id": p.t["cA"]}, "files": {"file": ("a.csv", b"x")}},
        ),
        ("PATCH", base, {"json": {"boarding": True}, "headers": {**helper, "If-Match": '"v1"'}}),
        ("PUT", f"{base}/term-results/2025-2026-1", {"json": {"total_score": 1, "class_rank": 1}}),
        ("POST", f"{base}/exit", {"json": {"reason": "x"}}),
        ("POST", f"{base}/awards", {"json": award}),
    ):
        r = p.client.request(method, url, **{"headers": helper, **options})
        assert r.status_code == 403, (method, url, r.text)


def test_replayed_and_duplicate_events_change_nothing(p: Pairings) -> None:
    child = p.api.child(p.t["cA"])["id"]
    created = p.created(child, "helper-li")
    p.worker.apply(created, created)  # a redelivery under new event ids, as a republish would be
    once = p.access()
    assert [(r[2], r[3], r[4], r[5]) for r in once] == [("helper-li", True, AT, None)]
    ended = p.ended(created)
    p.worker.apply(ended)
    closed = p.access()
    assert [(r[3], r[5]) for r in closed] == [(False, AT + timedelta(days=30))]
    # The creation again, the end again, and a second end with another time: the first end stands.
    p.worker.apply(created, ended, p.ended(created, at=AT + timedelta(days=90)))
    p.worker.apply_as_one_poll(created, ended)
    assert p.access() == closed
    assert p.client.get(f"/v1/children/{child}", headers=p.helper("helper-li")).status_code == 404


def test_an_end_consumed_before_its_creation_keeps_the_pairing_closed(p: Pairings) -> None:
    child = p.api.child(p.t["cA"])["id"]
    created = p.created(child, "helper-li")
    p.worker.apply(p.ended(created))
    p.worker.apply(created)
    [row] = p.access()
    assert (row[3], row[4], row[5]) == (False, AT, AT + timedelta(days=30))
    assert p.client.get(f"/v1/children/{child}", headers=p.helper("helper-li")).status_code == 404
    assert p.client.get("/v1/my-children", headers=p.helper("helper-li")).json()["items"] == []
    # Both in one poll, end first, give the same.
    other = p.created(child, "helper-wang")
    p.worker.apply_as_one_poll(p.ended(other), other)
    assert p.client.get(f"/v1/children/{child}", headers=p.helper("helper-wang")).status_code == 404


def test_a_new_pairing_after_an_ended_one_opens_again(p: Pairings) -> None:
    child = p.api.child(p.t["cA"])["id"]
    first = p.pair(child, "helper-li")
    p.worker.apply(p.ended(first))
    p.pair(child, "helper-li")  # paired again later: a new pairing id
    assert p.client.get(f"/v1/children/{child}", headers=p.helper("helper-li")).status_code == 200


def test_my_children_lists_exactly_the_helpers_children_unmasked_and_audited(p: Pairings) -> None:
    a1 = p.api.child(p.t["cA"], name="张一")["id"]
    a2 = p.api.child(p.t["cB"], name="李二", guardian=None, mother=None, left_behind_type="father")["id"]
    gone = p.api.child(p.t["cA"], name="王三")["id"]
    other = p.api.child(p.t["cA"], name="赵四")["id"]
    p.pair(a1, "helper-li")
    p.pair(a2, "helper-li")
    p.worker.apply(p.ended(p.pair(gone, "helper-li")))
    p.pair(other, "helper-wang")
    p.pair(a1, "helper-wang")  # a child may have two helpers (a primary and a secondary)
    helper = p.helper("helper-li")
    r = p.client.get("/v1/my-children", headers=helper)
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["next_cursor"] is None
    assert [c["name"] for c in page["items"]] == sorted(["张一", "李二"])
    cards = {c["child_id"]: c for c in page["items"]}
    assert set(cards) == {a1, a2}
    one = cards[a1]
    assert (one["class_name"], one["school_name"], one["class_id"]) == ("三年级(1)班", "A小学", p.t["cA"])
    assert one["guardian"] == {"name": "王奶奶", "relation": "祖母", "phone": "+8613800138000"}
    assert one["father"] == {"name": "王大力", "phone": "+8613900000001", "work_city": "深圳"}
    assert one["mother"] == {"name": "李秀英", "phone": "+8613900000002", "work_city": "东莞"}
    assert "id_number" not in one
    two = cards[a2]
    assert (two["school_name"], two["guardian"], two["mother"]) == ("B小学", None, None)
    assert sorted(p.audits("helper-li")) == sorted(
        [("helper", "read_contact_card", "phones", a1), ("helper", "read_contact_card", "phones", a2)]
    )
    wang = p.client.get("/v1/my-children", headers=p.helper("helper-wang")).json()["items"]
    assert {c["child_id"] for c in wang} == {a1, other}
    assert p.client.get("/v1/my-children", headers=p.helper("nobody")).json() == {
        "items": [],
        "next_cursor": None,
    }


def test_my_children_pages_by_name_and_is_for_helpers_only(p: Pairings) -> None:
    names = ["甲", "乙", "丙"]
    for name in names:
        p.pair(p.api.child(p.t["cA"], name=name)["id"], "helper-li")
    helper = p.helper("helper-li")
    seen: list[str] = []
    cursor = None
    for _ in range(5):
        params: dict[str, Any] = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        page = p.client.get("/v1/my-children", params=params, headers=helper).json()
        seen += [c["name"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(names)
    assert p.client.get("/v1/my-children", params={"limit": 201}, headers=helper).status_code == 422
    bad = p.client.get("/v1/my-children", params={"cursor": "not-a-cursor"}, headers=helper)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "cursor"
    for role, unit in ((Role.TEACHER, "sA"), (Role.CITY_ADMIN, "city"), (Role.ADMIN, None)):
        r = p.client.get("/v1/my-children", headers=p.api.auth(role, p.t[unit] if unit else None))
        assert r.status_code == 403, role
    assert p.client.get("/v1/my-children").status_code == 401


def test_the_worker_consumes_the_pairings_topic(p: Pairings) -> None:
    [spec] = consumers(p.api.settings)
    assert list(spec.topics) == ["pairing.pairings"]
    assert set(spec.handlers) == {PairingCreated.event_type, PairingEnded.event_type}
