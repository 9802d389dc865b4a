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


class ExitKind(StrEnum):
    """Why a child left the programme, as offices count it (动态管理); the free-text reason says more."""

    PARENTS_RETURNED = "parents_returned"  # 父母返乡
    GROWN_UP = "grown_up"  # 年满18周岁
    MOVED_AWAY = "moved_away"  # 迁出
    DROPPED_OUT = "dropped_out"  # 辍学 (leaving school: the alerts service's rule)
    OTHER = "other"  # 其他
