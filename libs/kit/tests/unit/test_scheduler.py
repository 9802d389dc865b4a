"""Scheduled jobs: each due run happens once, also with two replicas; failures are recorded."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import MetaData

from shouhu_kit.auth import Role
from shouhu_kit.clock import FakeClock
from shouhu_kit.db import Database
from shouhu_kit.metrics import Metrics
from shouhu_kit.runtime import Runtime
from shouhu_kit.scheduler import JobResult, ScheduledJob, Scheduler, job_statuses
from shouhu_kit.settings import ServiceSettings
from shouhu_kit.uow import UnitOfWork
from shouhu_testkit.wiring import bearer, in_memory_adapters

pytestmark = pytest.mark.unit


class DemoSettings(ServiceSettings):
    service = "demo"


@pytest.fixture
def db(db_urls: Callable[[], str]) -> Iterator[Database]:
    database = Database(url=db_urls(), metadata=MetaData())
    database.create_schema()
    yield database
    database.dispose()


def _recording(into: list[object]) -> Callable[[UnitOfWork], JobResult]:
    def run(uow: UnitOfWork) -> JobResult:
        into.append(uow.now())
        return JobResult(handled=1)

    return run


def _scheduler(db: Database, clock: FakeClock, jobs: list[ScheduledJob]) -> Scheduler:
    def uow() -> UnitOfWork:
        return UnitOfWork(db=db, clock=clock, source="/shouhu/demo")

    return Scheduler(db=db, jobs=jobs, uow=uow, clock=clock, metrics=Metrics(service="demo"))


def test_a_job_runs_when_due_and_not_again_before_its_cadence(db: Database) -> None:
    clock, ran = FakeClock(), list[object]()
    job = ScheduledJob(name="daily", every=timedelta(days=1), run=_recording(ran))
    s = _scheduler(db, clock, [job])
    s.register()
    assert s.run_due() == 1
    assert s.run_due() == 0
    clock.advance(timedelta(hours=23))
    assert s.run_due() == 0
    clock.advance(timedelta(hours=1))
    assert s.run_due() == 1
    assert len(ran) == 2
    [status] = job_statuses(db)
    assert (status.name, status.runs, status.last_error) == ("daily", 2, "")


def test_two_replicas_run_each_due_run_once(db: Database) -> None:
    clock, ran = FakeClock(), list[object]()
    job = ScheduledJob(name="tick", every=timedelta(minutes=5), run=_recording(ran))
    first, second = _scheduler(db, clock, [job]), _scheduler(db, clock, [job])
    first.register()
    second.register()
    for _ in range(3):
        assert first.run_due() + second.run_due() == 1
        clock.advance(timedelta(minutes=5))
    assert len(ran) == 3


def test_a_job_with_more_due_runs_again_at_the_next_tick(db: Database) -> None:
    clock, left = FakeClock(), [250]

    def drain(_uow: UnitOfWork) -> JobResult:
        take = min(100, left[0])
        left[0] -= take
        return JobResult(handled=take, more=left[0] > 0, note=f"{take} handled")

    s = _scheduler(db, clock, [ScheduledJob(name="drain", every=timedelta(hours=1), run=drain)])
    s.register()
    assert [s.run_due() for _ in range(4)] == [1, 1, 1, 0]
    assert left == [0]
    assert job_statuses(db)[0].last_note == "50 handled"


def test_a_failing_job_is_recorded_rolled_back_and_tried_at_its_next_run(db: Database) -> None:
    clock = FakeClock()

    def boom(uow: UnitOfWork) -> JobResult:
        uow.session.execute(db.tables.scheduled_jobs.delete())  # would be lost: rolled back
        raise RuntimeError("nope")

    s = _scheduler(db, clock, [ScheduledJob(name="boom", every=timedelta(minutes=1), run=boom)])
    s.register()
    assert s.run_due() == 1
    [status] = job_statuses(db)
    assert (status.runs, status.last_error) == (1, "RuntimeError")
    clock.advance(timedelta(minutes=1))
    assert s.run_due() == 1


def test_the_ops_endpoint_shows_each_jobs_last_run(tmp_path: Path) -> None:
    settings = DemoSettings(database_url=f"sqlite:///{tmp_path}/demo.db", env="test")  # type: ignore[arg-type]
    clock = FakeClock()
    from shouhu_kit.broker import InMemoryBroker

    rt = Runtime.build(
        settings=settings, metadata=MetaData(), broker=in_memory_adapters(InMemoryBroker()), clock=clock
    )
    app = rt.api_app(title="demo", routers=[])
    with TestClient(app) as client:
        s = rt.scheduler([ScheduledJob(name="nightly", every=timedelta(days=1), run=lambda _u: JobResult(7))])
        s.register()
        s.run_due()
        ops = bearer(secret=settings.jwt_secret, role=Role.OPS, org_id=uuid.uuid4())
        got = client.get("/v1/ops/jobs", headers=ops)
        assert got.status_code == 200, got.text
        assert [(j["name"], j["last_handled"], j["runs"]) for j in got.json()] == [("nightly", 7, 1)]
        teacher = bearer(secret=settings.jwt_secret, role=Role.TEACHER, org_id=uuid.uuid4())
        assert client.get("/v1/ops/jobs", headers=teacher).status_code == 403
        assert client.get("/v1/ops/jobs").status_code == 401
