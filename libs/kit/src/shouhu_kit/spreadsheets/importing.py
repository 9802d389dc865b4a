"""The import loop (花名册导入): an upload read against a roster, each row to a command, reported."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import ValidationError

from shouhu_kit.problems import Problem
from shouhu_kit.spreadsheets.cells import cell_text
from shouhu_kit.spreadsheets.columns import HeaderMap, map_headers
from shouhu_kit.spreadsheets.reading import read_sheet
from shouhu_kit.spreadsheets.report import RosterReport, RowReport
from shouhu_kit.spreadsheets.roster import FieldError, Roster, Row, RowInvalid
from shouhu_kit.spreadsheets.sheet import SheetError

C = TypeVar("C")
T = TypeVar("T")


@dataclass
class RosterFile:
    """An upload read against a roster: its data rows parsed, and the headers the roster does not declare."""

    roster: Roster
    rows: list[Row]
    ignored_columns: list[str]


@dataclass
class Accepted(Generic[C]):
    """A row that became a command, and its line of the report (to fail it later: a duplicate)."""

    report: RowReport
    command: C


def read_roster(*, data: bytes, filename: str, roster: Roster, max_rows: int | None = None) -> RosterFile:
    """Read an upload (XLSX or CSV) and parse its rows: 413, 415 or 422 problems for what cannot be one."""
    try:
        sheet = read_sheet(data=data, filename=filename, columns=roster.columns, max_rows=max_rows)
        where = map_headers(headers=sheet.headers, columns=roster.columns)
    except SheetError as exc:
        raise Problem(
            status={"size": 413, "rows": 413, "type": 415}.get(exc.reason, 422),
            slug=f"roster-{exc.reason}",
            title="无法导入该文件",
            title_en="Cannot import this file",
            detail=exc.zh,
            detail_en=exc.en,
        ) from exc
    if missing := [c for c in roster.columns if c.required and c.key not in where.index]:
        raise Problem(
            status=422,
            slug="roster-header",
            title="缺少必填列",
            title_en="Required columns are missing",
            detail="缺少：" + "、".join(c.header for c in missing),
            detail_en="missing: " + ", ".join(c.key for c in missing),
            errors=[roster.error(c.key, "缺少该列 / column missing") for c in missing],
        )
    if not sheet.rows:
        raise Problem(status=422, slug="roster-empty", title="文件中没有数据行", title_en="No data rows")
    rows = [_parse(number, cells, where, roster) for number, cells in sheet.rows]
    return RosterFile(roster=roster, rows=rows, ignored_columns=sorted(set(where.others.values())))


def _parse(number: int, cells: Sequence[Any], where: HeaderMap, roster: Roster) -> Row:
    """Each declared cell through its column's parser; a refused cell is an error and no value."""
    row = Row(number=number, roster=roster)
    for key, i in where.index.items():
        try:
            value = roster.by_key[key].parse(cells[i])
        except ValueError as exc:
            row.errors.append(roster.error(key, str(exc)))
            continue
        if value is not None:
            row.values[key] = value
    for i, header in where.others.items():
        if (text := cell_text(cells[i])) is not None:
            row.others[header] = text
    return row


def import_rows(
    file: RosterFile, *, to_command: Callable[[Row], C]
) -> tuple[RosterReport, list[Accepted[C]]]:
    """Each row to a command; a row with a refused cell, or whose to_command raises, is rejected with why.

    to_command may call row.fail(...) and go on, or raise FieldError, RowInvalid, a pydantic
    ValidationError or a Problem (its `errors`). It is called for a row whose cells were refused too,
    so that the report names every problem; a column already refused keeps only that first reason.
    """
    report = RosterReport(ignored_columns=list(file.ignored_columns))
    accepted: list[Accepted[C]] = []
    for row in file.rows:
        line = report.add(row.number)
        try:
            command = to_command(row)
        except (FieldError, RowInvalid, ValidationError, Problem) as exc:
            # A refused cell is left out of the row: the command missing it would say nothing new.
            refused = {e["field"] for e in row.errors}
            later = [e for e in file.roster.errors(exc) if e["field"] not in refused]
            line.fail("rejected", [*row.errors, *later])
            continue
        if row.errors:
            line.fail("rejected", list(row.errors))
        else:
            accepted.append(Accepted(line, command))
    return report, accepted


def drop_duplicates_in_file(
    accepted: Sequence[Accepted[C]], *, key: str, value: Callable[[C], Hashable | None], roster: Roster
) -> list[Accepted[C]]:
    """The rows less those repeating an earlier row's value (an ID number), marked duplicate of that row."""
    column = roster.by_key[key]
    seen: dict[Hashable, int] = {}
    keep = []
    for item in accepted:
        found = value(item.command)
        if found is not None and found in seen:
            first = seen[found]
            text = f"与第 {first} 行{column.header}重复 / same {column.en} as row {first}"
            item.report.fail("duplicate", [roster.error(key, text)], duplicate_of_row=first)
            continue
        if found is not None:
            seen[found] = item.report.row
        keep.append(item)
    return keep


def chunks(items: Sequence[T], size: int = 500) -> Iterator[Sequence[T]]:
    """Slices small enough for one IN list or one multi-row INSERT, on SQLite and PostgreSQL."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
