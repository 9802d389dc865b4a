"""One command for every platform figure, on one synthetic city, against the real local stack.

    .venv/bin/python -m bench.run [--sizes 10000,100000,1000000] [--smoke] [--label run]
        [--db postgres|sqlite] [--only raw,generator,...] [--skip ...] [--consumers-max 100000]

Kafka (KAFKA_BOOTSTRAP_SERVERS, else 127.0.0.1:19092) and PostgreSQL (DATABASE_URL, else the
benches' local server) must answer; when they do not, `deploy/local/infra.sh up` starts them
(`--no-start` refuses instead). Each step is the existing bench script, run as its own process
(so a step's memory is its own and a failure stops only that step), writing JSON that is read back:

- raw: bench.raw_limits (kafka-python produce and consume, PostgreSQL single-row and batched
  inserts), once;
- generator: bench.synthetic_city at each size (time, events per second, peak memory);
- consumers: bench.consume_rate --city N at each size up to --consumers-max (each consumer's
  records/s and its share of the raw consume rate);
- api: bench.platform_load (API writes/s with all eight processes running), once;
- roster: bench.roster_import (roster import rows/s, outbox events included), once;
- suggestions: bench.match_suggestions --synthetic at each size;
- due: bench.due_queries --children N at each size;
- and, where the module exists, bench.kpi_reads, bench.bulletin_build, bench.assessment_build,
  bench.latency and bench.memory (called with --smoke / --sizes / --json-out when their --help
  names those options; a `figures` object in their JSON, {name: {value, unit, target?, met?}},
  goes into the table).

Writes bench/results/<date>-run-<label>.json and .md (the machine, every figure at every size,
each target beside its figure, met or missed) and <date>-run-<label>.png (how each figure grows
with the city). `--smoke` runs at tiny sizes to show the harness works; no time is asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import benchlib as bl

PY = sys.executable
OPTIONAL = ("kpi_reads", "bulletin_build", "assessment_build", "latency", "memory")
SERVICES = ("pairing", "alerts", "reporting")


# ---------------------------------------------------------------- the stack


def endpoints() -> tuple[str, str]:
    """The broker's bootstrap address and the PostgreSQL URL (SQLAlchemy form) the run uses."""
    kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or bl.DEFAULT_KAFKA
    pg = os.environ.get("DATABASE_URL") or bl.DEFAULT_PG.replace("postgresql://", "postgresql+psycopg://", 1)
    return kafka, pg


def _answers(host_port: str) -> bool:
    host, port = host_port.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=3):
            return True
    except OSError:
        return False


def ensure_stack(
    kafka: str, pg: str, *, start: bool, need: frozenset[str] = frozenset({"kafka", "postgres"})
) -> list[str]:
    """Check that Kafka and PostgreSQL (the ones `need`ed) answer; start them with infra.sh when allowed."""
    from sqlalchemy.engine import make_url

    u = make_url(pg)
    pg_addr = f"{u.host or '127.0.0.1'}:{u.port or 5432}"
    missing = [
        name
        for name, addr in (("kafka", kafka.split(",")[0]), ("postgres", pg_addr))
        if name in need and not _answers(addr)
    ]
    if missing and start:
        for name in missing:
            bl.say(f"{name} does not answer: starting it with deploy/local/infra.sh up {name}")
            subprocess.run(  # noqa: S603 - the project's own script
                ["bash", str(bl.ROOT / "deploy/local/infra.sh"), "up", name],  # noqa: S607
                check=True,
                timeout=600,
            )
    elif missing:
        raise SystemExit(f"not answering: {', '.join(missing)} (and --no-start was given)")
    return missing


# ---------------------------------------------------------------- one step as a process


@dataclass
class StepRun:
    """One bench process: what it was told, how it ended, what it wrote."""

    step: str
    size: int | None
    argv: list[str]
    rc: int | None = None
    seconds: float = 0.0
    peak_rss_mib: float = 0.0
    result: Any = None
    error: str = ""
    log_tail: str = ""

    def doc(self) -> dict[str, Any]:
        """As stored in the run's JSON."""
        return {
            "step": self.step,
            "size": self.size,
            "argv": self.argv,
            "rc": self.rc,
            "seconds": round(self.seconds, 1),
            "peak_rss_mib": self.peak_rss_mib,
            "error": self.error,
            "log_tail": self.log_tail,
            "result": self.result,
        }


def run_process(
    step: str, size: int | None, module: str, args: list[str], env: dict[str, str], timeout: float
) -> StepRun:
    """python -m <module> <args> --json-out F; its exit, wall time, peak memory and JSON."""
    with tempfile.TemporaryDirectory(prefix="shouhu-bench-run-") as tmp:
        out = Path(tmp) / "out.json"
        log = Path(tmp) / "log.txt"
        argv = [PY, "-m", module, *args, "--json-out", str(out)]
        sr = StepRun(step, size, argv[1:])
        bl.say(f"== {step}{f' at {size:,}' if size else ''}: {' '.join(argv[2:-2])}")
        t0 = time.perf_counter()
        with log.open("wb") as f:
            # Its own process group: a timeout, or this run being stopped, ends the step's children too.
            proc = subprocess.Popen(  # noqa: S603 - our interpreter, a bench module
                argv, cwd=bl.ROOT, env=env, stdout=f, stderr=subprocess.STDOUT, start_new_session=True
            )
            RUNNING.add(proc.pid)
            killer = threading.Timer(timeout, _end_group, args=(proc.pid,))
            killer.start()
            try:
                _pid, status, usage = os.wait4(proc.pid, 0)
            finally:
                killer.cancel()
                RUNNING.discard(proc.pid)
                _end_group(proc.pid)  # what the step left running (a platform, a consumer thread's child)
            proc.returncode = os.waitstatus_to_exitcode(status)
        sr.seconds = time.perf_counter() - t0
        sr.rc = proc.returncode
        sr.peak_rss_mib = round(usage.ru_maxrss / 1024, 1)
        text = log.read_text(encoding="utf-8", errors="replace")
        sr.log_tail = "\n".join(text.splitlines()[-15:])
        if out.exists():
            with contextlib.suppress(json.JSONDecodeError):
                sr.result = json.loads(out.read_text(encoding="utf-8"))
        if sr.rc != 0 or sr.result is None:
            sr.error = (
                "timed out"
                if sr.rc == -9
                else f"exit {sr.rc}" + ("" if sr.result is not None else ", no JSON")
            )
            bl.say(f"!! {step}: {sr.error}\n{sr.log_tail}")
        else:
            bl.say(f"   {step}: {sr.seconds:.0f} s, peak {sr.peak_rss_mib} MiB")
    return sr


RUNNING: set[int] = set()  # the step processes (each its group's leader) now running


def _end_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _stop_steps(signum: int, _frame: object) -> None:
    """On SIGTERM or SIGINT: end the running step's process group, then exit."""
    for pgid in list(RUNNING):
        _end_group(pgid)
    raise SystemExit(128 + signum)


def _help_mentions(module: str, env: dict[str, str]) -> str:
    done = subprocess.run(  # noqa: S603 - our interpreter, a bench module
        [PY, "-m", module, "--help"],
        cwd=bl.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.stdout + done.stderr


# ---------------------------------------------------------------- figures


@dataclass(frozen=True)
class Target:
    """A target from the issues: met when `ok(value)`, read at `at_size` (None: size-free)."""

    text: str
    ok: Callable[[float], bool]
    at_size: int | None = None


@dataclass
class Figure:
    """One figure: its value per size (None key for a size-free figure)."""

    name: str
    unit: str
    values: dict[int | None, float] = field(default_factory=dict)
    target: Target | None = None
    note: str = ""

    def verdict(self, sizes: list[int], *, smoke: bool = False) -> str:
        """met / missed at the target's size; 'not run at N' when the run had not that size."""
        if self.target is None:
            return ""
        if smoke:
            return "(smoke run: not judged)"
        at = self.target.at_size
        if at is not None and at not in self.values:
            largest = max((s for s in self.values if s is not None), default=None)
            if largest is None:
                return "not measured"
            v = self.values[largest]
            return f"{'met' if self.target.ok(v) else 'missed'} at {largest:,} (target is at {at:,}: not run)"
        key = at if at is not None else (None if None in self.values else max(self.values, default=None))  # type: ignore[type-var]
        if key not in self.values:
            return "not measured"
        return "**met**" if self.target.ok(self.values[key]) else "**missed**"


class Figures:
    """The run's figures, in the order they are first named."""

    def __init__(self) -> None:
        self.by_name: dict[str, Figure] = {}

    def put(
        self,
        name: str,
        unit: str,
        size: int | None,
        value: float | None,
        target: Target | None = None,
        note: str = "",
    ) -> None:
        """Record a value (None values are skipped)."""
        if value is None:
            return
        fig = self.by_name.setdefault(name, Figure(name, unit, target=target, note=note))
        fig.values[size] = float(value)


def collect(runs: list[StepRun], figs: Figures) -> None:
    """Read each step's JSON into figures and targets."""
    raw_consume = None
    for r in runs:
        if r.step == "raw" and r.result:
            raw_consume = r.result["kafka"]["consume_poll_only_per_s"]
    for r in runs:
        res, n = r.result, r.size
        if not res:
            continue
        if r.step == "raw":
            k, p = res["kafka"], res["postgresql"]
            figs.put("raw Kafka produce", "msg/s", None, k["produce_per_s"])
            figs.put("raw Kafka consume, poll only (= 100 %)", "msg/s", None, k["consume_poll_only_per_s"])
            figs.put("raw Kafka consume, commit per poll", "msg/s", None, k["consume_commit_per_poll_per_s"])
            figs.put(
                "raw PostgreSQL INSERT + COMMIT per row", "rows/s", None, p["single_row_insert_commit_per_s"]
            )
            figs.put(
                "raw PostgreSQL multi-row INSERT of 1,000", "rows/s", None, p["multi_row_insert_1000_per_s"]
            )
            figs.put("raw PostgreSQL COPY of 1,000", "rows/s", None, p["copy_1000_per_s"])
        elif r.step == "generator":
            figs.put("generator: plain data (whole city)", "s", n, res["plain_data_s"])
            figs.put("generator: children per second", "children/s", n, res["children_per_s"])
            figs.put("generator: peak memory", "MiB", n, r.peak_rss_mib)
            figs.put("generator: org units", "units", n, res["summary"]["org_units"])
            if "events_sample" in res:
                figs.put(
                    "generator: first 20,000 events (units first) encoded per second",
                    "events/s",
                    n,
                    res["events_sample"]["per_s"],
                )
        elif r.step == "consumers":
            for db, part in res["consumers"].items():
                for svc, v in part["services"].items():
                    figs.put(f"{svc} consumer ({db})", "records/s", n, v["per_s"])
                    if raw_consume:
                        figs.put(
                            f"{svc} consumer ({db}) / raw consume",
                            "%",
                            n,
                            round(100 * v["per_s"] / raw_consume, 1),
                            Target("≥ 30 % of raw consume", lambda x: x >= 30.0),
                        )
        elif r.step == "api":
            w = res["writes"]
            figs.put(
                f"API writes/s, all processes running ({res['db']})",
                "writes/s",
                None,
                w["per_s"],
                Target("≥ 150/s", lambda x: x >= 150.0),
            )
            figs.put(f"API write latency p99 ({res['db']})", "ms", None, w["p99_ms"])
            figs.put(f"API write errors ({res['db']})", "errors", None, w["error_count"])
        elif r.step == "roster":
            for db, steps in res.items():
                if not isinstance(steps, dict):
                    continue
                for what in ("import roster.csv", "import roster.xlsx"):
                    if what in steps:
                        figs.put(
                            f"roster {what.split()[1]} import, events included ({db})",
                            "rows/s",
                            None,
                            steps[what]["rows_per_s"],
                            Target("≥ 2,000 rows/s", lambda x: x >= 2000.0),
                        )
        elif r.step == "suggestions":
            db = r.argv[r.argv.index("--db") + 1] if "--db" in r.argv else "sqlite"
            for one in res["results"]:
                size = one["children"]
                figs.put(
                    f"match suggestions, whole city ({db})",
                    "s",
                    size,
                    one["city_best"]["total_s"],
                    Target("< 10 s at 100,000", lambda x: x < 10.0, 100_000),
                )
                figs.put(f"match suggestions, a township ({db})", "s", size, one["township"]["total_s"])
                figs.put(f"match suggestions, a school ({db})", "s", size, one["school"]["total_s"])
                figs.put("helpers in the city", "helpers", size, one["helpers"])
        elif r.step == "due":
            for db, payload in res.items():
                for case in payload.get("obligations", {}).get("cases", []):
                    if case["rows"] == n and abs(case["due_share"] - 0.01) < 1e-9:
                        figs.put(
                            f"due obligations, 1 % due, first 500, p99 ({db})",
                            "ms",
                            n,
                            case["first_batch"]["p99_ms"],
                            Target("< 100 ms at 1,000,000", lambda x: x < 100.0, 1_000_000),
                        )
                        figs.put(
                            f"due obligations, 1 % due, drain all, p50 ({db})",
                            "ms",
                            n,
                            case["drain_all_due"]["p50_ms"],
                        )
                lists = payload.get("task_lists", {}).get("cases", {})
                for name, t in lists.items():
                    if name.startswith("district admin, first page"):
                        figs.put(
                            f"district task list, first page, p99 ({db})",
                            "ms",
                            n,
                            t["p99_ms"],
                            Target("p99 < 50 ms at 1,000,000", lambda x: x < 50.0, 1_000_000),
                        )
                    elif name.startswith("city admin"):
                        figs.put(f"city task list, first page, p99 ({db})", "ms", n, t["p99_ms"])
        elif r.step in OPTIONAL and isinstance(res, dict):
            for name, f in (res.get("figures") or {}).items():
                target = None
                if "met" in f and "target" in f:
                    met = bool(f["met"])

                    def judged(_x: float, m: bool = met) -> bool:
                        return m

                    target = Target(str(f["target"]), judged, f.get("target_size"))
                # One value ({"value", "size"?}) or one per size ({"values": {"10000": v, ...}}).
                values = f.get("values") or {f.get("size", n): f.get("value")}
                for size, value in values.items():
                    at = None if size in (None, "any") else int(size)
                    figs.put(f"{r.step}: {name}", str(f.get("unit", "")), at, value, target)


# ---------------------------------------------------------------- the run


@dataclass
class Plan:
    """What to run at which sizes."""

    sizes: list[int]
    smoke: bool
    db: str
    consumers_max: int
    steps: list[str]
    timeout: float


def steps_for(plan: Plan, env: dict[str, str]) -> list[tuple[str, int | None, str, list[str]]]:
    """(step, size, module, args) in the order they run."""
    s, db = plan.smoke, plan.db
    out: list[tuple[str, int | None, str, list[str]]] = []
    want = set(plan.steps)
    if "raw" in want:
        out.append(("raw", None, "bench.raw_limits", ["--smoke"] if s else []))
    for n in plan.sizes:
        if "generator" in want:
            out.append(("generator", n, "bench.synthetic_city", ["--children", str(n), "--events"]))
    for n in plan.sizes[:1] if s else plan.sizes:
        if "consumers" in want and n <= plan.consumers_max:
            # A smoke run reads 300 events of a city in the demo's shape (a full city's tree alone is
            # 1,800 units, which each consumer would have to apply first).
            shape = ["--events", "300", "--compact-city"] if s else ["--events", "6000"]
            args = ["--db", db, "--city", str(n), *shape, "--skip-raw", "--repeat", "1"]
            out.append(("consumers", n, "bench.consume_rate", args))
    if "api" in want:
        out.append(("api", None, "bench.platform_load", ["--db", db, *(["--smoke"] if s else [])]))
    if "roster" in want:
        out.append(
            (
                "roster",
                None,
                "bench.roster_import",
                ["--db", db, "--rows", "300" if s else "10000", "--repeat", "1" if s else "2"],
            )
        )
    for n in plan.sizes:
        if "suggestions" in want:
            out.append(
                (
                    "suggestions",
                    n,
                    "bench.match_suggestions",
                    [
                        "--db",
                        db,
                        "--synthetic",
                        "--sizes",
                        f"{n}:0",
                        "--repeat",
                        "1" if s or n >= 1_000_000 else "2",
                    ],
                )
            )
    for n in plan.sizes:
        if "due" in want:
            out.append(
                (
                    "due",
                    n,
                    "bench.due_queries",
                    ["--db", db, "--children", str(n), "--runs", "5" if s else "100"],
                )
            )
    for name in OPTIONAL:
        if name not in want or not (bl.ROOT / "bench" / f"{name}.py").exists():
            continue
        helptext = _help_mentions(f"bench.{name}", env)
        args = []
        if s and "--smoke" in helptext:
            args.append("--smoke")
        if "--sizes" in helptext:
            args += ["--sizes", ",".join(str(n) for n in plan.sizes)]
        if "--json-out" not in helptext:
            bl.say(f"bench.{name} takes no --json-out: its figures are not collected (it still runs)")
        out.append((name, None, f"bench.{name}", args))
    return out


def _reuse(doc: dict[str, Any]) -> StepRun:
    sr = StepRun(doc["step"], doc["size"], doc["argv"], doc["rc"], doc["seconds"], doc["peak_rss_mib"])
    sr.result, sr.error, sr.log_tail = doc["result"], doc["error"], doc["log_tail"]
    return sr


def run(
    plan: Plan,
    label: str,
    *,
    start: bool,
    results: Path = bl.RESULTS,
    resume: list[Path] | None = None,
    rerun: frozenset[str] = frozenset(),
    taken: dict[tuple[str, int | None], Path] | None = None,
) -> tuple[dict[str, Any], Path]:
    """Every step, then the JSON, the Markdown and the plot.

    `taken`: steps not run but read from the JSON their bench wrote earlier (`--take`), named in
    the table as such."""
    kafka, pg = endpoints()
    libpq = pg.replace("postgresql+psycopg://", "postgresql://", 1)
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka,
        "SHOUHU_KAFKA_BOOTSTRAP_SERVERS": kafka,
        "DATABASE_URL": pg,
        "BENCH_PG_URL": libpq,
        "MPLBACKEND": "Agg",
    }
    done: dict[tuple[str, int | None], dict[str, Any]] = {}
    for path in resume or ():  # earlier runs' steps that succeeded are kept (a later file wins)
        earlier = json.loads(path.read_text(encoding="utf-8"))
        for d in earlier["steps"]:
            if not d["error"] and d["step"] not in rerun:
                done[(d["step"], d["size"])] = d
    for (step, size), path in (taken or {}).items():
        done[(step, size)] = {
            "step": step,
            "size": size,
            "argv": [f"taken from {path.name}"],
            "rc": 0,
            "seconds": 0.0,
            "peak_rss_mib": 0.0,
            "error": "",
            "log_tail": "",
            "result": json.loads(path.read_text(encoding="utf-8")),
        }
    planned = steps_for(plan, env)
    needed = [p for p in planned if (p[0], p[1]) not in done]
    # What the steps to run need: the generator nothing; on --db sqlite only raw needs PostgreSQL.
    steps_needing = {p[0] for p in needed}
    need = set()
    if steps_needing & {"raw", "consumers", "api"} or steps_needing & set(OPTIONAL):
        need.add("kafka")
    if "raw" in steps_needing or (plan.db == "postgres" and steps_needing - {"generator"}):
        need.add("postgres")
    started = ensure_stack(kafka, pg, start=start, need=frozenset(need)) if need else []
    m = bl.machine(pg_url=libpq)
    if resume:
        first = json.loads(resume[0].read_text(encoding="utf-8"))
        m["resumed_from"] = {"file": ", ".join(r.name for r in resume), "machine": first["machine"]}
    bl.say(bl.machine_markdown(m))
    t0 = time.perf_counter()
    runs: list[StepRun] = []
    for step, size, module, args in planned:
        if (step, size) in done:
            bl.say(f"== {step}{f' at {size:,}' if size else ''}: kept from an earlier run")
            runs.append(_reuse(done[(step, size)]))
            continue
        runs.append(run_process(step, size, module, args, env, plan.timeout))
    figs = Figures()
    collect(runs, figs)
    result = {
        "bench": "run",
        "label": label,
        "smoke": plan.smoke,
        "sizes": plan.sizes,
        "db": plan.db,
        "machine": m,
        "started_infrastructure": started,
        "seconds": round(time.perf_counter() - t0, 1),
        "figures": {
            f.name: {
                "unit": f.unit,
                "values": {str(k) if k else "any": v for k, v in f.values.items()},
                "target": f.target.text if f.target else None,
                "verdict": f.verdict(plan.sizes),
            }
            for f in figs.by_name.values()
        },
        "steps": [r.doc() for r in runs],
    }
    result["capacity"] = capacity_of(result, smoke=plan.smoke)
    results.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", label)
    base = results / f"{datetime.now(UTC):%Y-%m-%d}-run-{safe}"
    base.with_suffix(".json").write_text(
        json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
    )
    png = plot(
        figs, plan.sizes, base.with_suffix(".png"), title=f"Shouhu bench {label} — {m['started_at'][:10]}"
    )
    base.with_suffix(".md").write_text(markdown(result, figs, plan.sizes, runs, png), encoding="utf-8")
    return result, base


def capacity_of(result: dict[str, Any], *, smoke: bool) -> dict[str, Any] | None:
    """Capacity on paper from this run's figures (bench.capacity), or None when it cannot be had."""
    from bench import capacity

    figs = {name: {str(k): float(v) for k, v in f["values"].items()} for name, f in result["figures"].items()}
    try:
        kit = capacity.kit_row_bytes(rows=500 if smoke else 20_000)
    except Exception as exc:  # PostgreSQL away: the plan without the kit's row sizes
        bl.say(f"capacity: the kit's rows not measured ({type(exc).__name__})")
        kit = None
    return capacity.plan(figs, kit, sizes=capacity.SIZES, drain_hours=1.0, db=result["db"])


def _fmt(v: float) -> str:
    if v >= 100:
        return f"{v:,.0f}"
    if v >= 10:
        return f"{v:,.1f}"
    return f"{v:,.3g}"


def markdown(
    result: dict[str, Any], figs: Figures, sizes: list[int], runs: list[StepRun], png: Path | None
) -> str:
    """The run as a Markdown page: machine, figures by size with targets, steps."""
    m = result["machine"]
    head = ["figure", "unit", "once", *(f"{n:,}" for n in sizes), "target", "met / missed"]
    rows = []
    for f in figs.by_name.values():
        cells = [f.name, f.unit, _fmt(f.values[None]) if None in f.values else ""]
        cells += [_fmt(f.values[n]) if n in f.values else "" for n in sizes]
        cells += [f.target.text if f.target else "", f.verdict(sizes, smoke=result["smoke"])]
        rows.append(cells)
    steps = [
        [
            r.step,
            f"{r.size:,}" if r.size else "",
            r.rc,
            f"{r.seconds:.0f}",
            r.peak_rss_mib,
            r.error or (r.argv[0] if r.argv and r.argv[0].startswith("taken from") else "ok"),
        ]
        for r in runs
    ]
    lines = [
        f"# Bench run `{result['label']}` — {m['started_at']}",
        "",
        (
            "Smoke run (tiny sizes: the figures show the harness works, not the platform's speed). "
            if result["smoke"]
            else ""
        )
        + f"Database for the platform steps: {result['db']} (each figure names the one it was measured on). "
        + f"Sizes: {', '.join(f'{n:,}' for n in sizes)} children.",
        "",
        f"**Machine**: {m['nproc']} cores ({m['cpu_model']}), {m['memory_gib']} GiB RAM, "
        f"Linux {m['kernel']}, "
        f"Python {m['python']}, PostgreSQL {m['postgresql']}, {m['kafka']}, SQLite {m['sqlite']}, "
        f"SQLAlchemy {m['sqlalchemy']}; load average at start {m['load_average_at_start']}. "
        "The machine is shared with other sessions: read the spread, not the last digit."
        + (
            f" Steps kept from `{m['resumed_from']['file']}` (load average at the first one's start "
            f"{m['resumed_from']['machine']['load_average_at_start']}); the others ran again."
            if "resumed_from" in m
            else ""
        ),
        "",
        bl.md_table(head, rows),
        "",
        "Steps (each its own process; peak memory is the process's maximum resident set):",
        "",
        bl.md_table(["step", "size", "exit", "seconds", "peak MiB", "status"], steps),
    ]
    if png is not None:
        lines += ["", f"![how the figures grow]({png.name})"]
    if result.get("capacity"):
        from bench import capacity

        lines += [
            "",
            "## Capacity on paper (bench.capacity, from this run's figures)",
            "",
            capacity.markdown(result["capacity"]),
        ]
    return "\n".join(lines) + "\n"


def plot(figs: Figures, sizes: list[int], path: Path, *, title: str) -> Path | None:
    """One small panel per figure measured at two or more sizes: value against children (log x)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curves = [f for f in figs.by_name.values() if sum(1 for k in f.values if k is not None) >= 2]
    if not curves:
        return None
    cols = 3
    rows = -(-len(curves) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 4.2, rows * 3.0), squeeze=False)
    for ax, f in zip(axes.flat, curves, strict=False):
        xs = sorted(k for k in f.values if k is not None)
        ax.plot(xs, [f.values[x] for x in xs], marker="o")
        ax.set_xscale("log")
        ax.set_title(f.name, fontsize=8)
        ax.set_ylabel(f.unit, fontsize=8)
        ax.set_xlabel("children", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(True, alpha=0.3)
    for ax in list(axes.flat)[len(curves) :]:
        ax.axis("off")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


ALL_STEPS = ("raw", "generator", "consumers", "api", "roster", "suggestions", "due", *OPTIONAL)


def _taken(text: str) -> tuple[tuple[str, int | None], Path]:
    """STEP[@SIZE]=FILE as ((step, size), path)."""
    key, _, file = text.partition("=")
    step, _, size = key.partition("@")
    if not file or step not in ALL_STEPS:
        raise SystemExit(f"--take {text!r}: expected STEP[@SIZE]=FILE with a step of {', '.join(ALL_STEPS)}")
    return (step, int(size) if size else None), Path(file)


def main(argv: list[str] | None = None) -> int:
    """Parse, run, print where the results are."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="10000,100000,1000000")
    p.add_argument("--smoke", action="store_true", help="tiny sizes (300 and 1,000 children) and short steps")
    p.add_argument("--label", default=None, help="default: run (smoke: smoke)")
    p.add_argument("--db", choices=["postgres", "sqlite"], default="postgres", help="for the platform steps")
    p.add_argument("--only", default="", help=f"comma-separated steps of: {', '.join(ALL_STEPS)}")
    p.add_argument("--skip", default="", help="comma-separated steps to leave out")
    p.add_argument(
        "--consumers-max", type=int, default=100_000, help="largest city the consumers catch up on"
    )
    p.add_argument("--timeout", type=float, default=3600, help="seconds a step may take")
    p.add_argument("--no-start", action="store_true", help="never start Kafka or PostgreSQL")
    p.add_argument("--results-dir", type=Path, default=bl.RESULTS, help="where the JSON, table and plot go")
    p.add_argument(
        "--resume",
        type=Path,
        action="append",
        default=None,
        help="an earlier run's JSON: keep its steps that succeeded (may be given again; later ones win)",
    )
    p.add_argument("--rerun", default="", help="with --resume: steps to run again all the same")
    p.add_argument(
        "--take",
        action="append",
        default=[],
        metavar="STEP[@SIZE]=FILE",
        help="do not run a step: read the JSON its bench wrote earlier (--json-out), e.g. memory=F.json",
    )
    args = p.parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_steps)
    signal.signal(signal.SIGINT, _stop_steps)
    sizes = [300, 1000] if args.smoke else [int(x) for x in args.sizes.split(",") if x]
    chosen = [s for s in (args.only.split(",") if args.only else ALL_STEPS) if s]
    unknown = set(chosen) - set(ALL_STEPS) | (set(filter(None, args.skip.split(","))) - set(ALL_STEPS))
    if unknown:
        p.error(f"unknown steps: {', '.join(sorted(unknown))}")
    steps = [s for s in chosen if s not in set(args.skip.split(","))]
    plan = Plan(sizes, args.smoke, args.db, args.consumers_max, steps, args.timeout)
    label = args.label or ("smoke" if args.smoke else "run")
    result, base = run(
        plan,
        label,
        start=not args.no_start,
        results=args.results_dir,
        resume=args.resume,
        taken=dict(_taken(t) for t in args.take),
        rerun=frozenset(filter(None, args.rerun.split(","))),
    )
    print(base.with_suffix(".md").read_text(encoding="utf-8"))
    bl.say(f"results: {base}.json / .md / .png")
    failed = [s["step"] for s in result["steps"] if s["error"]]
    if failed:
        bl.say(f"steps that failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
