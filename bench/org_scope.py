"""Org scope bench: which encoding serves a scope-filtered list and count, and what a subtree move costs.

(a) a materialised path on every record, matched by prefix;
(b) the record's unit id, matched against the tree's units under the caller's path (the kit's way);
(c) the record's unit id, matched against an ancestor (closure) table.

Run: .venv/bin/python bench/org_scope.py [--records 1000000] [--runs 100]
On SQLite (a temporary file) always; on PostgreSQL too when DATABASE_URL is set, in a schema of its own.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Engine, create_engine, func, select, text, true, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from sqlalchemy.schema import Column, CreateTable, Index, MetaData, Table
from sqlalchemy.types import DateTime, Integer, String, Uuid

from shouhu_kit.auth import Principal, Role
from shouhu_kit.org.paths import encode_path, in_subtree, rewrite_prefix
from shouhu_kit.org.scope import scope_filter
from shouhu_kit.org.tree import OrgTree

DISTRICTS, TOWNSHIPS, SCHOOLS, CLASSES, VILLAGES = 10, 15, 1000, 40, 60  # townships per district, …
START = datetime(2026, 9, 1, tzinfo=UTC)

metadata = MetaData()
TREE = OrgTree.attach(metadata)
CLOSURE = Table(
    "org_closure",
    metadata,
    Column("ancestor_id", Uuid, primary_key=True),
    Column("descendant_id", Uuid, primary_key=True),
    Column("depth", Integer, nullable=False),
    Index("ix_org_closure_descendant", "descendant_id"),
)
TASKS = Table(
    "tasks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("class_id", Uuid, nullable=False),
    Column("path", String(800), nullable=False),
    Column("status", String(20), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
)
# Built after the bulk load. Each design gets the index that serves it best: its scope column,
# then status and due date, so a count reads the index only and a small scope is read in order.
TASK_INDEXES = [
    Index("ix_tasks_status_due", TASKS.c.status, TASKS.c.due_at),  # alerts' list order
    Index("ix_tasks_class", TASKS.c.class_id, TASKS.c.status, TASKS.c.due_at),  # (b) and (c)
    Index(
        "ix_tasks_path",
        TASKS.c.path,
        TASKS.c.status,
        TASKS.c.due_at,
        postgresql_ops={"path": "text_pattern_ops"},
    ),  # (a)
]


@dataclass
class City:
    """The generated tree: parent of each unit, its path, and the units per level."""

    parent: dict[uuid.UUID, uuid.UUID | None] = field(default_factory=dict)
    path: dict[uuid.UUID, list[uuid.UUID]] = field(default_factory=dict)
    kind: dict[uuid.UUID, str] = field(default_factory=dict)
    levels: dict[str, list[uuid.UUID]] = field(default_factory=dict)

    def add(self, kind: str, parent: uuid.UUID | None, rng: random.Random) -> uuid.UUID:
        unit = uuid.UUID(int=rng.getrandbits(128), version=4)
        self.parent[unit], self.kind[unit] = parent, kind
        self.path[unit] = [*(self.path[parent] if parent else []), unit]
        self.levels.setdefault(kind, []).append(unit)
        return unit


def make_city(rng: random.Random) -> City:
    """10 districts, 150 townships with 60 villages each, 1,000 schools of 40 classes: ~50,000 units."""
    city = City()
    root = city.add("city", None, rng)
    for _ in range(DISTRICTS):
        district = city.add("district", root, rng)
        for _ in range(TOWNSHIPS):
            township = city.add("township", district, rng)
            for _ in range(VILLAGES):
                city.add("village", township, rng)
    townships = city.levels["township"]
    for n in range(SCHOOLS):
        school = city.add("school", townships[n % len(townships)], rng)
        for _ in range(CLASSES):
            city.add("class", school, rng)
    return city


@contextmanager
def database(url: str | None) -> Iterator[Engine]:
    """An engine on a temporary SQLite file, or on a fresh PostgreSQL schema (dropped after)."""
    if url is None:
        with tempfile.TemporaryDirectory() as tmp:
            engine = create_engine(f"sqlite:///{tmp}/org_scope.db")
            yield engine
            engine.dispose()
        return
    schema, admin = f"bench_{uuid.uuid4().hex[:10]}", create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine = create_engine(make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def _tasks(city: City, n: int, rng: random.Random) -> Iterator[tuple[Any, ...]]:
    classes = city.levels["class"]
    for i in range(n):
        klass = rng.choice(classes)
        status = "open" if rng.random() < 1 / 3 else "closed"
        due = START + timedelta(seconds=rng.randrange(365 * 86400))
        yield i, klass, encode_path(city.path[klass]), status, due


def load(engine: Engine, city: City, n: int, rng: random.Random) -> None:
    """The tree, its closure and n tasks; indexes built after the bulk load, then statistics."""
    metadata.create_all(engine, tables=[TREE.table, CLOSURE])
    with engine.begin() as conn:
        conn.execute(CreateTable(TASKS))  # its primary key only: TASK_INDEXES follow the load
    units = [
        {
            "id": u,
            "kind": city.kind[u],
            "code": "",
            "name": "",
            "parent_id": p,
            "path": encode_path(city.path[u]),
        }
        for u, p in city.parent.items()
    ]
    closure = [
        {"ancestor_id": a, "descendant_id": u, "depth": len(path) - 1 - i}
        for u, path in city.path.items()
        for i, a in enumerate(path)
    ]
    with engine.begin() as conn:
        conn.execute(TREE.table.insert(), units)
        conn.execute(CLOSURE.insert(), closure)
    rows = _tasks(city, n, rng)
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if engine.dialect.name == "postgresql":
            with cur.copy("COPY tasks (id, class_id, path, status, due_at) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            stored = [(i, k.hex, p, s, f"{d:%Y-%m-%d %H:%M:%S.%f}") for i, k, p, s, d in rows]
            cur.executemany("INSERT INTO tasks VALUES (?, ?, ?, ?, ?)", stored)
        raw.commit()
    finally:
        raw.close()
    for index in TASK_INDEXES:
        index.create(engine)
    if engine.dialect.name == "postgresql":  # as the kit does for the tree's path (OrgTree.attach)
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE tasks ALTER COLUMN path SET STATISTICS 1000"))
    # Statistics, and on PostgreSQL the visibility map a table gets from autovacuum in service.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))


Scope = Callable[[Session, uuid.UUID], ColumnElement[bool]]


def by_record_path(session: Session, unit: uuid.UUID) -> ColumnElement[bool]:
    """(a) the caller's path from the tree, then a prefix on each record's own path."""
    prefix = TREE.path_of(session, unit)
    assert prefix is not None
    return in_subtree(TASKS.c.path, prefix)


def by_tree(session: Session, unit: uuid.UUID) -> ColumnElement[bool]:
    """(b) the kit's scope filter: the record's unit among the tree's units under the caller's path."""
    caller = Principal(subject="bench", role=Role.DISTRICT_ADMIN, org_id=unit)
    return scope_filter(session, tree=TREE, principal=caller, units=[TASKS.c.class_id])


def by_closure(session: Session, unit: uuid.UUID) -> ColumnElement[bool]:
    """(c) the record's unit among the caller's descendants in the closure table."""
    return TASKS.c.class_id.in_(select(CLOSURE.c.descendant_id).where(CLOSURE.c.ancestor_id == unit))


DESIGNS: dict[str, Scope] = {
    "a record path": by_record_path,
    "b unit + tree": by_tree,
    "c closure": by_closure,
}


def open_tasks(session: Session, scope: ColumnElement[bool]) -> int:
    """The first page of open tasks in scope, by due date (alerts' list)."""
    query = (
        select(TASKS.c.id, TASKS.c.due_at)
        .where(TASKS.c.status == "open", scope)
        .order_by(TASKS.c.due_at, TASKS.c.id)
        .limit(50)
    )
    return len(session.execute(query).all())


def count_open(session: Session, scope: ColumnElement[bool]) -> int:
    """How many open tasks are in scope."""
    return int(session.scalar(select(func.count()).where(TASKS.c.status == "open", scope)) or 0)


def percentiles(took: list[float]) -> tuple[float, float]:
    """p50 and p99 of the times given."""
    cuts = statistics.quantiles(took, n=100, method="inclusive")
    return cuts[49], cuts[98]


def timed(runs: int, work: Callable[[int], object]) -> tuple[float, float]:
    """p50 and p99 in milliseconds over the runs."""
    took = []
    for i in range(runs):
        start = time.perf_counter()
        work(i)
        took.append((time.perf_counter() - start) * 1000)
    return percentiles(took)


def move(session: Session, design: str, city: City, unit: uuid.UUID, parent: uuid.UUID) -> None:
    """Put a unit under another parent, as each design must (the caller rolls back)."""
    old, new = encode_path(city.path[unit]), encode_path([*city.path[parent], unit])
    session.execute(update(TREE.table).where(TREE.table.c.id == unit).values(parent_id=parent))
    if design != "c closure":
        rewrite_prefix(session, TREE.table, TREE.table.c.path, old=old, new=new)
    if design == "a record path":
        rewrite_prefix(session, TASKS, TASKS.c.path, old=old, new=new)
    if design == "c closure":
        below = select(CLOSURE.c.descendant_id).where(CLOSURE.c.ancestor_id == unit)
        session.execute(
            CLOSURE.delete().where(CLOSURE.c.descendant_id.in_(below), CLOSURE.c.ancestor_id.not_in(below))
        )
        up, down = CLOSURE.alias("up"), CLOSURE.alias("down")
        session.execute(
            CLOSURE.insert().from_select(
                ["ancestor_id", "descendant_id", "depth"],
                select(up.c.ancestor_id, down.c.descendant_id, up.c.depth + down.c.depth + 1)
                .select_from(up.join(down, true()))  # every new ancestor times every unit moved
                .where(up.c.descendant_id == parent, down.c.ancestor_id == unit),
            )
        )


def _queries(
    s: Session, picks: dict[str, list[uuid.UUID]], runs: int, out: dict[tuple[str, str], Any]
) -> None:
    """Each design on the same units, interleaved (the order rotating), after one untimed pass."""
    for level, units in picks.items():
        for name, query in (("list 50", open_tasks), ("count", count_open)):
            designs = list(DESIGNS.items())
            for _, scope in designs:  # warm: every design has read these units' rows once
                for unit in units:
                    query(s, scope(s, unit))
            took: dict[str, list[float]] = {d: [] for d in DESIGNS}
            for i in range(runs):
                for design, scope in designs[i % 3 :] + designs[: i % 3]:
                    start = time.perf_counter()
                    query(s, scope(s, units[i]))
                    took[design].append((time.perf_counter() - start) * 1000)
            for design, times in took.items():
                out[(f"{name}, a {level}", design)] = percentiles(times)


def measure(engine: Engine, city: City, runs: int, rng: random.Random) -> dict[tuple[str, str], Any]:
    """Lists and counts per scope level, and moves of a school and of a township, for each design."""
    out: dict[tuple[str, str], Any] = {}
    picks = {level: [rng.choice(city.levels[level]) for _ in range(runs)] for level in ("district", "school")}
    with Session(engine) as s:
        _queries(s, picks, runs, out)
        for level, targets in (("school", "township"), ("township", "district")):
            moves = []
            for unit in rng.sample(city.levels[level], runs // 5):
                others = [t for t in city.levels[targets] if t != city.parent[unit]]
                moves.append((unit, rng.choice(others)))
            for design in DESIGNS:

                def one(i: int, d: str = design, m: list[tuple[uuid.UUID, uuid.UUID]] = moves) -> None:
                    move(s, d, city, *m[i])
                    s.rollback()

                out[(f"move a {level}", design)] = timed(len(moves), one)
    return out


def sizes(engine: Engine) -> dict[str, int]:
    """What each design stores besides the tree and the tasks' own columns (PostgreSQL), in MiB."""
    relations = {
        "a record path": ["ix_tasks_path"],  # the path column itself is not counted
        "b unit + tree": ["ix_tasks_class"],
        "c closure": ["ix_tasks_class", "org_closure"],
    }
    with engine.connect() as conn:
        size = {
            r: int(conn.scalar(text(f"SELECT pg_total_relation_size('{r}')")) or 0) for r in TABLES_MEASURED
        }
    return {d: sum(size[r] for r in rs) >> 20 for d, rs in relations.items()}


TABLES_MEASURED = ("ix_tasks_path", "ix_tasks_class", "org_closure")


def main() -> None:
    """Build the city once per database, then measure every design on it."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=100, help="runs per query (a fifth as many moves)")
    args = parser.parse_args()
    city = make_city(random.Random(7))  # noqa: S311 - made-up units, not secrets
    print(f"{len(city.parent)} units, {args.records} tasks, {args.runs} runs per query; p50 / p99 in ms")
    targets = [("sqlite", None)] + (
        [("postgresql", os.environ["DATABASE_URL"])] if "DATABASE_URL" in os.environ else []
    )
    for label, url in targets:
        with database(url) as engine:
            start = time.perf_counter()
            load(engine, city, args.records, random.Random(11))  # noqa: S311
            print(f"\n{label}: loaded in {time.perf_counter() - start:.0f} s")
            results = measure(engine, city, args.runs, random.Random(13))  # noqa: S311
            print(f"| {label} | " + " | ".join(DESIGNS) + " |")
            print("|---|" + "---|" * len(DESIGNS))
            for what in dict.fromkeys(w for w, _ in results):
                cells = [f"{results[(what, d)][0]:.1f} / {results[(what, d)][1]:.1f}" for d in DESIGNS]
                print(f"| {what} | " + " | ".join(cells) + " |")
            if url is not None:
                print("storage beside the tree (MiB):", sizes(engine))


if __name__ == "__main__":
    main()
