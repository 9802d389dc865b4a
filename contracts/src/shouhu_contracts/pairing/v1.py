"""Pairing events, version 1: helpers, pairings, contact logs and contact obligations.

No phone number and no contact note ever goes on the bus; a helper's name does (an adult's
name, which reporting needs for the assessment), a peer student's does not.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field

from shouhu_contracts.envelope import EventData
from shouhu_contracts.pairing.vocabulary import (
    ContactKind,
    Counterpart,
    HelperKind,
    PairingEndReason,
    PairingRole,
    Responsible,
    Rhythm,
)

_AT = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)
_CHILD = UUID("5c1f2a7e-1d2b-4e8f-8a3c-9e0d7b6a5f41")
_HELPER = UUID("3d4e5f60-7a8b-4c9d-8e0f-1a2b3c4d5e6f")
_PAIRING = UUID("6f7a8b9c-0d1e-4f2a-9b3c-4d5e6f7a8b9c")
_OBLIGATION = UUID("7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d")
_LOG = UUID("8b9c0d1e-2f3a-4b4c-9d5e-6f7a8b9c0d1e")
_PATH = [UUID("0b7d6f0e-6a51-4c1e-9a5d-3f1f0d1c0a01"), UUID("0b7d6f0e-6a51-4c1e-9a5d-3f1f0d1c0a02")]


class HelperFacts(EventData):
    """What every helper event restates: the helper as it now is."""

    topic: ClassVar[str] = "pairing.helpers"
    key_field: ClassVar[str] = "helper_id"

    helper_id: UUID
    kind: HelperKind
    name: str | None = Field(max_length=50, description="An adult helper's name; None for a peer student")
    account: str = Field(min_length=1, max_length=100, description="The login subject of the helper")
    unit_id: UUID = Field(description="The org unit the helper belongs to (a school, a township…)")
    org_path: list[UUID] = Field(min_length=1, description="Ids from the city down to the helper's unit")
    capacity: int = Field(ge=1, le=500, description="How many children the helper may take")
    active: bool
    occurred_at: AwareDatetime
    classes: list[UUID] = Field(
        default_factory=list, description="The classes the helper heads as class teacher (班主任)"
    )


class HelperRegistered(HelperFacts):
    """A helper (结对帮扶人) was registered."""

    event_type: ClassVar[str] = "pairing.helper.registered.v1"
    summary: ClassVar[str] = "帮扶人已登记 / Helper registered"

    @classmethod
    def example(cls) -> HelperRegistered:
        """A teacher at a school."""
        return cls(
            helper_id=_HELPER,
            kind=HelperKind.TEACHER,
            name="李老师",
            account="teacher-li",
            unit_id=_PATH[-1],
            org_path=_PATH,
            capacity=3,
            active=True,
            occurred_at=_AT,
        )


class HelperUpdated(HelperFacts):
    """A helper's kind, unit, capacity or name changed (or the helper was reactivated)."""

    event_type: ClassVar[str] = "pairing.helper.updated.v1"
    summary: ClassVar[str] = "帮扶人信息已更新 / Helper updated"

    fields: list[str] = Field(min_length=1, description="Names of the changed fields")

    @classmethod
    def example(cls) -> HelperUpdated:
        """A larger capacity."""
        return cls(**HelperRegistered.example().model_dump(), fields=["capacity"])


class HelperDeactivated(HelperFacts):
    """A helper stopped helping; their pairings end (each with its own event)."""

    event_type: ClassVar[str] = "pairing.helper.deactivated.v1"
    summary: ClassVar[str] = "帮扶人已停用 / Helper deactivated"

    reason: str = Field(max_length=200)

    @classmethod
    def example(cls) -> HelperDeactivated:
        """A teacher who left the school."""
        facts = HelperRegistered.example().model_dump() | {"active": False}
        return cls(**facts, reason="调离本校")


class PairingFacts(EventData):
    """What both pairing events carry."""

    topic: ClassVar[str] = "pairing.pairings"
    key_field: ClassVar[str] = "child_id"

    pairing_id: UUID
    child_id: UUID
    helper_id: UUID
    helper_account: str = Field(
        min_length=1,
        max_length=100,
        description="The helper's login subject: who may read the child's archive",
    )
    helper_kind: HelperKind
    role: PairingRole
    org_path: list[UUID] = Field(min_length=1, description="The child's class path")


class PairingCreated(PairingFacts):
    """A child was paired with a helper (结对)."""

    event_type: ClassVar[str] = "pairing.pairing.created.v1"
    summary: ClassVar[str] = "结对已建立 / Pairing created"

    created_at: AwareDatetime
    suggested: bool = Field(default=False, description="Accepted from a match suggestion")

    @classmethod
    def example(cls) -> PairingCreated:
        """A teacher and a child of the same school."""
        return cls(
            pairing_id=_PAIRING,
            child_id=_CHILD,
            helper_id=_HELPER,
            helper_account="teacher-li",
            helper_kind=HelperKind.TEACHER,
            role=PairingRole.PRIMARY,
            org_path=_PATH,
            created_at=_AT,
            suggested=True,
        )


class PairingEnded(PairingFacts):
    """A pairing ended, with its reason."""

    event_type: ClassVar[str] = "pairing.pairing.ended.v1"
    summary: ClassVar[str] = "结对已解除 / Pairing ended"

    reason: PairingEndReason
    note: str | None = Field(default=None, max_length=200)
    ended_at: AwareDatetime

    @classmethod
    def example(cls) -> PairingEnded:
        """The child left the programme."""
        facts = PairingCreated.example().model_dump(exclude={"created_at", "suggested"})
        return cls(**facts, reason=PairingEndReason.CHILD_EXITED, ended_at=_AT)


class ObligationWindowRef(BaseModel):
    """One window of one obligation that a contact met."""

    obligation_id: UUID
    duty: str = Field(description="The policy's duty code, e.g. helper_contact_monthly")
    window_start: AwareDatetime
    window_end: AwareDatetime


class ContactFacts(EventData):
    """What both contact events carry (never the notes)."""

    topic: ClassVar[str] = "pairing.contacts"
    key_field: ClassVar[str] = "child_id"

    log_id: UUID
    child_id: UUID
    helper_id: UUID
    kind: ContactKind
    counterpart: Counterpart
    occurred_at: AwareDatetime
    duration_minutes: int | None = Field(default=None, ge=0, le=1440)
    follow_up_needed: bool
    org_path: list[UUID] = Field(min_length=1, description="The child's class path")
    met: list[ObligationWindowRef] = Field(description="The obligation windows this contact meets")
    logged_at: AwareDatetime


class ContactLogged(ContactFacts):
    """A contact with a child or the family was logged (联系记录)."""

    event_type: ClassVar[str] = "pairing.contact.logged.v1"
    summary: ClassVar[str] = "联系记录已登记 / Contact logged"

    @classmethod
    def example(cls) -> ContactLogged:
        """The monthly phone call."""
        return cls(
            log_id=_LOG,
            child_id=_CHILD,
            helper_id=_HELPER,
            kind=ContactKind.PHONE_CALL,
            counterpart=Counterpart.CHILD,
            occurred_at=_AT,
            duration_minutes=15,
            follow_up_needed=False,
            org_path=_PATH,
            met=[
                ObligationWindowRef(
                    obligation_id=_OBLIGATION,
                    duty="helper_contact_monthly",
                    window_start=datetime(2027, 2, 28, 16, 0, tzinfo=UTC),
                    window_end=datetime(2027, 3, 31, 16, 0, tzinfo=UTC),
                )
            ],
            logged_at=_AT,
        )


class ContactCorrected(ContactFacts):
    """A logged contact was corrected; `met` is what it meets now, `unmet` what it no longer meets."""

    event_type: ClassVar[str] = "pairing.contact.corrected.v1"
    summary: ClassVar[str] = "联系记录已更正 / Contact corrected"

    fields: list[str] = Field(min_length=1)
    unmet: list[ObligationWindowRef] = Field(default_factory=list)
    version: int = Field(ge=2)

    @classmethod
    def example(cls) -> ContactCorrected:
        """A call that was in fact a home visit."""
        facts = ContactLogged.example().model_dump() | {"kind": ContactKind.HOME_VISIT}
        return cls(**facts, fields=["kind"], version=2)


class ObligationFacts(EventData):
    """One window of a contact obligation: what is owed, by whom, to whom, until when."""

    topic: ClassVar[str] = "pairing.obligations"
    key_field: ClassVar[str] = "child_id"

    obligation_id: UUID
    child_id: UUID
    duty: str = Field(description="The policy's duty code, e.g. helper_contact_monthly")
    duty_name: str = Field(description="In Chinese, e.g. 帮扶人每月联系一次")
    rhythm: Rhythm
    responsible: Responsible
    helper_id: UUID | None = Field(description="Who owes it, when a helper does (None: the school's duty)")
    pairing_id: UUID | None
    org_path: list[UUID] = Field(min_length=1, description="The child's class path")
    window_start: AwareDatetime
    window_end: AwareDatetime = Field(description="The window's end: the obligation's due time")
    policy_version: int = Field(ge=0, description="The city's policy version (0: the built-in defaults)")


class ObligationWindowOpened(ObligationFacts):
    """An obligation's window opened (a new month, a new pairing)."""

    event_type: ClassVar[str] = "pairing.obligation.window_opened.v1"
    summary: ClassVar[str] = "联系义务周期开始 / Obligation window opened"

    @classmethod
    def example(cls) -> ObligationWindowOpened:
        """March, in China's time."""
        return cls(
            obligation_id=_OBLIGATION,
            child_id=_CHILD,
            duty="helper_contact_monthly",
            duty_name="帮扶人每月联系一次",
            rhythm=Rhythm.MONTHLY,
            responsible=Responsible.PRIMARY_HELPER,
            helper_id=_HELPER,
            pairing_id=_PAIRING,
            org_path=_PATH,
            window_start=datetime(2027, 2, 28, 16, 0, tzinfo=UTC),
            window_end=datetime(2027, 3, 31, 16, 0, tzinfo=UTC),
            policy_version=1,
        )


class ObligationWindowMet(ObligationFacts):
    """A window was met by a contact log (late when the window had already closed unmet)."""

    event_type: ClassVar[str] = "pairing.obligation.window_met.v1"
    summary: ClassVar[str] = "联系义务已完成 / Obligation window met"

    log_id: UUID
    met_at: AwareDatetime
    late: bool = Field(description="Logged (backdated) after the window had closed unmet")

    @classmethod
    def example(cls) -> ObligationWindowMet:
        """Met by the monthly call."""
        return cls(**ObligationWindowOpened.example().model_dump(), log_id=_LOG, met_at=_AT, late=False)


class ObligationWindowMissed(ObligationFacts):
    """A window closed with no contact that met it: a missed contact (未按时联系)."""

    event_type: ClassVar[str] = "pairing.obligation.window_missed.v1"
    summary: ClassVar[str] = "联系义务逾期未完成 / Obligation window closed unmet"

    closed_at: AwareDatetime

    @classmethod
    def example(cls) -> ObligationWindowMissed:
        """March passed without a call."""
        at = datetime(2027, 3, 31, 16, 0, tzinfo=UTC)
        return cls(**ObligationWindowOpened.example().model_dump(), closed_at=at)


class ObligationEnded(ObligationFacts):
    """An obligation ended before its window closed (the pairing ended, the child left)."""

    event_type: ClassVar[str] = "pairing.obligation.ended.v1"
    summary: ClassVar[str] = "联系义务已终止 / Obligation ended"

    ended_at: AwareDatetime
    reason: str = Field(max_length=200)

    @classmethod
    def example(cls) -> ObligationEnded:
        """The pairing ended."""
        return cls(**ObligationWindowOpened.example().model_dump(), ended_at=_AT, reason="结对已解除")
