"""The alerts service, declared: what it has, from which the kit builds its processes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from alerts.adapters.orm import TREE, Base
from alerts.config import AlertsSettings
from alerts.domain.grades import GradeDropPolicy
from alerts.entrypoints.api import directory
from alerts.entrypoints.api.routes import router
from alerts.service_layer.children import CHILD_EVENTS
from alerts.service_layer.handlers import TermResultHandler
from alerts.service_layer.jobs import LADDER_JOBS
from shouhu_contracts.registry.v1 import TermResultRecorded
from shouhu_kit.org.events import org_tree_consumer
from shouhu_kit.runtime import ConsumerSpec
from shouhu_kit.scheduler import ScheduledJob
from shouhu_kit.service import ServiceDefinition


def consumers(settings: AlertsSettings) -> list[ConsumerSpec]:
    """What the alerts worker consumes (the children consumer first), and the kit's org tree copy."""
    policy = GradeDropPolicy(
        rank_places=settings.grade_drop_rank_places, total_share=settings.grade_drop_total_share
    )
    return [
        ConsumerSpec(
            name="children",
            topics=["registry.children"],
            handlers=CHILD_EVENTS.with_handler(
                TermResultRecorded,
                TermResultHandler(policy=policy, due_after=timedelta(days=settings.task_due_days)),
            ),
        ),
        org_tree_consumer(TREE),
    ]


def jobs(settings: AlertsSettings) -> list[ScheduledJob]:
    """What the alerts worker runs on its clock."""
    return [
        *LADDER_JOBS(settings),
    ]


SERVICE = ServiceDefinition(
    settings=AlertsSettings,
    title="守护 · 预警服务 / Shouhu alerts",
    description="风险规则与跟进任务。Risk rules and follow-up tasks.",
    metadata=Base.metadata,
    migrations=Path(__file__).resolve().parent / "migrations",
    routers=[router, directory.router],
    consumers=consumers,
    jobs=jobs,
)
