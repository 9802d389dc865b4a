"""The reporting service, declared: what it has, from which the kit builds its processes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from functools import partial
from pathlib import Path

from reporting.adapters.orm import TREE, Base
from reporting.config import ReportingSettings
from reporting.entrypoints.api import assessment
from reporting.entrypoints.api.bulletins import router as bulletins_router
from reporting.entrypoints.api.routes import router
from reporting.entrypoints.rebuild import HELP as REBUILD_HELP
from reporting.entrypoints.rebuild import rebuild_command
from reporting.entrypoints.web.routes import router as dashboard
from reporting.service_layer.alerts import ALERT_EVENTS, mark_overdue
from reporting.service_layer.bulletin import build_bulletin
from reporting.service_layer.children import CHILD_EVENTS
from reporting.service_layer.org import shift_subtree_counts
from reporting.service_layer.pairing import OBLIGATION_EVENTS, PAIRING_EVENTS
from shouhu_kit.cli import ServiceCommand
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


def jobs(settings: ReportingSettings) -> list[ScheduledJob]:
    """Open tasks turn overdue when their due time passes; a closed month gets its bulletin."""
    return [
        ScheduledJob(
            name="tasks_overdue",
            every=timedelta(minutes=1),
            run=lambda uow: mark_overdue(uow),
            description="逾期任务 / open tasks past their due time count as overdue",
        ),
        ScheduledJob(
            name="monthly_bulletin",
            every=timedelta(seconds=settings.bulletin_every_seconds),
            run=partial(
                build_bulletin,
                batch=settings.bulletin_batch,
                grace=timedelta(minutes=settings.bulletin_grace_minutes),
            ),
            description="每月一通报 / rank every unit among its siblings once a month closes (China's time)",
        ),
    ]


def rebuild(settings: ReportingSettings, argv: Sequence[str]) -> int:
    """`shouhu-reporting rebuild`: what the consumers read, replayed from the start into an empty database."""
    return rebuild_command(SERVICE.runtime(settings), consumers(settings), argv)


SERVICE = ServiceDefinition(
    settings=ReportingSettings,
    title="守护 · 统计服务 / Shouhu reporting",
    description="统计、通报与考核。Read models, KPIs, bulletins and assessments.",
    metadata=Base.metadata,
    migrations=Path(__file__).resolve().parent / "migrations",
    routers=[router, bulletins_router, assessment.router, dashboard],
    consumers=consumers,
    jobs=jobs,
    commands={"rebuild": ServiceCommand(help=REBUILD_HELP, run=rebuild)},
)
