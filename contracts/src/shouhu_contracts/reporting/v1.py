"""Reporting events, version 1: the monthly bulletin (每月一通报)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar
from uuid import UUID

from pydantic import AwareDatetime, Field

from shouhu_contracts.envelope import EventData
from shouhu_contracts.months import Month


class BulletinPublished(EventData):
    """A month closed (China's time) and its bulletin ranks every unit's sub-units."""

    event_type: ClassVar[str] = "reporting.bulletin.published.v1"
    topic: ClassVar[str] = "reporting.bulletins"
    key_field: ClassVar[str] = "month"
    summary: ClassVar[str] = "月度通报已发布 / Monthly bulletin published"

    bulletin_id: UUID
    month: Month = Field(description="The month the bulletin reports, e.g. 2027-04")
    city_id: UUID | None = Field(description="The root unit ranked from (None: no unit yet)")
    units_ranked: int = Field(ge=0, description="How many units hold a rank among their siblings")
    children: int = Field(ge=0, description="Children counted city-wide at the month's end")
    coverage: float | None = Field(ge=0, le=1, description="结对覆盖率 city-wide (None: no child)")
    compliance: float | None = Field(ge=0, le=1, description="联系完成率 city-wide (None: nothing due)")
    published_at: AwareDatetime

    @classmethod
    def example(cls) -> BulletinPublished:
        """April's bulletin."""
        return cls(
            bulletin_id=UUID("9a0b4c3e-2f1d-4e5a-8b6c-7d8e9f0a1b2c"),
            month="2027-04",
            city_id=UUID("0b7d6f0e-6a51-4c1e-9a5d-3f1f0d1c0a01"),
            units_ranked=42,
            children=1673,
            coverage=0.97,
            compliance=0.88,
            published_at=datetime(2027, 4, 30, 16, 5, tzinfo=UTC),
        )
