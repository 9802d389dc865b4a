"""RFC 9457 problem+json errors, in Chinese with English beside."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from shouhu_kit.problems import Problem, field_errors, invalid_request

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


def unreadable_body(why: str) -> dict[str, str]:
    """The field error of a body that cannot be parsed at all (`why`: the framework's own words)."""
    return {
        "field": "body",
        "location": "body",
        "message": "请求体无法解析（须为 UTF-8 编码的 JSON，或完整的 multipart 表单）",
        "message_en": f"the body cannot be parsed: {why}",
        "type": "body_unparsable",
    }


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
        return respond(request, invalid_request(field_errors(exc.errors())))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:
            # Only the framework raises a bare 400: a body it cannot read (not UTF-8, broken multipart).
            # To a client that is one more invalid body, answered as bad JSON is: 422 naming the body.
            return respond(request, invalid_request([unreadable_body(str(exc.detail))]))
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
