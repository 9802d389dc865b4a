"""Alembic migrations per service: one generic env, each service's own versions folder."""

from __future__ import annotations

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


def _config(script_location: Path, connection: Connection, metadata: MetaData) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
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
        command.upgrade(_config(script_location, conn, metadata), "head")


def pending_changes(engine: Engine, metadata: MetaData) -> list[Any]:
    """Differences between the migrated database and the models (empty when a migration is not missing)."""
    with engine.connect() as conn:
        return list(compare_metadata(MigrationContext.configure(conn), metadata))


def revision(engine: Engine, metadata: MetaData, script_location: Path, message: str) -> None:
    """Autogenerate a new revision from the models against a database at head."""
    with engine.begin() as conn:
        command.revision(_config(script_location, conn, metadata), message=message, autogenerate=True)


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
