"""The dead-letter policy: when a consumer stops instead of draining its topics into the dead-letter queue.

An occasional poison record is dead-lettered and the consumer moves on. Many in a row, or most of
the recent records, mean the cause is not the records but something a person must fix (a bad
release, a contract change, a missing reference table): going on would empty the topic into the
dead-letter queue, and replaying it all later is slower and riskier than stopping now.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

CONSECUTIVE = "consecutive_dead_letters"
SHARE = "dead_letter_share"


@dataclass(frozen=True)
class DeadLetterPolicy:
    """Limits past which a consumer halts; `max_consecutive=0` or `max_share=1` switches one off."""

    max_consecutive: int = 50
    max_share: float = 0.5
    window: int = 200

    def __post_init__(self) -> None:
        if self.max_consecutive < 0 or self.window < 1 or not 0 < self.max_share <= 1:
            raise ValueError("dead-letter policy: max_consecutive >= 0, window >= 1, 0 < max_share <= 1")


@dataclass(frozen=True)
class Halt:
    """Why a consumer stopped (counts and kinds only: never a payload or a person's data)."""

    reason: str
    consecutive: int
    dead_in_window: int
    window_size: int
    last_kind: str

    def describe(self) -> str:
        """One line for the log and /readyz."""
        if self.reason == CONSECUTIVE:
            why = f"{self.consecutive} dead letters in a row"
        else:
            why = f"{self.dead_in_window} of the last {self.window_size} records dead-lettered"
        return f"halted: {why} (last kind {self.last_kind}); fix the cause, then restart"


class DeadLetterWatch:
    """Counts a consumer's outcomes in order and says when the policy is exceeded."""

    def __init__(self, policy: DeadLetterPolicy) -> None:
        self.policy = policy
        self._consecutive = 0
        self._recent: deque[bool] = deque(maxlen=policy.window)
        self._dead_in_window = 0

    def applied(self, count: int = 1) -> None:
        """Records applied (or found applied before): the handlers work."""
        if count <= 0:
            return
        self._consecutive = 0
        for _ in range(min(count, self.policy.window)):
            self._push(False)

    def dead_lettered(self, kind: str) -> Halt | None:
        """A record went to the dead-letter topic; a Halt when that exceeds the policy."""
        self._consecutive += 1
        self._push(True)
        p = self.policy
        if p.max_consecutive and self._consecutive >= p.max_consecutive:
            return self._halt(CONSECUTIVE, kind)
        full = len(self._recent) == p.window
        if full and p.max_share < 1 and self._dead_in_window > p.max_share * p.window:
            return self._halt(SHARE, kind)
        return None

    def _push(self, dead: bool) -> None:
        if len(self._recent) == self._recent.maxlen and self._recent[0]:
            self._dead_in_window -= 1
        self._recent.append(dead)
        self._dead_in_window += dead

    def _halt(self, reason: str, kind: str) -> Halt:
        return Halt(reason, self._consecutive, self._dead_in_window, len(self._recent), kind)
