"""The children's roster as a workbook (花名册): the import template and the export, with its 说明 sheet."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from registry.adapters.spreadsheets.columns import CHILD_COLUMNS, CHOICES, TEXT_KEYS
from registry.adapters.spreadsheets.writers import SheetOut, write_xlsx

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
