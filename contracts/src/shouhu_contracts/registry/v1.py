"""Registry events, version 1: org units, children, term results."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import ClassVar
from uuid import UUID

from pydantic import AwareDatetime, Field

from shouhu_contracts.envelope import EventData
from shouhu_contracts.org import Gender, LeftBehindType, OrgKind

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
    term: str = Field(pattern=r"^\d{4}-\d{4}-[12]$", description="School year and term, e.g. 2025-2026-1")
    total_score: float = Field(ge=0)
    class_rank: int = Field(ge=1)
    class_size: int | None = Field(default=None, ge=1)
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
