"""Spreadsheets as schools keep them (花名册): read CSV and XLSX, map Chinese headers, write XLSX and CSV.

sheet: the table read, upload limits, SheetError · columns: the roster's columns and header mapping ·
cells: one cell's text, dates, 是/否 · reading: an upload to a Sheet · csv_reader, xlsx_reader: the
formats · writers: XLSX and CSV out · template: the children's roster workbook with its 说明 sheet.
"""

from registry.adapters.spreadsheets.cells import cell_text, cell_value, looks_mangled, parse_date
from registry.adapters.spreadsheets.columns import (
    CHILD_COLUMNS,
    CHOICES,
    DATE_KEYS,
    NOT_SUBJECTS,
    TERM_COLUMNS,
    TEXT_KEYS,
    Column,
    HeaderMap,
    map_headers,
    normalize_header,
)
from registry.adapters.spreadsheets.csv_reader import decode_text
from registry.adapters.spreadsheets.reading import read_sheet
from registry.adapters.spreadsheets.sheet import MAX_BYTES, MAX_ROWS, Sheet, SheetError
from registry.adapters.spreadsheets.template import roster_xlsx, template_row
from registry.adapters.spreadsheets.writers import SheetOut, write_csv, write_xlsx

__all__ = [
    "CHILD_COLUMNS",
    "CHOICES",
    "DATE_KEYS",
    "MAX_BYTES",
    "MAX_ROWS",
    "NOT_SUBJECTS",
    "TERM_COLUMNS",
    "TEXT_KEYS",
    "Column",
    "HeaderMap",
    "Sheet",
    "SheetError",
    "SheetOut",
    "cell_text",
    "cell_value",
    "decode_text",
    "looks_mangled",
    "map_headers",
    "normalize_header",
    "parse_date",
    "read_sheet",
    "roster_xlsx",
    "template_row",
    "write_csv",
    "write_xlsx",
]
