"""Database: engine, sessions and the kit's own tables (outbox, processed events, scheduled jobs).

The kit's tables are created by the kit's own migration step (shouhu_kit/kit_migrations), which
every service's migration history depends on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    create_engine,
    event,
    inspect,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session, sessionmaker

from shouhu_kit.migrations import SchemaOutOfDate, upgrade


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on PostgreSQL and SQLite alike (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value


@dataclass(frozen=True)
class KitTables:
    """The kit's tables, defined inside each service's own metadata."""

    outbox: Table
    processed_events: Table
    scheduled_jobs: Table


def attach_kit_tables(metadata: MetaData) -> KitTables:
    """Add the outbox and processed-events tables to a service's metadata (once)."""
    if "outbox" in metadata.tables:
        t = metadata.tables
        return KitTables(t["outbox"], t["processed_events"], t["scheduled_jobs"])
    outbox = Table(
        "outbox",
        metadata,
        Column("seq", Integer, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("topic", String(200), nullable=False),
        Column("event_key", String(200), nullable=False),
        Column("event_type", String(200), nullable=False),
        Column("payload", Text, nullable=False),
        Column("created_at", UTCDateTime, nullable=False),
        Column("published_at", UTCDateTime, nullable=True),
    )
    # The relay reads only unpublished rows: a partial index keeps that read small.
    Index(
        "ix_outbox_unpublished",
        outbox.c.seq,
        postgresql_where=outbox.c.published_at.is_(None),
        sqlite_where=outbox.c.published_at.is_(None),
    )
    processed = Table(
        "processed_events",
        metadata,
        Column("consumer_group", String(200), primary_key=True),
        Column("event_id", String(36), primary_key=True),
        Column("event_type", String(200), nullable=False),
        Column("processed_at", UTCDateTime, nullable=False),
    )
    jobs = Table(
        "scheduled_jobs",
        metadata,
        Column("name", String(100), primary_key=True),
        Column("next_run_at", UTCDateTime, nullable=False),
        Column("last_started_at", UTCDateTime, nullable=True),
        Column("last_finished_at", UTCDateTime, nullable=True),
        Column("last_owner", String(200), nullable=True),
        Column("last_handled", Integer, nullable=True),
        Column("last_note", Text, nullable=True),
        Column("last_error", Text, nullable=True),
        Column("runs", Integer, nullable=False, default=0),
    )
    return KitTables(outbox, processed, jobs)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine; SQLite gets WAL, a busy timeout and foreign keys so two processes can share it."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL never corrupts the file; a power cut (not a process crash) may lose the
            # last commits. Without it every commit waits on fsync, which halved the local run's writes.
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10, **kwargs)


class Database:
    """One service's database: engine, sessions and the kit tables."""

    def __init__(
        self, *, url: str, metadata: MetaData, migrations: Path | None = None, **engine_kwargs: Any
    ) -> None:
        self.metadata = metadata
        self.migrations = migrations
        self.tables = attach_kit_tables(metadata)
        self.engine = make_engine(url, **engine_kwargs)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_postgres(self) -> bool:
        """True on PostgreSQL (row locks with SKIP LOCKED are available)."""
        return self.engine.dialect.name == "postgresql"

    def create_schema(self) -> None:
        """Migrate (or, without migrations, create missing tables); refuse tables older than the code."""
        if self.migrations is not None:
            upgrade(self.engine, self.metadata, self.migrations)
        else:
            self.metadata.create_all(self.engine, checkfirst=True)
        missing = self.missing_columns()
        if missing:
            raise SchemaOutOfDate(
                "the database's tables are older than the code (missing columns: "
                + ", ".join(missing)
                + "); for the local run remove .local/run/data (make clean), elsewhere migrate it"
            )

    def missing_columns(self) -> list[str]:
        """Columns the code expects that the database's existing tables lack."""
        inspector = inspect(self.engine)
        missing = []
        for table in self.metadata.sorted_tables:
            have = {c["name"] for c in inspector.get_columns(table.name)}
            missing += [f"{table.name}.{c.name}" for c in table.columns if c.name not in have]
        return missing

    def ping(self) -> None:
        """Raise when the database does not answer."""
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def dispose(self) -> None:
        """Close the pool."""
        self.engine.dispose()


def new_session(db: Database) -> Session:
    """A session on the database (the caller commits or rolls back)."""
    return db.sessions()


def prefix_index(name: str, column: str) -> Index:
    """A B-tree index serving `LIKE 'prefix%'` (subtree queries on org paths) on PostgreSQL, any collation."""
    return Index(name, column, postgresql_ops={column: "text_pattern_ops"})


def insert_on_conflict(session: Session, table: Table) -> postgresql.Insert | sqlite.Insert:
    """The session's dialect's INSERT, which has ON CONFLICT (upserts, holding a row once)."""
    dialect = session.get_bind().dialect.name
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
