"""School years and terms: one definition, checked the same in events, the API and roster imports."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import TypeAdapter, ValidationError

from shouhu_contracts.terms import (
    SchoolYear,
    Term,
    first_year,
    next_term,
    parse_school_year,
    parse_term,
    school_year_of,
)

pytestmark = pytest.mark.unit
TERM: TypeAdapter[str] = TypeAdapter(Term)
SCHOOL_YEAR: TypeAdapter[str] = TypeAdapter(SchoolYear)


@pytest.mark.parametrize(
    ("typed", "term"),
    [
        ("2025-2026-1", "2025-2026-1"),
        (" 2025-2026-2 ", "2025-2026-2"),
        ("２０２５-２０２６-１", "2025-2026-1"),  # full-width digits from a Chinese IME
    ],
)
def test_terms_as_typed(typed: str, term: str) -> None:
    assert parse_term(typed) == term
    assert TERM.validate_python(typed) == term


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ("2025-2027-1", "连续两年"),
        ("2025-2026-3", "学期格式"),
        ("2025-26-1", "学期格式"),
        ("٢٠٢٥-٢٠٢٦-1", "学期格式"),  # Arabic-Indic digits match \d, but are no school year
        ("1999-2000-1", "2000–2099"),
        ("0000-0001-1", "2000–2099"),
    ],
)
def test_bad_terms_say_why_in_both_languages(bad: str, why: str) -> None:
    with pytest.raises(ValueError, match=why) as caught:
        parse_term(bad)
    assert " / " in str(caught.value)
    with pytest.raises(ValidationError, match=why):
        TERM.validate_python(bad)


def test_a_term_must_be_text() -> None:
    with pytest.raises(ValidationError, match="valid string"):
        TERM.validate_python(20252026)


@pytest.mark.parametrize(
    ("typed", "year"),
    [("2025-2026", "2025-2026"), ("2025-2026学年", "2025-2026"), ("２０２５－２０２６", "2025-2026")],
)
def test_school_years_as_typed(typed: str, year: str) -> None:
    assert parse_school_year(typed) == year
    assert SCHOOL_YEAR.validate_python(typed) == year


@pytest.mark.parametrize("bad", ["2025-2027", "2025/2026", "2025", "0000-0001", "2099-2100x"])
def test_bad_school_years(bad: str) -> None:
    with pytest.raises(ValidationError):
        SCHOOL_YEAR.validate_python(bad)


def test_school_year_of_a_date_and_the_next_term() -> None:
    assert school_year_of(date(2025, 9, 1)) == "2025-2026"
    assert school_year_of(date(2026, 8, 31)) == "2025-2026"
    assert first_year("2025-2026-2") == 2025
    assert next_term("2025-2026-1") == "2025-2026-2"
    assert next_term("2025-2026-2") == "2026-2027-1"


@pytest.mark.parametrize("day", [date(1, 1, 1), date(441, 6, 6), date(9999, 12, 31)])
def test_a_date_outside_any_school_year_is_a_value_error_not_a_crash(day: date) -> None:
    with pytest.raises(ValueError, match="学年"):
        school_year_of(day)
