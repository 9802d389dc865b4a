"""The registry's rosters on the kit's spreadsheets: children 花名册, results 期末成绩, attendance 出勤."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from registry.domain.identity import id_check_char
from shouhu_kit import spreadsheets as xl
from shouhu_kit.spreadsheets import Column

MANGLED_ID = (
    "身份证号被 Excel 改成了科学计数法，请将该列设为文本后重填 / "
    "Excel turned the ID number into E notation: make the column text"
)


def id_number_cell(raw: Any) -> str | None:
    """The ID number as typed; what Excel made of an 18-digit number (4.10102E+17) is refused."""
    text = xl.cell_text(raw)
    if text is not None and xl.looks_mangled(text):
        raise ValueError(MANGLED_ID)
    return text


def age_cell(raw: Any) -> str | None:
    """'66岁' as 66 (the command checks the range)."""
    text = xl.cell_text(raw)
    return None if text is None else text.removesuffix("岁")


def days_cell(raw: Any) -> str | None:
    """'3天' as 3 (the command checks the range)."""
    text = xl.cell_text(raw)
    return None if text is None else text.removesuffix("天").strip()


def _phone(header: str, key: str, example: str) -> Column:
    return Column(header, key, example=example, note=xl.PHONE_NOTE, text=True)


def _parent(who: str, key: str, name: str, phone: str) -> tuple[Column, ...]:
    return (
        Column(f"{who}姓名", f"{key}.name", example=name, note="父母任一方的各列可全部留空"),
        _phone(f"{who}电话", f"{key}.phone", phone),
        Column(f"{who}务工地", f"{key}.work_city", example="广东深圳"),
        Column(f"{who}工作单位", f"{key}.employer"),
        Column(f"{who}单位地址", f"{key}.employer_address"),
        Column(
            f"{who}外出时间",
            f"{key}.away_since",
            example="2020-02-01",
            note="日期，如 2020-02-01",
            parse=xl.date_cell,
        ),
    )


_EXAMPLE_ID = "41010220160301123" + id_check_char("41010220160301123")
# The children's roster, in the template's order (the fields of the national 留守儿童信息表).
CHILD_ROSTER = xl.Roster(
    columns=(
        Column("姓名", "name", True, "王小明", "必填"),
        Column("性别", "gender", True, "男", "必填：男/女", choices=("男", "女")),
        Column(
            "出生日期",
            "birth_date",
            True,
            "2016-03-01",
            "必填：2016-03-01、2016/3/1 或 2016年3月1日",
            parse=xl.date_cell,
        ),
        Column("民族", "ethnicity", example="汉族"),
        Column(
            "身份证号",
            "id_number",
            False,
            _EXAMPLE_ID,
            "18位，须与出生日期一致",
            ("身份证号码", "公民身份号码"),
            parse=id_number_cell,
            header_en="ID number",
            text=True,
            width=21,
        ),
        Column(
            "班级代码",
            "class_code",
            False,
            "",
            "班级的单位代码；按班级导入时可留空",
            ("班级编码",),
            text=True,
        ),
        Column("户籍村代码", "home_village_code", note="户籍所在村/居的单位代码，可留空", text=True),
        Column("家庭住址", "home_address", example="某镇某村3组", width=22),
        Column(
            "是否寄宿",
            "boarding",
            False,
            "否",
            "是/否，留空为否",
            ("是否住校",),
            parse=xl.yes_no,
            choices=("是", "否"),
        ),
        Column(
            "留守类型",
            "left_behind_type",
            True,
            "父母双方外出",
            "必填：父母双方外出/父亲外出/母亲外出",
            choices=("父母双方外出", "父亲外出", "母亲外出"),
        ),
        *_parent("父亲", "father", "王大力", "13900000001"),
        *_parent("母亲", "mother", "李秀英", "13900000002"),
        Column(
            "监护人姓名", "guardian.name", example="王奶奶", note="无人监护（监护缺位）时监护人各列全部留空"
        ),
        Column("监护人关系", "guardian.relation", example="祖母", note="有监护人时必填，如 祖父母、亲戚"),
        Column("监护人年龄", "guardian.age", example="66", note="14–120", parse=age_cell),
        Column("监护人职业", "guardian.occupation", example="务农"),
        Column("监护人健康状况", "guardian.health", example="良好", note="如 良好、慢性病"),
        _phone("监护人电话", "guardian.phone", "13800138000"),
        Column("监护人住址", "guardian.address", example="某镇某村3组"),
        Column(
            "监护情况",
            "guardian.rating",
            example="好",
            note="有监护人时必填：好/较好/差",
            choices=("好", "较好", "差"),
        ),
    ),
    # Where a rule names a command field, the report names the spreadsheet column.
    fields={"class_id": "class_code", "home_village_id": "home_village_code"},
)
CHILD_COLUMNS = CHILD_ROSTER.columns
# Term results (期末成绩): these, then one column per subject (语文, 数学, 英语 …).
TERM_ROSTER = xl.Roster(
    columns=(
        Column("姓名", "name", True),
        Column("身份证号", "id_number", aliases=("身份证号码",), header_en="ID number"),
        Column("总分", "total_score"),
        Column("班级排名", "class_rank", True, aliases=("班级名次", "排名", "名次")),
    ),
    fields={"class_size": "class_rank"},
    keyed_by_header=frozenset({"subjects"}),
)
# Columns a results sheet often carries that are not subjects.
NOT_SUBJECTS = frozenset({"序号", "学号", "性别", "班级", "备注", "年级排名", "年级名次"})

# A month's attendance (月度出勤), one row per child, identified as on a results sheet.
ATTENDANCE_ROSTER = xl.Roster(
    columns=(
        Column("姓名", "name", True, "王小明", "必填；本班有同名儿童时须填身份证号"),
        Column(
            "身份证号",
            "id_number",
            False,
            "",
            "可留空；填写时按身份证号认定儿童",
            ("身份证号码",),
            parse=id_number_cell,
            header_en="ID number",
            text=True,
            width=21,
        ),
        Column(
            "应到天数",
            "school_days",
            True,
            "21",
            "必填：该月上课天数，1–31",
            ("应出勤天数", "上课天数"),
            parse=days_cell,
        ),
        Column(
            "缺勤天数",
            "days_absent",
            True,
            "3",
            "必填：含病事假，0 至应到天数",
            ("缺课天数", "缺席天数"),
            parse=days_cell,
        ),
        Column(
            "病事假天数",
            "excused_days",
            False,
            "1",
            "缺勤中请病假、事假的天数，可留空",
            ("请假天数", "病假事假天数"),
            parse=days_cell,
        ),
        Column("备注", "note", example="", note="可留空，不超过 200 字"),
    ),
)
_ATTENDANCE_GUIDE = (
    "每行一名儿童，只需填写本班在册的留守儿童；第一行为表头，列的顺序可以调整。",
    "按身份证号认定儿童；未填身份证号时按姓名认定，本班有同名儿童时须填身份证号。学号、序号等其他列不导入。",
    "缺勤天数含病事假；同一儿童同一月份再次导入即为更正。",
    *xl.COMMON_GUIDE,
)


def attendance_xlsx() -> bytes:
    """The attendance template (月度出勤) with one example row and its instructions (说明)."""
    rows = [xl.example_row(ATTENDANCE_ROSTER)]
    return xl.template_xlsx(ATTENDANCE_ROSTER, title="月度出勤", rows=rows, guide=_ATTENDANCE_GUIDE)


_GUIDE = (
    "每行一名儿童；第一行为表头，列的顺序可以调整，也可用英文列名（如 name、father.phone）作表头。",
    "按班级导入时“班级代码”可留空；按学校或更上级单位导入时每行须填班级代码。",
    "日期可写作 2016-03-01、2016/3/1、2016年3月1日，或 Excel 日期格式。",
    "身份证号、电话请保持文本格式，以免 Excel 改成科学计数法（如 4.10102E+17）。",
    *xl.COMMON_GUIDE,
    "已建档（身份证号相同）的儿童不会重复建档，报告中标为“重复”。",
)


def roster_xlsx(rows: Iterable[Sequence[Any]]) -> bytes:
    """The children's roster (花名册) with dropdowns and text columns, and its instructions (说明)."""
    return xl.template_xlsx(CHILD_ROSTER, title="花名册", rows=rows, guide=_GUIDE)


def template_row() -> list[str]:
    """The template's example row (a made-up child with a valid ID number)."""
    return xl.example_row(CHILD_ROSTER)
