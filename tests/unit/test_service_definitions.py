"""Each service is one declaration; the kit builds its processes and its database the same way."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from shouhu_kit.service import ServiceDefinition

pytestmark = pytest.mark.unit
SERVICES = ["registry", "pairing", "alerts", "reporting"]


@pytest.mark.parametrize("service", SERVICES)
def test_bootstrap_is_a_declaration_and_the_command_line_is_the_kits(service: str) -> None:
    bootstrap = importlib.import_module(f"{service}.bootstrap")
    main = importlib.import_module(f"{service}.__main__")
    assert isinstance(bootstrap.SERVICE, ServiceDefinition)
    assert bootstrap.SERVICE.name == service
    assert main.main == bootstrap.SERVICE.main


@pytest.mark.parametrize("service", SERVICES)
def test_init_db_builds_the_kit_step_and_the_services_own(service: str, tmp_path: Path) -> None:
    env = {"SHOUHU_ENV": "dev", "SHOUHU_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", service, "init-db"], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    engine = create_engine(f"sqlite:///{tmp_path}/{service}.db")
    with engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        heads = {r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))}
    engine.dispose()
    assert {"outbox", "processed_events", "scheduled_jobs"} <= tables
    assert heads, "the migration history is recorded"


def test_a_process_without_an_environment_refuses_to_start(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pairing", "init-db"],
        env={"SHOUHU_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "SHOUHU_ENV" in done.stderr
