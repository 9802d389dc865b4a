"""Org paths as text: the one encoding, the subtree predicate an index serves, and the subtree move.

A path is the ids from the root down, written '/a/b/c/'. Every path of a subtree starts with the
path of its root, so "in the subtree" is a prefix match and a move rewrites one prefix.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    SQLColumnExpression,
    String,
    and_,
    bindparam,
    func,
    literal,
    update,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

ROOT = "/"  # the empty path: the prefix of every path


def encode_path(ids: Sequence[uuid.UUID]) -> str:
    """'/a/b/' for [a, b]; the empty path is ROOT."""
    return ROOT + "".join(f"{i}/" for i in ids)


def decode_path(text: str) -> list[uuid.UUID]:
    """[a, b] for '/a/b/' (and [] for ROOT)."""
    return [uuid.UUID(part) for part in text.split("/") if part]


def extend_path(path: str, unit: uuid.UUID) -> str:
    """The path of a unit placed under the unit whose path is given."""
    return f"{path}{unit}/"


class InSubtree(FunctionElement[bool]):
    """`column` starts with a path prefix, compiled so that each dialect's B-tree index serves it.

    PostgreSQL: `LIKE 'prefix%'`, served by a `text_pattern_ops` index whatever the collation.
    SQLite: a byte-order range, because SQLite's LIKE is case-insensitive and is never served by a
    BINARY index (and `startswith` writes `LIKE :p || '%'`, which no planner reads as a prefix).
    """

    type = Boolean()
    inherit_cache = True
    name = "in_subtree"
    _is_implicitly_boolean = True  # a predicate: SQLite must not get `… = 1` appended


def in_subtree(column: SQLColumnExpression[Any], prefix: str) -> ColumnElement[bool]:
    """The column's path lies in the subtree whose root has this path (the root included)."""
    if not prefix:
        raise ValueError("a path prefix is never empty (the root's is '/')")
    pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    above = prefix[:-1] + chr(ord(prefix[-1]) + 1)  # the first string after every one with the prefix
    # Written into the SQL at execution (the compiled form stays cached): a server-side prepared
    # statement's generic plan cannot see a parameter's prefix, so it would scan instead.
    low, high, like = (bindparam(None, v, String(), literal_execute=True) for v in (prefix, above, pattern))
    return InSubtree(column, like, low, high)


@compiles(InSubtree)
def _like_prefix(element: InSubtree, compiler: SQLCompiler, **kw: Any) -> str:
    column, pattern, _low, _above = element.clauses
    return compiler.process(column.like(pattern), **kw)


@compiles(InSubtree, "sqlite")
def _byte_range(element: InSubtree, compiler: SQLCompiler, **kw: Any) -> str:
    column, _pattern, low, above = element.clauses
    return "(" + compiler.process(and_(column >= low, column < above), **kw) + ")"


def rewrite_prefix(session: Session, table: Any, column: Any, *, old: str, new: str) -> None:
    """The subtree move: every path in `column` under `old` gets `new` instead, in one UPDATE.

    Work grows with the subtree (found through the column's prefix index), not with the table.
    """
    session.execute(
        update(table)
        .where(in_subtree(column, old))
        .values({column: literal(new, String()) + func.substr(column, len(old) + 1)})
        .execution_options(synchronize_session=False)
    )
