"""The bulletin as a PDF (reportlab), in Chinese: a CJK TrueType font is embedded (subset) in the file.

The font comes from the settings (Debian's fonts-wqy-zenhei by default); without it no PDF can be
written in Chinese, and the API answers 503 naming the setting, rather than printing boxes.
"""

from __future__ import annotations

import hashlib
import io
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from reporting.adapters.bulletin_xlsx import beijing, bulletin_title, percent
from reporting.domain.bulletin import arrow
from reporting.service_layer.bulletin_reads import Ranking, RankingLine
from shouhu_kit.problems import Problem

HEADERS = [
    ("综合排名", "Rank"),
    ("单位", "Unit"),
    ("儿童数", "Children"),
    ("档案完整率", "Archive rate"),
    ("结对覆盖率", "Coverage"),
    ("覆盖率排名", "Coverage rank"),
    ("联系完成率", "Compliance"),
    ("完成率排名", "Compliance rank"),
    ("逾期任务", "Overdue tasks"),
    ("综合得分", "Score"),
    ("名次变化", "Change"),
]
WIDTHS = [16, 62, 18, 22, 30, 20, 30, 20, 18, 20, 22]  # mm, landscape A4 less the margins


def font_missing(path: str, why: str) -> Problem:
    """503: the PDF cannot be written in Chinese on this server (the setting names the font)."""
    return Problem(
        status=503,
        slug="pdf-font-missing",
        title="服务器缺少中文字体，暂无法生成 PDF",
        title_en="No Chinese font on the server: the PDF cannot be made",
        detail=f"请安装 fonts-wqy-zenhei 或设置 SHOUHU_REPORTING_BULLETIN_FONT_PATH（{why}）",
        detail_en=f"install fonts-wqy-zenhei or set SHOUHU_REPORTING_BULLETIN_FONT_PATH ({why})",
        font_path=path,
    )


@lru_cache(maxsize=4)
def cjk_font(path: str, index: int = 0) -> str:
    """The registered name of the CJK font at `path` (registered once per process); 503 if unusable."""
    if not Path(path).is_file():
        raise font_missing(path, "字体文件不存在 / the file does not exist")
    name = "CJK-" + hashlib.sha1(f"{path}#{index}".encode(), usedforsecurity=False).hexdigest()[:10]
    try:
        pdfmetrics.registerFont(TTFont(name, path, subfontIndex=index))
    except (TTFError, OSError) as exc:
        raise font_missing(path, f"字体无法读取 / unreadable: {type(exc).__name__}") from exc
    return name


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = {"fontName": font, "wordWrap": "CJK"}
    return {
        "title": ParagraphStyle("title", fontSize=18, leading=24, alignment=1, spaceAfter=4, **base),
        "sub": ParagraphStyle("sub", fontSize=9.5, leading=13, alignment=1, textColor=colors.grey, **base),
        "head": ParagraphStyle("head", fontSize=8, leading=10, alignment=1, **base),
        "cell": ParagraphStyle("cell", fontSize=8.5, leading=11, **base),
        "note": ParagraphStyle("note", fontSize=7.5, leading=10, textColor=colors.grey, **base),
    }


def _rate(rate: float | None, change: float | None) -> str:
    if rate is None:
        return "—"
    shown = f"{percent(rate):.1f}%"
    if change is None:
        return shown
    return f"{shown} {arrow(change)}{abs(percent(change) or 0):.1f}" if change else f"{shown} –"


def _rank(rank: int | None) -> str:
    return "—" if rank is None else str(rank)


def _places(line: RankingLine) -> str:
    gained = line.change.rank
    if line.rank is None:
        return "—"
    if gained is None:
        return "新 New" if line.previous is None else "—"
    return f"{arrow(gained)}{abs(gained)}" if gained else "–"


def _row(line: RankingLine, cell: ParagraphStyle) -> list[Any]:
    f, c = line.figures, line.change
    return [
        _rank(line.rank),
        Paragraph(line.unit.name or line.unit.code, cell),
        str(f.children),
        _rate(f.archive_rate, c.archive_rate),
        _rate(f.coverage, c.coverage),
        _rank(line.rank_coverage),
        _rate(f.compliance, c.compliance),
        _rank(line.rank_compliance),
        str(f.tasks_overdue),
        "—" if line.score is None else f"{percent(line.score):.1f}",
        _places(line),
    ]


def ranking_pdf(ranking: Ranking, *, font_path: str, font_index: int = 0, generated_at: datetime) -> bytes:
    """The month's ranking of a unit's sub-units: title, the table (ranks, figures, ▲/▼), date, pages."""
    font = cjk_font(font_path, font_index)
    st = _styles(font)
    out = io.BytesIO()
    title = bulletin_title(ranking)
    doc = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=14 * mm,
        title=title,
        author="守护 Shouhu",
        subject=f"{ranking.month} 每月一通报 / monthly bulletin",
    )
    head = [Paragraph(f"{zh}<br/>{en}", st["head"]) for zh, en in HEADERS]
    table = Table(
        [head, *(_row(line, st["cell"]) for line in ranking.lines)],
        colWidths=[w * mm for w in WIDTHS],
        repeatRows=1,
    )
    table.setStyle(_table_style(font, len(ranking.lines)))
    story: list[Any] = [
        Paragraph(title, st["title"]),
        Paragraph(
            f"统计月份 / Month：{ranking.month}　发布 / Published：{beijing(ranking.published_at)}"
            f"　下级单位 / Sub-units：{len(ranking.lines)}",
            st["sub"],
        ),
        Spacer(1, 5 * mm),
        table,
        Spacer(1, 4 * mm),
        Paragraph("排名规则 / Rule：" + ranking.rule, st["note"]),
        Paragraph(
            "口径：月末数（北京时间）；▲/▼ 为较上月变化（百分点或名次）；— 表示无可计算项。"
            " / Figures as at the month's end; ▲/▼: change since last month (points or places); —: none.",
            st["note"],
        ),
    ]

    def footer(canvas: Any, page_doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.setFillColor(colors.grey)
        canvas.drawString(12 * mm, 7 * mm, f"{title}　生成 / Generated：{beijing(generated_at)}")
        canvas.drawRightString(
            landscape(A4)[0] - 12 * mm, 7 * mm, f"第 {page_doc.page} 页 / Page {page_doc.page}"
        )
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def _table_style(font: str, rows: int) -> TableStyle:
    commands: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("FONTSIZE", (0, 1), (-1, -1), 8.5),
        ("ALIGN", (0, 1), (-1, -1), "CENTER"),
        ("ALIGN", (1, 1), (1, -1), "LEFT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde6f0")),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa8b8")),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    commands.extend(
        ("BACKGROUND", (0, r), (-1, r), colors.HexColor("#f5f7fa")) for r in range(2, rows + 1, 2)
    )
    return TableStyle(commands)
