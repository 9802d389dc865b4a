"""What the contact API reads and answers: a log in, a correction, a log out, a page, a change."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shouhu_contracts.pairing.vocabulary import ContactKind, Counterpart

NOTES_MAX = 2000


class ContactIn(BaseModel):
    """登记联系记录 / Log a contact."""

    model_config = ConfigDict(extra="forbid")

    child_id: uuid.UUID
    helper_id: uuid.UUID | None = Field(
        default=None, description="默认为当前登录的帮扶人 / defaults to the caller"
    )
    kind: ContactKind = Field(description="联系方式 / how")
    counterpart: Counterpart = Field(description="联系对象 / with whom")
    occurred_at: AwareDatetime = Field(description="联系时间（带时区，不得晚于当前）/ when, with its zone")
    duration_minutes: int | None = Field(default=None, ge=0, le=1440)
    notes: str | None = Field(default=None, max_length=NOTES_MAX, description="记录内容（敏感）/ notes")
    follow_up_needed: bool = False


class ContactPatch(BaseModel):
    """更正联系记录 / Correct a contact log (only the fields given change)."""

    model_config = ConfigDict(extra="forbid")

    kind: ContactKind | None = None
    counterpart: Counterpart | None = None
    occurred_at: AwareDatetime | None = None
    duration_minutes: int | None = Field(default=None, ge=0, le=1440)
    notes: str | None = Field(default=None, max_length=NOTES_MAX)
    follow_up_needed: bool | None = None
    reason: str | None = Field(default=None, max_length=200, description="更正原因 / why")


class WindowRefOut(BaseModel):
    """一项义务的一个周期 / One window of one obligation."""

    obligation_id: uuid.UUID
    duty: str
    window_start: datetime
    window_end: datetime


class ContactOut(BaseModel):
    """联系记录 / A contact log (notes masked unless the caller may read them)."""

    id: uuid.UUID
    child_id: uuid.UUID
    helper_id: uuid.UUID
    kind: ContactKind
    counterpart: Counterpart
    occurred_at: datetime
    duration_minutes: int | None
    notes: str | None
    notes_masked: bool
    follow_up_needed: bool
    logged_at: datetime
    logged_by: str
    corrected_at: datetime | None
    version: int
    met: list[WindowRefOut] = Field(description="此记录完成的义务周期 / the obligation windows it meets")


class ContactPage(BaseModel):
    """一页联系记录（新的在前）/ A page of contact logs, newest first."""

    items: list[ContactOut]
    next_cursor: str | None = Field(description="下一页游标 / pass as `cursor` for the next page")


class ContactChangeOut(BaseModel):
    """一次更正 / One correction: each field's old and new value."""

    version: int
    changed_at: datetime
    changed_by: str
    changes: dict[str, Any]
    reason: str | None
