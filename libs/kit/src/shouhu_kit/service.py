"""A service's declaration of what it has, from which the kit builds its API and worker processes.

Each service's bootstrap.py is one `ServiceDefinition`: settings, tables and migrations, API routers,
consumers, scheduled jobs. The kit builds the rest the same way for every service, so a service's
own code is only its domain.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from fastapi import APIRouter, FastAPI
from sqlalchemy import MetaData

from shouhu_kit.cli import ServiceCommand, run_service
from shouhu_kit.clock import Clock
from shouhu_kit.runtime import BrokerAdapters, ConsumerSpec, Runtime
from shouhu_kit.scheduler import ScheduledJob
from shouhu_kit.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)


def _nothing(_settings: ServiceSettings) -> Sequence[object]:
    return ()


@dataclass(frozen=True)
class ServiceDefinition(Generic[S]):
    """What one service has: the kit turns it into processes."""

    settings: type[S]
    title: str
    description: str
    metadata: MetaData
    migrations: Path
    routers: Sequence[APIRouter] = ()
    consumers: Callable[[S], Sequence[ConsumerSpec]] = field(default=_nothing)  # type: ignore[assignment]
    jobs: Callable[[S], Sequence[ScheduledJob]] = field(default=_nothing)  # type: ignore[assignment]
    # Commands of the service's own beside the kit's (`shouhu-reporting rebuild`), by name.
    commands: Mapping[str, ServiceCommand[S]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The service's name, as its settings say (registry, pairing, alerts, reporting)."""
        return self.settings.service

    def runtime(
        self, settings: S, broker: BrokerAdapters | None = None, clock: Clock | None = None
    ) -> Runtime:
        """The process wiring on these settings; tests pass fakes for the broker and clock."""
        return Runtime.build(
            settings=settings, metadata=self.metadata, migrations=self.migrations, broker=broker, clock=clock
        )

    def api(self, settings: S, broker: BrokerAdapters | None = None, clock: Clock | None = None) -> FastAPI:
        """The HTTP API process."""
        return self.runtime(settings, broker, clock).api_app(
            title=self.title, routers=self.routers, description=self.description
        )

    def worker(
        self, settings: S, broker: BrokerAdapters | None = None, clock: Clock | None = None
    ) -> FastAPI:
        """The worker process: outbox relay, consumers and scheduled jobs."""
        return self.runtime(settings, broker, clock).worker_app(
            title=f"{self.title} worker",
            consumers=self.consumers(settings),
            jobs=self.jobs(settings),
        )

    def init_db(self, settings: S) -> None:
        """Migrate the database to the newest revision."""
        rt = self.runtime(settings)
        try:
            rt.db.create_schema()
        finally:
            rt.db.dispose()

    def main(self, argv: list[str] | None = None) -> int:
        """The service's command line (`shouhu-<name> api|worker|init-db|dev-token|replay-dead-letters|…`)."""
        return run_service(
            settings_cls=self.settings,
            build_api=self.api,  # type: ignore[arg-type]
            build_worker=self.worker,  # type: ignore[arg-type]
            init_db=self.init_db,  # type: ignore[arg-type]
            argv=argv,
            commands=self.commands,
        )
