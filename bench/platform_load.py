"""API writes per second with the whole platform running, and how long the consumers take to catch up.

    .venv/bin/python -m bench.platform_load [--db sqlite|postgres] [--clients 8] [--duration 30]
        [--warmup 5] [--label before] [--profile-api] [--smoke]

Starts the platform with deploy/local/run.sh on the broker already running (never a second one),
isolated by its own run directory, ports and topic prefix; on PostgreSQL each service gets a fresh
database on the local server, dropped afterwards. Creates an org tree through the registry API,
then `--clients` threads (one keep-alive HTTP connection each) loop: register a child, record two
term results (every `--drop-every`th child falls sharply, so alerts opens a task). Each POST/PUT is
one write. After the last write it polls the workers' /metrics and alerts' GET /v1/tasks until
every consumer has applied every event. CPU seconds per process come from /proc/<pid>/stat.
`--profile-api` runs the registry API under cProfile (all threads; slower, for where the time goes).
Writes bench/results/<date>-platform_load-<db>-<label>.json (or `--json-out`) and prints Markdown.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.client
import itertools
import json
import os
import random
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from bench import benchlib as bl
from shouhu_contracts.alerts.v1 import FollowUpTaskOpened
from shouhu_contracts.registry.v1 import ChildRegistered, OrgUnitCreated, TermResultRecorded

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ("小明", "小红", "子涵", "欣怡", "浩然", "梓轩", "雨桐", "思远", "佳怡", "宇航")
TERMS = ("2025-2026-1", "2025-2026-2")
OPS = ("POST /v1/children", "PUT term 1", "PUT term 2")


# ---------------------------------------------------------------- the platform as processes


class Platform:
    """The eight processes started by run.sh, isolated from every other run on this machine."""

    def __init__(self, run_dir: Path, kafka: str, db_urls: dict[str, str] | None) -> None:
        self.run_dir = run_dir
        self.prefix = bl.unique_prefix("load")
        self.env = {
            **os.environ,
            "SHOUHU_ENV": "dev",
            "SHOUHU_RUN_DIR": str(run_dir / "run"),
            "SHOUHU_DATA_DIR": str(run_dir / "data"),
            "SHOUHU_KAFKA_BOOTSTRAP_SERVERS": kafka,
            "SHOUHU_KAFKA_TOPIC_PREFIX": self.prefix,
        }
        self.env.pop("SHOUHU_DATABASE_URL", None)
        self.api: dict[str, str] = {}
        self.worker: dict[str, str] = {}
        for svc in bl.SERVICES:
            a, w = bl.free_port(), bl.free_port()
            self.env[f"SHOUHU_{svc.upper()}_API_PORT"] = str(a)
            self.env[f"SHOUHU_{svc.upper()}_WORKER_PORT"] = str(w)
            self.api[svc], self.worker[svc] = f"http://127.0.0.1:{a}", f"http://127.0.0.1:{w}"
            self.env.pop(f"SHOUHU_{svc.upper()}_DATABASE_URL", None)
            if db_urls:
                self.env[f"SHOUHU_{svc.upper()}_DATABASE_URL"] = db_urls[svc]
        self.token = ""

    def run(self, command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - the project's own script
            ["bash", str(bl.ROOT / "deploy/local/run.sh"), command],  # noqa: S607
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def start(self) -> None:
        started = self.run("start")
        if started.returncode != 0:
            raise RuntimeError("run.sh start failed:\n" + started.stdout[-3000:] + started.stderr[-3000:])
        self.token = [line for line in started.stdout.splitlines() if line.startswith("eyJ")][-1]

    def stop(self) -> None:
        self.run("stop")

    def pids(self, svc: str, kind: str) -> list[int]:
        pid = self.pid(svc, kind)
        return [pid] if pid else []

    def pid(self, svc: str, kind: str) -> int | None:
        try:
            return int((self.run_dir / "run/pids" / f"{svc}-{kind}.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def metrics(self, base: str) -> dict[str, list[tuple[dict[str, str], float]]]:
        """Samples by name from one process's /metrics."""
        with urllib.request.urlopen(f"{base}/metrics", timeout=10) as r:  # noqa: S310 - loopback
            text = r.read().decode()
        out: dict[str, list[tuple[dict[str, str], float]]] = {}
        for family in text_string_to_metric_families(text):
            for s in family.samples:
                out.setdefault(s.name, []).append((dict(s.labels), float(s.value)))
        return out

    def profile_registry_api(self, out: Path) -> None:
        """Replace the registry API process by one running under the thread-wide profiler."""
        pid_file = self.run_dir / "run/pids/registry-api.pid"
        old = self.pid("registry", "api")
        if old:
            os.kill(old, signal.SIGTERM)
            for _ in range(100):
                if bl.cpu_seconds(old) is None:
                    break
                time.sleep(0.1)
        log = (self.run_dir / "run/logs/registry-api-profiled.log").open("ab")
        proc = subprocess.Popen(  # noqa: S603 - the project's own interpreter and module
            [str(bl.ROOT / ".venv/bin/python"), "-m", "bench.profiling", str(out), "registry", "api"],
            cwd=bl.ROOT,
            env=self.env,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        pid_file.write_text(f"{proc.pid}\n")  # run.sh stop stops it like the others
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.api['registry']}/readyz", timeout=3) as r:  # noqa: S310
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError("the profiled registry API did not become ready")


# ---------------------------------------------------------------- HTTP clients


class Api:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, base: str, token: str) -> None:
        host, port = base.removeprefix("http://").split(":")
        self.host, self.port = host, int(port)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=data, headers=self.headers)
                r = self.conn.getresponse()
                return r.status, r.read()
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def org_tree(api: Api, tag: str) -> tuple[list[str], list[str], int]:
    """City → 2 districts → 2 townships each (2 villages, 1 school with 5 classes): classes, villages."""

    def unit(kind: str, code: str, name: str, parent: str | None) -> str:
        status, body = api.call(
            "POST",
            "/v1/org-units",
            {"kind": kind, "code": f"{tag}-{code}", "name": name, "parent_id": parent},
        )
        if status != 201:
            raise RuntimeError(f"POST /v1/org-units → {status}")
        return str(json.loads(body)["id"])

    units = 1
    city = unit("city", "C", "压测市", None)
    classes, villages = [], []
    for d in range(2):
        district = unit("district", f"D{d}", f"第{d + 1}区", city)
        units += 1
        for t in range(2):
            town = unit("township", f"D{d}T{t}", f"第{d + 1}区{t + 1}镇", district)
            villages += [unit("village", f"D{d}T{t}V{v}", f"{v + 1}村", town) for v in range(2)]
            school = unit("school", f"D{d}T{t}S", "中心小学", town)
            classes += [unit("class", f"D{d}T{t}S{g}", f"{g + 1}年级(1)班", school) for g in range(5)]
            units += 1 + 2 + 1 + 5
    return classes, villages, units


def id_number(born: date, seq: int) -> str:
    """A valid 18-character resident ID (GB 11643 check digit) for a birth date."""
    body = f"410102{born:%Y%m%d}{seq:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


def child_payload(i: int, rng: random.Random, classes: list[str], villages: list[str]) -> dict[str, Any]:
    """A made-up child; the ID number is unique per index (birth day and sequence from i)."""
    born = date(2012, 1, 1) + timedelta(days=i % 2500)
    return {
        "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
        "gender": rng.choice(["男", "女"]),
        "birth_date": born.isoformat(),
        "id_number": id_number(born, (i // 2500) % 1000),
        "left_behind_type": rng.choice(["both_parents", "both_parents", "father", "mother"]),
        "class_id": classes[i % len(classes)],
        "home_village_id": villages[i % len(villages)],
        "father": {"name": "父亲", "phone": f"138{rng.randrange(10**8):08d}", "work_city": "深圳"},
        "mother": {"name": "母亲", "phone": f"137{rng.randrange(10**8):08d}", "work_city": "东莞"},
        "guardian": None
        if i % 7 == 0
        else {
            "name": rng.choice(SURNAMES) + "奶奶",
            "relation": "祖母",
            "age": 55 + i % 25,
            "phone": f"139{rng.randrange(10**8):08d}",
            "rating": rng.choice(["好", "较好", "差"]),
        },
    }


@dataclass
class ClientStats:
    """What one client did: (finished at, seconds, op index, ok) per write, and what it made."""

    writes: list[tuple[float, float, int, bool]] = field(default_factory=list)
    children: int = 0
    results: int = 0
    tasks_expected: int = 0
    errors: dict[str, int] = field(default_factory=dict)


def client(
    n: int,
    api: Api,
    counter: Iterator[int],
    stop_at: float,
    classes: list[str],
    villages: list[str],
    drop_every: int,
    stats: ClientStats,
) -> None:
    """Loop until `stop_at`: one child, then its two terms (the last cycle may finish after)."""
    rng = random.Random(n)  # noqa: S311 - made-up children

    def write(op: int, method: str, path: str, body: Any, want: tuple[int, ...]) -> bytes | None:
        t0 = time.perf_counter()
        try:
            status, raw = api.call(method, path, body)
        except (http.client.HTTPException, OSError) as exc:
            status, raw = 0, type(exc).__name__.encode()
        t1 = time.perf_counter()
        ok = status in want
        stats.writes.append((t1, t1 - t0, op, ok))
        if not ok:
            key = f"{OPS[op]} → {status}"
            stats.errors[key] = stats.errors.get(key, 0) + 1
        return raw if ok else None

    while time.perf_counter() < stop_at:
        i = next(counter)
        raw = write(0, "POST", "/v1/children", child_payload(i, rng, classes, villages), (201,))
        if raw is None:
            continue
        stats.children += 1
        child_id = json.loads(raw)["id"]
        fall = i % drop_every == 0
        rank = 1 + i % 30
        both = True
        for op, (term, r, total) in enumerate(
            (
                (TERMS[0], rank, 520.0),
                (TERMS[1], rank + (15 if fall else 2), 520.0 * (0.8 if fall else 0.98)),
            ),
            start=1,
        ):
            body = {"total_score": round(total, 1), "class_rank": r, "class_size": 45}
            if write(op, "PUT", f"/v1/children/{child_id}/term-results/{term}", body, (200, 201)) is None:
                both = False
            else:
                stats.results += 1
        if fall and both:
            stats.tasks_expected += 1


# ---------------------------------------------------------------- catching up


def handled_types() -> dict[str, set[str]]:
    """Per service, the event types its consumers apply (from each bootstrap's consumer specs)."""
    import importlib

    specs = {}
    for svc in ("pairing", "alerts", "reporting"):
        service = importlib.import_module(f"{svc}.bootstrap").SERVICE
        specs[svc] = service.consumers(service.settings(env="dev"))
    return {svc: {t for spec in s for t in spec.handlers} for svc, s in specs.items()}


def consumed(samples: dict[str, list[tuple[dict[str, str], float]]]) -> float:
    return sum(v for _l, v in samples.get("shouhu_events_consumed_total", []))


def published(samples: dict[str, list[tuple[dict[str, str], float]]], event_type: str | None = None) -> float:
    return sum(
        v
        for labels, v in samples.get("shouhu_events_published_total", [])
        if event_type is None or labels.get("type") == event_type
    )


def backlog(samples: dict[str, list[tuple[dict[str, str], float]]]) -> float:
    return sum(v for _l, v in samples.get("shouhu_outbox_backlog", []))


def catch_up(
    p: Platform, expected: dict[str, float], tasks: int, last_write: float, timeout: float
) -> dict[str, Any]:
    """Poll until each consumer applied what it should and alerts shows the tasks; seconds per part."""
    done: dict[str, float] = {}
    seen: dict[str, float] = {}
    tasks_api = Api(p.api["alerts"], p.token)
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline and len(done) < len(expected) + 2:
        now = time.perf_counter() - last_write
        m = {svc: p.metrics(p.worker[svc]) for svc in bl.SERVICES}
        if "registry relay" not in done and backlog(m["registry"]) == 0:
            done["registry relay"] = now
        for svc, want in expected.items():
            seen[svc] = consumed(m[svc])
            if svc not in done and seen[svc] >= want:
                done[svc] = now
        seen["alerts tasks published"] = published(m["alerts"], FollowUpTaskOpened.event_type)
        if (
            "alerts tasks visible" not in done
            and seen["alerts tasks published"] >= tasks
            and backlog(m["alerts"]) == 0
        ):
            status, raw = tasks_api.call("GET", "/v1/tasks?limit=500")
            visible = len(json.loads(raw)) if status == 200 else -1
            seen["tasks visible in GET /v1/tasks (limit 500)"] = visible
            if visible >= min(tasks, 500):
                done["alerts tasks visible"] = now
        time.sleep(0.1)
    return {
        "seconds_after_last_write": {k: round(v, 2) for k, v in done.items()},
        "seen": seen,
        "complete": len(done) == len(expected) + 2,
    }


# ---------------------------------------------------------------- the run


def run(args: argparse.Namespace) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="shouhu-bench-load-"))
    run_tag = uuid.uuid4().hex[:8]
    db_names = {svc: f"bench_{run_tag}_{svc}" for svc in bl.SERVICES}
    m = bl.machine(pg_url=bl.DEFAULT_PG if args.db == "postgres" else None)
    bl.say(bl.machine_markdown(m))
    handled = handled_types()
    databases: contextlib.AbstractContextManager[dict[str, str]] = (
        bl.pg_databases(list(db_names.values()))
        if args.db == "postgres"
        else contextlib.nullcontext(enter_result={})
    )
    with databases as urls_by_name:
        urls = {svc: urls_by_name[db_names[svc]] for svc in bl.SERVICES} if urls_by_name else None
        p = Platform(work, args.kafka, urls)
        profile_out = work / "registry-api.prof"
        try:
            bl.say(f"starting the platform (run dir {work}, topic prefix {p.prefix})")
            t0 = time.perf_counter()
            p.start()
            startup_s = time.perf_counter() - t0
            if args.profile_api:
                p.profile_registry_api(profile_out)
            result = load(p, args, handled)
            result["startup_s"] = round(startup_s, 1)
        finally:
            p.stop()
            try:
                deleted = bl.delete_topics(args.kafka, p.prefix)
                bl.say(f"deleted {len(deleted)} topics of this run")
            except Exception as exc:
                bl.say(f"could not delete the run's topics: {type(exc).__name__}")
        if args.profile_api:
            result["profile"] = _api_profile(profile_out, result)
    if args.keep:
        bl.say(f"kept the run directory {work} (logs, SQLite files)")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return {"bench": "platform_load", "label": args.label, "db": args.db, "machine": m, **result}


def load(p: Platform, args: argparse.Namespace, handled: dict[str, set[str]]) -> dict[str, Any]:
    admin = Api(p.api["registry"], p.token)
    classes, villages, units = org_tree(admin, p.prefix.rstrip("."))
    kafka_pid = bl.pid_listening(int(args.kafka.rsplit(":", 1)[1]))
    groups: dict[str, Callable[[], list[int]]] = {}
    for svc in bl.SERVICES:
        for kind in ("api", "worker"):
            groups[f"{svc} {kind}"] = functools.partial(p.pids, svc, kind)
    groups["kafka broker (shared)"] = lambda: [kafka_pid] if kafka_pid else []
    if args.db == "postgres":
        names = [
            u.rsplit("/", 1)[1] for u in (p.env[f"SHOUHU_{s.upper()}_DATABASE_URL"] for s in bl.SERVICES)
        ]
        groups["postgresql backends"] = lambda: bl.pg_backends(names)
    meter = bl.CpuMeter(groups)

    counter = itertools.count()
    start = time.perf_counter()
    window = (start + args.warmup, start + args.warmup + args.duration)
    stats = [ClientStats() for _ in range(args.clients)]
    threads = [
        threading.Thread(
            target=client,
            args=(
                n,
                Api(p.api["registry"], p.token),
                counter,
                window[1],
                classes,
                villages,
                args.drop_every,
                s,
            ),
            daemon=True,
        )
        for n, s in enumerate(stats)
    ]
    bl.say(f"{args.clients} clients: {args.warmup:.0f} s warm-up, then {args.duration:.0f} s measured")
    for t in threads:
        t.start()
    time.sleep(max(0.0, window[0] - time.perf_counter()))
    if args.profile_api:
        profiled = p.pid("registry", "api")
        if profiled:
            os.kill(profiled, signal.SIGUSR1)  # the profile covers the measured window on
    meter.start()
    m0 = {svc: p.metrics(p.worker[svc]) for svc in bl.SERVICES}
    time.sleep(max(0.0, window[1] - time.perf_counter()))
    cpu = meter.stop()
    m1 = {svc: p.metrics(p.worker[svc]) for svc in bl.SERVICES}
    for t in threads:
        t.join(120)
    writes = [w for s in stats for w in s.writes]
    in_window = [w for w in writes if window[0] <= w[0] <= window[1]]
    last_write = max(w[0] for w in writes)
    children = sum(s.children for s in stats)
    results = sum(s.results for s in stats)
    tasks = sum(s.tasks_expected for s in stats)
    count_by_type = {
        OrgUnitCreated.event_type: units,
        ChildRegistered.event_type: children,
        TermResultRecorded.event_type: results,
    }
    expected = {svc: float(sum(count_by_type.get(t, 0) for t in types)) for svc, types in handled.items()}
    bl.say(f"{len(writes)} writes; waiting for the consumers to catch up")
    caught = catch_up(p, expected, tasks, last_write, args.drain_timeout)

    lat = sorted(w[1] for w in in_window if w[3])
    per_op = {}
    for op, name in enumerate(OPS):
        xs = sorted(w[1] for w in in_window if w[2] == op and w[3])
        per_op[name] = {
            "count": len(xs),
            "p50_ms": round(bl.percentile(xs, 50) * 1000, 1),
            "p95_ms": round(bl.percentile(xs, 95) * 1000, 1),
        }
    errors: dict[str, int] = {}
    for s in stats:
        for k, v in s.errors.items():
            errors[k] = errors.get(k, 0) + v
    ok_in_window = sum(1 for w in in_window if w[3])
    under_load = {
        svc: {
            "consumed_per_s": round((consumed(m1[svc]) - consumed(m0[svc])) / args.duration, 1),
            "behind_at_end": max(0.0, expected[svc] - consumed(m1[svc])) if svc in expected else None,
        }
        for svc in ("pairing", "alerts", "reporting")
    }
    under_load["registry relay"] = {
        "published_per_s": round((published(m1["registry"]) - published(m0["registry"])) / args.duration, 1),
        "outbox_backlog_at_end": backlog(m1["registry"]),
    }
    return {
        "settings": {
            "clients": args.clients,
            "warmup_s": args.warmup,
            "duration_s": args.duration,
            "drop_every": args.drop_every,
            "profiled_api": args.profile_api,
            "org_units": units,
            "classes": len(classes),
        },
        "writes": {
            "in_window_ok": ok_in_window,
            "per_s": round(ok_in_window / args.duration, 1),
            "total_including_warmup": len(writes),
            "from_window_start": sum(1 for w in writes if w[0] >= window[0]),
            "errors": errors,
            "error_count": sum(errors.values()),
            "p50_ms": round(bl.percentile(lat, 50) * 1000, 1),
            "p95_ms": round(bl.percentile(lat, 95) * 1000, 1),
            "p99_ms": round(bl.percentile(lat, 99) * 1000, 1),
            "per_op": per_op,
        },
        "made": {"children": children, "term_results": results, "tasks_expected": tasks},
        "consumers_expected_events": expected,
        "consumers_during_load": under_load,
        "catch_up": caught,
        "cpu_during_window": cpu,
    }


def _api_profile(path: Path, result: dict[str, Any]) -> dict[str, Any]:
    import pstats

    from bench.profiling import summarise

    for _ in range(100):
        if path.exists():
            break
        time.sleep(0.1)
    if not path.exists():
        return {"error": "the profiled registry API wrote no profile"}
    return summarise(pstats.Stats(str(path)), per=result["writes"]["from_window_start"], unit="write")


# ---------------------------------------------------------------- report


def markdown(r: dict[str, Any]) -> str:
    w, cu, cpu = r["writes"], r["catch_up"], r["cpu_during_window"]
    s = r["settings"]
    rows = [
        ["API writes/s (2xx, measured window)", w["per_s"]],
        ["writes in window / errors", f"{w['in_window_ok']} / {w['error_count']}"],
        ["latency p50 / p95 / p99 (ms)", f"{w['p50_ms']} / {w['p95_ms']} / {w['p99_ms']}"],
    ]
    rows += [
        [f"  {op} p50 / p95 (ms)", f"{v['p50_ms']} / {v['p95_ms']} ({v['count']})"]
        for op, v in w["per_op"].items()
    ]
    rows += [
        [
            "children / term results / tasks expected",
            f"{r['made']['children']} / {r['made']['term_results']} / {r['made']['tasks_expected']}",
        ]
    ]
    for svc, v in r["consumers_during_load"].items():
        rows.append([f"during load: {svc}", ", ".join(f"{k} {x}" for k, x in v.items())])
    for part, sec in cu["seconds_after_last_write"].items():
        rows.append([f"caught up: {part} (s after last write)", sec])
    if not cu["complete"]:
        rows.append(["NOT caught up within the timeout", json.dumps(cu["seen"], ensure_ascii=False)])
    wall = cpu["wall_s"]
    for name, sec in sorted(cpu["cpu_s"].items(), key=lambda kv: -kv[1]):
        rows.append([f"CPU {name}", f"{sec} s ({sec / wall:.0%} of a core)"])
    rows.append(
        [
            "CPU load generator (this process)",
            f"{cpu['bench_process_cpu_s']} s ({cpu['bench_process_cpu_s'] / wall:.0%})",
        ]
    )
    ours = sum(cpu["cpu_s"].values())
    rows.append(
        [
            "CPU ms per API write: registry API / whole platform (Kafka, PostgreSQL included)",
            f"{cpu['cpu_s']['registry api'] * 1000 / max(w['in_window_ok'], 1):.1f}"
            f" / {ours * 1000 / max(w['in_window_ok'], 1):.1f}",
        ]
    )
    rows.append(["CPU other processes on the machine (not ours)", f"{cpu['other_processes_cpu_s']} s"])
    rows.append(
        ["CPU machine busy / capacity", f"{cpu['machine_busy_cpu_s']} / {cpu['machine_capacity_cpu_s']} s"]
    )
    head = (
        f"### platform_load — {r['db']}, {s['clients']} clients, {s['duration_s']:.0f} s "
        f"(after {s['warmup_s']:.0f} s warm-up), label {r['label']}"
        + (" — registry API under cProfile" if s["profiled_api"] else "")
    )
    out = [head, "", bl.machine_markdown(r["machine"]), "", bl.md_table(["measure", "value"], rows)]
    if "profile" in r and "named" in r["profile"]:
        from bench.profiling import summary_markdown

        out += ["", "Registry API profile:", "", summary_markdown(r["profile"])]
    return "\n".join(out)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--duration", type=float, default=30.0, help="measured seconds")
    p.add_argument("--warmup", type=float, default=5.0)
    p.add_argument("--drop-every", type=int, default=5, help="every nth child's grades fall sharply")
    p.add_argument("--drain-timeout", type=float, default=180.0)
    p.add_argument("--kafka", default=bl.DEFAULT_KAFKA)
    p.add_argument("--label", default="run")
    p.add_argument("--profile-api", action="store_true", help="the registry API under cProfile")
    p.add_argument("--keep", action="store_true", help="keep the run directory (logs, data)")
    p.add_argument("--smoke", action="store_true", help="2 clients, 1 s warm-up, 3 s measured")
    p.add_argument("--json-out", type=Path, default=None, help="write the result here instead")
    args = p.parse_args()
    if args.smoke:
        args.clients, args.warmup, args.duration, args.drain_timeout = 2, 1.0, 3.0, 60.0
        if args.label == "run":
            args.label = "smoke"
    result = run(args)
    if args.json_out:
        args.json_out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    else:
        path = bl.write_result(
            "platform_load", args.label + ("-profile" if args.profile_api else ""), args.db, result
        )
        bl.say(f"result: {path.relative_to(bl.ROOT)}")
    print(markdown(result))
    return 0 if result["catch_up"]["complete"] and result["writes"]["error_count"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
