"""Reading an upload as a roster: XLSX or CSV by its content, the header row found below any title."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import Any

from shouhu_kit.spreadsheets.cells import cell_text
from shouhu_kit.spreadsheets.columns import Column, header_names, normalize_header
from shouhu_kit.spreadsheets.csv_reader import csv_rows
from shouhu_kit.spreadsheets.sheet import MAX_BYTES, MAX_ROWS, Sheet, SheetError
from shouhu_kit.spreadsheets.xlsx_reader import xlsx_rows

_XLSX_MAGIC, _XLS_MAGIC = b"PK\x03\x04", b"\xd0\xcf\x11\xe0"


def read_sheet(
    *, data: bytes, filename: str, columns: Sequence[Column], max_rows: int | None = None
) -> Sheet:
    """Read an XLSX or CSV upload; the header is the first of the top rows naming known columns."""
    if len(data) > MAX_BYTES:
        raise SheetError("size", "文件超过 20 MB", "file exceeds 20 MB")
    name = filename.lower()
    if data.startswith(_XLS_MAGIC) or name.endswith(".xls"):
        raise SheetError(
            "type",
            "不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 CSV",
            "legacy .xls is not supported: save as .xlsx or CSV",
        )
    if data.startswith(_XLSX_MAGIC):
        grid: Iterable[Sequence[Any]] = xlsx_rows(data)
    elif name.endswith((".csv", ".txt", ".tsv")) or "." not in name:
        grid = csv_rows(data)
    else:
        raise SheetError("type", "文件类型不支持，请上传 .xlsx 或 .csv", "upload an .xlsx or .csv file")
    return _table(grid, columns, MAX_ROWS if max_rows is None else max_rows)


def _table(grid: Iterable[Sequence[Any]], columns: Sequence[Column], max_rows: int) -> Sheet:
    names = header_names(columns)

    def hits(values: Sequence[Any]) -> int:
        return sum(normalize_header(v) in names for v in values if v is not None)

    numbered = enumerate(grid, start=1)
    top: list[tuple[int, list[Any]]] = []
    for number, cells in numbered:
        values = list(cells)
        if any(cell_text(v) is not None for v in values):
            top.append((number, values))
        # Rosters often open with a title row (XX小学留守儿童花名册) above the header.
        if len(top) >= 10 or hits(values) >= 2:
            break
    if not top:
        raise SheetError("empty", "文件是空的", "the file is empty")
    at = next((i for i, (_, values) in enumerate(top) if hits(values) >= 2), 0)
    headers = [cell_text(v) or "" for v in top[at][1]]
    width = len(headers)
    rows: list[tuple[int, list[Any]]] = []
    for number, cells in itertools.chain(top[at + 1 :], numbered):
        values = (list(cells) + [None] * width)[:width]  # what lies right of the header is not data
        if all(cell_text(v) is None for v in values):
            continue
        if len(rows) >= max_rows:
            raise SheetError("rows", f"数据行超过 {max_rows} 行", f"more than {max_rows} data rows")
        rows.append((number, values))
    return Sheet(headers=headers, rows=rows)
