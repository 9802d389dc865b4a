"""What the platform benches share: the machine, CPU time per process, PostgreSQL databases, results.

Nothing here prints personal data: the benches make up their children and never log a payload.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import socket
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
SERVICES = ("registry", "pairing", "alerts", "reporting")
CLK_TCK = os.sysconf("SC_CLK_TCK")
DEFAULT_KAFKA = os.environ.get("SHOUHU_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")
# A database the role can log into, to create and drop the benches' own databases from.
DEFAULT_PG = os.environ.get("BENCH_PG_URL", "postgresql://shouhu:shouhu@127.0.0.1:15432/shouhu_test")


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def unique_prefix(kind: str) -> str:
    """A topic prefix no other run on the shared broker uses."""
    return f"bench{kind}{uuid.uuid4().hex[:8]}."


# ---------------------------------------------------------------- the machine


def _kafka_version() -> str:
    pom = (ROOT / "deploy/local/kafka/pom.xml").read_text(encoding="utf-8")
    found = re.search(r"<kafka.version>([^<]+)</kafka.version>", pom)
    return found.group(1) if found else "unknown"


def pg_version(url: str = DEFAULT_PG) -> str:
    """The server's version string, or why it is not known."""
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=5) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            fsync = conn.execute("SHOW fsync").fetchone()
            sync = conn.execute("SHOW synchronous_commit").fetchone()
        values = [r[0] if r else "?" for r in (row, fsync, sync)]
        return f"{values[0]} (fsync={values[1]}, synchronous_commit={values[2]})"
    except Exception as exc:
        return f"unavailable ({type(exc).__name__})"


def machine(*, pg_url: str | None = DEFAULT_PG) -> dict[str, Any]:
    """The machine a figure was measured on, and how busy it was when the run started."""
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_kib = 0
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    load = Path("/proc/loadavg").read_text().split()[:3]
    import sqlalchemy

    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "memory_gib": round(mem_kib / 2**20, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sqlalchemy.__version__,
        "postgresql": pg_version(pg_url) if pg_url else "not used",
        "kafka": f"Apache Kafka {_kafka_version()} (single node, KRaft, deploy/local/kafka.sh)",
        "load_average_at_start": " ".join(load),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def machine_markdown(m: dict[str, Any]) -> str:
    """One paragraph describing the machine."""
    return (
        f"Machine: {m['nproc']} cores ({m['cpu_model']}), {m['memory_gib']} GiB, Linux {m['kernel']}, "
        f"Python {m['python']}, SQLite {m['sqlite']}, SQLAlchemy {m['sqlalchemy']}, "
        f"PostgreSQL {m['postgresql']}, {m['kafka']}; load average at start {m['load_average_at_start']}."
    )


# ---------------------------------------------------------------- CPU time from /proc


def cpu_seconds(pid: int) -> float | None:
    """utime + stime of a process (threads included), or None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw.rsplit(")", 1)[1].split()  # the name may hold spaces; fields start at `state`
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def machine_busy_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores summed."""
    parts = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    total = sum(parts)
    idle = parts[3] + parts[4]  # idle + iowait
    return (total - idle) / CLK_TCK, total / CLK_TCK


def pid_listening(port: int) -> int | None:
    """The process listening on a local TCP port (found by the socket's inode)."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                parts = line.split()
                if parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(f"socket:[{parts[9]}]")
    if not inodes:
        return None
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            for fd in (proc / "fd").iterdir():
                with contextlib.suppress(OSError):
                    if os.readlink(fd) in inodes:
                        return int(proc.name)
    return None


def pg_backends(databases: Sequence[str]) -> list[int]:
    """PostgreSQL backend processes serving any of these databases (from their process titles)."""
    if not databases:
        return []
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            title = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if title.startswith("postgres: ") and any(f" {d} " in title for d in databases):
            pids.append(int(proc.name))
    return pids


@dataclass
class CpuMeter:
    """CPU seconds per named group of processes between `start()` and `stop()`.

    Groups are re-resolved at each reading (PostgreSQL backends come and go); a process first
    seen at the end counts from zero.
    """

    groups: dict[str, Callable[[], list[int]]]  # name -> the pids of that group now
    _start: dict[int, float] = field(default_factory=dict)
    _t0: float = 0.0
    _busy0: tuple[float, float] = (0.0, 0.0)
    _self0: float = 0.0

    def _read(self) -> dict[int, float]:
        out = {}
        for resolve in self.groups.values():
            for pid in resolve():
                value = cpu_seconds(pid)
                if value is not None:
                    out[pid] = value
        return out

    def start(self) -> None:
        """Take the first reading."""
        self._start = self._read()
        self._t0 = time.monotonic()
        self._busy0 = machine_busy_seconds()
        self._self0 = _self_cpu()

    def stop(self) -> dict[str, Any]:
        """CPU seconds and share of one core per group, the bench process itself and the machine."""
        wall = time.monotonic() - self._t0
        groups: dict[str, float] = {}
        for name, resolve in self.groups.items():
            total = 0.0
            for pid in resolve():
                value = cpu_seconds(pid)
                if value is not None:
                    total += value - self._start.get(pid, 0.0)
            groups[name] = round(total, 2)
        busy1, total1 = machine_busy_seconds()
        machine_busy = busy1 - self._busy0[0]
        ours = sum(groups.values()) + (_self_cpu() - self._self0)
        return {
            "wall_s": round(wall, 2),
            "cpu_s": groups,
            "bench_process_cpu_s": round(_self_cpu() - self._self0, 2),
            "machine_busy_cpu_s": round(machine_busy, 2),
            "machine_capacity_cpu_s": round(total1 - self._busy0[1], 2),
            "other_processes_cpu_s": round(max(machine_busy - ours, 0.0), 2),
        }


def _self_cpu() -> float:
    t = os.times()
    return t.user + t.system


# ---------------------------------------------------------------- PostgreSQL databases


@contextlib.contextmanager
def pg_databases(names: Sequence[str], admin_url: str = DEFAULT_PG) -> Iterator[dict[str, str]]:
    """Fresh databases on the local server, dropped afterwards; yields name -> SQLAlchemy URL."""
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(admin_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        for name in names:
            conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {n: base.set(database=n).render_as_string(hide_password=False) for n in names}
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            for name in names:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ---------------------------------------------------------------- what one commit costs


def sqlite_commit_ms(directory: Path, n: int = 300) -> dict[str, float]:
    """Milliseconds per one-row transaction on a WAL SQLite file, as the services open it."""
    out = {}
    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        for sync in ("FULL", "NORMAL"):
            conn = sqlite3.connect(Path(tmp) / f"commit-{sync}.db", isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={sync}")
            conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
            t0 = time.perf_counter()
            for i in range(n):
                conn.execute("BEGIN")
                conn.execute("INSERT INTO t (v) VALUES (?)", (str(i),))
                conn.execute("COMMIT")
            out[f"synchronous={sync}"] = round((time.perf_counter() - t0) * 1000 / n, 3)
            conn.close()
    return out


def pg_commit_ms(url: str = DEFAULT_PG, n: int = 300) -> float | None:
    """Milliseconds per one-row transaction over loopback (the server runs with fsync off)."""
    try:
        import psycopg

        with psycopg.connect(url) as conn:
            conn.execute("CREATE TEMP TABLE bench_commit (id serial PRIMARY KEY, v text)")
            conn.commit()
            t0 = time.perf_counter()
            for i in range(n):
                conn.execute("INSERT INTO bench_commit (v) VALUES (%s)", (str(i),))
                conn.commit()
            return round((time.perf_counter() - t0) * 1000 / n, 3)
    except Exception:
        return None


# ---------------------------------------------------------------- Kafka topics of a run


def delete_topics(bootstrap: str, prefix: str) -> list[str]:
    """Delete this run's topics (its prefix, and its dead-letter topics) from the shared broker."""
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=bootstrap.split(","), client_id="shouhu-bench-cleanup")
    try:
        mine = [t for t in admin.list_topics() if t.startswith(prefix) or t.startswith(f"dlq.{prefix}")]
        if mine:
            admin.delete_topics(mine, timeout_ms=30_000)
        return sorted(mine)
    finally:
        admin.close()


# ---------------------------------------------------------------- results


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of an ascending sequence (0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = max(1, min(len(sorted_values), round(q / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def write_result(bench: str, label: str, db: str, payload: dict[str, Any]) -> Path:
    """bench/results/<date>-<bench>-<db>-<label>.json (a rerun the same day replaces it)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", label)
    path = RESULTS / f"{datetime.now(UTC):%Y-%m-%d}-{bench}-{db}-{safe}.json"
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def md_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def say(message: str) -> None:
    """Progress on stderr (the Markdown report goes to stdout)."""
    print(message, file=sys.stderr, flush=True)
