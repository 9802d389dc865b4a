"""Wires one service process: database, clock, metrics, broker adapters, API and worker apps."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from pathlib import Path

from fastapi import APIRouter, FastAPI
from sqlalchemy import MetaData

from shouhu_contracts.topics import DEAD_LETTER_PARTITIONS, TOPICS, dead_letter_topic
from shouhu_kit.app import NotReady, create_app
from shouhu_kit.broker import EventPublisher, LogReader, MessageSource
from shouhu_kit.clock import AcceleratedClock, Clock, SystemClock
from shouhu_kit.consumer import ConsumerHooks, ConsumerLoop, Handler
from shouhu_kit.db import Database
from shouhu_kit.housekeeping import outbox_pruning
from shouhu_kit.metrics import Metrics
from shouhu_kit.ops import ops_router
from shouhu_kit.outbox import OutboxRelay, outbox_backlog
from shouhu_kit.scheduler import ScheduledJob, Scheduler
from shouhu_kit.settings import ServiceSettings
from shouhu_kit.uow import UnitOfWork
from shouhu_kit.worker import Worker

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConsumerSpec:
    """A consumer group of this service: what it reads and how it applies each event type."""

    name: str
    topics: Sequence[str]
    handlers: Mapping[str, Handler]


@dataclass
class BrokerAdapters:
    """How this process reaches the broker (Kafka in production, in-memory in unit tests)."""

    publisher: Callable[[], EventPublisher]
    source: Callable[[str, Sequence[str]], MessageSource]
    ensure_topics: Callable[[Sequence[tuple[str, int]]], None]
    ping: Callable[[], None]
    # Whole topics from their first offset, outside any group (a read model's rebuild).
    log_reader: Callable[[Sequence[str]], LogReader] | None = None


def kafka_adapters(settings: ServiceSettings) -> BrokerAdapters:
    """Adapters on a real Kafka cluster."""
    from shouhu_kit import kafka_adapters as k

    servers = settings.kafka_bootstrap_servers
    client = f"shouhu-{settings.service}-{socket.gethostname()}"
    return BrokerAdapters(
        publisher=lambda: k.KafkaPublisher(
            bootstrap_servers=servers, client_id=client, linger_ms=settings.relay_linger_ms
        ),
        source=lambda group, topics: k.KafkaSource(
            bootstrap_servers=servers,
            group_id=group,
            topics=topics,
            client_id=client,
            max_poll_records=settings.consumer_batch_size,
            linger_ms=settings.consumer_linger_ms,
        ),
        ensure_topics=lambda topics: _discard(k.ensure_topics(bootstrap_servers=servers, topics=topics)),
        ping=partial(k.kafka_reachable, servers),
        log_reader=lambda topics: k.KafkaLogReader(
            bootstrap_servers=servers,
            topics=topics,
            client_id=f"{client}-replay",
            max_poll_records=settings.consumer_batch_size,
        ),
    )


def _discard(_value: object) -> None:
    return None


def clock_of(settings: ServiceSettings) -> Clock:
    """The process's clock: the real one, or the demonstration's accelerated one (refused in prod)."""
    if not settings.clock_shifted:
        return SystemClock()
    wall, virtual = settings.virtual_epoch(SystemClock().now())
    clock = AcceleratedClock(epoch_wall=wall, epoch_virtual=virtual, speed=settings.clock_speed)
    log.warning("clock: virtual time %s, %g× the wall clock", clock.now().isoformat(), settings.clock_speed)
    return clock


@dataclass
class Runtime:
    """Everything a service's bootstrap needs, built once per process."""

    settings: ServiceSettings
    db: Database
    broker: BrokerAdapters
    clock: Clock = field(default_factory=SystemClock)
    metrics: Metrics = field(init=False)
    consumer_hooks: ConsumerHooks = field(default_factory=ConsumerHooks)

    def __post_init__(self) -> None:
        self.metrics = Metrics(service=self.settings.service)
        self.metrics.gauge_callback(
            "shouhu_outbox_backlog",
            "Events in the outbox not yet published.",
            lambda: float(outbox_backlog(self.db)),
        )

    @classmethod
    def build(
        cls,
        *,
        settings: ServiceSettings,
        metadata: MetaData,
        migrations: Path | None = None,
        broker: BrokerAdapters | None = None,
        clock: Clock | None = None,
    ) -> Runtime:
        """The production wiring; tests pass fakes for broker and clock."""
        db = Database(url=settings.effective_database_url, metadata=metadata, migrations=migrations)
        return cls(
            settings=settings,
            db=db,
            broker=broker or kafka_adapters(settings),
            clock=clock or clock_of(settings),
        )

    def uow(self) -> UnitOfWork:
        """A new unit of work on this service's database."""
        return UnitOfWork(db=self.db, clock=self.clock, source=self.settings.source)

    def api_app(self, *, title: str, routers: Sequence[APIRouter], description: str = "") -> FastAPI:
        """The HTTP API process."""
        return create_app(
            title=title,
            description=description,
            settings=self.settings,
            metrics=self.metrics,
            readiness=[("database", self.db.ping), ("kafka", self.broker.ping)],
            routers=[*routers, ops_router],
            state={"runtime": self},
            on_start=[self.db.create_schema],
        )

    def catalogue_topics(self) -> list[tuple[str, int]]:
        """Every catalogue topic with this deployment's prefix."""
        return [(self.settings.topic(t.name), t.partitions) for t in TOPICS]

    def relay(self, publisher: EventPublisher) -> OutboxRelay:
        """The outbox relay of this service."""
        return OutboxRelay(
            db=self.db,
            publisher=publisher,
            clock=self.clock,
            metrics=self.metrics,
            topic_name=self.settings.topic,
            batch_size=self.settings.relay_batch_size,
            linger_ms=self.settings.relay_linger_ms,
        )

    def consumer(self, spec: ConsumerSpec, dead_letters: EventPublisher) -> ConsumerLoop:
        """A consumer loop of this service."""
        group = self.settings.group(spec.name)
        topics = [self.settings.topic(t) for t in spec.topics]
        return ConsumerLoop(
            group_id=group,
            source=lambda: self.broker.source(group, topics),
            dead_letters=dead_letters,
            dead_letter_topic_name=dead_letter_topic(group),
            uow=self.uow,
            handlers=spec.handlers,
            clock=self.clock,
            metrics=self.metrics,
            max_attempts=self.settings.consumer_max_attempts,
            retry_backoff_s=self.settings.consumer_retry_backoff_seconds,
            dead_letter_policy=self.settings.dead_letter_policy,
            hooks=self.consumer_hooks,
        )

    def worker(self, consumers: Sequence[ConsumerSpec], jobs: Sequence[ScheduledJob] = ()) -> Worker:
        """Relay, consumers and the scheduler as loops of one worker."""
        publisher = self.broker.publisher()
        relay = self.relay(publisher)
        worker = Worker()
        worker.loops["relay"] = partial(relay.run_forever, idle_seconds=self.settings.relay_idle_seconds)
        for spec in consumers:
            loop = self.consumer(spec, publisher)
            worker.loops[f"consumer:{spec.name}"] = loop.run_forever
            worker.consumers[spec.name] = loop
        keep = timedelta(hours=self.settings.outbox_keep_hours)
        worker.loops["scheduler"] = self.scheduler([*jobs, outbox_pruning(keep=keep)]).run_forever
        return worker

    def scheduler(self, jobs: Sequence[ScheduledJob]) -> Scheduler:
        """The loop that runs this service's scheduled jobs on its clock."""
        return Scheduler(
            db=self.db,
            jobs=list(jobs),
            uow=self.uow,
            clock=self.clock,
            metrics=self.metrics,
            tick_seconds=self.settings.scheduler_tick_seconds,
        )

    def worker_app(
        self, *, title: str, consumers: Sequence[ConsumerSpec], jobs: Sequence[ScheduledJob] = ()
    ) -> FastAPI:
        """The worker process: loops on threads, with /healthz, /readyz and /metrics."""
        holder: dict[str, Worker] = {}

        def start() -> None:
            self.db.create_schema()
            dlqs = [
                (dead_letter_topic(self.settings.group(c.name)), DEAD_LETTER_PARTITIONS) for c in consumers
            ]
            self.broker.ensure_topics(self.catalogue_topics() + dlqs)
            holder["worker"] = self.worker(consumers, jobs)
            holder["worker"].start()

        def stop() -> None:
            if "worker" in holder:
                holder["worker"].shutdown()

        def loops_alive() -> None:
            if "worker" not in holder or not holder["worker"].alive():
                raise RuntimeError("worker loops are not running")

        def consuming(name: str) -> None:
            loop = holder["worker"].consumers.get(name) if "worker" in holder else None
            if loop is not None and loop.halted is not None:
                raise NotReady(loop.halted.describe())

        return create_app(
            title=title,
            settings=self.settings,
            metrics=self.metrics,
            readiness=[
                ("database", self.db.ping),
                ("kafka", self.broker.ping),
                ("loops", loops_alive),
                *((f"consumer:{c.name}", partial(consuming, c.name)) for c in consumers),
            ],
            state={"runtime": self},
            on_start=[start],
            on_stop=[stop],
        )
