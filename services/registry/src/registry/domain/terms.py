"""School terms (学期): '2025-2026-1' is the first term of the 2025–2026 school year."""

from __future__ import annotations

import re

TERM_PATTERN = r"^\d{4}-\d{4}-[12]$"
_TERM = re.compile(TERM_PATTERN)


def valid_term(term: str) -> bool:
    """True for a well-formed term whose years follow each other."""
    if not _TERM.match(term):
        return False
    start, end, _ = term.split("-")
    return int(end) == int(start) + 1
