"""Autogenerate a service's next Alembic revision from its models.

    .venv/bin/python tools/new_migration.py registry "add guardian phone index"

It migrates a scratch SQLite database to the newest revision, compares it with the models and writes
the difference to services/<service>/src/<service>/migrations/versions/. Read and edit the result.
"""

from __future__ import annotations

import importlib
import sys
import tempfile

from shouhu_kit.db import Database
from shouhu_kit.migrations import revision, upgrade


def main() -> int:
    """Generate the revision."""
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    service, message = sys.argv[1], sys.argv[2]
    bootstrap = importlib.import_module(f"{service}.bootstrap")
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(
            url=f"sqlite:///{tmp}/scratch.db",
            metadata=bootstrap.SERVICE.metadata,
            migrations=bootstrap.SERVICE.migrations,
        )
        upgrade(db.engine, db.metadata, bootstrap.SERVICE.migrations)
        revision(db.engine, db.metadata, bootstrap.SERVICE.migrations, message, branch=service)
        db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
