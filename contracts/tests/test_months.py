"""Months (月份) as attendance counts them: what users type is read as 'YYYY-MM', the rest refused."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import TypeAdapter, ValidationError

from shouhu_contracts.months import Month, first_day, month_of, parse_month

pytestmark = pytest.mark.unit
MONTH: TypeAdapter[str] = TypeAdapter(Month)


@pytest.mark.parametrize(
    ("typed", "month"),
    [
        ("2026-03", "2026-03"),
        ("2026-3", "2026-03"),
        (" 2026/12 ", "2026-12"),
        ("2026年3月", "2026-03"),
        ("２０２６-０３", "2026-03"),  # full-width digits from a Chinese IME
        ("2000-01", "2000-01"),
    ],
)
def test_what_users_type_is_read_as_the_month(typed: str, month: str) -> None:
    assert parse_month(typed) == month
    assert MONTH.validate_python(typed) == month


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("2026-13", "格式"),
        ("2026-00", "格式"),
        ("2026-03-01", "格式"),
        ("26-03", "格式"),
        ("1999-12", "2000"),
        ("2100-01", "2099"),
        ("٢٠٢٦-03", "格式"),  # Arabic-Indic digits are digits to `\d`, not to us
    ],
)
def test_anything_else_is_refused_in_both_languages(typed: str, why: str) -> None:
    with pytest.raises(ValueError, match=why) as caught:
        parse_month(typed)
    assert " / " in str(caught.value)
    with pytest.raises(ValidationError):
        MONTH.validate_python(typed)


def test_a_month_and_its_first_day() -> None:
    assert month_of(date(2026, 3, 31)) == "2026-03"
    assert first_day("2026-03") == date(2026, 3, 1)
