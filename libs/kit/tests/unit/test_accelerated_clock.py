"""The demonstration's accelerated clock: virtual time, shared epochs, refused in prod, wired by the kit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData

from shouhu_kit.broker import InMemoryBroker
from shouhu_kit.clock import AcceleratedClock, Clock, FakeClock, SystemClock, clock_speed
from shouhu_kit.metrics import Metrics
from shouhu_kit.scheduler import MIN_WALL_TICK_SECONDS, JobResult, ScheduledJob, Scheduler
from shouhu_kit.service import ServiceDefinition
from shouhu_kit.settings import ServiceSettings
from shouhu_testkit.wiring import in_memory_adapters

pytestmark = pytest.mark.unit

WALL = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
START = datetime(2027, 3, 1, 0, 0, tzinfo=UTC)


class DemoSettings(ServiceSettings):
    service = "demo"


def test_virtual_time_runs_speed_times_as_fast_from_the_start() -> None:
    wall = FakeClock(WALL)
    clock = AcceleratedClock(epoch_wall=WALL, epoch_virtual=START, speed=2880, wall=wall.now)
    assert clock.now() == START
    wall.advance(timedelta(minutes=15))
    assert clock.now() == START + timedelta(days=30)  # a month in a quarter of an hour
    assert clock.now().tzinfo is UTC
    assert clock_speed(clock) == 2880
    assert clock_speed(SystemClock()) == 1


def test_two_processes_on_the_same_epochs_agree() -> None:
    wall = FakeClock(WALL + timedelta(minutes=3))  # the second process started three minutes later
    first = AcceleratedClock(epoch_wall=WALL, epoch_virtual=START, speed=60, wall=wall.now)
    second = AcceleratedClock(epoch_wall=WALL, epoch_virtual=START, speed=60, wall=wall.now)
    assert first.now() == second.now() == START + timedelta(hours=3)


def test_a_naive_epoch_or_a_speed_of_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        AcceleratedClock(epoch_wall=WALL.replace(tzinfo=None), epoch_virtual=START, speed=2)
    with pytest.raises(ValueError, match="speed"):
        AcceleratedClock(epoch_wall=WALL, epoch_virtual=START, speed=0)


@pytest.mark.parametrize(
    ("setting", "value"),
    [("clock_speed", 2880), ("clock_start", START), ("clock_epoch", WALL)],
)
def test_prod_refuses_a_shifted_clock_naming_the_setting(setting: str, value: object) -> None:
    prod = {"env": "prod", "jwt_secret": "s" * 40, "database_url": "postgresql+psycopg://a@b/c"}
    with pytest.raises(ValueError, match=setting):
        DemoSettings(**prod, **{setting: value})  # type: ignore[arg-type]
    assert DemoSettings(**prod).clock_speed == 1  # type: ignore[arg-type]


def test_the_settings_read_the_shared_epoch_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOUHU_CLOCK_SPEED", "2880")
    monkeypatch.setenv("SHOUHU_CLOCK_EPOCH", "2026-12-01T08:00:00+00:00")
    s = DemoSettings(env="dev")  # type: ignore[arg-type]
    assert s.clock_shifted
    assert s.virtual_epoch(WALL + timedelta(hours=1)) == (WALL, WALL)  # no start: virtual begins at the epoch
    with pytest.raises(ValueError, match="clock_start"):
        DemoSettings(env="dev", clock_start="2027-03-01T00:00:00")  # type: ignore[arg-type]  # naive


def _definition() -> ServiceDefinition[DemoSettings]:
    return ServiceDefinition(
        settings=DemoSettings, title="demo", description="", metadata=MetaData(), migrations=Path("/none")
    )


@pytest.mark.parametrize("process", ["api", "worker"])
def test_the_service_processes_run_on_the_accelerated_clock(tmp_path: Path, process: str) -> None:
    url = f"sqlite:///{tmp_path}/demo.db"
    shifted = DemoSettings(env="dev", database_url=url, clock_speed=2880, clock_start=START, clock_epoch=WALL)  # type: ignore[arg-type]
    build = getattr(_definition(), process)
    app = build(shifted, in_memory_adapters(InMemoryBroker()))
    clock = app.state.runtime.clock
    assert isinstance(clock, AcceleratedClock)
    assert (clock.epoch_wall, clock.epoch_virtual, clock.speed) == (WALL, START, 2880)
    assert clock.now() > START + timedelta(days=30)  # months of virtual time since the 2026 epoch
    plain = build(DemoSettings(env="dev", database_url=url), in_memory_adapters(InMemoryBroker()))  # type: ignore[arg-type]
    assert isinstance(plain.state.runtime.clock, SystemClock)
    start_only = DemoSettings(env="dev", database_url=url, clock_start=START)  # type: ignore[arg-type]
    shifted_app = build(start_only, in_memory_adapters(InMemoryBroker()))
    assert isinstance(shifted_app.state.runtime.clock, AcceleratedClock)  # shifted, at the real pace
    assert abs(shifted_app.state.runtime.clock.now() - START) < timedelta(minutes=1)


def test_the_scheduler_ticks_in_wall_time_without_spinning() -> None:
    def nothing(_uow: object) -> JobResult:
        return JobResult()

    jobs = [ScheduledJob(name="often", every=timedelta(minutes=1), run=nothing)]

    def tick(clock: Clock) -> float:
        db: Any = None  # the tick needs neither a database nor units of work
        s = Scheduler(db=db, jobs=jobs, uow=db, clock=clock, metrics=Metrics(service="t"), tick_seconds=1.0)
        return s.wall_tick_seconds

    assert tick(SystemClock()) == 1.0
    fast = AcceleratedClock(epoch_wall=WALL, epoch_virtual=WALL, speed=2880)
    assert tick(fast) == MIN_WALL_TICK_SECONDS  # due every 21 ms of wall time: capped, not spinning
    brisk = AcceleratedClock(epoch_wall=WALL, epoch_virtual=WALL, speed=120)
    assert tick(brisk) == pytest.approx(0.5)  # 60 virtual seconds at 120× is half a wall second
