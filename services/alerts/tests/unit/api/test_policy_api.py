"""The city's alert policy through the API: read (with each rule's names), change, versions."""

from __future__ import annotations

from typing import Any

import pytest

from alerts.service_layer import tasks
from shouhu_contracts.alerts.tasks import AlertRule
from shouhu_kit.auth import Role
from shouhu_kit.city_policy import Version

pytestmark = pytest.mark.unit


def test_the_default_policy_names_every_rule_in_chinese_and_english(api: Any) -> None:
    got = api.get("/v1/policy", api.headers(Role.TEACHER, "K1"))
    assert got.status_code == 200, got.text
    body = got.json()
    assert (body["city_id"], body["version"], body["created_by"]) == (str(api.u["C"]), 0, None)
    rules = {r["rule"]: r for r in body["rules"]}
    assert len(rules) == 10
    assert (rules["contact_missed"]["name"], rules["contact_missed"]["name_en"]) == (
        "未按时联系",
        "Contact missed",
    )
    assert rules["dropped_out"]["name"] == "辍学"
    assert body["policy"]["not_paired_days"] == 14
    assert api.get("/v1/policy", api.headers(Role.HELPER, "S1")).status_code == 200
    assert api.get("/v1/policy", api.headers(Role.OPS, "C")).status_code == 403
    assert api.get("/v1/policy", api.headers(Role.ADMIN)).status_code == 422  # which city?
    assert api.get("/v1/policy", api.headers(Role.ADMIN), city_id=str(api.u["D1"])).status_code == 404


def test_a_city_admin_writes_a_new_version_that_rules_then_use(api: Any) -> None:
    city = api.headers(Role.CITY_ADMIN, "C", subject="city-sun")
    policy = api.get("/v1/policy", city).json()["policy"]
    policy["not_paired_days"] = 21
    policy["rules"]["grade_drop"] = {"enabled": False, "due_days": 10}
    put = api.client.put("/v1/policy", headers=city, json={"policy": policy, "note": "暑期调整"})
    assert put.status_code == 200, put.text
    assert (put.json()["version"], put.json()["created_by"], put.json()["note"]) == (
        1,
        "city-sun",
        "暑期调整",
    )
    grade = next(r for r in put.json()["rules"] if r["rule"] == "grade_drop")
    assert (grade["enabled"], grade["due_days"]) == (False, 10)
    now = api.get("/v1/policy", api.headers(Role.TEACHER, "K4")).json()
    assert (now["version"], now["policy"]["not_paired_days"]) == (1, 21)
    assert api.task_or_none(api.child("K1"), AlertRule.GRADE_DROP) is None  # the rule is off now
    versions = api.get("/v1/policy/versions", api.headers(Role.DISTRICT_ADMIN, "D2"))
    assert [v["version"] for v in versions.json()] == [1]
    assert api.get("/v1/policy/versions", api.headers(Role.HELPER, "S1")).status_code == 403
    for role, unit in ((Role.DISTRICT_ADMIN, "D1"), (Role.TEACHER, "K1"), (Role.HELPER, "S1")):
        refused = api.client.put("/v1/policy", headers=api.headers(role, unit), json={"policy": policy})
        assert refused.status_code == 403


@pytest.mark.parametrize(
    "change",
    [
        {"not_paired_days": 0},
        {"grade_drop_total_share": 1.5},
        {"rules": {"no_such_rule": {"enabled": True}}},
        {"ladder": []},
        {"surprise": 1},
    ],
)
def test_a_bad_policy_is_422_naming_the_field(api: Any, change: dict[str, Any]) -> None:
    city = api.headers(Role.CITY_ADMIN, "C")
    policy = api.get("/v1/policy", city).json()["policy"] | change
    got = api.client.put("/v1/policy", headers=city, json={"policy": policy})
    assert got.status_code == 422, got.text
    assert got.json()["errors"][0]["field"].startswith("policy")
    assert api.get("/v1/policy", city).json()["version"] == 0


def test_a_concurrent_write_is_409(api: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    city = api.headers(Role.CITY_ADMIN, "C")
    policy = api.get("/v1/policy", city).json()["policy"]
    assert api.client.put("/v1/policy", headers=city, json={"policy": policy}).status_code == 200
    # The other writer read version 0 just before this one committed version 1.
    real = tasks.POLICIES.newest
    monkeypatch.setattr(tasks.POLICIES, "newest", lambda s, c: Version(c, 0, real(s, c).policy))
    got = api.client.put("/v1/policy", headers=city, json={"policy": policy})
    assert got.status_code == 409, got.text
    assert got.json()["title_en"] == "Conflict"
