"""The reporting service, declared: what it has, from which the kit builds its processes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from reporting.adapters.orm import TREE, Base
from reporting.config import ReportingSettings
from reporting.entrypoints.api import assessment
from reporting.entrypoints.api.routes import router
from reporting.service_layer.alerts import ALERT_EVENTS, mark_overdue
from reporting.service_layer.children import CHILD_EVENTS
from reporting.service_layer.org import shift_subtree_counts
from reporting.service_layer.pairing import OBLIGATION_EVENTS, PAIRING_EVENTS
from shouhu_kit.org.events import org_tree_consumer
from shouhu_kit.runtime import ConsumerSpec
from shouhu_kit.scheduler import ScheduledJob
from shouhu_kit.service import ServiceDefinition


def consumers(_settings: ReportingSettings) -> list[ConsumerSpec]:
    """What the reporting worker consumes: the tree, and every service's facts about children."""
    return [
        org_tree_consumer(TREE, on_move=shift_subtree_counts),
        ConsumerSpec(name="children", topics=["registry.children"], handlers=CHILD_EVENTS.handlers),
        ConsumerSpec(
            name="pairings", topics=["pairing.helpers", "pairing.pairings"], handlers=PAIRING_EVENTS.handlers
        ),
        ConsumerSpec(name="obligations", topics=["pairing.obligations"], handlers=OBLIGATION_EVENTS.handlers),
        ConsumerSpec(name="alerts", topics=["alerts.tasks", "alerts.risk"], handlers=ALERT_EVENTS.handlers),
    ]


def jobs(_settings: ReportingSettings) -> list[ScheduledJob]:
    """Open tasks turn overdue when their due time passes."""
    return [
        ScheduledJob(
            name="tasks_overdue",
            every=timedelta(minutes=1),
            run=lambda uow: mark_overdue(uow),
            description="逾期任务 / open tasks past their due time count as overdue",
        ),
    ]


SERVICE = ServiceDefinition(
    settings=ReportingSettings,
    title="守护 · 统计服务 / Shouhu reporting",
    description="统计、通报与考核。Read models, KPIs, bulletins and assessments.",
    metadata=Base.metadata,
    migrations=Path(__file__).resolve().parent / "migrations",
    routers=[router, assessment.router],
    consumers=consumers,
    jobs=jobs,
)
