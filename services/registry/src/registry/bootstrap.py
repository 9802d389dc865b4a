"""The registry, declared: what it has, from which the kit builds its processes."""

from __future__ import annotations

from pathlib import Path

from registry.adapters.orm import Base
from registry.config import RegistrySettings
from registry.entrypoints.api import (
    attendance,
    audit,
    children,
    my_children,
    org,
    records,
    results,
    rosters,
)
from registry.service_layer.helper_access import PAIRING_EVENTS
from shouhu_kit.runtime import ConsumerSpec
from shouhu_kit.service import ServiceDefinition


def consumers(_settings: RegistrySettings) -> list[ConsumerSpec]:
    """What the registry worker consumes: the pairings, which say which helper reads which child."""
    return [ConsumerSpec(name="pairings", topics=["pairing.pairings"], handlers=PAIRING_EVENTS.handlers)]


SERVICE = ServiceDefinition(
    settings=RegistrySettings,
    title="守护 · 档案服务 / Shouhu registry",
    description="留守儿童档案、组织架构、期末成绩与出勤。"
    "Children's archives, org tree, term results and attendance.",
    metadata=Base.metadata,
    migrations=Path(__file__).resolve().parent / "migrations",
    routers=[
        org.router,
        children.router,
        my_children.router,
        results.router,
        attendance.router,
        records.router,
        rosters.router,
        audit.router,
    ],
    consumers=consumers,
)
