"""Every service's migrations build exactly the schema its models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib
from collections.abc import Callable

import pytest

from shouhu_kit.db import Database
from shouhu_kit.migrations import pending_changes, upgrade

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("service", ["registry", "pairing", "alerts", "reporting"])
def test_migrations_match_the_models(service: str, db_urls: Callable[[], str]) -> None:
    bootstrap = importlib.import_module(f"{service}.bootstrap")
    db = Database(url=db_urls(), metadata=bootstrap.SERVICE.metadata, migrations=bootstrap.SERVICE.migrations)
    try:
        upgrade(db.engine, db.metadata, bootstrap.SERVICE.migrations)
        upgrade(db.engine, db.metadata, bootstrap.SERVICE.migrations)  # a second start changes nothing
        assert pending_changes(db.engine, db.metadata) == [], (
            f"run: .venv/bin/python tools/new_migration.py {service} '<what changed>'"
        )
    finally:
        db.dispose()


def test_a_database_made_before_migrations_is_refused_with_a_clear_message(
    db_urls: Callable[[], str],
) -> None:
    from shouhu_kit.migrations import SchemaOutOfDate

    bootstrap = importlib.import_module("alerts.bootstrap")
    url = db_urls()
    legacy = Database(url=url, metadata=bootstrap.SERVICE.metadata)
    legacy.create_schema()  # create_all, no migration history
    legacy.dispose()
    db = Database(url=url, metadata=bootstrap.SERVICE.metadata, migrations=bootstrap.SERVICE.migrations)
    try:
        with pytest.raises(SchemaOutOfDate, match="no migration history"):
            db.create_schema()
    finally:
        db.dispose()
