"""The reporting dashboard, as an official sees it in a real browser: the API's figures, drawn and clickable.

Each test opens the page the way a link would (/dashboard?unit_id=…#token=…) and checks what the
page shows against what the API answers for the same token: the KPI cards, the sub-units, the
children behind a figure, in both languages, at a desktop's and a phone's width, with no console
error. Screenshots go to test-artifacts/dashboard/.
"""

from __future__ import annotations

import base64
import math
import re
import time
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from shouhu_kit.auth import Role

pytestmark = pytest.mark.browser

CHARTS = ["chart-trend", "chart-rank", "chart-risk", "chart-type", "chart-guardian", "chart-duty"]
CJK = re.compile(r"[\u4e00-\u9fff]")


def tenths(rate: float | None) -> float | None:
    """A share in percent to one decimal, half up, as the page rounds it (JavaScript's Math.round)."""
    return None if rate is None else math.floor(rate * 1000 + 0.5) / 10


def pct(rate: float | None) -> str:
    """The page's percentage text."""
    return "—" if rate is None else f"{tenths(rate):.1f}%"


def same(attr: str | None, value: float | None) -> bool:
    """A data-value attribute holds the API's number (empty for none)."""
    return (value is None and attr == "") or (attr not in (None, "") and float(attr) == value)


class Page:
    """The dashboard in the browser, with what the tests read and click."""

    def __init__(self, driver: Any, server: Any) -> None:
        self.d, self.server = driver, server
        self.wait = WebDriverWait(driver, 90)  # generous: CI shares two cores with everything else

    def open(
        self, unit: str | None, token: str | None, month: str | None = None, *, fresh: bool = True
    ) -> Page:
        """Open the page as a link would; `fresh` forgets the tab's token and language first."""
        if fresh:  # on the page itself (a JSON page would have the browser ask for /favicon.ico)
            self.d.get(f"{self.server.url}/dashboard")
            self.d.execute_script("sessionStorage.clear(); localStorage.clear();")
        self.d.get_log("browser")  # start each page with an empty console
        query = "&".join(
            p
            for p in (
                f"unit_id={self.server.city.t[unit]}" if unit else "",
                f"month={month}" if month else "",
            )
            if p
        )
        self.d.get(f"{self.server.url}/dashboard?{query}" + (f"#token={token}" if token else ""))
        if unit and token:
            self.ready(unit, month)
        return self

    def state(self) -> str:
        """The page's state: starting, loading, ready, signin or error."""
        return str(self.d.execute_script("return document.body.dataset.state"))

    def ready(self, unit: str, month: str | None = None) -> None:
        """Wait until the page shows a unit (and month)."""
        unit_id = str(self.server.city.t[unit])

        def shown(d: Any) -> bool:
            body = d.execute_script("const b = document.body.dataset; return [b.state, b.unitId, b.month]")
            return body[0] == "ready" and body[1] == unit_id and (month is None or body[2] == month)

        self.wait.until(shown)

    def until_state(self, state: str) -> None:
        """Wait for a state."""
        self.wait.until(lambda _d: self.state() == state)

    def el(self, css: str) -> WebElement:
        """One element."""
        return self.d.find_element(By.CSS_SELECTOR, css)

    def els(self, css: str) -> list[WebElement]:
        """Elements."""
        return list(self.d.find_elements(By.CSS_SELECTOR, css))

    def click(self, element: WebElement) -> None:
        """Scroll an element into view and click it as a person would."""
        self.d.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        ActionChains(self.d).move_to_element(element).click().perform()

    def kpi(self, key: str) -> tuple[str, str]:
        """A KPI card's raw value and its text."""
        card = self.el(f'[data-kpi="{key}"]')
        return card.get_attribute("data-value") or "", card.find_element(By.CSS_SELECTOR, ".kpi-value").text

    def assert_kpis(self, api: dict[str, Any]) -> None:
        """Every KPI card shows the API's figure, as a number and as text."""
        expected = {
            "children": (api["children"], str(api["children"])),
            "archive": (api["archive_rate"], pct(api["archive_rate"])),
            "coverage": (api["coverage"], pct(api["coverage"])),
            "compliance": (api["compliance"]["rate"], pct(api["compliance"]["rate"])),
            "tasks_open": (api["tasks_open"], str(api["tasks_open"])),
            "tasks_overdue": (api["tasks_overdue"], str(api["tasks_overdue"])),
            "risk_high": (api["risk"].get("high", 0), str(api["risk"].get("high", 0))),
            "no_guardian": (api["by_guardian"].get("none", 0), str(api["by_guardian"].get("none", 0))),
        }
        for key, (value, text) in expected.items():
            raw, shown = self.kpi(key)
            assert same(raw, value), (key, raw, value)
            assert shown == text, (key, shown, text)

    def rank_rows(self) -> dict[str, dict[str, str]]:
        """The sub-unit table: unit id -> column -> raw value."""
        rows = {}
        for tr in self.els("#rank-table tbody tr"):
            cells = tr.find_elements(By.CSS_SELECTOR, "td[data-col]")
            rows[tr.get_attribute("data-unit-id") or ""] = {
                c.get_attribute("data-col") or "": c.get_attribute("data-value") or "" for c in cells
            }
        return rows

    def option(self, chart: str) -> Any:
        """The option a chart draws (its data, as ECharts holds it)."""
        return self.d.execute_script(
            "const c = echarts.getInstanceByDom(document.getElementById(arguments[0]));"
            "return c ? JSON.parse(JSON.stringify(c.getOption())) : null;",
            chart,
        )

    def ink(self, chart: str) -> int:
        """How many sampled pixels of a chart's canvas are painted (0: no canvas or blank)."""
        return int(
            self.d.execute_script(
                "const c = document.querySelector('#' + arguments[0] + ' canvas');"
                "if (!c || !c.width || !c.height) return 0;"
                "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;"
                "for (let i = 3; i < d.length; i += 64) if (d[i] > 0) n++; return n;",
                chart,
            )
        )

    def drawn(self, *charts: str) -> None:
        """Wait until each chart has painted its canvas."""
        for chart in charts:

            def painted(_d: Any, c: str = chart) -> bool:
                return self.ink(c) > 50

            self.wait.until(painted, f"{chart} drew nothing")

    def click_chart(self, chart: str, finder: dict[str, int], point: list[Any]) -> None:
        """Click a chart where a data point is drawn (ECharts' own pixel for it)."""
        el = self.el(f"#{chart}")
        self.d.execute_script("arguments[0].scrollIntoView({block: 'center'})", el)
        x, y = self.d.execute_script(
            "return echarts.getInstanceByDom(arguments[0]).convertToPixel(arguments[1], arguments[2]);",
            el,
            finder,
            point,
        )
        size = el.size
        ActionChains(self.d).move_to_element_with_offset(
            el, int(x - size["width"] / 2), int(y - size["height"] / 2)
        ).click().perform()

    def list_names(self, *, follow: bool = True) -> list[str]:
        """The names in the open children list, pressing "more" until every page is shown."""
        dialog = self.el("#children-dialog")
        self.wait.until(lambda _d: dialog.get_attribute("data-state") == "ready")
        more = self.el("#list-more")
        while follow and more.is_displayed():
            count = len(self.els("#list-table tbody tr"))
            self.click(more)

            def grew(_d: Any, n: int = count) -> bool:
                rows = len(self.els("#list-table tbody tr"))
                return dialog.get_attribute("data-state") == "ready" and rows > n

            self.wait.until(grew)
        return [th.text for th in self.els("#list-table tbody th.child-name")]

    def close_list(self) -> None:
        """Close the children list."""
        self.click(self.el("#list-close"))
        self.wait.until(lambda _d: not self.el("#children-dialog").is_displayed())

    def trail(self) -> list[str]:
        """The breadcrumb."""
        return [li.text for li in self.els("#trail-list li")]

    def console_errors(self) -> list[str]:
        """SEVERE console entries since the last look."""
        return [e["message"] for e in self.d.get_log("browser") if e["level"] == "SEVERE"]

    def no_horizontal_scroll(self) -> None:
        """The page is no wider than the window."""
        width, inner = self.d.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert width <= inner, f"the page scrolls sideways: {width} > {inner}"

    def screenshot(self, path: Path, *, full: bool = True) -> None:
        """A PNG of the whole page, or of the window (a dialog covers only the window)."""
        time.sleep(0.8)  # let the charts' 0.5 s entry animation end: the picture is for people to look at
        if not full:
            self.d.save_screenshot(str(path))
            return
        metrics = self.d.execute_cdp_cmd("Page.getLayoutMetrics", {})
        size = metrics["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
        shot = self.d.execute_cdp_cmd(
            "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip}
        )
        path.write_bytes(base64.b64decode(shot["data"]))


@pytest.fixture
def page(driver: Any, server: Any) -> Page:
    """The dashboard page in the session's browser."""
    return Page(driver, server)


def test_the_city_dashboard_shows_the_apis_figures_and_draws_every_chart(
    page: Page, server: Any, artifacts: Path
) -> None:
    token = server.token(Role.CITY_ADMIN, "city")
    page.open("city", token)
    assert "token" not in page.d.current_url, "the token left the address bar"
    assert "#" not in page.d.current_url
    assert page.d.execute_script("return sessionStorage.getItem('shouhu.dashboard.token')") == token
    api = server.kpis(token, "city")
    page.assert_kpis(api)
    assert page.el("#unit-name").text == "江城市"
    assert page.trail() == ["江城市"]
    subs = server.sub_units(token, "city")
    assert page.rank_rows() == {
        s["unit"]["unit_id"]: {
            "children": str(s["figures"]["children"]),
            "archive": str(s["figures"]["archive_rate"]),
            "coverage": str(s["figures"]["coverage"]),
            "compliance": str(s["figures"]["compliance"]),
            "tasks_open": str(s["figures"]["tasks_open"]),
            "tasks_overdue": str(s["figures"]["tasks_overdue"]),
            "risk_high": str(s["figures"]["risk_high"]),
        }
        for s in subs
    }
    page.drawn(*CHARTS)
    assert len(page.els("#kpis .kpi-spark canvas")) == 7
    trend = page.option("chart-trend")["series"]
    assert trend[0]["data"] == [f["children"] for f in api["trend"]]
    assert trend[1]["data"] == [tenths(f["coverage"]) for f in api["trend"]]
    ranked = sorted(subs, key=lambda s: -s["figures"]["coverage"])
    bars = page.option("chart-rank")
    assert bars["yAxis"][0]["data"] == [s["unit"]["name"] for s in ranked]
    assert [b["value"] for b in bars["series"][0]["data"]] == [
        tenths(s["figures"]["coverage"]) for s in ranked
    ]
    risk = {d["code"]: d["value"] for d in page.option("chart-risk")["series"][0]["data"]}
    assert risk == api["risk"]
    duty = page.option("chart-duty")["series"]
    assert duty[0]["data"] == [d["met"] for d in api["compliance"]["by_duty"]]
    # A tooltip is drawn in the canvas (rich text): hovering must not break the strict CSP.
    chart = page.el("#chart-trend")
    page.d.execute_script("arguments[0].scrollIntoView({block: 'center'})", chart)
    ActionChains(page.d).move_to_element(chart).perform()
    page.screenshot(artifacts / "city-desktop.png")
    assert page.console_errors() == []


def test_a_sub_unit_drills_down_from_the_table_and_from_its_bar(page: Page, server: Any) -> None:
    token = server.token(Role.CITY_ADMIN, "city")
    page.open("city", token)
    row = page.el(f'#rank-table tr[data-unit-id="{server.city.t["dA"]}"] .unit-link')
    assert row.text == "青山区"
    page.click(row)
    page.ready("dA", "2026-10")
    assert page.trail() == ["江城市", "青山区"]
    page.assert_kpis(server.kpis(token, "dA"))
    page.drawn("chart-rank")
    names = page.option("chart-rank")["yAxis"][0]["data"]
    index = names.index("柳河乡")
    value = page.option("chart-rank")["series"][0]["data"][index]["value"]
    page.click_chart("chart-rank", {"seriesIndex": 0}, [value / 2, index])
    page.ready("tA2")
    assert page.trail() == ["江城市", "青山区", "柳河乡"]
    page.assert_kpis(server.kpis(token, "tA2"))
    kinds = {tr.find_element(By.CSS_SELECTOR, ".unit-link").text for tr in page.els("#rank-table tbody tr")}
    assert kinds == {"柳河村", "柳河乡小学"}
    page.click(page.els("#trail-list a")[0])
    page.ready("city")
    page.d.back()
    page.ready("tA2")
    assert page.console_errors() == []


def test_a_school_admin_sees_the_school_by_default_and_cannot_open_the_city(
    page: Page, server: Any, artifacts: Path
) -> None:
    token = server.token(Role.SCHOOL_ADMIN, "sA1", subject="principal")
    page.open(None, token)
    page.ready("sA1")
    assert page.trail() == ["青石镇中心小学"], "the units above the school are outside its scope"
    page.assert_kpis(server.kpis(token, "sA1"))
    assert set(page.rank_rows()) == {s["unit"]["unit_id"] for s in server.sub_units(token, "sA1")}
    page.drawn("chart-trend", "chart-rank")
    page.screenshot(artifacts / "school-desktop.png")
    page.click(page.el(f'#rank-table tr[data-unit-id="{server.city.t["cA1"]}"] .unit-link'))
    page.ready("cA1")
    assert page.trail() == ["青石镇中心小学", "三年级(1)班"]
    page.assert_kpis(server.kpis(token, "cA1"))
    assert page.el("#rank-none").is_displayed(), "a class has no sub-units, and says so"
    assert not page.el("#rank-table").is_displayed()
    assert page.console_errors() == []
    page.d.get(f"{server.url}/dashboard?unit_id={server.city.t['city']}")
    page.until_state("error")
    assert page.d.execute_script("return document.body.dataset.error") == "404"
    assert "不在您的权限范围内" in page.el("#notice").text
    page.screenshot(artifacts / "school-admin-opens-the-city.png", full=False)
    errors = page.console_errors()
    assert errors, "the 404 answers are in the console"
    assert all(str(server.city.t["city"]) in e and "404" in e for e in errors), errors
    page.click(page.el("#notice button"))
    page.ready("sA1")


def test_each_figure_opens_the_children_behind_it(page: Page, server: Any, artifacts: Path) -> None:
    token = server.token(Role.DISTRICT_ADMIN, "dA")
    page.open("dA", token)
    page.click(page.el('[data-kpi="coverage"]'))
    assert page.list_names() == server.children(token, "dA", "unpaired")
    assert page.el("#list-title").text == "未结对儿童 · 青山区"
    unpaired = server.kpis(token, "dA")["unpaired"]
    assert page.el("#list-sub").text == f"2026年10月 · 共 {unpaired} 名"
    page.close_list()
    page.click(page.el('[data-kpi="children"]'))
    first = page.list_names(follow=False)
    assert len(first) == 50, "105 children: more than one page"
    assert page.el("#list-more").is_displayed()
    everyone = page.list_names()
    assert everyone == server.children(token, "dA", "all")
    assert len(everyone) == 105
    page.screenshot(artifacts / "district-children-list.png", full=False)
    page.close_list()
    page.click(page.el('[data-kpi="archive"] [data-figure="archive_incomplete"]'))
    assert page.list_names() == server.children(token, "dA", "archive_incomplete")
    page.close_list()
    page.drawn("chart-guardian")
    bars = page.option("chart-guardian")
    index = [d["code"] for d in bars["series"][0]["data"]].index("none")
    page.click_chart(
        "chart-guardian", {"seriesIndex": 0}, [index, bars["series"][0]["data"][index]["value"] / 2]
    )
    assert page.list_names() == server.children(token, "dA", "guardian:none")
    assert page.el("#list-title").text == "监护情况：无人监护 · 青山区"
    page.close_list()
    unmet = page.el('#duty-table tr[data-duty="helper_contact_monthly"] td[data-col="unmet"] button')
    page.click(unmet)
    expected = server.children(token, "dA", "unmet", duty="helper_contact_monthly", month="2026-10")
    assert expected
    assert page.list_names() == expected
    page.close_list()
    cell = page.el(f'#rank-table tr[data-unit-id="{server.city.t["tA"]}"] td[data-col="coverage"] button')
    page.click(cell)
    assert page.list_names() == server.children(token, "tA", "unpaired")
    assert page.el("#list-title").text == "未结对儿童 · 青石镇"
    page.close_list()
    assert page.console_errors() == []


def test_the_language_switch_changes_every_label_and_is_remembered(
    page: Page, server: Any, artifacts: Path
) -> None:
    page.open("city", server.token(Role.CITY_ADMIN, "city"))
    label = '[data-kpi="children"] .kpi-label'
    assert page.el(label).text == "留守儿童"
    assert page.d.execute_script("return document.documentElement.lang") == "zh-CN"
    page.click(page.el("#lang"))
    assert page.el(label).text == "Children"
    assert page.d.execute_script("return document.documentElement.lang") == "en"
    assert page.el("#lang").text == "中文"
    assert page.option("chart-trend")["series"][1]["name"] == "Pairing coverage"
    page.drawn("chart-trend")
    labels = page.d.execute_script(
        "return [...document.querySelectorAll('[data-i18n], .kpi-label, .kpi-foot, #rank-table thead, "
        "#duty-table thead, #rank-metrics, .kind')].map(e => e.textContent)"
    )
    assert labels
    assert not [text for text in labels if CJK.search(text)], "every label has its English"
    page.d.refresh()
    page.ready("city")
    assert page.el(label).text == "Children", "the choice is remembered (localStorage)"
    page.screenshot(artifacts / "city-desktop-en.png")
    page.click(page.el("#lang"))
    assert page.el(label).text == "留守儿童"
    assert page.d.execute_script("return localStorage.getItem('shouhu.dashboard.lang')") == "zh"
    assert page.console_errors() == []


def test_at_a_phones_width_nothing_scrolls_sideways(page: Page, server: Any, artifacts: Path) -> None:
    metrics = {"width": 375, "height": 812, "deviceScaleFactor": 2, "mobile": True}
    page.d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    try:
        token = server.token(Role.CITY_ADMIN, "city")
        page.open("city", token)
        assert page.d.execute_script("return window.innerWidth") == 375
        page.drawn(*CHARTS)
        page.no_horizontal_scroll()
        page.screenshot(artifacts / "city-phone.png")
        page.screenshot(artifacts / "city-phone-first-screen.png", full=False)
        page.click(page.el('[data-kpi="coverage"]'))
        assert page.list_names() == server.children(token, "city", "unpaired")
        page.no_horizontal_scroll()
        page.screenshot(artifacts / "city-phone-children.png", full=False)
        page.close_list()
        page.click(page.el(f'#rank-table tr[data-unit-id="{server.city.t["dB"]}"] .unit-link'))
        page.ready("dB")
        page.drawn("chart-trend")
        page.no_horizontal_scroll()
        assert page.console_errors() == []
    finally:
        page.d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_without_a_token_the_page_asks_for_one_and_says_why_a_token_is_refused(
    page: Page, server: Any, artifacts: Path
) -> None:
    page.open("city", None)
    page.until_state("signin")
    assert page.el("#signin").is_displayed()
    assert not page.el("#board").is_displayed()
    page.screenshot(artifacts / "signin.png")

    def sign_in(token: str) -> None:
        box = page.el("#signin-token")
        box.clear()
        box.send_keys(token)
        page.click(page.el("#signin-form button[type=submit]"))

    sign_in("not-a-token")
    page.wait.until(lambda _d: "令牌无效或已过期" in page.el("#notice").text)
    assert page.state() == "signin"
    assert page.d.execute_script("return sessionStorage.getItem('shouhu.dashboard.token')") is None
    page.screenshot(artifacts / "signin-refused-token.png", full=False)
    sign_in(server.token(Role.TEACHER, "sA1"))
    page.until_state("error")
    assert "您的角色无权查看统计数据" in page.el("#notice").text
    page.click(page.el("#signout"))
    page.until_state("signin")
    sign_in(server.token(Role.CITY_ADMIN, "city"))
    page.ready("city")
    errors = page.console_errors()
    assert errors, "the 401 and 403 answers are in the console"
    assert all(re.search(r"/v1/org-units/.* (401|403)", e) for e in errors), errors


def test_the_month_picker_and_a_click_on_the_trend_show_another_month(page: Page, server: Any) -> None:
    token = server.token(Role.CITY_ADMIN, "city")
    page.open("city", token)
    assert page.el("#month").get_attribute("value") == "2026-10"
    assert not page.el("#month-next").is_enabled(), "no month after this one"
    page.click(page.el("#month-prev"))
    page.ready("city", "2026-09")
    page.assert_kpis(server.kpis(token, "city", "2026-09"))
    assert page.el("#month-next").is_enabled()
    page.drawn("chart-trend")
    trend = page.option("chart-trend")
    index = [f["month"] for f in server.kpis(token, "city", "2026-09")["trend"]].index("2026-06")
    page.click_chart(
        "chart-trend", {"xAxisIndex": 0, "yAxisIndex": 1}, [index, trend["series"][0]["data"][index] / 2]
    )
    page.ready("city", "2026-06")
    page.assert_kpis(server.kpis(token, "city", "2026-06"))
    page.d.back()
    page.ready("city", "2026-09")
    assert page.console_errors() == []


def test_without_the_chart_library_the_page_says_so_and_still_shows_the_figures(
    page: Page, server: Any
) -> None:
    page.d.execute_cdp_cmd("Network.enable", {})
    page.d.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*echarts.min.js"]})
    try:
        token = server.token(Role.CITY_ADMIN, "city")
        page.open("city", token)
        assert "图表库未能加载" in page.el("#notice").text
        assert page.el("#chart-trend").text == "图表不可用"
        page.assert_kpis(server.kpis(token, "city"))
        errors = page.console_errors()  # the blocked request itself, if Chromium reports it
        assert all("echarts.min.js" in e for e in errors), errors
    finally:
        page.d.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})
        page.d.execute_cdp_cmd("Network.disable", {})
