"""Keyset cursors for reporting's pages: opaque, typed, and a 422 naming `after` when forged."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

from shouhu_kit.problems import Problem, invalid_request


def bad_cursor() -> Problem:
    """422 naming `after`."""
    return invalid_request(
        [
            {
                "field": "after",
                "location": "query",
                "message": "分页游标无效",
                "message_en": "the page cursor is not valid",
                "type": "value_error",
            }
        ]
    )


def encode_cursor(*parts: Any) -> str:
    """An opaque keyset cursor."""
    return base64.urlsafe_b64encode(
        json.dumps([str(p) if isinstance(p, uuid.UUID) else p for p in parts]).encode()
    ).decode()


def decode_cursor(raw: str, *types: type) -> list[Any]:
    """The cursor's parts, each of its type; 422 naming `after` when it is not one of ours."""
    try:
        parts = json.loads(base64.urlsafe_b64decode(raw.encode()))
        if not isinstance(parts, list) or len(parts) != len(types):
            raise ValueError("cursor shape")
        out: list[Any] = []
        for kind, part in zip(types, parts, strict=True):
            if kind is uuid.UUID:
                out.append(uuid.UUID(str(part)))
            elif not isinstance(part, kind) or isinstance(part, bool):
                raise ValueError("cursor part")
            else:
                out.append(part)
        return out
    except (ValueError, TypeError) as exc:
        raise bad_cursor() from exc
