"""KPI read latency: a unit's KPIs, its sub-units and a drill-down page, for a school, a district, the city.

A city of 10 districts, 150 townships with 60 villages each, 1,000 schools and classes of about 45
children (at least one class a school); 70 % of the children have a home village in their school's
township. The read models are loaded in bulk, not through the handlers: `org_tree` and
`child_facts` by COPY (PostgreSQL) or executemany (SQLite); `unit_counts` is computed with SQL
GROUP BY over the facts (each child counted once in every unit above its class and its home
village, stock metrics as totals and as changes in the month the child was registered; tasks open
for high-risk children, half of them overdue). The compliance rows (two duties: due, met, late,
missed in each of the last twelve months) are made up per unit from its paired children, so each
unit holds as many counter rows as the live read models give it; their values are not checked.

Each query is the service-layer function behind its endpoint, on a fresh unit of work, as the API
calls it: `queries.unit_kpis` (GET /v1/units/{id}/kpis), `queries.sub_units` (…/sub-units, the first
page of 100) and `drilldown.children_behind` (…/children?figure=unpaired, the first page of 50).
Schools and districts are drawn at random (a few hundred reads each, one untimed pass first);
the city is the same unit each time. p50 / p99 by nearest rank. No test asserts a time.

Run: .venv/bin/python -m bench.kpi_reads [--db sqlite|postgres] [--sizes 10000,1000000] [--reads 300]
     .venv/bin/python -m bench.kpi_reads --smoke                 # tiny, seconds, no result file
PostgreSQL: a scratch database of its own on the server of DATABASE_URL, dropped after.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench.benchlib import (
    cpu_seconds,
    machine,
    machine_markdown,
    md_table,
    percentile,
    pg_backends,
    pg_databases,
    say,
    write_result,
)
from reporting.adapters.orm import Base
from reporting.service_layer.counting import china_month
from reporting.service_layer.drilldown import children_behind
from reporting.service_layer.queries import add_months, sub_units, unit_kpis
from shouhu_kit.auth import Principal, Role
from shouhu_kit.clock import FakeClock
from shouhu_kit.db import Database
from shouhu_kit.org.paths import encode_path
from shouhu_kit.uow import UnitOfWork

ADMIN = Principal(subject="bench", role=Role.ADMIN, org_id=None)
DISTRICTS, TOWNSHIPS, SCHOOLS, VILLAGES = 10, 150, 1000, 60  # villages per township
NOW = datetime(2027, 3, 31, 4, 0, tzinfo=UTC)
MONTH = china_month(NOW)
TYPES = ["both_parents", "father", "mother"]
GUARDIANS = ["grandparent"] * 56 + ["none"] * 26 + ["relative"] * 14 + ["other"] * 4  # the seed's survey
RISKS = [None] * 14 + ["low"] * 3 + ["medium"] * 2 + ["high"]
DUTIES = ["helper_contact_monthly", "school_parent_call_halfmonthly"]


class City:
    """The generated tree: each unit's kind and path, the units per level, and each unit's ancestors."""

    def __init__(self, rng: random.Random, classes: int) -> None:
        self.rng = rng
        self.rows: list[tuple[uuid.UUID, str, uuid.UUID | None, str]] = []
        self.levels: dict[str, list[uuid.UUID]] = {}
        self.up: dict[uuid.UUID, list[uuid.UUID]] = {}  # the unit and every unit above it
        self.root = self._add("city", None)
        districts = [self._add("district", self.root) for _ in range(DISTRICTS)]
        for n in range(TOWNSHIPS):
            town = self._add("township", districts[n % DISTRICTS])
            for _ in range(VILLAGES):
                self._add("village", town)
        for n in range(SCHOOLS):
            self._add("school", self.levels["township"][n % TOWNSHIPS])
        for n in range(classes):
            self._add("class", self.levels["school"][n % SCHOOLS])
        self.villages_of = {
            t: [v for v in self.levels["village"] if self.up[v][1] == t] for t in self.levels["township"]
        }

    def _add(self, kind: str, parent: uuid.UUID | None) -> uuid.UUID:
        unit = uuid.UUID(int=self.rng.getrandbits(128), version=4)
        self.up[unit] = [unit, *(self.up[parent] if parent else [])]
        self.rows.append((unit, kind, parent, encode_path(self.up[unit][::-1])))
        self.levels.setdefault(kind, []).append(unit)
        return unit


def children(city: City, n: int) -> Iterator[tuple[Any, ...]]:
    """(id, class, home village, name, gender, type, guardian, complete, pairings, risk, registered)."""
    rng, classes = city.rng, city.levels["class"]
    for i in range(n):
        cls = classes[i % len(classes)]
        township = city.up[cls][2]
        home = rng.choice(city.villages_of[township]) if rng.random() < 0.7 else None
        at = NOW - timedelta(seconds=rng.randrange(18 * 30 * 86400))
        yield (uuid.UUID(int=rng.getrandbits(128), version=4), cls, home, f"童{rng.randrange(10**6):06d}",
               rng.choice(["male", "female"]), rng.choice(TYPES), rng.choice(GUARDIANS), rng.random() < 0.9,
               int(rng.random() < 0.8), rng.choice(RISKS), at)  # fmt: skip


CHILD_COLUMNS = (
    "child_id, class_id, home_village_id, name, gender, left_behind_type, guardian, archive_complete, "
    "active_pairings, risk_level, registered_at, changed_at, status, missing_contacts"
)

# (metric, WHERE over the aggregate) — stock metrics, as ChildFact rows contribute them
STOCK_METRICS = [
    ("'children'", "1=1"),
    ("'lbt:' || lbt", "lbt IS NOT NULL"),
    ("'guardian:' || guardian", "guardian IS NOT NULL"),
    ("'archive_complete'", "complete = 1"),
    ("'paired'", "paired = 1"),
    ("'risk:' || risk", "risk IS NOT NULL"),
    ("'tasks_open'", "risk = 'high'"),
    ("'tasks_overdue'", "risk = 'high' AND gender = 'male'"),
]


def load(db: Database, city: City, n: int) -> dict[str, float]:
    """The tree and the children in bulk, unit_counts by GROUP BY; seconds per step."""
    Base.metadata.create_all(db.engine)
    steps: dict[str, float] = {}
    t0 = time.perf_counter()
    raw = db.engine.raw_connection()
    pg = db.is_postgres
    try:
        cur = raw.cursor()
        uid = "uuid" if pg else "CHAR(32)"
        cur.execute(f"CREATE TABLE bench_up (unit_id {uid}, ancestor_id {uid})")  # each unit and those above
        tree = [(u, k, "", "", p, path) for u, k, p, path in city.rows]
        up = [(u, a) for u, above in city.up.items() for a in above]
        rows = (
            (*c, c[10], "active", "[]") for c in children(city, n)
        )  # (…, registered_at, changed_at, status, missing_contacts)
        if pg:
            _copy(cur, "org_tree (id, kind, code, name, parent_id, path)", iter(tree))
            _copy(cur, "bench_up (unit_id, ancestor_id)", iter(up))
            _copy(cur, f"child_facts ({CHILD_COLUMNS})", rows)
        else:
            cur.executemany(
                "INSERT INTO org_tree VALUES (?, ?, ?, ?, ?, ?)",
                [(u.hex, k, c, nm, p.hex if p else None, path) for u, k, c, nm, p, path in tree],
            )
            cur.executemany("INSERT INTO bench_up VALUES (?, ?)", [(u.hex, a.hex) for u, a in up])
            insert = f"INSERT INTO child_facts ({CHILD_COLUMNS}) VALUES ({', '.join('?' * 14)})"  # noqa: S608
            batch: list[tuple[Any, ...]] = []
            for row in rows:
                batch.append(_sqlite_child(row))
                if len(batch) >= 50_000:
                    cur.executemany(insert, batch)
                    batch.clear()
            cur.executemany(insert, batch)
        raw.commit()
        steps["facts_s"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        _count(cur, pg)
        raw.commit()
        steps["unit_counts_group_by_s"] = time.perf_counter() - t1
        t2 = time.perf_counter()
        _compliance(cur, pg)
        cur.execute("DROP TABLE bench_up")
        cur.execute("DROP TABLE bench_agg")
        raw.commit()
        steps["compliance_rows_s"] = time.perf_counter() - t2
        t3 = time.perf_counter()
        if pg:
            raw.driver_connection.autocommit = True  # type: ignore[union-attr]
            cur.execute("VACUUM ANALYZE")
        else:
            cur.execute("ANALYZE")
            raw.commit()
        steps["analyze_s"] = time.perf_counter() - t3
    finally:
        raw.close()
    return {k: round(v, 1) for k, v in steps.items()}


def _sqlite_child(row: tuple[Any, ...]) -> tuple[Any, ...]:
    cid, cls, home, *rest, at, at2, status, missing = row
    return (
        cid.hex,
        cls.hex,
        home.hex if home else None,
        *rest,
        _sqlite_at(at),
        _sqlite_at(at2),
        status,
        missing,
    )


def _sqlite_at(at: datetime) -> str:
    return f"{at.astimezone(UTC):%Y-%m-%d %H:%M:%S.%f}"


def _copy(cur: Any, target: str, rows: Iterator[tuple[Any, ...]]) -> None:
    with cur.copy(f"COPY {target} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _count(cur: Any, pg: bool) -> None:
    """unit_counts from the facts: each child once in every unit above its class or its home village.

    One GROUP BY into an aggregate (unit, month registered, and the facts metrics read), then one
    INSERT … SELECT per metric, for its total (month '') and for its changes by month.
    """
    month = ("to_char(c.registered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')" if pg
             else "strftime('%Y-%m', c.registered_at, '+8 hours')")  # fmt: skip
    paired, complete = ("(c.active_pairings > 0)::int", "c.archive_complete::int") if pg else (
        "(c.active_pairings > 0)", "c.archive_complete")  # fmt: skip
    placed = (
        "SELECT c.child_id, a.ancestor_id AS unit_id FROM child_facts c "
        "JOIN bench_up a ON a.unit_id = c.class_id UNION SELECT c.child_id, a.ancestor_id "
        "FROM child_facts c JOIN bench_up a ON a.unit_id = c.home_village_id"
    )
    cur.execute(  # the SQL's pieces are this module's constants, never input
        f"CREATE TABLE bench_agg AS SELECT p.unit_id, {month} AS month, c.left_behind_type AS lbt, "  # noqa: S608
        f"c.guardian, {complete} AS complete, {paired} AS paired, c.risk_level AS risk, c.gender, "
        f"count(*) AS n FROM ({placed}) p JOIN child_facts c ON c.child_id = p.child_id "
        "GROUP BY 1, 2, 3, 4, 5, 6, 7, 8"
    )
    for metric, where in STOCK_METRICS:
        for month_of in ("''", "month"):
            cur.execute(
                f"INSERT INTO unit_counts (unit_id, metric, month, n) SELECT unit_id, {metric}, {month_of}, "  # noqa: S608
                f"sum(n) FROM bench_agg WHERE {where} GROUP BY 1, 2, 3"
            )


def _compliance(cur: Any, pg: bool) -> None:
    """Each unit's windows of the last twelve months, from its paired children (made-up rates)."""
    cur.execute("SELECT unit_id, n FROM unit_counts WHERE metric = 'paired' AND month = ''")
    rng = random.Random(3)  # noqa: S311 - made-up rates
    rows = []
    for unit, paired in cur.fetchall():
        for back in range(12):
            month = add_months(MONTH, -back)
            for duty in DUTIES:
                due = paired * (2 if "half" in duty else 1)
                met = round(due * rng.uniform(0.6, 0.95))
                late = round(met * 0.05)
                missed = 0 if back == 0 else due - met  # this month's unmet are still open
                for metric, value in (("due:", due), ("met:", met), ("late:", late), ("missed:", missed)):
                    if value:
                        rows.append((unit, metric + duty, month, value))
    if pg:
        with cur.copy("COPY unit_counts (unit_id, metric, month, n) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        cur.executemany("INSERT INTO unit_counts VALUES (?, ?, ?, ?)", rows)


@contextmanager
def database(kind: str, label: str) -> Iterator[Database]:
    """A fresh SQLite file or a fresh PostgreSQL database (dropped after)."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            db = Database(url=f"sqlite:///{tmp}/kpi.db", metadata=Base.metadata)
            yield db
            db.dispose()
        return
    base = os.environ.get("DATABASE_URL", "postgresql+psycopg://shouhu:shouhu@127.0.0.1:15432/shouhu_test")
    admin = base.replace("postgresql+psycopg://", "postgresql://", 1)
    with pg_databases([f"bench_kpi_{label}_{uuid.uuid4().hex[:8]}"], admin_url=admin) as urls:
        db = Database(url=next(iter(urls.values())), metadata=Base.metadata)
        try:
            yield db
        finally:
            db.dispose()


QUERIES: dict[str, Callable[[UnitOfWork, uuid.UUID], Any]] = {
    "unit_kpis": lambda uow, u: unit_kpis(uow=uow, principal=ADMIN, unit_id=u),
    "sub_units": lambda uow, u: sub_units(uow=uow, principal=ADMIN, unit_id=u),
    "drilldown": lambda uow, u: children_behind(uow=uow, principal=ADMIN, unit_id=u, figure="unpaired"),
}


def _server_cpu(db: Database) -> float:
    """CPU seconds so far of the PostgreSQL backends serving the bench's database (0 on SQLite)."""
    if not db.is_postgres:
        return 0.0
    return sum(cpu_seconds(pid) or 0.0 for pid in pg_backends([str(db.engine.url.database)]))


def timed_reads(db: Database, units: list[uuid.UUID], query: str, reads: int) -> dict[str, Any]:
    """`reads` calls over the units in turn, after one untimed pass; p50 / p99 / max in ms.

    Also the CPU each read cost on average, the bench's process (SQLite runs in it) and PostgreSQL's
    backends apart: the machine is shared, and CPU time is what other sessions' load does not stretch.
    """
    clock, call = FakeClock(NOW), QUERIES[query]
    for u in units:
        call(UnitOfWork(db=db, clock=clock, source="/shouhu/reporting"), u)
    gc.collect()
    gc.disable()
    times = []
    cpu0, server0 = time.process_time(), _server_cpu(db)
    try:
        for i in range(reads):
            t0 = time.perf_counter()
            out = call(UnitOfWork(db=db, clock=clock, source="/shouhu/reporting"), units[i % len(units)])
            times.append((time.perf_counter() - t0) * 1000)
    finally:
        gc.enable()
    cpu, server = (time.process_time() - cpu0) * 1000 / reads, (_server_cpu(db) - server0) * 1000 / reads
    times.sort()
    items = len(getattr(out, "items", []) or [])
    return {"p50_ms": round(percentile(times, 50), 2), "p99_ms": round(percentile(times, 99), 2),
            "max_ms": round(times[-1], 2), "cpu_ms": round(cpu, 2), "server_cpu_ms": round(server, 2),
            "reads": reads, "units": len(units), "last_items": items}  # fmt: skip


def bench_size(kind: str, n: int, reads: int, seed: int) -> dict[str, Any]:
    """Load one city, then time each query at each level."""
    rng = random.Random(seed)  # noqa: S311 - a made-up city
    city = City(rng, max(SCHOOLS, n // 45))
    with database(kind, str(n)) as db:
        say(f"{kind} {n:,} children: loading")
        steps = load(db, city, n)
        with db.engine.connect() as c:
            counts = {t: c.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()  # noqa: S608
                      for t in ("org_tree", "child_facts", "unit_counts")}  # fmt: skip
        say(f"  loaded {counts} in {steps}")
        pick = random.Random(seed + 1)  # noqa: S311 - which units to read
        levels = {
            "school": pick.sample(city.levels["school"], 50),
            "district": list(city.levels["district"]),
            "city": [city.root],
        }
        out: dict[str, Any] = {}
        for level, units in levels.items():
            for query in QUERIES:
                out[f"{level}:{query}"] = timed_reads(db, units, query, reads)
                say(f"  {level:8} {query:10} {out[f'{level}:{query}']}")
    return {"children": n, "classes": len(city.levels["class"]), "units": len(city.rows), "load": steps,
            "rows": counts, "reads": out}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--sizes", default="10000,1000000", help="children per city, comma-separated")
    parser.add_argument("--reads", type=int, default=300, help="timed reads per query and level")
    parser.add_argument("--smoke", action="store_true", help="a tiny city, few reads, no result file")
    parser.add_argument("--label", default="", help="result file label (default: the sizes)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--json-out", default=None, help="also write the result here (bench.run reads it)")
    args = parser.parse_args()
    sizes = [2000] if args.smoke else [int(s) for s in args.sizes.split(",")]
    reads = 20 if args.smoke else args.reads
    info = machine(pg_url=None) if args.db == "sqlite" else machine()
    results = [bench_size(args.db, n, reads, args.seed) for n in sizes]
    rows = []
    for r in results:
        for key, v in r["reads"].items():
            level, query = key.split(":")
            cpu = f"{v['cpu_ms']} + {v['server_cpu_ms']}" if args.db == "postgres" else v["cpu_ms"]
            rows.append([f"{r['children']:,}", level, query, v["p50_ms"], v["p99_ms"], v["max_ms"], cpu])
    heads = ["children", "unit", "query", "p50 ms", "p99 ms", "max ms", "CPU ms/read (bench + server)"]
    print(f"### {args.db}\n\n{md_table(heads, rows)}\n")
    print(machine_markdown(info))
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as f:
            json.dump({"machine": info, "results": results}, f, ensure_ascii=False, indent=2, default=str)
    if not args.smoke or args.label:
        label = args.label or "-".join(str(n) for n in sizes)
        path = write_result("kpi_reads", label, args.db, {"machine": info, "results": results})
        say(f"wrote {path.relative_to(Path(__file__).resolve().parents[1])}")


if __name__ == "__main__":
    main()
