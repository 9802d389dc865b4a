"""The bulletin and the sub-units' figures as workbooks: Chinese headers with English beside, rates in %.

Rates are written as numbers (percent, two places) so that offices can sort and chart them; an
empty cell means there was nothing to divide by (no child, nothing due).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from reporting.service_layer.bulletin_reads import Ranking, SubUnitTable
from reporting.service_layer.queries import MonthFigures
from shouhu_kit.clock import CHINA_TZ
from shouhu_kit.spreadsheets import SheetOut, write_xlsx

KIND_ZH = {
    "city": "市",
    "district": "区/县",
    "township": "乡镇/街道",
    "village": "村/居",
    "school": "学校",
    "class": "班级",
}
RANKING_HEADERS = [
    "综合排名 / Rank",
    "单位代码 / Code",
    "单位 / Unit",
    "儿童数 / Children",
    "档案完整率(%) / Archive rate (%)",
    "已结对 / Paired",
    "结对覆盖率(%) / Coverage (%)",
    "覆盖率排名 / Coverage rank",
    "应联系 / Contacts due",
    "已联系 / Met",
    "联系完成率(%) / Compliance (%)",
    "完成率排名 / Compliance rank",
    "未办结任务 / Open tasks",
    "逾期任务 / Overdue tasks",
    "高风险 / High risk",
    "综合得分(%) / Score (%)",
    "上月排名 / Last month's rank",
    "名次变化 / Places gained",
    "覆盖率变化(百分点) / Coverage change (pp)",
    "完成率变化(百分点) / Compliance change (pp)",
]
SUB_UNIT_HEADERS = [
    "单位代码 / Code",
    "单位 / Unit",
    "类型 / Kind",
    "儿童数 / Children",
    "档案完整 / Complete archives",
    "档案完整率(%) / Archive rate (%)",
    "已结对 / Paired",
    "结对覆盖率(%) / Coverage (%)",
    "应联系 / Contacts due",
    "已联系 / Met",
    "联系完成率(%) / Compliance (%)",
    "未办结任务 / Open tasks",
    "逾期任务 / Overdue tasks",
    "高风险 / High risk",
    "中风险 / Medium risk",
]


def percent(rate: float | None) -> float | None:
    """0.9712 → 97.12 (None stays empty)."""
    return None if rate is None else round(rate * 100, 2)


def month_zh(month: str) -> str:
    """'2027-04' → '2027年4月'."""
    return f"{int(month[:4])}年{int(month[5:7])}月"


def bulletin_title(ranking: Ranking) -> str:
    """「XX市 2027年4月 留守儿童关爱工作通报」."""
    return f"{ranking.unit.name} {month_zh(ranking.month)} 留守儿童关爱工作通报"


def beijing(at: datetime) -> str:
    """An instant as a Chinese reader reads it: Beijing time, to the minute."""
    return at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") + "（北京时间）"


def ranking_xlsx(ranking: Ranking) -> bytes:
    """One month's ranking of a unit's sub-units, and a sheet saying what it is and how it ranks."""
    rows: list[list[Any]] = []
    for line in ranking.lines:
        f, c = line.figures, line.change
        rows.append(
            [
                line.rank,
                line.unit.code,
                line.unit.name,
                f.children,
                percent(f.archive_rate),
                f.paired,
                percent(f.coverage),
                line.rank_coverage,
                f.due,
                f.met,
                percent(f.compliance),
                line.rank_compliance,
                f.tasks_open,
                f.tasks_overdue,
                f.risk_high,
                percent(line.score),
                line.previous.rank if line.previous else None,
                c.rank,
                percent(c.coverage),
                percent(c.compliance),
            ]
        )
    about: list[list[Any]] = [
        ["标题 / Title", bulletin_title(ranking)],
        ["月份 / Month", ranking.month],
        ["单位 / Unit", f"{ranking.unit.name}（{ranking.unit.code}）"],
        ["发布时间 / Published", beijing(ranking.published_at)],
        ["下级单位数 / Sub-units", len(ranking.lines)],
        ["排名规则 / Rule", ranking.rule],
        [
            "口径 / Figures",
            "月末数（北京时间）；空白表示无可计算项 / as at the month's end; blank: nothing to divide",
        ],
    ]
    return write_xlsx(
        sheets=[
            SheetOut(
                title="通报排名",
                headers=RANKING_HEADERS,
                rows=rows,
                text_columns=(1,),
                widths={1: 16, 2: 24},
            ),
            SheetOut(
                title="说明", headers=["项目 / Item", "内容 / Content"], rows=about, widths={0: 22, 1: 90}
            ),
        ]
    )


def _sub_unit_row(code: str, name: str, kind: str, f: MonthFigures) -> list[Any]:
    return [
        code,
        name,
        KIND_ZH.get(kind, kind),
        f.children,
        f.archive_complete,
        percent(f.archive_rate),
        f.paired,
        percent(f.coverage),
        f.due,
        f.met,
        percent(f.compliance),
        f.tasks_open,
        f.tasks_overdue,
        f.risk_high,
        f.risk_medium,
    ]


def sub_units_xlsx(table: SubUnitTable) -> bytes:
    """A unit's sub-units with the month's figures (stock figures as they stand, or at a past month's end)."""
    rows = [_sub_unit_row(i.unit.code, i.unit.name, i.unit.kind, i.figures) for i in table.items]
    about: list[list[Any]] = [
        ["单位 / Unit", f"{table.parent.name}（{table.parent.code}）"],
        ["月份 / Month", table.month],
        ["下级单位数 / Sub-units", len(rows)],
        [
            "口径 / Figures",
            "本月为当前数，往月为月末数（北京时间）/ this month: as now; a past month: at its end",
        ],
    ]
    return write_xlsx(
        sheets=[
            SheetOut(
                title="下级单位指标",
                headers=SUB_UNIT_HEADERS,
                rows=rows,
                text_columns=(0,),
                widths={0: 16, 1: 24},
            ),
            SheetOut(
                title="说明", headers=["项目 / Item", "内容 / Content"], rows=about, widths={0: 22, 1: 90}
            ),
        ]
    )
