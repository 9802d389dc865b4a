"""What both roster imports (花名册导入) share: the mode, reading the upload, the per-row report."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import ValidationError

from registry.adapters import spreadsheets as xl
from shouhu_kit.problems import Problem, field_errors

T = TypeVar("T")
# Where a rule names a command field, the report names the spreadsheet column.
_FIELD_TO_KEY = {"class_id": "class_code", "home_village_id": "home_village_code"}


class ImportMode(StrEnum):
    """partial: import the good rows and report the bad; strict: every row or none."""

    PARTIAL = "partial"
    STRICT = "strict"


@dataclass
class RowReport:
    """One data row's outcome: accepted, rejected (errors per column) or duplicate."""

    row: int
    status: str = "accepted"
    errors: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def fail(self, status: str, errors: list[dict[str, Any]], **extra: Any) -> None:
        """Mark the row rejected or duplicate, with why."""
        self.status, self.errors = status, [*self.errors, *errors]
        self.extra.update(extra)


@dataclass
class RosterReport:
    """The per-row report of an import; `imported` is False when strict mode refused the file."""

    rows: list[RowReport] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    imported: bool = False

    def add(self, number: int) -> RowReport:
        """A new row's report, accepted until proven otherwise."""
        self.rows.append(RowReport(row=number))
        return self.rows[-1]

    @property
    def clean(self) -> bool:
        """True when every row was accepted."""
        return all(r.status == "accepted" for r in self.rows)

    def doc(self) -> dict[str, Any]:
        """The report as JSON: counts, then each row."""
        count = {s: sum(r.status == s for r in self.rows) for s in ("accepted", "rejected", "duplicate")}
        return {
            "total": len(self.rows),
            "accepted": count["accepted"],
            "rejected": count["rejected"],
            "duplicates": count["duplicate"],
            "imported": self.imported,
            "ignored_columns": self.ignored_columns,
            "rows": [{"row": r.row, "status": r.status, **r.extra, "errors": r.errors} for r in self.rows],
        }


def report_xlsx(report: RosterReport) -> bytes:
    """The report as a workbook with Chinese headers: 行号, 结果, 儿童编号, 问题."""
    label = {
        "accepted": "已导入" if report.imported else "无误（未导入）",
        "rejected": "有误",
        "duplicate": "重复",
    }
    lines = (
        [
            r.row,
            label[r.status],
            r.extra.get("child_id") or r.extra.get("existing_child_id"),
            "；".join(f"{e['column']}：{e['message']}" for e in r.errors),
        ]
        for r in report.rows
    )
    return xl.write_xlsx(
        sheets=[xl.SheetOut("导入结果", ["行号", "结果", "儿童编号", "问题"], lines, widths={2: 38, 3: 80})]
    )


def row_error(key: str, text: str, headers: Mapping[str, str]) -> dict[str, Any]:
    """A row error from '中文 / English', naming the column as the spreadsheet shows it."""
    zh, _, en = text.partition(" / ")
    key = _FIELD_TO_KEY.get(key, key)
    return {"column": headers.get(key, key), "field": key, "message": zh, "message_en": en or zh}


def validation_errors(exc: ValidationError, headers: Mapping[str, str]) -> list[dict[str, Any]]:
    """The API's own validation messages, their locations mapped back to columns (subjects by name)."""
    out = []
    for err, doc in zip(exc.errors(), field_errors(exc.errors()), strict=True):
        loc = [str(p) for p in err["loc"]]
        key = loc[1] if loc[0] == "subjects" and len(loc) > 1 else ".".join(loc)
        out.append(row_error(key, f"{doc['message']} / {doc['message_en']}", headers))
    return out


def problem_errors(problem: Problem, headers: Mapping[str, str]) -> list[dict[str, Any]]:
    """A use case's 422 errors, mapped to columns."""
    errors = problem.extra.get("errors") or [{"field": "", "message": problem.title, "message_en": ""}]
    return [row_error(e["field"], f"{e['message']} / {e['message_en']}", headers) for e in errors]


def chunks(items: Sequence[T], size: int = 500) -> Iterator[Sequence[T]]:
    """Slices small enough for one IN list or one multi-row INSERT, on SQLite and PostgreSQL."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def load_sheet(*, data: bytes, filename: str, columns: Sequence[xl.Column]) -> tuple[xl.Sheet, xl.HeaderMap]:
    """Read an upload and map its header: 413, 415 or 422 problems for what cannot be a roster."""
    try:
        sheet = xl.read_sheet(data=data, filename=filename, columns=columns)
        where = xl.map_headers(headers=sheet.headers, columns=columns)
    except xl.SheetError as exc:
        raise Problem(
            status={"size": 413, "rows": 413, "type": 415}.get(exc.reason, 422),
            slug=f"roster-{exc.reason}",
            title="无法导入该文件",
            title_en="Cannot import this file",
            detail=exc.zh,
            detail_en=exc.en,
        ) from exc
    if missing := [c for c in columns if c.required and c.key not in where.index]:
        raise Problem(
            status=422,
            slug="roster-header",
            title="缺少必填列",
            title_en="Required columns are missing",
            detail="缺少：" + "、".join(c.header for c in missing),
            detail_en="missing: " + ", ".join(c.key for c in missing),
            errors=[row_error(c.key, "缺少该列 / column missing", {c.key: c.header}) for c in missing],
        )
    if not sheet.rows:
        raise Problem(status=422, slug="roster-empty", title="文件中没有数据行", title_en="No data rows")
    return sheet, where
