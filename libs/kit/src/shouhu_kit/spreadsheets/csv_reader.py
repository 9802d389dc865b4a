"""CSV and text uploads: the encodings Chinese Excel saves in, and its delimiters."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

from shouhu_kit.spreadsheets.sheet import SheetError


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 (Excel's 'Unicode text'), else GB18030 (GBK's superset)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:4096]:
        raise SheetError("type", "文件不是文本表格", "not a text table")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise SheetError("type", "无法识别文件编码", "unknown text encoding") from exc


def csv_rows(data: bytes) -> Iterator[list[str]]:
    """The rows of a CSV (or tab-separated text) upload, its delimiter taken from the first line."""
    text = decode_text(data)
    delimiter = None
    if m := re.match(r"sep=(.)(\r\n|\r|\n)", text, re.IGNORECASE):  # Excel's delimiter hint line
        delimiter, text = m[1], text[m.end() :]
    if delimiter is None:
        # Chinese Excel writes commas; tabs come from 'Unicode text', semicolons from European locales.
        first = re.split(r"\r\n|\r|\n", text, maxsplit=1)[0]
        counts = {d: first.count(d) for d in (",", "\t", ";", "，")}
        delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error as exc:
        raise SheetError("type", "CSV 格式错误", f"malformed CSV: {exc}") from exc
