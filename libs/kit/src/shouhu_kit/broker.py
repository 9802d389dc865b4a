"""Ports to the message broker, and the in-memory fake that behaves like Kafka for unit tests."""

from __future__ import annotations

import threading
import zlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class OutgoingMessage:
    """A record to publish."""

    topic: str
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]] = field(default_factory=list)


@dataclass(frozen=True)
class IncomingMessage:
    """A record read from a topic partition."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]

    def header(self, name: str) -> bytes | None:
        """The first header of that name."""
        return next((v for k, v in self.headers if k == name), None)


class EventPublisher(Protocol):
    """Publishes records in order and says how many of them the broker acknowledged."""

    def publish(self, messages: Sequence[OutgoingMessage]) -> int:
        """Send all; return the length of the acknowledged prefix (raise if the broker is away)."""
        ...

    def close(self) -> None:
        """Flush and release."""
        ...


class MessageSource(Protocol):
    """A consumer-group member reading subscribed topics, committing only when told."""

    def poll(self, timeout_ms: int) -> list[IncomingMessage]:
        """The next records (possibly none)."""
        ...

    def commit(self, offsets: dict[tuple[str, int], int]) -> None:
        """Commit, per (topic, partition), the offset of the next record to read."""
        ...

    def close(self) -> None:
        """Leave the group without committing anything more."""
        ...


Partition = tuple[str, int]  # (topic, partition)


class LogReader(Protocol):
    """Reads whole partitions from their first offset, outside any consumer group (commits nothing).

    What a rebuild reads: `bounds()` fixes, once, where each partition starts and ends; `poll()`
    returns records of the partitions not paused, each partition's in offset order.
    """

    def bounds(self) -> dict[Partition, tuple[int, int]]:
        """Every partition's (first offset, end offset): the end as the log stood when the reader began."""
        ...

    def poll(self, timeout_ms: int) -> list[IncomingMessage]:
        """The next records of the partitions not paused (possibly none)."""
        ...

    def position(self, partition: Partition) -> int:
        """The offset of the next record poll() would return from this partition."""
        ...

    def pause(self, partitions: Sequence[Partition]) -> None:
        """Stop returning records of these partitions until resumed."""
        ...

    def resume(self, partitions: Sequence[Partition]) -> None:
        """Return records of these partitions again."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...


def partition_for(key: bytes | None, partitions: int, counter: int) -> int:
    """Same key, same partition; keyless records spread round-robin."""
    if key is None:
        return counter % partitions
    return zlib.crc32(key) % partitions


class InMemoryBroker:
    """Topics, partitions and committed group offsets in memory: Kafka's semantics, no network."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._topics: dict[str, list[list[IncomingMessage]]] = {}
        self._committed: dict[str, dict[tuple[str, int], int]] = defaultdict(dict)
        self._counter = 0

    def create_topic(self, name: str, partitions: int) -> None:
        """Create a topic if missing."""
        with self._lock:
            self._topics.setdefault(name, [[] for _ in range(partitions)])

    def topics(self) -> set[str]:
        """Existing topic names."""
        with self._lock:
            return set(self._topics)

    def records(self, topic: str) -> list[IncomingMessage]:
        """Every record of a topic, partition by partition (for tests and tools)."""
        with self._lock:
            return [m for part in self._topics.get(topic, []) for m in part]

    def append(self, message: OutgoingMessage) -> None:
        """Append one record to its partition."""
        with self._lock:
            if message.topic not in self._topics:
                raise KeyError(f"unknown topic {message.topic}")
            parts = self._topics[message.topic]
            self._counter += 1
            p = partition_for(message.key, len(parts), self._counter)
            parts[p].append(
                IncomingMessage(
                    message.topic, p, len(parts[p]), message.key, message.value, list(message.headers)
                )
            )

    def log_reader(self, topics: Sequence[str], *, max_poll_records: int = 500) -> InMemoryLogReader:
        """A LogReader over these topics' partitions as they stand now."""
        return InMemoryLogReader(self, list(topics), max_poll_records)

    def _partitions(self, topic: str) -> list[list[IncomingMessage]]:
        with self._lock:
            return [list(part) for part in self._topics.get(topic, [])]

    def committed(self, group_id: str) -> dict[tuple[str, int], int]:
        """A group's committed offsets (for tests and tools)."""
        with self._lock:
            return dict(self._committed[group_id])

    def publisher(self) -> InMemoryPublisher:
        """A publisher into this broker."""
        return InMemoryPublisher(self)

    def source(self, *, group_id: str, topics: Sequence[str], max_poll_records: int = 500) -> InMemorySource:
        """A group member that starts at the group's committed offsets."""
        return InMemorySource(self, group_id, list(topics), max_poll_records)

    def _read(
        self, group_id: str, topic: str, positions: dict[tuple[str, int], int], limit: int
    ) -> list[IncomingMessage]:
        with self._lock:
            out: list[IncomingMessage] = []
            for p, part in enumerate(self._topics.get(topic, [])):
                tp = (topic, p)
                start = positions.setdefault(tp, self._committed[group_id].get(tp, 0))
                batch = part[start : start + limit - len(out)]
                positions[tp] = start + len(batch)
                out.extend(batch)
            return out

    def _commit(self, group_id: str, offsets: dict[tuple[str, int], int]) -> None:
        with self._lock:
            self._committed[group_id].update(offsets)


class InMemoryPublisher:
    """EventPublisher into an InMemoryBroker."""

    def __init__(self, broker: InMemoryBroker) -> None:
        self._broker = broker

    def publish(self, messages: Sequence[OutgoingMessage]) -> int:
        """Append all in order."""
        for m in messages:
            self._broker.append(m)
        return len(messages)

    def close(self) -> None:
        """Nothing to release."""


class InMemorySource:
    """MessageSource over an InMemoryBroker (the only member of its group)."""

    def __init__(
        self, broker: InMemoryBroker, group_id: str, topics: list[str], max_poll_records: int
    ) -> None:
        self._broker = broker
        self._group = group_id
        self._topics = topics
        self._max = max_poll_records
        self._positions: dict[tuple[str, int], int] = {}
        self._closed = False

    def poll(self, timeout_ms: int) -> list[IncomingMessage]:
        """Records after this member's position, at most max_poll_records in all, as Kafka counts them."""
        if self._closed:
            raise RuntimeError("source is closed")
        out: list[IncomingMessage] = []
        for topic in self._topics:
            out.extend(self._broker._read(self._group, topic, self._positions, self._max - len(out)))
        return out

    def commit(self, offsets: dict[tuple[str, int], int]) -> None:
        """Commit the group's offsets."""
        self._broker._commit(self._group, offsets)

    def close(self) -> None:
        """Leave; uncommitted records will be read again by the next member."""
        self._closed = True


class InMemoryLogReader:
    """LogReader over an InMemoryBroker: whole partitions, at most max_poll_records a poll."""

    def __init__(self, broker: InMemoryBroker, topics: list[str], max_poll_records: int) -> None:
        self._parts = {(t, p): part for t in topics for p, part in enumerate(broker._partitions(t))}
        self._max = max_poll_records
        self._next = dict.fromkeys(self._parts, 0)
        self._paused: set[Partition] = set()

    def bounds(self) -> dict[Partition, tuple[int, int]]:
        """Every partition from offset 0 to its length when the reader was made."""
        return {tp: (0, len(part)) for tp, part in self._parts.items()}

    def poll(self, timeout_ms: int) -> list[IncomingMessage]:
        """Records of the partitions not paused, partition by partition."""
        out: list[IncomingMessage] = []
        for tp, part in self._parts.items():
            if tp in self._paused:
                continue
            batch = part[self._next[tp] : self._next[tp] + self._max - len(out)]
            self._next[tp] += len(batch)
            out.extend(batch)
        return out

    def position(self, partition: Partition) -> int:
        """The next offset of a partition."""
        return self._next[partition]

    def pause(self, partitions: Sequence[Partition]) -> None:
        """Pause these partitions."""
        self._paused.update(partitions)

    def resume(self, partitions: Sequence[Partition]) -> None:
        """Resume these partitions."""
        self._paused.difference_update(partitions)

    def close(self) -> None:
        """Nothing to release."""
