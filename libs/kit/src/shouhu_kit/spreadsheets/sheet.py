"""A table read from an upload, the limits on an upload, and the error for a file that is no roster."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000


class SheetError(ValueError):
    """A file that cannot be read as a roster; `reason` is type, size, rows, empty or header."""

    def __init__(self, reason: str, zh: str, en: str) -> None:
        super().__init__(en)
        self.reason, self.zh, self.en = reason, zh, en


@dataclass
class Sheet:
    """A table read from a file: the header row and the data rows with their spreadsheet row numbers."""

    headers: list[str]
    rows: list[tuple[int, list[Any]]]
