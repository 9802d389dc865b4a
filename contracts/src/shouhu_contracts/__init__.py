"""Shouhu event contracts: the one place every service agrees on."""

from shouhu_contracts.catalogue import EVENT_TYPES, decode_event, event_class
from shouhu_contracts.envelope import CloudEvent, EventData, encode_event

__all__ = ["EVENT_TYPES", "CloudEvent", "EventData", "decode_event", "encode_event", "event_class"]
