"""The rebuild against the live run, on a real Kafka and PostgreSQL: the same read models, row for row.

A month of a small city (shouhu_testkit.city_month) is published day by day to the topics; after
each day the reporting worker's consumers run until they have applied it, as they would live,
close to the events' time. Then `shouhu-reporting rebuild` replays the topics into a fresh schema.
"""

from __future__ import annotations

import io
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from kafka import KafkaConsumer, TopicPartition
from sqlalchemy import func, select

from reporting.bootstrap import SERVICE, consumers
from reporting.config import ReportingSettings
from reporting.entrypoints.rebuild import rebuild_command
from reporting.service_layer.alerts import mark_overdue
from reporting.service_layer.rebuild import read_model_tables
from shouhu_contracts.envelope import CloudEvent, encode_event
from shouhu_kit.broker import OutgoingMessage
from shouhu_kit.clock import CHINA_TZ, FakeClock
from shouhu_kit.consumer import ConsumerLoop
from shouhu_kit.kafka_adapters import KafkaPublisher
from shouhu_kit.runtime import Runtime
from shouhu_testkit.city_month import CityMonth, month_of_a_small_city
from shouhu_testkit.tables import differences, table_rows

pytestmark = pytest.mark.integration
FILLED = ("unit_counts", "child_facts", "window_facts", "task_facts", "pairing_facts", "helper_facts",
          "term_result_facts", "record_facts", "org_tree")  # fmt: skip


class Live:
    """The reporting worker's consumers on their own schema, fed day by day."""

    def __init__(self, kafka: str, prefix: str, url: str, month: CityMonth) -> None:
        self.settings = ReportingSettings(
            env="test",
            database_url=url,
            kafka_bootstrap_servers=kafka,
            kafka_topic_prefix=prefix,
            consumer_retry_backoff_seconds=0,
        )
        self.month = month
        self.clock = FakeClock(month.events[0].at)
        self.rt: Runtime = SERVICE.runtime(self.settings, clock=self.clock)
        self.rt.db.create_schema()
        self.rt.broker.ensure_topics(self.rt.catalogue_topics())
        self.publisher = KafkaPublisher(bootstrap_servers=kafka, client_id="rebuild-test")
        self.specs = consumers(self.settings)
        self.loops: dict[str, ConsumerLoop] = {
            s.name: self.rt.consumer(s, self.publisher) for s in self.specs
        }
        self.group_of = {t: s.name for s in self.specs for t in s.topics}
        self.expected: Counter[str] = Counter()  # events each group must have applied

    def publish(self, envelopes: list[CloudEvent[Any]]) -> None:
        out = [
            OutgoingMessage(self.settings.topic(e.data.topic), e.data.key().encode(), encode_event(e))
            for e in envelopes
        ]
        assert self.publisher.publish(out) == len(out)

    def applied(self) -> Counter[str]:
        inbox = self.rt.db.tables.processed_events
        with self.rt.db.engine.connect() as c:
            rows = c.execute(
                select(inbox.c.consumer_group, func.count()).group_by(inbox.c.consumer_group)
            ).all()
        return Counter(dict(rows))

    def catch_up(self, timeout: float = 90) -> None:
        """Run the consumers until each has applied every event published to its topics."""
        deadline = time.monotonic() + timeout
        while True:
            have = self.applied()
            behind = [n for n, want in self.expected.items() if have[self.settings.group(n)] < want]
            if not behind:
                return
            assert time.monotonic() < deadline, f"consumers {behind} did not catch up"
            for name in behind:
                self.loops[name].run_once(timeout_ms=300)

    def run_month(self) -> None:
        days: dict[date, list[CloudEvent[Any]]] = defaultdict(list)
        for e in self.month.events:
            days[e.at.astimezone(CHINA_TZ).date()].append(e.envelope())
        ordered = [envelopes for _, envelopes in sorted(days.items())]
        for envelopes in ordered:
            self.clock.advance(max(envelopes[-1].time - self.clock.now(), timedelta(0)))
            self.publish(envelopes)
            self.expected.update(self.group_of[e.data.topic] for e in envelopes)
            self.catch_up()
        self.publish(ordered[0])  # the relay republished a day's rows (same ids): nothing changes
        self.clock.advance(self.month.now - self.clock.now())
        with self.rt.uow() as uow:  # the scheduler's overdue job, at the month's end
            while mark_overdue(uow).more:
                pass
            uow.commit()

    def committed(self) -> dict[tuple[str, int], int | None]:
        """Every live group's committed offsets."""
        out: dict[tuple[str, int], int | None] = {}
        for spec in self.specs:
            probe = KafkaConsumer(
                bootstrap_servers=self.settings.kafka_bootstrap_servers,
                group_id=self.settings.group(spec.name),
                enable_auto_commit=False,
            )
            try:
                for topic in spec.topics:
                    name = self.settings.topic(topic)
                    for p in sorted(probe.partitions_for_topic(name)):
                        out[(name, p)] = probe.committed(TopicPartition(name, p))
            finally:
                probe.close()
        return out

    def close(self) -> None:
        for loop in self.loops.values():
            loop.close()
        self.publisher.close()
        self.rt.db.dispose()


@pytest.fixture
def live(kafka_bootstrap: str, topic_prefix: str, pg_schemas: Callable[[], str]) -> Iterator[Live]:
    city = Live(kafka_bootstrap, topic_prefix, pg_schemas(), month_of_a_small_city())
    yield city
    city.close()


def dump(rt: Runtime) -> dict[str, list[tuple[Any, ...]]]:
    """Every read-model table; the inbox as (group, event id, type), without when it was applied."""
    return table_rows(
        rt.db.engine,
        read_model_tables(rt.db),
        ignore={"window_facts": ["id"], "processed_events": ["processed_at"]},
    )


def test_a_rebuild_from_the_topics_holds_what_the_live_consumers_built(
    live: Live, pg_schemas: Callable[[], str], capsys: pytest.CaptureFixture[str]
) -> None:
    live.run_month()
    before = live.committed()
    settings = live.settings.model_copy(update={"database_url": pg_schemas()})
    out = io.StringIO()
    status = rebuild_command(
        SERVICE.runtime(settings, clock=FakeClock(live.month.now)), consumers(settings), [], out
    )
    assert status == 0
    rebuilt = SERVICE.runtime(settings)
    try:
        expected, got = dump(live.rt), dump(rebuilt)
        for table in FILLED:
            assert expected[table], f"the live run filled {table}"
        assert differences(expected, got) == []
        assert live.committed() == before, "the rebuild moved no live group's offsets"
        # What it printed: every topic the consumers read, the republished day skipped, the overdue tasks.
        report = out.getvalue()
        published = Counter(e.data.topic for e in live.month.events)
        for topic, n in published.items():
            line = next(x for x in report.splitlines() if x.startswith(settings.topic(topic) + " "))
            read, applied, skipped, *_ = (int(v) for v in line.split()[1:4])
            assert (applied, read - skipped) == (n, n), line
        assert "tasks marked overdue: 2" in report
        # A second rebuild into the filled schema is refused, naming the tables that hold rows.
        capsys.readouterr()
        assert rebuild_command(SERVICE.runtime(settings), consumers(settings), [], io.StringIO()) == 1
        refusal = capsys.readouterr().err
        assert "needs an empty database" in refusal
        assert "child_facts" in refusal
    finally:
        rebuilt.db.dispose()
