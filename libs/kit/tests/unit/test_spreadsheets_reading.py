"""Reading uploads as rosters: what Chinese Excel and WPS really write, and files that are no roster."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from typing import Any

import pytest

from shouhu_kit import spreadsheets as xl
from shouhu_kit.spreadsheets import xlsx_reader

pytestmark = pytest.mark.unit

COLUMNS = (
    xl.Column("姓名", "name", True),
    xl.Column("性别", "gender"),
    xl.Column("出生日期", "birth_date"),
    xl.Column("留守类型", "left_behind_type"),
    xl.Column("父亲电话", "father.phone"),
)


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("2016-03-01", date(2016, 3, 1)),
        ("2016/3/1", date(2016, 3, 1)),
        ("2016年3月1日", date(2016, 3, 1)),
        ("2016.3.1", date(2016, 3, 1)),
        ("20160301", date(2016, 3, 1)),
        (42430, date(2016, 3, 1)),
        ("42430", date(2016, 3, 1)),
        (datetime(2016, 3, 1, 0, 0), date(2016, 3, 1)),
        ("2016-03-01 00:00:00", date(2016, 3, 1)),
        ("2016-02-30", None),
        ("三月一日", None),
    ],
)
def test_dates_as_schools_type_them(raw: Any, want: date | None) -> None:
    assert xl.parse_date(raw) == want


def test_cells_lose_excels_number_and_text_guards() -> None:
    assert xl.cell_text(13900000001.0) == "13900000001"
    assert xl.cell_text('="410102201603011234"') == "410102201603011234"
    assert xl.cell_text("'410102201603011234") == "410102201603011234"
    assert xl.cell_text("\u3000王小明 ") == "王小明"
    assert xl.cell_text("无") is None
    assert xl.cell_text("某镇\n某村3组") == "某镇 某村3组"
    assert xl.looks_mangled(xl.cell_text(4.10102201603011e17) or "")
    assert not xl.looks_mangled("410102201603011234")


def test_the_parsers_a_column_takes() -> None:
    assert xl.yes_no("住校") is True
    assert xl.yes_no("走读") is False
    assert xl.yes_no("也许") == "也许", "left for the command to refuse by name"
    assert xl.yes_no("") is None
    assert xl.date_cell("2016年3月1日") == date(2016, 3, 1)
    assert xl.date_cell("不详") == "不详"
    assert xl.from_text(int)(5.0) == 5
    assert xl.from_text(int)(" ") is None
    kind = xl.one_of({"教师": "teacher", "志愿者": "volunteer"})
    assert kind("志愿者") == "volunteer"
    assert kind(None) is None
    with pytest.raises(ValueError, match="可选值：教师、志愿者 / must be one of: 教师, 志愿者"):
        kind("学生")


def _read(data: bytes, name: str = "a.csv") -> xl.Sheet:
    return xl.read_sheet(data=data, filename=name, columns=COLUMNS)


def test_csv_in_utf8_gbk_utf16_and_excels_delimiters() -> None:
    bom = _read("姓名,性别,出生日期\r\n王小明,男,2016/3/1\r\n".encode("utf-8-sig"))
    assert bom.headers == ["姓名", "性别", "出生日期"]
    assert bom.rows == [(2, ["王小明", "男", "2016/3/1"])]
    gbk = _read("姓名,性别,出生日期\r\n王小明,男,2016/3/1\r\n".encode("gbk"))
    assert gbk.rows == bom.rows
    gb18030 = _read("姓名,性别\r\n𠀀明,男\r\n".encode("gb18030"))  # beyond GBK: GB18030 reads it
    assert gb18030.rows == [(2, ["𠀀明", "男"])]
    unicode_text = _read("姓名\t性别\r\n李小红\t女\r\n".encode("utf-16"), "a.txt")
    assert unicode_text.rows == [(2, ["李小红", "女"])]
    semicolons = _read("sep=;\n姓名;性别\n王五;男\n".encode())
    assert semicolons.rows == [(2, ["王五", "男"])]
    fullwidth = _read("姓名，性别\n赵六，男\n".encode())
    assert fullwidth.rows == [(2, ["赵六", "男"])]


def test_a_title_row_above_the_header_and_headers_as_people_write_them() -> None:
    titled = _read(
        "XX小学留守儿童花名册,,\n姓名（必填）,*性别,father.phone\n\n王六,男,13900000001\n".encode()
    )
    assert titled.headers[1:] == ["*性别", "father.phone"]
    assert titled.rows == [(4, ["王六", "男", "13900000001"])]
    where = xl.map_headers(headers=titled.headers, columns=COLUMNS)
    assert where.index == {"name": 0, "gender": 1, "father.phone": 2}
    where = xl.map_headers(headers=["Father Phone", "father_phone2", "备注"], columns=COLUMNS)
    assert where.index == {"father.phone": 0}
    assert where.others == {1: "father_phone2", 2: "备注"}
    with pytest.raises(xl.SheetError):
        xl.map_headers(headers=["姓名", "name"], columns=COLUMNS)


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _excel_like(sheet: str, doctype: str = "") -> bytes:
    """What Excel writes and openpyxl never does: shared strings, a prefixed namespace, date styles."""
    parts = {
        "xl/workbook.xml": f'<x:workbook xmlns:x="{_MAIN}" xmlns:r="{_RELS}"><x:sheets>'
        '<x:sheet name="花名册" sheetId="1" r:id="rId1"/></x:sheets></x:workbook>',
        "xl/_rels/workbook.xml.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        f'relationships"><Relationship Id="rId1" Type="{_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_RELS}/sharedStrings" Target="sharedStrings.xml"/>'
        f'<Relationship Id="rId3" Type="{_RELS}/styles" Target="/xl/styles.xml"/></Relationships>',
        "xl/sharedStrings.xml": f'<x:sst xmlns:x="{_MAIN}">'
        + "".join(f"<x:si><x:t>{s}</x:t></x:si>" for s in ("姓名", "性别", "出生日期", "留守类型"))
        + "<x:si><x:r><x:t>王</x:t></x:r><x:r><x:t>小明</x:t></x:r>"
        '<x:rPh sb="0" eb="1"><x:t>wang</x:t></x:rPh></x:si>'
        "<x:si><x:t>男</x:t></x:si><x:si><x:t>父亲外出</x:t></x:si></x:sst>",
        "xl/styles.xml": f'<x:styleSheet xmlns:x="{_MAIN}"><x:numFmts><x:numFmt numFmtId="176" '
        'formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></x:numFmts><x:cellXfs>'
        '<x:xf numFmtId="0"/><x:xf numFmtId="14"/><x:xf numFmtId="176"/></x:cellXfs></x:styleSheet>',
        "xl/worksheets/sheet1.xml": doctype + f'<x:worksheet xmlns:x="{_MAIN}"><x:sheetData>{sheet}'
        "</x:sheetData></x:worksheet>",
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return out.getvalue()


def test_an_excel_workbook_with_shared_strings_and_date_cells() -> None:
    header = "".join(f'<x:c r="{c}1" t="s"><x:v>{i}</x:v></x:c>' for i, c in enumerate("ABCD"))
    data = _excel_like(
        f'<x:row r="1">{header}</x:row>'
        '<x:row r="3"><x:c r="A3" t="s"><x:v>4</x:v></x:c><x:c r="B3" t="s"><x:v>5</x:v></x:c>'
        '<x:c r="C3" s="1"><x:v>42430</x:v></x:c><x:c r="D3" t="s"><x:v>6</x:v></x:c></x:row>'
        '<x:row r="4"><x:c r="A4" t="inlineStr"><x:is><x:t>李四</x:t></x:is></x:c>'
        '<x:c r="C4" s="2"><x:f>DATE(2016,3,2)</x:f><x:v>42431</x:v></x:c>'
        '<x:c r="E4"><x:v>7</x:v></x:c></x:row>'
    )
    sheet = _read(data, "a.xlsx")
    assert sheet.headers == ["姓名", "性别", "出生日期", "留守类型"]
    assert sheet.rows == [
        (3, ["王小明", "男", datetime(2016, 3, 1), "父亲外出"]),
        (4, ["李四", None, datetime(2016, 3, 2), None]),
    ]


def test_the_kits_own_workbook_reads_back_past_its_guide_sheet() -> None:
    roster = xl.Roster(columns=COLUMNS[:2])
    data = xl.template_xlsx(roster, title="花名册", rows=[["王小明", "男"], ["=1+1", None]])
    sheet = _read(data, "t.xlsx")
    assert sheet.headers == ["姓名", "性别"]
    assert sheet.rows == [(2, ["王小明", "男"]), (3, ["=1+1", None])], "text, never a formula"


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in parts.items():
            z.writestr(name, content)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (b"%PDF-1.7 ...", "a.pdf", "type"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old.xls", "type"),
        (b"PK\x03\x04 not really a zip", "a.xlsx", "type"),
        (_zip({"hello.txt": b"hi"}), "a.xlsx", "type"),
        (_excel_like("", '<!DOCTYPE x [<!ENTITY a "aaaa">]>'), "a.xlsx", "type"),
        (b"\x00\x01\x02binary", "a.csv", "type"),
        (b"a,b\n\xff\xff", "a.csv", "type"),  # neither UTF-8 nor GB18030
        (b"", "empty.csv", "empty"),
        (b"x" * (xl.MAX_BYTES + 1), "big.csv", "size"),
        (("姓名\n" + "张三\n" * 4).encode(), "many.csv", "rows"),
    ],
)
def test_files_that_are_no_roster_say_why_in_both_languages(data: bytes, name: str, reason: str) -> None:
    with pytest.raises(xl.SheetError) as caught:
        xl.read_sheet(data=data, filename=name, columns=COLUMNS, max_rows=3)
    assert caught.value.reason == reason
    assert caught.value.zh
    assert caught.value.en


def test_a_zip_that_inflates_too_far_is_refused_before_it_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx_reader, "_MAX_UNZIPPED", 10_000)  # 400 MB in production
    bomb = _zip({"xl/workbook.xml": b"<workbook/>", "xl/big.bin": b"\0" * 20_000})
    assert len(bomb) < 1_000
    with pytest.raises(xl.SheetError) as caught:
        xl.read_sheet(data=bomb, filename="bomb.xlsx", columns=COLUMNS)
    assert caught.value.reason == "size"
