"""The rules on a child's facts (监护、成绩、违纪、退出), the risk they make, and the risk API."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from alerts.adapters.orm import AlertPolicyVersion, ChildRisk
from alerts.domain.policy import AlertPolicy
from shouhu_contracts.alerts.tasks import TaskCancelled, TaskResolved
from shouhu_contracts.alerts.v1 import RiskLevelChanged
from shouhu_contracts.org import GuardianshipRating
from shouhu_contracts.registry.v1 import ChildExited, GuardianChanged, TermResultRecorded, ViolationRecorded
from shouhu_kit.auth import Role

pytestmark = pytest.mark.unit
T1, T2, T3 = "2025-2026-1", "2025-2026-2", "2026-2027-1"


def register(city: Any, klass: str = "cA1", **facts: Any) -> uuid.UUID:
    """A child registered with these facts (the world's defaults otherwise), fed to alerts."""
    world = city.world
    child = world.register(city.t[klass])
    world.published[-1] = world.published[-1].model_copy(update=facts)
    world.kids[child].has_guardian = facts.get("has_guardian", True)
    city.feed()
    return child


def result(city: Any, child: uuid.UUID, term: str, total: float, rank: int, **more: Any) -> None:
    path = city.world.path(city.world.kids[child].class_id)
    data = {"child_id": child, "term": term, "total_score": total, "class_rank": rank, "org_path": path}
    city.apply(TermResultRecorded.example().model_copy(update=data | more))


def policy(city: Any, **settings: Any) -> None:
    """The city's own alert policy, version 1."""
    document = AlertPolicy(**settings).model_dump(mode="json")
    with city.db.sessions.begin() as s:
        s.add(
            AlertPolicyVersion(
                city_id=city.t["city"],
                version=1,
                document=document,
                created_at=city.clock.now(),
                created_by="t",
            )
        )


def rules(city: Any, child: uuid.UUID) -> list[tuple[str, str]]:
    return [(t.reason, t.status) for t in city.rows(child)]


# --- grades ---------------------------------------------------------------------------------------
def test_a_drop_over_the_citys_threshold_opens_a_task_and_one_under_it_does_not(city: Any) -> None:
    policy(city, grade_drop_rank_places=3)
    over, under = register(city), register(city)
    result(city, over, T1, 300, 5)
    result(city, over, T2, 300, 8)  # 3 places: the city's threshold (the default 10 would not)
    result(city, under, T1, 300, 5)
    result(city, under, T2, 300, 7)
    [task] = city.rows(over)
    assert (task.reason, task.cause_key, task.assignee_role) == ("grade_drop", f"{T1}>{T2}", "class_teacher")
    assert task.detail_en == f"{T1} → {T2}: class rank down 3 places (5 → 8)"
    assert city.rows(under) == []
    assert city.risks()[over][0] == "medium"
    city.validate_events()


def test_failing_subjects_open_a_grade_drop(city: Any) -> None:
    child = register(city)
    result(city, child, T1, 300, 5)
    result(city, child, T2, 300, 5, subjects={"语文": 58, "数学": 45, "英语": 88})
    [task] = city.rows(child)
    assert task.detail.endswith("2科不及格（数学、语文）")


def test_the_next_terms_recovery_clears_the_drop(city: Any) -> None:
    child = register(city)
    result(city, child, T1, 300, 5)
    result(city, child, T2, 240, 20)
    result(city, child, T3, 300, 6)
    [task] = city.rows(child)
    assert (task.status, task.resolution) == ("resolved", "cause_cleared")
    assert task.resolution_note.startswith("下一学期成绩已回升")
    assert city.of(TaskResolved.event_type)[0]["data"]["note"] == task.resolution_note
    assert city.risks()[child] == ("low", [])
    city.validate_events()


def test_a_next_term_still_far_below_keeps_the_drop_open(city: Any) -> None:
    child = register(city)
    result(city, child, T1, 300, 5)
    result(city, child, T2, 240, 20)
    result(city, child, T3, 250, 18)  # no new drop, but 13 places below the first term
    assert rules(city, child) == [("grade_drop", "open")]


# --- guardianship ---------------------------------------------------------------------------------
def test_a_child_without_a_guardian_is_high_risk_at_once(city: Any) -> None:
    child = register(city, has_guardian=False, guardian_rating=None)
    assert rules(city, child) == [("no_guardian", "open")]
    [task] = city.rows(child)
    assert task.assignee_role in ("village_director", "township_supervisor", "district_office")
    [changed] = city.of(RiskLevelChanged.event_type)
    assert changed["data"]["level"] == "high"
    assert changed["data"]["previous_level"] is None
    assert [r["code"] for r in changed["data"]["reasons"]] == ["no_guardian"]
    city.validate_events()


def test_a_guardian_recorded_clears_the_task_and_lowers_the_risk(city: Any) -> None:
    child = register(city, has_guardian=False, guardian_rating=None)
    city.world.update(child, has_guardian=True)
    city.feed()
    [task] = city.rows(child)
    assert (task.status, task.resolution) == ("resolved", "cause_cleared")
    assert task.resolution_note.startswith("已登记监护人")
    changes = city.of(RiskLevelChanged.event_type)
    assert [(c["data"]["previous_level"], c["data"]["level"]) for c in changes] == [
        (None, "high"),
        ("high", "low"),
    ]
    assert city.risks()[child] == ("low", [])
    city.validate_events()


def test_an_old_guardian_and_a_poor_rating_each_open_a_task_until_fixed(city: Any) -> None:
    child = register(city, guardian_age=80, guardian_rating=GuardianshipRating.POOR)
    assert sorted(rules(city, child)) == [("guardian_unfit", "open"), ("guardianship_poor", "open")]
    assert city.risks()[child][0] == "medium"
    path = city.world.path(city.t["cA1"])
    younger = {
        "child_id": child,
        "org_path": path,
        "guardian_age": 45,
        "guardian_rating": GuardianshipRating.FAIR,
    }
    city.apply(GuardianChanged.example().model_copy(update=younger))
    assert sorted(rules(city, child)) == [("guardian_unfit", "resolved"), ("guardianship_poor", "resolved")]
    assert city.risks()[child] == ("low", [])


def test_the_citys_age_limit_decides(city: Any) -> None:
    policy(city, guardian_max_age=85)
    child = register(city, guardian_age=80)
    assert rules(city, child) == []


# --- violations and exits ---------------------------------------------------------------------------
def test_a_serious_violation_opens_a_task_and_a_minor_one_does_not(city: Any) -> None:
    child = register(city)
    path = city.world.path(city.t["cA1"])
    serious = ViolationRecorded.example().model_copy(update={"child_id": child, "org_path": path})
    minor = serious.model_copy(update={"violation_id": uuid.uuid4(), "serious": False})
    city.apply(serious, serious, minor)
    [task] = city.rows(child)
    assert (task.reason, task.cause_key) == ("serious_violation", f"2026-04-02:{serious.violation_id}")
    assert city.risks()[child][0] == "high"
    city.validate_events()
    admin = city.token(Role.ADMIN, None)
    got = city.client.get(f"/v1/tasks/{task.id}", headers=admin)
    done = city.client.post(
        f"/v1/tasks/{task.id}/resolve",
        headers={**admin, "If-Match": got.headers["ETag"]},
        json={"note": "已制定个别教育管理方案"},
    )
    assert done.status_code == 200, done.text
    assert city.risks()[child][0] == "low"  # resolved by a person: the risk it made goes too


def test_an_exit_cancels_live_tasks(city: Any) -> None:
    child = register(city, has_guardian=False, guardian_rating=None)
    result(city, child, T1, 300, 5)
    result(city, child, T2, 200, 25)
    city.world.exit(child)
    city.feed()
    assert sorted(rules(city, child)) == [("grade_drop", "cancelled"), ("no_guardian", "cancelled")]
    assert len(city.of(TaskCancelled.event_type)) == 2
    assert city.risks()[child] == ("low", [])
    result(city, child, T3, 100, 40)  # while out: no task
    assert all(status == "cancelled" for _, status in rules(city, child))
    city.validate_events()


def test_a_child_who_left_school_gets_a_task_for_the_village(city: Any) -> None:
    child = register(city)
    path = city.world.path(city.t["cA1"])
    exited = ChildExited.example().model_copy(
        update={"child_id": child, "org_path": path, "reason": "辍学外出", "exit_kind": "dropped_out"}
    )
    city.apply(exited)
    [task] = city.rows(child)
    assert (task.reason, task.status) == ("dropped_out", "open")
    assert city.copy(child).status == "exited"
    assert city.risks()[child][0] == "high"  # out of the programme, but left school: still high


# --- the API --------------------------------------------------------------------------------------
def test_a_childs_risk_shows_its_reasons_and_open_tasks_in_scope_only(city: Any) -> None:
    child = register(city, has_guardian=False, guardian_rating=None)
    url = f"/v1/children/{child}/risk"
    got = city.client.get(url, headers=city.token(Role.SCHOOL_ADMIN, "sA1"))
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["level"] == "high"
    assert body["reasons"] == [
        {"dimension": "guardianship", "code": "no_guardian", "text": "无监护人", "text_en": "No guardian"}
    ]
    [task] = body["open_tasks"]
    assert (task["rule"], task["rule_name"], task["overdue"]) == ("no_guardian", "无人监护", False)
    assert city.client.get(url, headers=city.token(Role.SCHOOL_ADMIN, "sB")).status_code == 404
    assert (
        city.client.get(f"/v1/children/{uuid.uuid4()}/risk", headers=city.token(Role.ADMIN, None)).status_code
        == 404
    )
    assert city.client.get(url, headers=city.token(Role.OPS, "sA1")).status_code == 403
    assert city.client.get(url).status_code == 401


def test_a_child_never_at_risk_reads_low(city: Any) -> None:
    child = register(city)
    body = city.client.get(f"/v1/children/{child}/risk", headers=city.token(Role.TEACHER, "cA1")).json()
    assert (body["level"], body["reasons"], body["open_tasks"], body["changed_at"]) == ("low", [], [], None)


# --- attendance -----------------------------------------------------------------------------------
def test_a_month_or_a_term_at_ten_percent_absent_opens_chronic_absence_and_a_correction_closes_it(
    city: Any,
) -> None:
    child = register(city)
    world = city.world
    world.attendance(child, "2026-09", 20, 1)  # 5%: nothing
    city.feed()
    assert rules(city, child) == []
    world.attendance(child, "2026-10", 20, 2)  # 10% this month; the term so far 3/40 = 7.5%
    city.feed()
    assert [(t.cause_key, t.status) for t in city.rows(child)] == [("month:2026-10", "open")]
    world.attendance(child, "2026-11", 20, 1)  # 5%; the term 4/60 = 6.7%: still only October's
    city.feed()
    assert len(city.rows(child)) == 1
    world.attendance(child, "2026-11", 20, 3)  # corrected to 15%: November, and the term 6/60 = 10%
    city.feed()
    keys = sorted((t.cause_key, t.status) for t in city.rows(child))
    assert keys == [("month:2026-10", "open"), ("month:2026-11", "open"), ("term:2026-2027-1", "open")]
    world.attendance(child, "2026-10", 20, 0)  # October corrected: its task closes, the term's too
    city.feed()
    keys = sorted((t.cause_key, t.status) for t in city.rows(child))
    assert keys == [
        ("month:2026-10", "resolved"),
        ("month:2026-11", "open"),
        ("term:2026-2027-1", "resolved"),
    ]
    with city.db.sessions() as s:
        risk = s.get(ChildRisk, child)
    assert risk is not None
    assert risk.level == "medium"
    assert [r["code"] for r in risk.reasons if r["dimension"] == "schooling"] == ["chronic_absence"]
