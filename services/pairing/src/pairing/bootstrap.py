"""The pairing service, declared: what it has, from which the kit builds its processes."""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from pathlib import Path

from pairing.adapters.orm import TREE, Base
from pairing.config import PairingSettings
from pairing.entrypoints.api import contacts, me, suggestions
from pairing.entrypoints.api import helpers as helper_routes
from pairing.entrypoints.api import pairings as pairing_routes
from pairing.entrypoints.api.routes import router
from pairing.service_layer.handlers import CHILD_EVENTS, RISK_EVENTS
from pairing.service_layer.obligation_windows import close_due_windows
from shouhu_kit.org.events import org_tree_consumer
from shouhu_kit.runtime import ConsumerSpec
from shouhu_kit.scheduler import ScheduledJob
from shouhu_kit.service import ServiceDefinition


def consumers(_settings: PairingSettings) -> list[ConsumerSpec]:
    """What the pairing worker consumes: the children and the kit's copy of the org tree."""
    return [
        ConsumerSpec(
            name="children",
            topics=["registry.children"],
            handlers=CHILD_EVENTS.handlers,
        ),
        ConsumerSpec(name="risk", topics=["alerts.risk"], handlers=RISK_EVENTS.handlers),
        org_tree_consumer(TREE),
    ]


def jobs(settings: PairingSettings) -> list[ScheduledJob]:
    """What the pairing worker runs on its clock: closing the obligation windows that fell due."""
    return [
        ScheduledJob(
            name="close_obligation_windows",
            every=timedelta(seconds=settings.obligation_close_every_seconds),
            run=partial(close_due_windows, batch=settings.obligation_close_batch),
            description="关闭到期的联系义务周期，未完成的发布逾期事件 / close due obligation windows",
        )
    ]


SERVICE = ServiceDefinition(
    settings=PairingSettings,
    title="守护 · 结对服务 / Shouhu pairing",
    description="结对帮扶。Pairing helpers with children.",
    metadata=Base.metadata,
    migrations=Path(__file__).resolve().parent / "migrations",
    routers=[
        router,
        helper_routes.router,
        pairing_routes.router,
        suggestions.router,
        contacts.router,
        me.router,
    ],
    consumers=consumers,
    jobs=jobs,
)
