"""Shared vocabulary: the org tree every record and user is scoped to."""

from enum import StrEnum


class OrgKind(StrEnum):
    """A level of the org tree: 市 → 区/县 → 乡镇/街道 → 村/居; 学校 in a township, 班级 in a school."""

    CITY = "city"  # 市
    DISTRICT = "district"  # 区/县
    TOWNSHIP = "township"  # 乡镇/街道
    VILLAGE = "village"  # 村/居
    SCHOOL = "school"  # 学校
    CLASS = "class"  # 班级


class LeftBehindType(StrEnum):
    """Which parents work away (外出务工)."""

    BOTH_PARENTS = "both_parents"  # 父母双方外出
    FATHER = "father"  # 父亲外出
    MOTHER = "mother"  # 母亲外出


class Gender(StrEnum):
    """As on the national form."""

    MALE = "male"  # 男
    FEMALE = "female"  # 女


class GuardianshipRating(StrEnum):
    """监护情况 on the national form."""

    GOOD = "good"  # 好
    FAIR = "fair"  # 较好/一般
    POOR = "poor"  # 差


class ChildStatus(StrEnum):
    """Where a child stands in the programme."""

    ACTIVE = "active"  # 在册
    EXITED = "exited"  # 已退出 (parents home, grown up, …)
    TRANSFERRED_OUT = "transferred_out"  # 已转出 (left the city)
