"""Comparing what two databases hold, table by table (a rebuild against the live run)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.engine import Engine


def table_rows(
    engine: Engine, tables: Sequence[Table], *, ignore: Mapping[str, Sequence[str]] | None = None
) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of each table as a tuple of its columns, sorted; `ignore` leaves out surrogate keys."""
    ignore = ignore or {}
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table in tables:
            columns = [c for c in table.columns if c.name not in ignore.get(table.name, ())]
            rows = [tuple(_plain(v) for v in r) for r in conn.execute(select(*columns)).all()]
            out[table.name] = sorted(rows, key=repr)
    return out


def differences(a: Mapping[str, list[tuple[Any, ...]]], b: Mapping[str, list[tuple[Any, ...]]]) -> list[str]:
    """What one dump holds that the other does not, row by row (empty when they are equal)."""
    out = []
    for name in sorted(set(a) | set(b)):
        left, right = set(a.get(name, [])), set(b.get(name, []))
        out += [f"{name}: only in the first  {row}" for row in sorted(left - right, key=repr)]
        out += [f"{name}: only in the second {row}" for row in sorted(right - left, key=repr)]
    return out


def _plain(value: Any) -> Any:
    """A JSON column's list or dict as its canonical text, so that rows compare and hash."""
    if isinstance(value, list | dict):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return value
