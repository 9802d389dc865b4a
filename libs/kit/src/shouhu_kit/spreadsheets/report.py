"""An import's per-row report (逐行报告): each row accepted, rejected or duplicate, with why; JSON or XLSX."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from shouhu_kit.spreadsheets.writers import SheetOut, write_xlsx


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

    def decide(self, mode: ImportMode) -> bool:
        """Whether the accepted rows go in (partial: always; strict: only a clean file); sets `imported`."""
        self.imported = mode is ImportMode.PARTIAL or self.clean
        return self.imported

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


def report_xlsx(report: RosterReport, *, id_header: str = "编号", id_keys: Sequence[str] = ("id",)) -> bytes:
    """The report as a workbook with Chinese headers: 行号, 结果, the record's id (first of id_keys), 问题."""
    label = {
        "accepted": "已导入" if report.imported else "无误（未导入）",
        "rejected": "有误",
        "duplicate": "重复",
    }
    lines = (
        [
            r.row,
            label[r.status],
            next((r.extra[k] for k in id_keys if r.extra.get(k)), None),
            "；".join(f"{e['column']}：{e['message']}" for e in r.errors),
        ]
        for r in report.rows
    )
    return write_xlsx(
        sheets=[SheetOut("导入结果", ["行号", "结果", id_header, "问题"], lines, widths={2: 38, 3: 80})]
    )
