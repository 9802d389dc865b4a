"""Match suggestions, the pure algorithm: order of need, reach, capacity, load, reasons."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

import pytest

from pairing.domain.matching import (
    ALL_TAKEN,
    NO_HELPER,
    SCHOOL_STAFF,
    FreeHelper,
    Matching,
    WaitingChild,
    need_key,
    needs_of,
    propose,
)

pytestmark = pytest.mark.unit

TODAY = date(2026, 10, 1)
T0 = datetime(2026, 9, 1, tzinfo=UTC)
CITY, DISTRICT, TOWN, SCHOOL, OTHER_SCHOOL, CLASS, OTHER_CLASS = (uuid.UUID(int=i) for i in range(1, 8))
PATH = (CITY, DISTRICT, TOWN, SCHOOL, CLASS)
OTHER_PATH = (CITY, DISTRICT, TOWN, OTHER_SCHOOL, OTHER_CLASS)


def child(
    n: int,
    *,
    priority: int = 0,
    risk: str | None = None,
    born: date = date(2014, 5, 1),
    kind: str = "father",
    guardian: bool = True,
    path: tuple[uuid.UUID, ...] = PATH,
    waited: int = 0,
) -> WaitingChild:
    return WaitingChild(
        uuid.UUID(int=1000 + n), path, priority, risk, born, kind, guardian, T0 + timedelta(days=waited)
    )


def helper(n: int, kind: str, reach: uuid.UUID, caseload: int = 0, capacity: int = 3) -> FreeHelper:
    return FreeHelper(uuid.UUID(int=5000 + n), kind, reach, caseload, capacity)


def n(some_id: Any) -> int:
    """The small number a test id was made from."""
    return cast(uuid.UUID, some_id).int % 1000


def pairs(m: Matching) -> list[tuple[int, int]]:
    return [(n(p.child_id), n(p.helper_id)) for p in m.proposals]


def test_the_neediest_child_gets_the_only_place() -> None:
    kids = [
        child(1, priority=1),
        child(2, priority=3, guardian=False, kind="both_parents", born=date(2018, 1, 1)),
        child(3, priority=0, risk="high"),  # high risk counts as two needs
    ]
    m = propose(kids, [helper(1, "teacher", SCHOOL, capacity=1)], today=TODAY)
    assert pairs(m) == [(2, 1)]
    assert [n(u.child_id) for u in m.unmatched] == [3, 1]  # 0 + high risk before a plain 1
    assert m.unmatched[0].reasons[-1] == ALL_TAKEN


def test_risk_then_age_then_waiting_break_ties() -> None:
    kids = [
        child(1, priority=2, waited=2),
        child(2, priority=2, waited=1),
        child(3, priority=2, born=date(2016, 1, 1)),
        child(4, priority=1, risk="medium"),  # 1 + medium = 2, and medium risk beats none
        child(5, priority=0, risk="high"),  # 0 + high = 2, and high beats medium
    ]
    order = [n(c.id) for c in sorted(kids, key=need_key)]
    assert order == [5, 4, 3, 2, 1]


def test_school_staff_of_the_own_school_come_before_volunteers_then_the_lightest_load() -> None:
    helpers = [
        helper(1, "volunteer", TOWN, caseload=0),
        helper(2, "teacher", SCHOOL, caseload=2, capacity=3),
        helper(3, "class_teacher", SCHOOL, caseload=1, capacity=3),
        helper(4, "teacher", OTHER_SCHOOL, caseload=0),  # not this child's school
    ]
    m = propose([child(i) for i in range(4)], helpers, today=TODAY)
    # 1/3 before 2/3; then both at 2/3; then the teachers are full and the volunteer takes over
    assert [h for _, h in pairs(m)] == [3, 2, 3, 1]


def test_a_peer_student_is_never_primary_and_out_of_reach_helpers_are_never_proposed() -> None:
    helpers = [helper(1, "peer_student", SCHOOL, capacity=1), helper(2, "teacher", OTHER_SCHOOL)]
    m = propose([child(1)], helpers, today=TODAY)
    assert m.proposals == []
    assert m.unmatched[0].reasons[-1] == NO_HELPER


def test_helpers_at_capacity_are_left_out_and_a_city_wide_company_reaches_everyone() -> None:
    helpers = [helper(1, "teacher", SCHOOL, caseload=3, capacity=3), helper(2, "company", CITY, 29, 30)]
    m = propose([child(1), child(2, path=OTHER_PATH)], helpers, today=TODAY)
    assert pairs(m) == [(1, 2)]
    assert n(m.unmatched[0].child_id) == 2


def test_reasons_in_chinese_and_english() -> None:
    kid = child(1, priority=3, guardian=False, kind="both_parents", born=date(2018, 3, 1), risk="high")
    m = propose([kid], [helper(1, "teacher", SCHOOL, caseload=1, capacity=3)], today=TODAY)
    assert m.proposals[0].reasons == [
        {"zh": "无监护人", "en": "no guardian"},
        {"zh": "父母双方外出", "en": "both parents away"},
        {"zh": "低龄（8岁）", "en": "young (8)"},
        {"zh": "高风险", "en": "high risk"},
        {"zh": "同校教师，当前帮扶1/3人", "en": "teacher at the same school, 1 of 3 places taken"},
    ]
    assert needs_of(child(2), today=TODAY) == []  # 12, a father away, a guardian: nothing to say


# ---------------------------------------------------------------- random cities

KINDS = ["teacher", "class_teacher", "volunteer", "caring_mother", "leader", "company", "peer_student"]


def _city(rng: random.Random) -> tuple[list[WaitingChild], list[FreeHelper]]:
    city = uuid.uuid4()
    towns = [(city, uuid.uuid4(), uuid.uuid4()) for _ in range(rng.randint(1, 3))]  # district, township
    schools = [(*rng.choice(towns), uuid.uuid4()) for _ in range(rng.randint(1, 5))]
    classes = [(*s, uuid.uuid4()) for s in schools for _ in range(rng.randint(1, 3))]
    kids = [
        WaitingChild(
            uuid.uuid4(),
            rng.choice(classes),
            rng.randint(0, 3),
            rng.choice([None, "low", "medium", "high"]),
            date(2010, 1, 1) + timedelta(days=rng.randint(0, 3000)),
            rng.choice(["both_parents", "father", "mother"]),
            rng.random() < 0.7,
            T0 + timedelta(minutes=rng.randint(0, 50)),
        )
        for _ in range(rng.randint(0, 120))
    ]
    helpers = []
    for _ in range(rng.randint(0, 40)):
        kind = rng.choice(KINDS)
        reach = (
            rng.choice(schools)[3]
            if kind in SCHOOL_STAFF | {"peer_student"}
            else rng.choice([city, *[t[1] for t in towns], *[t[2] for t in towns]])
        )
        capacity = rng.randint(1, 4)
        helpers.append(FreeHelper(uuid.uuid4(), kind, reach, rng.randint(0, capacity), capacity))
    return kids, helpers


def _naive(kids: list[WaitingChild], helpers: list[FreeHelper]) -> list[tuple[Any, Any]]:
    """The same rule written the slow way (every helper for every child), to hold the heaps to it."""
    load = {h.id: h.caseload for h in helpers}
    index = {
        h.id: i
        for i, h in enumerate(h for h in helpers if h.kind != "peer_student" and h.caseload < h.capacity)
    }
    out = []
    for kid in sorted(kids, key=need_key):
        free = [
            h for h in helpers if h.id in index and load[h.id] < h.capacity and h.reach_unit_id in kid.path
        ]
        if not free:
            continue
        best = min(free, key=lambda h: (h.kind not in SCHOOL_STAFF, load[h.id] / h.capacity, index[h.id]))
        load[best.id] += 1
        out.append((kid.id, best.id))
    return out


@pytest.mark.parametrize("seed", range(60))
def test_a_random_city_keeps_every_rule(seed: int) -> None:
    rng = random.Random(seed)
    kids, helpers = _city(rng)
    m = propose(kids, helpers, today=TODAY)
    by_id = {h.id: h for h in helpers}
    kid = {c.id: c for c in kids}
    used = Counter(p.helper_id for p in m.proposals)
    for helper_id, n in used.items():
        assert by_id[helper_id].caseload + n <= by_id[helper_id].capacity  # never over capacity
    for p in m.proposals:
        assert by_id[p.helper_id].reach_unit_id in kid[p.child_id].path  # never out of reach
        assert by_id[p.helper_id].kind != "peer_student"  # never a peer student as primary
    assert len(m.proposals) + len(m.unmatched) == len(kids)
    ranks = [p.rank for p in m.proposals] + [u.rank for u in m.unmatched]
    assert sorted(ranks) == list(range(1, len(kids) + 1))
    # Neediest first: a child left without a helper had every helper within its reach taken by
    # needier children, so no less needy child gets one of them.
    for u in m.unmatched:
        path = kid[u.child_id].path
        later = [p for p in m.proposals if p.rank > u.rank]
        assert all(by_id[p.helper_id].reach_unit_id not in path for p in later)
    assert [(p.child_id, p.helper_id) for p in m.proposals] == _naive(kids, helpers)
