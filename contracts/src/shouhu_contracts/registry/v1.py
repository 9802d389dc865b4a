"""Registry events, version 1: org units, children, term results, monthly attendance."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import ClassVar
from uuid import UUID

from pydantic import AwareDatetime, Field

from shouhu_contracts.envelope import EventData
from shouhu_contracts.months import Month
from shouhu_contracts.org import ChildStatus, ExitKind, Gender, GuardianshipRating, LeftBehindType, OrgKind
from shouhu_contracts.terms import SchoolYear, Term

_CITY = UUID("0b7d6f0e-6a51-4c1e-9a5d-3f1f0d1c0a01")
_DISTRICT = UUID("0b7d6f0e-6a51-4c1e-9a5d-3f1f0d1c0a02")
_TOWNSHIP = UUID("0b7d6f0e-6a51-4c1e-9a5d-3f1f0d1c0a03")
_SCHOOL = UUID("0b7d6f0e-6a51-4c1e-9a5d-3f1f0d1c0a04")
_CLASS = UUID("0b7d6f0e-6a51-4c1e-9a5d-3f1f0d1c0a05")
_CHILD = UUID("5c1f2a7e-1d2b-4e8f-8a3c-9e0d7b6a5f41")
_AT = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


class OrgUnitCreated(EventData):
    """An org unit (city, district, township, village, school or class) was created."""

    event_type: ClassVar[str] = "registry.org.unit_created.v1"
    topic: ClassVar[str] = "registry.org"
    key_field: ClassVar[str] = "unit_id"
    summary: ClassVar[str] = "组织单元已创建 / Org unit created"

    unit_id: UUID
    kind: OrgKind
    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=100, description="Chinese name, e.g. 城关镇")
    parent_id: UUID | None
    path: list[UUID] = Field(min_length=1, description="Ids from the root city down to this unit")
    created_at: AwareDatetime

    @classmethod
    def example(cls) -> OrgUnitCreated:
        """A class in a school."""
        return cls(
            unit_id=_CLASS,
            kind=OrgKind.CLASS,
            code="C-0301",
            name="三年级(1)班",
            parent_id=_SCHOOL,
            path=[_CITY, _DISTRICT, _TOWNSHIP, _SCHOOL, _CLASS],
            created_at=_AT,
        )


class ChildRegistered(EventData):
    """A left-behind child's archive was created (建档)."""

    event_type: ClassVar[str] = "registry.child.registered.v1"
    topic: ClassVar[str] = "registry.children"
    key_field: ClassVar[str] = "child_id"
    summary: ClassVar[str] = "留守儿童已建档 / Child registered"

    child_id: UUID
    name: str = Field(min_length=1, max_length=50)
    gender: Gender
    birth_date: date
    left_behind_type: LeftBehindType
    class_id: UUID
    org_path: list[UUID] = Field(
        min_length=1, description="Ids from the city down to the child's class (school side)"
    )
    home_village_id: UUID | None = None
    home_path: list[UUID] | None = Field(
        default=None, description="Ids from the city down to the home village"
    )
    has_guardian: bool = Field(description="False when nobody looks after the child (监护缺位)")
    registered_at: AwareDatetime
    school_id: UUID | None = Field(default=None, description="The class's school")
    boarding: bool | None = Field(default=None, description="寄宿")
    guardian_rating: GuardianshipRating | None = Field(default=None, description="监护情况")
    guardian_age: int | None = Field(default=None, ge=0, le=120)
    missing_contacts: list[str] = Field(
        default_factory=list, description="Required contact-card phones that are missing"
    )
    guardian_relation: str | None = Field(
        default=None, max_length=50, description="The guardian's relation to the child, e.g. 祖父母"
    )

    @classmethod
    def example(cls) -> ChildRegistered:
        """A girl in year three with both parents away."""
        return cls(
            child_id=_CHILD,
            name="李小红",
            gender=Gender.FEMALE,
            birth_date=date(2017, 5, 3),
            left_behind_type=LeftBehindType.BOTH_PARENTS,
            class_id=_CLASS,
            org_path=[_CITY, _DISTRICT, _TOWNSHIP, _SCHOOL, _CLASS],
            has_guardian=True,
            registered_at=_AT,
        )


class TermResultRecorded(EventData):
    """A child's end-of-term result (total score and class rank) was recorded or corrected."""

    event_type: ClassVar[str] = "registry.child.term_result_recorded.v1"
    topic: ClassVar[str] = "registry.children"
    key_field: ClassVar[str] = "child_id"
    summary: ClassVar[str] = "期末成绩已登记 / Term result recorded"

    child_id: UUID
    term: Term = Field(description="School year and term, e.g. 2025-2026-1")
    total_score: float = Field(ge=0)
    class_rank: int = Field(ge=1)
    class_size: int | None = Field(default=None, ge=1)
    subjects: dict[str, float] | None = Field(default=None, description="Score per subject, e.g. 语文")
    org_path: list[UUID] = Field(min_length=1, description="The child's class path at recording")
    recorded_at: AwareDatetime

    @classmethod
    def example(cls) -> TermResultRecorded:
        """First term of the 2025–2026 school year."""
        return cls(
            child_id=_CHILD,
            term="2025-2026-1",
            total_score=268.5,
            class_rank=7,
            class_size=42,
            org_path=[_CITY, _DISTRICT, _TOWNSHIP, _SCHOOL, _CLASS],
            recorded_at=_AT,
        )


class AttendanceRecorded(EventData):
    """A child's attendance for one month (出勤：应到天数、缺勤天数) was recorded or corrected."""

    event_type: ClassVar[str] = "registry.child.attendance_recorded.v1"
    topic: ClassVar[str] = "registry.children"
    key_field: ClassVar[str] = "child_id"
    summary: ClassVar[str] = "月度出勤已登记 / Monthly attendance recorded"

    child_id: UUID
    month: Month = Field(description="Calendar month, e.g. 2026-03")
    school_days: int = Field(ge=1, le=31, description="应到天数: the month's school days")
    days_absent: int = Field(ge=0, le=31, description="缺勤天数: days missed, excused ones included")
    excused_days: int | None = Field(
        default=None, ge=0, le=31, description="病事假天数: of the days missed, excused (sick or leave)"
    )
    absence_rate: float = Field(
        ge=0, le=1, description="days_absent / school_days, rounded to 4 places (chronic: 0.1 or more)"
    )
    org_path: list[UUID] = Field(min_length=1, description="The child's class path at recording")
    recorded_at: AwareDatetime
    corrected: bool = Field(description="True when it replaces the month's earlier record")

    @classmethod
    def example(cls) -> AttendanceRecorded:
        """Three days missed of twenty-one in March: chronically absent (14.29%)."""
        return cls(
            child_id=_CHILD,
            month="2026-03",
            school_days=21,
            days_absent=3,
            excused_days=1,
            absence_rate=0.1429,
            org_path=[_CITY, _DISTRICT, _TOWNSHIP, _SCHOOL, _CLASS],
            recorded_at=_AT,
            corrected=False,
        )


class ChildFacts(EventData):
    """Base of child events that restate the child's non-sensitive facts after the change."""

    key_field: ClassVar[str] = "child_id"
    topic: ClassVar[str] = "registry.children"

    child_id: UUID
    org_path: list[UUID] = Field(min_length=1, description="The child's class path after the change")
    occurred_at: AwareDatetime


class ChildUpdated(ChildFacts):
    """Fields of a child's archive changed (动态管理); sensitive values are not on the bus."""

    event_type: ClassVar[str] = "registry.child.updated.v1"
    summary: ClassVar[str] = "儿童档案已更新 / Child archive updated"

    fields: list[str] = Field(min_length=1, description="Names of the changed fields")
    name: str
    left_behind_type: LeftBehindType
    has_guardian: bool
    boarding: bool | None = None
    missing_contacts: list[str] = Field(default_factory=list)
    home_village_id: UUID | None = Field(default=None, description="The home village after the change")
    home_path: list[UUID] | None = Field(
        default=None, description="Ids from the city down to the home village after the change"
    )

    @classmethod
    def example(cls) -> ChildUpdated:
        """The mother came home: the child is now 'father away'."""
        return cls(
            child_id=_CHILD,
            org_path=[_CITY, _DISTRICT, _TOWNSHIP, _SCHOOL, _CLASS],
            occurred_at=_AT,
            fields=["left_behind_type", "mother.away_since"],
            name="李小红",
            left_behind_type=LeftBehindType.FATHER,
            has_guardian=True,
        )


class GuardianChanged(ChildFacts):
    """The guardian (监护人) changed, or the child lost or gained one."""

    event_type: ClassVar[str] = "registry.child.guardian_changed.v1"
    summary: ClassVar[str] = "监护人已变更 / Guardian changed"

    has_guardian: bool
    relation: str | None = Field(default=None, description="关系, e.g. 祖父母")
    guardian_age: int | None = Field(default=None, ge=0, le=120)
    guardian_rating: GuardianshipRating | None = None

    @classmethod
    def example(cls) -> GuardianChanged:
        """A grandmother of 72 takes over."""
        return cls(
            child_id=_CHILD,
            org_path=[_CITY, _DISTRICT, _TOWNSHIP, _SCHOOL, _CLASS],
            occurred_at=_AT,
            has_guardian=True,
            relation="祖母",
            guardian_age=72,
            guardian_rating=GuardianshipRating.FAIR,
        )


class ChildTransferred(ChildFacts):
    """The child moved to another class, school or district (转学), keeping its id and history."""

    event_type: ClassVar[str] = "registry.child.transferred.v1"
    summary: ClassVar[str] = "儿童已转学 / Child transferred"

    from_class_id: UUID
    from_org_path: list[UUID] = Field(min_length=1)
    to_class_id: UUID

    @classmethod
    def example(cls) -> ChildTransferred:
        """From one class to another."""
        other = UUID("0b7d6f0e-6a51-4c1e-9a5d-3f1f0d1c0a06")
        return cls(
            child_id=_CHILD,
            org_path=[_CITY, _DISTRICT, _TOWNSHIP, _SCHOOL, other],
            occurred_at=_AT,
            from_class_id=_CLASS,
            from_org_path=[_CITY, _DISTRICT, _TOWNSHIP, _SCHOOL, _CLASS],
            to_class_id=other,
        )


class ChildExited(ChildFacts):
    """The child left the programme (退出), or the city (转出)."""

    event_type: ClassVar[str] = "registry.child.exited.v1"
    summary: ClassVar[str] = "儿童已退出 / Child exited"

    status: ChildStatus
    reason: str = Field(min_length=1, max_length=200, description="原因, e.g. 父母返乡")
    exit_kind: ExitKind | None = Field(
        default=None,
        description="Why, as counted: parents_returned 父母返乡, grown_up 年满18周岁, moved_away 迁出, "
        "dropped_out 辍学, other 其他; absent when the exit named none",
    )

    @classmethod
    def example(cls) -> ChildExited:
        """Both parents came home."""
        return cls(
            child_id=_CHILD,
            org_path=[_CITY, _DISTRICT, _TOWNSHIP, _SCHOOL, _CLASS],
            occurred_at=_AT,
            status=ChildStatus.EXITED,
            reason="父母返乡",
            exit_kind=ExitKind.PARENTS_RETURNED,
        )


class ChildReentered(ChildFacts):
    """An exited child is back in the programme (重新纳入)."""

    event_type: ClassVar[str] = "registry.child.reentered.v1"
    summary: ClassVar[str] = "儿童重新纳入 / Child re-entered"

    left_behind_type: LeftBehindType
    has_guardian: bool

    @classmethod
    def example(cls) -> ChildReentered:
        """The father left for work again."""
        return cls(
            child_id=_CHILD,
            org_path=[_CITY, _DISTRICT, _TOWNSHIP, _SCHOOL, _CLASS],
            occurred_at=_AT,
            left_behind_type=LeftBehindType.FATHER,
            has_guardian=True,
        )


class AwardRecorded(ChildFacts):
    """An award (e.g. 三好学生 Merit Student) was recorded."""

    event_type: ClassVar[str] = "registry.child.award_recorded.v1"
    summary: ClassVar[str] = "获奖已登记 / Award recorded"

    award_id: UUID
    title: str = Field(min_length=1, max_length=100, description="e.g. 三好学生")
    merit_student: bool = Field(description="True for 三好学生 (counts in helper assessment)")
    school_year: SchoolYear = Field(description="e.g. 2025-2026")
    awarded_on: date

    @classmethod
    def example(cls) -> AwardRecorded:
        """A Merit Student award."""
        return cls(
            child_id=_CHILD,
            org_path=[_CITY, _DISTRICT, _TOWNSHIP, _SCHOOL, _CLASS],
            occurred_at=_AT,
            award_id=UUID("7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"),
            title="三好学生",
            merit_student=True,
            school_year="2025-2026",
            awarded_on=date(2026, 6, 30),
        )


class ViolationRecorded(ChildFacts):
    """A serious violation (严重违纪) was recorded; the description stays in the registry."""

    event_type: ClassVar[str] = "registry.child.violation_recorded.v1"
    summary: ClassVar[str] = "违纪已登记 / Violation recorded"

    violation_id: UUID
    serious: bool
    occurred_on: date
    school_year: SchoolYear

    @classmethod
    def example(cls) -> ViolationRecorded:
        """A serious violation."""
        return cls(
            child_id=_CHILD,
            org_path=[_CITY, _DISTRICT, _TOWNSHIP, _SCHOOL, _CLASS],
            occurred_at=_AT,
            violation_id=UUID("6b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"),
            serious=True,
            occurred_on=date(2026, 4, 2),
            school_year="2025-2026",
        )


class OrgUnitRenamed(EventData):
    """An org unit's name or code changed."""

    event_type: ClassVar[str] = "registry.org.unit_renamed.v1"
    topic: ClassVar[str] = "registry.org"
    key_field: ClassVar[str] = "unit_id"
    summary: ClassVar[str] = "组织单元已更名 / Org unit renamed"

    unit_id: UUID
    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=100)
    path: list[UUID] = Field(min_length=1)
    occurred_at: AwareDatetime

    @classmethod
    def example(cls) -> OrgUnitRenamed:
        """A township becomes a street office."""
        return cls(
            unit_id=_TOWNSHIP,
            code="T-03",
            name="城关街道",
            path=[_CITY, _DISTRICT, _TOWNSHIP],
            occurred_at=_AT,
        )


class OrgUnitMoved(EventData):
    """An org unit moved under another parent; every path below it changed."""

    event_type: ClassVar[str] = "registry.org.unit_moved.v1"
    topic: ClassVar[str] = "registry.org"
    key_field: ClassVar[str] = "unit_id"
    summary: ClassVar[str] = "组织单元已调整隶属 / Org unit moved"

    unit_id: UUID
    old_path: list[UUID] = Field(min_length=1)
    new_path: list[UUID] = Field(min_length=1)
    occurred_at: AwareDatetime

    @classmethod
    def example(cls) -> OrgUnitMoved:
        """A school moves to another township."""
        other = UUID("0b7d6f0e-6a51-4c1e-9a5d-3f1f0d1c0a07")
        return cls(
            unit_id=_SCHOOL,
            old_path=[_CITY, _DISTRICT, _TOWNSHIP, _SCHOOL],
            new_path=[_CITY, _DISTRICT, other, _SCHOOL],
            occurred_at=_AT,
        )
