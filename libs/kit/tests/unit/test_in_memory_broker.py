"""The in-memory broker passes the same contract as Kafka."""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from typing import Any

import pytest

from shouhu_kit.broker import InMemoryBroker
from shouhu_testkit.wiring import BrokerContract

pytestmark = pytest.mark.unit


@pytest.fixture
def broker() -> Any:
    b = InMemoryBroker()
    return SimpleNamespace(
        unique=f"t{uuid.uuid4().hex[:8]}.",
        create_topic=b.create_topic,
        publisher=b.publisher,
        source=lambda group, topics: b.source(group_id=group, topics=topics),
    )


class TestInMemoryBroker(BrokerContract):
    """Runs the shared contract on the fake."""
