"""Writing workbooks and CSV that Chinese Excel opens as they are meant: text stays text, no formulas."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from shouhu_kit.spreadsheets.sheet import MAX_ROWS

_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass
class SheetOut:
    """A sheet to write: bold header, text-formatted columns (IDs, phones), dropdowns, widths."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]
    text_columns: Sequence[int] = ()
    choices: dict[int, Sequence[str]] = field(default_factory=dict)
    widths: dict[int, float] = field(default_factory=dict)


def write_xlsx(*, sheets: Sequence[SheetOut]) -> bytes:
    """openpyxl writes each sheet's frame (header, styles, dropdowns); data rows are streamed in as XML."""
    book = Workbook(write_only=True)
    bodies = {}
    for n, spec in enumerate(sheets, start=1):
        ws = book.create_sheet(spec.title)
        for i in range(len(spec.headers)):
            dim = ws.column_dimensions[get_column_letter(i + 1)]
            dim.width = spec.widths.get(i, 14)
            if i in spec.text_columns:
                dim.number_format = "@"  # typed IDs stay text instead of becoming 4.10102E+17
        for i, options in spec.choices.items():
            letter = get_column_letter(i + 1)
            dv = DataValidation(type="list", formula1='"' + ",".join(options) + '"', allow_blank=True)
            dv.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
            ws.data_validations.append(dv)
        ws.freeze_panes = "A2"
        ws.append([_bold(ws, text) for text in spec.headers])
        bodies[f"xl/worksheets/sheet{n}.xml"] = _rows_xml(spec.rows)
    frame = io.BytesIO()
    book.save(frame)
    out = io.BytesIO()
    with zipfile.ZipFile(frame) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            content = src.read(item)
            if item.filename in bodies:
                content = content.replace(b"</sheetData>", bodies[item.filename] + b"</sheetData>", 1)
            dst.writestr(item, content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _bold(ws: Any, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=text)
    cell.font = Font(bold=True)
    return cell


def _rows_xml(rows: Iterable[Sequence[Any]]) -> bytes:
    """Rows from 2 on; text is an inline string, never a formula (an address starting '=' stays text)."""
    letters = [get_column_letter(i + 1) for i in range(200)]
    parts = []
    for r, row in enumerate(rows, start=2):
        cells = []
        for i, value in enumerate(row):
            if value is None or value == "":
                continue
            ref = f"{letters[i]}{r}"
            if isinstance(value, bool):
                cells.append(f'<c r="{ref}" t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, int | float):
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            else:
                text = escape(_ILLEGAL_XML.sub("", str(value)))
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>')
        parts.append(f'<row r="{r}">{"".join(cells)}</row>')
    return "".join(parts).encode("utf-8")


def write_csv(*, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a BOM, so that Chinese Excel opens it without garbling; formula starts are quoted."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["'" + v if isinstance(v, str) and v[:1] in ("=", "+", "@") else v for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
