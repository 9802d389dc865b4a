"""The assessment read from facts the handlers kept from real contract events (SQLite and PostgreSQL).

The figures are the worked example's (conftest.worked_example), computed by hand there.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from reporting.domain.assessment import AssessmentPolicy
from reporting.service_layer import assessment, assessment_lists, commendations
from reporting.service_layer.assessment import POLICIES
from shouhu_contracts.pairing.vocabulary import HelperKind
from shouhu_kit.auth import Principal, Role
from shouhu_kit.problems import Problem
from shouhu_kit.uow import UnitOfWork

pytestmark = pytest.mark.unit
ADMIN = Principal(subject="test", role=Role.ADMIN, org_id=None)
Y1, Y2 = "2025-2026", "2026-2027"
Uow = Callable[[], UnitOfWork]


def children(uow: Uow, unit: uuid.UUID, year: str = Y1, limit: int = 200) -> dict[str, Any]:
    page = assessment.children_page(uow=uow(), principal=ADMIN, unit_id=unit, school_year=year, limit=limit)
    return {line.name: line for line in page.items}


def helpers(uow: Uow, unit: uuid.UUID, year: str = Y1) -> dict[str | None, Any]:
    page = assessment_lists.helpers_page(uow=uow(), principal=ADMIN, unit_id=unit, school_year=year)
    return {line.helper.name: line for line in page.items}


def test_each_childs_points_and_awards_are_the_worked_examples(town: Any, example: Any, uow: Uow) -> None:
    lines = children(uow, town.t["city"])
    got = {name: (c.baseline_rank, c.end_rank, c.score, c.award_yuan) for name, c in lines.items()}
    assert got == {
        "小明": (12, 9, 60, 0),
        "小红": (3, 1, 50, 100),
        "小刚": (1, 1, 10, 100),  # shares rank 1 with 小红: ¥100 each
        "小丽": (None, 4, 20, 30),  # no baseline
        "小军": (20, 14, 80, 15),
        "小芳": (None, 5, 20, 30),  # moved class: not comparable
        "小伟": (10, 10, 20, 0),
        "小燕": (8, 5, 50, 30),
    }  # 小亮 has no second-term rank: not assessed
    codes = {name: [p.code for p in c.points] for name, c in lines.items()}
    assert codes["小明"] == ["places_gained", "no_serious_violation", "merit_student"]
    assert codes["小刚"] == ["no_places_gained", "top_kept", "serious_violation"]
    assert codes["小丽"] == ["no_baseline", "no_serious_violation"]
    assert codes["小芳"] == ["class_changed", "no_serious_violation"]
    fang = lines["小芳"]
    assert (fang.moved_class, fang.class_unit.unit_id, fang.baseline_term) == (True, town.t["cA1"], None)
    assert [a.code for a in lines["小军"].awards] == ["progress"]
    assert all(p.reason and p.reason_en for c in lines.values() for p in [*c.points, *c.awards])


def test_the_helper_credited_is_the_primary_one_live_at_the_second_term_result(
    town: Any, example: Any, uow: Uow
) -> None:
    lines = children(uow, town.t["city"])
    credited = {name: [h.name for h in c.helpers] for name, c in lines.items()}
    assert credited["小明"] == ["王老师"]  # the peer student, secondary, is not credited
    assert credited["小刚"] == []  # 赵老师's pairing ended in March
    assert credited["小军"] == credited["小伟"] == ["李志愿者"]


def test_a_helpers_score_is_the_sum_over_their_children_in_every_class(
    town: Any, example: Any, uow: Uow
) -> None:
    city = helpers(uow, town.t["city"])
    assert {n: (h.score, h.reward_yuan) for n, h in city.items()} == {
        "王老师": (110, 110.0),
        "李志愿者": (100, 100.0),
    }
    li = city["李志愿者"]
    assert [(c.name, c.score) for c in li.children] == [("小伟", 20), ("小军", 80)]  # cA2 and cA1
    assert {c.class_unit.unit_id for c in li.children} == {town.t["cA1"], town.t["cA2"]}
    assert li.unit.unit_id == town.t["tA"]
    assert li.helper.kind == HelperKind.VOLUNTEER.value
    # Asked at school sA1, the volunteer shows that school's child only: 小军, 80.
    school = helpers(uow, town.t["sA1"])
    assert {n: h.score for n, h in school.items()} == {"王老师": 110, "李志愿者": 80}


def test_a_class_teachers_score_is_their_classs_average(town: Any, example: Any, uow: Uow) -> None:
    page = assessment_lists.class_teachers_page(
        uow=uow(), principal=ADMIN, unit_id=town.t["tA"], school_year=Y1
    )
    got = {
        c.class_unit.name: (
            c.children,
            c.total_score,
            c.average_score,
            c.reward_yuan,
            [t.name for t in c.class_teachers],
        )
        for c in page.items
    }
    # cA1: (60+50+10+20+80+20)/6 = 40; 小芳 moved in and counts here. cA2: (20+50)/2 = 35, no teacher.
    assert got == {"cA1": (6, 240, 40.0, 40.0, ["陈老师"]), "cA2": (2, 70, 35.0, 35.0, [])}
    assert {c.school.name for c in page.items if c.school} == {"sA1", "sA2"}


def test_last_years_second_term_rank_is_this_years_baseline(town: Any, example: Any, uow: Uow) -> None:
    a, b = example["A"], example["B"]
    town.rank(a, f"{Y2}-1", 5)
    town.rank(a, f"{Y2}-2", 4)
    town.rank(b, f"{Y2}-2", 2)  # no first term this year: last year's 1st is the baseline
    lines = children(uow, town.t["city"], Y2)
    ming, hong = lines["小明"], lines["小红"]
    # 小明: baseline 9 (2025-2026-2) → 4: +50; 9 is not top 5; +20 = 70. Excellence ¥30; progress is
    # counted from the first term (5 → 4): none.
    assert (ming.baseline_term, ming.baseline_source, ming.baseline_rank) == (
        f"{Y1}-2",
        "previous_second_term",
        9,
    )
    assert (ming.score, ming.award_yuan) == (70, 30)
    # 小红: baseline 1 → 2: nothing gained, top 5 kept +10, +20 (her serious violation was in 2024-2025).
    assert (hong.baseline_rank, hong.places_gained, hong.score) == (1, -1, 30)
    assert set(lines) == {"小明", "小红"}


def test_a_citys_own_policy_is_used_for_its_units(town: Any, example: Any, uow: Uow) -> None:
    policy = AssessmentPolicy(
        points_per_place=5, yuan_per_point=2, secondary_helpers=True, merit_student_points=0
    )
    with uow() as u:
        POLICIES.write(u, city_id=town.t["city"], policy=policy, note="本市办法", by="city-admin")
        u.commit()
    page = assessment.children_page(uow=uow(), principal=ADMIN, unit_id=town.t["sA1"], school_year=Y1)
    assert page.policy_version == 1
    ming = next(c for c in page.items if c.name == "小明")
    assert ming.score == 15 + 20  # 3 places × 5, conduct 20, 三好 now 0
    assert {h.kind for h in ming.helpers} == {"teacher", "peer_student"}  # secondary helpers count now
    city = helpers(uow, town.t["city"])
    # 王老师: 小明 35 + 小红 (2×5 + 10 + 20 = 40) = 75 → ¥150; the peer student: 35 → ¥70.
    assert (city["王老师"].score, city["王老师"].reward_yuan) == (75, 150.0)
    assert (city[None].score, city[None].reward_yuan) == (35, 70.0)


def test_pages_walk_every_line_once(town: Any, example: Any, uow: Uow) -> None:
    names, after = [], None
    for _ in range(10):
        page = assessment.children_page(
            uow=uow(), principal=ADMIN, unit_id=town.t["city"], school_year=Y1, after=after, limit=3
        )
        names += [c.name for c in page.items]
        after = page.next_after
        if after is None:
            break
    assert names == sorted(names)
    assert len(names) == len(set(names)) == 8
    seen, after = [], None
    for _ in range(5):
        hp = assessment_lists.helpers_page(
            uow=uow(), principal=ADMIN, unit_id=town.t["city"], school_year=Y1, after=after, limit=1
        )
        seen += [h.helper.name for h in hp.items]
        if (after := hp.next_after) is None:
            break
    assert seen == ["王老师", "李志愿者"]  # highest score first
    cp = assessment_lists.class_teachers_page(
        uow=uow(), principal=ADMIN, unit_id=town.t["city"], school_year=Y1, limit=1
    )
    assert [c.class_unit.name for c in cp.items] == ["cA1"]
    assert cp.next_after
    rest = assessment_lists.class_teachers_page(
        uow=uow(), principal=ADMIN, unit_id=town.t["city"], school_year=Y1, after=cp.next_after, limit=1
    )
    assert [c.class_unit.name for c in rest.items] == ["cA2"]
    assert rest.next_after is None


@pytest.mark.parametrize("after", ["garbage", "WyJ4Il0=", "WzEsIDJd"])  # not base64 JSON; one part; ints
def test_a_forged_cursor_is_a_422_naming_after(town: Any, example: Any, uow: Uow, after: str) -> None:
    with pytest.raises(Problem) as refused:
        assessment.children_page(
            uow=uow(), principal=ADMIN, unit_id=town.t["city"], school_year=Y1, after=after
        )
    assert refused.value.status == 422
    assert refused.value.extra["errors"][0]["field"] == "after"


def test_a_unit_sees_only_the_children_of_its_classes(town: Any, example: Any, uow: Uow) -> None:
    assert set(children(uow, town.t["sA2"])) == {"小伟", "小燕"}
    assert set(children(uow, town.t["dB"])) == set()  # 小芳 left cB before the second-term final
    assert children(uow, town.t["city"], "2024-2025") == {}


def test_commendation_candidates_are_ranked_with_ties_sharing_a_rank(
    town: Any, example: Any, uow: Uow
) -> None:
    # Contact windows in the school year (Sep 2025 – Aug 2026): 王老师 6 of 6 met; 李志愿者 6 of 6 met and
    # one missed in Sep 2026 (next school year, not counted); the peer student is not credited.
    months = [f"2025-{m:02d}" for m in (9, 10, 11, 12)] + ["2026-01", "2026-02"]
    town.windows(example["A"], example["wang"], months, "met")
    town.windows(example["E"], example["li"], months, "met")
    town.windows(example["E"], example["li"], ["2026-09"], "missed")
    town.windows(example["E"], example["li"], ["2026-03"], "open")  # not settled: not judged
    got = commendations.commendations(uow=uow(), principal=ADMIN, unit_id=town.t["city"], school_year=Y1)
    # 自强之星: 小军 +6; 小明 and 小燕 +3 share 2nd; 小红 +2 is 4th.
    assert [(s.rank, s.name, s.places_gained) for s in got.self_improvement] == [
        (1, "小军", 6),
        (2, "小明", 3),
        (2, "小燕", 3),
        (4, "小红", 2),
    ]
    # 关爱之星: both 100 %, so the score orders them: 王老师 110, then 李志愿者 100.
    assert [(s.rank, s.helper.name, s.windows_settled, s.compliance, s.score) for s in got.caring] == [
        (1, "王老师", 6, 1.0, 110),
        (2, "李志愿者", 6, 1.0, 100),
    ]
    town.windows(example["E"], example["li"], ["2026-04"], "missed")  # 6 of 7 now
    top = commendations.commendations(
        uow=uow(), principal=ADMIN, unit_id=town.t["sA1"], school_year=Y1, top=1
    )
    assert [s.name for s in top.self_improvement] == ["小军"]
    assert [(s.helper.name, s.compliance) for s in top.caring] == [("王老师", 1.0)]


def test_a_helper_with_too_few_settled_windows_is_no_caring_star(town: Any, example: Any, uow: Uow) -> None:
    town.windows(
        example["A"], example["wang"], ["2025-09", "2025-10", "2025-11", "2025-12", "2026-01"], "met"
    )
    got = commendations.commendations(uow=uow(), principal=ADMIN, unit_id=town.t["city"], school_year=Y1)
    assert got.caring == []  # 5 settled windows, the policy asks for 6
