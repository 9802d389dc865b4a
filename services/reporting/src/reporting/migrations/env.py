"""Alembic env: the kit's generic one (the caller hands over the connection and metadata)."""

from shouhu_kit.migrations import run_env

run_env()
