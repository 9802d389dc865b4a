"""Pausing Python's cyclic garbage collector while a request builds a whole city in memory.

A city-wide run (match suggestions, the assessment of a district) keeps hundreds of thousands of
small objects alive at once; every generation-2 collection walks all of them, and the
collections cost more than the run's own work (bench/README.md, "Match suggestions" and
"Assessment"). Reference counting still frees everything as usual; only cycles wait.

The collector is one per process and the API serves requests on threads, so pauses are counted:
the collector comes back when the last paused run ends, and only if it was on before the first.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_paused = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Within the block, no cyclic collection runs (nested and concurrent blocks allowed)."""
    global _paused, _was_enabled
    with _lock:
        if _paused == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _lock:
            _paused -= 1
            if _paused == 0 and _was_enabled:
                gc.enable()
