"""Roster bench: 10,000 children imported from XLSX and from a GBK CSV, then exported, via the service layer.

Run: .venv/bin/python bench/roster_import.py [--rows 10000] [--db sqlite|postgres|both] [--json-out F]
On SQLite (a temporary file) always; on PostgreSQL too when DATABASE_URL is set, in a schema of its own
(`--db` picks one; postgres without DATABASE_URL uses the benches' local server). `--json-out` writes
the figures (seconds and rows/s per step and database) as JSON.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any, TypeVar

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from registry.adapters.orm import Base, ChildRow
from registry.adapters.rosters import CHILD_COLUMNS, roster_xlsx
from registry.bootstrap import SERVICE
from registry.config import RegistrySettings
from registry.domain.identity import id_check_char
from registry.service_layer import org, roster_children, roster_export
from registry.service_layer.commands import OrgUnitIn
from shouhu_kit import spreadsheets as xl
from shouhu_kit.auth import Principal, Role
from shouhu_kit.broker import InMemoryBroker
from shouhu_kit.runtime import Runtime
from shouhu_kit.spreadsheets import ImportMode
from shouhu_testkit.wiring import in_memory_adapters

T = TypeVar("T")
ADMIN = Principal(subject="bench", role=Role.ADMIN, org_id=None)
CLASSES, VILLAGES = 50, 20
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "小明红华丽强军芳杰静伟敏磊洋艳勇娟涛超霞刚平"
CITIES = ("广东深圳", "广东东莞", "浙江杭州", "江苏苏州", "上海", "北京")
TYPES = ("父母双方外出", "父亲外出", "母亲外出")


def _id_number(rng: random.Random, born: date, male: bool) -> str:
    seq = rng.randrange(0, 500) * 2 + (1 if male else 0)
    first17 = f"410102{born:%Y%m%d}{seq:03d}"
    return first17 + id_check_char(first17)


# Allocated prefixes only: phones meet the real number plan (140, 154, 160 … are not in it).
MOBILE_PREFIXES = [f"1{a}{b}" for a in "358" for b in "0123456789" if f"{a}{b}" != "54"]


def _phone(rng: random.Random) -> str:
    return f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"


def roster_rows(n: int, *, seed: int = 7) -> list[list[Any]]:
    """n rows in the template's columns: valid IDs, every left-behind type, a quarter with no guardian."""
    rng = random.Random(seed)  # noqa: S311 - made-up children, not secrets
    rows, used = [], set()
    for i in range(n):
        male = rng.random() < 0.5
        born = date(2010, 1, 1) + timedelta(days=rng.randrange(3600))
        number = _id_number(rng, born, male)
        while number in used:
            number = _id_number(rng, born, male)
        used.add(number)
        kind = TYPES[i % 3]
        father = ["王大力", _phone(rng), rng.choice(CITIES), "某电子厂", "", "2020-02-01"]
        mother = ["李秀英", _phone(rng), rng.choice(CITIES), "", "", "2021/3/1"]
        no_guardian = i % 4 == 0
        guardian = (
            ["" for _ in range(8)]
            if no_guardian
            else ["王奶奶", "祖母", "66", "务农", "良好", _phone(rng), "", "好"]
        )
        if i % 100 == 99:  # one row in a hundred has a broken phone
            father[1] = "1390000"
        rows.append(
            [
                rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                "男" if male else "女",
                born.isoformat() if i % 2 else f"{born.year}年{born.month}月{born.day}日",
                "汉族",
                number,
                f"BK{i % CLASSES:02d}",
                f"BV{i % VILLAGES:02d}",
                "某镇某村",
                "是" if i % 5 == 0 else "否",
                kind,
                *father,
                *mother,
                *guardian,
            ]
        )
    return rows


def as_xlsx(rows: list[list[Any]]) -> bytes:
    """The roster as the template's workbook."""
    return roster_xlsx(rows)


def as_gbk_csv(rows: list[list[Any]]) -> bytes:
    """The roster as Chinese Excel saves a CSV: GB18030, commas, CRLF."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.header for c in CHILD_COLUMNS])
    writer.writerows(rows)
    return out.getvalue().encode("gb18030")


def best_of(repeat: int, fn: Callable[[], T], before: Callable[[], None] = lambda: None) -> tuple[T, float]:
    """The result and the fastest of `repeat` runs, in seconds: on a shared machine, the minimum counts."""
    times, result = [], None
    for _ in range(repeat):
        before()
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    assert result is not None
    return result, min(times)


@contextmanager
def database(url: str | None) -> Iterator[str]:
    """A temporary SQLite file, or a fresh schema on the PostgreSQL of DATABASE_URL (dropped after)."""
    if url is None:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.db"
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield (
            make_url(url)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def org_tree(rt: Runtime) -> uuid.UUID:
    """A city → district → township with 20 villages and a school of 50 classes; the school's id."""

    def unit(kind: str, code: str, parent: uuid.UUID | None) -> uuid.UUID:
        cmd = OrgUnitIn(kind=kind, code=code, name=code, parent_id=parent)
        return org.create_org_unit(uow=rt.uow(), cmd=cmd, principal=ADMIN).id

    township = unit("township", "BT", unit("district", "BD", unit("city", "BC", None)))
    for v in range(VILLAGES):
        unit("village", f"BV{v:02d}", township)
    school = unit("school", "BS", township)
    for k in range(CLASSES):
        unit("class", f"BK{k:02d}", school)
    return school


def run(label: str, url: str | None, files: dict[str, bytes], n: int, repeat: int) -> dict[str, Any]:
    """Parse, import and export on one database; print seconds and rows/s, and return them."""
    figures: dict[str, Any] = {}
    with database(url) as db_url:
        rt = SERVICE.runtime(
            RegistrySettings(database_url=db_url, env="test"), in_memory_adapters(InMemoryBroker())
        )
        rt.db.create_schema()
        school = org_tree(rt)
        tables = [
            Base.metadata.tables["child_history"],
            Base.metadata.tables["children"],
            rt.db.tables.outbox,
        ]

        def empty_archive() -> None:  # each import starts from an empty archive
            with rt.db.engine.begin() as conn:
                for table in tables:
                    conn.execute(table.delete())

        for name, data in files.items():

            def parse(d: bytes = data, f: str = name) -> xl.Sheet:
                return xl.read_sheet(data=d, filename=f, columns=CHILD_COLUMNS)

            _, took = best_of(repeat, parse)
            figures[f"parse {name}"] = {"seconds": round(took, 3), "rows_per_s": round(n / took, 1)}
            print(f"{label:10} parse  {name:11} {took:6.2f} s {n / took:8.0f} rows/s")
        for name, data in files.items():

            def work(d: bytes = data, f: str = name) -> dict[str, Any]:
                report = roster_children.import_children(
                    uow=rt.uow(), data=d, filename=f, unit_id=school, mode=ImportMode.PARTIAL, principal=ADMIN
                )
                return report.doc()

            doc, took = best_of(repeat, work, before=empty_archive)
            figures[f"import {name}"] = {
                "seconds": round(took, 3),
                "rows_per_s": round(n / took, 1),
                "accepted": doc["accepted"],
                "rejected": doc["rejected"],
            }
            print(
                f"{label:10} import {name:11} {took:6.2f} s {n / took:8.0f} rows/s"
                f"  (parse included; accepted {doc['accepted']}, rejected {doc['rejected']})"
            )
        with rt.uow() as uow:
            count = int(uow.session.scalar(select(func.count()).select_from(ChildRow)) or 0)

        def export() -> bytes:
            body, _ = roster_export.export_children(
                uow=rt.uow(), unit_id=school, status=None, principal=ADMIN
            )
            return body

        body, took = best_of(repeat, export)
        figures["export"] = {"seconds": round(took, 3), "rows_per_s": round(count / took, 1), "rows": count}
        print(
            f"{label:10} export {count} rows {took:6.2f} s {count / took:8.0f} rows/s ({len(body) >> 10} KiB)"
        )
        rt.db.dispose()
    return figures


def main() -> None:
    """Generate the roster once, then measure each database."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the fastest is printed")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default=None)
    parser.add_argument("--json-out", default=None, help="also write the figures here (JSON)")
    args = parser.parse_args()
    rows = roster_rows(args.rows)
    xlsx, took = best_of(1, lambda: as_xlsx(rows))
    gbk = as_gbk_csv(rows)
    print(f"{len(rows)} rows: xlsx {len(xlsx) >> 10} KiB (in {took:.2f} s), GBK CSV {len(gbk) >> 10} KiB")
    files = {"roster.xlsx": xlsx, "roster.csv": gbk}
    pg = os.environ.get("DATABASE_URL") or "postgresql+psycopg://shouhu:shouhu@127.0.0.1:15432/shouhu_test"
    dbs = args.db or ("both" if os.environ.get("DATABASE_URL") else "sqlite")
    out: dict[str, Any] = {"bench": "roster_import", "rows": len(rows), "repeat": args.repeat}
    if dbs in ("sqlite", "both"):
        out["sqlite"] = run("sqlite", None, files, len(rows), args.repeat)
    if dbs in ("postgres", "both"):
        out["postgresql"] = run("postgresql", pg, files, len(rows), args.repeat)
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as f:
            json.dump(out, f, indent=2, ensure_ascii=False)


if __name__ == "__main__":
    main()
