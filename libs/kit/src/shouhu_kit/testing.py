"""Wiring for unit tests: the in-memory broker behind the same adapter interface as Kafka."""

from __future__ import annotations

from collections.abc import Sequence

from shouhu_kit.broker import InMemoryBroker
from shouhu_kit.runtime import BrokerAdapters


def in_memory_adapters(broker: InMemoryBroker) -> BrokerAdapters:
    """BrokerAdapters over an InMemoryBroker."""

    def ensure(topics: Sequence[tuple[str, int]]) -> None:
        for name, partitions in topics:
            broker.create_topic(name, partitions)

    return BrokerAdapters(
        publisher=broker.publisher,
        source=lambda group, topics: broker.source(group_id=group, topics=topics),
        ensure_topics=ensure,
        ping=lambda: None,
    )
