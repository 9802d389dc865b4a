"""Replaying dead letters: put each record back on the topic it came from, once it can be applied."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from shouhu_kit.broker import EventPublisher, IncomingMessage, MessageSource, OutgoingMessage

log = logging.getLogger(__name__)


def dead_letter_record(
    *, message: IncomingMessage, topic: str, group: str, kind: str, reason: str, now: datetime
) -> OutgoingMessage:
    """The record as it goes to the dead-letter topic: same key and value, the reason in dlq.* headers."""
    headers = [h for h in message.headers if not h[0].startswith("dlq.")] + [
        ("dlq.reason", reason[:2000].encode("utf-8", "replace")),
        ("dlq.kind", kind.encode()),
        ("dlq.original.topic", message.topic.encode()),
        ("dlq.original.partition", str(message.partition).encode()),
        ("dlq.original.offset", str(message.offset).encode()),
        ("dlq.group", group.encode()),
        ("dlq.id", str(uuid.uuid4()).encode()),
        ("dlq.time", now.isoformat().encode()),
    ]
    return OutgoingMessage(topic, message.key, message.value, headers)


def replay_dead_letters(
    *, source: MessageSource, publisher: EventPublisher, idle_polls: int = 3, poll_ms: int = 1000
) -> int:
    """Republish every record of a dead-letter topic to its original topic; returns how many.

    The event ids are unchanged, so a record that was in fact applied before is skipped by the
    consumer's idempotency; the replay group's committed offsets make a second run start after the
    first.
    """
    replayed, idle = 0, 0
    while idle < idle_polls:
        records = source.poll(poll_ms)
        if not records:
            idle += 1
            continue
        idle = 0
        out, offsets = [], {}
        for r in records:
            original = r.header("dlq.original.topic")
            offsets[(r.topic, r.partition)] = r.offset + 1
            if original is None:
                log.warning(
                    "dead letter %s/%d@%d names no original topic; skipped", r.topic, r.partition, r.offset
                )
                continue
            headers = [h for h in r.headers if not h[0].startswith("dlq.")]
            out.append(OutgoingMessage(original.decode(), r.key, r.value, [*headers, ("dlq.replayed", b"1")]))
        if publisher.publish(out) != len(out):
            raise RuntimeError("the broker did not acknowledge every replayed record; nothing committed")
        source.commit(offsets)
        replayed += len(out)
    source.close()
    return replayed
