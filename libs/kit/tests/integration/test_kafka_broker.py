"""The Kafka adapters pass the same contract as the in-memory fake."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from shouhu_kit.kafka_adapters import KafkaPublisher, KafkaSource, ensure_topics
from shouhu_testkit.wiring import BrokerContract

pytestmark = pytest.mark.integration


@pytest.fixture
def broker(kafka_bootstrap: str, topic_prefix: str) -> Iterator[Any]:
    publishers: list[KafkaPublisher] = []

    def publisher() -> KafkaPublisher:
        publishers.append(KafkaPublisher(bootstrap_servers=kafka_bootstrap, client_id="contract"))
        return publishers[-1]

    yield SimpleNamespace(
        unique=topic_prefix,
        create_topic=lambda name, n: ensure_topics(bootstrap_servers=kafka_bootstrap, topics=[(name, n)]),
        publisher=publisher,
        source=lambda group, topics: KafkaSource(
            bootstrap_servers=kafka_bootstrap, group_id=group, topics=topics, client_id="contract"
        ),
    )
    for p in publishers:
        p.close()


class TestKafkaBroker(BrokerContract):
    """Runs the shared contract on the real broker."""


def test_ensure_topics_creates_with_catalogue_partitions_and_grows(
    kafka_bootstrap: str, topic_prefix: str
) -> None:
    from kafka import KafkaAdminClient

    name = topic_prefix + "grow"
    assert ensure_topics(bootstrap_servers=kafka_bootstrap, topics=[(name, 2)]) == [name]
    assert ensure_topics(bootstrap_servers=kafka_bootstrap, topics=[(name, 4)]) == []
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        [desc] = admin.describe_topics([name])
    finally:
        admin.close()
    assert len(desc["partitions"]) == 4
