"""Every event type the platform knows, by its CloudEvents type."""

from shouhu_contracts.alerts.v1 import FollowUpTaskOpened
from shouhu_contracts.envelope import EventData
from shouhu_contracts.registry.v1 import (
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
    AwardRecorded,
    ViolationRecorded,
    FollowUpTaskOpened,
)

EVENT_TYPES: dict[str, type[EventData]] = {cls.event_type: cls for cls in _ALL}


def event_class(event_type: str) -> type[EventData]:
    """The payload model of an event type; KeyError when unknown."""
    return EVENT_TYPES[event_type]
