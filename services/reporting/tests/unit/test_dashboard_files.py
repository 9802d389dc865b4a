"""The dashboard's page and files as the API serves them: a strict CSP, no inline script, no way out of
static/, a clear answer when the chart library is missing, and every label in both languages."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from reporting.bootstrap import SERVICE
from reporting.config import ReportingSettings
from reporting.entrypoints.web import routes
from shouhu_kit.broker import InMemoryBroker
from shouhu_testkit.wiring import in_memory_adapters

pytestmark = pytest.mark.unit
STATIC = routes.STATIC


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    """The reporting API (no lifespan: these files need no database)."""
    settings = ReportingSettings(database_url=f"sqlite:///{tmp_path}/r.db", env="test")  # type: ignore[call-arg]
    return TestClient(SERVICE.api(settings, in_memory_adapters(InMemoryBroker())))


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.script_text = ""
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.script_text += data.strip()


def test_the_page_is_served_with_a_strict_content_security_policy(client: TestClient) -> None:
    r = client.get("/dashboard")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-content-type-options"] == "nosniff"


def test_the_page_has_no_inline_script_style_or_handler_and_loads_only_its_own_files(
    client: TestClient,
) -> None:
    page = _Tags()
    page.feed(client.get("/dashboard").text)
    assert page.script_text == "", "no inline script"
    for tag, attrs in page.tags:
        assert "style" not in attrs, f"<{tag}> has an inline style"
        assert not [a for a in attrs if a.startswith("on")], f"<{tag}> has an inline handler"
    urls = [a.get("src") or a.get("href") for t, a in page.tags if t in ("script", "link", "img")]
    assert urls
    assert all(u and u.startswith("/dashboard/static/") for u in urls), urls
    for url in urls:
        assert url is not None
        if "/vendor/" not in url:
            assert client.get(url).status_code == 200, url


def test_static_files_carry_their_type_and_no_name_reaches_outside(client: TestClient) -> None:
    js = client.get("/dashboard/static/dashboard.js")
    assert js.status_code == 200
    assert js.headers["content-type"].startswith("text/javascript")
    assert "default-src 'self'" in js.headers["content-security-policy"]
    assert client.get("/dashboard/static/dashboard.css").headers["content-type"].startswith("text/css")
    for name in ("..%2Froutes.py", "dashboard.html", "routes.py", ".gitignore", "DASHBOARD.JS", "nope.js"):
        r = client.get(f"/dashboard/static/{name}")
        assert r.status_code == 404, name
        assert r.headers["content-type"] == "application/problem+json"
    assert client.get("/dashboard/static/vendor/echarts.js").status_code == 404


def test_the_chart_library_comes_from_the_vendor_directory_or_a_clear_404(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(routes, "VENDOR", tmp_path / "none")
    r = client.get("/dashboard/static/vendor/echarts.min.js")
    assert r.status_code == 404
    body = r.json()
    assert body["title"] == "图表库未安装"
    assert "make install" in body["detail_en"]
    assert client.get("/dashboard").status_code == 200, "the page itself still loads and says so"
    vendor = tmp_path / "echarts"
    vendor.mkdir()
    (vendor / "echarts.min.js").write_text("window.echarts = {};")
    (vendor / "LICENSE").write_text("Apache License")
    monkeypatch.setattr(routes, "VENDOR", vendor)
    r = client.get("/dashboard/static/vendor/echarts.min.js")
    assert r.status_code == 200
    assert r.text == "window.echarts = {};"
    assert client.get("/dashboard/static/vendor/echarts-LICENSE.txt").text == "Apache License"


def test_the_dashboard_is_not_part_of_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith("/dashboard")]


def _labels(lang: str) -> set[str]:
    text = (STATIC / "i18n.js").read_text(encoding="utf-8")
    block = re.search(rf"\n  {lang}: \{{\n(.*?)\n  \}},", text, re.S)
    assert block, lang
    return set(re.findall(r'^\s+"([\w.]+)":', block.group(1), re.M))


def test_every_label_exists_in_chinese_and_in_english() -> None:
    zh, en = _labels("zh"), _labels("en")
    assert zh
    assert zh == en, {"only zh": zh - en, "only en": en - zh}
    used: set[str] = set()
    for js in STATIC.glob("*.js"):
        used |= set(re.findall(r'\bt\("([\w.]+)"', js.read_text(encoding="utf-8")))
        used |= set(re.findall(r'\blabel: "([\w.]+)"', js.read_text(encoding="utf-8")))
    used |= set(
        re.findall(r'data-i18n(?:-\w+)?="([\w.]+)"', (STATIC / "dashboard.html").read_text(encoding="utf-8"))
    )
    assert used
    assert used <= zh, used - zh


def test_every_module_the_page_imports_is_a_static_file() -> None:
    imports: list[Any] = []
    for js in STATIC.glob("*.js"):
        imports += re.findall(r'from "\./([\w-]+\.js)"', js.read_text(encoding="utf-8"))
    assert imports
    assert all((STATIC / name).is_file() for name in imports)
