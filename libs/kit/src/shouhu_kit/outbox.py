"""Transactional outbox: events are written with the state change, a relay publishes them."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from shouhu_contracts.envelope import CONTENT_TYPE, EventData, encode_event, new_event
from shouhu_kit.broker import EventPublisher, OutgoingMessage
from shouhu_kit.clock import Clock
from shouhu_kit.db import Database, KitTables
from shouhu_kit.metrics import Metrics

log = logging.getLogger(__name__)


def add_to_outbox(
    *, session: Session, tables: KitTables, events: Sequence[EventData], source: str, now: datetime
) -> list[uuid.UUID]:
    """Write events into the outbox inside the caller's transaction (one statement); returns their ids."""
    rows, ids = [], []
    for data in events:
        event_id = uuid.uuid4()
        event = new_event(event_id=event_id, source=source, time=now, data=data)
        rows.append(
            {
                "event_id": str(event_id),
                "topic": data.topic,
                "event_key": data.key(),
                "event_type": data.event_type,
                "payload": encode_event(event).decode("utf-8"),
                "created_at": now,
            }
        )
        ids.append(event_id)
    if rows:
        # Rows keep the order given: the relay publishes by `seq`, so one key's events stay in order.
        session.execute(insert(tables.outbox), rows)
    return ids


def outbox_backlog(db: Database) -> int:
    """How many events wait to be published."""
    with db.engine.connect() as conn:
        count = conn.execute(
            select(func.count())
            .select_from(db.tables.outbox)
            .where(db.tables.outbox.c.published_at.is_(None))
        ).scalar_one()
    return int(count)


class OutboxRelay:
    """Publishes the outbox in order, marking rows sent only after the broker acknowledged them.

    A crash between publish and mark republishes those rows: consumers are idempotent by
    event id, so at-least-once here is exactly-once in effect.
    """

    def __init__(
        self,
        *,
        db: Database,
        publisher: EventPublisher,
        clock: Clock,
        metrics: Metrics,
        topic_name: Callable[[str], str],
        batch_size: int = 500,
        linger_ms: int = 5,
    ) -> None:
        self._db = db
        self._publisher = publisher
        self._clock = clock
        self._metrics = metrics
        self._topic_name = topic_name
        self._batch_size = batch_size
        self._linger_s = linger_ms / 1000

    def run_once(self) -> int:
        """Publish one batch; returns how many rows were marked published."""
        outbox = self._db.tables.outbox
        with self._db.sessions() as session, session.begin():
            query = (
                select(
                    outbox.c.seq, outbox.c.topic, outbox.c.event_key, outbox.c.event_type, outbox.c.payload
                )
                .where(outbox.c.published_at.is_(None))
                .order_by(outbox.c.seq)
                .limit(self._batch_size)
            )
            if self._db.is_postgres:
                # Two relays never publish the same row at once; each waits for none.
                query = query.with_for_update(skip_locked=True)
            rows = session.execute(query).all()
            if not rows:
                return 0
            self._metrics.relay_batch_records.observe(len(rows))
            messages = [
                OutgoingMessage(
                    topic=self._topic_name(r.topic),
                    key=r.event_key.encode(),
                    value=r.payload.encode("utf-8"),
                    headers=[("content-type", CONTENT_TYPE.encode())],
                )
                for r in rows
            ]
            acked = self._publisher.publish(messages)
            # Only the acknowledged prefix is marked, so a key's events never overtake each other.
            done = rows[:acked]
            if done:
                session.execute(
                    update(outbox)
                    .where(outbox.c.seq.in_([r.seq for r in done]))
                    .values(published_at=self._clock.now())
                )
            for r in done:
                self._metrics.events_published.labels(type=r.event_type).inc()
        return len(done)

    def run_forever(self, stop: threading.Event, *, idle_seconds: float = 0.2) -> None:
        """Relay until stopped: at once while a backlog fills whole batches; a broker outage is waited out.

        After a short batch it lingers (a few milliseconds) so the next publish gathers what the
        API commits meanwhile, instead of one publish and one acknowledgement per event.
        """
        backoff = idle_seconds
        while not stop.is_set():
            try:
                sent = self.run_once()
                backoff = idle_seconds
            except Exception as exc:  # the broker or database is away: wait and try again
                log.warning("outbox relay: %s; retrying in %.1fs", type(exc).__name__, backoff)
                self._metrics.relay_errors.inc()
                stop.wait(backoff)
                backoff = min(backoff * 2, 10.0)
                continue
            if sent == 0:
                stop.wait(idle_seconds)
            elif sent < self._batch_size:
                stop.wait(self._linger_s)
