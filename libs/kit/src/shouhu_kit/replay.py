"""Replaying topics from their beginning in event-time order: what a read model's rebuild reads.

Live consumers read each topic on its own, close to the time each event happened. A rebuild reads
every partition of every topic at once and merges them by the CloudEvent `time`: a k-way merge over
one small buffer per partition, each partition's records kept in offset order (so one key's events
stay in the order they were published), stopping at the end offsets the log had when it began.
The events are applied with the live consumers' handlers and inbox, many to a transaction; no
consumer group's offsets are read or moved.
"""

from __future__ import annotations

import heapq
import logging
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shouhu_contracts.catalogue import decode_event
from shouhu_contracts.envelope import CloudEvent, MalformedEvent, UnknownEventType
from shouhu_kit.broker import IncomingMessage, LogReader, Partition
from shouhu_kit.inbox import BatchFailed, Handler, apply_batch
from shouhu_kit.uow import UnitOfWork

log = logging.getLogger(__name__)

_NO_TIME = datetime.min.replace(tzinfo=UTC)  # an undecodable record leaves as soon as it is a head


class ReplayStalled(RuntimeError):
    """A partition stopped short of its end offset (the broker is away, or records were deleted)."""


@dataclass(frozen=True)
class Replayed:
    """One record in the merged stream: its event, or why it could not be decoded."""

    message: IncomingMessage
    event: CloudEvent[Any] | None
    error: str | None = None

    @property
    def time(self) -> datetime:
        """The event's time, the merge's key."""
        return self.event.time if self.event is not None else _NO_TIME


def _decoded(message: IncomingMessage) -> Replayed:
    try:
        return Replayed(message, decode_event(message.value))
    except (UnknownEventType, MalformedEvent) as exc:
        return Replayed(message, None, f"{type(exc).__name__}: {exc}")


class _Merge:
    """The per-partition buffers and the heap of their heads."""

    def __init__(self, reader: LogReader, *, buffer: int, poll_ms: int, stall_s: float) -> None:
        self.reader, self.cap, self.poll_ms, self.stall_s = reader, buffer, poll_ms, stall_s
        self.bounds = reader.bounds()
        self.buffers: dict[Partition, deque[Replayed]] = {tp: deque() for tp in self.bounds}
        self.done = {tp for tp, (first, end) in self.bounds.items() if first >= end}
        self.heap: list[tuple[datetime, str, int, int]] = []
        reader.pause(sorted(self.done))

    def _push_head(self, tp: Partition) -> None:
        head = self.buffers[tp][0]
        heapq.heappush(self.heap, (head.time, tp[0], tp[1], head.message.offset))

    def fill(self, needy: Sequence[Partition]) -> None:
        """Poll until every needy partition has a record buffered or is read to its end."""
        self.reader.resume(needy)
        deadline = time.monotonic() + self.stall_s
        while any(not self.buffers[tp] and tp not in self.done for tp in needy):
            got = False
            for m in self.reader.poll(self.poll_ms):
                tp = (m.topic, m.partition)
                if tp in self.done or m.offset >= self.bounds[tp][1]:
                    continue  # written after the rebuild began: the live consumers will read it
                got = True
                self.buffers[tp].append(_decoded(m))
                if len(self.buffers[tp]) == 1:
                    self._push_head(tp)
            full = []
            for tp in self.bounds:
                if tp not in self.done and self.reader.position(tp) >= self.bounds[tp][1]:
                    self.done.add(tp)
                if tp in self.done or len(self.buffers[tp]) >= self.cap:
                    full.append(tp)
            self.reader.pause(full)
            if got:
                deadline = time.monotonic() + self.stall_s
            elif time.monotonic() > deadline:
                stuck = [
                    f"{t}/{p}@{self.reader.position((t, p))}" for t, p in needy if not self.buffers[(t, p)]
                ]
                raise ReplayStalled(f"no records for {self.stall_s:.0f} s from {', '.join(stuck)}")

    def __iter__(self) -> Iterator[Replayed]:
        while True:
            needy = [tp for tp in self.bounds if tp not in self.done and not self.buffers[tp]]
            if needy:
                self.fill(needy)
                continue
            if not self.heap:
                return
            _, topic, part, _ = heapq.heappop(self.heap)
            tp = (topic, part)
            record = self.buffers[tp].popleft()
            if self.buffers[tp]:
                self._push_head(tp)
            yield record


def in_time_order(
    reader: LogReader, *, buffer: int = 200, poll_ms: int = 500, stall_s: float = 60.0
) -> Iterator[Replayed]:
    """Every record of the reader's partitions up to their end offsets, merged by event time.

    Ties go by topic, partition and offset. A partition's records keep their order even where their
    times do not (the merge only ever compares partitions' heads), so each key's order is the log's.
    At most about `buffer` records a partition are held (and what one poll returns beyond them).
    """
    yield from _Merge(reader, buffer=buffer, poll_ms=poll_ms, stall_s=stall_s)


@dataclass
class TopicReplay:
    """What a replay did with one topic's records."""

    read: int = 0
    applied: int = 0
    skipped: int = 0  # applied before under the same event id: the inbox passed them over
    not_handled: int = 0  # known events the consumer does not need
    undecodable: int = 0
    failed: int = 0  # a handler refused them, alone, twice (the live consumer would dead-letter them)
    deleted: int = 0  # records before the partitions' first offsets (retention): the history lacks them


@dataclass(frozen=True)
class Reading:
    """How one topic's events are applied: the consumer group that reads it live, and its handlers."""

    group: str
    handlers: Mapping[str, Handler]


@dataclass(frozen=True)
class _Item:
    message: IncomingMessage
    event: CloudEvent[Any]
    group: str
    handler: Handler | None


def replay_into(
    *,
    reader: LogReader,
    readings: Mapping[str, Reading],
    uow: Callable[[], UnitOfWork],
    now: Callable[[], datetime],
    batch_size: int = 500,
    buffer: int = 200,
    stall_s: float = 60.0,
) -> dict[str, TopicReplay]:
    """Apply every topic's history in time order, `batch_size` events a transaction; counts per topic.

    Each event is recorded in the inbox under the group that reads its topic live, so a consumer
    started afterwards on the same database skips what the replay applied.
    """
    stats = {topic: TopicReplay() for topic in readings}
    for (topic, _), (first, _) in reader.bounds().items():
        stats[topic].deleted += first
    batch: list[_Item] = []
    for record in in_time_order(reader, buffer=buffer, stall_s=stall_s):
        s = stats[record.message.topic]
        s.read += 1
        if record.event is None:
            s.undecodable += 1
            log.warning("undecodable record %s/%d@%d skipped", *_where(record.message))
            continue
        reading = readings[record.message.topic]
        batch.append(
            _Item(record.message, record.event, reading.group, reading.handlers.get(record.event.type))
        )
        if len(batch) >= batch_size:
            _apply(batch, uow=uow, now=now(), stats=stats)
            batch = []
    _apply(batch, uow=uow, now=now(), stats=stats)
    return stats


def _where(m: IncomingMessage) -> tuple[str, int, int]:
    return m.topic, m.partition, m.offset


def _apply(
    items: Sequence[_Item], *, uow: Callable[[], UnitOfWork], now: datetime, stats: dict[str, TopicReplay]
) -> None:
    """One transaction; when a handler fails, the events before it together, it alone, then the rest."""
    while items:
        try:
            fresh = apply_batch(
                uow=uow,
                group=[i.group for i in items],
                batch=[(i.event, i.handler) for i in items],
                now=now,
            )
        except BatchFailed as failed:
            if failed.index is None:
                raise failed.error from failed  # the database itself: the rebuild stops
            _apply(items[: failed.index], uow=uow, now=now, stats=stats)
            culprit = items[failed.index]
            try:
                _apply_one(culprit, uow=uow, now=now, stats=stats)
            except BatchFailed as again:
                stats[culprit.message.topic].failed += 1
                log.warning(
                    "%s at %s/%d@%d failed twice, skipped: %s",
                    culprit.event.type,
                    *_where(culprit.message),
                    type(again.error).__name__,
                )
            items = items[failed.index + 1 :]
            continue
        _count(items, fresh, stats)
        return


def _apply_one(
    item: _Item, *, uow: Callable[[], UnitOfWork], now: datetime, stats: dict[str, TopicReplay]
) -> None:
    fresh = apply_batch(uow=uow, group=item.group, batch=[(item.event, item.handler)], now=now)
    _count([item], fresh, stats)


def _count(items: Sequence[_Item], fresh: Sequence[bool], stats: dict[str, TopicReplay]) -> None:
    for item, applied in zip(items, fresh, strict=True):
        s = stats[item.message.topic]
        if item.handler is None:
            s.not_handled += 1
        elif applied:
            s.applied += 1
        else:
            s.skipped += 1
