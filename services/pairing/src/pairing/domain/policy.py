"""A city's pairing policy (结对帮扶制度): capacities, who may pair with whom, and the contact duties.

The defaults are the seed's (DOMAIN.md §2); a city changes its own through the API, and each change
is a new version. A duty is one row of the seed's table: who owes what kind of contact, with whom,
how often.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shouhu_contracts.pairing.vocabulary import ContactKind, Counterpart, HelperKind, Responsible, Rhythm

DUTY_CODE = r"^[a-z][a-z0-9_]{2,63}$"


class Reach(StrEnum):
    """How far from their own unit a volunteer (or caring mother) may pair."""

    TOWNSHIP = "township"  # 本乡镇/街道 (default)
    DISTRICT = "district"  # 本区县
    CITY = "city"  # 全市


class TransferRule(StrEnum):
    """What a child's transfer does to its pairings."""

    END_OUT_OF_REACH = "end_out_of_reach"  # 帮扶人不在新学校范围则解除 (default)
    END_ALL = "end_all"  # 一律解除
    KEEP = "keep"  # 一律保留


class Duty(BaseModel):
    """One contact obligation: who, what kind of contact, with whom, how often."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=DUTY_CODE, description="Stable code, e.g. helper_contact_monthly")
    name: str = Field(min_length=1, max_length=60, description="中文名称")
    name_en: str = Field(min_length=1, max_length=120)
    responsible: Responsible
    kinds: frozenset[ContactKind] = Field(min_length=1, description="The contact kinds that meet it")
    counterparts: frozenset[Counterpart] = Field(min_length=1, description="With whom")
    rhythm: Rhythm


def _duty(
    code: str,
    name: str,
    name_en: str,
    responsible: Responsible,
    kinds: set[ContactKind],
    counterparts: set[Counterpart],
    rhythm: Rhythm,
) -> Duty:
    return Duty(
        code=code,
        name=name,
        name_en=name_en,
        responsible=responsible,
        kinds=frozenset(kinds),
        counterparts=frozenset(counterparts),
        rhythm=rhythm,
    )


_K, _C, _R = ContactKind, Counterpart, Responsible
_TALKS = {_K.PHONE_CALL, _K.VIDEO_CALL, _K.HOME_VISIT, _K.HEART_TO_HEART}
DEFAULT_DUTIES: tuple[Duty, ...] = (
    _duty("helper_contact_monthly", "帮扶人每月联系儿童一次",
          "Helper contacts the child monthly",
          _R.PRIMARY_HELPER, _TALKS, {_C.CHILD, _C.FAMILY}, Rhythm.MONTHLY),
    _duty("helper_home_visit_half_yearly", "帮扶人每半年走访一次",
          "Helper visits the home every half year",
          _R.PRIMARY_HELPER, {_K.HOME_VISIT}, {_C.CHILD, _C.GUARDIAN, _C.FAMILY}, Rhythm.HALF_YEARLY),
    _duty("helper_parent_feedback_monthly", "帮扶人每月向外出父母反馈",
          "Helper gives the parents feedback monthly",
          _R.PRIMARY_HELPER, {_K.PARENT_FEEDBACK, _K.PHONE_CALL, _K.VIDEO_CALL, _K.LETTER}, {_C.PARENTS},
          Rhythm.MONTHLY),
    _duty("class_teacher_talk_monthly", "班主任每月谈心一次（谈心记录卡）",
          "Class teacher's monthly heart-to-heart talk",
          _R.CLASS_TEACHER, {_K.HEART_TO_HEART}, {_C.CHILD}, Rhythm.MONTHLY),
    _duty("class_teacher_parents_call_monthly", "班主任每月与家长通话",
          "Class teacher calls the parents monthly",
          _R.CLASS_TEACHER, {_K.PHONE_CALL, _K.VIDEO_CALL}, {_C.PARENTS}, Rhythm.MONTHLY),
    _duty("class_teacher_home_visit_term", "班主任每学期家访",
          "Class teacher visits the home every term",
          _R.CLASS_TEACHER, {_K.HOME_VISIT}, {_C.CHILD, _C.GUARDIAN, _C.FAMILY}, Rhythm.TERM),
    _duty("school_family_talk_half_monthly", "学校每半月组织亲情沟通",
          "School: the child talks with the parents every half month",
          _R.SCHOOL, {_K.PHONE_CALL, _K.VIDEO_CALL}, {_C.FAMILY}, Rhythm.HALF_MONTHLY),
    _duty("school_family_meeting_yearly", "学校每年召开家校联谊会",
          "School holds a family–school meeting yearly",
          _R.SCHOOL, {_K.FAMILY_SCHOOL_MEETING}, {_C.GUARDIAN, _C.PARENTS, _C.FAMILY}, Rhythm.YEARLY),
)  # fmt: skip

DEFAULT_CAPACITY: dict[HelperKind, int] = {
    HelperKind.TEACHER: 3,  # 每位教师结对2–3名
    HelperKind.CLASS_TEACHER: 3,
    HelperKind.VOLUNTEER: 3,
    HelperKind.LEADER: 1,  # 一把手各结对一名
    HelperKind.CARING_MOTHER: 3,
    HelperKind.PEER_STUDENT: 1,  # 一帮一
    HelperKind.COMPANY: 30,  # 一家单位结对30名
}


class PairingPolicy(BaseModel):
    """One version of a city's policy (what the API reads and writes)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    capacity: dict[HelperKind, int] = Field(default_factory=lambda: dict(DEFAULT_CAPACITY))
    volunteer_reach: Reach = Reach.TOWNSHIP
    transfer: TransferRule = TransferRule.END_OUT_OF_REACH
    backdate_days: int = Field(default=31, ge=0, le=366, description="How far back a contact may be logged")
    duties: tuple[Duty, ...] = DEFAULT_DUTIES

    @field_validator("capacity")
    @classmethod
    def _capacities(cls, value: dict[HelperKind, int]) -> dict[HelperKind, int]:
        bad = [k.value for k, n in value.items() if not 1 <= n <= 500]
        if bad:
            raise ValueError(f"帮扶容量须在1–500之间 / capacity must be 1–500: {', '.join(bad)}")
        return DEFAULT_CAPACITY | value

    @model_validator(mode="after")
    def _unique_codes(self) -> PairingPolicy:
        codes = [d.code for d in self.duties]
        if len(codes) != len(set(codes)):
            raise ValueError("义务代码重复 / duty codes must be unique")
        return self

    def duty(self, code: str) -> Duty | None:
        """The duty of that code, or None when this version has none."""
        return next((d for d in self.duties if d.code == code), None)

    def capacity_of(self, kind: HelperKind) -> int:
        """The default capacity of a helper of that kind."""
        return self.capacity.get(kind, DEFAULT_CAPACITY[kind])


DEFAULT_POLICY = PairingPolicy()
