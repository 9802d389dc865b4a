"""App factory: health, readiness, metrics and problem+json, shared by API and worker processes."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shouhu_kit.metrics import Metrics
from shouhu_kit.problems import install_problem_handlers
from shouhu_kit.settings import ServiceSettings

log = logging.getLogger(__name__)

ReadinessCheck = tuple[str, Callable[[], None]]


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

    app = FastAPI(title=title, description=description, version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    app.state.metrics = metrics
    for k, v in (state or {}).items():
        setattr(app.state, k, v)
    install_problem_handlers(app)
    app.add_middleware(_MetricsMiddleware, metrics=metrics)

    @app.get("/healthz", tags=["ops"], summary="存活检查 / Liveness")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "service": settings.service}

    @app.get("/readyz", tags=["ops"], summary="就绪检查 / Readiness (database and Kafka)")
    def readyz() -> JSONResponse:
        checks: dict[str, str] = {}
        for name, check in readiness:
            try:
                check()
                checks[name] = "ok"
            except Exception as exc:
                checks[name] = f"unavailable: {type(exc).__name__}"
        ok = all(v == "ok" for v in checks.values())
        return JSONResponse(
            {"status": "ok" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503
        )

    @app.get("/metrics", tags=["ops"], summary="Prometheus 指标 / Metrics")
    def metrics_endpoint() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    for router in routers:
        app.include_router(router)
    return app
