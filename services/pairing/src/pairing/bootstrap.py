"""The pairing service, declared: what it has, from which the kit builds its processes."""

from __future__ import annotations

from pathlib import Path

from pairing.adapters.orm import TREE, Base
from pairing.config import PairingSettings
from pairing.entrypoints.api import suggestions
from pairing.entrypoints.api.routes import router
from pairing.service_layer.handlers import CHILD_EVENTS
from shouhu_kit.org.events import org_tree_consumer
from shouhu_kit.runtime import ConsumerSpec
from shouhu_kit.service import ServiceDefinition


def consumers(_settings: PairingSettings) -> list[ConsumerSpec]:
    """What the pairing worker consumes: the children and the kit's copy of the org tree."""
    return [
        ConsumerSpec(
            name="children",
            topics=["registry.children"],
            handlers=CHILD_EVENTS.handlers,
        ),
        org_tree_consumer(TREE),
    ]


SERVICE = ServiceDefinition(
    settings=PairingSettings,
    title="守护 · 结对服务 / Shouhu pairing",
    description="结对帮扶。Pairing helpers with children.",
    metadata=Base.metadata,
    migrations=Path(__file__).resolve().parent / "migrations",
    routers=[router, suggestions.router],
    consumers=consumers,
)
