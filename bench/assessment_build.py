"""Assessment bench: time to build the helper assessment (考核及奖励) for a whole synthetic city.

A city of 10 districts, 150 townships, 1,000 schools and classes of about 45 left-behind children.
Reporting's read-model tables are filled directly (COPY on PostgreSQL, executemany on SQLite), not
through the event handlers: each child has the school year's two class ranks (a permutation per
class, a few ties; 3 % ranked first in another class: moved), 80 % last year's second-term rank
(carried baseline), 10 % a 三好学生 award, 2 % a serious violation, 1 % a violation of another year;
one primary helper each (teachers of the school three children each, township volunteers for a
fifth), 5 % a peer student beside, 5 % a pairing ended in March; a class teacher per class (helper
of kind class_teacher at the class); two monthly contact windows per child (85 % met).

Then the service layer behind the API is timed, as a whole for the city, a district and a school:
`assessment_lists.build` (every child's facts read and scored), the helpers' and class teachers'
first pages (build plus the totals), the children's first page (only the page is read),
commendations, and the XLSX export (the city at 10,000; a district at 1,000,000).

Run: .venv/bin/python -m bench.assessment_build [--db sqlite|postgres] [--sizes 10000,1000000]
     .venv/bin/python -m bench.assessment_build --smoke            # tiny, in seconds
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
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from bench.benchlib import machine, machine_markdown, md_table, say, write_result
from reporting.adapters.orm import TREE, Base, TermResultFact
from reporting.service_layer import assessment, assessment_export, assessment_lists, commendations
from shouhu_kit.auth import Principal, Role
from shouhu_kit.clock import SystemClock
from shouhu_kit.db import Database
from shouhu_kit.org.paths import encode_path
from shouhu_kit.uow import UnitOfWork

ADMIN = Principal(subject="bench", role=Role.ADMIN, org_id=None)
DISTRICTS, TOWNSHIPS, SCHOOLS, CLASS_SIZE = 10, 150, 1000, 45
YEAR, PREVIOUS = "2025-2026", "2024-2025"
FIRST_AT, END_AT, PREV_AT = (datetime(2026, 1, 20, 2, tzinfo=UTC), datetime(2026, 7, 5, 2, tzinfo=UTC),
                             datetime(2025, 7, 5, 2, tzinfo=UTC))  # fmt: skip
PAIRED_AT, ENDED_AT = datetime(2025, 9, 10, 2, tzinfo=UTC), datetime(2026, 3, 1, 2, tzinfo=UTC)


class City:
    """The generated tree and, per class, its children."""

    def __init__(self, rng: random.Random, classes: int) -> None:
        self.rng = rng
        self.rows: list[tuple[uuid.UUID, str, str, uuid.UUID | None, str]] = []
        self.levels: dict[str, list[uuid.UUID]] = {}
        self.parent: dict[uuid.UUID, uuid.UUID] = {}
        self.root = self._add("city", None, [])
        districts = [self._add("district", self.root, [self.root]) for _ in range(DISTRICTS)]
        for n in range(TOWNSHIPS):
            self._add("township", districts[n % DISTRICTS], [self.root, districts[n % DISTRICTS]])
        for n in range(SCHOOLS):
            t = self.levels["township"][n % TOWNSHIPS]
            self._add("school", t, [self.root, self.parent[t], t])
        for n in range(classes):
            s = self.levels["school"][n % SCHOOLS]
            t = self.parent[s]
            self._add("class", s, [self.root, self.parent[t], t, s])

    def _add(self, kind: str, parent: uuid.UUID | None, above: list[uuid.UUID]) -> uuid.UUID:
        unit = uuid.UUID(int=self.rng.getrandbits(128), version=4)
        code = f"{kind[0].upper()}{len(self.levels.get(kind, [])):05d}"
        self.rows.append((unit, kind, code, parent, encode_path([*above, unit])))
        self.levels.setdefault(kind, []).append(unit)
        if parent is not None:
            self.parent[unit] = parent
        return unit


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _ranks(rng: random.Random, n: int) -> list[int]:
    """A class's ranks: a permutation, with one tie in about a third of the classes."""
    ranks = list(range(1, n + 1))
    rng.shuffle(ranks)
    if n > 2 and rng.random() < 0.33:
        i = ranks.index(2)
        ranks[i] = 1  # two children share rank 1
    return ranks


Rows = dict[str, list[tuple[Any, ...]]]


def generate(city: City, n: int) -> Rows:
    """Every read-model row of the city, by table (ids, times and text as each table holds them)."""
    rng, classes = city.rng, city.levels["class"]
    out: Rows = {k: [] for k in ("child", "result", "record", "helper", "pairing", "window")}
    helpers_by_school: dict[uuid.UUID, list[uuid.UUID]] = {}
    for cls in classes:  # a class teacher per class
        out["helper"].append((_uuid(rng), "class_teacher", f"班主任{len(out['helper'])}", cls))
    members: dict[uuid.UUID, list[uuid.UUID]] = {c: [] for c in classes}
    for i in range(n):
        cls = classes[i % len(classes)]
        child = _uuid(rng)
        members[cls].append(child)
        out["child"].append((child, cls, f"童{i}"))
    for cls, kids in members.items():
        school = city.parent[cls]
        township = city.parent[school]
        first, end, prev = _ranks(rng, len(kids)), _ranks(rng, len(kids)), _ranks(rng, len(kids))
        for k, child in enumerate(kids):
            moved = rng.random() < 0.03
            out["result"].append(
                (child, f"{YEAR}-1", rng.choice(classes) if moved else cls, first[k], FIRST_AT)
            )
            out["result"].append((child, f"{YEAR}-2", cls, end[k], END_AT))
            if rng.random() < 0.8:
                out["result"].append((child, f"{PREVIOUS}-2", cls, prev[k], PREV_AT))
            for share, year, kind in ((0.10, YEAR, "merit_student"), (0.02, YEAR, "serious_violation"),
                                      (0.01, PREVIOUS, "serious_violation")):  # fmt: skip
                if rng.random() < share:
                    out["record"].append((_uuid(rng), child, year, kind))
            pool = helpers_by_school.setdefault(school, [])
            if rng.random() < 0.2:  # a township volunteer
                helper = _uuid(rng)
                out["helper"].append((helper, "volunteer", f"志愿者{len(out['helper'])}", township))
                kind = "volunteer"
            else:  # a teacher of the school, three children each
                if not pool or rng.random() < 1 / 3:
                    pool.append(_uuid(rng))
                    out["helper"].append((pool[-1], "teacher", f"教师{len(out['helper'])}", school))
                helper, kind = pool[-1], "teacher"
            out["pairing"].append((_uuid(rng), child, helper, kind, "primary", PAIRED_AT, None))
            if rng.random() < 0.05:
                out["pairing"].append(
                    (_uuid(rng), child, _uuid(rng), "teacher", "primary", PAIRED_AT, ENDED_AT)
                )
            if rng.random() < 0.05:
                peer = _uuid(rng)
                out["helper"].append((peer, "peer_student", None, school))
                out["pairing"].append((_uuid(rng), child, peer, "peer_student", "secondary", PAIRED_AT, None))
            for month in ("2025-10", "2026-03"):
                state = "met" if rng.random() < 0.85 else "missed"
                out["window"].append((_uuid(rng), child, helper, month, state, cls))
    return out


def _window_span(month: str) -> tuple[datetime, datetime]:
    y, m = int(month[:4]), int(month[5:])
    return datetime(y, m, 1, tzinfo=UTC), datetime(y + m // 12, m % 12 + 1, 1, tzinfo=UTC)


def table_rows(city: City, rows: Rows) -> dict[str, tuple[str, list[tuple[Any, ...]]]]:
    """Each table's column list and rows, in Python values."""
    reg = datetime(2025, 9, 1, 2, tzinfo=UTC)
    return {
        "org_tree": (
            "id, kind, code, name, parent_id, path",
            [(u, k, c, c, p, path) for u, k, c, p, path in city.rows],
        ),
        "child_facts": (
            "child_id, class_id, status, name, archive_complete, missing_contacts, active_pairings, "
            "registered_at, changed_at",
            [(c, k, "active", name, True, "[]", 1, reg, reg) for c, k, name in rows["child"]],
        ),
        "term_result_facts": (
            "child_id, term, class_id, class_rank, class_size, total_score, recorded_at",
            [(c, t, k, r, CLASS_SIZE, 300.0 - r, at) for c, t, k, r, at in rows["result"]],
        ),
        "record_facts": (
            'record_id, child_id, school_year, kind, title, "on"',
            [(r, c, y, k, k, date(2026, 6, 30)) for r, c, y, k in rows["record"]],
        ),
        "helper_facts": (
            "helper_id, kind, name, account, unit_id, active",
            [(h, k, name, str(h), u, True) for h, k, name, u in rows["helper"]],
        ),
        "pairing_facts": (
            "pairing_id, child_id, helper_id, helper_kind, role, created_at, ended_at",
            rows["pairing"],
        ),
        "window_facts": (
            "obligation_id, window_start, window_end, child_id, helper_id, duty, month, state, late, "
            "class_id",
            [
                (o, *_window_span(m), c, h, "helper_contact_monthly", m, s, False, k)
                for o, c, h, m, s, k in rows["window"]
            ],
        ),
    }


def _sqlite_value(v: Any) -> Any:
    if isinstance(v, uuid.UUID):
        return v.hex
    if isinstance(v, datetime):
        return f"{v.astimezone(UTC):%Y-%m-%d %H:%M:%S.%f}"
    if isinstance(v, date):
        return v.isoformat()
    return v


def bulk_load(db: Database, city: City, n: int) -> tuple[float, dict[str, int]]:
    """Every table, in bulk; the seconds it took and the rows per table."""
    t0 = time.perf_counter()
    Base.metadata.create_all(db.engine)
    tables = table_rows(city, generate(city, n))
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        for name, (columns, values) in tables.items():
            if db.is_postgres:
                with cur.copy(f"COPY {name} ({columns}) FROM STDIN") as copy:
                    for row in values:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" for _ in columns.split(","))
                sql = f"INSERT INTO {name} ({columns}) VALUES ({marks})"  # noqa: S608 - our own names
                for start in range(0, len(values), 50_000):
                    cur.executemany(
                        sql, [tuple(map(_sqlite_value, r)) for r in values[start : start + 50_000]]
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
    return time.perf_counter() - t0, {name: len(v) for name, (_, v) in tables.items()}


@contextmanager
def database(kind: str, label: str) -> Iterator[Database]:
    """A fresh SQLite file or a fresh PostgreSQL database on DATABASE_URL's server (dropped after)."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            db = Database(url=f"sqlite:///{tmp}/assess.db", metadata=Base.metadata)
            yield db
            db.dispose()
        return
    base = os.environ.get("DATABASE_URL", "postgresql+psycopg://shouhu:shouhu@127.0.0.1:15432/shouhu_test")
    admin = make_url(base).set(drivername="postgresql").render_as_string(hide_password=False)
    admin = admin.split("?", 1)[0]
    name = f"bench_assess_{label}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    db = Database(
        url=make_url(base).set(database=name).render_as_string(hide_password=False), metadata=Base.metadata
    )
    try:
        yield db
    finally:
        db.dispose()
        for attempt in range(30):
            try:
                with psycopg.connect(admin, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                break
            except psycopg.errors.ObjectInUse:
                time.sleep(2 + attempt)
        else:
            say(f"could not drop {name}: drop it by hand")


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds one call took (the collector run before, as in a fresh request), and its result."""
    gc.collect()
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def runs(db: Database, unit: uuid.UUID, *, export: bool) -> dict[str, Any]:
    """Each service function for one unit, timed once."""

    def uow() -> UnitOfWork:
        return UnitOfWork(db=db, clock=SystemClock(), source="/shouhu/reporting")

    common: dict[str, Any] = {"principal": ADMIN, "unit_id": unit, "school_year": YEAR}
    out: dict[str, Any] = {}

    def build() -> Any:
        with uow() as u:
            return assessment_lists.build(u, **common)

    out["build_s"], built = timed(build)
    out["children_assessed"] = len(built.facts.order)
    out["helpers_credited"] = len(built.facts.helpers)
    del built
    out["helpers_page_s"], _ = timed(lambda: assessment_lists.helpers_page(uow=uow(), **common))
    out["class_teachers_page_s"], _ = timed(lambda: assessment_lists.class_teachers_page(uow=uow(), **common))
    out["children_page_s"], _ = timed(lambda: assessment.children_page(uow=uow(), **common))
    out["commendations_s"], _ = timed(lambda: commendations.commendations(uow=uow(), **common))
    if export:
        out["export_s"], (body, _) = timed(lambda: assessment_export.export(uow=uow(), **common))
        out["export_mib"] = round(len(body) / 2**20, 1)
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in out.items()}


def bench_size(kind: str, n: int, seed: int) -> dict[str, Any]:
    """Load one city, then time the city, a district and a school."""
    rng = random.Random(seed)  # noqa: S311 - a made-up city
    classes = max(SCHOOLS, n // CLASS_SIZE)
    city = City(rng, classes)
    with database(kind, str(n)) as db:
        say(f"{kind} {n:,} children: loading")
        load_s, counts = bulk_load(db, city, n)
        say(f"  loaded in {load_s:.1f} s: {counts}")
        big = n >= 200_000
        result: dict[str, Any] = {
            "children": n,
            "classes": classes,
            "bulk_load_s": round(load_s, 1),
            "rows": counts,
        }
        result["city"] = runs(db, city.root, export=not big)
        say(f"  city: {result['city']}")
        result["district"] = runs(db, city.levels["district"][0], export=big)
        say(f"  district: {result['district']}")
        result["school"] = runs(db, city.levels["school"][0], export=True)
        with db.sessions() as s:
            result["rows"]["term_results_read"] = s.scalar(
                select(func.count()).select_from(TermResultFact).where(TermResultFact.term == f"{YEAR}-2")
            )
            result["rows"]["units"] = s.scalar(select(func.count()).select_from(TREE.table))
            if db.is_postgres:
                result["db_size"] = s.scalar(
                    text("SELECT pg_size_pretty(pg_database_size(current_database()))")
                )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--sizes", default="10000", help="children, comma-separated (e.g. 10000,1000000)")
    parser.add_argument("--smoke", action="store_true", help="a tiny city, no result file")
    parser.add_argument("--label", default="", help="result file label (default: the sizes)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json-out", default=None, help="also write the result here (bench.run reads it)")
    args = parser.parse_args()
    sizes = [1500] if args.smoke else [int(s) for s in args.sizes.split(",")]
    info = machine(pg_url=None) if args.db == "sqlite" else machine()
    results = [bench_size(args.db, n, args.seed) for n in sizes]
    rows = []
    for r in results:
        c, d, s = r["city"], r["district"], r["school"]
        export = f"{c['export_s']:.2f} s (city)" if "export_s" in c else f"{d['export_s']:.2f} s (district)"
        rows.append([f"{r['children']:,}", f"{c['build_s']:.2f} s", f"{c['helpers_page_s']:.2f} s",
                     f"{c['class_teachers_page_s']:.2f} s", f"{c['children_page_s']:.3f} s",
                     f"{c['commendations_s']:.2f} s", export, f"{d['build_s']:.2f} s",
                     f"{s['build_s']:.3f} s", f"{r['bulk_load_s']} s"])  # fmt: skip
    headers = ["children", "city: build", "helpers page", "class teachers page", "children page",
               "commendations", "export", "a district: build", "a school: build",
               "bulk load (setup)"]  # fmt: skip
    print(f"### {args.db}\n\n{md_table(headers, rows)}\n\n{machine_markdown(info)}")
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as f:
            json.dump({"machine": info, "results": results}, f, ensure_ascii=False, indent=2, default=str)
    if not args.smoke or args.label:
        label = args.label or "-".join(str(n) for n in sizes)
        path = write_result("assessment_build", label, args.db, {"machine": info, "results": results})
        say(f"wrote {path.relative_to(Path(__file__).resolve().parents[1])}")


if __name__ == "__main__":
    main()
