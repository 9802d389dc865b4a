"""Rosters as offices keep them (花名册): CSV (UTF-8 or GBK) and XLSX in, a per-row report out.

A roster is a declared list of columns (Chinese header, key = English header, required, parser), a
function that turns one parsed row into a domain command or raises a field error, and the import
loop that reports each row: accepted, rejected (each column and why, in zh and en) or duplicate.
Partial mode imports the good rows; strict mode (`report.decide(mode)` is False) imports none.

A helper roster (帮扶人花名册), as the pairing service would declare it::

    from shouhu_kit import spreadsheets as xl

    KINDS = {"教师": "teacher", "干部": "cadre", "志愿者": "volunteer"}
    HELPERS = xl.Roster(
        columns=(
            xl.Column("姓名", "name", True, "张老师", "必填"),
            xl.Column("类别", "kind", True, "教师", parse=xl.one_of(KINDS), choices=tuple(KINDS)),
            xl.Column("所属单位代码", "unit_code", True, "S01", text=True),
            xl.Column("手机号", "phone", True, "13800138000", xl.PHONE_NOTE, text=True),
            xl.Column("帮扶容量", "capacity", example="5", note="可结对儿童数，留空为 5"),
            xl.Column("登录账号", "account", example="zhang01"),
        ),
        fields={"unit_id": "unit_code"},  # an error on the command's unit_id names 所属单位代码
    )

    def import_helpers(*, uow, data, filename, unit, mode) -> xl.RosterReport:
        with uow:
            file = xl.read_roster(data=data, filename=filename, roster=HELPERS)  # 413/415/422 Problems
            units = units_by_code(uow, {r.get("unit_code") for r in file.rows})  # one IN per 500

            def command(row: xl.Row) -> RegisterHelper:
                unit = units.get(row.get("unit_code"))
                if unit is None:  # noted; the row is checked on, so the report names every problem
                    row.fail("unit_code", "单位代码不存在", "unknown unit code")
                return RegisterHelper.model_validate({**row.values, "unit_id": unit and unit.id})

            report, accepted = xl.import_rows(file, to_command=command)
            accepted = xl.drop_duplicates_in_file(
                accepted, key="phone", value=lambda c: c.phone, roster=HELPERS
            )
            if report.decide(mode):
                for item in accepted:
                    item.report.extra["helper_id"] = str(register_helper(uow, item.command))
                uow.commit()
            return report

to_command may also raise FieldError (one column), RowInvalid (several), the command's pydantic
ValidationError or a use case's 422 Problem: each becomes row errors naming its column. Routes use
`shouhu_kit.spreadsheets.http` (read_upload, report_response, Upload, ModeQuery, REPORT_RESPONSES);
the template is `template_xlsx(HELPERS, title="帮扶人", rows=[example_row(HELPERS)], guide=COMMON_GUIDE)`.

Modules: sheet (the table read, limits, SheetError) · columns (Column, header mapping) · cells (one
cell's text, dates, 是/否; the parsers) · reading, csv_reader, xlsx_reader (an upload to a Sheet) ·
roster (Roster, Row, FieldError) · importing (read_roster, import_rows) · report (RosterReport, its
XLSX) · template (the workbook with its 说明 sheet) · writers (XLSX and CSV out) · http (routes).
"""

from shouhu_kit.spreadsheets.cells import (
    cell_text,
    date_cell,
    from_text,
    looks_mangled,
    one_of,
    parse_date,
    yes_no,
)
from shouhu_kit.spreadsheets.columns import (
    PHONE_NOTE,
    Column,
    HeaderMap,
    Parser,
    map_headers,
    normalize_header,
)
from shouhu_kit.spreadsheets.csv_reader import decode_text
from shouhu_kit.spreadsheets.importing import (
    Accepted,
    RosterFile,
    chunks,
    drop_duplicates_in_file,
    import_rows,
    read_roster,
)
from shouhu_kit.spreadsheets.reading import read_sheet
from shouhu_kit.spreadsheets.report import ImportMode, RosterReport, RowReport, report_xlsx
from shouhu_kit.spreadsheets.roster import FieldError, Roster, Row, RowInvalid
from shouhu_kit.spreadsheets.sheet import MAX_BYTES, MAX_ROWS, Sheet, SheetError
from shouhu_kit.spreadsheets.template import COMMON_GUIDE, example_row, template_csv, template_xlsx
from shouhu_kit.spreadsheets.writers import SheetOut, write_csv, write_xlsx

__all__ = [
    "COMMON_GUIDE",
    "MAX_BYTES",
    "MAX_ROWS",
    "PHONE_NOTE",
    "Accepted",
    "Column",
    "FieldError",
    "HeaderMap",
    "ImportMode",
    "Parser",
    "Roster",
    "RosterFile",
    "RosterReport",
    "Row",
    "RowInvalid",
    "RowReport",
    "Sheet",
    "SheetError",
    "SheetOut",
    "cell_text",
    "chunks",
    "date_cell",
    "decode_text",
    "drop_duplicates_in_file",
    "example_row",
    "from_text",
    "import_rows",
    "looks_mangled",
    "map_headers",
    "normalize_header",
    "one_of",
    "parse_date",
    "read_roster",
    "read_sheet",
    "report_xlsx",
    "template_csv",
    "template_xlsx",
    "write_csv",
    "write_xlsx",
    "yes_no",
]
