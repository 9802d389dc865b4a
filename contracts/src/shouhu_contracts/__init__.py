"""Shouhu event contracts: the one place every service agrees on."""

from shouhu_contracts.envelope import CloudEvent, EventData, decode_event, encode_event
from shouhu_contracts.registry_of_types import EVENT_TYPES, event_class

__all__ = ["EVENT_TYPES", "CloudEvent", "EventData", "decode_event", "encode_event", "event_class"]
