"""Memory of each of the eight processes at 10,000, 100,000 and 1,000,000 children (target < 300 MB at 1M).

    .venv/bin/python -m bench.memory [--sizes 10000,100000,1000000] [--burst 3000] [--json-out F]
    .venv/bin/python -m bench.memory --smoke          # one tiny size, a short workload

For each size: four fresh PostgreSQL databases, migrated by each service's own `init-db` (alembic,
as deploy/local/run.sh does), then filled in bulk (COPY) by the other benches' builders, a city of
N children in classes of 45:
- registry: kpi_reads' tree (10 districts, 150 townships of 60 villages, 1,000 schools) as
  `org_units`, and N `children` rows (archive, contact card, guardian), built here;
- pairing: match_suggestions' tree, N children to pair and 0.6·N helpers (`bulk_load`), and one
  obligation per child (due_queries' rows, 1 % of them due now, for the closing job);
- alerts: due_queries' tree and 0.15·N follow-up tasks (`load_tasks`);
- reporting: kpi_reads' tree, N `child_facts` and the `unit_counts` computed from them (`load`).
Each service has a tree of its own (the builders are the other benches'); every read below takes
its units from that service's own tree.

Then the eight real processes start on those databases (bench.platform_load's `Platform`: own run
dir, ports and topic prefix; the schedulers' intervals shortened to a few seconds), and a sampler
reads VmRSS and VmHWM from /proc/<pid>/status of each every 0.1 s while a workload runs, phase by
phase, one request at a time: API reads at school, township, district and city scope (children
lists, subtree, archive stats, roster export, helpers, match suggestions, task lists, KPIs,
sub-units, drill-down), some API writes, a burst of fresh registry events on the run's topics for
the workers (consume_rate's small city: org units, children, term results), and the schedulers'
ticks over the big tables. Per process and size: the baseline after start, the peak (VmHWM), the
steady RSS at the end, and the phase during which the highest sample was read (which request drove
the peak). Figures (for bench.run): each process's peak at each size, against < 300 MB at 1,000,000.
Writes bench/results/<date>-memory-postgres-<label>.json (or `--json-out`) and prints Markdown.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench import benchlib as bl
from bench import consume_rate, due_queries, kpi_reads, match_suggestions, platform_load
from shouhu_contracts.registry.v1 import ChildRegistered, OrgUnitCreated, TermResultRecorded
from shouhu_contracts.topics import TOPICS_BY_NAME
from shouhu_kit.db import Database

TARGET_MIB = 300 * 10**6 / 2**20  # 300 MB
TARGET = "< 300 MB at 1,000,000"
PROCESSES = [f"{svc} {kind}" for svc in bl.SERVICES for kind in ("api", "worker")]
JOB_INTERVALS = {  # seconds: every scheduler ticks several times during the workload
    "SHOUHU_OBLIGATION_CLOSE_EVERY_SECONDS": "5",
    "SHOUHU_ESCALATE_EVERY_SECONDS": "5",
    "SHOUHU_REMIND_EVERY_SECONDS": "5",
    "SHOUHU_DIGEST_EVERY_SECONDS": "10",
    "SHOUHU_BULLETIN_EVERY_SECONDS": "10",
}
AT = datetime(2026, 9, 1, tzinfo=UTC)


# ---------------------------------------------------------------- filling the databases


def migrate(svc: str, url: str) -> None:
    """The service's own `init-db`: alembic up to the newest revision (what run.sh does first)."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SHOUHU_")},
        "SHOUHU_ENV": "dev",
        f"SHOUHU_{svc.upper()}_DATABASE_URL": url,
    }
    subprocess.run(  # noqa: S603 - the project's own entry point
        [str(bl.ROOT / ".venv/bin" / f"shouhu-{svc}"), "init-db"], env=env, check=True, timeout=300
    )


def registry_children(city: kpi_reads.City, n: int) -> Iterator[tuple[Any, ...]]:
    """Rows of registry's `children`: made-up archives, 1 in 4 with nobody as guardian."""
    rng, classes = city.rng, city.levels["class"]
    paths = {u: path for u, _k, _p, path in city.rows}
    for i in range(n):
        cls = classes[i % len(classes)]
        school, township = city.up[cls][1], city.up[cls][2]
        home = rng.choice(city.villages_of[township]) if rng.random() < 0.7 else None
        nobody = i % 4 == 0
        guardian = (
            None
            if nobody
            else json.dumps(
                {"name": "王奶奶", "relation": "祖母", "age": 66, "rating": "good"}, ensure_ascii=False
            )
        )
        parent = json.dumps(
            {"name": "家长", "phone": f"138{i % 10**8:08d}", "work_city": "深圳"}, ensure_ascii=False
        )
        at = AT - timedelta(seconds=rng.randrange(18 * 30 * 86400))
        yield (uuid.UUID(int=rng.getrandbits(128), version=4), f"童{i:07d}", rng.choice(["male", "female"]),
               date(2012, 1, 1) + timedelta(days=i % 2500), None, f"T{i:017d}", cls, school, paths[cls],
               home, paths[home] if home else None, False, rng.choice(["both_parents", "father", "mother"]),
               parent, parent, guardian, "none" if nobody else "good", "", True, "active", 1, at,
               at)  # fmt: skip


REGISTRY_CHILD_COLUMNS = (
    "id, name, gender, birth_date, ethnicity, id_number, class_id, school_id, org_path_text, "
    "home_village_id, home_path_text, boarding, left_behind_type, father, mother, guardian, "
    "guardian_rating, missing_contacts, contact_complete, status, version, registered_at, updated_at"
)


def fill_registry(url: str, n: int, seed: int) -> dict[str, Any]:
    """kpi_reads' tree as `org_units`, and n children in it."""
    from registry.adapters.orm import Base

    city = kpi_reads.City(random.Random(seed), max(1, -(-n // 45)))  # noqa: S311 - made-up city
    db = Database(url=url, metadata=Base.metadata)
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        kpi_reads._copy(
            cur,
            "org_units (id, kind, code, name, parent_id, path_text, created_at)",
            ((u, k, f"U{i}", f"{k}{i}", p, path, AT) for i, (u, k, p, path) in enumerate(city.rows)),
        )
        kpi_reads._copy(cur, f"children ({REGISTRY_CHILD_COLUMNS})", registry_children(city, n))
        raw.commit()
        raw.driver_connection.autocommit = True  # type: ignore[union-attr]
        cur.execute("VACUUM ANALYZE")
    finally:
        raw.close()
        db.dispose()
    return _levels(city.levels, city.root)


def fill_pairing(url: str, n: int, seed: int) -> dict[str, Any]:
    from pairing.adapters.orm import Base

    city = match_suggestions.City(random.Random(seed), max(1, -(-n // 45)))  # noqa: S311
    db = Database(url=url, metadata=Base.metadata)
    try:
        match_suggestions.bulk_load(db, city, n, max(1, n * 6 // 10))
        fill_obligations(db, random.Random(seed))  # noqa: S311
    finally:
        db.dispose()
    return _levels(city.levels, city.root)


def fill_obligations(db: Database, rng: random.Random, due: float = 0.01) -> None:
    """One monthly helper-contact obligation per child, `due` of them due now (for the closing job).

    due_queries' rows (windows ending uniformly over half a year), moved so that `due` of the
    active windows have ended by the wall clock the worker runs on, and given the real children.
    """
    with db.engine.connect() as conn:
        ids = [row[0] for row in conn.execute(text("SELECT id FROM children"))]
    shift = datetime.now(UTC) - due * due_queries.SPAN - due_queries.T0
    rows = (
        (oid, child, duty, rhythm, who, helper, version, start + shift, end + shift, status, opened + shift)
        for child, (oid, _c, duty, rhythm, who, helper, version, start, end, status, opened) in zip(
            ids, due_queries.obligation_rows(len(ids), rng), strict=True
        )
    )
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        kpi_reads._copy(cur, f"obligations ({', '.join(due_queries.OBLIGATION_COLUMNS)})", rows)
        raw.commit()
        raw.driver_connection.autocommit = True  # type: ignore[union-attr]
        cur.execute("VACUUM ANALYZE obligations")
    finally:
        raw.close()


def fill_alerts(url: str, n: int, seed: int) -> dict[str, Any]:
    from alerts.adapters.orm import Base

    db = Database(url=url, metadata=Base.metadata)
    try:
        _units, levels, _s = due_queries.load_tasks(db, children=n, tasks=max(1, n * 15 // 100), seed=seed)
    finally:
        db.dispose()
    return _levels(levels, levels["city"][0])


def fill_reporting(url: str, n: int, seed: int) -> dict[str, Any]:
    from reporting.adapters.orm import Base

    city = kpi_reads.City(random.Random(seed), max(1, -(-n // 45)))  # noqa: S311
    db = Database(url=url, metadata=Base.metadata)
    try:
        kpi_reads.load(db, city, n)
    finally:
        db.dispose()
    return _levels(city.levels, city.root)


def _levels(levels: dict[str, list[uuid.UUID]], root: uuid.UUID) -> dict[str, Any]:
    """The units the workload reads: the city, and the first district, township, school, class, village."""
    out = {"city": str(root)}
    for kind in ("district", "township", "school", "class", "village"):
        if levels.get(kind):
            out[kind] = str(levels[kind][0])
    return out


FILLERS = {
    "registry": fill_registry,
    "pairing": fill_pairing,
    "alerts": fill_alerts,
    "reporting": fill_reporting,
}


# ---------------------------------------------------------------- sampling /proc


def status_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process in KiB (empty when it is gone)."""
    out = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line.split(":")[0]] = int(line.split()[1])
    return out


@dataclass
class Sampler:
    """Reads VmRSS of each process every `every` seconds; remembers the highest and the phase it fell in."""

    pids: dict[str, int]
    every: float = 0.1
    phase: str = "start"
    peak_kib: dict[str, int] = field(default_factory=dict)
    peak_phase: dict[str, str] = field(default_factory=dict)
    phase_peak_kib: dict[str, dict[str, int]] = field(default_factory=dict)
    samples: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.every)

    def sample(self) -> None:
        phase = self.phase
        for name, pid in self.pids.items():
            rss = status_kib(pid).get("VmRSS")
            if rss is None:
                continue
            per_phase = self.phase_peak_kib.setdefault(phase, {})
            per_phase[name] = max(per_phase.get(name, 0), rss)
            if rss > self.peak_kib.get(name, 0):
                self.peak_kib[name], self.peak_phase[name] = rss, phase
        self.samples += 1

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(5)
        self.sample()

    def now_mib(self) -> dict[str, dict[str, float]]:
        return {
            name: {k: round(v / 1024, 1) for k, v in status_kib(pid).items()}
            for name, pid in self.pids.items()
        }


# ---------------------------------------------------------------- the workload


def _read(api: platform_load.Api, method: str, path: str, body: Any = None) -> dict[str, Any]:
    t0 = time.perf_counter()
    try:
        status, raw = api.call(method, path, body)
        size = len(raw)
    except OSError as exc:
        status, size = 0, 0
        bl.say(f"    {method} {path}: {type(exc).__name__}")
    return {"status": status, "seconds": round(time.perf_counter() - t0, 2), "bytes": size}


Request = tuple[str, str, str, str, Any]  # phase, service, method, path, body


def api_phases(units: dict[str, dict[str, str]]) -> list[Request]:
    """Reads at each scope, one request at a time; the units are each service's own."""
    r, pa, al, rp = units["registry"], units["pairing"], units["alerts"], units["reporting"]
    out: list[Request] = []

    def get(phase: str, svc: str, path: str) -> None:
        out.append((phase, svc, "GET", path, None))

    for scope in ("school", "township", "district", "city"):
        get(f"registry children list ({scope})", "registry", f"/v1/children?org_id={r[scope]}&limit=100")
        get(f"registry archive stats ({scope})", "registry", f"/v1/org-units/{r[scope]}/archive-stats")
    get("registry subtree (city)", "registry", f"/v1/org-units/{r['city']}/subtree")
    get("registry org units under a township", "registry", f"/v1/org-units?parent_id={r['township']}")
    for scope in ("school", "township"):
        get(
            f"registry roster export ({scope})", "registry", f"/v1/rosters/children/export?unit_id={r[scope]}"
        )
    get("pairing unpaired children", "pairing", "/v1/children/unpaired?limit=100")
    get("pairing helpers (township)", "pairing", f"/v1/helpers?unit_id={pa['township']}&limit=100")
    for scope in ("school", "township", "district", "city"):
        body = {"unit_id": pa[scope], "limit": 100}
        out.append((f"pairing match suggestions ({scope})", "pairing", "POST", "/v1/suggestions", body))
    get("alerts task list (city)", "alerts", "/v1/tasks?limit=100")
    get("alerts task list (city, overdue)", "alerts", "/v1/tasks?overdue=true&limit=100")
    for scope in ("district", "school"):
        get(f"alerts task list ({scope})", "alerts", f"/v1/tasks?unit_id={al[scope]}&limit=100")
    for scope in ("school", "district", "city"):
        unit = f"/v1/org-units/{rp[scope]}"
        get(f"reporting KPIs ({scope})", "reporting", f"{unit}/kpis")
        get(f"reporting sub-units ({scope})", "reporting", f"{unit}/sub-units?limit=100")
        get(
            f"reporting drill-down unpaired ({scope})",
            "reporting",
            f"{unit}/children?figure=unpaired&limit=50",
        )
    get("reporting sub-units export (city)", "reporting", f"/v1/org-units/{rp['city']}/sub-units.xlsx")
    return out


def workload(
    p: platform_load.Platform,
    sampler: Sampler,
    units: dict[str, dict[str, str]],
    args: argparse.Namespace,
) -> dict[str, Any]:
    """Run each phase in turn with the sampler labelled by it; what each request answered."""
    apis = {svc: platform_load.Api(p.api[svc], p.token) for svc in bl.SERVICES}
    for a in apis.values():
        a.conn.timeout = args.request_timeout
    done: dict[str, Any] = {}
    for phase, svc, method, path, body in api_phases(units):
        sampler.phase = phase
        done[phase] = _read(apis[svc], method, path, body)
        bl.say(f"    {phase}: {done[phase]['status']} in {done[phase]['seconds']} s")
    # Writes: registered children (registry's outbox and relay), term results.
    sampler.phase = "API writes (registry children + term results)"
    r = units["registry"]
    rng = random.Random(1)  # noqa: S311 - made-up children
    statuses: dict[str, int] = {}
    t0 = time.perf_counter()
    for i in range(args.writes):
        payload = platform_load.child_payload(10**6 + i, rng, [r["class"]], [r["village"]])
        status, raw = apis["registry"].call("POST", "/v1/children", payload)
        statuses[str(status)] = statuses.get(str(status), 0) + 1
        if status == 201:
            child = json.loads(raw)["id"]
            body = {"total_score": 480.0, "class_rank": 5, "class_size": 45}
            status, _ = apis["registry"].call("PUT", f"/v1/children/{child}/term-results/2025-2026-1", body)
            statuses[f"term {status}"] = statuses.get(f"term {status}", 0) + 1
    done[sampler.phase] = {"statuses": statuses, "seconds": round(time.perf_counter() - t0, 2)}
    done["workers: event burst"] = burst(p, sampler, args)
    sampler.phase = "schedulers' ticks (idle)"
    time.sleep(args.idle)
    done[sampler.phase] = {"seconds": args.idle}
    done["jobs"] = {}  # what each scheduler did (GET /v1/ops/jobs): its last run and result
    for svc, api in apis.items():
        status, raw = api.call("GET", "/v1/ops/jobs")
        done["jobs"][svc] = json.loads(raw) if status == 200 else {"status": status}
    return done


def burst(p: platform_load.Platform, sampler: Sampler, args: argparse.Namespace) -> dict[str, Any]:
    """Fresh registry events on the run's topics; wait until pairing, alerts and reporting applied them."""
    sampler.phase = "workers: event burst"
    city = consume_rate.synthetic_city(args.burst, seed=7)
    org_topic, children_topic = f"{p.prefix}registry.org", f"{p.prefix}registry.children"
    consume_rate.create_topics(
        args.kafka,
        [
            (org_topic, TOPICS_BY_NAME["registry.org"].partitions),
            (children_topic, TOPICS_BY_NAME["registry.children"].partitions),
        ],
    )
    count_by_type = {
        OrgUnitCreated.event_type: len(city.org),
        ChildRegistered.event_type: city.n_children,
        TermResultRecorded.event_type: len(city.children) - city.n_children,
    }
    want = {
        svc: float(sum(count_by_type.get(t, 0) for t in types))
        for svc, types in platform_load.handled_types().items()
    }
    before = {svc: platform_load.consumed(p.metrics(p.worker[svc])) for svc in want}
    t0 = time.perf_counter()
    consume_rate.produce(args.kafka, org_topic, city.org)
    consume_rate.produce(args.kafka, children_topic, city.children)
    seen: dict[str, float] = {}
    deadline = t0 + args.burst_timeout
    while time.perf_counter() < deadline:
        seen = {svc: platform_load.consumed(p.metrics(p.worker[svc])) - before[svc] for svc in want}
        if all(seen[svc] >= want[svc] for svc in want):
            break
        time.sleep(0.5)
    return {
        "events": len(city.org) + len(city.children),
        "expected_per_service": want,
        "consumed": seen,
        "complete": all(seen.get(svc, 0) >= want[svc] for svc in want),
        "seconds": round(time.perf_counter() - t0, 1),
    }


# ---------------------------------------------------------------- one size


def one_size(n: int, args: argparse.Namespace) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:8]
    names = {svc: f"bench_mem_{tag}_{svc}" for svc in bl.SERVICES}
    work = Path(tempfile.mkdtemp(prefix="memory-"))
    out: dict[str, Any] = {"children": n, "load_average_before": _load()}
    with bl.pg_databases(list(names.values())) as by_name:
        urls = {svc: by_name[names[svc]] for svc in bl.SERVICES}
        t0 = time.perf_counter()
        fill_s: dict[str, float] = {}

        def fill(svc: str) -> dict[str, str]:
            t1 = time.perf_counter()
            migrate(svc, urls[svc])
            levels = FILLERS[svc](urls[svc], n, args.seed)
            fill_s[svc] = round(time.perf_counter() - t1, 1)
            bl.say(f"  {n:,}: {svc} migrated and filled in {fill_s[svc]} s")
            return levels

        # The four at once: registry's and pairing's rows are made in Python, reporting's
        # unit_counts by PostgreSQL's GROUP BY; together they use both cores.
        with ThreadPoolExecutor(max_workers=len(bl.SERVICES)) as pool:
            futures = {svc: pool.submit(fill, svc) for svc in bl.SERVICES}
            units = {svc: f.result() for svc, f in futures.items()}
        out["fill_s"] = {**fill_s, "total": round(time.perf_counter() - t0, 1)}
        p = platform_load.Platform(work, args.kafka, urls)
        p.env.update(JOB_INTERVALS)
        try:
            t2 = time.perf_counter()
            p.start()
            out["startup_s"] = round(time.perf_counter() - t2, 1)
            pids = {name: p.pid(*name.split()) for name in PROCESSES}
            sampler = Sampler({k: v for k, v in pids.items() if v})
            sampler.start()
            sampler.phase = "baseline after start"
            time.sleep(args.settle)
            baseline = sampler.now_mib()
            out["requests"] = workload(p, sampler, units, args)
            sampler.stop()
            end = sampler.now_mib()
            out["load_average_after"] = _load()
            out["processes"] = {
                name: {
                    "baseline_rss_mib": baseline.get(name, {}).get("VmRSS"),
                    "peak_hwm_mib": end.get(name, {}).get("VmHWM"),
                    "peak_sampled_rss_mib": round(sampler.peak_kib.get(name, 0) / 1024, 1),
                    "peak_phase": sampler.peak_phase.get(name),
                    "steady_rss_mib_at_end": end.get(name, {}).get("VmRSS"),
                }
                for name in PROCESSES
            }
            out["phase_peak_rss_mib"] = {
                phase: {k: round(v / 1024, 1) for k, v in per.items()}
                for phase, per in sampler.phase_peak_kib.items()
            }
            out["samples"] = sampler.samples
            out["database_mib"] = database_sizes(names)
        finally:
            p.stop()
            with contextlib.suppress(Exception):
                bl.delete_topics(args.kafka, p.prefix)
    shutil.rmtree(work, ignore_errors=True)
    return out


def database_sizes(names: dict[str, str]) -> dict[str, float]:
    """Each service's database as filled and worked on (pg_database_size, MiB): the capacity plan's input."""
    import psycopg

    with psycopg.connect(bl.DEFAULT_PG, autocommit=True) as conn:
        return {
            svc: round(conn.execute("SELECT pg_database_size(%s)", (name,)).fetchone()[0] / 2**20, 1)  # type: ignore[index]
            for svc, name in names.items()
        }


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# ---------------------------------------------------------------- report


def figures(sizes: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """For bench.run: a figure per process (and per database), its value at each size measured."""
    out: dict[str, Any] = {}
    for size, res in sizes.items():
        n = int(size)
        for name, proc in res.get("processes", {}).items():
            value = proc["peak_hwm_mib"]
            fig = out.setdefault(f"{name} peak memory", {"unit": "MiB", "values": {}})
            fig["values"][str(n)] = value
            if n == 1_000_000 and value is not None:
                fig.update(target=TARGET, met=value < TARGET_MIB, target_size=n)
        for svc, mib in res.get("database_mib", {}).items():
            db = out.setdefault(f"{svc} database size, as filled", {"unit": "MiB", "values": {}})
            db["values"][str(n)] = mib
    return out


def markdown(r: dict[str, Any]) -> str:
    sizes = list(r["sizes"])
    rows = []
    for name in PROCESSES:
        cells = []
        for s in sizes:
            proc = r["sizes"][s].get("processes", {}).get(name, {})
            cells.append(
                f"{proc.get('baseline_rss_mib')} → {proc.get('peak_hwm_mib')} ({proc.get('peak_phase')})"
                if proc
                else "—"
            )
        rows.append([name, *cells])
    head = ["process: baseline → peak MiB (phase of the peak)", *(f"{int(s):,}" for s in sizes)]
    return "\n".join(
        ["### memory — RSS per process", "", bl.machine_markdown(r["machine"]), "", bl.md_table(head, rows)]
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--burst", type=int, default=3000, help="registry events for the workers")
    ap.add_argument("--writes", type=int, default=30, help="children registered through the API")
    ap.add_argument("--settle", type=float, default=5.0, help="seconds after start before the baseline")
    ap.add_argument("--idle", type=float, default=15.0, help="seconds of schedulers' ticks at the end")
    ap.add_argument("--request-timeout", type=float, default=600.0)
    ap.add_argument("--burst-timeout", type=float, default=300.0)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--kafka", default=bl.DEFAULT_KAFKA)
    ap.add_argument("--label", default="run")
    ap.add_argument("--smoke", action="store_true", help="one tiny size, a short workload")
    ap.add_argument("--json-out", type=Path, default=None)
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.smoke:
        sizes = [min(sizes[0], 900)]
        args.burst, args.writes, args.settle, args.idle, args.burst_timeout = 300, 3, 1.0, 6.0, 90.0
        if args.label == "run":
            args.label = "smoke"
    m = bl.machine()
    bl.say(bl.machine_markdown(m))
    result: dict[str, Any] = {
        "bench": "memory",
        "label": args.label,
        "db": "postgres",
        "machine": m,
        "sizes": {},
    }
    for n in sizes:
        bl.say(f"size {n:,}")
        result["sizes"][str(n)] = one_size(n, args)
    result["figures"] = figures(result["sizes"])
    if args.json_out:
        args.json_out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    else:
        path = bl.write_result("memory", args.label, "postgres", result)
        bl.say(f"result: {path.relative_to(bl.ROOT)}")
    print(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
