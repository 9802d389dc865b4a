"""The bulletin's ranking rule, pure: competition ranks with ties, units without children, the change."""

from __future__ import annotations

import pytest

from reporting.domain.bulletin import (
    NO_RANKS,
    Ranks,
    Standing,
    arrow,
    competition_ranks,
    overall_score,
    places_gained,
    rank_siblings,
    rate_change,
)

pytestmark = pytest.mark.unit


def test_ties_share_a_rank_and_the_next_skips() -> None:
    got = competition_ranks({"a": 0.9, "b": 0.8, "c": 0.8, "d": 0.5, "e": None})
    assert got == {"a": 1, "b": 2, "c": 2, "d": 4, "e": None}
    assert competition_ranks({"x": 0.7, "y": 0.7, "z": 0.7}) == {"x": 1, "y": 1, "z": 1}
    assert competition_ranks({}) == {}


def test_siblings_ranked_on_coverage_compliance_and_their_mean() -> None:
    got = rank_siblings(
        {
            "S1": Standing(children=2, coverage=1.0, compliance=1.0),
            "S2": Standing(children=2, coverage=0.5, compliance=1.0),
            "S3": Standing(children=2, coverage=1.0, compliance=0.5),
            "S4": Standing(children=1, coverage=0.0, compliance=None),  # nothing due: coverage alone
            "S5": Standing(children=0, coverage=None, compliance=None),  # no child: no rank
            "S6": Standing(children=0, coverage=None, compliance=0.0),  # windows but no child left
        }
    )
    assert got["S1"] == Ranks(overall=1, coverage=1, compliance=1)
    assert got["S2"] == Ranks(overall=2, coverage=3, compliance=1)
    assert got["S3"] == Ranks(overall=2, coverage=1, compliance=3)
    assert got["S4"] == Ranks(overall=4, coverage=4, compliance=None)
    assert got["S5"] == got["S6"] == NO_RANKS


def test_rates_are_compared_as_shown() -> None:
    # 2/3 and 0.66666 read the same in the bulletin (66.67 %): equal places, not a hair's difference.
    got = rank_siblings(
        {"a": Standing(3, 2 / 3, None), "b": Standing(100_000, 0.66666, None), "c": Standing(1, 1.0, None)}
    )
    assert (got["c"].coverage, got["a"].coverage, got["b"].coverage) == (1, 2, 2)


def test_overall_score() -> None:
    assert overall_score(Standing(5, 0.8, 0.6)) == pytest.approx(0.7)
    assert overall_score(Standing(5, 0.8, None)) == 0.8
    assert overall_score(Standing(0, None, 0.6)) is None


def test_change_since_last_month() -> None:
    assert rate_change(0.9, 0.75) == 0.15
    assert rate_change(0.9, None) is None
    assert rate_change(None, 0.5) is None
    assert (places_gained(1, 3), places_gained(4, 2), places_gained(2, None)) == (2, -2, None)
    assert (arrow(0.1), arrow(-2), arrow(0), arrow(None)) == ("▲", "▼", "–", "")
