"""bench/memory.py's own parts: the figures bench.run reads, the /proc sampler, registry's bulk rows."""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

# bench/ is a folder of the repository, not an installed package (--import-mode=importlib).
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench import kpi_reads, memory
from registry.adapters.orm import ChildRow


def test_each_process_has_a_figure_per_size_and_only_the_million_is_judged() -> None:
    sizes = {
        "10000": {"processes": {"pairing api": {"peak_hwm_mib": 400.0}}},
        "1000000": {
            "processes": {"pairing api": {"peak_hwm_mib": 1100.0}, "alerts api": {"peak_hwm_mib": 200.0}}
        },
    }
    figs = memory.figures(sizes)
    assert figs["pairing api peak memory"]["values"] == {"10000": 400.0, "1000000": 1100.0}
    assert figs["pairing api peak memory"]["target_size"] == 1_000_000
    assert set(figs) == {"pairing api peak memory", "alerts api peak memory"}
    small = memory.figures({"10000": sizes["10000"]})["pairing api peak memory"]
    assert small == {"unit": "MiB", "values": {"10000": 400.0}}  # not judged below a million
    assert figs["pairing api peak memory"]["met"] is False
    assert figs["alerts api peak memory"]["met"] is True
    # 300 MB is 286.1 MiB: 290 MiB misses it
    edge = memory.figures({"1000000": {"processes": {"x": {"peak_hwm_mib": 290.0}}}})
    assert edge["x peak memory"]["met"] is False


def test_the_sampler_reads_this_process_and_names_the_phase_of_its_peak() -> None:
    s = memory.Sampler({"me": os.getpid()})
    s.phase = "small"
    s.sample()
    s.phase = "big"
    ballast = bytearray(64 * 2**20)  # 64 MiB touched: RSS grows
    for i in range(0, len(ballast), 4096):
        ballast[i] = 1
    s.sample()
    assert s.peak_phase["me"] == "big"
    assert s.phase_peak_kib["big"]["me"] > s.phase_peak_kib["small"]["me"] + 32 * 1024
    now = s.now_mib()["me"]
    assert now["VmHWM"] >= now["VmRSS"] > 64
    del ballast


def test_registry_rows_fit_the_children_table_and_sit_in_their_classes() -> None:
    city = kpi_reads.City(random.Random(1), 30)
    rows = list(memory.registry_children(city, 200))
    columns = [c.strip() for c in memory.REGISTRY_CHILD_COLUMNS.split(",")]
    assert set(columns) <= set(ChildRow.__table__.columns.keys())
    paths = {u: p for u, _k, _parent, p in city.rows}
    for row in rows:
        r = dict(zip(columns, row, strict=True))
        assert r["org_path_text"] == paths[r["class_id"]]
        assert r["org_path_text"].startswith(paths[r["school_id"]])
        assert (r["guardian"] is None) == (r["guardian_rating"] == "none")
        if r["home_village_id"] is not None:
            assert r["home_path_text"] == paths[r["home_village_id"]]
    assert len({r[5] for r in rows}) == 200  # id numbers are unique
