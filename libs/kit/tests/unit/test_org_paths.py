"""The one path encoding, the subtree predicate and the subtree move, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, select
from sqlalchemy.orm import Session

from shouhu_kit.db import Database, prefix_index
from shouhu_kit.org.paths import ROOT, decode_path, encode_path, extend_path, in_subtree, rewrite_prefix

pytestmark = pytest.mark.unit
A, B, C = (uuid.UUID(int=n) for n in (1, 2, 3))


def test_a_path_is_the_ids_from_the_root_between_slashes() -> None:
    assert encode_path([A, B]) == f"/{A}/{B}/"
    assert decode_path(encode_path([A, B, C])) == [A, B, C]
    assert extend_path(encode_path([A]), B) == encode_path([A, B])


def test_the_empty_path_is_the_root_and_prefixes_every_path() -> None:
    assert encode_path([]) == ROOT == "/"
    assert decode_path(ROOT) == []
    assert encode_path([A]).startswith(ROOT)
    assert extend_path(ROOT, A) == encode_path([A])


@pytest.fixture
def paths(db_urls: Callable[[], str]) -> Iterator[tuple[Database, Table]]:
    """A table of paths with the prefix index, on a fresh database."""
    metadata = MetaData()
    table = Table(
        "paths",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("path", String(800), nullable=False),
        prefix_index("ix_paths_prefix", "path"),
    )
    db = Database(url=db_urls(), metadata=metadata)
    db.create_schema()
    yield db, table
    db.dispose()


def _fill(db: Database, table: Table, rows: list[str]) -> None:
    with db.sessions.begin() as s:
        s.execute(table.insert(), [{"id": i, "path": p} for i, p in enumerate(rows)])


def _matching(s: Session, table: Table, prefix: str) -> set[str]:
    return set(s.scalars(select(table.c.path).where(in_subtree(table.c.path, prefix))))


def test_in_subtree_is_the_root_and_everything_below_it_only(paths: tuple[Database, Table]) -> None:
    db, table = paths
    a, ab, abc, ac = encode_path([A]), encode_path([A, B]), encode_path([A, B, C]), encode_path([A, C])
    _fill(db, table, [a, ab, abc, ac, encode_path([B, A])])
    with db.sessions() as s:
        assert _matching(s, table, ab) == {ab, abc}
        assert _matching(s, table, a) == {a, ab, abc, ac}
        assert len(_matching(s, table, ROOT)) == 5
        assert _matching(s, table, encode_path([C])) == set()


def test_in_subtree_reads_wildcards_quotes_and_case_as_they_are(paths: tuple[Database, Table]) -> None:
    db, table = paths
    _fill(db, table, ["/x%/", "/x%/y/", "/xy/", "/x_/", "/xa/", "/X%/", "/x\\/", "/x'/", "/x'/y/"])
    with db.sessions() as s:
        assert _matching(s, table, "/x%/") == {"/x%/", "/x%/y/"}
        assert _matching(s, table, "/x_/") == {"/x_/"}
        assert _matching(s, table, "/x\\/") == {"/x\\/"}
        assert _matching(s, table, "/x'/") == {"/x'/", "/x'/y/"}  # written into the SQL, quoted


def test_rewrite_prefix_moves_the_subtree_and_nothing_else(paths: tuple[Database, Table]) -> None:
    db, table = paths
    _fill(db, table, [encode_path([A, B]), encode_path([A, B, C]), encode_path([A, C]), encode_path([B])])
    with db.sessions.begin() as s:
        rewrite_prefix(s, table, table.c.path, old=encode_path([A, B]), new=encode_path([C, B]))
    with db.sessions() as s:
        assert set(s.scalars(select(table.c.path))) == {
            encode_path([C, B]),
            encode_path([C, B, C]),
            encode_path([A, C]),
            encode_path([B]),
        }


def test_an_empty_prefix_is_refused() -> None:
    with pytest.raises(ValueError, match="never empty"):
        in_subtree(Column("path", String), "")
