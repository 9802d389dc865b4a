"""Calendar months (月份) as attendance is counted: '2026-03', the one definition every service uses.

Users type '2026-3', '2026/03', '2026年3月' or full-width digits from a Chinese IME; each is read as
'2026-03'. Months lie in 2000–2099, as school years do (shouhu_contracts.terms). Whether a month is
in the future depends on the clock, so the use case checks that, not the type.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from shouhu_contracts.terms import FIRST_YEAR, LAST_YEAR

# The pattern released in the events' schemas; the parser below is stricter than `\d`.
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
MONTH_LENGTH = len("2026-03")
_MONTH = re.compile(r"^([0-9]{4})\s*[-/.年]\s*([0-9]{1,2})\s*月?$")
_FORMAT = "月份格式为 2026-03 / write the month as 2026-03"


def parse_month(raw: str) -> str:
    """'2026-03' from what a user typed, or ValueError 'Chinese / English'."""
    match = _MONTH.match(unicodedata.normalize("NFKC", raw).strip())
    if match is None or not 1 <= int(match[2]) <= 12:
        raise ValueError(_FORMAT)
    if not FIRST_YEAR <= int(match[1]) <= LAST_YEAR:
        raise ValueError(
            f"月份须在 {FIRST_YEAR}–{LAST_YEAR} 年之间 / a month lies in {FIRST_YEAR}–{LAST_YEAR}"
        )
    return f"{match[1]}-{int(match[2]):02d}"


def month_of(day: date) -> str:
    """The month a date falls in, e.g. '2026-03'."""
    return f"{day.year:04d}-{day.month:02d}"


def first_day(month: str) -> date:
    """The first day of a month given as '2026-03'."""
    return date(int(month[:4]), int(month[5:7]), 1)


def _before(value: Any) -> Any:
    # Text is parsed; anything else is left to the str type, which answers "应为文本".
    return parse_month(value) if isinstance(value, str) else value


# The pattern comes first so that it stays in the JSON Schema; the parser runs before it.
Month = Annotated[str, Field(pattern=MONTH_PATTERN), BeforeValidator(_before)]
