"""The assessment formula and the pupil awards (考核及奖励), pure: worked examples computed by hand."""

from __future__ import annotations

import uuid

import pytest
from pydantic import ValidationError

from reporting.domain.assessment import (
    DEFAULT_POLICY,
    AssessmentPolicy,
    AwardKind,
    BaselineSource,
    ChildYear,
    ProgressBase,
    Rank,
    Rule,
    class_average,
    competition_ranks,
    helper_score,
    reward_yuan,
    score_child,
)
from reporting.domain.assessment_text import award_reasons, point_reasons

pytestmark = pytest.mark.unit

K1, K2 = uuid.uuid4(), uuid.uuid4()  # two classes
Y = "2025-2026"


def child(
    end: int,
    first: int | None = None,
    *,
    previous: int | None = None,
    end_class: uuid.UUID = K1,
    first_class: uuid.UUID = K1,
    previous_class: uuid.UUID = K1,
    serious: bool = False,
    merit: bool = False,
) -> ChildYear:
    return ChildYear(
        child_id=uuid.uuid4(),
        end=Rank(f"{Y}-2", end_class, end),
        first_term=Rank(f"{Y}-1", first_class, first) if first is not None else None,
        previous_end=Rank("2024-2025-2", previous_class, previous) if previous is not None else None,
        serious_violation=serious,
        merit_student=merit,
    )


def rules(year: ChildYear, policy: AssessmentPolicy = DEFAULT_POLICY) -> dict[Rule, int]:
    return dict(score_child(year, policy).points)


def test_the_defaults_are_the_seeds_article() -> None:
    p = DEFAULT_POLICY
    assert (p.points_per_place, p.top_places, p.top_kept_points) == (10, 5, 10)
    assert (p.no_serious_violation_points, p.merit_student_points, p.yuan_per_point) == (20, 10, 1.0)
    assert (p.first_place_yuan, p.excellence_from_rank, p.excellence_to_rank, p.excellence_yuan) == (
        100,
        2,
        5,
        30,
    )
    assert (p.progress_places, p.progress_yuan, p.progress_from) == (5, 15, ProgressBase.FIRST_TERM)
    assert p.carry_over
    assert not p.secondary_helpers


def test_each_place_gained_is_ten_points_and_places_lost_cost_nothing() -> None:
    # 12th → 9th: 3 places × 10 = 30; no violation +20; 三好学生 +10 → 60.
    gained = score_child(child(9, 12, merit=True), DEFAULT_POLICY)
    assert dict(gained.points) == {
        Rule.PLACES_GAINED: 30,
        Rule.NO_SERIOUS_VIOLATION: 20,
        Rule.MERIT_STUDENT: 10,
    }
    assert (gained.score, gained.places_gained, gained.baseline_source) == (60, 3, BaselineSource.FIRST_TERM)
    # 9th → 12th: lost 3, nothing taken off; a serious violation loses the +20 → 0.
    lost = score_child(child(12, 9, serious=True), DEFAULT_POLICY)
    assert dict(lost.points) == {Rule.NO_PLACES_GAINED: 0, Rule.SERIOUS_VIOLATION: 0}
    assert (lost.score, lost.places_gained) == (0, -3)


@pytest.mark.parametrize(
    ("first", "end", "kept"),
    [(5, 5, True), (1, 5, True), (5, 1, True), (6, 5, False), (5, 6, False), (3, 3, True)],
)
def test_top_five_at_baseline_and_at_the_end_is_ten_more(first: int, end: int, kept: bool) -> None:
    assert (Rule.TOP_KEPT in rules(child(end, first))) is kept
    if kept:
        assert rules(child(end, first))[Rule.TOP_KEPT] == 10


def test_a_shared_rank_one_is_first_place_for_each() -> None:
    # Two children tie at rank 1: each gets ¥100 (and both kept a top-5 place).
    b, c = score_child(child(1, 3), DEFAULT_POLICY), score_child(child(1, 1), DEFAULT_POLICY)
    assert b.awards == c.awards == ((AwardKind.FIRST_PLACE, 100),)
    assert b.score == 20 + 10 + 20
    assert c.score == 0 + 10 + 20
    # Tied at rank 3: each gets the excellence award, ¥30.
    assert score_child(child(3, 4), DEFAULT_POLICY).awards == ((AwardKind.EXCELLENCE, 30),)


def test_awards_are_independent_of_each_other() -> None:
    # 9th → 4th: excellence ¥30 and progress ¥15 (5 places); 6th → 1st: first ¥100 and progress ¥15.
    assert score_child(child(4, 9), DEFAULT_POLICY).awards == (
        (AwardKind.EXCELLENCE, 30),
        (AwardKind.PROGRESS, 15),
    )
    assert score_child(child(1, 6), DEFAULT_POLICY).award_yuan == 115
    assert score_child(child(10, 14), DEFAULT_POLICY).awards == ()  # 4 places: not enough


def test_no_baseline_gives_no_rank_points_and_says_so() -> None:
    # No first-term rank: 0 for rank (a zero line says why), +20 conduct, +10 三好 = 30; rank 4: ¥30.
    s = score_child(child(4, merit=True), DEFAULT_POLICY)
    assert dict(s.points) == {Rule.NO_BASELINE: 0, Rule.NO_SERIOUS_VIOLATION: 20, Rule.MERIT_STUDENT: 10}
    assert (s.score, s.baseline, s.places_gained, s.moved_class) == (30, None, None, False)
    assert s.awards == ((AwardKind.EXCELLENCE, 30),)
    [reason, *_] = point_reasons(s, DEFAULT_POLICY)
    assert "无考核基数" in reason.zh
    assert "no baseline" in reason.en
    assert reason.amount == 0


def test_a_child_who_moved_class_has_no_rank_points() -> None:
    # First term 2nd in K2, end 5th in K1: two classes' ranks are not comparable; no progress award.
    s = score_child(child(5, 2, first_class=K2), DEFAULT_POLICY)
    assert dict(s.points) == {Rule.CLASS_CHANGED: 0, Rule.NO_SERIOUS_VIOLATION: 20}
    assert (s.score, s.moved_class, s.end.class_id) == (20, True, K1)
    assert s.awards == ((AwardKind.EXCELLENCE, 30),)
    moved_up = score_child(child(1, 30, first_class=K2), DEFAULT_POLICY)  # 30th → 1st, but elsewhere
    assert moved_up.awards == ((AwardKind.FIRST_PLACE, 100),)
    assert "转班" in point_reasons(s, DEFAULT_POLICY)[0].zh


def test_the_next_years_baseline_is_last_years_second_term_rank() -> None:
    # Last year's second term 9th, this first term 5th, end 4th: baseline 9 → +50; not top 5 at 9.
    s = score_child(child(4, 5, previous=9), DEFAULT_POLICY)
    assert (s.baseline_source, s.places_gained) == (BaselineSource.PREVIOUS_YEAR, 5)
    assert dict(s.points) == {Rule.PLACES_GAINED: 50, Rule.NO_SERIOUS_VIOLATION: 20}
    # The progress award compares with the first-term final by default (5 → 4: 1 place): none.
    assert s.awards == ((AwardKind.EXCELLENCE, 30),)
    from_baseline = AssessmentPolicy(progress_from=ProgressBase.BASELINE)
    assert score_child(child(4, 5, previous=9), from_baseline).awards[-1] == (AwardKind.PROGRESS, 15)
    # Without carry-over: 5 → 4, +10, top 5 kept +10, +20 = 40.
    plain = score_child(child(4, 5, previous=9), AssessmentPolicy(carry_over=False))
    assert (plain.baseline_source, plain.score) == (BaselineSource.FIRST_TERM, 40)


def test_a_carried_rank_of_another_class_falls_back_to_the_first_term() -> None:
    # Changed class over the summer: last year K2, this year K1 from the first term on: 8 → 6 = +20.
    s = score_child(child(6, 8, previous=1, previous_class=K2), DEFAULT_POLICY)
    assert (s.baseline_source, s.places_gained, s.score) == (BaselineSource.FIRST_TERM, 2, 40)
    # Carried rank only, and of another class: moved class, no rank points.
    alone = score_child(child(6, previous=1, previous_class=K2), DEFAULT_POLICY)
    assert (alone.moved_class, alone.score) == (True, 20)


def test_a_citys_own_policy_changes_every_figure() -> None:
    policy = AssessmentPolicy(
        points_per_place=5,
        top_places=3,
        top_kept_points=15,
        no_serious_violation_points=0,
        merit_student_points=25,
        yuan_per_point=0.5,
        first_place_yuan=200,
        excellence_from_rank=2,
        excellence_to_rank=3,
        excellence_yuan=50,
        progress_places=2,
        progress_yuan=20,
    )
    # 3rd → 2nd: +5, top 3 kept +15, conduct 0, 三好 +25 = 45 (¥22.5); awards: excellence ¥50 only.
    s = score_child(child(2, 3, merit=True), policy)
    assert s.score == 45
    assert reward_yuan(s.score, policy) == 22.5
    assert s.awards == ((AwardKind.EXCELLENCE, 50),)
    # 3rd → 1st: +10, +15 = 25; first place ¥200, progress (2 places) ¥20.
    assert score_child(child(1, 3), policy).awards == ((AwardKind.FIRST_PLACE, 200), (AwardKind.PROGRESS, 20))
    assert score_child(child(4, 5), policy).awards == ()  # rank 4 is outside 2–3 now


def test_every_point_and_award_has_its_reason_in_both_languages() -> None:
    for year in (child(9, 12, merit=True), child(1, 1, serious=True), child(4), child(5, 2, first_class=K2)):
        s = score_child(year, DEFAULT_POLICY)
        reasons = point_reasons(s, DEFAULT_POLICY)
        assert sum(r.amount for r in reasons) == s.score
        awards = award_reasons(s, year, DEFAULT_POLICY)
        assert sum(r.amount for r in awards) == s.award_yuan
        for r in [*reasons, *awards]:
            assert r.zh
            assert r.en
            assert r.zh != r.en


def test_a_helper_sums_and_a_class_teacher_averages() -> None:
    assert helper_score([60, 50]) == 110
    assert class_average([60, 50, 10, 20, 80, 20]) == 40.0
    assert class_average([10, 20, 20]) == 16.67
    assert class_average([]) == 0.0
    assert reward_yuan(16.67, DEFAULT_POLICY) == 16.67


def test_ties_share_a_rank_and_the_next_rank_skips() -> None:
    ranked = competition_ranks([6, 3, 3, 2, 2, 2, 1], key=lambda n: n)
    assert [r for r, _ in ranked] == [1, 2, 2, 4, 4, 4, 7]
    assert competition_ranks([], key=lambda n: n) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"excellence_from_rank": 4, "excellence_to_rank": 3}, "excellence_to_rank"),
        ({"points_per_place": -1}, "points_per_place"),
        ({"yuan_per_point": 5000}, "yuan_per_point"),
        ({"progress_from": "middle"}, "progress_from"),
        ({"bonus": 1}, "bonus"),
    ],
)
def test_a_policy_that_makes_no_sense_is_refused_naming_the_field(
    change: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        AssessmentPolicy.model_validate(change)
    assert [e["loc"][0] for e in refused.value.errors()] == [field]
