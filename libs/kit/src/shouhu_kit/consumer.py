"""The consumer loop: apply a poll's records in one transaction, commit offsets after, dead-letter poison."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from shouhu_contracts.catalogue import decode_event
from shouhu_contracts.envelope import CloudEvent, MalformedEvent, UnknownEventType
from shouhu_contracts.topics import dead_letter_topic
from shouhu_kit.broker import EventPublisher, IncomingMessage, MessageSource
from shouhu_kit.clock import Clock
from shouhu_kit.dead_letter_policy import DeadLetterPolicy, DeadLetterWatch, Halt
from shouhu_kit.dead_letters import dead_letter_record
from shouhu_kit.inbox import BatchFailed, Handler, apply_batch
from shouhu_kit.metrics import Metrics
from shouhu_kit.uow import UnitOfWork

__all__ = ["ConsumerHooks", "ConsumerLoop", "DatabaseUnavailable", "Handler", "PermanentError"]

log = logging.getLogger(__name__)


class PermanentError(Exception):
    """A handler's verdict that retrying cannot help: dead-letter at once."""


class DatabaseUnavailable(RuntimeError):
    """The database does not answer: the record is read again later instead of dead-lettered."""


@dataclass
class ConsumerHooks:
    """Fault-injection points for tests (a process killed between two steps)."""

    # Called after each database commit with the last record that commit covered.
    after_db_commit: Callable[[IncomingMessage], None] | None = None


@dataclass(frozen=True)
class _Record:
    """A decoded record; no handler means a known event this service does not need."""

    message: IncomingMessage
    event: CloudEvent[Any]
    handler: Handler | None


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
        dead_letter_policy: DeadLetterPolicy | None = None,
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
        self._watch = DeadLetterWatch(dead_letter_policy or DeadLetterPolicy())
        self._halt: Halt | None = None
        self._offsets: dict[tuple[str, int], int] = {}
        metrics.consumer_halted.labels(group=group_id, reason="none").set(0)

    @property
    def halted(self) -> Halt | None:
        """Why the dead-letter policy stopped this loop; None while it consumes."""
        return self._halt

    def run_once(self, timeout_ms: int = 500) -> int:
        """Process one poll's records; commit offsets after their transactions. Returns how many.

        When a record cannot be processed (the database or the dead-letter topic is away), the
        records before it are committed and the member rejoins, so the group reads that record
        again from the committed offset instead of skipping it. A halted loop reads nothing.
        """
        if self._halt is not None:
            return 0
        if self._source is None:
            self._source = self._new_source()
        source = self._source
        messages = source.poll(timeout_ms)
        self._offsets = {}
        try:
            self._consume(messages)
        except BaseException:
            self._source = None
            try:
                source.commit(self._offsets)
            finally:
                source.close()
            raise
        source.commit(self._offsets)
        if self._halt is not None:
            self.close()  # leave the group: its partitions wait, undrained, for a fixed release
        return len(messages)

    def close(self) -> None:
        """Leave the group without committing more."""
        if self._source is not None:
            self._source.close()
            self._source = None

    def run_forever(self, stop: threading.Event) -> None:
        """Consume until stopped or halted; a failure of the broker or database is retried, not fatal."""
        while not stop.is_set() and self._halt is None:
            try:
                self.run_once()
            except Exception as exc:
                log.warning("consumer %s: %s; retrying", self.group_id, type(exc).__name__)
                stop.wait(1.0)
        self.close()
        # A halted loop stays down until the process restarts: returning would get it restarted.
        stop.wait()

    def _consume(self, messages: Sequence[IncomingMessage]) -> None:
        """Apply runs of decodable records together; an undecodable one is dead-lettered in its place."""
        run: list[_Record] = []
        for message in messages:
            try:
                event = decode_event(message.value)
            except (UnknownEventType, MalformedEvent) as exc:
                # Records stay in order: the run before this one commits before it is dead-lettered.
                if not self._apply_run(run):
                    return
                run = []
                kind = "unknown_type" if isinstance(exc, UnknownEventType) else "malformed"
                if not self._dead_letter(message, kind, str(exc), "unknown"):
                    return
                continue
            run.append(_Record(message, event, self._handlers.get(event.type)))
        self._apply_run(run)

    def _apply_run(self, records: Sequence[_Record]) -> bool:
        """Apply records in order, as few transactions as failures allow; False once halted."""
        start = 0
        while start < len(records):
            rest = records[start:]
            try:
                self._commit(rest)
                return True
            except BatchFailed as failed:
                if failed.index is None:  # the select, insert or commit failed: take them one by one
                    return all(self._alone(r) for r in rest)
                prefix, culprit = rest[: failed.index], rest[failed.index]
                # The records before the culprit commit together; should they fail without it too,
                # one by one.
                failed_again = bool(prefix) and self._attempt(prefix) is not None
                if failed_again and not all(self._alone(r) for r in prefix):
                    return False
                if not self._alone(culprit, failed.error):
                    return False
                start += failed.index + 1
        return True

    def _alone(self, record: _Record, error: Exception | None = None) -> bool:
        """One record in its own transaction with bounded retries, dead-lettered if it keeps failing."""
        attempt = 1
        if error is None:
            error = self._attempt([record])
        while error is not None:
            self._metrics.events_failed.labels(group=self.group_id, type=record.event.type).inc()
            reason = f"{type(error).__name__}: {error}"
            if isinstance(error, PermanentError):
                return self._dead_letter(record.message, "rejected", reason, record.event.type)
            log.warning(
                "handler for %s failed (attempt %d/%d): %s",
                record.event.type,
                attempt,
                self._max_attempts,
                type(error).__name__,
            )
            if attempt >= self._max_attempts:
                if not self._database_answers():
                    raise DatabaseUnavailable("the database does not answer") from error
                return self._dead_letter(record.message, "handler_failed", reason, record.event.type)
            time.sleep(self._backoff * attempt)
            attempt += 1
            error = self._attempt([record])
        return True

    def _attempt(self, records: Sequence[_Record]) -> Exception | None:
        """Commit records in one transaction; the error that rolled it back, if any."""
        try:
            self._commit(records)
        except BatchFailed as failed:
            return failed.error
        return None

    def _commit(self, records: Sequence[_Record]) -> None:
        """Apply records in one transaction, then count them finished (raises BatchFailed)."""
        handled = any(r.handler for r in records)
        # Records this service does not handle need no transaction; they count for the offset alone.
        fresh = (
            apply_batch(
                uow=self._uow,
                group=self.group_id,
                batch=[(r.event, r.handler) for r in records],
                now=self._clock.now(),
            )
            if handled
            else [False] * len(records)
        )
        self._count(records, fresh)
        if handled:
            self._metrics.consumer_batch_records.labels(group=self.group_id).observe(len(records))
            if self._hooks.after_db_commit:
                self._hooks.after_db_commit(records[-1].message)
        for r in records:  # after the hook: a process killed there has committed no offset for them
            self._offsets[(r.message.topic, r.message.partition)] = r.message.offset + 1

    def _count(self, records: Sequence[_Record], fresh: Sequence[bool]) -> None:
        handled = Counter(r.event.type for r in records if r.handler is not None)
        new = Counter(r.event.type for r, f in zip(records, fresh, strict=True) if f)
        for event_type, count in handled.items():
            if new[event_type]:
                self._metrics.events_consumed.labels(group=self.group_id, type=event_type).inc(
                    new[event_type]
                )
            if count > new[event_type]:
                self._metrics.events_duplicate.labels(group=self.group_id, type=event_type).inc(
                    count - new[event_type]
                )
        self._watch.applied(sum(handled.values()))

    def _database_answers(self) -> bool:
        try:
            with self._uow() as uow:
                uow.session.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    def _dead_letter(self, message: IncomingMessage, kind: str, reason: str, event_type: str) -> bool:
        """Send the record to the dead-letter topic; False when that halts the loop."""
        out = dead_letter_record(
            message=message,
            topic=self._dlq_topic,
            group=self.group_id,
            kind=kind,
            reason=reason,
            now=self._clock.now(),
        )
        if self._dead_letters.publish([out]) != 1:
            raise RuntimeError("dead-letter topic did not acknowledge; will retry the message")
        self._metrics.events_dead_lettered.labels(group=self.group_id, type=event_type, reason=kind).inc()
        log.warning("dead-lettered %s/%d@%d (%s)", message.topic, message.partition, message.offset, kind)
        self._offsets[(message.topic, message.partition)] = message.offset + 1
        halt = self._watch.dead_lettered(kind)
        if halt is not None:
            self._stop(halt)
        return halt is None

    def _stop(self, halt: Halt) -> None:
        """Halt under the dead-letter policy: say so in the metrics and the log (counts, no payloads)."""
        self._halt = halt
        self._metrics.consumer_halted.remove(self.group_id, "none")
        self._metrics.consumer_halted.labels(group=self.group_id, reason=halt.reason).set(1)
        p = self._watch.policy
        log.error(
            "consumer %s %s; policy: %d dead letters in a row, or more than %.0f%% of the last %d records",
            self.group_id,
            halt.describe(),
            p.max_consecutive,
            p.max_share * 100,
            p.window,
        )
