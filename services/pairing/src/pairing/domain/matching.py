"""Match suggestions (结对推荐): a primary helper for each waiting child, the neediest first.

Children are served in order of need (优先结对: no guardian, both parents away, young — the
`priority` count of domain.pairing_order — plus the risk level the alerts service reports, then
the younger first, then the longer waiting). Each child gets the best helper with a free place
within reach: school staff (teacher, class teacher) of the child's own school before anyone
else, then the lowest share of capacity taken. A peer student is never proposed as primary.

Helpers wait in one heap per reach unit; a child looks at the heaps of the units on its own path
only (a handful), so a run costs O(C log C + (C + H) log H), never C × H.
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable, Iterable, Mapping
from datetime import date, datetime
from functools import lru_cache
from typing import NamedTuple

from pairing.domain.pairing_order import YOUNG_AGE, age_on
from pairing.domain.rules import SECONDARY_ONLY
from shouhu_contracts.org import LeftBehindType
from shouhu_contracts.pairing.vocabulary import HelperKind

Reason = Mapping[str, str]  # {"zh": …, "en": …}; shared between proposals, never mutated
# Ids are opaque to matching: UUIDs, or whatever the loader found cheapest (the database's own text
# for children and helpers, small ints for units: a city run hashes each unit a million times).
Id = Hashable

SCHOOL_STAFF = frozenset({HelperKind.TEACHER.value, HelperKind.CLASS_TEACHER.value})
RISK_RANK = {"high": 3, "medium": 2, "low": 1}
# A high risk counts as two needs, a medium one as one: a child the alerts service flags high
# comes before a child with one more of the seed's needs but no alert.
RISK_NEED = {"high": 2, "medium": 1}
_BOTH = LeftBehindType.BOTH_PARENTS.value

NO_GUARDIAN: Reason = {"zh": "无监护人", "en": "no guardian"}
BOTH_AWAY: Reason = {"zh": "父母双方外出", "en": "both parents away"}
HIGH_RISK: Reason = {"zh": "高风险", "en": "high risk"}
MEDIUM_RISK: Reason = {"zh": "中风险", "en": "medium risk"}
NO_HELPER: Reason = {
    "zh": "帮扶范围内没有尚有名额的帮扶人",
    "en": "no helper with a free place within reach",
}
ALL_TAKEN: Reason = {
    "zh": "范围内帮扶人的名额已全部推荐给更需要的儿童",
    "en": "every free place within reach went to a needier child in this round",
}
_KIND_LABEL = {
    HelperKind.TEACHER.value: ("同校教师", "teacher at the same school"),
    HelperKind.CLASS_TEACHER.value: ("同校班主任", "class teacher at the same school"),
    HelperKind.VOLUNTEER.value: ("志愿者", "volunteer"),
    HelperKind.CARING_MOTHER.value: ("爱心妈妈", "caring mother"),
    HelperKind.LEADER.value: ("领导干部", "leader"),
    HelperKind.COMPANY.value: ("爱心企业", "company"),
}


class WaitingChild(NamedTuple):
    """An unpaired active child as matching needs it; `path` is its class's path, city first."""

    id: Id
    path: tuple[Id, ...]
    priority: int
    risk_level: str | None
    birth_date: date
    left_behind_type: str
    has_guardian: bool
    registered_at: datetime


class FreeHelper(NamedTuple):
    """An active helper with a free place; `reach_unit_id` per domain.rules.reach_unit."""

    id: Id
    kind: str
    reach_unit_id: Id
    caseload: int
    capacity: int


class Proposal(NamedTuple):
    """A proposed primary helper for a child, with the reasons in Chinese and English."""

    rank: int
    child_id: Id
    helper_id: Id
    reasons: list[Reason]


class Unmatched(NamedTuple):
    """A child no helper could be proposed for, and why."""

    rank: int
    child_id: Id
    reasons: list[Reason]


class Matching(NamedTuple):
    """What a run proposes: proposals and unmatched children, each in order of need."""

    proposals: list[Proposal]
    unmatched: list[Unmatched]


def need_key(child: WaitingChild) -> tuple[int, int, int, datetime]:
    """Sort key, neediest first: needs with risk, risk, the younger, the longer waiting.

    (A stable sort keeps the loader's order among exact ties.)
    """
    risk = child.risk_level
    return (
        -(child.priority + RISK_NEED.get(risk or "", 0)),
        -RISK_RANK.get(risk or "", 0),
        -child.birth_date.toordinal(),
        child.registered_at,
    )


@lru_cache(maxsize=64)
def _young(age: int) -> Reason:
    return {"zh": f"低龄（{age}岁）", "en": f"young ({age})"}


@lru_cache(maxsize=4096)
def _helper_reason(kind: str, taken: int, capacity: int) -> Reason:
    zh, en = _KIND_LABEL.get(kind, (kind, kind))
    return {"zh": f"{zh}，当前帮扶{taken}/{capacity}人", "en": f"{en}, {taken} of {capacity} places taken"}


def needs_of(child: WaitingChild, *, today: date) -> list[Reason]:
    """The child's needs that put it first, as reasons (a new list each time)."""
    age = _age(child.birth_date, today)
    return list(_needs(not child.has_guardian, child.left_behind_type == _BOTH, age, child.risk_level))


@lru_cache(maxsize=16384)
def _age(born: date, today: date) -> int:
    return age_on(born, today)


@lru_cache(maxsize=4096)
def _needs(no_guardian: bool, both_away: bool, age: int, risk: str | None) -> tuple[Reason, ...]:
    out: list[Reason] = []
    if no_guardian:
        out.append(NO_GUARDIAN)
    if both_away:
        out.append(BOTH_AWAY)
    if age < YOUNG_AGE:
        out.append(_young(age))
    if risk == "high":
        out.append(HIGH_RISK)
    elif risk == "medium":
        out.append(MEDIUM_RISK)
    return tuple(out)


class _Pool:
    """The helpers with a free place, in one heap per reach unit: (tier, share taken, index)."""

    def __init__(self, helpers: Iterable[FreeHelper]) -> None:
        self.ids: list[Id] = []
        self.kinds: list[str] = []
        self.loads: list[int] = []
        self.caps: list[int] = []
        self.heaps: dict[Id, list[tuple[int, float, int]]] = {}
        for h in helpers:
            if h.kind in SECONDARY_ONLY or h.caseload >= h.capacity:
                continue
            i = len(self.ids)
            self.ids.append(h.id)
            self.kinds.append(h.kind)
            self.loads.append(h.caseload)
            self.caps.append(h.capacity)
            tier = 0 if h.kind in SCHOOL_STAFF else 1
            self.heaps.setdefault(h.reach_unit_id, []).append((tier, h.caseload / h.capacity, i))
        for heap in self.heaps.values():
            heapq.heapify(heap)
        self._on_path: dict[tuple[Id, ...], list[list[tuple[int, float, int]]]] = {}

    def take(self, path: tuple[Id, ...]) -> int | None:
        """The index of the best helper within reach of a path, its place taken; None when none is free."""
        heaps = self._on_path.get(path)
        if heaps is None:  # once per class: its children share their path
            heaps = self._on_path[path] = [self.heaps[u] for u in path if u in self.heaps]
        best: tuple[int, float, int] | None = None
        best_heap: list[tuple[int, float, int]] = []
        for heap in heaps:
            if heap and (best is None or heap[0] < best):
                best, best_heap = heap[0], heap
        if best is None:
            return None
        tier, _, i = best
        taken = self.loads[i] + 1
        self.loads[i] = taken
        if taken < self.caps[i]:
            heapq.heapreplace(best_heap, (tier, taken / self.caps[i], i))
        else:
            heapq.heappop(best_heap)
        return i

    def had_helpers(self, path: tuple[Id, ...]) -> bool:
        """True when some unit on the path had helpers with a free place at the start of the run."""
        return any(unit in self.heaps for unit in path)


def propose(children: Iterable[WaitingChild], helpers: Iterable[FreeHelper], *, today: date) -> Matching:
    """A primary helper for each child within reach and capacity, the neediest child first."""
    pool = _Pool(helpers)
    proposals: list[Proposal] = []
    unmatched: list[Unmatched] = []
    for rank, child in enumerate(sorted(children, key=need_key), start=1):
        reasons = needs_of(child, today=today)
        got = pool.take(child.path)
        if got is None:
            reasons.append(ALL_TAKEN if pool.had_helpers(child.path) else NO_HELPER)
            unmatched.append(Unmatched(rank, child.id, reasons))
            continue
        taken = pool.loads[got] - 1
        reasons.append(_helper_reason(pool.kinds[got], taken, pool.caps[got]))
        proposals.append(Proposal(rank, child.id, pool.ids[got], reasons))
    return Matching(proposals, unmatched)
