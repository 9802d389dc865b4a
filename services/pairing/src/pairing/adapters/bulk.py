"""Bulk writes inside the session's transaction: COPY on PostgreSQL, executemany on SQLite.

For a city's worth of rows (bench/README.md, "Match suggestions"), SQLAlchemy's per-row parameter
processing cost more than the database did. Rows come in the database's own text form: ids as
32 hex digits (what SQLAlchemy's Uuid stores on SQLite, and PostgreSQL reads too), JSON as text.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.orm import Session


def raw_id(value: Any) -> str:
    """An id as stored: a UUID as 32 hex digits; text read back from the database as it is."""
    return value.hex if isinstance(value, uuid.UUID) else str(value)


def new_ids(n: int) -> list[str]:
    """n random version-4 UUIDs as 32 hex digits (one read of the system's random source)."""
    pool = os.urandom(16 * n).hex()
    out = []
    for i in range(0, 32 * n, 32):
        h = pool[i : i + 32]
        out.append(f"{h[:12]}4{h[13:16]}{'89ab'[int(h[16], 16) & 3]}{h[17:]}")
    return out


def insert_rows(session: Session, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert rows into a table of this session's database, in its open transaction."""
    dbapi = session.connection().connection.dbapi_connection
    assert dbapi is not None
    cursor = dbapi.cursor()
    try:
        names = ", ".join(columns)
        if session.get_bind().dialect.name == "postgresql":
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 - our names; values bound
            cursor.executemany(sql, rows)  # type: ignore[arg-type]  # sqlite3 takes any iterable
    finally:
        cursor.close()
