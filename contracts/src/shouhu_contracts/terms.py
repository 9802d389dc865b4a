"""School years (学年) and terms (学期), the one definition every service and event uses.

'2025-2026' is the school year from 1 September 2025 to 31 August 2026; '2025-2026-1' its first
term, '2025-2026-2' its second. The second year follows the first, the years are ASCII digits
(a full-width '２０２５' from a Chinese IME is read as 2025) and lie in 2000–2099: nothing a
child in the programme attends lies outside, and date arithmetic on them cannot overflow.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

# The patterns released in the events' schemas; the validators below are stricter than `\d`.
SCHOOL_YEAR_PATTERN = r"^\d{4}-\d{4}$"
TERM_PATTERN = r"^\d{4}-\d{4}-[12]$"
TERM_LENGTH = len("2025-2026-1")
FIRST_YEAR, LAST_YEAR = 2000, 2099
_SCHOOL_YEAR = re.compile(r"^([0-9]{4})-([0-9]{4})$")
_TERM = re.compile(r"^([0-9]{4}-[0-9]{4})-([12])$")
_NOT_CONSECUTIVE = "学年须为连续两年，如 {eg} / school years must follow each other, e.g. {eg}"
_OUT_OF_RANGE = f"学年须在 {FIRST_YEAR}–{LAST_YEAR} 年之间 / a school year lies in {FIRST_YEAR}–{LAST_YEAR}"


def _text(raw: str) -> str:
    return unicodedata.normalize("NFKC", raw).strip()


def _check_years(first: str, second: str, *, eg: str) -> None:
    if int(second) != int(first) + 1:
        raise ValueError(_NOT_CONSECUTIVE.format(eg=eg))
    if not FIRST_YEAR <= int(first) <= LAST_YEAR:
        raise ValueError(_OUT_OF_RANGE)


def parse_school_year(raw: str) -> str:
    """'2025-2026' from what a user typed ('２０２５-２０２６学年' too), or ValueError 'Chinese / English'."""
    match = _SCHOOL_YEAR.match(_text(raw).removesuffix("学年").strip())
    if match is None:
        raise ValueError("学年格式为 2025-2026 / write the school year as 2025-2026")
    _check_years(match[1], match[2], eg="2025-2026")
    return match[0]


def parse_term(raw: str) -> str:
    """'2025-2026-1' from what a user typed, or ValueError 'Chinese / English'."""
    match = _TERM.match(_text(raw))
    if match is None:
        raise ValueError(
            "学期格式为 学年-1 或 学年-2，如 2025-2026-1 / "
            "write the term as the school year and 1 or 2, e.g. 2025-2026-1"
        )
    first, second = match[1].split("-")
    _check_years(first, second, eg="2025-2026-1")
    return match[0]


def school_year_of(day: date) -> str:
    """The school year a date falls in (1 September to 31 August), e.g. '2025-2026'; ValueError if none."""
    start = day.year if day.month >= 9 else day.year - 1
    return parse_school_year(f"{start:04d}-{start + 1:04d}")


def first_year(school_year: str) -> int:
    """2025 for '2025-2026' (and for the term '2025-2026-1')."""
    return int(school_year[:4])


def next_term(term: str) -> str:
    """The term after: '2025-2026-1' → '2025-2026-2' → '2026-2027-1'."""
    if term.endswith("-1"):
        return term[:-1] + "2"
    start = first_year(term) + 1
    return parse_term(f"{start:04d}-{start + 1:04d}-1")


def _before(parse: Callable[[str], str]) -> BeforeValidator:
    def convert(value: Any) -> Any:
        # Text is parsed; anything else is left to the str type, which answers "应为文本".
        return parse(value) if isinstance(value, str) else value

    return BeforeValidator(convert)


# The pattern comes first so that it stays in the JSON Schema; the parser runs before it.
SchoolYear = Annotated[str, Field(pattern=SCHOOL_YEAR_PATTERN), _before(parse_school_year)]
Term = Annotated[str, Field(pattern=TERM_PATTERN), _before(parse_term)]
