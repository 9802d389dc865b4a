"""The one place that wires the reporting service's processes."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from reporting.adapters.orm import TREE, Base
from reporting.entrypoints.api.routes import router
from reporting.service_layer.handlers import (
    on_child_exited,
    on_child_reentered,
    on_child_registered,
    on_child_transferred,
    on_child_updated,
)
from reporting.service_layer.org import shift_subtree_counts
from shouhu_contracts.registry.v1 import (
    ChildExited,
    ChildReentered,
    ChildRegistered,
    ChildTransferred,
    ChildUpdated,
)
from shouhu_kit.org.events import org_tree_consumer
from shouhu_kit.runtime import BrokerAdapters, ConsumerSpec, Runtime
from shouhu_kit.settings import ServiceSettings

TITLE = "守护 · 统计服务 / Shouhu reporting"
METADATA = Base.metadata
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
CONSUMERS = [
    org_tree_consumer(TREE, on_move=shift_subtree_counts),
    ConsumerSpec(
        name="children",
        topics=["registry.children"],
        handlers={
            ChildRegistered.event_type: on_child_registered,
            ChildUpdated.event_type: on_child_updated,
            ChildTransferred.event_type: on_child_transferred,
            ChildExited.event_type: on_child_exited,
            ChildReentered.event_type: on_child_reentered,
        },
    ),
]


def runtime(settings: ServiceSettings, broker: BrokerAdapters | None = None) -> Runtime:
    """The reporting runtime."""
    return Runtime.build(settings=settings, metadata=METADATA, migrations=MIGRATIONS, broker=broker)


def build_api(settings: ServiceSettings, broker: BrokerAdapters | None = None) -> FastAPI:
    """The HTTP API."""
    return runtime(settings, broker).api_app(
        title=TITLE, routers=[router], description="统计与通报。Read models, counts and bulletins."
    )


def build_worker(settings: ServiceSettings, broker: BrokerAdapters | None = None) -> FastAPI:
    """The worker: relay and the consumers."""
    return runtime(settings, broker).worker_app(title=TITLE + " worker", consumers=CONSUMERS)


def init_db(settings: ServiceSettings) -> None:
    """Create the schema."""
    runtime(settings).db.create_schema()
