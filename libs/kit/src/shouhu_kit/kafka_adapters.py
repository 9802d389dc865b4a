"""Kafka adapters (kafka-python): idempotent producer, manual-commit consumer, topic admin."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterable, Sequence

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import TopicAlreadyExistsError
from kafka.structs import OffsetAndMetadata

from shouhu_kit.broker import IncomingMessage, OutgoingMessage, Partition

log = logging.getLogger(__name__)


class KafkaPublisher:
    """EventPublisher on an idempotent producer with acks=all."""

    def __init__(
        self, *, bootstrap_servers: str, client_id: str, timeout_s: float = 30.0, linger_ms: int = 5
    ) -> None:
        self._timeout_s = timeout_s
        self._producer = KafkaProducer(
            bootstrap_servers=bootstrap_servers.split(","),
            client_id=client_id,
            acks="all",
            enable_idempotence=True,
            max_in_flight_requests_per_connection=5,  # the most idempotence keeps in order
            # publish() flushes, which sends at once; the linger only gathers sends between flushes.
            linger_ms=linger_ms,
            request_timeout_ms=min(10_000, int(timeout_s * 500)),  # below delivery_timeout_ms
            delivery_timeout_ms=int(timeout_s * 1000),
            max_block_ms=int(timeout_s * 1000),
            reconnect_backoff_max_ms=2_000,
        )

    def publish(self, messages: Sequence[OutgoingMessage]) -> int:
        """Send all, wait for the acknowledgements; the acknowledged prefix's length."""
        futures = [
            self._producer.send(m.topic, key=m.key, value=m.value, headers=m.headers) for m in messages
        ]
        self._producer.flush(timeout=self._timeout_s)
        acked = 0
        for f in futures:
            if not f.is_done or f.failed():
                if f.is_done:
                    log.warning("publish failed: %s", type(f.exception).__name__)
                break
            acked += 1
        return acked

    def close(self) -> None:
        """Flush what is pending and close."""
        self._producer.close(timeout=5)


class KafkaSource:
    """MessageSource on a KafkaConsumer in a group, auto-commit off."""

    def __init__(
        self,
        *,
        bootstrap_servers: str,
        group_id: str,
        topics: Sequence[str],
        client_id: str,
        max_poll_records: int = 500,
        linger_ms: int = 5,
    ) -> None:
        self._max_records = max_poll_records
        self._linger_s = linger_ms / 1000
        self._consumer = KafkaConsumer(
            bootstrap_servers=bootstrap_servers.split(","),
            group_id=group_id,
            client_id=client_id,
            enable_auto_commit=False,  # offsets move only after the database transaction
            auto_offset_reset="earliest",
            max_poll_records=max_poll_records,
            session_timeout_ms=10_000,
            heartbeat_interval_ms=1_000,
            request_timeout_ms=30_000,
            reconnect_backoff_max_ms=2_000,
        )
        self._consumer.subscribe(list(topics))

    def poll(self, timeout_ms: int) -> list[IncomingMessage]:
        """The next records, each partition's in order; once some came, linger to fill the batch.

        The linger counts records and time here rather than being left to the broker
        (fetch_min_bytes, fetch_max_wait_ms): those count bytes, whatever size the records are.
        """
        out = self._poll(timeout_ms, self._max_records)
        deadline = time.monotonic() + self._linger_s
        while out and len(out) < self._max_records:
            left_ms = int((deadline - time.monotonic()) * 1000)
            if left_ms <= 0:
                break
            more = self._poll(left_ms, self._max_records - len(out))
            if not more:
                break
            out.extend(more)  # a later poll's records of a partition follow its earlier ones
        return out

    def _poll(self, timeout_ms: int, max_records: int) -> list[IncomingMessage]:
        batches = self._consumer.poll(timeout_ms=timeout_ms, max_records=max_records)
        out: list[IncomingMessage] = []
        for tp, records in batches.items():
            for r in records:
                out.append(
                    IncomingMessage(
                        topic=tp.topic,
                        partition=tp.partition,
                        offset=r.offset,
                        key=r.key,
                        value=r.value,
                        headers=[(k, v) for k, v in (r.headers or [])],
                    )
                )
        return out

    def commit(self, offsets: dict[tuple[str, int], int]) -> None:
        """Commit synchronously."""
        if offsets:
            self._consumer.commit(
                {TopicPartition(t, p): OffsetAndMetadata(o, "", -1) for (t, p), o in offsets.items()}
            )

    def close(self) -> None:
        """Leave the group without committing."""
        self._consumer.close(autocommit=False)


class KafkaLogReader:
    """LogReader on a KafkaConsumer with no group: partitions assigned by hand, no offset committed.

    Nothing it does reaches a consumer group's offsets. A topic that does not exist has no partitions.
    """

    def __init__(
        self, *, bootstrap_servers: str, topics: Sequence[str], client_id: str, max_poll_records: int = 500
    ) -> None:
        self._consumer = KafkaConsumer(
            bootstrap_servers=bootstrap_servers.split(","),
            group_id=None,
            client_id=client_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=max_poll_records,
            # What is fetched ahead is held per partition: a small fetch keeps a replay of many
            # partitions in bounded memory (the merge holds a few hundred records of each).
            max_partition_fetch_bytes=256 * 1024,
            request_timeout_ms=30_000,
            reconnect_backoff_max_ms=2_000,
        )
        parts = [TopicPartition(t, p) for t in topics for p in sorted(self._consumer.partitions_for_topic(t))]
        self._consumer.assign(parts)
        firsts = self._consumer.beginning_offsets(parts) if parts else {}
        ends = self._consumer.end_offsets(parts) if parts else {}
        for tp in parts:
            self._consumer.seek(tp, firsts[tp])
        self._bounds = {(tp.topic, tp.partition): (firsts[tp], ends[tp]) for tp in parts}

    def bounds(self) -> dict[Partition, tuple[int, int]]:
        """(first, end) per partition, read when the reader was made."""
        return dict(self._bounds)

    def poll(self, timeout_ms: int) -> list[IncomingMessage]:
        """The next records of the partitions not paused."""
        batches = self._consumer.poll(timeout_ms=timeout_ms)
        return [
            IncomingMessage(
                topic=tp.topic,
                partition=tp.partition,
                offset=r.offset,
                key=r.key,
                value=r.value,
                headers=[(k, v) for k, v in (r.headers or [])],
            )
            for tp, records in batches.items()
            for r in records
        ]

    def position(self, partition: Partition) -> int:
        """The next offset poll() returns from the partition."""
        return int(self._consumer.position(TopicPartition(*partition)))

    def pause(self, partitions: Sequence[Partition]) -> None:
        """Fetch nothing more for these partitions (what was fetched stays buffered)."""
        if partitions:
            self._consumer.pause(*(TopicPartition(*tp) for tp in partitions))

    def resume(self, partitions: Sequence[Partition]) -> None:
        """Fetch these partitions again."""
        if partitions:
            self._consumer.resume(*(TopicPartition(*tp) for tp in partitions))

    def close(self) -> None:
        """Close the connection (there is no group to leave)."""
        self._consumer.close(autocommit=False)


def ensure_topics(*, bootstrap_servers: str, topics: Iterable[tuple[str, int]]) -> list[str]:
    """Create missing topics with their partitions, grow ones with too few; returns created."""
    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap_servers.split(","), client_id="shouhu-admin", request_timeout_ms=30_000
    )
    try:
        wanted = dict(topics)
        existing = set(admin.list_topics())
        missing = {
            n: {"num_partitions": p, "replication_factor": -1} for n, p in wanted.items() if n not in existing
        }
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):  # another process was first
                admin.create_topics(missing, timeout_ms=30_000, wait_for_metadata=True)
        present = [n for n in wanted if n in existing]
        if present:
            for desc in admin.describe_topics(present):
                have = len(desc["partitions"])
                if have < wanted[desc["name"]]:
                    admin.create_partitions({desc["name"]: wanted[desc["name"]]})
        return sorted(missing)
    finally:
        admin.close()


def kafka_reachable(bootstrap_servers: str, timeout_ms: int = 3_000) -> None:
    """Raise when no broker answers."""
    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap_servers.split(","),
        client_id="shouhu-ready",
        request_timeout_ms=timeout_ms,
        bootstrap_timeout_ms=timeout_ms,
    )
    try:
        admin.describe_cluster()
    finally:
        admin.close()
