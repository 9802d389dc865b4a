"""cProfile across every thread of a process, and a summary of where the time went.

cProfile profiles only the thread that enables it; the services do their work on other threads
(FastAPI runs sync endpoints on a thread pool, the worker runs each loop on a thread). So a
profile hook installed with `threading.setprofile` enables a profiler of its own in each new
thread; the profiles are merged at the end. cProfile times builtins too, so a C call such as
`sqlite3.Connection.commit` shows with the wall time it took (the fsync included).

Run a service process under it (what `platform_load.py --profile-api` does; SIGUSR1 forgets
what was measured so far, SIGTERM stops the service and writes OUT.prof):

    .venv/bin/python -m bench.profiling OUT.prof registry api

Times of C calls that release the GIL (sqlite3 commit and execute, socket send) include the wait
to take the GIL back, so with several busy threads they are upper bounds.
"""

from __future__ import annotations

import cProfile
import importlib
import pstats
import signal
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

# Where a thread waits for work, not works: left out of the "top self time" list.
IDLE = (
    "acquire' of '_thread.lock",
    "acquire' of '_thread.RLock",
    "poll' of 'select.epoll",
    "select' of 'select.epoll",
    "time.sleep",
    "wait' of",
    "run_forever",
)

# Named costs: (label, file fragment, function name). Matched against pstats keys.
KEY_FUNCTIONS: tuple[tuple[str, str, str], ...] = (
    ("Session.commit (SQLAlchemy)", "sqlalchemy/orm/session.py", "commit"),
    ("sqlite3 COMMIT (the fsync)", "~", "<method 'commit' of 'sqlite3.Connection' objects>"),
    ("psycopg commit", "psycopg/connection.py", "commit"),
    ("Session.flush (ORM unit of work)", "sqlalchemy/orm/session.py", "flush"),
    ("Session.execute", "sqlalchemy/orm/session.py", "execute"),
    ("cursor.execute (sqlite3)", "~", "<method 'execute' of 'sqlite3.Cursor' objects>"),
    ("cursor.execute (psycopg)", "psycopg/cursor.py", "execute"),
    ("pool checkout (connect, pre-ping)", "sqlalchemy/pool/base.py", "_checkout"),
    ("Session.close", "sqlalchemy/orm/session.py", "close"),
    ("decode_event (json + pydantic)", "shouhu_contracts/envelope.py", "decode_event"),
    ("encode_event (pydantic dump)", "shouhu_contracts/envelope.py", "encode_event"),
    ("new_event (envelope)", "shouhu_contracts/envelope.py", "new_event"),
    ("add_to_outbox", "shouhu_kit/outbox.py", "add_to_outbox"),
    ("JWT verify (decode_token)", "shouhu_kit/auth.py", "decode_token"),
    ("jwt.decode", "jwt/api_jwt.py", "decode"),
    ("ConsumerLoop._process", "shouhu_kit/consumer.py", "_process"),
    ("ConsumerLoop._apply (one transaction)", "shouhu_kit/consumer.py", "_apply"),
    ("KafkaConsumer.poll", "kafka/consumer/group.py", "poll"),
    ("KafkaConsumer.commit", "kafka/consumer/group.py", "commit"),
    ("OutboxRelay.run_once", "shouhu_kit/outbox.py", "run_once"),
    ("KafkaProducer.flush", "kafka/producer/kafka.py", "flush"),
    ("outbox_backlog (metrics scrape)", "shouhu_kit/outbox.py", "outbox_backlog"),
    ("FastAPI endpoint body", "fastapi/routing.py", "run_endpoint_function"),
    ("FastAPI request validation", "fastapi/routing.py", "_validate_request_body"),
    ("FastAPI response serialisation", "fastapi/routing.py", "serialize_response"),
    ("FastAPI dependencies", "fastapi/dependencies/utils.py", "solve_dependencies"),
    ("register_child (service layer)", "registry/service_layer/children.py", "register_child"),
    ("record_term_result (service layer)", "registry/service_layer/results.py", "record_term_result"),
    ("pydantic validate_python", "~", "<method 'validate_python' of 'pydantic_core._pydantic_core"),
)


@dataclass
class ThreadProfiler:
    """A cProfile profiler in the calling thread and in every thread started after `start()`."""

    profiles: list[cProfile.Profile] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _hook(self, _frame: FrameType, _event: str, _arg: Any) -> None:
        profile = cProfile.Profile()
        with self._lock:
            self.profiles.append(profile)
        profile.enable()  # replaces this hook in the new thread

    def start(self) -> None:
        """Profile this thread and every new one."""
        threading.setprofile(self._hook)
        main = cProfile.Profile()
        self.profiles.append(main)
        main.enable()

    def reset(self) -> None:
        """Forget what was measured so far (e.g. start-up); threads keep being profiled."""
        with self._lock:
            for p in self.profiles:
                p.clear()

    def stop(self) -> pstats.Stats:
        """Stop and merge (call when the profiled threads have ended or idle)."""
        threading.setprofile(None)
        with self._lock:
            profiles = list(self.profiles)
        merged: pstats.Stats | None = None
        for p in profiles:
            p.disable()
            p.create_stats()
            if not p.stats:
                continue  # a thread that ran nothing since the last reset
            if merged is None:
                merged = pstats.Stats(p)
            else:
                merged.add(p)
        if merged is None:
            raise RuntimeError("nothing was profiled")
        return merged


def _entries(stats: pstats.Stats) -> dict[tuple[str, int, str], tuple[int, int, float, float]]:
    raw: Any = stats.stats  # type: ignore[attr-defined]
    return {k: (v[0], v[1], v[2], v[3]) for k, v in raw.items()}


def summarise(stats: pstats.Stats, *, per: int, unit: str, top: int = 25) -> dict[str, Any]:
    """Named costs as ms per `unit` (cumulative, over `per` units) and the top self-time functions."""
    entries = _entries(stats)
    named = []
    for label, file_part, func in KEY_FUNCTIONS:
        # The outermost match: SessionTransaction.commit sits in the same file as Session.commit.
        calls, cum = 0, 0.0
        for (filename, _line, name), (_cc, nc, _tt, ct) in entries.items():
            builtin = filename == "~" and name.startswith(func)
            if (builtin or (file_part in filename.replace("\\", "/") and name == func)) and ct > cum:
                calls, cum = nc, ct
        if calls:
            named.append(
                {
                    "what": label,
                    "calls": calls,
                    "calls_per_" + unit: round(calls / max(per, 1), 2),
                    "cumulative_s": round(cum, 3),
                    "ms_per_" + unit: round(cum * 1000 / max(per, 1), 3),
                }
            )
    busy = [
        (k, v)
        for k, v in entries.items()
        if not any(idle in f"{k[0]}:{k[2]}" or idle in k[2] for idle in IDLE)
    ]
    busy.sort(key=lambda kv: kv[1][2], reverse=True)
    total_self = sum(v[2] for _k, v in busy)
    top_self = [
        {
            "function": f"{_short(k[0])}:{k[1]}({k[2]})",
            "self_s": round(v[2], 3),
            "share_of_busy": round(v[2] / total_self, 3) if total_self else 0.0,
            "calls": v[1],
        }
        for k, v in busy[:top]
    ]
    by_package: dict[str, float] = {}
    for k, v in busy:
        by_package[_package(k[0], k[2])] = by_package.get(_package(k[0], k[2]), 0.0) + v[2]
    packages = sorted(by_package.items(), key=lambda kv: kv[1], reverse=True)
    return {
        "per": per,
        "unit": unit,
        "busy_self_s": round(total_self, 3),
        "named": named,
        "top_self": top_self,
        "self_by_package": [
            {"package": p, "self_s": round(s, 3), "share": round(s / total_self, 3) if total_self else 0.0}
            for p, s in packages[:15]
        ],
    }


def _short(filename: str) -> str:
    marker = "site-packages/"
    if marker in filename:
        return filename.split(marker, 1)[1]
    for part in ("/src/",):
        if part in filename:
            return filename.split(part, 1)[1]
    return filename


def _package(filename: str, func: str) -> str:
    """The top-level package a function belongs to (builtins by their owner)."""
    if filename == "~":
        if "sqlite3" in func:
            return "sqlite3 (C)"
        if "pydantic_core" in func:
            return "pydantic_core (C)"
        if "socket" in func or "select" in func:
            return "sockets (C)"
        return "builtins"
    short = _short(filename)
    if short.startswith("/"):
        return "stdlib" if "/lib/python" in short else short
    return short.split("/", 1)[0]


def summary_markdown(summary: dict[str, Any], *, limit: int = 12) -> str:
    """The named costs and the heaviest functions as Markdown."""
    unit = summary["unit"]
    lines = [
        f"Named costs (cumulative, ms per {unit}, over {summary['per']} {unit}s):",
        "",
        f"| what | calls per {unit} | ms per {unit} |",
        "|---|---|---|",
    ]
    for n in summary["named"]:
        lines.append(f"| {n['what']} | {n['calls_per_' + unit]} | {n['ms_per_' + unit]} |")
    lines += ["", "Self time by package (idle waits left out):", "", "| package | share |", "|---|---|"]
    for p in summary["self_by_package"][:limit]:
        lines.append(f"| {p['package']} | {p['share']:.0%} |")
    lines += ["", "Heaviest functions by self time:", "", "| function | self s | share |", "|---|---|---|"]
    for t in summary["top_self"][:limit]:
        lines.append(f"| `{t['function']}` | {t['self_s']} | {t['share_of_busy']:.0%} |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Run `shouhu-<service> <kind>` in this process under the profiler; write the stats at exit."""
    out, service, kind = Path(argv[0]), argv[1], argv[2]
    entry = importlib.import_module(f"{service}.__main__")
    profiler = ThreadProfiler()
    sys.argv = [f"shouhu-{service}", kind]
    # uvicorn re-raises SIGTERM after its graceful shutdown; with the default handler the process
    # would die before the stats are written, so the re-raised signal lands here instead.
    signal.signal(signal.SIGTERM, lambda _sig, _frame: None)
    # SIGUSR1: drop what start-up cost (imports, migrations) and measure from now on.
    signal.signal(signal.SIGUSR1, lambda _sig, _frame: profiler.reset())
    profiler.start()
    try:
        code = int(entry.main())
    finally:
        stats = profiler.stop()
        stats.dump_stats(str(out))
    return code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
