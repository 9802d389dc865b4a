"""Capacity on paper: what a city of 100,000 children and a province of 7,000,000 need, from a run.

    .venv/bin/python -m bench.capacity [--run bench/results/<date>-run-<label>.json ...]
        [--children 100000,1000000,7000000] [--no-measure] [--json-out F]

Reads the figures of one or more `bench.run` results (a later file wins a figure), measures on
PostgreSQL what one outbox row and one inbox row weigh (the kit's tables, with the city's own
encoded events), and works out, for each city size:

- the events a month brings and the burst at a month's first midnight, when every monthly and
  half-monthly window of every child closes at once (windows are calendar months in China's time,
  `pairing/domain/windows.py`): each closing is a Met or Missed event and the next window's Opened;
- how long each consumer takes to drain that burst with one worker replica at its measured rate,
  the replicas that drain it within `--drain-hours`, and the partitions those replicas need;
- the database each service holds at that size (measured by bench.memory at 10,000–1,000,000,
  scaled by children) and what a year adds (the inbox's rows, the read models' windows, tasks);
- the memory of the eight processes per replica (bench.memory's peak at the largest size).

Every input that is not measured is an assumption named in the output with where it comes from.
The arithmetic is simple on purpose: it is a plan to check against the next real run, not a model.
"""

from __future__ import annotations

import argparse
import json
import math
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import benchlib as bl

SIZES = (100_000, 1_000_000, 7_000_000)
MIB = 1024 * 1024

# The default duties (pairing/domain/policy.py DEFAULT_DUTIES) every left-behind child is owed:
# four monthly (helper contact, helper feedback to the parents, class teacher's talk, class
# teacher's call to the parents), one half-monthly (the school's family talk), one half-yearly
# (the helper's home visit), one a term (the class teacher's home visit), one yearly (the
# family–school meeting).
WINDOWS_PER_CHILD_MONTH = 4 + 2 + 1 / 6 + 2 / 12 + 1 / 12
WINDOWS_AT_MONTH_START = 4 + 1  # closing together at 00:00 China time on the 1st (more in Jan, Jul, Feb, Sep)
EVENTS_PER_CLOSING = 2  # ObligationWindowMet|Missed, and ObligationWindowOpened for the next window
MISSED_SHARE = 0.13  # the seed's city: 13 % of windows missed (bench/synthetic_city.py)
TASK_EVENTS_PER_MISS = 3  # FollowUpTaskOpened, then its ladder or closing (alerts' ADR 0009)
CONTACTS_PER_MET_WINDOW = 1.0  # a ContactLogged meets its window (a contact may meet two: upper bound)
TERM_RESULTS_PER_CHILD_YEAR = 2  # "term results twice a year for every child" (ARCHITECTURE.md)

# Which topics each consumer reads (services/*/bootstrap.py: ConsumerSpec topics), by family. Every
# record of a topic costs its consumer a read and an inbox row, also when the handler passes it over.
READS = {
    "pairing": ("registry", "tasks"),  # registry.children; alerts.risk (counted with the tasks)
    "alerts": ("registry", "windows", "pairings"),  # and pairing.helpers (few)
    "reporting": ("registry", "windows", "pairings", "tasks"),  # and helpers, alerts.risk
}
TOPIC_PARTITIONS_NOW = 12  # pairing.obligations, registry.children (shouhu_contracts/topics.py)


@dataclass(frozen=True)
class Month:
    """Events of one child in an average month, by topic family."""

    windows: float
    contacts: float
    tasks: float
    registry: float
    pairings: float

    def total(self) -> float:
        return self.windows + self.contacts + self.tasks + self.registry + self.pairings


def month_per_child() -> Month:
    """The events one child's care brings in an average month (assumptions above)."""
    closings = WINDOWS_PER_CHILD_MONTH
    return Month(
        windows=closings * EVENTS_PER_CLOSING,
        contacts=closings * (1 - MISSED_SHARE) * CONTACTS_PER_MET_WINDOW,
        tasks=closings * MISSED_SHARE * TASK_EVENTS_PER_MISS,
        registry=TERM_RESULTS_PER_CHILD_YEAR / 12 + 0.1,  # results, and a few archive updates
        pairings=0.05,  # a pairing changes now and then
    )


def burst_per_child(service: str) -> float:
    """Records a consumer reads per child in the first minutes of a month."""
    windows = WINDOWS_AT_MONTH_START * EVENTS_PER_CLOSING
    tasks = WINDOWS_AT_MONTH_START * MISSED_SHARE  # the tasks alerts opens for the missed ones
    return {"pairing": 0.0, "alerts": windows, "reporting": windows + tasks}[service]


def read_per_child_month(service: str, m: Month) -> float:
    """Records a consumer reads per child in an average month."""
    by = {"registry": m.registry, "windows": m.windows, "pairings": m.pairings, "tasks": m.tasks}
    return sum(by[t] for t in READS[service])


# ---------------------------------------------------------------- inputs from runs


def figures(paths: list[Path]) -> dict[str, dict[str, float]]:
    """name -> {size ('any' or children): value}, later files winning."""
    out: dict[str, dict[str, float]] = {}
    for p in paths:
        doc = json.loads(p.read_text(encoding="utf-8"))
        for name, f in doc.get("figures", {}).items():
            out.setdefault(name, {}).update({str(k): float(v) for k, v in f.get("values", {}).items()})
    return out


def largest(values: dict[str, float]) -> tuple[int | None, float] | None:
    """The value at the largest size measured (None when there is none)."""
    sized = [(int(k), v) for k, v in values.items() if k != "any"]
    if sized:
        return max(sized)
    return (None, values["any"]) if "any" in values else None


def find(figs: dict[str, dict[str, float]], name: str) -> tuple[str, dict[str, float]] | None:
    """The figure of that name, else the first whose name starts with it and is not a ratio."""
    if name in figs:
        return name, figs[name]
    for other, values in figs.items():
        if other.startswith(name) and "/" not in other:
            return other, values
    return None


def newest_run() -> list[Path]:
    """The newest full run's JSON in bench/results (smoke runs left out)."""
    runs = sorted(p for p in bl.RESULTS.glob("*-run-*.json") if "smoke" not in p.name)
    return runs[-1:]


# ---------------------------------------------------------------- measured on PostgreSQL


def kit_row_bytes(rows: int = 20_000) -> dict[str, float]:
    """Bytes per outbox row and per inbox row, table and indexes, with the city's own window events."""
    import psycopg
    from sqlalchemy import MetaData, insert

    from bench.synthetic_city import SyntheticCity
    from shouhu_kit.db import Database

    sample = []
    # The month's bulk: window and contact events (the org tree and registrations are a one-off).
    bulk = frozenset({"pairing.obligations", "pairing.contacts"})
    for topic, key, value in SyntheticCity(10_000, seed=7).encoded(kinds=bulk):
        sample.append((topic, key.decode(), value.decode()))
        if len(sample) >= rows:
            break
    name = f"bench_capacity_{uuid.uuid4().hex[:8]}"
    with bl.pg_databases([name]) as urls:
        db = Database(url=urls[name], metadata=MetaData())
        db.create_schema()
        outbox, inbox = db.tables.outbox, db.tables.processed_events
        from datetime import UTC, datetime

        now = datetime.now(UTC)
        with db.engine.begin() as conn:
            for at in range(0, len(sample), 1000):
                chunk = sample[at : at + 1000]
                conn.execute(
                    insert(outbox),
                    [
                        {
                            "event_id": str(uuid.uuid4()),
                            "topic": t,
                            "event_key": k,
                            "event_type": "x" * 36,
                            "payload": v,
                            "created_at": now,
                            "published_at": now,
                        }
                        for t, k, v in chunk
                    ],
                )
                conn.execute(
                    insert(inbox),
                    [
                        {
                            "consumer_group": "shouhu.reporting.main",
                            "event_id": str(uuid.uuid4()),
                            "event_type": "pairing.obligation.window_missed.v1",
                            "processed_at": now,
                        }
                        for _ in chunk
                    ],
                )
        db.dispose()
        libpq = urls[name].replace("postgresql+psycopg://", "postgresql://", 1)
        with psycopg.connect(libpq, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
            sizes = {
                t: conn.execute("SELECT pg_total_relation_size(%s)", (t,)).fetchone()[0]  # type: ignore[index]
                for t in ("outbox", "processed_events")
            }
    n = len(sample)
    return {
        "rows": n,
        "outbox_bytes_per_row": round(sizes["outbox"] / n, 1),
        "inbox_bytes_per_row": round(sizes["processed_events"] / n, 1),
    }


# ---------------------------------------------------------------- the plan


def plan(
    figs: dict[str, dict[str, float]],
    kit: dict[str, float] | None,
    *,
    sizes: tuple[int, ...],
    drain_hours: float,
    db: str,
) -> dict[str, Any]:
    """Per size: events, burst, replicas and partitions per consumer, database, memory."""
    m = month_per_child()
    rates: dict[str, tuple[float, str]] = {}
    for svc in READS:
        # The month-start burst's own rate where bench.run measured it (the stream the burst is),
        # else the registry stream's catch-up rate.
        got = (
            find(figs, f"{svc} consumer, month-start burst ({db})")
            or find(figs, f"{svc} consumer ({db})")
            or find(figs, f"{svc} consumer (")
        )
        if got:
            at = largest(got[1])
            if at:
                rates[svc] = (at[1], f"{got[0]} at {at[0]:,}" if at[0] else got[0])
    memory: dict[str, float] = {}
    for name, values in figs.items():
        if name.startswith("memory:") and "peak" in name and "MiB" not in name:
            at = largest(values)
            if at:
                memory[name.removeprefix("memory: ").strip()] = at[1]
    db_sizes: dict[str, tuple[int, float]] = {}
    for name, values in figs.items():
        if name.startswith("memory:") and "database" in name:
            at = largest(values)
            if at and at[0]:
                db_sizes[name.removeprefix("memory: ").strip()] = (at[0], at[1])
    out: dict[str, Any] = {
        "assumptions": {
            "windows closing per child per month": round(WINDOWS_PER_CHILD_MONTH, 2),
            "windows closing together at a month's first midnight, per child": WINDOWS_AT_MONTH_START,
            "events per window closing": EVENTS_PER_CLOSING,
            "share of windows missed": MISSED_SHARE,
            "task events per missed window": TASK_EVENTS_PER_MISS,
            "events per child in an average month": round(m.total(), 1),
            "drain target for the month's first burst, hours": drain_hours,
        },
        "measured": {
            "consumer records/s per replica": {k: {"value": v, "from": src} for k, (v, src) in rates.items()},
            "kit rows on PostgreSQL": kit,
            "database sizes (bench.memory)": {k: {"children": n, "MiB": v} for k, (n, v) in db_sizes.items()},
            "peak memory per process, MiB (bench.memory, largest size)": memory,
        },
        "sizes": {},
    }
    for n in sizes:
        row: dict[str, Any] = {"events per month": round(n * m.total())}
        consumers: dict[str, dict[str, Any]] = {}
        for svc, (rate, _src) in rates.items():
            burst = n * burst_per_child(svc)
            month = n * read_per_child_month(svc, m)
            one = burst / rate / 3600
            replicas = max(1, math.ceil(one / drain_hours)) if burst else 1
            consumers[svc] = {
                "burst records": round(burst),
                "records per month": round(month),
                "burst drain with 1 replica, h": round(one, 2),
                "replicas to drain within target": replicas,
                "busy share of a replica over a month": round(month / rate / (30 * 86400), 4)
                if rate
                else None,
            }
        row["consumers"] = consumers
        need = max((int(c["replicas to drain within target"]) for c in consumers.values()), default=1)
        row["partitions per busy topic"] = _partitions(need)
        if db_sizes:
            row["database at start, GiB"] = {
                k: round(v * n / at / 1024, 1) for k, (at, v) in db_sizes.items()
            }
        if kit:
            inbox_rows = sum(read_per_child_month(s, m) for s in READS) * 12 * n
            row["inbox growth per year, GiB"] = round(inbox_rows * kit["inbox_bytes_per_row"] / 1024**3, 1)
            week = n * m.total() / 30 * 7
            row["outbox kept (one week), GiB"] = round(week * kit["outbox_bytes_per_row"] / 1024**3, 2)
        if memory:
            row["memory of the eight processes, one replica each, GiB"] = round(
                sum(memory.values()) / 1024, 2
            )
        out["sizes"][str(n)] = row
    return out


def _partitions(replicas: int) -> int:
    """Partitions for `replicas` consumers with room to double: the next of 6, 12, 24, 48, 96, ..."""
    p = 6
    while p < 2 * replicas:
        p *= 2
    return p


def markdown(doc: dict[str, Any]) -> str:
    """The plan as a Markdown table with its inputs."""
    sizes = list(doc["sizes"])
    head = ["", *(f"{int(n):,} children" for n in sizes)]
    rows: list[list[Any]] = [["events a month", *(f"{doc['sizes'][n]['events per month']:,}" for n in sizes)]]
    target = doc["assumptions"]["drain target for the month's first burst, hours"]
    for svc in READS:
        if not all(svc in doc["sizes"][n]["consumers"] for n in sizes):
            continue
        c = [doc["sizes"][n]["consumers"][svc] for n in sizes]
        if c[0]["burst records"]:
            drains = [f"{x['burst records']:,}, {x['burst drain with 1 replica, h']} h" for x in c]
            rows.append([f"{svc}: month's first burst (records), 1 replica drains in", *drains])
            rows.append(
                [
                    f"{svc}: replicas to drain it within {target} h",
                    *(x["replicas to drain within target"] for x in c),
                ]
            )
        busy = [f"{100 * x['busy share of a replica over a month']:.1f} %" for x in c]
        rows.append([f"{svc}: busy share of one replica over a month", *busy])
    rows.append(["partitions per busy topic", *(doc["sizes"][n]["partitions per busy topic"] for n in sizes)])
    first = doc["sizes"][sizes[0]]
    for key in ("database at start, GiB",):
        if key in first:
            for svc in first[key]:
                rows.append([f"{svc} at start, GiB", *(doc["sizes"][n][key][svc] for n in sizes)])
    for key in ("inbox growth per year, GiB", "outbox kept (one week), GiB",
                "memory of the eight processes, one replica each, GiB"):  # fmt: skip
        if key in first:
            rows.append([key, *(doc["sizes"][n][key] for n in sizes)])
    lines = [bl.md_table(head, rows), "", "Inputs:", ""]
    for k, v in doc["assumptions"].items():
        lines.append(f"- assumed: {k}: {v}")
    for k, v in doc["measured"]["consumer records/s per replica"].items():
        lines.append(f"- measured: {k} consumer {v['value']:,.0f} records/s ({v['from']})")
    kit = doc["measured"]["kit rows on PostgreSQL"]
    if kit:
        lines.append(
            f"- measured: an outbox row {kit['outbox_bytes_per_row']:,.0f} bytes, an inbox row "
            f"{kit['inbox_bytes_per_row']:,.0f} bytes with indexes ({kit['rows']:,} rows, PostgreSQL)"
        )
    for k, v in doc["measured"]["database sizes (bench.memory)"].items():
        lines.append(f"- measured: {k} {v['MiB']:,.0f} MiB at {v['children']:,} children")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run", type=Path, action="append", default=None, help="a bench.run JSON (repeatable)")
    p.add_argument("--children", default=",".join(str(n) for n in SIZES))
    p.add_argument("--drain-hours", type=float, default=1.0)
    p.add_argument("--db", default="postgres", help="whose consumer figures to use")
    p.add_argument("--no-measure", action="store_true", help="do not measure the kit's rows on PostgreSQL")
    p.add_argument("--json-out", type=Path, default=None)
    args = p.parse_args(argv)
    runs = args.run or newest_run()
    figs = figures(runs)
    kit = None if args.no_measure else kit_row_bytes()
    sizes = tuple(int(x) for x in args.children.split(",") if x)
    doc = plan(figs, kit, sizes=sizes, drain_hours=args.drain_hours, db=args.db)
    doc["runs"] = [r.name for r in runs]
    if args.json_out:
        args.json_out.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(markdown(doc))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
