"""Test infrastructure: a real Kafka broker and a real PostgreSQL for integration and e2e tests.

Each comes from, in order: the environment (KAFKA_BOOTSTRAP_SERVERS, DATABASE_URL); containers
via testcontainers where a Docker engine answers; else the project's own deploy/local scripts.
Nothing starts unless a test asks for it, so the unit layer needs no network.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import cast

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent
LOCAL = ROOT / "deploy" / "local"

# Settings have no default environment (production must be said); the tests say theirs.
os.environ.setdefault("SHOUHU_ENV", "test")


def docker_engine_answers() -> bool:
    """True only when a Docker engine really answers (the CLI alone is not enough)."""
    try:
        import docker

        client = docker.from_env(timeout=3)
        return bool(client.ping())
    except Exception:
        return False


def _local(script: str) -> None:
    result = subprocess.run(
        ["bash", str(LOCAL / script), "start"], capture_output=True, text=True, timeout=600, check=False
    )
    if result.returncode != 0:
        pytest.exit(f"{script} start failed:\n{result.stdout}\n{result.stderr}", returncode=3)


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """A reachable Kafka bootstrap address."""
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield os.environ["KAFKA_BOOTSTRAP_SERVERS"]
    elif docker_engine_answers():
        from testcontainers.kafka import KafkaContainer

        with KafkaContainer().with_kraft() as kafka:
            yield kafka.get_bootstrap_server()
    else:
        _local("kafka.sh")
        yield f"127.0.0.1:{os.environ.get('SHOUHU_KAFKA_PORT', '19092')}"


@pytest.fixture(scope="session")
def pg_base_url() -> Iterator[str]:
    """A PostgreSQL database URL whose user may create schemas."""
    if os.environ.get("DATABASE_URL"):
        yield os.environ["DATABASE_URL"]
    elif docker_engine_answers():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16", driver="psycopg") as pg:
            yield pg.get_connection_url()
    else:
        _local("postgres.sh")
        port = os.environ.get("SHOUHU_PG_PORT", "15432")
        yield f"postgresql+psycopg://shouhu:shouhu@127.0.0.1:{port}/shouhu_test"


@pytest.fixture
def pg_schemas(pg_base_url: str) -> Iterator[Callable[[], str]]:
    """Make fresh schemas (one per service database), isolated and dropped after the test."""
    admin = create_engine(pg_base_url)
    made: list[str] = []

    def new_schema_url() -> str:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        made.append(schema)
        url = make_url(pg_base_url).update_query_dict({"options": f"-csearch_path={schema}"})
        return url.render_as_string(hide_password=False)

    yield new_schema_url
    with admin.begin() as conn:
        for schema in made:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def pg_url(pg_schemas: Callable[[], str]) -> str:
    """A fresh schema for this test."""
    return pg_schemas()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.integration)])
def db_urls(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], str]:
    """Fresh databases: SQLite files in tmp_path (unit), schemas on the real PostgreSQL (integration).

    A test using it runs twice, once per backend, so SQLite and PostgreSQL keep the same behaviour.
    """
    if request.param == "postgres":
        return cast(Callable[[], str], request.getfixturevalue("pg_schemas"))
    names = iter(range(1000))
    return lambda: f"sqlite:///{tmp_path}/db{next(names)}.db"


@pytest.fixture
def topic_prefix() -> str:
    """Topics and groups of their own for each test, on the shared broker."""
    return f"t{uuid.uuid4().hex[:10]}."
