"""Match suggestion bench: time to propose helpers for a whole city's unpaired children.

A city of 10 districts, 150 townships, 1,000 schools and classes of 40–50 children; helpers by kind
roughly as a city has them (teachers 60 %, volunteers 25 %, caring mothers 5 %, leaders 5 %,
companies 1 %, peer students 4 %), with random loads. The bench bulk-loads pairing's own tables
(COPY on PostgreSQL, executemany on SQLite), then calls the service layer behind
`POST /v1/suggestions` (`suggestions.suggest`) for the city, a township and a school, and reports
load, algorithm and store time apart (the service function measures them itself).

Run: .venv/bin/python -m bench.match_suggestions [--db sqlite|postgres] [--sizes 10000:6000,100000:60000]
     .venv/bin/python -m bench.match_suggestions --smoke          # tiny, in seconds
PostgreSQL: a scratch database of its own on the server of DATABASE_URL, dropped after (waiting for
an autovacuum worker still on it: DROP … WITH (FORCE) may not end one).
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
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from bench.benchlib import machine, machine_markdown, md_table, say, write_result
from pairing.adapters.orm import TREE, Base, ChildToPair, Helper, Suggestion
from pairing.domain.pairing_order import neediness
from pairing.domain.policy import DEFAULT_CAPACITY
from pairing.service_layer import suggestions
from pairing.service_layer.suggestion_models import SuggestIn
from shouhu_contracts.org import LeftBehindType
from shouhu_contracts.pairing.vocabulary import HelperKind
from shouhu_kit.auth import Principal, Role
from shouhu_kit.clock import SystemClock
from shouhu_kit.db import Database
from shouhu_kit.org.paths import encode_path
from shouhu_kit.uow import UnitOfWork

ADMIN = Principal(subject="bench", role=Role.ADMIN, org_id=None)
DISTRICTS, TOWNSHIPS, SCHOOLS = 10, 150, 1000
KIND_SHARE = [  # of all helpers
    (HelperKind.TEACHER, 0.50),
    (HelperKind.CLASS_TEACHER, 0.10),
    (HelperKind.VOLUNTEER, 0.25),
    (HelperKind.CARING_MOTHER, 0.05),
    (HelperKind.LEADER, 0.05),
    (HelperKind.COMPANY, 0.01),
    (HelperKind.PEER_STUDENT, 0.04),
]
TYPES = [LeftBehindType.BOTH_PARENTS, LeftBehindType.FATHER, LeftBehindType.MOTHER]
RISKS = [None] * 17 + ["low", "medium", "high"]
T0 = datetime(2026, 3, 1, tzinfo=UTC)
TODAY = date(2026, 9, 1)


class City:
    """The generated tree: each unit's kind and path, by level."""

    def __init__(self, rng: random.Random, classes: int) -> None:
        self.rng = rng
        self.rows: list[tuple[uuid.UUID, str, uuid.UUID | None, str]] = []
        self.levels: dict[str, list[uuid.UUID]] = {}
        self.parent: dict[uuid.UUID, uuid.UUID] = {}
        self.root = self._add("city", None, [])
        districts = [self._add("district", self.root, [self.root]) for _ in range(DISTRICTS)]
        for n in range(TOWNSHIPS):
            d = districts[n % DISTRICTS]
            self._add("township", d, [self.root, d])
        self.path: dict[uuid.UUID, list[uuid.UUID]] = {}
        for n in range(SCHOOLS):
            t = self.levels["township"][n % TOWNSHIPS]
            self._add("school", t, [self.root, self.parent[t], t])
        for n in range(classes):
            s = self.levels["school"][n % SCHOOLS]
            t = self.parent[s]
            self._add("class", s, [self.root, self.parent[t], t, s])

    def _add(self, kind: str, parent: uuid.UUID | None, above: list[uuid.UUID]) -> uuid.UUID:
        unit = uuid.UUID(int=self.rng.getrandbits(128), version=4)
        self.rows.append((unit, kind, parent, encode_path([*above, unit])))
        self.levels.setdefault(kind, []).append(unit)
        if parent is not None:
            self.parent[unit] = parent
        return unit


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


class SyntheticCity(City):
    """bench.synthetic_city's city of n children: its tree, children and helpers (none paired yet)."""

    def __init__(self, rng: random.Random, children: int, seed: int) -> None:
        from bench.synthetic_city import Helper as GeneratedHelper
        from bench.synthetic_city import SyntheticCity as Generator

        self.helpers: list[GeneratedHelper] = []  # kept while the children stream (one pass)
        self.rng = rng
        self.generator = Generator(children, seed)
        self.rows = []
        self.levels = {}
        self.parent = {}
        self.path = {}
        for u in self.generator.units():
            self.rows.append((u.id, u.kind.value, u.parent_id, encode_path(list(u.path))))
            self.levels.setdefault(u.kind.value, []).append(u.id)
        self.root = self.generator.root.id


def _synthetic_children(city: SyntheticCity) -> Iterator[tuple[Any, ...]]:
    rng = city.rng
    for c in city.generator.children():
        kind, guardian = c.left_behind_type, c.guardian is not None
        priority = neediness(
            left_behind_type=kind, has_guardian=guardian, birth_date=c.birth_date, today=TODAY
        )
        yield (c.id, c.name, c.birth_date, kind.value, guardian, priority, c.class_id, c.registered_at,
               rng.choice(RISKS))  # fmt: skip


def _synthetic_helpers(city: SyntheticCity) -> Iterator[tuple[Any, ...]]:
    for h in city.helpers or list(city.generator.helpers()):
        # Reach (pairing.domain.rules): the school for school kinds, the township for community
        # kinds (the policy's default), their own unit for leaders and companies.
        yield (h.id, h.name, h.kind.value, h.unit_id, h.unit_id, h.capacity, 0, h.account, T0)


def children_rows(city: City, n: int) -> Iterator[tuple[Any, ...]]:
    """(id, name, birth_date, type, has_guardian, priority, class_id, registered_at, risk_level)."""
    if isinstance(city, SyntheticCity):
        yield from _synthetic_children(city)
        return
    rng, classes = city.rng, city.levels["class"]
    for i in range(n):
        born = date(2010, 9, 1) + timedelta(days=rng.randrange(4000))
        kind, guardian = rng.choice(TYPES), rng.random() > 0.08
        priority = neediness(left_behind_type=kind, has_guardian=guardian, birth_date=born, today=TODAY)
        at = T0 + timedelta(seconds=rng.randrange(15_000_000))
        yield (_uuid(rng), f"童{i}", born, kind.value, guardian, priority, classes[i % len(classes)], at,
               rng.choice(RISKS))  # fmt: skip


def helper_rows(city: City, n: int) -> Iterator[tuple[Any, ...]]:
    """(id, name, kind, unit_id, reach_unit_id, capacity, caseload, account, at)."""
    if isinstance(city, SyntheticCity):
        yield from _synthetic_helpers(city)
        return
    rng, lv = city.rng, city.levels
    kinds = [k for k, share in KIND_SHARE for _ in range(round(share * 100))]
    for i in range(n):
        kind = kinds[i % len(kinds)]
        if kind in (HelperKind.TEACHER, HelperKind.CLASS_TEACHER, HelperKind.PEER_STUDENT):
            unit = reach = rng.choice(lv["school"])
        elif kind in (HelperKind.VOLUNTEER, HelperKind.CARING_MOTHER):
            unit = reach = rng.choice(lv["township"])
        elif kind is HelperKind.LEADER:
            unit = reach = rng.choice(lv["township"] + lv["district"])
        else:
            unit = reach = rng.choice([city.root, *lv["district"]])
        capacity = DEFAULT_CAPACITY[kind]
        caseload = min(capacity, rng.choice([0, 0, 0, 1, 1, 2, capacity]))
        yield (_uuid(rng), f"帮扶人{i}", kind.value, unit, reach, capacity, caseload, f"acct-{i}", T0)


def bulk_load(db: Database, city: City, n_children: int, n_helpers: int) -> float:
    """The tree, the children and the helpers, in bulk; returns the seconds it took."""
    t0 = time.perf_counter()
    Base.metadata.create_all(db.engine)
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        if db.is_postgres:
            _copy(
                cur,
                "org_tree (id, kind, code, name, parent_id, path)",
                ((u, k, "", "", p, path) for u, k, p, path in city.rows),
            )
            _copy(
                cur,
                "children (id, name, birth_date, left_behind_type, has_guardian, priority, class_id, "
                "registered_at, risk_level, status, paired)",
                ((*r, "active", False) for r in children_rows(city, n_children)),
            )
            _copy(
                cur,
                "helpers (id, name, kind, unit_id, reach_unit_id, capacity, caseload, account, "
                "registered_at, updated_at, active, version)",
                ((*r, r[-1], True, 1) for r in helper_rows(city, n_helpers)),
            )
        else:
            cur.executemany(
                "INSERT INTO org_tree (id, kind, code, name, parent_id, path) VALUES (?, ?, '', '', ?, ?)",
                [(u.hex, k, p.hex if p else None, path) for u, k, p, path in city.rows],
            )
            _sqlite_batches(
                cur,
                "INSERT INTO children (id, name, birth_date, left_behind_type, has_guardian, "
                "priority, class_id, registered_at, risk_level, status, paired) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', 0)",
                (
                    (r[0].hex, r[1], r[2].isoformat(), r[3], r[4], r[5], r[6].hex, _sqlite_at(r[7]), r[8])
                    for r in children_rows(city, n_children)
                ),
            )
            _sqlite_batches(
                cur,
                "INSERT INTO helpers (id, name, kind, unit_id, reach_unit_id, capacity, caseload, "
                "account, registered_at, updated_at, active, version) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 1)",
                (
                    (
                        r[0].hex,
                        r[1],
                        r[2],
                        r[3].hex,
                        r[4].hex,
                        r[5],
                        r[6],
                        r[7],
                        _sqlite_at(r[8]),
                        _sqlite_at(r[8]),
                    )
                    for r in helper_rows(city, n_helpers)
                ),
            )
        raw.commit()
        if db.is_postgres:
            raw.driver_connection.autocommit = True  # type: ignore[union-attr]
            cur.execute("VACUUM ANALYZE")
        else:
            cur.execute("ANALYZE")
            raw.commit()
    finally:
        raw.close()
    return time.perf_counter() - t0


def _copy(cur: Any, target: str, rows: Iterator[tuple[Any, ...]]) -> None:
    with cur.copy(f"COPY {target} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _sqlite_at(at: datetime) -> str:
    return f"{at:%Y-%m-%d %H:%M:%S.%f}"


def _sqlite_batches(cur: Any, sql: str, rows: Iterator[tuple[Any, ...]], size: int = 50_000) -> None:
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            cur.executemany(sql, batch)
            batch.clear()
    if batch:
        cur.executemany(sql, batch)


@contextmanager
def database(kind: str, label: str) -> Iterator[Database]:
    """A fresh SQLite file or a fresh PostgreSQL database (dropped after)."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            db = Database(url=f"sqlite:///{tmp}/suggest.db", metadata=Base.metadata)
            yield db
            db.dispose()
        return
    base = os.environ.get("DATABASE_URL", "postgresql://shouhu:shouhu@127.0.0.1:15432/shouhu_test")
    admin = base.replace("postgresql+psycopg://", "postgresql://", 1)
    name = f"bench_suggest_{label}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    db = Database(
        url=make_url(base).set(database=name).render_as_string(hide_password=False), metadata=Base.metadata
    )
    try:
        yield db
    finally:
        db.dispose()
        _drop(admin, name)


def _drop(admin: str, name: str) -> None:
    """Drop the scratch database; an autovacuum worker on it (FORCE may not end it) is waited for."""
    for attempt in range(30):
        try:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            return
        except psycopg.errors.ObjectInUse:
            time.sleep(2 + attempt)
    say(f"could not drop {name}: drop it by hand")


def one_run(db: Database, unit: uuid.UUID) -> dict[str, Any]:
    """suggestions.suggest for a unit, timed as a whole and by step."""
    uow = UnitOfWork(db=db, clock=SystemClock(), source="/shouhu/pairing")
    timings: dict[str, Any] = {}
    gc.collect()
    t0 = time.perf_counter()
    out = suggestions.suggest(
        uow=uow, body=SuggestIn(unit_id=unit, limit=500), principal=ADMIN, timings=timings
    )
    timings["total_s"] = time.perf_counter() - t0
    assert out.proposals == timings["proposals"]
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in timings.items()}


def bench_size(
    kind: str, n_children: int, n_helpers: int, repeat: int, seed: int, *, synthetic: bool = False
) -> dict[str, Any]:
    """Load one city, then time runs for the city (repeat times), one township and one school."""
    rng = random.Random(seed)  # noqa: S311 - a made-up city
    city: City
    if synthetic:
        city = SyntheticCity(rng, n_children, seed)
        classes = len(city.levels["class"])
    else:
        classes = max(SCHOOLS, n_children // 45)
        city = City(rng, classes)
    with database(kind, f"{n_children}") as db:
        say(f"{kind} {n_children:,} children / {n_helpers:,} helpers: loading")
        load_s = bulk_load(db, city, n_children, n_helpers)
        say(f"  loaded in {load_s:.1f} s; suggesting")
        runs = []
        for i in range(repeat):
            runs.append(one_run(db, city.root))
            say(f"  city run {i + 1}: {runs[-1]}")
        township = one_run(db, city.levels["township"][0])
        school = one_run(db, city.levels["school"][0])
        with db.sessions() as s:
            stored = s.scalar(select(func.count()).select_from(Suggestion))
            counts = {
                "children": s.scalar(select(func.count()).select_from(ChildToPair)),
                "helpers": s.scalar(select(func.count()).select_from(Helper)),
                "units": s.scalar(select(func.count()).select_from(TREE.table)),
            }
            if db.is_postgres:
                counts["db_size"] = s.scalar(
                    text("SELECT pg_size_pretty(pg_database_size(current_database()))")
                )
    best = min(runs, key=lambda r: r["total_s"])
    return {
        "children": n_children,
        "helpers": counts["helpers"] if synthetic else n_helpers,
        "city": "bench.synthetic_city" if synthetic else "match_suggestions.City",
        "classes": classes,
        "bulk_load_s": round(load_s, 1),
        "city_runs": runs,
        "city_best": best,
        "township": township,
        "school": school,
        "suggestion_rows_stored": stored,
        "counts": counts,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--sizes", default="10000:6000,100000:60000", help="children:helpers,…")
    parser.add_argument("--repeat", type=int, default=2, help="city runs per size (the best is reported)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one run, no result file")
    parser.add_argument("--label", default="", help="result file label (default: the sizes)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--synthetic",
        action="store_true",
        help="bench.synthetic_city's city (and all its helpers: the sizes' helper count is ignored)",
    )
    parser.add_argument("--json-out", default=None, help="write the result here instead")
    args = parser.parse_args()
    sizes = [(2000, 1200)] if args.smoke else [tuple(map(int, s.split(":"))) for s in args.sizes.split(",")]
    repeat = 1 if args.smoke else args.repeat
    info = machine(pg_url=None) if args.db == "sqlite" else machine()
    results = [bench_size(args.db, c, h, repeat, args.seed, synthetic=args.synthetic) for c, h in sizes]
    rows = []
    for r in results:
        b = r["city_best"]
        rows.append([f"{r['children']:,} / {r['helpers']:,}", f"{b['total_s']:.2f} s", f"{b['load_s']:.2f} s",
                     f"{b['match_s']:.2f} s", f"{b['store_s']:.2f} s", f"{b['answer_s']:.3f} s",
                     f"{b['proposals']:,}", f"{b['unmatched']:,}", f"{r['township']['total_s']:.2f} s",
                     f"{r['school']['total_s']:.2f} s", f"{r['bulk_load_s']} s"])  # fmt: skip
    headers = ["children / helpers", "city: total", "load", "algorithm", "store", "first page",
               "proposals", "unmatched", "a township", "a school", "bulk load (setup)"]  # fmt: skip
    print(f"### {args.db}\n\n{md_table(headers, rows)}\n\n{machine_markdown(info)}")
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as f:
            json.dump({"machine": info, "results": results}, f, indent=2, ensure_ascii=False, default=str)
    elif not args.smoke or args.label:
        label = args.label or "-".join(str(c) for c, _ in sizes)
        path = write_result("match_suggestions", label, args.db, {"machine": info, "results": results})
        say(f"wrote {path.relative_to(Path(__file__).resolve().parents[1])}")


if __name__ == "__main__":
    main()
