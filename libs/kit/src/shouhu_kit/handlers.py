"""Event handlers declared beside their domain: `@CHILD_EVENTS.on(ChildRegistered)` over the function.

A service's bootstrap then names the collection once (`ConsumerSpec(..., handlers=CHILD_EVENTS.handlers)`)
instead of repeating a map of event types to functions; the collection is an object the bootstrap
imports, like an APIRouter, not a registry filled behind its back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from shouhu_contracts.envelope import CloudEvent, EventData
from shouhu_kit.uow import UnitOfWork

Handler = Callable[[UnitOfWork, CloudEvent[Any]], None]
H = TypeVar("H", bound=Handler)


class EventHandlers:
    """The handlers of one consumer, by CloudEvents type."""

    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}

    def on(self, *events: type[EventData]) -> Callable[[H], H]:
        """Register the decorated function as the handler of these event types."""

        def register(handler: H) -> H:
            for data_cls in events:
                if data_cls.event_type in self._handlers:
                    raise ValueError(f"two handlers for {data_cls.event_type}")
                self._handlers[data_cls.event_type] = handler
            return handler

        return register

    @property
    def handlers(self) -> Mapping[str, Handler]:
        """Every registered handler, by event type (a copy)."""
        return dict(self._handlers)

    def with_handler(self, data_cls: type[EventData], handler: Handler) -> Mapping[str, Handler]:
        """The handlers plus one built at wiring time (e.g. from settings)."""
        if data_cls.event_type in self._handlers:
            raise ValueError(f"two handlers for {data_cls.event_type}")
        return {**self._handlers, data_cls.event_type: handler}
