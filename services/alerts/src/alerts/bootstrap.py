"""The one place that wires the alerts service's processes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI

from alerts.adapters.orm import TREE, Base
from alerts.config import AlertsSettings
from alerts.domain.grades import GradeDropPolicy
from alerts.entrypoints.api.routes import router
from alerts.service_layer.children import (
    on_child_reentered,
    on_child_transferred,
    on_child_updated,
)
from alerts.service_layer.handlers import TermResultHandler, on_child_registered
from shouhu_contracts.registry.v1 import (
    ChildReentered,
    ChildRegistered,
    ChildTransferred,
    ChildUpdated,
    TermResultRecorded,
)
from shouhu_kit.org.events import org_tree_consumer
from shouhu_kit.runtime import BrokerAdapters, ConsumerSpec, Runtime
from shouhu_kit.settings import ServiceSettings

TITLE = "守护 · 预警服务 / Shouhu alerts"
METADATA = Base.metadata
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def runtime(settings: ServiceSettings, broker: BrokerAdapters | None = None) -> Runtime:
    """The alerts runtime."""
    return Runtime.build(settings=settings, metadata=METADATA, migrations=MIGRATIONS, broker=broker)


def consumers(settings: ServiceSettings) -> list[ConsumerSpec]:
    """What the alerts worker consumes (the children consumer first)."""
    assert isinstance(settings, AlertsSettings)
    policy = GradeDropPolicy(
        rank_places=settings.grade_drop_rank_places, total_share=settings.grade_drop_total_share
    )
    return [
        ConsumerSpec(
            name="children",
            topics=["registry.children"],
            handlers={
                ChildRegistered.event_type: on_child_registered,
                ChildUpdated.event_type: on_child_updated,
                ChildTransferred.event_type: on_child_transferred,
                ChildReentered.event_type: on_child_reentered,
                TermResultRecorded.event_type: TermResultHandler(
                    policy=policy, due_after=timedelta(days=settings.task_due_days)
                ),
            },
        ),
        org_tree_consumer(TREE),
    ]


def build_api(settings: ServiceSettings, broker: BrokerAdapters | None = None) -> FastAPI:
    """The HTTP API."""
    return runtime(settings, broker).api_app(
        title=TITLE, routers=[router], description="风险规则与跟进任务。Risk rules and follow-up tasks."
    )


def build_worker(settings: ServiceSettings, broker: BrokerAdapters | None = None) -> FastAPI:
    """The worker: relay and the children and org consumers."""
    return runtime(settings, broker).worker_app(title=TITLE + " worker", consumers=consumers(settings))


def init_db(settings: ServiceSettings) -> None:
    """Create the schema."""
    runtime(settings).db.create_schema()
