"""The four APIs in-process for the fuzzer: each on a fresh SQLite file, seeded, with tokens of several roles.

The registry is seeded through its own API (an org tree and a child); the other three services
get the events that seeding wrote to the registry's outbox, applied by their own consumer
handlers, so every service holds the same ids and a fuzzed request can name a real record.
"""

from __future__ import annotations

import importlib
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis.configuration import set_hypothesis_home_dir
from schemathesis.python import asgi
from sqlalchemy import event, select

from alerts.config import AlertsSettings
from pairing.config import PairingSettings
from registry.config import RegistrySettings
from reporting.config import ReportingSettings
from shouhu_contracts.catalogue import decode_event
from shouhu_contracts.envelope import encode_event, new_event
from shouhu_contracts.pairing.v1 import PairingCreated
from shouhu_kit.auth import Role
from shouhu_kit.broker import InMemoryBroker
from shouhu_kit.runtime import ConsumerSpec
from shouhu_kit.settings import ServiceSettings
from shouhu_kit.uow import UnitOfWork
from shouhu_testkit.wiring import bearer, in_memory_adapters

SERVICES = ("registry", "pairing", "alerts", "reporting")
TERMS = ("2024-2025-2", "2025-2026-1")


@dataclass
class Seed:
    """Ids of what seeding made: the org tree, a child, and what the other services derived from it."""

    units: dict[str, uuid.UUID]
    child: uuid.UUID
    events: list[bytes]
    tasks: list[uuid.UUID] = field(default_factory=list)

    def ids(self, name: str) -> list[Any]:
        """Real values for a parameter of this name (empty when it names nothing seeded)."""
        if name in ("unit_id", "parent_id", "org_id"):
            return list(self.units.values())
        if name == "class_id":
            return [self.units["class"]]
        if name == "child_id":
            return [self.child]
        if name == "task_id":
            return list(self.tasks)
        if name == "term":
            return list(TERMS)
        return []


@dataclass
class Target:
    """One service's API under fuzzing: the app, a client that keeps its lifespan, and the seed."""

    service: str
    app: Any
    client: asgi.ASGIClient
    secret: str
    seed: Seed


@dataclass(frozen=True)
class Caller:
    """A role the fuzzer calls as; `org` names the seeded unit its token is scoped to.

    `examples` is the fuzzing budget per operation; `coverage` adds schemathesis' boundary-value
    phase, which only pays for callers whose requests get past the role check.
    """

    name: str
    role: Role | None
    org: str | None = None
    examples: int = 5
    coverage: bool = False

    def headers(self, target: Target) -> dict[str, str]:
        """The Authorization header of this caller (none for the anonymous one)."""
        if self.role is None:
            return {}
        org = target.seed.units[self.org] if self.org else None
        return bearer(secret=target.secret, role=self.role, org_id=org, subject=f"fuzz-{self.name}")


# The anonymous and the barely-entitled first: the admin, who changes the most, goes last.
CALLERS = (
    Caller("anonymous", None),
    Caller("ops", Role.OPS, "city"),
    Caller("helper", Role.HELPER, "township"),
    Caller("teacher", Role.TEACHER, "school", examples=20),
    Caller("city_admin", Role.CITY_ADMIN, "city", examples=20),
    Caller("admin", Role.ADMIN, examples=60, coverage=True),
)


@dataclass
class Tally:
    """What the fuzzer did, for the summary at the end of the run."""

    cases: Counter[tuple[str, str]] = field(default_factory=Counter)
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    operations: dict[str, set[str]] = field(default_factory=dict)

    def record(self, *, service: str, caller: str, operation: str, status: int) -> None:
        """Count one case."""
        self.cases[(service, caller)] += 1
        self.statuses[(service, status // 100 * 100)] += 1
        self.operations.setdefault(service, set()).add(operation)


TALLY = Tally()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Operations × roles and cases run, per service."""
    if not TALLY.cases:
        return
    terminalreporter.section("API fuzz (schemathesis)")
    for service in SERVICES:
        ops = len(TALLY.operations.get(service, ()))
        callers = sorted({c for s, c in TALLY.cases if s == service})
        total = sum(n for (s, _), n in TALLY.cases.items() if s == service)
        statuses = ", ".join(
            f"{code // 100}xx {n}" for (s, code), n in sorted(TALLY.statuses.items()) if s == service
        )
        if total:
            terminalreporter.write_line(
                f"{service:9} {ops:3} operations × {len(callers)} roles: {total:6} cases ({statuses})"
            )


def _wiring(service: str) -> tuple[Any, type[ServiceSettings]]:
    """The service's bootstrap module and settings class."""
    boot = importlib.import_module(f"{service}.bootstrap")
    classes: dict[str, type[ServiceSettings]] = {
        "registry": RegistrySettings,
        "pairing": PairingSettings,
        "alerts": AlertsSettings,
        "reporting": ReportingSettings,
    }
    return boot, classes[service]


def _consumers(service: str, settings: ServiceSettings) -> Sequence[ConsumerSpec]:
    """What the service's worker consumes (alerts builds its specs from its settings)."""
    boot, _ = _wiring(service)
    return boot.SERVICE.consumers(settings)  # type: ignore[no-any-return]


def _strings(parameters: Any) -> Iterator[str]:
    if isinstance(parameters, str):
        yield parameters
    elif isinstance(parameters, dict):
        for value in parameters.values():
            yield from _strings(value)
    elif isinstance(parameters, list | tuple):
        for value in parameters:
            yield from _strings(value)


def _refuse_nul_like_postgresql(engine: Any) -> None:
    """SQLite stores NUL (0x00) in text, PostgreSQL refuses it: fail here too, so the fuzzer sees it."""

    @event.listens_for(engine, "before_cursor_execute")
    def _check(_conn: Any, _cursor: Any, _statement: str, parameters: Any, *_args: Any) -> None:
        if any("\x00" in value for value in _strings(parameters)):
            raise ValueError("PostgreSQL refuses NUL (0x00) in text")


def _start(service: str, path: Path) -> tuple[Any, asgi.ASGIClient, ServiceSettings]:
    """The API as bootstrap builds it, on a fresh SQLite file and the in-memory broker, started."""
    boot, settings_class = _wiring(service)
    settings = settings_class(database_url=f"sqlite:///{path}/{service}.db", env="test")  # type: ignore[arg-type]
    app = boot.SERVICE.api(settings, in_memory_adapters(InMemoryBroker()))
    _refuse_nul_like_postgresql(app.state.runtime.db.engine)
    client = asgi.get_client(app)
    client.__enter__()  # starts the lifespan, which migrates the database
    return app, client, settings


def _post(client: asgi.ASGIClient, headers: dict[str, str], path: str, body: dict[str, Any]) -> Any:
    r = client.post(path, json=body, headers=headers)
    assert r.status_code in (200, 201), f"seeding {path}: {r.status_code} {r.text}"
    return r.json()


def _seed_registry(client: asgi.ASGIClient, secret: str) -> Seed:
    """An org tree city→district→township→village/school→class, a child, two term results."""
    admin = bearer(secret=secret, role=Role.ADMIN)
    units: dict[str, uuid.UUID] = {}
    for kind, parent in (
        ("city", None),
        ("district", "city"),
        ("township", "district"),
        ("village", "township"),
        ("school", "township"),
        ("class", "school"),
    ):
        parent_id = str(units[parent]) if parent else None
        body = {"kind": kind, "code": f"F-{kind}", "name": f"种子{kind}", "parent_id": parent_id}
        units[kind] = uuid.UUID(_post(client, admin, "/v1/org-units", body)["id"])
    child = _post(
        client,
        admin,
        "/v1/children",
        {
            "name": "王小明",
            "gender": "男",
            "birth_date": "2016-03-01",
            "left_behind_type": "父母双方外出",
            "class_id": str(units["class"]),
            "home_village_id": str(units["village"]),
            "father": {"name": "王大力", "phone": "13900000001", "work_city": "深圳"},
            "guardian": {"name": "王奶奶", "relation": "祖母", "phone": "13800138000", "rating": "好"},
        },
    )
    child_id = uuid.UUID(child["id"])
    # A big drop between consecutive terms: alerts opens a follow-up task for it.
    for term, total, rank in ((TERMS[0], 300, 3), (TERMS[1], 200, 25)):
        r = client.put(
            f"/v1/children/{child_id}/term-results/{term}",
            json={"total_score": total, "class_rank": rank, "class_size": 40},
            headers=admin,
        )
        assert r.status_code in (200, 201), r.text
    return Seed(units=units, child=child_id, events=[])


def _pairing(child: uuid.UUID, *, helper_account: str) -> bytes:
    """The seeded child paired with the fuzzing helper, as pairing publishes it: helpers reach the child."""
    data = PairingCreated.example().model_copy(update={"child_id": child, "helper_account": helper_account})
    return encode_event(
        new_event(event_id=uuid.uuid4(), source="/shouhu/pairing", time=data.created_at, data=data)
    )


def _outbox(app: Any) -> list[bytes]:
    db = app.state.runtime.db
    outbox = db.tables.outbox
    with db.engine.connect() as conn:
        return [row.payload.encode() for row in conn.execute(select(outbox.c.payload).order_by(outbox.c.seq))]


def _apply(app: Any, specs: Sequence[ConsumerSpec], events: Sequence[bytes]) -> None:
    """Each event through the service's own handlers, one transaction each, as its worker would."""
    runtime = app.state.runtime
    handlers = {t: h for spec in specs for t, h in spec.handlers.items()}
    for raw in events:
        event = decode_event(raw)
        handler = handlers.get(event.type)
        if handler is None:
            continue
        with UnitOfWork(db=runtime.db, clock=runtime.clock, source=runtime.settings.source) as uow:
            handler(uow, event)
            uow.commit()


@pytest.fixture(scope="session", autouse=True)
def _hypothesis_home_in_tmp(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Hypothesis caches constants and Unicode tables in ./.hypothesis: keep them out of the repo."""
    set_hypothesis_home_dir(tmp_path_factory.mktemp("hypothesis"))


@pytest.fixture(scope="session")
def registry_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """The registry, seeded through its API; its outbox holds what the other services consume."""
    app, client, settings = _start("registry", tmp_path_factory.mktemp("fuzz-registry"))
    seed = _seed_registry(client, settings.jwt_secret)
    seed.events = _outbox(app)
    _apply(app, _consumers("registry", settings), [_pairing(seed.child, helper_account="fuzz-helper")])
    yield Target("registry", app, client, settings.jwt_secret, seed)
    _stop(app, client)


def _stop(app: Any, client: asgi.ASGIClient) -> None:
    client.__exit__(None, None, None)
    asgi.shutdown_lifespans()
    app.state.runtime.db.dispose()


@pytest.fixture(scope="module", params=SERVICES)
def fuzz_target(
    request: pytest.FixtureRequest, registry_target: Target, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Target]:
    """One service's API, seeded, alive for all the roles fuzzing it."""
    service: str = request.param
    if service == "registry":
        yield registry_target
        return
    app, client, settings = _start(service, tmp_path_factory.mktemp(f"fuzz-{service}"))
    _apply(app, _consumers(service, settings), registry_target.seed.events)
    seed = Seed(units=registry_target.seed.units, child=registry_target.seed.child, events=[])
    if service == "alerts":
        from alerts.adapters.orm import FollowUpTask

        with app.state.runtime.db.sessions() as s:
            seed.tasks = list(s.scalars(select(FollowUpTask.id)))
        assert seed.tasks, "the seeded grade drop opens a follow-up task"
    yield Target(service, app, client, settings.jwt_secret, seed)
    _stop(app, client)


@pytest.fixture(scope="session")
def fuzz_tally() -> Tally:
    """Where the test counts its cases, for the summary."""
    return TALLY


@pytest.fixture(params=CALLERS, ids=[c.name for c in CALLERS])
def caller(request: pytest.FixtureRequest) -> Caller:
    """Who calls: each role fuzzes every operation."""
    return request.param  # type: ignore[no-any-return]
