"""A synthetic city of left-behind children that follows the seed's figures (DOMAIN.md), seeded.

    .venv/bin/python -m bench.synthetic_city [--children 100000] [--seed 2026] [--events]

One generator for every bench and for the demo: the same seed and size give the same city, unit
for unit, child for child. Its shape (DOMAIN.md "Figures for a synthetic city", §1, §2):

- 3 districts (区) and 8 counties (县) under one city; 8 streets (街道) per district and 12
  townships (乡镇) per county; 12 villages per township. The number of divisions stays the seed's
  at every size: a bigger city has more schools per township, not more townships.
- Primary schools of 6 grades with 1–4 classes each, 40–50 pupils per class; each school has
  its own share of left-behind pupils (mean 12.9 %, capped at 33.6 %, the seed's county and its
  worst town primary), so a class has about 6 of them, and one class in 30 has 20–30. One school
  in 6 is a boarding school (寄宿制), where 45 % of the left-behind pupils board.
- Guardians: grandparents 56 %, nobody 26 %, other relatives 18 % (the county survey). Parents
  away: both 47 %, father only 40 %, mother only 13 %. One child in 20 misses the away parent's
  phone on the contact card.
- Two terms of results per class (2025-2026-1 and -2): every pupil of the class is ranked, the
  left-behind ones among them drawn from the weaker pupils (fewer than 20 % do well, DOMAIN.md);
  ranks move a little between terms and 7 % of the left-behind children fall sharply.
- Helpers in the seed's proportions: per class a class teacher (班主任) and teachers who take 2–3
  children (about 4–5 pupils per class paired with staff); per township volunteers, caring mothers
  (爱心妈妈) and a leader (一把手, one child); a leader per district; peer students (学习帮手,
  secondary helpers, one child each); a few companies (爱心企业, 30 children each, secondary).
  About 96 % of the children get a primary helper; the neediest (both parents away, no guardian,
  young) first; 30 % of the pairings are marked as taken from match suggestions.
- Three months of the monthly helper contact (September to November 2026): each primary pairing's
  window is met by a logged contact or missed (helpers of each kind keep it 60–90 % of the time).

It is streamed one township at a time (a township's people are made from their own seeded
random stream), so a million children never sit in memory; the org tree's units are streamed
too. Three views of the same city:

- plain data: `SyntheticCity.units()`, `.townships()` (each a `Township` with its units and
  people), and the flat iterators `.children()`, `.results()`, `.helpers()`, `.pairings()`,
  `.contacts()`; `summary()` counts and checks the shares in one streaming pass;
- contract events: `.events()` (the `EventData` models, in the order the services publish them)
  and `.encoded()` ((topic, key, value) as the relay puts them on the wire);
- API calls: `ApiLoader` loads a small city into a running platform (tools/demo_city.py).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import random
import resource
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from shouhu_contracts.envelope import EventData, encode_event, new_event
from shouhu_contracts.org import Gender, GuardianshipRating, LeftBehindType, OrgKind
from shouhu_contracts.pairing.v1 import (
    ContactLogged,
    HelperRegistered,
    ObligationWindowMet,
    ObligationWindowMissed,
    ObligationWindowOpened,
    ObligationWindowRef,
    PairingCreated,
)
from shouhu_contracts.pairing.vocabulary import (
    ContactKind,
    Counterpart,
    HelperKind,
    PairingRole,
    Responsible,
    Rhythm,
)
from shouhu_contracts.registry.v1 import ChildRegistered, OrgUnitCreated, TermResultRecorded

SIZES = (10_000, 100_000, 1_000_000)
CN = timedelta(hours=8)  # China's time: windows and school days begin at midnight there
TERMS = ("2025-2026-1", "2025-2026-2")
RESULTS_AT = (datetime(2026, 1, 20, 2, 0, tzinfo=UTC), datetime(2026, 7, 5, 2, 0, tzinfo=UTC))
REGISTERED_FROM = datetime(2025, 9, 1, 1, 0, tzinfo=UTC)
PAIRED_FROM = datetime(2026, 8, 20, 2, 0, tzinfo=UTC)
CONTACT_MONTHS = ((2026, 9), (2026, 10), (2026, 11))
NOW = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)  # the city as it stands: after November's windows closed

# The seed's figures (DOMAIN.md) and the shares drawn from them.
DISTRICTS = (("城关区", 8), ("高新区", 8), ("经开区", 8))  # name, streets
COUNTIES = ("青山县", "清河县", "白石县", "龙泉县", "安平县", "永宁县", "长乐县", "平山县")
TOWNSHIPS_PER_COUNTY = 12
VILLAGES_PER_TOWNSHIP = 12
SHARE_LEFT_BEHIND = 0.129  # of pupils, county-wide
SHARE_MAX = 0.336  # 195 of 579 in one town primary
HOT_CLASS = 1 / 30  # single classes with 20–30 left-behind pupils
BOARDING_SCHOOL = 1 / 6
BOARDERS_IN_BOARDING_SCHOOL = 0.45
GUARDIANS = (("grandparent", 0.56), ("none", 0.26), ("relative", 0.18))
LEFT_BEHIND = (
    (LeftBehindType.BOTH_PARENTS, 0.47),
    (LeftBehindType.FATHER, 0.40),
    (LeftBehindType.MOTHER, 0.13),
)
MISSING_PHONE = 0.05
SHARP_FALL = 0.07  # of the left-behind children, between the two terms
UNPAIRED = 0.04
SUGGESTED = 0.30
KEEPS_CONTACT = {  # share of monthly windows met, by the primary helper's kind
    HelperKind.CLASS_TEACHER: 0.90,
    HelperKind.TEACHER: 0.85,
    HelperKind.CARING_MOTHER: 0.80,
    HelperKind.VOLUNTEER: 0.70,
    HelperKind.LEADER: 0.60,
}
CAPACITY = {  # pairing's defaults (pairing.domain.policy.DEFAULT_CAPACITY)
    HelperKind.TEACHER: 3,
    HelperKind.CLASS_TEACHER: 3,
    HelperKind.VOLUNTEER: 3,
    HelperKind.LEADER: 1,
    HelperKind.CARING_MOTHER: 3,
    HelperKind.PEER_STUDENT: 1,
    HelperKind.COMPANY: 30,
}
DUTY = ("helper_contact_monthly", "帮扶人每月联系儿童一次")

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "小明红华丽强军芳杰静伟敏磊洋艳勇娟涛超霞刚平子涵欣怡浩然梓轩雨桐思远佳怡宇航诗俊一诺晨曦安琪家豪"
WORK_CITIES = ("深圳", "东莞", "广州", "杭州", "苏州", "上海", "北京", "宁波", "厦门", "佛山")
GRANDPARENTS = ("祖父", "祖母", "外祖父", "外祖母")
RELATIVES = ("叔叔", "婶婶", "姑姑", "舅舅", "姨妈", "哥哥", "姐姐")
GRADES = "一二三四五六"
# Allocated mobile prefixes only (the national number plan the registry checks): 13x, 15x but 154, 18x.
MOBILE_PREFIXES = tuple(f"1{a}{b}" for a in "358" for b in "0123456789" if f"{a}{b}" != "54")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


# ---------------------------------------------------------------- plain data


@dataclass(frozen=True, slots=True)
class Unit:
    """One org unit; `path` runs from the city down to the unit itself."""

    id: uuid.UUID
    kind: OrgKind
    code: str
    name: str
    parent_id: uuid.UUID | None
    path: tuple[uuid.UUID, ...]


@dataclass(frozen=True, slots=True)
class Parent:
    """A parent as the contact card holds them."""

    name: str
    away: bool
    phone: str | None
    work_city: str | None


@dataclass(frozen=True, slots=True)
class Guardian:
    """The guardian (监护人) of a child: a grandparent or another relative."""

    kind: str  # grandparent | relative
    name: str
    relation: str
    age: int
    rating: GuardianshipRating
    phone: str
    health: str


@dataclass(frozen=True, slots=True)
class Child:
    """A left-behind child's archive."""

    id: uuid.UUID
    name: str
    gender: Gender
    birth_date: date
    id_number: str
    left_behind_type: LeftBehindType
    class_id: uuid.UUID
    class_path: tuple[uuid.UUID, ...]
    school_id: uuid.UUID
    home_village_id: uuid.UUID
    home_path: tuple[uuid.UUID, ...]
    boarding: bool
    father: Parent
    mother: Parent
    guardian: Guardian | None
    registered_at: datetime

    @property
    def missing_contacts(self) -> list[str]:
        """The contact card's required phones that are missing (what the registry reports)."""
        missing = [
            f"{who}.phone"
            for who, p in (("father", self.father), ("mother", self.mother))
            if p.away and not p.phone
        ]
        if self.guardian is not None and not self.guardian.phone:
            missing.append("guardian.phone")
        return missing


@dataclass(frozen=True, slots=True)
class TermResult:
    """One end-of-term result: total, class rank among all the class's pupils, subjects."""

    child_id: uuid.UUID
    term: str
    total_score: float
    class_rank: int
    class_size: int
    subjects: dict[str, float]
    class_path: tuple[uuid.UUID, ...]
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class Helper:
    """A helper (结对帮扶人) and the unit they belong to."""

    id: uuid.UUID
    kind: HelperKind
    name: str
    account: str
    unit_id: uuid.UUID
    unit_path: tuple[uuid.UUID, ...]
    capacity: int
    phone: str
    class_id: uuid.UUID | None = None  # a class teacher's class
    registered_at: datetime = PAIRED_FROM - timedelta(days=10)


@dataclass(frozen=True, slots=True)
class Pairing:
    """A child paired with a helper."""

    id: uuid.UUID
    child_id: uuid.UUID
    helper_id: uuid.UUID
    helper_kind: HelperKind
    helper_account: str
    role: PairingRole
    suggested: bool
    class_path: tuple[uuid.UUID, ...]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Contact:
    """One monthly window of a primary pairing's contact duty: met by a logged contact, or missed."""

    obligation_id: uuid.UUID
    child_id: uuid.UUID
    helper_id: uuid.UUID
    pairing_id: uuid.UUID
    class_path: tuple[uuid.UUID, ...]
    window_start: datetime
    window_end: datetime
    occurred_at: datetime | None  # None: missed
    kind: ContactKind
    duration_minutes: int
    log_id: uuid.UUID

    @property
    def missed(self) -> bool:
        """No contact met the window."""
        return self.occurred_at is None


@dataclass(slots=True)
class ClassPlan:
    """One class as planned from the structure stream: its pupils and its left-behind count."""

    unit: Unit
    grade: int  # 1..6
    pupils: int
    left_behind: int


@dataclass(slots=True)
class SchoolPlan:
    """One school: its unit, share of left-behind pupils, boarding, classes."""

    unit: Unit
    share: float
    boarding: bool
    classes: list[ClassPlan]


@dataclass(slots=True)
class Township:
    """A township as streamed: its units and, once populated, its people."""

    index: int
    unit: Unit
    district: Unit
    villages: list[Unit]
    schools: list[SchoolPlan]
    children: list[Child] = field(default_factory=list)
    results: list[TermResult] = field(default_factory=list)
    helpers: list[Helper] = field(default_factory=list)
    pairings: list[Pairing] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)

    def units(self) -> Iterator[Unit]:
        """The township, its villages, its schools and their classes, parents first."""
        yield self.unit
        yield from self.villages
        for school in self.schools:
            yield school.unit
            for klass in school.classes:
                yield klass.unit


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _pick(rng: random.Random, table: Iterable[tuple[Any, float]]) -> Any:
    x, acc, last = rng.random(), 0.0, None
    for value, share in table:
        acc += share
        last = value
        if x < acc:
            return value
    return last


def _phone(rng: random.Random) -> str:
    return f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"


def id_number(born: date, seq: int, male: bool) -> str:
    """A valid 18-character resident ID (GB 11643) for a birth date; odd sequence for a boy."""
    body = f"410102{born:%Y%m%d}{(seq % 500) * 2 + (1 if male else 0):03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]


def _month_window(year: int, month: int) -> tuple[datetime, datetime]:
    start = datetime(year, month, 1, tzinfo=UTC) - CN
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC) - CN
    return start, end


class SyntheticCity:
    """A city of `children` left-behind children, the same for the same seed."""

    def __init__(
        self,
        children: int,
        seed: int = 2026,
        *,
        name: str = "示范市",
        districts: int | None = None,
        townships_per_district: int | None = None,
        villages_per_township: int = VILLAGES_PER_TOWNSHIP,
    ) -> None:
        """The seed's shape by default; a demo may ask for fewer districts, townships and villages.

        `districts` keeps that many of the 3 districts and 8 counties, alternating (城关区, 青山县,
        高新区, …); `townships_per_district` caps each one's townships.
        """
        if children < 1:
            raise ValueError("a city needs at least one child")
        self.size, self.seed, self.name = children, seed, name
        self.villages_per_township = villages_per_township
        rng = random.Random(f"{seed}:tree")  # noqa: S311 - made-up children, not secrets
        rid = _uuid(rng)
        self.root = Unit(rid, OrgKind.CITY, "C", name, None, (rid,))
        self.districts: list[Unit] = []
        self._township_names: list[tuple[int, str]] = []  # (district index, name)
        shapes = [(n, streets, "街道") for n, streets in DISTRICTS] + [
            (c, TOWNSHIPS_PER_COUNTY, "镇") for c in COUNTIES
        ]
        if districts is not None:
            city_side, county_side = shapes[: len(DISTRICTS)], shapes[len(DISTRICTS) :]
            alternating = [x for pair in itertools.zip_longest(city_side, county_side) for x in pair if x]
            shapes = alternating[: max(1, districts)]
        for d, (dname, streets, suffix) in enumerate(shapes):
            uid = _uuid(rng)
            self.districts.append(
                Unit(uid, OrgKind.DISTRICT, f"D{d:02d}", dname, self.root.id, (self.root.id, uid))
            )
            for t in range(min(streets, townships_per_district or streets)):
                place = "东西南北中新安和平兴"[t % 10]
                self._township_names.append((d, f"{dname[:2]}{place}{t // 10 or ''}{suffix}"))
        # Each township's share of the children: the seed's county of 18,000 has 12 townships of
        # uneven size; counties weigh more than city districts (more of their pupils are left behind).
        weights = [
            rng.lognormvariate(0, 0.35) * (1.0 if d < len(DISTRICTS) else 1.6)
            for d, _ in self._township_names
        ]
        total = sum(weights)
        quotas = [int(children * w / total) for w in weights]
        for i in range(children - sum(quotas)):
            quotas[i % len(quotas)] += 1
        self.quotas = quotas

    # ------------------------------------------------------------ structure

    def _structure(self, t: int) -> Township:
        """Township t's units and class sizes (its own random stream: no other township is made)."""
        rng = random.Random(f"{self.seed}:struct:{t}")  # noqa: S311
        d, tname = self._township_names[t]
        district = self.districts[d]
        tid = _uuid(rng)
        tpath = (*district.path, tid)
        township = Unit(tid, OrgKind.TOWNSHIP, f"T{t:03d}", tname, district.id, tpath)
        villages = []
        for v in range(self.villages_per_township):
            vid = _uuid(rng)
            villages.append(
                Unit(vid, OrgKind.VILLAGE, f"T{t:03d}V{v:02d}", f"{tname[:2]}{v + 1}村", tid, (*tpath, vid))
            )
        schools: list[SchoolPlan] = []
        left = self.quotas[t]
        s = 0
        while left > 0:
            sid = _uuid(rng)
            spath = (*tpath, sid)
            kind_name = "中心小学" if s == 0 else f"第{s + 1}小学"
            school = Unit(sid, OrgKind.SCHOOL, f"T{t:03d}S{s:03d}", f"{tname[:2]}{kind_name}", tid, spath)
            share = min(SHARE_MAX, max(0.03, rng.lognormvariate(math.log(0.122), 0.35)))
            plan = SchoolPlan(school, share, rng.random() < BOARDING_SCHOOL, [])
            sections = rng.choice((1, 1, 2, 2, 2, 3, 3, 4))
            school_pupils = school_lb = 0
            for g in range(1, 7):
                for k in range(sections):
                    if left <= 0:
                        break
                    pupils = rng.randint(40, 50)
                    school_pupils += pupils
                    if rng.random() < HOT_CLASS:
                        lb = rng.randint(20, 30)
                    else:
                        mean = pupils * share
                        lb = round(rng.gauss(mean, math.sqrt(mean * (1 - share))))
                        lb = max(1, min(pupils, lb))
                    # No school above the seed's worst (33.6 %), whatever its hot classes.
                    lb = min(lb, left, max(1, math.floor(SHARE_MAX * school_pupils) - school_lb))
                    school_lb += lb
                    left -= lb
                    cid = _uuid(rng)
                    unit = Unit(
                        cid,
                        OrgKind.CLASS,
                        f"T{t:03d}S{s:03d}G{g}{k}",
                        f"{GRADES[g - 1]}年级({k + 1})班",
                        sid,
                        (*spath, cid),
                    )
                    plan.classes.append(ClassPlan(unit, g, pupils, lb))
            schools.append(plan)
            s += 1
        return Township(t, township, district, villages, schools)

    @property
    def township_count(self) -> int:
        """How many townships (and streets) the city has."""
        return len(self._township_names)

    def units(self) -> Iterator[Unit]:
        """Every org unit, parents before children: the city, its districts, then township by township."""
        yield self.root
        yield from self.districts
        for t in range(self.township_count):
            yield from self._structure(t).units()

    # ------------------------------------------------------------ people

    def townships(self) -> Iterator[Township]:
        """Each township with its children, results, helpers, pairings and contacts, one at a time."""
        companies = max(2, round(self.size / 25_000))
        company_at = {(c * self.township_count) // companies: c for c in range(companies)}
        first_of_district: dict[int, int] = {}
        for t, (d, _n) in enumerate(self._township_names):
            first_of_district.setdefault(d, t)
        for t in range(self.township_count):
            town = self._structure(t)
            self._populate(
                town,
                company=company_at.get(t),
                district_leader=first_of_district[self._township_names[t][0]] == t,
            )
            yield town

    def _populate(self, town: Township, *, company: int | None, district_leader: bool) -> None:
        rng = random.Random(f"{self.seed}:people:{town.index}")  # noqa: S311
        seq = 0
        for school in town.schools:
            for klass in school.classes:
                kids = self._class(rng, town, school, klass, seq)
                seq += len(kids)
        self._helpers(rng, town, company=company, district_leader=district_leader)
        self._pair(rng, town)
        self._contacts(rng, town)

    def _class(
        self, rng: random.Random, town: Township, school: SchoolPlan, klass: ClassPlan, seq: int
    ) -> list[Child]:
        """The class's pupils ranked over two terms; its left-behind ones as children with results."""
        n, k = klass.pupils, klass.left_behind
        ability = [rng.gauss(0, 1) for _ in range(n)]
        # The left-behind pupils are drawn from the weaker ones (DOMAIN.md: fewer than 20 % do well).
        lean = sorted(range(n), key=lambda i: ability[i] - rng.gauss(0, 1.2))
        chosen = lean[:k]
        fall = {i for i in chosen if rng.random() < SHARP_FALL}
        terms = []
        for term in range(2):
            score = [
                ability[i] + rng.gauss(0, 0.15) - (rng.gauss(1.7, 0.3) if term == 1 and i in fall else 0.0)
                for i in range(n)
            ]
            order = sorted(range(n), key=lambda i: -score[i])
            rank = {i: r + 1 for r, i in enumerate(order)}
            terms.append((score, rank))
        kids = []
        born_year = 2026 - 6 - klass.grade
        for j, i in enumerate(chosen):
            male = rng.random() < 0.52
            born = date(born_year, 9, 1) + timedelta(days=rng.randrange(365))
            kind = _pick(rng, LEFT_BEHIND)
            guardian_kind = _pick(rng, GUARDIANS)
            guardian = None
            if guardian_kind == "grandparent":
                age = rng.randint(55, 82)
                rating = _pick(
                    rng,
                    (
                        (GuardianshipRating.GOOD, 0.45 if age < 70 else 0.25),
                        (GuardianshipRating.FAIR, 0.4),
                        (GuardianshipRating.POOR, 0.15 if age < 70 else 0.35),
                    ),
                )
                guardian = Guardian(
                    "grandparent",
                    rng.choice(SURNAMES) + rng.choice(("爷爷", "奶奶", "外公", "外婆")),
                    rng.choice(GRANDPARENTS),
                    age,
                    rating,
                    _phone(rng),
                    rng.choice(("良好", "良好", "一般", "慢性病")),
                )
            elif guardian_kind == "relative":
                guardian = Guardian(
                    "relative",
                    rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                    rng.choice(RELATIVES),
                    rng.randint(25, 60),
                    _pick(
                        rng,
                        (
                            (GuardianshipRating.GOOD, 0.55),
                            (GuardianshipRating.FAIR, 0.35),
                            (GuardianshipRating.POOR, 0.10),
                        ),
                    ),
                    _phone(rng),
                    "良好",
                )
            father_away = kind is not LeftBehindType.MOTHER
            mother_away = kind is not LeftBehindType.FATHER
            no_phone = rng.random() < MISSING_PHONE
            father = Parent(
                rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                father_away,
                None if (no_phone and father_away) else _phone(rng),
                rng.choice(WORK_CITIES) if father_away else None,
            )
            mother = Parent(
                rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                mother_away,
                None if (no_phone and mother_away and not father_away) else _phone(rng),
                rng.choice(WORK_CITIES) if mother_away else None,
            )
            child = Child(
                id=_uuid(rng),
                name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                gender=Gender.MALE if male else Gender.FEMALE,
                birth_date=born,
                id_number=id_number(born, seq + j, male),
                left_behind_type=kind,
                class_id=klass.unit.id,
                class_path=klass.unit.path,
                school_id=school.unit.id,
                home_village_id=(village := rng.choice(town.villages)).id,
                home_path=village.path,
                boarding=school.boarding and rng.random() < BOARDERS_IN_BOARDING_SCHOOL,
                father=father,
                mother=mother,
                guardian=guardian,
                registered_at=REGISTERED_FROM + timedelta(seconds=rng.randrange(60 * 86400)),
            )
            kids.append(child)
            for term in range(2):
                score, rank = terms[term]
                # 语文, 数学, 英语 out of 100 each: a class averages about 80 a subject, fails under 60.
                total = round(min(300.0, max(60.0, 245 + 25 * score[i])), 1)
                subjects = _split(rng, total)
                town.results.append(
                    TermResult(
                        child.id,
                        TERMS[term],
                        round(sum(subjects.values()), 1),
                        rank[i],
                        n,
                        subjects,
                        klass.unit.path,
                        RESULTS_AT[term] + timedelta(seconds=rng.randrange(86400)),
                    )
                )
        town.children.extend(kids)
        return kids

    def _helpers(
        self, rng: random.Random, town: Township, *, company: int | None, district_leader: bool
    ) -> None:
        t = town.index

        def helper(kind: HelperKind, unit: Unit, name: str, class_id: uuid.UUID | None = None) -> Helper:
            n = len(town.helpers)
            h = Helper(
                _uuid(rng),
                kind,
                name,
                f"h{self.seed}-{t:03d}-{n:05d}",
                unit.id,
                unit.path,
                CAPACITY[kind],
                _phone(rng),
                class_id,
            )
            town.helpers.append(h)
            return h

        for school in town.schools:
            lb = sum(c.left_behind for c in school.classes)
            for klass in school.classes:
                helper(HelperKind.CLASS_TEACHER, school.unit, rng.choice(SURNAMES) + "老师", klass.unit.id)
            # Teachers take 2–3 children each: enough of them for the school's left-behind pupils.
            for _ in range(max(1, math.ceil(lb * 0.75 / 2.5))):
                helper(HelperKind.TEACHER, school.unit, rng.choice(SURNAMES) + "老师")
            for _ in range(max(1, len(school.classes) // 2)):
                helper(HelperKind.PEER_STUDENT, school.unit, rng.choice(SURNAMES) + rng.choice(GIVEN))
        quota = self.quotas[t]
        for _ in range(max(1, round(quota / 60))):
            helper(HelperKind.VOLUNTEER, town.unit, rng.choice(SURNAMES) + "志愿者")
        for _ in range(max(1, round(quota / 150))):
            helper(HelperKind.CARING_MOTHER, town.unit, rng.choice(SURNAMES) + "妈妈")
        helper(HelperKind.LEADER, town.unit, rng.choice(SURNAMES) + "书记")
        if district_leader:
            helper(HelperKind.LEADER, town.district, rng.choice(SURNAMES) + "县长")
        if company is not None:
            helper(HelperKind.COMPANY, town.district, f"爱心企业{company + 1}号")

    def _pair(self, rng: random.Random, town: Township) -> None:
        """Primary helpers for the neediest first, within reach and capacity; then secondary ones."""
        load = {h.id: 0 for h in town.helpers}

        def need(c: Child) -> tuple[int, date]:
            both = c.left_behind_type is LeftBehindType.BOTH_PARENTS
            return (-(2 * both + 2 * (c.guardian is None)), c.birth_date)

        by_school: dict[uuid.UUID, list[Helper]] = {}
        by_class: dict[uuid.UUID, Helper] = {}
        community: list[Helper] = []
        leaders: list[Helper] = []
        peers: dict[uuid.UUID, list[Helper]] = {}
        companies: list[Helper] = []
        for helper in town.helpers:
            h = helper
            if h.kind is HelperKind.CLASS_TEACHER and h.class_id is not None:
                by_class[h.class_id] = h
            elif h.kind is HelperKind.TEACHER:
                by_school.setdefault(h.unit_id, []).append(h)
            elif h.kind in (HelperKind.VOLUNTEER, HelperKind.CARING_MOTHER):
                community.append(h)
            elif h.kind is HelperKind.LEADER:
                leaders.append(h)
            elif h.kind is HelperKind.PEER_STUDENT:
                peers.setdefault(h.unit_id, []).append(h)
            else:
                companies.append(h)

        def free(hs: Iterable[Helper]) -> Helper | None:
            return next((h for h in hs if load[h.id] < h.capacity), None)

        def pair(c: Child, h: Helper, role: PairingRole) -> None:
            load[h.id] += 1
            town.pairings.append(
                Pairing(
                    _uuid(rng),
                    c.id,
                    h.id,
                    h.kind,
                    h.account,
                    role,
                    role is PairingRole.PRIMARY and rng.random() < SUGGESTED,
                    c.class_path,
                    PAIRED_FROM + timedelta(seconds=rng.randrange(10 * 86400)),
                )
            )

        for c in sorted(town.children, key=need):
            if rng.random() < UNPAIRED:
                continue
            if c.guardian is None:  # a caring mother first where nobody looks after the child
                options = [*(h for h in community if h.kind is HelperKind.CARING_MOTHER), *leaders]
            else:
                options = [*leaders]
            options += [by_class[c.class_id], *by_school.get(c.school_id, ()), *community]
            primary = free(options)
            if primary is not None:
                pair(c, primary, PairingRole.PRIMARY)
        for c in town.children:
            peer = free(peers.get(c.school_id, ()))
            if peer is not None and rng.random() < 0.5:
                pair(c, peer, PairingRole.SECONDARY)
            elif companies and rng.random() < 0.1:
                company = free(companies)
                if company is not None:
                    pair(c, company, PairingRole.SECONDARY)

    def _contacts(self, rng: random.Random, town: Township) -> None:
        for p in town.pairings:
            if p.role is not PairingRole.PRIMARY:
                continue
            keeps = KEEPS_CONTACT.get(p.helper_kind, 0.75)
            for year, month in CONTACT_MONTHS:
                start, end = _month_window(year, month)
                met = rng.random() < keeps
                at = (
                    start + timedelta(seconds=rng.randrange(int((end - start).total_seconds()) - 3600))
                    if met
                    else None
                )
                kind = (
                    ContactKind.HEART_TO_HEART
                    if p.helper_kind is HelperKind.CLASS_TEACHER and rng.random() < 0.6
                    else _pick(
                        rng,
                        (
                            (ContactKind.PHONE_CALL, 0.6),
                            (ContactKind.VIDEO_CALL, 0.25),
                            (ContactKind.HOME_VISIT, 0.15),
                        ),
                    )
                )
                town.contacts.append(
                    Contact(
                        _uuid(rng),
                        p.child_id,
                        p.helper_id,
                        p.id,
                        p.class_path,
                        start,
                        end,
                        at,
                        kind,
                        rng.randint(5, 40),
                        _uuid(rng),
                    )
                )

    # ------------------------------------------------------------ flat views

    def children(self) -> Iterator[Child]:
        """Every child, township by township."""
        for town in self.townships():
            yield from town.children

    def results(self) -> Iterator[TermResult]:
        """Every term result (two per child)."""
        for town in self.townships():
            yield from town.results

    def helpers(self) -> Iterator[Helper]:
        """Every helper."""
        for town in self.townships():
            yield from town.helpers

    def pairings(self) -> Iterator[Pairing]:
        """Every pairing, primary and secondary."""
        for town in self.townships():
            yield from town.pairings

    def contacts(self) -> Iterator[Contact]:
        """Every monthly contact window of a primary pairing, met or missed."""
        for town in self.townships():
            yield from town.contacts

    # ------------------------------------------------------------ events

    def events(self, *, kinds: frozenset[str] | None = None) -> Iterator[EventData]:
        """The city as contract events, in the order the services publish them.

        First every OrgUnitCreated (registry.org), then township by township: each child's
        registration and two results (registry.children), the helpers (pairing.helpers), the
        pairings (pairing.pairings), and per monthly window the window opened, the contact logged
        and the window met, or the window missed (pairing.contacts, pairing.obligations).
        `kinds` keeps only these topics (e.g. {"registry.org", "registry.children"}).
        """

        def wanted(topic: str) -> bool:
            return kinds is None or topic in kinds

        if wanted("registry.org"):
            for u in self.units():
                yield org_event(u)
        if kinds is not None and kinds <= {"registry.org"}:
            return
        for town in self.townships():
            yield from town_events(town, wanted)

    def encoded(self, *, kinds: frozenset[str] | None = None) -> Iterator[tuple[str, bytes, bytes]]:
        """(topic, key, value) as the relay puts each event on the wire (structured CloudEvent)."""
        for data in self.events(kinds=kinds):
            yield data.topic, data.key().encode(), encode(data)

    # ------------------------------------------------------------ checks

    def summary(self) -> dict[str, Any]:
        """Counts and shares of the whole city, in one streaming pass (memory stays one township)."""
        c = {"units": 1 + len(self.districts), "children": 0, "results": 0, "helpers": 0, "pairings": 0}
        kinds: dict[str, int] = {}
        guardians = {"grandparent": 0, "none": 0, "relative": 0}
        types = {t.value: 0 for t in LeftBehindType}
        boarding = primary = suggested = windows = missed = falls = failing = 0
        schools = classes = 0
        class_lb: list[int] = []
        school_share_max = 0.0
        for town in self.townships():
            c["units"] += 1 + len(town.villages)
            for school in town.schools:
                schools += 1
                classes += len(school.classes)
                class_lb += [k.left_behind for k in school.classes]
                pupils = sum(k.pupils for k in school.classes)
                school_share_max = max(school_share_max, sum(k.left_behind for k in school.classes) / pupils)
            c["children"] += len(town.children)
            c["results"] += len(town.results)
            c["helpers"] += len(town.helpers)
            c["pairings"] += len(town.pairings)
            for ch in town.children:
                guardians["none" if ch.guardian is None else ch.guardian.kind] += 1
                types[ch.left_behind_type.value] += 1
                boarding += ch.boarding
            for h in town.helpers:
                kinds[h.kind.value] = kinds.get(h.kind.value, 0) + 1
            for p in town.pairings:
                primary += p.role is PairingRole.PRIMARY
                suggested += p.suggested
            windows += len(town.contacts)
            missed += sum(k.missed for k in town.contacts)
            by_child: dict[uuid.UUID, list[TermResult]] = {}
            for r in town.results:
                by_child.setdefault(r.child_id, []).append(r)
            falls += sum(
                1
                for a, b in by_child.values()
                if b.class_rank - a.class_rank >= 10 or b.total_score <= 0.85 * a.total_score
            )
            failing += sum(1 for r in town.results if sum(v < 60 for v in r.subjects.values()) >= 2)
        c["units"] += schools + classes
        n = max(c["children"], 1)
        class_lb.sort()
        return {
            "children": c["children"],
            "org_units": c["units"],
            "districts": len(self.districts),
            "townships": self.township_count,
            "schools": schools,
            "classes": classes,
            "left_behind_per_class": {
                "min": class_lb[0],
                "median": class_lb[len(class_lb) // 2],
                "max": class_lb[-1],
            },
            "highest_school_share": round(school_share_max, 3),
            "guardians": {k: round(v / n, 3) for k, v in guardians.items()},
            "left_behind_types": {k: round(v / n, 3) for k, v in types.items()},
            "boarding_share": round(boarding / n, 3),
            "term_results": c["results"],
            "fell_10_places_or_15_percent": round(falls / n, 3),
            "results_failing_two_subjects": round(failing / max(c["results"], 1), 3),
            "helpers": c["helpers"],
            "helpers_by_kind": dict(sorted(kinds.items(), key=lambda kv: -kv[1])),
            "pairings": c["pairings"],
            "children_with_primary_helper": round(primary / n, 3),
            "primary_pairings_from_suggestions": round(suggested / max(primary, 1), 3),
            "contact_windows": windows,
            "missed_windows": round(missed / max(windows, 1), 3),
        }


def _split(rng: random.Random, total: float) -> dict[str, float]:
    """Three subject scores (语文, 数学, 英语, each 0–100) summing to about the total."""
    parts = [max(0.0, min(100.0, total / 3 + rng.gauss(0, 4))) for _ in range(2)]
    third = max(0.0, min(100.0, total - sum(parts)))
    return {"语文": round(parts[0], 1), "数学": round(parts[1], 1), "英语": round(third, 1)}


# ---------------------------------------------------------------- contract events


def org_event(u: Unit) -> OrgUnitCreated:
    """The registry's event for a created unit."""
    return OrgUnitCreated(
        unit_id=u.id,
        kind=u.kind,
        code=u.code,
        name=u.name,
        parent_id=u.parent_id,
        path=list(u.path),
        created_at=REGISTERED_FROM - timedelta(days=30),
    )


def child_event(c: Child) -> ChildRegistered:
    """The registry's event for a registered child."""
    g = c.guardian
    return ChildRegistered(
        child_id=c.id,
        name=c.name,
        gender=c.gender,
        birth_date=c.birth_date,
        left_behind_type=c.left_behind_type,
        class_id=c.class_id,
        org_path=list(c.class_path),
        school_id=c.school_id,
        home_village_id=c.home_village_id,
        home_path=list(c.home_path),
        has_guardian=g is not None,
        boarding=c.boarding,
        guardian_rating=g.rating if g else None,
        guardian_age=g.age if g else None,
        guardian_relation=g.relation if g else None,
        missing_contacts=c.missing_contacts,
        registered_at=c.registered_at,
    )


def result_event(r: TermResult) -> TermResultRecorded:
    """The registry's event for a recorded term result."""
    return TermResultRecorded(
        child_id=r.child_id,
        term=r.term,
        total_score=r.total_score,
        class_rank=r.class_rank,
        class_size=r.class_size,
        subjects=r.subjects,
        org_path=list(r.class_path),
        recorded_at=r.recorded_at,
    )


def town_events(town: Township, wanted: Callable[[str], bool] = lambda _t: True) -> Iterator[EventData]:
    """A populated township's events (not its units), topic by topic in publishing order."""
    if wanted("registry.children"):
        results: dict[uuid.UUID, list[TermResult]] = {}
        for r in town.results:
            results.setdefault(r.child_id, []).append(r)
        for c in town.children:
            yield child_event(c)
            for r in results.get(c.id, ()):
                yield result_event(r)
    if wanted("pairing.helpers"):
        for h in town.helpers:
            yield HelperRegistered(
                helper_id=h.id,
                kind=h.kind,
                name=None if h.kind is HelperKind.PEER_STUDENT else h.name,
                account=h.account,
                unit_id=h.unit_id,
                org_path=list(h.unit_path),
                capacity=h.capacity,
                active=True,
                occurred_at=h.registered_at,
            )
    if wanted("pairing.pairings"):
        for p in town.pairings:
            yield PairingCreated(
                pairing_id=p.id,
                child_id=p.child_id,
                helper_id=p.helper_id,
                helper_account=p.helper_account,
                helper_kind=p.helper_kind,
                role=p.role,
                org_path=list(p.class_path),
                created_at=p.created_at,
                suggested=p.suggested,
            )
    if wanted("pairing.obligations") or wanted("pairing.contacts"):
        for k in town.contacts:
            facts: dict[str, Any] = {
                "obligation_id": k.obligation_id,
                "child_id": k.child_id,
                "duty": DUTY[0],
                "duty_name": DUTY[1],
                "rhythm": Rhythm.MONTHLY,
                "responsible": Responsible.PRIMARY_HELPER,
                "helper_id": k.helper_id,
                "pairing_id": k.pairing_id,
                "org_path": list(k.class_path),
                "window_start": k.window_start,
                "window_end": k.window_end,
                "policy_version": 0,
            }
            if wanted("pairing.obligations"):
                yield ObligationWindowOpened(**facts)
            if k.occurred_at is None:
                if wanted("pairing.obligations"):
                    yield ObligationWindowMissed(**facts, closed_at=k.window_end)
                continue
            logged = k.occurred_at + timedelta(minutes=k.duration_minutes + 5)
            if wanted("pairing.contacts"):
                yield ContactLogged(
                    log_id=k.log_id,
                    child_id=k.child_id,
                    helper_id=k.helper_id,
                    kind=k.kind,
                    counterpart=Counterpart.CHILD,
                    occurred_at=k.occurred_at,
                    duration_minutes=k.duration_minutes,
                    follow_up_needed=False,
                    org_path=list(k.class_path),
                    met=[
                        ObligationWindowRef(
                            obligation_id=k.obligation_id,
                            duty=DUTY[0],
                            window_start=k.window_start,
                            window_end=k.window_end,
                        )
                    ],
                    logged_at=logged,
                )
            if wanted("pairing.obligations"):
                yield ObligationWindowMet(**facts, log_id=k.log_id, met_at=logged, late=False)


SOURCES = {"registry": "/shouhu/registry", "pairing": "/shouhu/pairing"}


def encode(data: EventData, event_id: uuid.UUID | None = None) -> bytes:
    """An event wrapped in its CloudEvent envelope and encoded, as the relay sends it."""
    at = next(
        (
            getattr(data, f)
            for f in (
                "registered_at",
                "recorded_at",
                "created_at",
                "occurred_at",
                "logged_at",
                "closed_at",
                "met_at",
                "window_start",
            )
            if hasattr(data, f)
        ),
        NOW,
    )
    source = SOURCES["registry" if data.topic.startswith("registry") else "pairing"]
    return encode_event(new_event(event_id=event_id or uuid.uuid4(), source=source, time=at, data=data))


# ---------------------------------------------------------------- API calls


Call = Callable[[str, str, str, Any], Any]  # (service, method, path, body) -> the JSON answer


def child_payload(c: Child, ids: dict[uuid.UUID, str]) -> dict[str, Any]:
    """POST /v1/children's body for a child (unit ids mapped to the platform's)."""

    def parent(p: Parent, label: str) -> dict[str, Any]:
        out: dict[str, Any] = {"name": p.name}
        if p.phone:
            out["phone"] = p.phone
        if p.work_city:
            out["work_city"] = p.work_city
            out["away_since"] = "2024-02-15"
        return out | ({"employer": f"{p.work_city}某{label}"} if p.away else {})

    g = c.guardian
    return {
        "name": c.name,
        "gender": "男" if c.gender is Gender.MALE else "女",
        "birth_date": c.birth_date.isoformat(),
        "ethnicity": "汉族",
        "id_number": c.id_number,
        "class_id": ids[c.class_id],
        "home_village_id": ids[c.home_village_id],
        "boarding": c.boarding,
        "left_behind_type": c.left_behind_type.value,
        "father": parent(c.father, "电子厂"),
        "mother": parent(c.mother, "服装厂"),
        "guardian": None
        if g is None
        else {
            "name": g.name,
            "relation": g.relation,
            "age": g.age,
            "phone": g.phone,
            "rating": g.rating.value,
            "health": g.health,
        },
    }


@dataclass
class LoadReport:
    """What the loader made on the platform."""

    units: int = 0
    children: int = 0
    results: int = 0
    helpers: int = 0
    pairings: int = 0
    suggested: int = 0
    contacts: int = 0
    calls: int = 0
    seconds: float = 0.0
    ids: dict[uuid.UUID, str] = field(default_factory=dict)
    class_teachers: dict[str, Helper] = field(default_factory=dict)  # platform class id -> its class teacher
    villages: list[str] = field(default_factory=list)
    townships: list[str] = field(default_factory=list)
    districts: list[str] = field(default_factory=list)


class ApiLoader:
    """Loads a (small) synthetic city into a running platform through its HTTP APIs.

    `call(service, method, path, body)` sends one request to 'registry', 'pairing' or 'alerts'
    and returns the JSON answer (raising on an error status); `settle(what)` waits until the
    platform's consumers followed ('pairing children': pairing knows every child; 'pairing units':
    pairing knows every unit). With a running platform that is polling; in tests it can pump an
    in-memory broker.
    """

    def __init__(
        self,
        city: SyntheticCity,
        call: Call,
        *,
        settle: Callable[[str, int], None],
        tag: str,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.city, self.call, self.settle, self.tag = city, call, settle, tag
        self.now = now
        self.platform_now: datetime | None = None
        self.report = LoadReport()

    def _post_unit(self, u: Unit) -> None:
        ids = self.report.ids
        body = {
            "kind": u.kind.value,
            "code": f"{self.tag}-{u.code}",
            "name": u.name,
            "parent_id": ids[u.parent_id] if u.parent_id else None,
        }
        ids[u.id] = str(self._call("registry", "POST", "/v1/org-units", body)["id"])
        self.report.units += 1
        if u.kind is OrgKind.VILLAGE:
            self.report.villages.append(ids[u.id])
        elif u.kind is OrgKind.TOWNSHIP:
            self.report.townships.append(ids[u.id])
        elif u.kind is OrgKind.DISTRICT:
            self.report.districts.append(ids[u.id])

    def _call(self, service: str, method: str, path: str, body: Any) -> Any:
        self.report.calls += 1
        return self.call(service, method, path, body)

    def load_registry(self) -> LoadReport:
        """Units, then children with their two term results (the registry's part)."""
        t0 = time.perf_counter()
        self._registry(list(self.city.townships()))
        self.report.seconds = time.perf_counter() - t0
        return self.report

    def _registry(self, towns: list[Township]) -> None:
        r, ids = self.report, self.report.ids
        for u in [self.city.root, *self.city.districts]:
            self._post_unit(u)
        for town in towns:
            for u in town.units():
                self._post_unit(u)
        for town in towns:
            results: dict[uuid.UUID, list[TermResult]] = {}
            for res in town.results:
                results.setdefault(res.child_id, []).append(res)
            for c in town.children:
                made = self._call("registry", "POST", "/v1/children", child_payload(c, ids))
                ids[c.id] = str(made["id"])
                r.children += 1
                for res in results[c.id]:
                    body = {
                        "total_score": res.total_score,
                        "class_rank": res.class_rank,
                        "class_size": res.class_size,
                        "subjects": res.subjects,
                    }
                    self._call("registry", "PUT", f"/v1/children/{ids[c.id]}/term-results/{res.term}", body)
                    r.results += 1

    def load(self, *, contacts: bool = True) -> LoadReport:
        """Units, children and results, helpers and class teachers, pairings, this month's contacts."""
        t0 = time.perf_counter()
        r, ids = self.report, self.report.ids
        towns = list(self.city.townships())
        self._registry(towns)
        self.settle("pairing units", r.units)
        self.settle("pairing children", r.children)
        for town in towns:
            for h in town.helpers:
                body = {
                    "name": h.name,
                    "kind": h.kind.value,
                    "unit_id": ids[h.unit_id],
                    "phone": h.phone,
                    "account": f"{self.tag}-{h.account}",
                }
                made = self._call("pairing", "POST", "/v1/helpers", body)
                ids[h.id] = str(made["id"])
                if made.get("registered_at"):  # the platform's own time (it may run on a faster clock)
                    self.platform_now = datetime.fromisoformat(str(made["registered_at"]))
                r.helpers += 1
                if h.class_id is not None:
                    self._call(
                        "pairing",
                        "PUT",
                        f"/v1/classes/{ids[h.class_id]}/class-teacher",
                        {"helper_id": ids[h.id]},
                    )
                    r.class_teachers[ids[h.class_id]] = h
        paired: dict[uuid.UUID, str] = {}  # generator child id -> the platform's helper id of the primary
        for town in towns:
            for p in town.pairings:
                if p.suggested:
                    continue
                self._call(
                    "pairing",
                    "POST",
                    "/v1/pairings",
                    {"child_id": ids[p.child_id], "helper_id": ids[p.helper_id], "role": p.role.value},
                )
                r.pairings += 1
                if p.role is PairingRole.PRIMARY:
                    paired[p.child_id] = ids[p.helper_id]
            # The rest of the primary pairings as a school head would make them: from suggestions.
            want = {ids[p.child_id]: p.child_id for p in town.pairings if p.suggested}
            school_of = {c.id: c.school_id for c in town.children}
            for school in town.schools:
                mine = [c for c, gen in want.items() if school_of[gen] == school.unit.id]
                if not mine:
                    continue
                run = self._call(
                    "pairing", "POST", "/v1/suggestions", {"unit_id": ids[school.unit.id], "limit": 500}
                )
                offered = {str(item["child_id"]): str(item["helper_id"]) for item in run["items"]}
                take = [c for c in mine if c in offered]
                if not take:
                    continue
                decided = self._call(
                    "pairing", "POST", f"/v1/suggestions/{run['run_id']}/accept", {"child_ids": take}
                )
                for d in decided:
                    if d["outcome"] == "created":
                        r.pairings += 1
                        r.suggested += 1
                        paired[want[str(d["child_id"])]] = offered[str(d["child_id"])]
        if contacts:
            self._contacts(towns, paired)
        r.seconds = time.perf_counter() - t0
        return r

    def _contacts(self, towns: list[Township], paired: dict[uuid.UUID, str]) -> None:
        """This month's contact for the pairings whose last generated window was met."""
        now = self.now() if self.now else (self.platform_now or datetime.now(UTC))
        last = CONTACT_MONTHS[-1]
        rng = random.Random(f"{self.city.seed}:api-contacts")  # noqa: S311
        for town in towns:
            for k in town.contacts:
                if (k.window_start + CN).month != last[1] or k.missed or k.child_id not in paired:
                    continue
                when = now - timedelta(hours=rng.randint(1, 48))
                self._call(
                    "pairing",
                    "POST",
                    "/v1/contacts",
                    {
                        "child_id": self.report.ids[k.child_id],
                        "helper_id": paired[k.child_id],
                        "kind": k.kind.value,
                        "counterpart": "child",
                        "occurred_at": when.isoformat(),
                        "duration_minutes": k.duration_minutes,
                    },
                )
                self.report.contacts += 1


# ---------------------------------------------------------------- the command


def peak_rss_mib() -> float:
    """This process's peak resident memory so far (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def measure(children: int, seed: int, *, events: bool, event_sample: int = 20_000) -> dict[str, Any]:
    """Generate the city once as plain data (timed, memory), and encode a sample of its events."""
    city = SyntheticCity(children, seed)
    rss0 = peak_rss_mib()
    t0 = time.perf_counter()
    summary = city.summary()
    plain_s = time.perf_counter() - t0
    out: dict[str, Any] = {
        "children": children,
        "seed": seed,
        "summary": summary,
        "plain_data_s": round(plain_s, 2),
        "children_per_s": round(children / plain_s, 0),
        "peak_rss_mib_before": rss0,
        "peak_rss_mib": peak_rss_mib(),
    }
    if events:
        n = nbytes = 0
        t0 = time.perf_counter()
        for _topic, key, value in city.encoded():
            n += 1
            nbytes += len(key) + len(value)
            if n >= event_sample:
                break
        took = time.perf_counter() - t0
        out["events_sample"] = {
            "events": n,
            "seconds": round(took, 2),
            "per_s": round(n / took, 0),
            "mean_bytes": round(nbytes / max(n, 1), 1),
        }
        out["peak_rss_mib"] = peak_rss_mib()
    return out


def main() -> int:
    """Print a city's summary (and how long it took, and its memory) as JSON."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--children", type=int, default=10_000)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--events", action="store_true", help="also encode a sample of its events (20,000)")
    p.add_argument("--json-out", default=None, help="also write the JSON here")
    args = p.parse_args()
    doc = json.dumps(measure(args.children, args.seed, events=args.events), ensure_ascii=False, indent=2)
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as f:
            f.write(doc + "\n")
    print(doc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
