"""The dashboard page (数据看板) and its static files, served by the reporting API itself.

The page and its files hold no data: they are the same for everyone, so they need no token. The
page's script reads the caller's bearer token from the URL fragment (never sent to the server) and
sends it with every call to /v1/…, where the API checks role and scope as for any client.
Nothing comes from a CDN: the chart library is fetched at install time (tools/fetch_web_assets.py)
into vendor/, and the page says so plainly when it is missing.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from shouhu_kit.problems import Problem

log = logging.getLogger(__name__)

WEB = Path(__file__).resolve().parent
STATIC = WEB / "static"
VENDOR = WEB / "vendor" / "echarts"
# Vendor files by the name the page asks for: the library, and its licence travelling with it.
VENDOR_FILES = {
    "echarts.min.js": "echarts.min.js",
    "echarts-LICENSE.txt": "LICENSE",
    "echarts-NOTICE.txt": "NOTICE",
}
MEDIA = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
}
_OWN_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*\.(js|css|svg)$")

# Only this origin's files run: no inline script, no eval, no other host; the page cannot be framed.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-cache",  # revalidate (ETag): a new install is seen at once
}

router = APIRouter(tags=["dashboard"], include_in_schema=False)


def _file(path: Path) -> FileResponse:
    return FileResponse(path, media_type=MEDIA.get(path.suffix, "application/octet-stream"), headers=HEADERS)


def _missing(name: str) -> Problem:
    return Problem(
        status=404,
        slug="not-found",
        title="文件不存在",
        title_en="File not found",
        detail=f"看板没有文件 {name}",
        detail_en=f"the dashboard has no file {name}",
    )


@router.get("/dashboard", summary="数据看板 / The reporting dashboard")
def dashboard() -> FileResponse:
    """The page (its script decides which unit and month to show)."""
    if not (VENDOR / VENDOR_FILES["echarts.min.js"]).is_file():
        log.warning("dashboard: the chart library is missing from %s: run make install", VENDOR)
    return FileResponse(STATIC / "dashboard.html", media_type="text/html; charset=utf-8", headers=HEADERS)


@router.get("/dashboard/static/vendor/{name}", summary="看板第三方文件 / The chart library and its licence")
def vendor_file(name: str) -> FileResponse:
    """ECharts' built file, LICENSE and NOTICE, as fetched at install time."""
    if name not in VENDOR_FILES:
        raise _missing(name)
    path = VENDOR / VENDOR_FILES[name]
    if not path.is_file():
        raise Problem(
            status=404,
            slug="asset-missing",
            title="图表库未安装",
            title_en="Chart library not installed",
            detail="请运行 make install（tools/fetch_web_assets.py）",
            detail_en="run make install (tools/fetch_web_assets.py)",
        )
    return _file(path)


@router.get("/dashboard/static/{name}", summary="看板文件 / The page's own script, styles and icon")
def static_file(name: str) -> FileResponse:
    """One of the page's own files (a plain name: no path reaches outside static/)."""
    path = STATIC / name
    if not _OWN_NAME.match(name) or not path.is_file():
        raise _missing(name)
    return _file(path)
