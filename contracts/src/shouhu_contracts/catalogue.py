"""Every event type the platform knows, by its CloudEvents type, and decoding bytes into them."""

import json
from typing import Any

from shouhu_contracts.alerts.tasks import (
    NotificationSent,
    TaskAcknowledged,
    TaskCancelled,
    TaskEscalated,
    TaskOpened,
    TaskResolved,
)
from shouhu_contracts.alerts.v1 import FollowUpTaskOpened, RiskLevelChanged
from shouhu_contracts.envelope import CloudEvent, EventData, MalformedEvent, UnknownEventType, envelope_type
from shouhu_contracts.pairing.v1 import (
    ContactCorrected,
    ContactLogged,
    HelperDeactivated,
    HelperRegistered,
    HelperUpdated,
    ObligationEnded,
    ObligationWindowMet,
    ObligationWindowMissed,
    ObligationWindowOpened,
    PairingCreated,
    PairingEnded,
)
from shouhu_contracts.registry.v1 import (
    AttendanceRecorded,
    AwardRecorded,
    ChildExited,
    ChildReentered,
    ChildRegistered,
    ChildTransferred,
    ChildUpdated,
    GuardianChanged,
    OrgUnitCreated,
    OrgUnitMoved,
    OrgUnitRenamed,
    TermResultRecorded,
    ViolationRecorded,
)
from shouhu_contracts.reporting.v1 import BulletinPublished

_ALL: tuple[type[EventData], ...] = (
    OrgUnitCreated,
    OrgUnitRenamed,
    OrgUnitMoved,
    ChildRegistered,
    ChildUpdated,
    GuardianChanged,
    ChildTransferred,
    ChildExited,
    ChildReentered,
    TermResultRecorded,
    AttendanceRecorded,
    AwardRecorded,
    ViolationRecorded,
    FollowUpTaskOpened,
    RiskLevelChanged,
    TaskOpened,
    TaskAcknowledged,
    TaskEscalated,
    TaskResolved,
    TaskCancelled,
    NotificationSent,
    HelperRegistered,
    HelperUpdated,
    HelperDeactivated,
    PairingCreated,
    PairingEnded,
    ContactLogged,
    ContactCorrected,
    ObligationWindowOpened,
    ObligationWindowMet,
    ObligationWindowMissed,
    ObligationEnded,
    BulletinPublished,
)

EVENT_TYPES: dict[str, type[EventData]] = {cls.event_type: cls for cls in _ALL}


def event_class(event_type: str) -> type[EventData]:
    """The payload model of an event type; KeyError when unknown."""
    return EVENT_TYPES[event_type]


def decode_event(raw: bytes | None) -> CloudEvent[Any]:
    """Decode and validate bytes into the typed envelope, or raise MalformedEvent/UnknownEventType."""
    if raw is None:
        raise MalformedEvent("empty message (tombstone)")
    try:
        doc = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedEvent(f"not JSON: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("type"), str):
        raise MalformedEvent("not a CloudEvent: missing string attribute 'type'")
    data_cls = EVENT_TYPES.get(doc["type"])
    if data_cls is None:
        raise UnknownEventType(f"unknown event type {doc['type']!r}")
    try:
        return envelope_type(data_cls).model_validate(doc)
    except ValueError as exc:
        raise MalformedEvent(f"invalid {doc['type']}: {exc}") from exc
