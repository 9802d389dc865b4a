"""Obligations: attached to pairings and children, closed window by window in China's calendar."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
from obligation_fixtures import ENDED, MET, MISSED, MONTHLY, OPENED, Town, china, windows
from sqlalchemy import func, select

from pairing.adapters.orm import ChildToPair, Obligation, ObligationWindow, Pairing
from pairing.bootstrap import SERVICE, jobs
from pairing.config import PairingSettings
from pairing.domain.policy import DEFAULT_POLICY, Duty
from pairing.service_layer import obligations, pairings
from pairing.service_layer.context import child_path, policy_at
from pairing.service_layer.obligation_windows import close_due_windows
from shouhu_contracts.pairing.vocabulary import (
    ContactKind,
    Counterpart,
    PairingEndReason,
    Responsible,
    Rhythm,
)
from shouhu_kit.clock import CHINA_TZ

pytestmark = pytest.mark.unit


def _rows(town: Town) -> list[Obligation]:
    with town.db.sessions() as s:
        return list(s.scalars(select(Obligation).order_by(Obligation.duty)))


def _closed(town: Town, duty: str) -> list[tuple[str, bool]]:
    with town.db.sessions() as s:
        rows = s.scalars(
            select(ObligationWindow)
            .where(ObligationWindow.duty == duty)
            .order_by(ObligationWindow.window_start)
        )
        return [(w.window_start.astimezone(CHINA_TZ).date().isoformat(), w.met) for w in rows]


def test_the_job_is_declared_with_its_batch_from_the_settings() -> None:
    settings = PairingSettings(obligation_close_batch=7, obligation_close_every_seconds=30)
    (job,) = jobs(settings)
    assert job.name == "close_obligation_windows"
    assert job.every.total_seconds() == 30
    assert job.run.keywords == {"batch": 7}  # type: ignore[attr-defined]
    assert SERVICE.jobs(settings)[0].name == job.name


def test_a_pairing_and_a_child_get_their_duties_with_the_windows_of_now(town: Any) -> None:
    t: Town = town(china(2027, 3, 31, 23, 30))
    child = t.child()
    helper = t.helper()
    pairing = t.pair(child, helper)
    rows = _rows(t)
    primary = [r for r in rows if r.responsible == Responsible.PRIMARY_HELPER.value]
    assert {r.duty for r in primary} == {
        d.code for d in DEFAULT_POLICY.duties if d.responsible == "primary_helper"
    }
    assert all(r.helper_id == helper and r.pairing_id == pairing for r in primary)
    assert {r.duty for r in rows if r.helper_id is None} == {
        "class_teacher_talk_monthly",
        "class_teacher_parents_call_monthly",
        "class_teacher_home_visit_term",
        "school_family_talk_half_monthly",
        "school_family_meeting_yearly",
    }
    monthly = next(r for r in rows if r.duty == MONTHLY)
    # 23:30 on 31 March in Beijing is still March there, though UTC has long been in the 31st.
    assert monthly.window_start == china(2027, 3, 1).astimezone(UTC)
    assert monthly.window_end == china(2027, 4, 1).astimezone(UTC)
    half = next(r for r in rows if r.duty == "school_family_talk_half_monthly")
    assert half.window_start == china(2027, 3, 16)
    term = next(r for r in rows if r.duty == "class_teacher_home_visit_term")
    assert (term.window_start, term.window_end) == (china(2027, 2, 1), china(2027, 9, 1))
    assert len(t.events(OPENED)) == 8
    assert t.validate_events() > 8


def test_attaching_again_doubles_nothing_and_ending_announces_each(town: Any) -> None:
    t: Town = town()
    child = t.child()
    pairing = t.pair(child, t.helper())
    with t.uow() as uow:
        row = uow.session.get(ChildToPair, child)
        assert row is not None
        city = policy_at(uow.session, child_path(uow.session, row))
        obligations.attach_for_child(uow, row, city)  # a re-entry or a replay
        uow.commit()
    assert len(_rows(t)) == 8
    with t.uow() as uow:
        p = uow.session.get(Pairing, pairing)
        assert p is not None
        pairings.end(uow, p, reason=PairingEndReason.REASSIGNED)
        uow.commit()
    ended = t.events(ENDED)
    assert sorted(e["data"]["duty"] for e in ended) == sorted(
        d.code for d in DEFAULT_POLICY.duties if d.responsible == "primary_helper"
    )
    assert all("结对已解除" in e["data"]["reason"] for e in ended)
    with t.uow() as uow:
        obligations.end_for_child(uow, child, reason="儿童退出")
        uow.commit()
    assert {r.status for r in _rows(t)} == {"ended"}
    assert len(t.events(ENDED)) == 8
    t.at(china(2027, 6, 1))
    assert t.close() == [t.close()[0]]  # nothing due: an ended obligation is never closed
    assert t.events(MISSED) == []
    t.validate_events()


def test_a_missed_month_is_announced_exactly_once(town: Any) -> None:
    t: Town = town(china(2027, 3, 10))
    t.pair(t.child(), t.helper())
    t.at(china(2027, 3, 31, 23, 59))
    t.close()
    assert windows(t.events(MISSED), MONTHLY) == []  # March is not over in Beijing
    t.at(china(2027, 4, 1, 0, 1))
    t.close()
    t.close()  # a second run, or a second replica, finds nothing more
    missed = windows(t.events(MISSED), MONTHLY)
    assert missed == [("2027-03-01", MONTHLY)]
    assert _closed(t, MONTHLY) == [("2027-03-01", False)]
    row = next(r for r in _rows(t) if r.duty == MONTHLY)
    assert row.window_start == china(2027, 4, 1)
    assert windows(t.events(OPENED), MONTHLY) == [("2027-03-01", MONTHLY), ("2027-04-01", MONTHLY)]
    t.validate_events()


def test_after_a_three_month_outage_each_window_is_announced_once_in_order(town: Any) -> None:
    t: Town = town(china(2027, 1, 20))
    t.pair(t.child(), t.helper())
    t.at(china(2027, 4, 15))  # the worker was down from January to mid-April
    results = t.close(batch=4)
    assert results[0].more
    assert not results[-1].more
    missed = windows(t.events(MISSED), MONTHLY)
    assert missed == [("2027-01-01", MONTHLY), ("2027-02-01", MONTHLY), ("2027-03-01", MONTHLY)]
    half = windows(t.events(MISSED), "school_family_talk_half_monthly")
    assert [d for d, _ in half] == [
        "2027-01-16",
        "2027-02-01",
        "2027-02-16",
        "2027-03-01",
        "2027-03-16",
    ]  # 1–15 April is not over yet
    every = Counter((e["data"]["obligation_id"], e["data"]["window_start"]) for e in t.events(MISSED))
    assert set(every.values()) == {1}
    assert sum(r.handled for r in results) == len(t.events(MISSED))  # nothing was met: each close a miss
    assert windows(t.events(OPENED), MONTHLY)[-1] == ("2027-04-01", MONTHLY)
    t.validate_events()


def test_a_week_long_outage_closes_each_week_once(town: Any) -> None:
    t: Town = town(china(2027, 3, 3))  # a Wednesday
    weekly = Duty(
        code="helper_call_weekly",
        name="帮扶人每周联系",
        name_en="Helper calls weekly",
        responsible=Responsible.PRIMARY_HELPER,
        kinds=frozenset({ContactKind.PHONE_CALL}),
        counterparts=frozenset({Counterpart.CHILD}),
        rhythm=Rhythm.WEEKLY,
    )
    t.policy(DEFAULT_POLICY.model_copy(update={"duties": (weekly,)}), version=1)
    t.pair(t.child(), t.helper())
    t.at(china(2027, 3, 24, 8))  # eight days and more of outage
    t.close(batch=1)
    assert windows(t.events(MISSED), "helper_call_weekly") == [
        ("2027-03-01", "helper_call_weekly"),
        ("2027-03-08", "helper_call_weekly"),
        ("2027-03-15", "helper_call_weekly"),
    ]
    assert {e["data"]["policy_version"] for e in t.events(MISSED)} == {1}
    t.validate_events()


def test_the_policy_at_roll_time_ends_a_removed_duty_and_changes_a_rhythm(town: Any) -> None:
    t: Town = town(china(2027, 3, 10))
    t.pair(t.child(), t.helper())
    keep = [d for d in DEFAULT_POLICY.duties if d.code != "helper_parent_feedback_monthly"]
    keep = [d.model_copy(update={"rhythm": Rhythm.WEEKLY}) if d.code == MONTHLY else d for d in keep]
    t.policy(DEFAULT_POLICY.model_copy(update={"duties": tuple(keep)}), version=1)
    t.at(china(2027, 4, 2))
    t.close()
    rows = {r.duty: r for r in _rows(t)}
    assert rows["helper_parent_feedback_monthly"].status == "ended"
    assert [e["data"]["duty"] for e in t.events(ENDED)] == ["helper_parent_feedback_monthly"]
    monthly = rows[MONTHLY]
    # The March window stayed monthly (its own rhythm); the next one is weekly, cut to start on 1 April.
    assert _closed(t, MONTHLY) == [("2027-03-01", False)]
    assert (monthly.rhythm, monthly.policy_version) == ("weekly", 1)
    assert (monthly.window_start, monthly.window_end) == (china(2027, 4, 1), china(2027, 4, 5))
    t.validate_events()


def test_two_replicas_closing_at_once_close_each_window_once(town: Any) -> None:
    t: Town = town(china(2027, 1, 5))
    if not t.db.is_postgres:
        pytest.skip("row locks with SKIP LOCKED are PostgreSQL's")
    for klass in ("cA1", "cA2", "cA3", "cB"):
        for _ in range(3):
            t.pair(t.child(klass), t.helper({"cA1": "sA1", "cA2": "sA2", "cA3": "sA3", "cB": "sB"}[klass]))
    t.at(china(2027, 5, 3))
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def replica() -> None:
        try:
            start.wait()
            while True:
                with t.uow() as uow:
                    result = close_due_windows(uow, batch=5)
                    uow.commit()
                if not result.more:
                    return
        except BaseException as exc:  # the test reports what a replica met
            errors.append(exc)

    threads = [threading.Thread(target=replica) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    assert errors == []
    missed = t.events(MISSED)
    keys = Counter((e["data"]["obligation_id"], e["data"]["window_start"]) for e in missed)
    assert set(keys.values()) == {1}
    assert len(windows(missed, MONTHLY)) == 12 * 4  # January to April, for each of the twelve children
    with t.db.sessions() as s:
        earliest = s.scalar(select(func.min(Obligation.window_end)))
        assert earliest is not None
        assert earliest > datetime(2027, 5, 3, tzinfo=UTC)  # nothing left due
    assert t.events(MET) == []
