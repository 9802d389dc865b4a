"""One cell as people type it: trimmed text, dates in every local spelling, 是/否, mangled IDs.

The parsers here (cell_text, date_cell, yes_no, from_text, one_of) are what a Column's `parse` takes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

T = TypeVar("T")

_EXCEL_EPOCH = date(1899, 12, 30)  # Excel's 1900 date system, its leap-year bug included
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")
_YES = frozenset({"是", "y", "yes", "true", "1", "√", "住校", "寄宿"})
_NO = frozenset({"否", "n", "no", "false", "0", "×", "走读"})
_BLANKS = frozenset({"无", "/", "／", "-", "—", "——", "N/A", "n/a"})  # what people type for "nothing"
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d.*)?$")


def cell_text(value: Any) -> str | None:
    """A cell as trimmed text: whole floats lose '.0', Excel's text guards go, blanks become None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        # 15 significant digits is all Excel keeps: a longer number (an ID) stays in E notation.
        text = str(int(value)) if value.is_integer() and abs(value) < 1e15 else str(value)
    elif isinstance(value, datetime):
        text = value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    elif isinstance(value, date):
        text = value.isoformat()
    else:
        text = str(value)
    text = text.replace("\ufeff", "").replace("\xa0", " ").strip(" \t\r\n\u3000")
    if "\n" in text or "\r" in text or "\t" in text:  # a line break typed with Alt+Enter is a space
        text = " ".join(text.split())
    if text.startswith('="') and text.endswith('"'):  # ="4101…" keeps Excel from mangling digits
        text = text[2:-1]
    text = text.lstrip("'").strip()
    return None if not text or text in _BLANKS else text


def date_cell(raw: Any) -> date | str | None:
    """A date column: the date in any local spelling, else the text (for the command to refuse by name)."""
    return parse_date(raw) or cell_text(raw)


def yes_no(raw: Any) -> bool | str | None:
    """A 是/否 column (also 住校/走读, √/×, yes/no): a boolean, else the text (for the command to refuse)."""
    text = cell_text(raw)
    if text is None:
        return None
    return True if text.lower() in _YES else False if text.lower() in _NO else text


def from_text(parse: Callable[[str], T]) -> Callable[[Any], T | None]:
    """A parser of the cell's text (normalize_phone, int): blank cells stay None."""

    def parser(raw: Any) -> T | None:
        text = cell_text(raw)
        return None if text is None else parse(text)

    return parser


def one_of(labels: Mapping[str, T]) -> Callable[[Any], T | None]:
    """A choice column: its Chinese label (教师) as the value it stands for; another is a ValueError."""
    names = "、".join(labels)

    def parser(raw: Any) -> T | None:
        text = cell_text(raw)
        if text is None:
            return None
        if text not in labels:
            raise ValueError(f"取值无效，可选值：{names} / must be one of: {names.replace('、', ', ')}")
        return labels[text]

    return parser


def looks_mangled(text: str) -> bool:
    """True for what Excel makes of an 18-digit number: 4.10102E+17."""
    return bool(_SCIENTIFIC.match(text))


def parse_date(value: Any) -> date | None:
    """Excel dates and serials, 2016-03-01, 2016/3/1, 2016.3.1, 2016年3月1日, 20160301; None if not."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _excel_serial(float(value))
    text = cell_text(value)
    if text is None:
        return None
    try:
        if m := _DATE.match(text):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if re.fullmatch(r"(19|20)\d{6}", text):
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        if re.fullmatch(r"\d{5}(\.0+)?", text):
            return _excel_serial(float(text))
    except ValueError:
        return None
    return None


def _excel_serial(serial: float) -> date | None:
    return _EXCEL_EPOCH + timedelta(days=int(serial)) if 1 <= serial < 2_958_466 else None
