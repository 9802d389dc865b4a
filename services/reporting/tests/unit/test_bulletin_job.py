"""The monthly bulletin job on SQLite and PostgreSQL, fed through the real handlers: which month,
ranks among siblings, last month's figures and ranks, one event per month, China's month boundary."""

from __future__ import annotations

import importlib.util
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from reporting.adapters.orm import Bulletin, BulletinLine
from reporting.service_layer import bulletin as job
from shouhu_kit.uow import UnitOfWork

_spec = importlib.util.spec_from_file_location(
    "bulletin_fixtures", Path(__file__).with_name("bulletin_fixtures.py")
)
assert _spec is not None
assert _spec.loader is not None
fx = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fx)
city = fx.city  # the fixture, seen by pytest in this module
china = fx.china

pytestmark = pytest.mark.unit


def lines(city: Any, month: str) -> dict[str, BulletinLine]:
    """The month's lines by the unit's key in the fixture (S1, tA, vA…)."""
    key = {unit: k for k, unit in city.t.items()}
    with city.runtime.db.sessions() as s:
        rows = s.scalars(select(BulletinLine).where(BulletinLine.month == month)).all()
    return {key.get(r.unit_id, str(r.unit_id)): r for r in rows}


def months(city: Any) -> list[str]:
    with city.runtime.db.sessions() as s:
        return list(s.scalars(select(Bulletin.month).order_by(Bulletin.month)))


def test_ranks_among_siblings_with_ties_and_units_without_children(city: Any) -> None:
    fx.april_city(city)
    city.at(china(2027, 5, 1, 0, 5))
    city.run_job()
    got = lines(city, "2027-04")
    ranks = {c: (got[c].rank, got[c].rank_coverage, got[c].rank_compliance) for c in
             ("S1", "S2", "S3", "S4", "S5", "vA")}  # fmt: skip
    assert ranks == {
        "S1": (1, 1, 1),
        "S2": (2, 3, 1),  # mean 0.75
        "S3": (2, 1, 3),  # mean 0.75: shares 2nd
        "S4": (4, 4, None),  # nothing due: ranked on coverage alone, no compliance rank
        "S5": (None, None, None),  # no child
        "vA": (None, None, None),  # the village: no child lives there
    }
    s2 = got["S2"].figures
    assert (s2["children"], s2["paired"], s2["coverage"], s2["due"], s2["met"], s2["compliance"]) == (
        2, 1, 0.5, 2, 2, 1.0,
    )  # fmt: skip
    assert got["S1"].parent_id == city.t["tA"]
    assert got["S1"].name == "东关第1小学"
    # every non-placeholder unit with a parent has a line; the city (no parent) has none
    assert set(got) == set(city.t) - {"city"}
    # 城东区 holds every child; 河西县 and 北山区 none: only 城东区 is ranked among the districts
    assert (got["dA"].rank, got["dB"].rank, got["dC"].rank) == (1, None, None)
    assert got["dA"].figures["children"] == 7


def test_published_once_per_month_and_valid_against_the_schema(city: Any) -> None:
    fx.april_city(city)
    city.at(china(2027, 5, 1, 0, 5))
    results = city.run_job(batch=3)  # small rounds: whole sibling groups, several runs
    assert len(results) > 3
    assert all(r.more for r in results[:-1])
    assert sum(r.handled for r in results) == len(lines(city, "2027-04"))
    city.run_job()
    city.at(china(2027, 5, 20))
    city.run_job()  # May has not closed: nothing more
    events = city.published()  # each validated against contracts/schemas
    assert [e["data"]["month"] for e in events] == ["2027-04"]
    data = events[0]["data"]
    assert data["city_id"] == str(city.t["city"])
    assert (data["children"], data["coverage"], data["compliance"]) == (7, round(5 / 7, 4), round(5 / 6, 4))
    assert data["units_ranked"] == sum(1 for line in lines(city, "2027-04").values() if line.rank is not None)
    assert months(city) == ["2027-04"]


def test_two_replicas_publishing_the_same_month_publish_once(city: Any) -> None:
    fx.april_city(city)
    city.at(china(2027, 5, 1, 0, 5))

    def new_uow() -> UnitOfWork:
        return UnitOfWork(db=city.runtime.db, clock=city.clock, source="/shouhu/reporting")

    with new_uow() as uow:  # every line written; the month not published yet
        while parents := job._next_parents(uow, "2027-04", 500):
            job._write_lines(uow, "2027-04", parents)
        uow.commit()
    outcome: dict[str, bool] = {}

    def second_replica() -> None:
        with new_uow() as uow:
            outcome["second"] = job._publish(uow, "2027-04")
            uow.commit()

    with new_uow() as first:
        outcome["first"] = job._publish(first, "2027-04")
        other = threading.Thread(target=second_replica)
        other.start()  # it may try before or after this commit: either way it must not publish
        first.commit()
    other.join()
    assert outcome == {"first": True, "second": False}
    assert [e["data"]["month"] for e in city.published()] == ["2027-04"]


def test_a_first_start_builds_only_the_last_closed_month_then_follows_on(city: Any) -> None:
    fx.april_city(city)
    city.at(china(2027, 6, 15))
    city.run_job()
    assert months(city) == ["2027-05"]  # not April, nor years before
    city.run_job()
    assert months(city) == ["2027-05"]
    city.at(china(2027, 8, 2))  # the worker was away for June and July: both, oldest first
    city.run_job()
    assert months(city) == ["2027-05", "2027-06", "2027-07"]
    assert [e["data"]["month"] for e in city.published()] == ["2027-05", "2027-06", "2027-07"]


def test_last_months_figures_and_ranks(city: Any) -> None:
    kids = fx.april_city(city)
    city.at(china(2027, 5, 1, 0, 5))
    city.run_job()
    april = lines(city, "2027-04")
    # No March bulletin: March as the counters hold it (nobody yet), so no ranks then.
    assert april["S1"].previous == {
        "figures": {**april["S1"].figures, **_empty("2027-03")},
        "rank": None,
        "rank_coverage": None,
        "rank_compliance": None,
    }
    # May: S4's child is paired and S2's second too; a new child in S5; S1 meets one contact of two.
    city.at(china(2027, 5, 6))
    city.pair(kids["S4"][0])
    city.pair(kids["S2"][1])
    city.child("K5")
    for child, met in [(kids["S1"][0], True), (kids["S1"][1], False), (kids["S2"][0], True)]:
        city.window(child, "2027-05", met=met)
    city.at(china(2027, 6, 1, 0, 5))
    city.run_job()
    may = lines(city, "2027-05")
    assert may["S1"].previous == {  # April's published line
        "figures": april["S1"].figures,
        "rank": 1,
        "rank_coverage": 1,
        "rank_compliance": 1,
    }
    s4, s5 = may["S4"].previous or {}, may["S5"].previous or {}
    assert (may["S4"].figures["coverage"], s4["figures"]["coverage"]) == (1.0, 0.0)
    assert s4["rank"] == 4
    assert s5["figures"]["children"] == 0
    assert s5["rank"] is None
    assert may["S5"].rank is not None


def _empty(month: str) -> dict[str, Any]:
    return {
        "month": month,
        "children": 0,
        "archive_complete": 0,
        "archive_rate": None,
        "paired": 0,
        "coverage": None,
        "due": 0,
        "met": 0,
        "compliance": None,
        "tasks_open": 0,
        "tasks_overdue": 0,
        "risk_high": 0,
        "risk_medium": 0,
    }


def test_the_month_closes_at_midnight_in_china(city: Any) -> None:
    late_april = city.child("K1", at=china(2027, 4, 30, 23, 30))  # 15:30 UTC: still April in China
    city.child("K1", at=china(2027, 5, 1, 0, 0))  # 16:00 UTC on 30 April: May in China
    city.pair(late_april, at=china(2027, 4, 30, 23, 59))
    city.at(china(2027, 4, 30, 23, 30))
    city.run_job()
    assert months(city) == ["2027-03"]  # April has not closed: the last closed month is March
    city.at(china(2027, 5, 1, 0, 10))
    city.run_job(grace=timedelta(minutes=15))
    assert months(city) == ["2027-03"]  # within the grace after the close: not yet
    city.at(china(2027, 5, 1, 0, 15))
    city.run_job(grace=timedelta(minutes=15))
    assert months(city) == ["2027-03", "2027-04"]
    s1 = lines(city, "2027-04")["S1"].figures
    assert (s1["children"], s1["paired"], s1["coverage"]) == (1, 1, 1.0)


def test_a_unit_new_since_last_month_has_no_previous(city: Any) -> None:
    fx.april_city(city)
    city.at(china(2027, 5, 1, 0, 5))
    city.run_job()
    city.t["S6"] = city.world.unit(fx.OrgKind.SCHOOL, "东关第6小学", city.t["tA"])
    city.t["K6"] = city.world.unit(fx.OrgKind.CLASS, "6年级1班", city.t["S6"])
    city.flush()
    city.at(china(2027, 6, 1, 0, 5))
    city.run_job()
    may = lines(city, "2027-05")
    assert set(may) == {*lines(city, "2027-04"), "S6", "K6"}
    assert may["S6"].previous is None
    assert may["S6"].rank is None
    assert may["S1"].previous is not None
