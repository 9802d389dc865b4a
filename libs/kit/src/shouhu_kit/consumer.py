"""The consumer loop: decode, apply once in one transaction, commit the offset after, dead-letter poison."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select

from shouhu_contracts.catalogue import decode_event
from shouhu_contracts.envelope import CloudEvent, MalformedEvent, UnknownEventType
from shouhu_contracts.topics import dead_letter_topic
from shouhu_kit.broker import EventPublisher, IncomingMessage, MessageSource, OutgoingMessage
from shouhu_kit.clock import Clock
from shouhu_kit.metrics import Metrics
from shouhu_kit.uow import UnitOfWork

log = logging.getLogger(__name__)

# A handler applies one event inside the given unit of work; it never commits.
Handler = Callable[[UnitOfWork, CloudEvent[Any]], None]


class PermanentError(Exception):
    """A handler's verdict that retrying cannot help: dead-letter at once."""


@dataclass
class ConsumerHooks:
    """Fault-injection points for tests (a process killed between two steps)."""

    after_db_commit: Callable[[IncomingMessage], None] | None = None


class ConsumerLoop:
    """One consumer-group member applying events to one service's database."""

    def __init__(
        self,
        *,
        group_id: str,
        source: Callable[[], MessageSource],
        dead_letters: EventPublisher,
        dead_letter_topic_name: str | None = None,
        uow: Callable[[], UnitOfWork],
        handlers: Mapping[str, Handler],
        clock: Clock,
        metrics: Metrics,
        max_attempts: int = 3,
        retry_backoff_s: float = 0.5,
        hooks: ConsumerHooks | None = None,
    ) -> None:
        self.group_id = group_id
        self._new_source = source
        self._source: MessageSource | None = None
        self._dead_letters = dead_letters
        self._dlq_topic = dead_letter_topic_name or dead_letter_topic(group_id)
        self._uow = uow
        self._handlers = dict(handlers)
        self._clock = clock
        self._metrics = metrics
        self._max_attempts = max_attempts
        self._backoff = retry_backoff_s
        self._hooks = hooks or ConsumerHooks()

    def run_once(self, timeout_ms: int = 500) -> int:
        """Process one poll's records; commit offsets after their transactions. Returns how many.

        When a record cannot be processed (the database or the dead-letter topic is away), the
        records before it are committed and the member rejoins, so the group reads that record
        again from the committed offset instead of skipping it.
        """
        if self._source is None:
            self._source = self._new_source()
        source = self._source
        messages = source.poll(timeout_ms)
        offsets: dict[tuple[str, int], int] = {}
        try:
            for message in messages:
                self._process(message)
                offsets[(message.topic, message.partition)] = message.offset + 1
        except BaseException:
            self._source = None
            try:
                source.commit(offsets)
            finally:
                source.close()
            raise
        source.commit(offsets)
        return len(messages)

    def close(self) -> None:
        """Leave the group without committing more."""
        if self._source is not None:
            self._source.close()
            self._source = None

    def run_forever(self, stop: threading.Event) -> None:
        """Consume until stopped; a failure of the broker or database is retried, not fatal."""
        while not stop.is_set():
            try:
                self.run_once()
            except Exception as exc:
                log.warning("consumer %s: %s; retrying", self.group_id, type(exc).__name__)
                stop.wait(1.0)
        self.close()

    def _process(self, message: IncomingMessage) -> None:
        try:
            event = decode_event(message.value)
        except UnknownEventType as exc:
            self._dead_letter(message, "unknown_type", str(exc), "unknown")
            return
        except MalformedEvent as exc:
            self._dead_letter(message, "malformed", str(exc), "unknown")
            return
        handler = self._handlers.get(event.type)
        if handler is None:
            return  # a known event this service does not need
        last_error = ""
        for attempt in range(1, self._max_attempts + 1):
            try:
                applied = self._apply(event, handler)
            except PermanentError as exc:
                self._metrics.events_failed.labels(group=self.group_id, type=event.type).inc()
                self._dead_letter(message, "rejected", f"{type(exc).__name__}: {exc}", event.type)
                return
            except Exception as exc:
                self._metrics.events_failed.labels(group=self.group_id, type=event.type).inc()
                last_error = f"{type(exc).__name__}: {exc}"
                log.warning(
                    "handler for %s failed (attempt %d/%d): %s",
                    event.type,
                    attempt,
                    self._max_attempts,
                    type(exc).__name__,
                )
                if attempt < self._max_attempts:
                    time.sleep(self._backoff * attempt)
                continue
            counter = self._metrics.events_consumed if applied else self._metrics.events_duplicate
            counter.labels(group=self.group_id, type=event.type).inc()
            if self._hooks.after_db_commit:
                self._hooks.after_db_commit(message)
            return
        self._dead_letter(message, "handler_failed", last_error, event.type)

    def _apply(self, event: CloudEvent[Any], handler: Handler) -> bool:
        """Apply and record the event id in one transaction; False if it was applied before."""
        with self._uow() as uow:
            processed = uow.db.tables.processed_events
            seen = uow.session.execute(
                select(processed.c.event_id).where(
                    processed.c.consumer_group == self.group_id,
                    processed.c.event_id == str(event.id),
                )
            ).first()
            if seen:
                return False
            handler(uow, event)
            # The primary key makes a concurrent second apply fail and roll back.
            uow.session.execute(
                insert(processed).values(
                    consumer_group=self.group_id,
                    event_id=str(event.id),
                    event_type=event.type,
                    processed_at=self._clock.now(),
                )
            )
            uow.commit()
        return True

    def _dead_letter(self, message: IncomingMessage, kind: str, reason: str, event_type: str) -> None:
        headers = [h for h in message.headers if not h[0].startswith("dlq.")] + [
            ("dlq.reason", reason[:2000].encode("utf-8", "replace")),
            ("dlq.kind", kind.encode()),
            ("dlq.original.topic", message.topic.encode()),
            ("dlq.original.partition", str(message.partition).encode()),
            ("dlq.original.offset", str(message.offset).encode()),
            ("dlq.group", self.group_id.encode()),
            ("dlq.id", str(uuid.uuid4()).encode()),
            ("dlq.time", self._clock.now().isoformat().encode()),
        ]
        out = OutgoingMessage(self._dlq_topic, message.key, message.value, headers)
        if self._dead_letters.publish([out]) != 1:
            raise RuntimeError("dead-letter topic did not acknowledge; will retry the message")
        self._metrics.events_dead_lettered.labels(group=self.group_id, type=event_type, reason=kind).inc()
        log.warning("dead-lettered %s/%d@%d (%s)", message.topic, message.partition, message.offset, kind)
