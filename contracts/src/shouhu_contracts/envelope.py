"""The CloudEvents 1.0 envelope, carried on Kafka in structured content mode (ADR 0001)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Generic, Literal, TypeVar
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

CONTENT_TYPE = "application/cloudevents+json; charset=UTF-8"


class EventData(BaseModel):
    """Base of every event payload: frozen, strict about unknown fields at the edge."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str]
    topic: ClassVar[str]
    key_field: ClassVar[str]
    summary: ClassVar[str]

    def key(self) -> str:
        """The Kafka key: keeps one child's (or unit's) events in order."""
        return str(getattr(self, self.key_field))

    def subject(self) -> str | None:
        """The CloudEvents subject: the child's id where there is a child."""
        child = getattr(self, "child_id", None)
        return str(child) if child is not None else self.key()

    @classmethod
    def example(cls) -> EventData:
        """An example payload, checked in under contracts/examples/."""
        raise NotImplementedError


DataT = TypeVar("DataT", bound=EventData)


class CloudEvent(BaseModel, Generic[DataT]):
    """A CloudEvents 1.0 event whose data is one of the contract models."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    specversion: Literal["1.0"] = "1.0"
    id: UUID = Field(description="Unique per event; consumers use it as the idempotency key")
    source: str = Field(description="The publishing service, e.g. /shouhu/registry", min_length=1)
    type: str = Field(description="Event type, e.g. registry.child.registered.v1", min_length=1)
    subject: str | None = Field(default=None, description="The child's id where there is a child")
    time: AwareDatetime
    datacontenttype: Literal["application/json"] = "application/json"
    data: DataT


class UnknownEventType(ValueError):
    """The type attribute names no event in the catalogue."""


class MalformedEvent(ValueError):
    """The bytes are not a valid CloudEvent of a known type."""


def envelope_type(data_cls: type[EventData]) -> type[CloudEvent[Any]]:
    """The envelope model whose data is of this class."""
    return CloudEvent[data_cls]  # type: ignore[valid-type]


def new_event(*, event_id: UUID, source: str, time: datetime, data: EventData) -> CloudEvent[Any]:
    """Wrap a payload in its envelope."""
    return envelope_type(type(data))(
        id=event_id,
        source=source,
        type=data.event_type,
        subject=data.subject(),
        time=time,
        data=data,
    )


def encode_event(event: CloudEvent[Any]) -> bytes:
    """Structured mode: the whole envelope as one UTF-8 JSON document."""
    return event.model_dump_json().encode("utf-8")
