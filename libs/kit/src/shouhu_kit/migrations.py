"""Alembic migrations per service: one generic env, each service's own versions folder, and the kit's.

Each service's history has two branches: the kit's (label "kit", the tables every service has) and
its own (labelled with the service's name), whose first revision depends on the kit's first.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Engine, MetaData, inspect
from sqlalchemy.engine import Connection


class SchemaOutOfDate(RuntimeError):
    """The database was created by an older version of the code."""


KIT_VERSIONS = Path(__file__).resolve().parent / "kit_migrations"


def alembic_config(script_location: Path, connection: Connection, metadata: MetaData) -> Config:
    """Alembic's configuration of a service's history (its own versions and the kit's) on a connection."""
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option(
        "version_locations", os.pathsep.join([str(script_location / "versions"), str(KIT_VERSIONS)])
    )
    cfg.attributes["connection"] = connection
    cfg.attributes["metadata"] = metadata
    return cfg


def upgrade(engine: Engine, metadata: MetaData, script_location: Path) -> None:
    """Bring the database to the newest revision (idempotent; safe for two processes at start-up)."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # Two processes starting together must not both run the same migration.
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7428351)")
        tables = set(inspect(conn).get_table_names())
        if "alembic_version" not in tables and tables & set(metadata.tables):
            raise SchemaOutOfDate(
                "the database has tables but no migration history (made before migrations existed); "
                "for the local run remove .local/run/data (make clean), elsewhere stamp or rebuild it"
            )
        command.upgrade(alembic_config(script_location, conn, metadata), "heads")


def pending_changes(engine: Engine, metadata: MetaData) -> list[Any]:
    """Differences between the migrated database and the models (empty when a migration is not missing)."""
    with engine.connect() as conn:
        return list(compare_metadata(MigrationContext.configure(conn), metadata))


def revision(engine: Engine, metadata: MetaData, script_location: Path, message: str, *, branch: str) -> None:
    """Autogenerate the next revision of a branch (a service's name, or "kit") against a database at head."""
    with engine.begin() as conn:
        cfg = alembic_config(script_location, conn, metadata)
        command.revision(cfg, message=message, autogenerate=True, head=f"{branch}@head")


def run_env() -> None:
    """The body of every service's migrations/env.py (online mode, connection given by the caller)."""
    connection: Connection = context.config.attributes["connection"]
    metadata: MetaData = context.config.attributes["metadata"]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
