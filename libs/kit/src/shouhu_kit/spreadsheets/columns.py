"""A roster's columns (花名册的列) and how a file's headers map onto them."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import KW_ONLY, dataclass, field
from typing import Any

from shouhu_kit.spreadsheets.cells import cell_text
from shouhu_kit.spreadsheets.sheet import SheetError

_NOTE = re.compile(r"[（(][^）)]*[）)]")  # '出生日期（yyyy-mm-dd）' → '出生日期'
PHONE_NOTE = "11位手机号，或带区号的固定电话，如 0371-63123456"
Parser = Callable[[Any], Any]


@dataclass(frozen=True)
class Column:
    """One roster column: Chinese header, key (the field, also accepted as header), parser, template help.

    `required`: the file must have the column (a blank cell is the command's to refuse). `parse` turns
    the raw cell (text, number, date) into the field's value; None leaves the field out, and a
    ValueError saying '中文 / English' rejects the row naming this column. `header_en` (default: the
    key with spaces) is accepted as a header too and names the column in English messages.
    """

    header: str
    key: str
    required: bool = False
    example: str = ""
    note: str = ""
    aliases: tuple[str, ...] = ()
    _: KW_ONLY
    parse: Parser = cell_text
    header_en: str = ""
    choices: tuple[str, ...] = ()  # the template's dropdown and its 说明 line
    text: bool = False  # formatted as text in the template, so Excel keeps long digits (IDs, phones)
    width: float | None = None

    @property
    def en(self) -> str:
        """The column's English name in messages: 'ID number', else the key with spaces."""
        return self.header_en or self.key.replace("_", " ").replace(".", " ")


@dataclass
class HeaderMap:
    """Where each known column sits, and the other headers (subjects, or columns to ignore)."""

    index: dict[str, int]
    others: dict[int, str] = field(default_factory=dict)


def normalize_header(text: Any) -> str:
    """Drop spaces, required-markers and notes in brackets; English headers compare case-blind."""
    value = "" if text is None else str(text)
    value = _NOTE.sub("", value)
    value = re.sub(r"[\s\u3000*＊:：]", "", value)
    return value.lower()


def header_names(columns: Sequence[Column]) -> dict[str, str]:
    """Every header a column answers to (Chinese header, key, father_phone, English, alias) → key."""
    names: dict[str, str] = {}
    for col in columns:
        for name in (col.header, col.key, col.key.replace(".", "_"), col.en, *col.aliases):
            names[normalize_header(name)] = col.key
    return names


def map_headers(*, headers: Sequence[str], columns: Sequence[Column]) -> HeaderMap:
    """Match headers to columns by Chinese header, key (father.phone or father_phone) or alias."""
    names = header_names(columns)
    out = HeaderMap(index={})
    for i, raw in enumerate(headers):
        norm = normalize_header(raw)
        if not norm:
            continue
        key = names.get(norm)
        if key is None:
            out.others[i] = _NOTE.sub("", str(raw)).strip()
        elif key in out.index:
            raise SheetError("header", f"列“{raw}”重复", f"column {raw!r} appears twice")
        else:
            out.index[key] = i
    return out
