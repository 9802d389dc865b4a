"""App factory: health, readiness, metrics and problem+json, shared by API and worker processes."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, Literal

from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shouhu_kit.metrics import Metrics
from shouhu_kit.openapi_problems import install_problem_openapi
from shouhu_kit.problem_responses import install_problem_handlers
from shouhu_kit.problems import Problem
from shouhu_kit.settings import ServiceSettings

log = logging.getLogger(__name__)

ReadinessCheck = tuple[str, Callable[[], None]]


class NotReady(Exception):
    """A readiness check's failure whose message is safe to show (no secrets, no personal data)."""


class _MetricsMiddleware:
    """Counts requests and latency by route template (never by raw path: ids would explode it)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            method = scope.get("method", "GET")
            self.metrics.http_requests.labels(method=method, route=template, status=str(status)).inc()
            self.metrics.http_latency.labels(method=method, route=template).observe(
                time.perf_counter() - start
            )


class _BodyLimitMiddleware:
    """Refuse request bodies over a limit with 413, before they are read into memory or disk."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(scope, send)
            return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise _BodyTooLarge
            return message

        try:
            await self.app(scope, counting_receive, send)
        except _BodyTooLarge:
            await self._too_large(scope, send)

    async def _too_large(self, scope: Scope, send: Send) -> None:
        mib = self.max_bytes // (1024 * 1024)
        body = Problem(
            status=413,
            slug="too-large",
            title="请求体过大",
            title_en="Request body too large",
            detail=f"上限 {mib} MB",
            detail_en=f"the limit is {mib} MB",
        ).body(scope.get("path", ""))
        payload = json.dumps(body, ensure_ascii=False).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})


class _BodyTooLarge(Exception):
    pass


class Readiness(BaseModel):
    """就绪状态 / Readiness: each dependency "ok" or "unavailable: <why>"."""

    status: Literal["ok", "unavailable"]
    checks: dict[str, str]


def create_app(
    *,
    title: str,
    settings: ServiceSettings,
    metrics: Metrics,
    readiness: Sequence[ReadinessCheck],
    routers: Sequence[APIRouter] = (),
    on_start: Sequence[Callable[[], None]] = (),
    on_stop: Sequence[Callable[[], None]] = (),
    state: dict[str, Any] | None = None,
    description: str = "",
) -> FastAPI:
    """A FastAPI app with /healthz, /readyz, /metrics and problem+json errors."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        for fn in on_start:
            fn()
        try:
            yield
        finally:
            for fn in on_stop:
                fn()

    # /docs serves Swagger UI from the package, not a CDN: users in a city network may not reach one.
    app = FastAPIOffline(title=title, description=description, version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    app.state.metrics = metrics
    for k, v in (state or {}).items():
        setattr(app.state, k, v)
    install_problem_handlers(app)
    install_problem_openapi(app)
    app.add_middleware(_BodyLimitMiddleware, max_bytes=settings.max_request_bytes)
    app.add_middleware(_MetricsMiddleware, metrics=metrics)

    @app.get("/healthz", tags=["ops"], summary="存活检查 / Liveness")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "service": settings.service}

    @app.get(
        "/readyz",
        tags=["ops"],
        summary="就绪检查 / Readiness (database and Kafka)",
        response_model=Readiness,
        responses={503: {"model": Readiness, "description": "未就绪 / Not ready: a dependency is down"}},
    )
    def readyz() -> JSONResponse:
        checks: dict[str, str] = {}
        for name, check in readiness:
            try:
                check()
                checks[name] = "ok"
            except NotReady as exc:
                checks[name] = f"unavailable: {exc}"
            except Exception as exc:  # other messages may carry connection strings: the type only
                checks[name] = f"unavailable: {type(exc).__name__}"
        ok = all(v == "ok" for v in checks.values())
        return JSONResponse(
            {"status": "ok" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503
        )

    @app.get(
        "/metrics",
        tags=["ops"],
        summary="Prometheus 指标 / Metrics",
        response_class=Response,
        responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
    )
    def metrics_endpoint() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    for router in routers:
        app.include_router(router)
    return app
