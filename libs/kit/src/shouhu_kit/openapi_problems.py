"""Declare every operation's problem+json errors in its OpenAPI document, so clients and /docs see them.

The statuses the kit itself answers are inferred from the operation: 401 and 403 where it needs a
token, 404 where a path names a record, 413 and 422 where it takes a body or parameters. A route
declares the others it answers (409, 412, 428, or a 404 found through a query parameter) with
`problem_responses(...)`. FastAPI's own 422 schema (`HTTPValidationError`) is replaced: the
services never answer it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

PROBLEM_JSON = "application/problem+json"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

# Bilingual descriptions of each status a service answers as a problem.
STATUS_TEXT: dict[int, str] = {
    400: "请求无法处理 / Bad request",
    401: "未登录或令牌无效 / Not authenticated (missing, invalid or expired bearer token)",
    403: "无权执行此操作 / Forbidden for the caller's role",
    404: "不存在或不在权限范围内 / Not found, or outside the caller's org scope",
    409: "与现有数据冲突 / Conflicts with the current state",
    412: "档案已被他人修改 / Precondition failed: If-Match names an old version",
    413: "请求体过大 / Request body too large",
    415: "文件类型不支持 / Unsupported file type",
    422: "请求数据有误（逐字段说明）/ Invalid request, each bad field named",
    428: "缺少 If-Match / Precondition required: send the ETag in If-Match",
}

FIELD_ERROR_SCHEMA: dict[str, Any] = {
    "title": "FieldError",
    "type": "object",
    "description": "一个有误的字段 / One bad field, in Chinese and English",
    "required": ["field", "message", "message_en"],
    "properties": {
        "field": {"type": "string", "description": "字段路径，如 guardian.phone / dotted field path"},
        "location": {"type": "string", "description": "body, query, path, header…"},
        "message": {"type": "string"},
        "message_en": {"type": "string"},
        "type": {"type": "string", "description": "错误类别 / error kind"},
    },
}

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem details, title and detail in Chinese with English beside",
    "required": ["type", "title", "title_en", "status", "instance"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "title_en": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "detail_en": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}},
    },
    # Some problems carry more (existing_child_id, current_version, an import report).
    "additionalProperties": True,
}

_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
_FASTAPI_422 = {"HTTPValidationError", "ValidationError"}


def problem_response(status: int, description: str | None = None) -> dict[str, Any]:
    """One OpenAPI response object: a problem+json body."""
    return {
        "description": description or STATUS_TEXT.get(status, str(status)),
        "content": {PROBLEM_JSON: {"schema": PROBLEM_REF}},
    }


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route that answers these problems beyond the ones the kit infers."""
    return {status: problem_response(status) for status in statuses}


def _inferred(operation: dict[str, Any]) -> list[int]:
    params = operation.get("parameters") or []
    body = "requestBody" in operation
    statuses = []
    if operation.get("security"):
        statuses += [401, 403]
    if any(p.get("in") == "path" for p in params):
        statuses.append(404)
    if body:
        statuses.append(413)
    if params or body:
        statuses.append(422)
    return statuses


def _declare(operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    for status in _inferred(operation):
        responses.setdefault(str(status), problem_response(status))
    for code, response in responses.items():
        # Only the statuses answered as problems; a 503 from /readyz, say, keeps its own body.
        if not (code.isdigit() and int(code) in STATUS_TEXT):
            continue
        content = response.setdefault("content", {})
        ref = json.dumps(content.get("application/json", {}))
        if any(name in ref for name in _FASTAPI_422):
            del content["application/json"]
            response["description"] = STATUS_TEXT[422]
        content.setdefault(PROBLEM_JSON, {"schema": PROBLEM_REF})
    operation["responses"] = dict(sorted(responses.items()))


def declare_problems(doc: dict[str, Any]) -> dict[str, Any]:
    """Add the problem responses to every operation of an OpenAPI document (in place)."""
    for item in doc.get("paths", {}).values():
        for method, operation in item.items():
            if method in _METHODS:
                _declare(operation)
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"], schemas["FieldError"] = PROBLEM_SCHEMA, FIELD_ERROR_SCHEMA
    if "HTTPValidationError" not in json.dumps(doc["paths"]):
        for name in _FASTAPI_422:
            schemas.pop(name, None)
    return doc


def install_problem_openapi(app: FastAPI) -> None:
    """Have the app's OpenAPI document declare its problem responses (built once, then cached)."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            # A copy: FastAPI shares the routes' own `responses` dicts into the document it builds.
            app.openapi_schema = declare_problems(copy.deepcopy(build()))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
