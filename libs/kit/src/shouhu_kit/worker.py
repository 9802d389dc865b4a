"""The worker process: the outbox relay and the consumers, each on a thread, with health endpoints."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shouhu_kit.consumer import ConsumerLoop

log = logging.getLogger(__name__)


@dataclass
class Worker:
    """Named long-running loops sharing one stop signal."""

    loops: dict[str, Callable[[threading.Event], None]] = field(default_factory=dict)
    consumers: dict[str, ConsumerLoop] = field(default_factory=dict)  # by name, for readiness
    stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        """Start every loop on a daemon thread."""
        self.stop.clear()
        for name, loop in self.loops.items():
            t = threading.Thread(target=self._guard, args=(name, loop), name=name, daemon=True)
            t.start()
            self._threads.append(t)

    def _guard(self, name: str, loop: Callable[[threading.Event], None]) -> None:
        while not self.stop.is_set():
            try:
                loop(self.stop)
            except Exception:
                log.exception("loop %s crashed; restarting", name)
                self.stop.wait(1.0)

    def shutdown(self, timeout: float = 10.0) -> None:
        """Signal every loop and wait for it."""
        self.stop.set()
        for t in self._threads:
            t.join(timeout)
        self._threads.clear()

    def alive(self) -> bool:
        """True while every loop's thread runs."""
        return all(t.is_alive() for t in self._threads)
