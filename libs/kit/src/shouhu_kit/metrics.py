"""Prometheus metrics: one registry per process, built in bootstrap."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector


class _CallbackGauge(Collector):
    """A gauge read at scrape time (e.g. the outbox backlog from the database)."""

    def __init__(self, name: str, doc: str, read: Callable[[], float]) -> None:
        self._name, self._doc, self._read = name, doc, read

    def collect(self) -> Iterable[Metric]:
        try:
            value = self._read()
        except Exception:
            return  # the database is away: readiness says so; the series just goes missing
        yield GaugeMetricFamily(self._name, self._doc, value=value)


class Metrics:
    """The series every Shouhu process exposes."""

    def __init__(self, *, service: str, registry: CollectorRegistry | None = None) -> None:
        self.service = service
        self.registry = registry or CollectorRegistry(auto_describe=True)
        r = self.registry
        self.http_requests = Counter(
            "shouhu_http_requests_total",
            "HTTP requests by route and status.",
            ["method", "route", "status"],
            registry=r,
        )
        self.http_latency = Histogram(
            "shouhu_http_request_duration_seconds",
            "HTTP request latency.",
            ["method", "route"],
            registry=r,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.events_published = Counter(
            "shouhu_events_published_total", "Events the outbox relay published.", ["type"], registry=r
        )
        self.relay_errors = Counter(
            "shouhu_outbox_relay_errors_total",
            "Relay rounds that failed (broker or database away).",
            registry=r,
        )
        self.events_consumed = Counter(
            "shouhu_events_consumed_total",
            "Events a consumer applied (duplicates included).",
            ["group", "type"],
            registry=r,
        )
        self.events_duplicate = Counter(
            "shouhu_events_duplicate_total",
            "Events skipped because they were already applied.",
            ["group", "type"],
            registry=r,
        )
        self.events_failed = Counter(
            "shouhu_events_failed_total", "Handler attempts that raised.", ["group", "type"], registry=r
        )
        self.events_dead_lettered = Counter(
            "shouhu_events_dead_lettered_total",
            "Messages sent to the dead-letter topic.",
            ["group", "type", "reason"],
            registry=r,
        )
        self.job_runs = Counter(
            "shouhu_job_runs_total", "Scheduled job runs by outcome.", ["job", "outcome"], registry=r
        )
        self.job_items = Counter(
            "shouhu_job_items_total", "Items scheduled jobs handled.", ["job"], registry=r
        )
        batch_buckets = (1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000)
        self.consumer_batch_records = Histogram(
            "shouhu_consumer_batch_records",
            "Records per consumer database transaction (small batches under load: raise the linger).",
            ["group"],
            registry=r,
            buckets=batch_buckets,
        )
        self.consumer_halted = Gauge(
            "shouhu_consumer_halted",
            "1 when the dead-letter policy stopped the group's consumer (reason says which limit).",
            ["group", "reason"],
            registry=r,
        )
        self.relay_batch_records = Histogram(
            "shouhu_outbox_relay_batch_records",
            "Rows per outbox relay publish.",
            registry=r,
            buckets=batch_buckets,
        )
        self.build_info = Gauge(
            "shouhu_build_info", "Which service this process serves.", ["service"], registry=r
        )
        self.build_info.labels(service=service).set(1)

    def gauge_callback(self, name: str, doc: str, read: Callable[[], float]) -> None:
        """Register a gauge whose value is read at scrape time."""
        self.registry.register(_CallbackGauge(name, doc, read))
