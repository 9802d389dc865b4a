"""Monthly bulletin bench: time to build the bulletin (每月一通报) for a whole synthetic city.

What costs is the tree, not the children: every unit with a parent gets a line, ranked among its
siblings, with its counters read as at the month's end. A city of 10,000 children has a few
hundred units; one of 1,000,000 has 10 districts, 150 townships, about 9,000 villages, 3,000
schools and 22,000 classes. The bench inserts the read models directly (the org tree and the
`unit_counts` rows: a year's stock totals, each month's changes, each month's windows due, met and
missed for two duties), as the handlers would have left them, with COPY on PostgreSQL and
executemany on SQLite; each unit's figures are drawn at random within its parent's, so the ranks
have ties and gaps but the figures are not one consistent city (only their shape and volume
matter here). It then runs the job as the scheduler does (`service_layer.bulletin.build_bulletin`,
one bounded round per transaction, committed, until it says nothing more is due), for the first
month (last month's figures read from the counters) and for the month after (from the published
lines), and reads and exports a township's ranking as the API would.

Run: .venv/bin/python -m bench.bulletin_build [--db sqlite|postgres] [--sizes 10000,1000000]
     .venv/bin/python -m bench.bulletin_build --smoke          # tiny, in seconds
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
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from bench.benchlib import machine, machine_markdown, md_table, say, write_result
from reporting.adapters.bulletin_pdf import ranking_pdf
from reporting.adapters.bulletin_xlsx import ranking_xlsx
from reporting.adapters.orm import Base, BulletinLine, UnitCount
from reporting.config import WQY_ZENHEI
from reporting.service_layer import bulletin_reads
from reporting.service_layer.bulletin import build_bulletin
from reporting.service_layer.queries import add_months
from shouhu_kit.auth import Principal, Role
from shouhu_kit.clock import CHINA_TZ, FakeClock
from shouhu_kit.db import Database
from shouhu_kit.org.paths import encode_path
from shouhu_kit.uow import UnitOfWork

ADMIN = Principal(subject="bench", role=Role.ADMIN, org_id=None)
MONTH = "2027-04"  # the month the first bulletin reports
DUTIES = ("helper_contact_monthly", "class_teacher_talk_monthly")
STOCKS = ("children", "archive_complete", "paired", "tasks_open", "tasks_overdue", "risk:high", "risk:medium")
MIXES = ("lbt:both_parents", "lbt:father", "lbt:mother", "guardian:grandparent", "guardian:none")
CHANGING = ("children", "archive_complete", "paired", "tasks_open")  # their month rows hold changes


class City:
    """The generated tree, level by level: (id, kind, code, name, parent, path)."""

    def __init__(self, rng: random.Random, children: int) -> None:
        self.rng = rng
        self.rows: list[tuple[uuid.UUID, str, str, str, uuid.UUID | None, str]] = []
        self.levels: dict[str, list[uuid.UUID]] = {}
        self.path: dict[uuid.UUID, list[uuid.UUID]] = {}
        self.parent: dict[uuid.UUID, uuid.UUID] = {}
        root = self._add("city", "青山市", None)
        townships = min(150, max(10, children // 6_700))
        for n in range(10):
            self._add("district", f"第{n + 1}区", root)
        for n in range(townships):
            self._add("township", f"第{n + 1}镇", self.levels["district"][n % 10])
        for kind, name, count in (("village", "村", children // 110), ("school", "小学", children // 330)):
            for n in range(max(townships, count)):
                self._add(kind, f"第{n + 1}{name}", self.levels["township"][n % townships])
        schools = self.levels["school"]
        for n in range(max(len(schools), children // 45)):
            self._add("class", f"{n + 1}班", schools[n % len(schools)])

    def _add(self, kind: str, name: str, parent: uuid.UUID | None) -> uuid.UUID:
        unit = uuid.UUID(int=self.rng.getrandbits(128), version=4)
        self.path[unit] = [*(self.path[parent] if parent else []), unit]
        self.rows.append((unit, kind, f"{kind[0].upper()}{len(self.rows):06d}", name, parent, ""))
        self.levels.setdefault(kind, []).append(unit)
        if parent is not None:
            self.parent[unit] = parent
        return unit


def counter_rows(city: City, children: int, history: int) -> Iterator[tuple[uuid.UUID, str, str, int]]:
    """Each unit's counters: leaves drawn at random, every other unit the sum of those below it."""
    rng = city.rng
    leaves = city.levels["class"]
    per_class = max(1, children // len(leaves))
    months = [add_months(MONTH, -i) for i in range(history)]
    totals: dict[uuid.UUID, dict[tuple[str, str], int]] = {}
    for unit in [*leaves, *city.levels["village"]]:
        n = 0 if rng.random() < 0.03 else rng.randint(per_class // 2, per_class * 3 // 2)  # a few empty
        totals[unit] = _leaf(rng, n, months)
    for level in ("school", "township", "district", "city"):
        for unit in city.levels[level]:
            totals.setdefault(unit, {})
    for level in ("class", "village", "school", "township", "district"):
        for unit in city.levels[level]:
            into = totals[city.parent[unit]]
            for key, n in totals[unit].items():
                into[key] = into.get(key, 0) + n
    for unit, rows in totals.items():
        for (metric, month), n in rows.items():
            yield unit, metric, month, n


def _leaf(rng: random.Random, n: int, months: list[str]) -> dict[tuple[str, str], int]:
    paired = rng.randint(n * 6 // 10, n) if n else 0
    rows = {
        ("children", ""): n,
        ("archive_complete", ""): rng.randint(n * 8 // 10, n) if n else 0,
        ("paired", ""): paired,
        ("tasks_open", ""): rng.randint(0, max(1, n // 5)),
        ("tasks_overdue", ""): rng.randint(0, max(1, n // 20)),
        ("risk:high", ""): rng.randint(0, max(1, n // 15)),
        ("risk:medium", ""): rng.randint(0, max(1, n // 8)),
    }
    for mix in MIXES:
        rows[(mix, "")] = rng.randint(0, n)
    for month in months:
        for metric in CHANGING:
            rows[(metric, month)] = rng.randint(0, 2)
        for duty in DUTIES:
            due = rng.randint(paired // 2, paired) if paired else 0
            met = rng.randint(due * 7 // 10, due) if due else 0
            rows[("due:" + duty, month)], rows[("met:" + duty, month)] = due, met
            rows[("missed:" + duty, month)] = due - met
    return {k: v for k, v in rows.items() if v}


def bulk_load(db: Database, city: City, children: int, history: int) -> tuple[float, int]:
    """The tree and the counters, in bulk; returns the seconds it took and the counter rows."""
    t0 = time.perf_counter()
    Base.metadata.create_all(db.engine)
    tree = [(u, k, code, name, p, encode_path(city.path[u])) for u, k, code, name, p, _ in city.rows]
    counters = counter_rows(city, children, history)
    raw = db.engine.raw_connection()
    n = 0
    try:
        cur = raw.cursor()
        if db.is_postgres:
            with cur.copy("COPY org_tree (id, kind, code, name, parent_id, path) FROM STDIN") as copy:
                for unit_row in tree:
                    copy.write_row(unit_row)
            with cur.copy("COPY unit_counts (unit_id, metric, month, n) FROM STDIN") as copy:
                for count_row in counters:
                    copy.write_row(count_row)
                    n += 1
        else:
            cur.executemany(
                "INSERT INTO org_tree (id, kind, code, name, parent_id, path) VALUES (?, ?, ?, ?, ?, ?)",
                [(u.hex, k, code, name, p.hex if p else None, path) for u, k, code, name, p, path in tree],
            )
            batch: list[tuple[Any, ...]] = []
            for unit, metric, month, count in counters:
                batch.append((unit.hex, metric, month, count))
                if len(batch) >= 50_000:
                    cur.executemany("INSERT INTO unit_counts VALUES (?, ?, ?, ?)", batch)
                    n, batch = n + len(batch), []
            cur.executemany("INSERT INTO unit_counts VALUES (?, ?, ?, ?)", batch)
            n += len(batch)
        raw.commit()
        if db.is_postgres:
            raw.driver_connection.autocommit = True  # type: ignore[union-attr]
            cur.execute("VACUUM ANALYZE")
        else:
            cur.execute("ANALYZE")
            raw.commit()
    finally:
        raw.close()
    return time.perf_counter() - t0, n


@contextmanager
def database(kind: str, label: str) -> Iterator[Database]:
    """A fresh SQLite file or a fresh PostgreSQL database (dropped after)."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            db = Database(url=f"sqlite:///{tmp}/bulletin.db", metadata=Base.metadata)
            yield db
            db.dispose()
        return
    base = os.environ.get("DATABASE_URL", "postgresql://shouhu:shouhu@127.0.0.1:15432/shouhu_test")
    admin = base.replace("postgresql+psycopg://", "postgresql://", 1)
    name = f"bench_bulletin_{label}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(base).set(drivername="postgresql+psycopg", database=name)
    db = Database(url=url.render_as_string(hide_password=False), metadata=Base.metadata)
    try:
        yield db
    finally:
        db.dispose()
        for attempt in range(30):  # an autovacuum worker may still be on it
            try:
                with psycopg.connect(admin, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
                break
            except psycopg.errors.ObjectInUse:
                time.sleep(2 + attempt)


def build(db: Database, clock: FakeClock, batch: int) -> dict[str, Any]:
    """The job, round after round as the scheduler runs it, each round its own committed transaction."""
    rounds: list[float] = []
    gc.collect()
    t0 = time.perf_counter()
    while True:
        r0 = time.perf_counter()
        with UnitOfWork(db=db, clock=clock, source="/shouhu/reporting") as uow:
            result = build_bulletin(uow, batch=batch)
            uow.commit()
        rounds.append(time.perf_counter() - r0)
        if not result.more:
            break
    total = time.perf_counter() - t0
    ordered = sorted(rounds[:-1]) or [0.0]
    return {
        "total_s": round(total, 2),
        "rounds": len(rounds),
        "round_p50_s": round(ordered[len(ordered) // 2], 3),
        "round_max_s": round(ordered[-1], 3),
        "publish_s": round(rounds[-1], 3),
        "note": result.note,
    }


def reads(db: Database, clock: FakeClock, city: City, month: str) -> dict[str, Any]:
    """The API's reads of the biggest township's ranking: JSON, XLSX and PDF, timed apart."""
    with db.sessions() as s:
        parent, n = s.execute(
            select(BulletinLine.parent_id, func.count())
            .where(BulletinLine.month == month, BulletinLine.kind.in_(["village", "school"]))
            .group_by(BulletinLine.parent_id)
            .order_by(func.count().desc())
            .limit(1)
        ).one()
    uow = UnitOfWork(db=db, clock=clock, source="/shouhu/reporting")
    t0 = time.perf_counter()
    found = bulletin_reads.ranking(uow=uow, principal=ADMIN, month=month, unit_id=parent)
    t1 = time.perf_counter()
    book = ranking_xlsx(found)
    t2 = time.perf_counter()
    pdf = (
        ranking_pdf(found, font_path=WQY_ZENHEI, generated_at=clock.now())
        if Path(WQY_ZENHEI).exists()
        else b""
    )
    t3 = time.perf_counter()
    return {
        "township_lines": n,
        "ranking_s": round(t1 - t0, 3),
        "xlsx_s": round(t2 - t1, 3),
        "xlsx_bytes": len(book),
        "pdf_s": round(t3 - t2, 3) if pdf else None,
        "pdf_bytes": len(pdf),
    }


def bench_size(kind: str, children: int, history: int, batch: int, seed: int) -> dict[str, Any]:
    """Load one city, build its first bulletin and the next month's, read a township's."""
    city = City(random.Random(seed), children)  # noqa: S311 - a made-up city
    units = {k: len(v) for k, v in city.levels.items()}
    with database(kind, str(children)) as db:
        say(f"{kind} {children:,} children, {len(city.rows):,} units: loading")
        load_s, counters = bulk_load(db, city, children, history)
        say(f"  loaded {counters:,} counter rows in {load_s:.1f} s; building {MONTH}")
        after = add_months(MONTH, 1)
        close = datetime(int(after[:4]), int(after[5:]), 1, 0, 30, tzinfo=CHINA_TZ).astimezone(UTC)
        clock = FakeClock(close)
        first = build(db, clock, batch)
        say(f"  first bulletin: {first}")
        clock.advance(timedelta(days=31))
        second = build(db, clock, batch)
        say(f"  the month after: {second}")
        read = reads(db, clock, city, MONTH)
        say(f"  a township's ranking: {read}")
        with db.sessions() as s:
            lines = s.scalar(
                select(func.count()).select_from(BulletinLine).where(BulletinLine.month == MONTH)
            )
            rows = s.scalar(select(func.count()).select_from(UnitCount))
            size = (
                s.scalar(text("SELECT pg_size_pretty(pg_database_size(current_database()))"))
                if db.is_postgres
                else None
            )
    return {
        "children": children,
        "units": units,
        "units_total": len(city.rows),
        "counter_rows": rows,
        "history_months": history,
        "batch": batch,
        "bulk_load_s": round(load_s, 1),
        "lines": lines,
        "first_month": first,
        "next_month": second,
        "township_reads": read,
        "db_size": size,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--sizes", default="10000,1000000", help="children, comma-separated")
    parser.add_argument("--history", type=int, default=12, help="months of counter rows per unit")
    parser.add_argument("--batch", type=int, default=500, help="units per round (the setting's default)")
    parser.add_argument("--smoke", action="store_true", help="tiny, no result file")
    parser.add_argument("--label", default="", help="result file label (default: the sizes)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json-out", default=None, help="also write the result here (bench.run reads it)")
    args = parser.parse_args()
    sizes = [3000] if args.smoke else [int(s) for s in args.sizes.split(",")]
    info = machine(pg_url=None) if args.db == "sqlite" else machine()
    results = [bench_size(args.db, n, args.history, args.batch, args.seed) for n in sizes]
    rows = [
        [f"{r['children']:,}", f"{r['units_total']:,}", f"{r['counter_rows']:,}",
         f"{r['first_month']['total_s']:.2f} s", r["first_month"]["rounds"],
         f"{r['first_month']['round_p50_s']:.3f} / {r['first_month']['round_max_s']:.3f} s",
         f"{r['next_month']['total_s']:.2f} s", f"{r['township_reads']['ranking_s']:.3f} s",
         f"{r['township_reads']['xlsx_s']:.3f} s", f"{r['township_reads']['pdf_s']} s",
         f"{r['bulk_load_s']} s"]
        for r in results
    ]  # fmt: skip
    headers = ["children", "units", "counter rows", "first bulletin", "rounds", "round p50 / max",
               "next month", "township ranking", "its XLSX", "its PDF", "bulk load (setup)"]  # fmt: skip
    print(f"### {args.db}\n\n{md_table(headers, rows)}\n\n{machine_markdown(info)}")
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as f:
            json.dump({"machine": info, "results": results}, f, ensure_ascii=False, indent=2, default=str)
    if not args.smoke or args.label:
        label = args.label or "-".join(str(n) for n in sizes)
        path = write_result("bulletin_build", label, args.db, {"machine": info, "results": results})
        say(f"wrote {path.relative_to(Path(__file__).resolve().parents[1])}")


if __name__ == "__main__":
    main()
