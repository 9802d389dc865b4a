"""RFC 9457 problem+json errors, in Chinese with English beside."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from shouhu_kit.errors import Problem, not_found  # noqa: F401 - re-exported

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


# Chinese wording for pydantic's error types; anything else falls back to a generic message.
_ZH: dict[str, str] = {
    "missing": "必填字段缺失",
    "string_too_short": "长度不能少于 {min_length} 个字符",
    "string_too_long": "长度不能超过 {max_length} 个字符",
    "string_pattern_mismatch": "格式不正确",
    "string_type": "应为文本",
    "uuid_parsing": "不是有效的编号 (UUID)",
    "uuid_type": "不是有效的编号 (UUID)",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "bool_parsing": "应为是/否 (true/false)",
    "greater_than_equal": "不能小于 {ge}",
    "greater_than": "必须大于 {gt}",
    "less_than_equal": "不能大于 {le}",
    "less_than": "必须小于 {lt}",
    "enum": "取值无效，可选值：{expected}",
    "literal_error": "取值无效，可选值：{expected}",
    "date_parsing": "不是有效日期（格式 YYYY-MM-DD）",
    "date_from_datetime_parsing": "不是有效日期（格式 YYYY-MM-DD）",
    "date_type": "不是有效日期（格式 YYYY-MM-DD）",
    "datetime_parsing": "不是有效时间（ISO 8601）",
    "timezone_aware": "时间须带时区",
    "json_invalid": "JSON 格式错误",
    "model_attributes_type": "应为对象",
    "dict_type": "应为对象",
    "list_type": "应为列表",
    "extra_forbidden": "不允许的字段",
}


def field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    """Each bad field with a Chinese and an English message."""
    out = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body",)]
        ctx = dict(err.get("ctx") or {})
        msg_en = str(err.get("msg", "invalid value"))
        if err.get("type") == "value_error" and "error" in ctx:
            # Our validators raise "中文 / English"; split it so each language stands alone.
            text = str(ctx["error"])
            zh, _, en = text.partition(" / ")
            msg_zh, msg_en = zh, (en or text)
        else:
            template = _ZH.get(str(err.get("type")), "取值无效")
            try:
                msg_zh = template.format(**ctx)
            except (KeyError, IndexError):
                msg_zh = template
        out.append(
            {
                "field": ".".join(loc) or "body",
                "location": loc[0] if loc else "body",
                "message": msg_zh,
                "message_en": msg_en,
                "type": err.get("type"),
            }
        )
    return out


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error as problem+json; never leak internals on a 500."""

    def respond(request: Request, problem: Problem, headers: dict[str, str] | None = None) -> JSONResponse:
        return JSONResponse(
            problem.body(request.url.path),
            status_code=problem.status,
            media_type=PROBLEM_JSON,
            headers=headers,
        )

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return respond(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = field_errors(exc)
        names = "、".join(e["field"] for e in errors)
        return respond(
            request,
            Problem(
                status=422,
                slug="validation",
                title="请求数据有误",
                title_en="Invalid request",
                detail=f"以下字段有误：{names}",
                detail_en=f"Invalid fields: {names.replace('、', ', ')}",
                errors=errors,
            ),
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {
            401: ("未登录或令牌无效", "Not authenticated"),
            403: ("无权访问", "Forbidden"),
            404: ("资源不存在", "Not found"),
            405: ("不支持该请求方法", "Method not allowed"),
        }
        zh, en = titles.get(exc.status_code, ("请求无法处理", str(exc.detail)))
        return respond(
            request,
            Problem(status=exc.status_code, slug=f"http-{exc.status_code}", title=zh, title_en=en),
            getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        route = getattr(request.scope.get("route"), "path", "?")
        # The type and route only: a message could carry personal data.
        log.error("unhandled %s on %s %s", type(exc).__name__, request.method, route)
        return respond(
            request,
            Problem(status=500, slug="internal", title="服务器内部错误", title_en="Internal server error"),
        )
