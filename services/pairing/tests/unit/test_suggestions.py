"""Match suggestions through the API, on SQLite and PostgreSQL: scope, order, reach, accept in bulk
(pairings and their events), stale proposals, decline, and the one-child run of a transfer."""

from __future__ import annotations

import importlib.util
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from pairing.adapters.orm import ChildToPair, Helper, Pairing, Suggestion, SuggestionRun
from pairing.domain.rules import Refusal
from pairing.service_layer import pairings, suggestions
from shouhu_contracts.org import LeftBehindType
from shouhu_contracts.pairing.vocabulary import PairingRole
from shouhu_kit.auth import Role

_spec = importlib.util.spec_from_file_location(
    "suggestion_fixtures", Path(__file__).with_name("suggestion_fixtures.py")
)
assert _spec is not None
assert _spec.loader is not None
fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fixtures)
town = fixtures.town  # the fixture, seen by pytest in this module

pytestmark = pytest.mark.unit
BOTH = LeftBehindType.BOTH_PARENTS


def test_who_may_ask_and_for_which_unit(town: Any) -> None:
    assert town.client.post("/v1/suggestions", json={"unit_id": str(town.t["sA"])}).status_code == 401
    for role, scope in [(Role.TEACHER, "sA"), (Role.VILLAGE_DIRECTOR, "vA"), (Role.HELPER, "sA")]:
        assert town.suggest("sA", role=role, scope=scope).status_code == 403
    assert town.suggest("sB", role=Role.SCHOOL_ADMIN, scope="sA").status_code == 404  # another school
    assert town.suggest("tA", role=Role.SCHOOL_ADMIN, scope="sA").status_code == 404  # above the caller
    assert town.suggest("sC", role=Role.DISTRICT_ADMIN, scope="dA").status_code == 404
    assert town.suggest("sA", role=Role.SCHOOL_ADMIN, scope="sA").status_code == 201
    assert town.suggest("dA", role=Role.CITY_ADMIN, scope="city").status_code == 201
    unknown = town.client.post(
        "/v1/suggestions", headers=town.headers(Role.ADMIN), json={"unit_id": str(uuid.uuid4())}
    )
    assert unknown.status_code == 404
    for bad in (town.suggest("cA1"), town.suggest("vA"), town.suggest("sA", limit=5001)):
        assert bad.status_code == 422
        assert bad.json()["errors"][0]["field"] in {"unit_id", "limit"}


def test_neediest_first_same_school_staff_first_then_the_township(town: Any) -> None:
    plain = town.child("cA1")
    risky = town.child("cA2", risk="high")
    urgent = town.child("cA1", kind=BOTH, guardian=False, born=date(2018, 5, 1))
    town.child("cA3")  # another school of the township: not in a school's run
    teacher = town.helper("teacher", "sA", capacity=1)
    volunteer = town.helper("volunteer", "tA", capacity=1)
    town.helper("teacher", "sB")  # another school
    town.helper("peer_student", "sA", capacity=1)  # never primary
    r = town.suggest("sA", role=Role.SCHOOL_ADMIN, scope="sA")
    assert r.status_code == 201, r.text
    run = r.json()
    assert [(i["child_id"], i["helper_id"]) for i in run["items"]] == [
        (str(urgent), str(teacher)),
        (str(risky), str(volunteer)),
    ]
    assert run["items"][0]["reasons"] == [
        {"zh": "无监护人", "en": "no guardian", "code": None},
        {"zh": "父母双方外出", "en": "both parents away", "code": None},
        {"zh": "低龄（8岁）", "en": "young (8)", "code": None},
        {
            "zh": "同校教师，当前帮扶0/1人",
            "en": "teacher at the same school, 0 of 1 places taken",
            "code": None,
        },
    ]
    assert run["items"][0]["child_name"].startswith("童")
    assert run["items"][1]["helper_kind"] == "volunteer"
    assert (run["proposals"], run["unmatched_count"]) == (2, 1)
    assert run["unmatched"][0]["child_id"] == str(plain)
    assert run["unmatched"][0]["reasons"][-1]["en"].startswith("every free place within reach")


def test_a_city_run_reaches_every_school_and_the_helpers_above_the_unit(town: Any) -> None:
    kids = {c: town.child(c) for c in ("cA1", "cA3", "cB", "cC")}
    company = town.helper("company", "city", capacity=30)
    mother = town.helper("caring_mother", "tB")
    r = town.suggest("tA", role=Role.TOWNSHIP_ADMIN, scope="tA")
    assert {i["child_id"] for i in r.json()["items"]} == {str(kids["cA1"]), str(kids["cA3"])}
    assert {i["helper_id"] for i in r.json()["items"]} == {str(company)}  # from above the township
    whole = town.suggest("city").json()
    got = {i["child_id"]: i["helper_id"] for i in whole["items"]}
    assert got[str(kids["cB"])] == str(mother)  # the township's own caring mother first (lighter load)
    assert len(got) == 4


def test_a_run_pages_by_rank_and_only_in_scope(town: Any) -> None:
    for _ in range(5):
        town.child("cA1")
    town.helper("teacher", "sA", capacity=5)
    run = town.suggest("sA", limit=2).json()
    assert len(run["items"]) == 2
    assert run["next_after"] == run["items"][-1]["rank"]
    ranks, after = [i["rank"] for i in run["items"]], run["next_after"]
    while after is not None:
        page = town.client.get(
            f"/v1/suggestions/{run['run_id']}",
            params={"after": after, "limit": 2},
            headers=town.headers(Role.SCHOOL_ADMIN, "sA"),
        ).json()
        ranks += [i["rank"] for i in page["items"]]
        after = page["next_after"]
    assert ranks == [1, 2, 3, 4, 5]
    other = town.client.get(f"/v1/suggestions/{run['run_id']}", headers=town.headers(Role.SCHOOL_ADMIN, "sB"))
    assert other.status_code == 404
    assert (
        town.client.get(f"/v1/suggestions/{uuid.uuid4()}", headers=town.headers(Role.ADMIN)).status_code
        == 404
    )


def test_accept_all_pairs_in_batches_and_announces_each_pairing(
    town: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(suggestions, "ACCEPT_BATCH", 2)  # 5 proposals: three transactions
    kids = [town.child("cA1") for _ in range(5)]
    teachers = [town.helper("teacher", "sA"), town.helper("class_teacher", "sA")]
    run = town.suggest("sA").json()
    r = town.decide(run["run_id"], "accept", {"all": True})
    assert r.status_code == 200, r.text
    assert sorted(d["child_id"] for d in r.json()) == sorted(map(str, kids))
    assert {d["outcome"] for d in r.json()} == {"created"}
    with town.db.sessions() as s:
        made = s.scalars(select(Pairing)).all()
        assert {p.child_id for p in made} == set(kids)
        assert all(p.suggested for p in made)
        assert all(c.paired for c in s.scalars(select(ChildToPair)))
        assert {x.status for x in s.scalars(select(Suggestion))} == {"accepted"}
    assert sorted(town.helper_row(h).caseload for h in teachers) == [2, 3]
    created = [e for e in town.outbox() if e["type"] == "pairing.pairing.created.v1"]
    assert sorted(e["data"]["child_id"] for e in created) == sorted(map(str, kids))
    assert all(e["data"]["suggested"] and e["data"]["role"] == "primary" for e in created)
    again = town.decide(run["run_id"], "accept", {"child_ids": [str(kids[0])]}).json()
    assert again == [{"child_id": str(kids[0]), "outcome": "not_open", "pairing_id": None, "reason": None}]


def test_a_proposal_whose_helper_filled_up_since_goes_stale(town: Any) -> None:
    first, second = town.child("cA1"), town.child("cA2")
    teacher = town.helper("teacher", "sA", capacity=1)
    run = town.suggest("sA").json()
    assert [i["child_id"] for i in run["items"]] == [str(first)]
    late = town.child("cA2", kind=BOTH, guardian=False)  # someone pairs a needier child by hand
    with town.uow() as uow:
        child, helper = uow.session.get(ChildToPair, late), uow.session.get(Helper, teacher)
        assert not isinstance(
            pairings.pair(uow, child=child, helper=helper, role=PairingRole.PRIMARY, actor="x"),
            Refusal,
        )
        uow.commit()
    out = town.decide(run["run_id"], "accept", {"child_ids": [str(first), str(second)]}).json()
    assert [d["outcome"] for d in out] == ["stale", "not_open"]
    assert out[0]["reason"]["code"] == "at_capacity"
    assert "1/1" in out[0]["reason"]["zh"]
    item = town.client.get(f"/v1/suggestions/{run['run_id']}", headers=town.headers(Role.ADMIN)).json()[
        "items"
    ][0]
    assert item["status"] == "stale"
    assert item["reasons"][-1]["code"] == "at_capacity"
    with town.db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Pairing)) == 1


def test_declined_proposals_cannot_be_accepted_and_bad_bodies_name_the_field(town: Any) -> None:
    a, b = town.child("cA1"), town.child("cA1")
    town.helper("teacher", "sA")
    run = town.suggest("sA").json()
    out = town.decide(run["run_id"], "decline", {"child_ids": [str(a), str(uuid.uuid4())]}).json()
    assert [d["outcome"] for d in out] == ["declined", "not_open"]
    out = town.decide(run["run_id"], "accept", {"all": True}).json()
    assert [(d["child_id"], d["outcome"]) for d in out] == [(str(b), "created")]
    bodies: list[dict[str, Any]] = [
        {},
        {"all": True, "child_ids": [str(a)]},
        {"child_ids": []},
        {"child_ids": ["x"]},
    ]
    for body in bodies:
        bad = town.decide(run["run_id"], "accept", body)
        assert bad.status_code == 422, body
    assert town.decide(run["run_id"], "accept", {"all": True}, Role.TEACHER, "sA").status_code == 403
    assert town.decide(run["run_id"], "decline", {"all": True}, Role.SCHOOL_ADMIN, "sB").status_code == 404


def test_a_transferred_child_gets_a_one_child_run_at_its_new_school(town: Any) -> None:
    child_id = town.child("cB")
    near, far = town.helper("teacher", "sB"), town.helper("teacher", "sA")
    with town.uow() as uow:
        child = uow.session.get(ChildToPair, child_id)
        proposal = suggestions.propose_for_child(uow, child)
        assert proposal is not None
        assert proposal.helper_id == near != far
        uow.commit()
    with town.uow() as uow:
        run = uow.session.get(SuggestionRun, proposal.run_id)
        assert (run.source, run.unit_id, run.proposals) == ("transfer", town.t["cB"], 1)
