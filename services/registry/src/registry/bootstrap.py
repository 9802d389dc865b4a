"""The registry, declared: what it has, from which the kit builds its processes."""

from __future__ import annotations

from pathlib import Path

from registry.adapters.orm import Base
from registry.config import RegistrySettings
from registry.entrypoints.api import audit, children, org, records, results, rosters
from shouhu_kit.service import ServiceDefinition

SERVICE = ServiceDefinition(
    settings=RegistrySettings,
    title="守护 · 档案服务 / Shouhu registry",
    description="留守儿童档案、组织架构与期末成绩。Children's archives, org tree and term results.",
    metadata=Base.metadata,
    migrations=Path(__file__).resolve().parent / "migrations",
    routers=[org.router, children.router, results.router, records.router, rosters.router, audit.router],
)
