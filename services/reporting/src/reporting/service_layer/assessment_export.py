"""The assessment as a workbook (考核表): sheets 儿童, 帮扶人 and 班主任, headers in Chinese and English."""

from __future__ import annotations

import uuid
from typing import Any

from reporting.domain.assessment import reward_yuan
from reporting.domain.assessment_text import BASELINE_NAMES, award_reasons, point_reasons
from reporting.service_layer.assessment import Facts, scoped, unit_refs
from reporting.service_layer.assessment_lists import (
    build,
    by_name,
    class_rows,
    class_teachers,
    class_totals,
    helper_totals,
)
from shouhu_contracts.pairing.vocabulary import HelperKind
from shouhu_kit.auth import Principal
from shouhu_kit.problems import Problem
from shouhu_kit.spreadsheets import SheetOut, write_xlsx
from shouhu_kit.uow import UnitOfWork

XLSX_ROWS = 1_048_575  # a worksheet's rows, less the header
KIND_NAMES = {
    HelperKind.TEACHER.value: "教师",
    HelperKind.CLASS_TEACHER.value: "班主任",
    HelperKind.VOLUNTEER.value: "志愿者",
    HelperKind.LEADER.value: "领导干部",
    HelperKind.CARING_MOTHER.value: "爱心妈妈",
    HelperKind.PEER_STUDENT.value: "学习帮手",
    HelperKind.COMPANY.value: "爱心企业",
}
CHILD_HEADERS = [
    "学校 / School",
    "班级 / Class",
    "姓名 / Name",
    "考核基数来源 / Baseline from",
    "考核基数（名次） / Baseline rank",
    "第二学期期末名次 / Second-term rank",
    "上升名次 / Places gained",
    "考核分 / Points",
    "加分明细 / Points, with reasons",
    "学生奖励（元） / Pupil awards (yuan)",
    "奖励明细 / Awards, with reasons",
    "计分帮扶人 / Helpers credited",
    "儿童编号 / Child ID",
]
HELPER_HEADERS = [
    "姓名 / Name",
    "类别 / Kind",
    "所属单位 / Unit",
    "儿童数 / Children",
    "儿童及考核分 / Children and their points",
    "考核得分 / Score",
    "奖励（元） / Reward (yuan)",
    "帮扶人编号 / Helper ID",
]
CLASS_HEADERS = [
    "学校 / School",
    "班级 / Class",
    "班主任 / Class teacher",
    "留守儿童数 / Children",
    "考核分合计 / Points together",
    "考核均分 / Average (score)",
    "奖励（元） / Reward (yuan)",
    "班级编号 / Class ID",
]


def _name(rows: dict[uuid.UUID, Any], unit: uuid.UUID | None) -> str:
    row = rows.get(unit) if unit else None
    return str(row.name) if row is not None else ""


def _children(facts: Facts, rows: dict[uuid.UUID, Any], policy: Any) -> list[list[Any]]:
    lines = []
    for child in facts.order:
        s, year = facts.scores[child], facts.years[child]
        cls = rows.get(s.end.class_id)
        school = cls.parent_id if cls is not None else None
        helpers = [facts.helpers[h] for h in facts.credited.get(child, [])]
        lines.append(
            [
                _name(rows, school),
                _name(rows, s.end.class_id),
                facts.names.get(child, ""),
                BASELINE_NAMES[s.baseline_source][0] if s.baseline_source else "无 / none",
                s.baseline.rank if s.baseline else None,
                s.end.rank,
                s.places_gained,
                s.score,
                "；".join(f"{r.zh}（{r.en}）" for r in point_reasons(s, policy)),
                s.award_yuan,
                "；".join(f"{r.zh}（{r.en}）" for r in award_reasons(s, year, policy)),
                "、".join(h.name or KIND_NAMES.get(h.kind, h.kind) for h in helpers),
                str(child),
            ]
        )
    return sorted(lines, key=lambda r: (r[0], r[1], r[2], r[-1]))


def export(
    *, uow: UnitOfWork, principal: Principal, unit_id: uuid.UUID, school_year: str
) -> tuple[bytes, str]:
    """The unit's assessment for the year as an XLSX workbook, and its file name."""
    with uow:
        built = build(uow, principal=principal, unit_id=unit_id, school_year=school_year)
        facts, policy = built.facts, built.version.policy
        if len(facts.order) > XLSX_ROWS:
            raise Problem(
                status=413,
                slug="export-too-large",
                title="导出行数超过工作表上限",
                title_en="Too many rows for one worksheet",
                detail="请按下级单位分别导出",
                detail_en="export each unit below this one instead",
            )
        classes = class_totals(facts)
        rows = class_rows(uow.session, list(classes))
        helpers = helper_totals(facts)
        rows |= unit_refs(uow.session, [t.helper.unit_id for t in helpers if t.helper.unit_id])
        teachers = class_teachers(uow.session, list(classes))
        children = _children(facts, rows, policy)
        helper_lines = [
            [
                t.helper.name or "",
                KIND_NAMES.get(t.helper.kind, t.helper.kind),
                (ref.name if (ref := scoped(principal, rows, t.helper.unit_id)) else ""),
                len(t.children),
                "、".join(
                    f"{facts.names.get(c, '')} {facts.scores[c].score}" for c in by_name(facts, t.children)
                ),
                t.score,
                reward_yuan(t.score, policy),
                str(t.helper.helper_id),
            ]
            for t in helpers
            for kids in [t.children]
        ]
        class_lines = sorted(
            (
                [
                    _name(rows, rows[t.class_id].parent_id),
                    _name(rows, t.class_id),
                    "、".join(h.name or "" for h in teachers.get(t.class_id, []))
                    or "未登记 / none registered",
                    len(t.children),
                    t.total,
                    t.average,
                    reward_yuan(t.average, policy),
                    str(t.class_id),
                ]
                for t in classes.values()
            ),
            key=lambda r: (r[0], r[1], r[-1]),
        )
        filename = f"考核及奖励-{built.unit.name}-{school_year}.xlsx"
    body = write_xlsx(
        sheets=[
            SheetOut("儿童", CHILD_HEADERS, children, text_columns=[12], widths={8: 80, 10: 50, 12: 38}),
            SheetOut("帮扶人", HELPER_HEADERS, helper_lines, text_columns=[7], widths={4: 60, 7: 38}),
            SheetOut("班主任", CLASS_HEADERS, class_lines, text_columns=[7], widths={7: 38}),
        ]
    )
    return body, filename
