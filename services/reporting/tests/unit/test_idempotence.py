"""A month of a small city, applied once, twice and redelivered: the read models and KPIs it must give.

The script is shouhu_testkit.city_month (each step commented there). The KPIs below are counted by
hand from it, child by child, not by the code under test.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from sqlalchemy import select

from reporting.adapters.orm import STOCK, UnitCount
from reporting.service_layer import drilldown
from reporting.service_layer.alerts import mark_overdue
from reporting.service_layer.queries import UnitKpis, unit_kpis
from reporting.service_layer.rebuild import read_model_tables
from shouhu_contracts.envelope import CloudEvent
from shouhu_kit.auth import Principal, Role
from shouhu_kit.clock import FakeClock
from shouhu_kit.inbox import BatchFailed, apply_batch
from shouhu_kit.uow import UnitOfWork
from shouhu_testkit.city_month import (
    HELPER_MONTHLY,
    SCHOOL_HALF_MONTHLY,
    CityMonth,
    Timed,
    month_of_a_small_city,
)
from shouhu_testkit.tables import differences, table_rows

pytestmark = pytest.mark.unit
ADMIN = Principal(subject="admin", role=Role.ADMIN, org_id=None)


@pytest.fixture(scope="module")
def month() -> CityMonth:
    return month_of_a_small_city()


def deliver(rep: Any, polls: Sequence[Sequence[CloudEvent[Any]]], at: Any) -> None:
    """Each poll in one transaction through the kit's inbox, as the consumer loop applies them."""
    rep.clock = FakeClock(at)
    for poll in polls:
        try:
            apply_batch(
                uow=lambda: UnitOfWork(db=rep.db, clock=rep.clock, source="/shouhu/reporting"),
                group="reporting.test",
                batch=[(e, rep.handlers.get(e.type)) for e in poll],
                now=rep.clock.now(),
            )
        except BatchFailed as failed:
            raise failed.error from failed
    with UnitOfWork(db=rep.db, clock=rep.clock, source="/shouhu/reporting") as uow:
        while mark_overdue(uow).more:
            pass
        uow.commit()


def dump(rep: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every read-model table, row by row (window_facts without its surrogate key)."""
    tables = [t for t in read_model_tables(rep.db) if t.name != "processed_events"]
    return table_rows(rep.db.engine, tables, ignore={"window_facts": ["id"]})


def envelopes(events: Sequence[Timed]) -> list[CloudEvent[Any]]:
    return [e.envelope() for e in events]


def test_every_event_twice_under_the_same_id_is_applied_once(
    make: Callable[[], Any], month: CityMonth
) -> None:
    once, twice = make(), make()
    events = envelopes(month.events)
    deliver(once, [[e] for e in events], month.now)
    # The copy in the same poll, and again in a later poll (a redelivery after a rebalance).
    deliver(twice, [[e, e] for e in events] + [events], month.now)
    assert differences(dump(once), dump(twice)) == []
    with twice.db.engine.connect() as c:
        inbox = twice.db.tables.processed_events
        assert len(c.execute(select(inbox.c.event_id)).all()) == len(events)


def test_every_event_redelivered_under_a_new_id_changes_nothing(
    make: Callable[[], Any], month: CityMonth
) -> None:
    once, again = make(), make()
    deliver(once, [[e] for e in envelopes(month.events)], month.now)
    deliver(again, [[e.envelope(), e.envelope(uuid.uuid4())] for e in month.events], month.now)
    assert differences(dump(once), dump(again)) == []
    assert dump(once)["child_facts"], "the script made children"


def interleave_per_topic_key(events: Sequence[Timed], rng: random.Random) -> list[Timed]:
    """An order the live consumers may apply: each (topic, key)'s events as published, the rest mixed."""
    queues: dict[tuple[str, str], list[Timed]] = {}
    for e in events:
        queues.setdefault((e.data.topic, e.data.key()), []).append(e)
    out: list[Timed] = []
    while queues:
        key = rng.choice(sorted(queues))
        out.append(queues[key].pop(0))
        if not queues[key]:
            del queues[key]
    return out


def totals(rep: Any) -> dict[tuple[uuid.UUID, str], int]:
    with rep.db.sessions() as s:
        c = UnitCount
        rows = s.execute(select(c.unit_id, c.metric, c.n).where(c.month == STOCK)).all()
    return {(u, metric): n for u, metric, n in rows if n}


@pytest.mark.parametrize("seed", range(6))
def test_any_cross_topic_order_ends_with_the_same_current_totals(
    make: Callable[[], Any], month: CityMonth, seed: int
) -> None:
    in_order, mixed = make(), make()
    deliver(in_order, [[e] for e in envelopes(month.events)], month.now)
    deliver(
        mixed,
        [[e] for e in envelopes(interleave_per_topic_key(month.events, random.Random(seed)))],
        month.now,
    )
    assert totals(mixed) == totals(in_order)
    assert all(n >= 0 for n in totals(mixed).values())


# ------------------------------------------------------------------ the hand count


def kpis(rep: Any, month: CityMonth, unit: str) -> UnitKpis:
    uow = UnitOfWork(db=rep.db, clock=FakeClock(month.now), source="/shouhu/reporting")
    return unit_kpis(uow=uow, principal=ADMIN, unit_id=month.world.t[unit], month="2027-03")


def duties(k: UnitKpis) -> dict[str, tuple[int, int, int, int]]:
    return {d.duty: (d.due, d.met, d.late, d.missed) for d in k.compliance.by_duty}


def test_the_kpis_are_the_hand_count(make: Callable[[], Any], month: CityMonth) -> None:
    rep = make()
    deliver(rep, [[e] for e in envelopes(month.events)], month.now)
    # City, at the end of March. Active: c1..c7 (c8 left on 20 March).
    # Types: both parents c1, c2 (its mother left on 3 March), c4, c7; father c5; mother c3, c6.
    # Guardians: grandparents c1 祖母, c2 外公, c6 (nobody from 4 to 18 March, then 祖母), c7 奶奶;
    # other relatives c3 姑姑, c5 叔叔; nobody c4.
    # Paired: c1, c4, c5, c6, c7 (c2's pairing ended on 15 March; c3 was never paired): 5 of 7.
    # Archives: c5 lacks its father's phone; c3's was completed on 9 March: 6 of 7.
    city = kpis(rep, month, "city")
    assert city.children == 7
    assert city.by_left_behind_type == {"both_parents": 4, "father": 1, "mother": 2}
    assert city.by_guardian == {"grandparent": 4, "relative": 2, "none": 1}
    assert (city.paired, city.unpaired, city.coverage) == (5, 2, round(5 / 7, 4))
    assert (city.archive_complete, city.archive_rate) == (6, round(6 / 7, 4))
    # Helper's monthly call, windows of March: c1 met, c2 ended early (not due), c4 met, c5 open,
    # c6 met, c7 open (paired on 27 March): 5 due, 3 met.
    # School's half-monthly call: c1 1-15 missed, c3 1-15 missed then met late, c3 16-31 met,
    # c7 16-31 open: 4 due, 2 met (1 late), 1 missed.
    assert duties(city) == {HELPER_MONTHLY: (5, 3, 0, 0), SCHOOL_HALF_MONTHLY: (4, 2, 1, 1)}
    assert (city.compliance.due, city.compliance.met, city.compliance.rate) == (9, 5, round(5 / 9, 4))
    # Tasks: t1 (c4, due 21 March after its acknowledgement) and t4 (c3, due 23 March) open and
    # overdue on the 31st; t7 (c5, due 5 April) open; t2, t3, t6 resolved, t5 cancelled.
    assert (city.tasks_open, city.tasks_overdue) == (3, 2)
    # Risk: c4 high; c2 medium; c6 high on 5 March, medium on 25 March.
    assert city.risk == {"high": 1, "medium": 2}
    # At February's end: c1..c6 registered on 26 February, none paired yet.
    february = next(f for f in city.trend if f.month == "2027-02")
    assert (february.children, february.paired, february.archive_complete) == (6, 0, 4)

    # District B after sB moved to tA2 (district A) on 24 March: only the home side, village vB,
    # is left in it: c5 (father, 叔叔, paired, card incomplete) and c6 (mother, 祖母, paired).
    d_b = kpis(rep, month, "dB")
    assert (d_b.children, d_b.paired, d_b.archive_complete) == (2, 2, 1)
    assert d_b.by_left_behind_type == {"father": 1, "mother": 1}
    assert d_b.by_guardian == {"grandparent": 1, "relative": 1}
    assert duties(d_b) == {HELPER_MONTHLY: (2, 1, 0, 0)}  # c5's open, c6's met
    assert (d_b.tasks_open, d_b.tasks_overdue) == (1, 0)  # t7, c5's, placed at its home village
    assert d_b.risk == {"medium": 1}
    # District A: every active child, by its school (c5 moved to cA2; sB, c6's school, moved in).
    d_a = kpis(rep, month, "dA")
    assert (d_a.children, d_a.paired, d_a.tasks_open, d_a.tasks_overdue) == (7, 5, 3, 2)

    # School sA1 (class cA1): c1, c2, c7, both parents away, with grandparents.
    s_a1 = kpis(rep, month, "sA1")
    assert s_a1.children == 3
    assert s_a1.by_left_behind_type == {"both_parents": 3}
    assert s_a1.by_guardian == {"grandparent": 3}
    assert (s_a1.paired, s_a1.coverage, s_a1.archive_complete) == (2, round(2 / 3, 4), 3)
    assert duties(s_a1) == {HELPER_MONTHLY: (2, 1, 0, 0), SCHOOL_HALF_MONTHLY: (2, 0, 0, 1)}
    assert (s_a1.tasks_open, s_a1.tasks_overdue, s_a1.risk) == (0, 0, {"medium": 1})
    # School sB, now under tA2: c6, and the windows opened while c5 was still in cB (c5's open).
    s_b = kpis(rep, month, "sB")
    assert (s_b.children, s_b.paired, s_b.by_guardian) == (1, 1, {"grandparent": 1})
    assert duties(s_b) == {HELPER_MONTHLY: (2, 1, 0, 0)}
    assert [u.unit_id for u in s_b.trail] == month.path("sB")[:-1]


# ------------------------------------------------------------------ the children behind a figure

BEHIND = {  # (unit, figure): the children the hand count puts behind it, by name
    ("city", "all"): ["c1", "c2", "c3", "c4", "c5", "c6", "c7"],
    ("city", "unpaired"): ["c2", "c3"],
    ("city", "risk:high"): ["c4"],
    ("city", "guardian:none"): ["c4"],
    ("city", "tasks_open"): ["c3", "c4", "c5"],
    ("city", "tasks_overdue"): ["c3", "c4"],
    ("city", "missed"): ["c1"],  # c3's missed window was met late
    ("city", "unmet"): ["c1", "c5", "c7"],
    ("city", "met"): ["c1", "c3", "c4", "c6"],
    ("dB", "all"): ["c5", "c6"],
    ("dA", "archive_incomplete"): ["c5"],
    ("sA1", "all"): ["c1", "c2", "c7"],
    ("sA1", "paired"): ["c1", "c7"],
    ("sB", "all"): ["c6"],
    ("tA", "type:both_parents"): ["c1", "c2", "c7"],
}


@pytest.mark.parametrize("plan", ["chosen", "walk", "gather"])
def test_the_children_behind_each_figure_whichever_plan_finds_them(
    make: Callable[[], Any], month: CityMonth, plan: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if plan != "chosen":  # a weight of 0 never walks; a huge one always does
        weight = 1e12 if plan == "walk" else 0.0
        monkeypatch.setattr(drilldown, "GATHER_WEIGHT", {"postgresql": weight, "sqlite": weight})
    rep = make()
    deliver(rep, [[e] for e in envelopes(month.events)], month.now)
    for (unit, figure), names in BEHIND.items():
        seen, after = [], None
        for _ in range(10):  # two a page, to follow the cursor
            uow = UnitOfWork(db=rep.db, clock=FakeClock(month.now), source="/shouhu/reporting")
            at = month.world.t[unit]
            page = drilldown.children_behind(
                uow=uow, principal=ADMIN, unit_id=at, figure=figure, month="2027-03", after=after, limit=2
            )
            seen += [line.name for line in page.items]
            after = page.next_after
            if after is None:
                break
        assert seen == names, (unit, figure)
