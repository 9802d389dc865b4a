"""Optimistic concurrency over HTTP: a record's version as its ETag, required back in If-Match."""

from __future__ import annotations

import re

from shouhu_kit.problems import Problem, invalid_request

# An ETag is the record's version: "v3" (W/ and the quotes are tolerated). ASCII digits only, and
# few enough that int() never refuses them: '²' is a digit to str.isdigit and 5,000 digits exceed
# int's limit.
_ETAG = re.compile(r"^v([0-9]{1,18})$")


def etag(version: int) -> str:
    """The ETag header's value for a version."""
    return f'"v{version}"'


def version_from(if_match: str | None, *, what_zh: str = "记录", what_en: str = "record") -> int:
    """The version an If-Match header names: 428 when it is missing, 422 when it is malformed."""
    if if_match is None:
        raise Problem(
            status=428,
            slug="precondition-required",
            title="缺少 If-Match 请求头",
            title_en="If-Match required",
            detail=f"请先读取{what_zh}，并在 If-Match 中带上其 ETag",
            detail_en=f"read the {what_en} first and send its ETag in If-Match",
        )
    tag = _ETAG.match(if_match.strip().removeprefix("W/").strip('"'))
    if tag is None:
        raise invalid_request(
            [{"field": "If-Match", "message": "ETag 格式无效", "message_en": "malformed ETag"}]
        )
    return int(tag[1])


def stale(*, what_zh: str = "记录", what_en: str = "record") -> Problem:
    """412: the record changed since the caller read it."""
    return Problem(
        status=412,
        slug="precondition-failed",
        title="数据已被修改",
        title_en="Precondition failed",
        detail=f"{what_zh}已被他人修改，请重新读取",
        detail_en=f"the {what_en} changed since you read it",
    )
