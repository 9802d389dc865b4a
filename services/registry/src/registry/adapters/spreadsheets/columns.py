"""The roster's columns (花名册, 期末成绩) and how a file's headers map onto them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from registry.adapters.spreadsheets.sheet import SheetError
from registry.domain.identity import id_check_char

_NOTE = re.compile(r"[（(][^）)]*[）)]")  # '出生日期（yyyy-mm-dd）' → '出生日期'
PHONE_NOTE = "11位手机号，或带区号的固定电话，如 0371-63123456"


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
class HeaderMap:
    """Where each known column sits, and the other headers (subjects, or columns to ignore)."""

    index: dict[str, int]
    others: dict[int, str] = field(default_factory=dict)


def _parent(who: str, key: str, name: str, phone: str) -> tuple[Column, ...]:
    return (
        Column(f"{who}姓名", f"{key}.name", example=name, note="父母任一方的各列可全部留空"),
        Column(f"{who}电话", f"{key}.phone", example=phone, note=PHONE_NOTE),
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
    Column("监护人电话", "guardian.phone", example="13800138000", note=PHONE_NOTE),
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


def header_names(columns: Sequence[Column]) -> dict[str, str]:
    """Every header a column answers to (Chinese header, key, father_phone, alias), normalised → key."""
    names: dict[str, str] = {}
    for col in columns:
        for name in (col.header, col.key, col.key.replace(".", "_"), *col.aliases):
            names[normalize_header(name)] = col.key
    return names


def map_headers(*, headers: Sequence[str], columns: Sequence[Column]) -> HeaderMap:
    """Match headers to columns by Chinese header, key (father.phone or father_phone) or alias."""
    names = header_names(columns)
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
