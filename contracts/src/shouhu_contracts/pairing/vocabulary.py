"""The pairing service's vocabulary, shared by its events and its API."""

from enum import StrEnum


class HelperKind(StrEnum):
    """Who helps (结对帮扶人), as the seed names them."""

    TEACHER = "teacher"  # 教师 (each pairs with 2–3 children)
    CLASS_TEACHER = "class_teacher"  # 班主任
    VOLUNTEER = "volunteer"  # 志愿者 (党员、青年、妇女、"五老")
    LEADER = "leader"  # 领导干部 / 一把手 (each pairs with one child)
    CARING_MOTHER = "caring_mother"  # 爱心妈妈 / 代理家长
    PEER_STUDENT = "peer_student"  # 学习帮手 (一帮一、手拉手)
    COMPANY = "company"  # 爱心企业


class PairingRole(StrEnum):
    """A child has one primary helper and may have others (a peer study buddy, a company)."""

    PRIMARY = "primary"  # 主要帮扶人
    SECONDARY = "secondary"  # 协助帮扶人


class PairingEndReason(StrEnum):
    """Why a pairing ended."""

    CHILD_EXITED = "child_exited"  # 儿童退出关爱名单
    CHILD_TRANSFERRED = "child_transferred"  # 儿童转学，帮扶人不在新学校范围
    HELPER_DEACTIVATED = "helper_deactivated"  # 帮扶人停用
    HELPER_MOVED = "helper_moved"  # 帮扶人调动，儿童不在其范围
    REASSIGNED = "reassigned"  # 改由他人帮扶
    OTHER = "other"  # 其他


class ContactKind(StrEnum):
    """How a helper was in touch (联系方式)."""

    PHONE_CALL = "phone_call"  # 电话
    VIDEO_CALL = "video_call"  # 视频通话
    HOME_VISIT = "home_visit"  # 家访 / 走访
    HEART_TO_HEART = "heart_to_heart"  # 谈心 (谈心记录卡)
    LETTER = "letter"  # 书信
    PARENT_FEEDBACK = "parent_feedback"  # 向外出父母反馈学习生活情况
    FAMILY_SCHOOL_MEETING = "family_school_meeting"  # 家校联谊会


class Counterpart(StrEnum):
    """With whom."""

    CHILD = "child"  # 儿童本人
    PARENTS = "parents"  # 外出父母
    GUARDIAN = "guardian"  # 监护人
    FAMILY = "family"  # 儿童与父母（亲情沟通）


class Rhythm(StrEnum):
    """How often an obligation falls due; each has a window in China's calendar."""

    WEEKLY = "weekly"  # 每周 (Monday to Sunday)
    HALF_MONTHLY = "half_monthly"  # 每半月 (1st–15th, 16th–end)
    MONTHLY = "monthly"  # 每月
    TERM = "term"  # 每学期 (1 Sep–31 Jan, 1 Feb–31 Aug)
    HALF_YEARLY = "half_yearly"  # 每半年 (January–June, July–December)
    YEARLY = "yearly"  # 每年


class Responsible(StrEnum):
    """Who owes an obligation."""

    PRIMARY_HELPER = "primary_helper"  # 主要帮扶人
    CLASS_TEACHER = "class_teacher"  # 班主任
    SCHOOL = "school"  # 学校（任一教职工）
