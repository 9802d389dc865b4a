"""The bench harness end to end at tiny sizes, on the real broker and database (no time asserted).

`python -m bench.run --smoke` runs every step as its own process: the raw Kafka and PostgreSQL
limits, the synthetic city at two sizes, each consumer's catch-up, the roster import, the match
suggestions and the due queries. The platform-as-processes step (bench.platform_load, two minutes
of start-up alone on this machine) has its own `--smoke` and is left out here to keep CI short.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration


def test_the_smoke_run_measures_every_step_and_writes_json_table_and_plot(
    kafka_bootstrap: str, pg_base_url: str, tmp_path: Path
) -> None:
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap, "DATABASE_URL": pg_base_url}
    argv = [sys.executable, "-m", "bench.run", "--smoke", "--skip", "api", "--no-start",
            "--label", "pytest", "--results-dir", str(tmp_path)]  # fmt: skip
    # Its own process group, so that a timeout ends the steps it started too.
    proc = subprocess.Popen(
        argv,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _out, err = proc.communicate(timeout=900)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGTERM)
        _out, err = proc.communicate(timeout=60)
        pytest.fail(f"the smoke run did not finish within 15 minutes:\n{err[-4000:]}")
    assert proc.returncode == 0, err[-4000:]
    (doc,) = tmp_path.glob("*-run-pytest.json")
    result = json.loads(doc.read_text(encoding="utf-8"))
    assert {s["step"] for s in result["steps"]} >= {
        "raw",
        "generator",
        "consumers",
        "roster",
        "suggestions",
        "due",
    }
    assert all(not s["error"] for s in result["steps"])
    figures = result["figures"]
    assert figures["raw Kafka produce"]["values"]["any"] > 0
    assert figures["raw PostgreSQL COPY of 1,000"]["values"]["any"] > 0
    assert set(figures["match suggestions, whole city (postgres)"]["values"]) == {"300", "1000"}
    assert set(figures["generator: peak memory"]["values"]) == {"300", "1000"}
    assert any(name.startswith("alerts consumer") for name in figures)
    table = doc.with_suffix(".md").read_text(encoding="utf-8")
    assert "| raw Kafka produce |" in table
    assert "load average at start" in table
    assert doc.with_suffix(".png").stat().st_size > 1000
