"""The alerts service, declared: what it has, from which the kit builds its processes."""

from __future__ import annotations

from pathlib import Path

from alerts.adapters.orm import TREE, Base
from alerts.config import AlertsSettings
from alerts.entrypoints.api import directory
from alerts.entrypoints.api import risk as risk_routes
from alerts.entrypoints.api.routes import router
from alerts.service_layer.children import CHILD_EVENTS
from alerts.service_layer.jobs import LADDER_JOBS
from alerts.service_layer.pairings import HELPER_EVENTS, OBLIGATION_EVENTS, PAIRING_EVENTS
from alerts.service_layer.time_rules import TIME_RULE_JOBS
from shouhu_kit.org.events import org_tree_consumer
from shouhu_kit.runtime import ConsumerSpec
from shouhu_kit.scheduler import ScheduledJob
from shouhu_kit.service import ServiceDefinition


def consumers(_settings: AlertsSettings) -> list[ConsumerSpec]:
    """What the alerts worker consumes (the children consumer first), and the kit's org tree copy."""
    return [
        ConsumerSpec(name="children", topics=["registry.children"], handlers=CHILD_EVENTS.handlers),
        ConsumerSpec(name="pairings", topics=["pairing.pairings"], handlers=PAIRING_EVENTS.handlers),
        ConsumerSpec(name="obligations", topics=["pairing.obligations"], handlers=OBLIGATION_EVENTS.handlers),
        ConsumerSpec(name="helpers", topics=["pairing.helpers"], handlers=HELPER_EVENTS.handlers),
        org_tree_consumer(TREE),
    ]


def jobs(settings: AlertsSettings) -> list[ScheduledJob]:
    """What the alerts worker runs on its clock: the time rules, then the ladder and the messages."""
    return [*TIME_RULE_JOBS(settings), *LADDER_JOBS(settings)]


SERVICE = ServiceDefinition(
    settings=AlertsSettings,
    title="守护 · 预警服务 / Shouhu alerts",
    description="风险规则与跟进任务。Risk rules and follow-up tasks.",
    metadata=Base.metadata,
    migrations=Path(__file__).resolve().parent / "migrations",
    routers=[router, risk_routes.router, directory.router],
    consumers=consumers,
    jobs=jobs,
)
