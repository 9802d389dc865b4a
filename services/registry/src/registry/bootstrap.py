"""The one place that wires the registry's processes."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from registry.adapters.orm import Base
from registry.entrypoints.api import audit, children, org, records, results, rosters
from shouhu_kit.runtime import BrokerAdapters, Runtime
from shouhu_kit.settings import ServiceSettings

TITLE = "守护 · 档案服务 / Shouhu registry"
METADATA = Base.metadata
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def runtime(settings: ServiceSettings, broker: BrokerAdapters | None = None) -> Runtime:
    """The registry's runtime."""
    return Runtime.build(settings=settings, metadata=METADATA, migrations=MIGRATIONS, broker=broker)


def build_api(settings: ServiceSettings, broker: BrokerAdapters | None = None) -> FastAPI:
    """The HTTP API."""
    return runtime(settings, broker).api_app(
        title=TITLE,
        routers=[org.router, children.router, results.router, records.router, rosters.router, audit.router],
        description="留守儿童档案、组织架构与期末成绩。Children's archives, org tree and term results.",
    )


def build_worker(settings: ServiceSettings, broker: BrokerAdapters | None = None) -> FastAPI:
    """The worker: only the outbox relay (the registry consumes nothing)."""
    return runtime(settings, broker).worker_app(title=TITLE + " worker", consumers=[])


def init_db(settings: ServiceSettings) -> None:
    """Create the schema."""
    runtime(settings, broker=None).db.create_schema()
