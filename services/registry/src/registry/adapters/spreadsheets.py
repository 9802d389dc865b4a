"""Spreadsheets as schools keep them (花名册): read CSV and XLSX, map Chinese headers, write XLSX and CSV."""

from __future__ import annotations

import csv
import io
import itertools
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import IO, Any
from xml.etree import ElementTree as ET
from xml.parsers import expat
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from registry.domain.identity import id_check_char

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
_MAX_UNZIPPED = 400 * 1024 * 1024  # a 20 MB upload that inflates past this is a zip bomb, not a roster
_XLSX_MAGIC, _XLS_MAGIC = b"PK\x03\x04", b"\xd0\xcf\x11\xe0"
_EXCEL_EPOCH = date(1899, 12, 30)  # Excel's 1900 date system, its leap-year bug included
_EPOCH_1900, _EPOCH_1904 = datetime(1899, 12, 30), datetime(1904, 1, 1)
_DATE_FORMATS = frozenset({*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)})
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")
_YES = frozenset({"是", "y", "yes", "true", "1", "√", "住校", "寄宿"})
_NO = frozenset({"否", "n", "no", "false", "0", "×", "走读"})
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_BLANKS = frozenset({"无", "/", "／", "-", "—", "——", "N/A", "n/a"})  # what people type for "nothing"
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d.*)?$")
_NOTE = re.compile(r"[（(][^）)]*[）)]")  # '出生日期（yyyy-mm-dd）' → '出生日期'


class SheetError(ValueError):
    """A file that cannot be read as a roster; `reason` is type, size, rows, empty or header."""

    def __init__(self, reason: str, zh: str, en: str) -> None:
        super().__init__(en)
        self.reason, self.zh, self.en = reason, zh, en


@dataclass(frozen=True)
class Column:
    """One roster column: its Chinese header, its key (also accepted as header) and template help."""

    header: str
    key: str
    required: bool = False
    example: str = ""
    note: str = ""
    aliases: tuple[str, ...] = ()


@dataclass
class Sheet:
    """A table read from a file: the header row and the data rows with their spreadsheet row numbers."""

    headers: list[str]
    rows: list[tuple[int, list[Any]]]


@dataclass
class HeaderMap:
    """Where each known column sits, and the other headers (subjects, or columns to ignore)."""

    index: dict[str, int]
    others: dict[int, str] = field(default_factory=dict)


def _parent(who: str, key: str, name: str, phone: str) -> tuple[Column, ...]:
    return (
        Column(f"{who}姓名", f"{key}.name", example=name, note="父母任一方的各列可全部留空"),
        Column(f"{who}电话", f"{key}.phone", example=phone, note="11位手机号"),
        Column(f"{who}务工地", f"{key}.work_city", example="广东深圳"),
        Column(f"{who}工作单位", f"{key}.employer"),
        Column(f"{who}单位地址", f"{key}.employer_address"),
        Column(f"{who}外出时间", f"{key}.away_since", example="2020-02-01", note="日期，如 2020-02-01"),
    )


_EXAMPLE_ID = "41010220160301123" + id_check_char("41010220160301123")
# The children's roster, in the template's order (the fields of the national 留守儿童信息表).
CHILD_COLUMNS: tuple[Column, ...] = (
    Column("姓名", "name", True, "王小明", "必填"),
    Column("性别", "gender", True, "男", "必填：男/女"),
    Column("出生日期", "birth_date", True, "2016-03-01", "必填：2016-03-01、2016/3/1 或 2016年3月1日"),
    Column("民族", "ethnicity", example="汉族"),
    Column(
        "身份证号", "id_number", False, _EXAMPLE_ID, "18位，须与出生日期一致", ("身份证号码", "公民身份号码")
    ),
    Column("班级代码", "class_code", False, "", "班级的单位代码；按班级导入时可留空", ("班级编码",)),
    Column("户籍村代码", "home_village_code", note="户籍所在村/居的单位代码，可留空"),
    Column("家庭住址", "home_address", example="某镇某村3组"),
    Column("是否寄宿", "boarding", False, "否", "是/否，留空为否", ("是否住校",)),
    Column("留守类型", "left_behind_type", True, "父母双方外出", "必填：父母双方外出/父亲外出/母亲外出"),
    *_parent("父亲", "father", "王大力", "13900000001"),
    *_parent("母亲", "mother", "李秀英", "13900000002"),
    Column("监护人姓名", "guardian.name", example="王奶奶", note="无人监护（监护缺位）时监护人各列全部留空"),
    Column("监护人关系", "guardian.relation", example="祖母", note="有监护人时必填，如 祖父母、亲戚"),
    Column("监护人年龄", "guardian.age", example="66", note="14–120"),
    Column("监护人职业", "guardian.occupation", example="务农"),
    Column("监护人健康状况", "guardian.health", example="良好", note="如 良好、慢性病"),
    Column("监护人电话", "guardian.phone", example="13800138000", note="11位手机号"),
    Column("监护人住址", "guardian.address", example="某镇某村3组"),
    Column("监护情况", "guardian.rating", example="好", note="有监护人时必填：好/较好/差"),
)
DATE_KEYS = frozenset({"birth_date", "father.away_since", "mother.away_since"})
TEXT_KEYS = frozenset(
    {"id_number", "class_code", "home_village_code"}
    | {f"{p}.phone" for p in ("father", "mother", "guardian")}
)
CHOICES: dict[str, tuple[str, ...]] = {
    "gender": ("男", "女"),
    "boarding": ("是", "否"),
    "left_behind_type": ("父母双方外出", "父亲外出", "母亲外出"),
    "guardian.rating": ("好", "较好", "差"),
}
# Term results (期末成绩): these, then one column per subject (语文, 数学, 英语 …).
TERM_COLUMNS: tuple[Column, ...] = (
    Column("姓名", "name", True),
    Column("身份证号", "id_number", aliases=("身份证号码",)),
    Column("总分", "total_score"),
    Column("班级排名", "class_rank", True, aliases=("班级名次", "排名", "名次")),
)
# Columns a results sheet often carries that are not subjects.
NOT_SUBJECTS = frozenset({"序号", "学号", "性别", "班级", "备注", "年级排名", "年级名次"})


def normalize_header(text: Any) -> str:
    """Drop spaces, required-markers and notes in brackets; English headers compare case-blind."""
    value = "" if text is None else str(text)
    value = _NOTE.sub("", value)
    value = re.sub(r"[\s\u3000*＊:：]", "", value)
    return value.lower()


def map_headers(*, headers: Sequence[str], columns: Sequence[Column]) -> HeaderMap:
    """Match headers to columns by Chinese header, key (father.phone or father_phone) or alias."""
    names = _names(columns)
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


def cell_value(*, key: str, raw: Any) -> Any:
    """A roster cell as its field expects it: dates parsed, 是/否 as booleans, '66岁' as 66, else text."""
    if key in DATE_KEYS:
        return parse_date(raw) or cell_text(raw)
    text = cell_text(raw)
    if text is not None and key == "boarding":
        return True if text.lower() in _YES else False if text.lower() in _NO else text
    if text is not None and key == "guardian.age":
        return text.removesuffix("岁")
    return text


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
        grid: Iterable[Sequence[Any]] = _xlsx_rows(data)
    elif name.endswith((".csv", ".txt", ".tsv")) or "." not in name:
        grid = _csv_rows(data)
    else:
        raise SheetError("type", "文件类型不支持，请上传 .xlsx 或 .csv", "upload an .xlsx or .csv file")
    return _table(grid, columns, MAX_ROWS if max_rows is None else max_rows)


def _names(columns: Sequence[Column]) -> dict[str, str]:
    names: dict[str, str] = {}
    for col in columns:
        for name in (col.header, col.key, col.key.replace(".", "_"), *col.aliases):
            names[normalize_header(name)] = col.key
    return names


def _table(grid: Iterable[Sequence[Any]], columns: Sequence[Column], max_rows: int) -> Sheet:
    names = _names(columns)

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


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _xml(archive: zipfile.ZipFile, name: str) -> ET.Element:
    """A small workbook part; OOXML never declares a DTD, so one that does (entity bombs) is refused."""
    content = archive.read(name.lstrip("/") if name.startswith("/") else name)
    if b"<!DOCTYPE" in content:
        raise SheetError("type", "无法读取该 Excel 文件", "not a readable .xlsx workbook")
    return ET.fromstring(content)  # noqa: S314 - no DTD, so no entities to expand


def _part(archive: zipfile.ZipFile, rels: dict[str, str], kind: str) -> ET.Element | None:
    """A workbook part by relationship type (sharedStrings, styles), or None when absent."""
    target = next((t for k, t in rels.items() if k.endswith("/" + kind)), None)
    return None if target is None else _xml(archive, target if target.startswith("/") else "xl/" + target)


def _date_styles(styles: ET.Element | None) -> frozenset[int]:
    """Style indexes whose number format shows a date (built-in, CJK built-ins 27–36/50–58, or custom)."""
    if styles is None:
        return frozenset()
    custom = {
        int(e.get("numFmtId", 0)): e.get("formatCode", "") for e in styles.iter() if _local(e.tag) == "numFmt"
    }
    xfs: Iterable[ET.Element] = next((e for e in styles if _local(e.tag) == "cellXfs"), [])
    out = set()
    for i, xf in enumerate(xfs):
        fmt = int(xf.get("numFmtId", 0))
        code = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", custom.get(fmt, "").lower())  # not quoted text
        if fmt in _DATE_FORMATS or re.search(r"[ymd]", code):
            out.add(i)
    return frozenset(out)


def _xlsx_rows(data: bytes) -> Iterator[list[Any]]:
    """Stream the first sheet (not 说明) with the standard library: openpyxl's reader is 5× slower."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        if sum(i.file_size for i in archive.infolist()) > _MAX_UNZIPPED:
            raise SheetError("size", "文件解压后过大", "file inflates too far")
        book, links = _xml(archive, "xl/workbook.xml"), _xml(archive, "xl/_rels/workbook.xml.rels")
        rels = {r.get("Type", ""): r.get("Target", "") for r in links}
        ids = {r.get("Id"): r.get("Target", "") for r in links}
        sheets = [(e.get("name"), ids.get(e.get(_REL_ID))) for e in book.iter() if _local(e.tag) == "sheet"]
        target = next((t for n, t in sheets if n != "说明"), sheets[0][1]) or ""
        source = archive.open(target.lstrip("/") if target.startswith("/") else "xl/" + target)
        shared = _part(archive, rels, "sharedStrings")
        strings = [_text(si) for si in shared] if shared is not None else []
        dates = _date_styles(_part(archive, rels, "styles"))
        pr = next((e for e in book if _local(e.tag) == "workbookPr"), None)
        epoch = _EPOCH_1904 if pr is not None and pr.get("date1904") in ("1", "true") else _EPOCH_1900
        expected = 1
        for number, cells in _sheet_rows(source, strings, dates, epoch):
            yield from ([] for _ in range(expected, number))  # rows Excel left out are empty
            yield cells
            expected = number + 1
    except SheetError:
        raise
    except (zipfile.BadZipFile, KeyError, IndexError, ET.ParseError, expat.ExpatError, ValueError) as exc:
        raise SheetError("type", "无法读取该 Excel 文件", "not a readable .xlsx workbook") from exc


def _text(node: ET.Element) -> str:
    """A string item's text: plain or rich runs, without phonetic guides (rPh)."""
    parts = []
    for child in node:
        name = _local(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name == "r":
            parts += [t.text or "" for t in child if _local(t.tag) == "t"]
    return "".join(parts)


def _column(ref: str) -> int:
    n = 0
    for ch in ref.rstrip("0123456789"):
        n = n * 26 + ord(ch) - 64
    return n - 1


def _refuse_dtd(*_: Any) -> None:
    raise SheetError("type", "无法读取该 Excel 文件", "not a readable .xlsx workbook")


def _sheet_rows(
    source: IO[bytes], strings: Sequence[str], dates: frozenset[int], epoch: datetime
) -> Iterator[tuple[int, list[Any]]]:
    """(row number, cells) from a worksheet's XML, with expat callbacks: no tree is ever built."""
    done: list[tuple[int, list[Any]]] = []
    row: list[Any] = []
    text: list[str] = []
    number, kind, style, ref, keep, phonetic = 0, "n", "", "", False, False
    local: dict[str, str] = {}  # 'x:row' → 'row' (some writers prefix the namespace)

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal row, number, kind, style, ref, text, keep, phonetic
        tag = local.get(name) or local.setdefault(name, name.rpartition(":")[2])
        if tag == "c":
            kind, style, ref, text = attrs.get("t", "n"), attrs.get("s", ""), attrs.get("r", ""), []
        elif tag in ("v", "t"):
            keep = not phonetic  # a formula's text (f) and phonetic guides (rPh) are not the value
        elif tag == "rPh":
            phonetic = True
        elif tag == "row":
            number, row = int(attrs.get("r") or number + 1), []

    def end(name: str) -> None:
        nonlocal keep, phonetic
        tag = local[name]
        if tag in ("v", "t"):
            keep = False
        elif tag == "rPh":
            phonetic = False
        elif tag == "c":
            if ref:
                row.extend([None] * (_column(ref) - len(row)))
            row.append(_value(kind, "".join(text), style, strings, dates, epoch))
        elif tag == "row":
            done.append((number, row))

    def data(chunk: str) -> None:
        if keep:
            text.append(chunk)

    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = _refuse_dtd  # OOXML has no DTD; one means entity tricks
    parser.EntityDeclHandler = _refuse_dtd
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, data
    while chunk := source.read(1 << 16):
        parser.Parse(chunk, False)
        yield from done
        done.clear()
    parser.Parse(b"", True)
    yield from done


def _value(
    kind: str, raw: str, style: str, strings: Sequence[str], dates: frozenset[int], epoch: datetime
) -> Any:
    if kind in ("inlineStr", "str", "e", "d"):  # text, a formula's text, an error (#N/A), an ISO date
        return raw
    if not raw:
        return None
    if kind == "s":
        return strings[int(raw)]
    if kind == "b":
        return raw == "1"
    number = float(raw) if "." in raw or "e" in raw or "E" in raw else int(raw)
    if style and int(style) in dates and 0 <= number < 2_958_466:
        return epoch + timedelta(days=number)
    return number


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


def _csv_rows(data: bytes) -> Iterator[list[str]]:
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


_GUIDE = (
    "每行一名儿童；第一行为表头，列的顺序可以调整，也可用英文列名（如 name、father.phone）作表头。",
    "按班级导入时“班级代码”可留空；按学校或更上级单位导入时每行须填班级代码。",
    "日期可写作 2016-03-01、2016/3/1、2016年3月1日，或 Excel 日期格式。",
    "身份证号、电话请保持文本格式，以免 Excel 改成科学计数法（如 4.10102E+17）。",
    "CSV 可用 UTF-8 或 GBK 编码保存（Excel“另存为 CSV”即可）；文件不超过 20 MB、50000 行。",
    "导入方式：partial 导入正确的行并逐行报告问题；strict 任一行有误或重复则整个文件不导入。",
    "已建档（身份证号相同）的儿童不会重复建档，报告中标为“重复”。",
)


def roster_xlsx(rows: Iterable[Sequence[Any]]) -> bytes:
    """The children's roster (花名册) with dropdowns and text columns, and its instructions (说明)."""
    keys = [c.key for c in CHILD_COLUMNS]
    guide: list[Sequence[Any]] = [
        [c.header, c.key, "是" if c.required else "", c.note or ("、".join(CHOICES.get(c.key, ())))]
        for c in CHILD_COLUMNS
    ]
    guide += [[], *[["", "", "", line] for line in _GUIDE]]
    return write_xlsx(
        sheets=[
            SheetOut(
                "花名册",
                [c.header for c in CHILD_COLUMNS],
                rows,
                text_columns=[i for i, k in enumerate(keys) if k in TEXT_KEYS],
                choices={keys.index(k): v for k, v in CHOICES.items()},
                widths={keys.index("id_number"): 21, keys.index("home_address"): 22},
            ),
            SheetOut("说明", ["列名", "英文列名", "是否必填", "说明"], guide, widths={1: 24, 3: 90}),
        ]
    )


def template_row() -> list[str]:
    """The template's example row (a made-up child with a valid ID number)."""
    return [c.example for c in CHILD_COLUMNS]
