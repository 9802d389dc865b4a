"""A roster as a workbook (花名册): the import template or an export, with its 说明 sheet; or as CSV."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from shouhu_kit.spreadsheets.roster import Roster
from shouhu_kit.spreadsheets.writers import SheetOut, write_csv, write_xlsx

# What every roster's 说明 sheet says after its own lines: how the kit reads a file.
COMMON_GUIDE = (
    "CSV 可用 UTF-8 或 GBK 编码保存（Excel“另存为 CSV”即可）；文件不超过 20 MB、50000 行。",
    "导入方式：partial 导入正确的行并逐行报告问题；strict 任一行有误或重复则整个文件不导入。",
)


def template_xlsx(
    roster: Roster, *, title: str, rows: Iterable[Sequence[Any]], guide: Sequence[str] = ()
) -> bytes:
    """The roster's sheet (text columns, dropdowns, widths) and 说明: each column, then the guide's lines."""
    columns = roster.columns
    lines: list[Sequence[Any]] = [
        [c.header, c.key, "是" if c.required else "", c.note or "、".join(c.choices)] for c in columns
    ]
    lines += [[], *[["", "", "", line] for line in guide]]
    return write_xlsx(
        sheets=[
            SheetOut(
                title,
                [c.header for c in columns],
                rows,
                text_columns=[i for i, c in enumerate(columns) if c.text],
                choices={i: c.choices for i, c in enumerate(columns) if c.choices},
                widths={i: c.width for i, c in enumerate(columns) if c.width is not None},
            ),
            SheetOut("说明", ["列名", "英文列名", "是否必填", "说明"], lines, widths={1: 24, 3: 90}),
        ]
    )


def template_csv(roster: Roster, *, rows: Iterable[Sequence[Any]]) -> bytes:
    """The roster's headers and rows as CSV that Chinese Excel opens (UTF-8 with a BOM)."""
    return write_csv(headers=[c.header for c in roster.columns], rows=rows)


def example_row(roster: Roster) -> list[str]:
    """The template's example row: each column's example."""
    return [c.example for c in roster.columns]
