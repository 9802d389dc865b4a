"""The outbox relay waits out a broker restart and loses nothing (on a broker of the test's own)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka import KafkaConsumer

from registry.bootstrap import SERVICE as REGISTRY
from registry.config import RegistrySettings
from shouhu_contracts.registry.v1 import ChildRegistered
from shouhu_kit.kafka_adapters import KafkaPublisher
from shouhu_kit.outbox import outbox_backlog

pytestmark = pytest.mark.integration
KAFKA = Path(__file__).resolve().parents[2] / "deploy" / "local" / "kafka.sh"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class OwnBroker:
    """A second single-node broker, so restarting it disturbs no other test or process."""

    def __init__(self, state: Path) -> None:
        self.port = _free_port()
        self.env = {
            **os.environ,
            "SHOUHU_KAFKA_STATE_DIR": str(state),
            "SHOUHU_KAFKA_PORT": str(self.port),
            "SHOUHU_KAFKA_CONTROLLER_PORT": str(_free_port()),
        }

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def __call__(self, command: str) -> None:
        done = subprocess.run(
            ["bash", str(KAFKA), command],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[OwnBroker]:
    if shutil.which("java") is None:
        pytest.skip("needs Java to run a broker of its own")
    broker = OwnBroker(tmp_path / "kafka")
    broker("start")
    yield broker
    broker("stop")


def test_the_relay_waits_out_a_broker_restart_and_publishes_everything(
    own_broker: OwnBroker, tmp_path: Path
) -> None:
    settings = RegistrySettings(
        database_url=f"sqlite:///{tmp_path}/registry.db",
        env="test",  # type: ignore[arg-type]
        kafka_bootstrap_servers=own_broker.bootstrap,
    )
    rt = REGISTRY.runtime(settings)
    rt.db.create_schema()
    rt.broker.ensure_topics(rt.catalogue_topics())
    publisher = KafkaPublisher(bootstrap_servers=own_broker.bootstrap, client_id="restart", timeout_s=5)
    stop = threading.Event()
    relay = threading.Thread(
        target=rt.relay(publisher).run_forever, args=(stop,), kwargs={"idle_seconds": 0.2}
    )
    relay.start()
    ids = []
    try:
        own_broker("stop")
        for _ in range(5):
            with rt.uow() as uow:
                ids.append(str(uow.publish(ChildRegistered.example())))
                uow.commit()
        time.sleep(3)
        assert outbox_backlog(rt.db) == 5, "nothing is marked published while the broker is down"
    finally:
        own_broker("start")
    deadline = time.monotonic() + 120
    while outbox_backlog(rt.db) and time.monotonic() < deadline:
        time.sleep(0.5)
    stop.set()
    relay.join(60)
    publisher.close()
    assert outbox_backlog(rt.db) == 0, "the relay published the backlog once the broker was back"
    assert rt.metrics.relay_errors._value.get() > 0, "the outage was seen and waited out"
    consumer = KafkaConsumer(
        settings.topic("registry.children"),
        bootstrap_servers=own_broker.bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=3000,
    )
    seen = [json.loads(r.value)["id"] for r in consumer]
    consumer.close()
    assert sorted(set(seen)) == sorted(ids)
    rt.db.dispose()
