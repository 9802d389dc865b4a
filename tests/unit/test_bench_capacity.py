"""Capacity on paper: the arithmetic from a run's figures (no database: the kit's rows given)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# bench/ is a folder of the repository, not an installed package (--import-mode=importlib).
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench import capacity

pytestmark = pytest.mark.unit

KIT = {"rows": 1000, "outbox_bytes_per_row": 1000.0, "inbox_bytes_per_row": 250.0}


def _figures(alerts: float, reporting: float) -> dict[str, dict[str, float]]:
    return {
        "alerts consumer (postgres)": {"10000": alerts / 2, "100000": alerts},
        "alerts consumer (postgres) / raw consume": {"100000": 3.0},
        "reporting consumer (postgres)": {"100000": reporting},
        "pairing consumer (postgres)": {"100000": 500.0},
        "memory: reporting api peak memory": {"10000": 150.0, "1000000": 250.0},
        "memory: reporting database size": {"1000000": 2048.0},
    }


def test_the_burst_sets_the_replicas_and_the_partitions() -> None:
    doc = capacity.plan(
        _figures(1000.0, 250.0), KIT, sizes=(100_000, 1_000_000), drain_hours=1.0, db="postgres"
    )
    city, province = doc["sizes"]["100000"], doc["sizes"]["1000000"]
    # 5 windows close per child at a month's first midnight, 2 events each: a million records.
    assert city["consumers"]["alerts"]["burst records"] == 1_000_000
    assert city["consumers"]["alerts"]["replicas to drain within target"] == 1  # 1,000 s
    # reporting also reads the tasks for the 13 % missed: 1,065,000 records at 250/s = 1.18 h.
    assert city["consumers"]["reporting"]["replicas to drain within target"] == 2
    assert province["consumers"]["reporting"]["replicas to drain within target"] == 12
    assert province["partitions per busy topic"] == 24  # room to double 12 replicas
    assert doc["measured"]["consumer records/s per replica"]["alerts"]["value"] == 1000.0  # the 100,000 one
    assert province["database at start, GiB"] == {"reporting database size": 2.0}
    assert province["memory of the eight processes, one replica each, GiB"] == round(250 / 1024, 2)


def test_a_month_start_burst_figure_is_preferred_to_the_registry_stream() -> None:
    figs = _figures(1000.0, 250.0) | {"alerts consumer, month-start burst (postgres)": {"100000": 100.0}}
    doc = capacity.plan(figs, None, sizes=(100_000,), drain_hours=1.0, db="postgres")
    assert doc["sizes"]["100000"]["consumers"]["alerts"]["replicas to drain within target"] == 3  # 10,000 s
    assert "inbox growth per year, GiB" not in doc["sizes"]["100000"]


def test_the_markdown_names_every_input() -> None:
    doc = capacity.plan(_figures(1000.0, 250.0), KIT, sizes=(100_000,), drain_hours=1.0, db="postgres")
    text = capacity.markdown(doc)
    assert "| alerts: replicas to drain it within 1.0 h | 1 |" in text
    assert "measured: an outbox row 1,000 bytes" in text
    assert "assumed: share of windows missed: 0.13" in text
