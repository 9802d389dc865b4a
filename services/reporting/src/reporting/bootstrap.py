"""The reporting service, declared: what it has, from which the kit builds its processes."""

from __future__ import annotations

from pathlib import Path

from reporting.adapters.orm import TREE, Base
from reporting.config import ReportingSettings
from reporting.entrypoints.api.routes import router
from reporting.service_layer.handlers import CHILD_EVENTS
from reporting.service_layer.org import shift_subtree_counts
from shouhu_kit.org.events import org_tree_consumer
from shouhu_kit.runtime import ConsumerSpec
from shouhu_kit.service import ServiceDefinition


def consumers(_settings: ReportingSettings) -> list[ConsumerSpec]:
    """What the reporting worker consumes: the org tree (counts follow a moved subtree), the children."""
    return [
        org_tree_consumer(TREE, on_move=shift_subtree_counts),
        ConsumerSpec(
            name="children",
            topics=["registry.children"],
            handlers=CHILD_EVENTS.handlers,
        ),
    ]


SERVICE = ServiceDefinition(
    settings=ReportingSettings,
    title="守护 · 统计服务 / Shouhu reporting",
    description="统计与通报。Read models, counts and bulletins.",
    metadata=Base.metadata,
    migrations=Path(__file__).resolve().parent / "migrations",
    routers=[router],
    consumers=consumers,
)
