"""Due-query bench: the scheduler's cost grows with what is due, and task lists stay fast at city scale.

(a) pairing's obligations: 1,000,000 rows of the `obligations` table (pairing's columns and indexes,
    its foreign keys left out for the bulk load), the closing job's due query
    (`status='active' AND window_end <= now ORDER BY window_end, id LIMIT 500`, FOR UPDATE SKIP
    LOCKED on PostgreSQL, as in obligation_windows.close_due_windows) with 0.1%, 1% and 10% due;
    and 100,000 rows against 1,000,000 at the same number due. "Drain" reads every due row in
    batches of 500 (what the job's rounds read, catching up after an outage).
(b) alerts' task lists for a district: a city tree (10 districts, 150 townships, 1,000 schools,
    classes of 45: 1,000,000 children in 22,000 classes) in alerts' TREE, 150,000 follow-up tasks
    (alerts' own table and indexes), then `GET /v1/tasks` through the service layer
    (queries.list_tasks, the route's one call: scope, filters, keyset page, read model) for district
    and school admins: the first page, a later page (by cursor), and overdue only.

Run: .venv/bin/python -m bench.due_queries [--smoke] [--runs 200] [--children 1000000]
        [--db sqlite|postgres|both] [--json-out F]
On SQLite (a temporary file) always; on PostgreSQL too when DATABASE_URL is set, in a schema of its
own (dropped after); `--db` picks (postgres without DATABASE_URL: the benches' local server).
`--children N` sizes both parts for a city of N children: N obligations (N/10 in the small table),
a tree of N/45 classes and 0.15·N tasks (the defaults are N = 1,000,000). Writes
bench/results/<date>-due_queries-<db>-<label>.json, or all databases' payloads into `--json-out`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Table, create_engine, func, literal, select, text, tuple_
from sqlalchemy.engine import make_url
from sqlalchemy.schema import Column, Index, MetaData

from alerts.adapters.orm import LIVE, TREE, Base, FollowUpTask
from alerts.service_layer import queries
from bench import benchlib as bl
from pairing.adapters.orm import Obligation
from shouhu_contracts.alerts.tasks import AlertRule
from shouhu_kit.auth import Principal, Role
from shouhu_kit.clock import FakeClock
from shouhu_kit.db import Database
from shouhu_kit.org.paths import encode_path
from shouhu_kit.uow import UnitOfWork

NOW = datetime(2027, 4, 1, 0, 5, tzinfo=UTC)
SPAN = timedelta(days=180)  # active windows end uniformly over half a year from T0
T0 = NOW - SPAN / 2
BATCH = 500


# ---------------------------------------------------------------- databases


@contextmanager
def database(url: str | None, name: str) -> Iterator[str]:
    """A URL on a temporary SQLite file, or on a fresh PostgreSQL schema (dropped after)."""
    if url is None:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/{name}.db"
        return
    schema, admin = f"bench_{uuid.uuid4().hex[:10]}", create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def analyze(engine: Engine) -> None:
    """Statistics, and on PostgreSQL the visibility map a table gets from autovacuum in service."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))


def bulk(engine: Engine, table: Table, columns: list[str], rows: Iterator[tuple[Any, ...]]) -> None:
    """COPY on PostgreSQL, executemany on SQLite (UUIDs as hex, times as the kit stores them)."""
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if engine.dialect.name == "postgresql":
            with cur.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:

            def stored(value: Any) -> Any:
                if isinstance(value, uuid.UUID):
                    return value.hex
                if isinstance(value, datetime):
                    return f"{value.astimezone(UTC):%Y-%m-%d %H:%M:%S.%f}"
                return value

            marks = ", ".join("?" * len(columns))
            cur.executemany(
                f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608 - our names
                [[stored(v) for v in row] for row in rows],
            )
        raw.commit()
    finally:
        raw.close()


def timed(runs: int, work: Callable[[int], object]) -> dict[str, float]:
    """p50, p99 and max in milliseconds over the runs, after two untimed warm-up runs."""
    for i in range(2):
        work(i)
    took = []
    for i in range(runs):
        start = time.perf_counter()
        work(i)
        took.append((time.perf_counter() - start) * 1000)
    took.sort()
    return {
        "p50_ms": round(statistics.median(took), 2),
        "p99_ms": round(bl.percentile(took, 99), 2),
        "max_ms": round(took[-1], 2),
    }


# ---------------------------------------------------------------- (a) obligations


def obligations_table(name: str) -> tuple[MetaData, Table]:
    """Pairing's obligations columns and indexes under a name of its own, without foreign keys."""
    md = MetaData()
    source = Obligation.__table__
    table = Table(
        name,
        md,
        *(Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable) for c in source.columns),
    )
    for index in source.indexes:  # type: ignore[attr-defined]
        Index(f"{index.name}_{name}", *(table.c[c.name] for c in index.columns))
    return md, table


OBLIGATION_COLUMNS = [
    "id",
    "child_id",
    "duty",
    "rhythm",
    "responsible",
    "helper_id",
    "policy_version",
    "window_start",
    "window_end",
    "status",
    "opened_at",
]


def obligation_rows(n: int, rng: random.Random) -> Iterator[tuple[Any, ...]]:
    """n obligations: 9 in 10 active, their windows ending uniformly over SPAN from T0; the rest ended."""
    for _ in range(n):
        end = T0 + SPAN * rng.random()
        status = "active" if rng.random() < 0.9 else "ended"
        yield (
            uuid.UUID(int=rng.getrandbits(128), version=4),
            uuid.UUID(int=rng.getrandbits(128), version=4),
            "helper_contact_monthly",
            "monthly",
            "primary_helper",  # shouhu_contracts.pairing.vocabulary.Responsible
            uuid.UUID(int=rng.getrandbits(128), version=4),
            1,
            end - timedelta(days=30),
            end,
            status,
            end - timedelta(days=30),
        )


def now_for_due(engine: Engine, table: Table, due: int) -> datetime:
    """The instant at which exactly `due` active obligations are due (the due-th window end)."""
    with engine.connect() as conn:
        found = conn.scalar(
            select(table.c.window_end)
            .where(table.c.status == "active")
            .order_by(table.c.window_end)
            .offset(due - 1)
            .limit(1)
        )
    assert isinstance(found, datetime)
    return found if found.tzinfo else found.replace(tzinfo=UTC)


def due_batch(
    engine: Engine, table: Table, now: datetime, after: tuple[datetime, uuid.UUID] | None
) -> list[Any]:
    """The job's due query (one batch), locked as the job locks it; rolled back."""
    query = select(table).where(table.c.status == "active", table.c.window_end <= now)
    if after is not None:  # the job's next round: what it closed rolled forward, out of the range
        key = tuple_(table.c.window_end, table.c.id)
        query = query.where(
            key > tuple_(literal(after[0], table.c.window_end.type), literal(after[1], table.c.id.type))
        )
    query = query.order_by(table.c.window_end, table.c.id).limit(BATCH)
    if engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    with engine.connect() as conn:
        rows = list(conn.execute(query))
        conn.rollback()
    return rows


def drain(engine: Engine, table: Table, now: datetime) -> int:
    """Read every due row in batches of 500, as the job's rounds do; how many."""
    total, after = 0, None
    while True:
        rows = due_batch(engine, table, now, after)
        total += len(rows)
        if len(rows) < BATCH:
            return total
        after = (rows[-1].window_end, rows[-1].id)


def plan(engine: Engine, table: Table, now: datetime) -> str:
    query = (
        select(table.c.id)
        .where(table.c.status == "active", table.c.window_end <= now)
        .order_by(table.c.window_end, table.c.id)
        .limit(BATCH)
    )
    sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
    prefix = "EXPLAIN " if engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
    with engine.connect() as conn:
        return " / ".join(" ".join(str(c) for c in r).strip() for r in conn.execute(text(prefix + sql)))


def bench_obligations(url: str, *, big: int, small: int, runs: int) -> dict[str, Any]:
    """Load both tables, then time the first batch and the drain at each number due."""
    engine = create_engine(url)
    out: dict[str, Any] = {"rows": {"big": big, "small": small}, "cases": []}
    tables = {}
    for label, n, seed in (("big", big, 1), ("small", small, 2)):
        md, table = obligations_table(f"obligations_{label}")
        md.create_all(engine)
        start = time.perf_counter()
        bulk(engine, table, OBLIGATION_COLUMNS, obligation_rows(n, random.Random(seed)))  # noqa: S311
        out[f"load_{label}_s"] = round(time.perf_counter() - start, 1)
        tables[label] = table
        bl.say(f"  obligations: {n:,} rows loaded in {out[f'load_{label}_s']} s")
    analyze(engine)
    cases = [
        (t, max(1, n))
        for t, n in (("big", big // 1000), ("big", big // 100), ("big", big // 10), ("small", big // 1000))
    ]
    for label, due in cases:
        table = tables[label]
        now = now_for_due(engine, table, due)
        first = timed(runs, lambda _i, t=table, n=now: due_batch(engine, t, n, None))  # type: ignore[misc]
        drain_runs = max(3, runs // 20)
        drained = drain(engine, table, now)
        assert drained == due, (drained, due)
        whole = timed(drain_runs, lambda _i, t=table, n=now: drain(engine, t, n))  # type: ignore[misc]
        case = {
            "rows": big if label == "big" else small,
            "due": due,
            "due_share": round(due / (big if label == "big" else small), 4),
            "first_batch": first,
            "drain_all_due": whole,
            "plan": plan(engine, table, now),
        }
        out["cases"].append(case)
        bl.say(f"  {case['rows']:,} rows, {due:,} due: first batch {first}, drain {whole}")
    engine.dispose()
    return out


# ---------------------------------------------------------------- (b) task lists


def make_tree(children: int, rng: random.Random) -> tuple[list[dict[str, Any]], dict[str, list[uuid.UUID]]]:
    """1 city, 10 districts, 150 townships, 1,000 schools, classes of 45 for `children` children."""
    rows: list[dict[str, Any]] = []
    levels: dict[str, list[uuid.UUID]] = {}
    paths: dict[uuid.UUID, list[uuid.UUID]] = {}

    def add(kind: str, parent: uuid.UUID | None) -> uuid.UUID:
        unit = uuid.UUID(int=rng.getrandbits(128), version=4)
        paths[unit] = [*(paths[parent] if parent else []), unit]
        rows.append(
            {
                "id": unit,
                "kind": kind,
                "code": "",
                "name": "",
                "parent_id": parent,
                "path": encode_path(paths[unit]),
            }
        )
        levels.setdefault(kind, []).append(unit)
        return unit

    city = add("city", None)
    districts = [add("district", city) for _ in range(10)]
    townships = [add("township", districts[i % 10]) for i in range(150)]
    schools = [add("school", townships[i % 150]) for i in range(1000)]
    classes = -(-children // 45)
    for i in range(classes):
        add("class", schools[i % 1000])
    return rows, levels


TASK_COLUMNS = [
    "id",
    "child_id",
    "child_name",
    "reason",
    "cause_key",
    "detail",
    "detail_en",
    "status",
    "class_id",
    "opened_at",
    "due_at",
    "step",
    "assignee_role",
    "assignee_account",
    "version",
]
RULES = ["contact_missed", "grade_drop", "not_paired", "archive_incomplete", "no_guardian"]
STATUSES = ["open"] * 4 + ["acknowledged", "in_progress"] + ["resolved"] * 3 + ["cancelled"]


def task_rows(n: int, classes: list[uuid.UUID], rng: random.Random) -> Iterator[tuple[Any, ...]]:
    """n tasks over the classes: 6 in 10 live, due within ±30 days of NOW (some overdue)."""
    for _ in range(n):
        opened = NOW - timedelta(seconds=rng.randrange(60 * 86400))
        yield (
            uuid.UUID(int=rng.getrandbits(128), version=4),
            uuid.UUID(int=rng.getrandbits(128), version=4),
            "李小红",
            rng.choice(RULES),
            f"c{rng.getrandbits(32)}",
            "帮扶人每月联系儿童一次：未完成",
            "Helper contacts the child monthly: not done",
            rng.choice(STATUSES),
            rng.choice(classes),
            opened,
            opened + timedelta(days=rng.randrange(1, 31)),
            0,
            "helper",
            f"helper-{rng.randrange(20000)}",
            1,
        )


def load_tasks(
    db: Database, *, children: int, tasks: int, seed: int = 5
) -> tuple[list[dict[str, Any]], dict[str, list[uuid.UUID]], float]:
    """alerts' tree for a city of `children` and `tasks` follow-up tasks in bulk: units, levels, seconds.

    The tables are created when missing (bench.memory migrates the database first and loads into it).
    """
    Base.metadata.create_all(db.engine, tables=[TREE.table, FollowUpTask.__table__])  # type: ignore[list-item]
    rng = random.Random(seed)  # noqa: S311 - made-up rows, not secrets
    units, levels = make_tree(children, rng)
    start = time.perf_counter()
    with db.engine.begin() as conn:
        for i in range(0, len(units), 5000):
            conn.execute(TREE.table.insert(), units[i : i + 5000])
    bulk(db.engine, FollowUpTask.__table__, TASK_COLUMNS, task_rows(tasks, levels["class"], rng))  # type: ignore[arg-type]
    analyze(db.engine)
    return units, levels, round(time.perf_counter() - start, 1)


def bench_task_lists(url: str, *, children: int, tasks: int, runs: int, depth: int) -> dict[str, Any]:
    """Load the tree and the tasks, then time the list reads through the service layer."""
    db = Database(url=url, metadata=Base.metadata)
    units, levels, loaded = load_tasks(db, children=children, tasks=tasks)
    bl.say(f"  tasks: {len(units):,} units and {tasks:,} tasks loaded in {loaded} s")
    clock = FakeClock(NOW)

    def uow() -> UnitOfWork:
        return UnitOfWork(db=db, clock=clock, source="/shouhu/bench")

    def caller(role: Role, level: str, i: int) -> Principal:
        return Principal(subject="bench", role=role, org_id=levels[level][i % len(levels[level])])

    def page(principal: Principal, **filters: Any) -> queries.TaskPage:
        return queries.list_tasks(uow=uow(), principal=principal, filters=queries.TaskFilter(**filters))

    # A cursor `depth` pages in, per district (the "later page").
    later: dict[uuid.UUID, str | None] = {}  # None: a small city's district has one page only
    for i, district in enumerate(levels["district"]):
        p = caller(Role.DISTRICT_ADMIN, "district", i)
        cursor: str | None = None
        for _ in range(depth):
            cursor = page(p, cursor=cursor).next_cursor or cursor
        later[district] = cursor
    with db.engine.connect() as conn:
        live = conn.scalar(
            select(func.count()).select_from(FollowUpTask).where(FollowUpTask.status.in_(LIVE))
        )
    district0 = caller(Role.DISTRICT_ADMIN, "district", 0)
    cases: dict[str, Callable[[int], object]] = {
        "district admin, first page (100)": lambda i: page(caller(Role.DISTRICT_ADMIN, "district", i)),
        f"district admin, page {depth + 1} (by cursor)": lambda i: page(
            caller(Role.DISTRICT_ADMIN, "district", i), cursor=later[levels["district"][i % 10]]
        ),
        "district admin, overdue, first page": lambda i: page(
            caller(Role.DISTRICT_ADMIN, "district", i), overdue=True
        ),
        "district admin, one rule, first page": lambda i: page(
            caller(Role.DISTRICT_ADMIN, "district", i), rules=(AlertRule.GRADE_DROP,)
        ),
        "school admin, first page": lambda i: page(caller(Role.SCHOOL_ADMIN, "school", i)),
        "city admin, first page": lambda i: page(caller(Role.CITY_ADMIN, "city", i)),
    }
    out: dict[str, Any] = {
        "units": len(units),
        "classes": len(levels["class"]),
        "children": children,
        "tasks": tasks,
        "live_tasks": live,
        "live_tasks_per_district": round((live or 0) / 10),
        "load_s": loaded,
        "first_page_items": len(page(district0).items),
        "cases": {},
    }
    for name, work in cases.items():
        out["cases"][name] = timed(runs, work)
        bl.say(f"  {name}: {out['cases'][name]}")
    db.engine.dispose()
    return out


def report(db: str, a: dict[str, Any] | None, b: dict[str, Any] | None) -> None:
    print(f"\n### {db}\n")
    if a is not None:
        _report_obligations(a)
    if b is not None:
        rows = [[name, f"{t['p50_ms']} / {t['p99_ms']} / {t['max_ms']}"] for name, t in b["cases"].items()]
        print(bl.md_table([f"{b['tasks']:,} tasks, {b['children']:,} children", "p50 / p99 / max ms"], rows))


def _report_obligations(a: dict[str, Any]) -> None:
    rows = [
        [
            f"{c['rows']:,}",
            f"{c['due']:,} ({c['due_share']:.1%})",
            f"{c['first_batch']['p50_ms']} / {c['first_batch']['p99_ms']}",
            f"{c['drain_all_due']['p50_ms']} / {c['drain_all_due']['p99_ms']}",
        ]
        for c in a["cases"]
    ]
    print(
        bl.md_table(
            ["obligations", "due", "due query, 500 (p50 / p99 ms)", "all due, by 500 (p50 / p99 ms)"], rows
        )
    )
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, a few runs: does it work")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--label", default="run")
    parser.add_argument("--only", choices=["obligations", "tasks"], help="one part (its own result file)")
    parser.add_argument("--children", type=int, default=1_000_000, help="the city's size")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default=None)
    parser.add_argument("--json-out", default=None, help="write {db: payload} here instead")
    args = parser.parse_args()
    if args.smoke:
        big, small, children, tasks, runs = 20_000, 2_000, 45_000, 3_000, 5
    else:
        n = args.children
        big, small, children, tasks, runs = n, max(n // 10, 1000), n, max(n * 15 // 100, 1000), args.runs
    pg = os.environ.get("DATABASE_URL") or "postgresql+psycopg://shouhu:shouhu@127.0.0.1:15432/shouhu_test"
    dbs = args.db or ("both" if "DATABASE_URL" in os.environ else "sqlite")
    targets: list[tuple[str, str | None]] = []
    if dbs in ("sqlite", "both"):
        targets.append(("sqlite", None))
    if dbs in ("postgres", "both"):
        targets.append(("postgres", pg))
    collected: dict[str, Any] = {}
    for db, url in targets:
        bl.say(f"{db}:")
        payload: dict[str, Any] = {
            "machine": bl.machine(pg_url=bl.DEFAULT_PG if url else None),
            "smoke": args.smoke,
        }
        if args.only != "tasks":
            with database(url, "obligations") as target:
                payload["obligations"] = bench_obligations(target, big=big, small=small, runs=runs)
        if args.only != "obligations":
            with database(url, "tasks") as target:
                # 20 pages in at a million children; fewer where a district has fewer pages of 100.
                depth = 1 if args.smoke else max(1, min(20, tasks * 6 // 10 // 10 // 100 - 1))
                payload["task_lists"] = bench_task_lists(
                    target, children=children, tasks=tasks, runs=runs, depth=depth
                )
        collected[db] = payload
        if not args.smoke and not args.json_out:
            print(bl.machine_markdown(payload["machine"]))
            bl.say(f"  wrote {bl.write_result('due_queries', args.label, db, payload)}")
        report(db, payload.get("obligations"), payload.get("task_lists"))
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as f:
            json.dump(collected, f, indent=2, ensure_ascii=False, default=str)


if __name__ == "__main__":
    main()
