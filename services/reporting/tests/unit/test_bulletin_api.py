"""The bulletin API on SQLite and PostgreSQL: scope, the list, a ranking, XLSX and PDF in Chinese.

The PDF is read back with poppler (`pdftotext`, `pdftoppm`, Debian's poppler-utils); page one is
kept as a PNG in test-artifacts/ to look at.
"""

from __future__ import annotations

import importlib.util
import io
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from openpyxl import load_workbook
from PIL import Image

from shouhu_kit.auth import Role

_spec = importlib.util.spec_from_file_location(
    "bulletin_fixtures", Path(__file__).with_name("bulletin_fixtures.py")
)
assert _spec is not None
assert _spec.loader is not None
fx = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fx)
city = fx.city  # the fixture, seen by pytest in this module
china = fx.china

pytestmark = pytest.mark.unit
RANKING = "/v1/bulletins/2027-04/ranking"


@pytest.fixture
def april(city: Any) -> Any:
    """April's bulletin published (the job ran at five past midnight on 1 May, Beijing time)."""
    city.kids = fx.april_city(city)
    city.at(china(2027, 5, 1, 0, 5))
    city.run_job()
    return city


def test_who_may_read_which_unit(april: Any) -> None:
    city = april
    assert city.client.get("/v1/bulletins").status_code == 401
    for role, scope in [(Role.TEACHER, "S1"), (Role.HELPER, "S1")]:
        who = city.headers(role, scope)
        assert city.get("/v1/bulletins", who).status_code == 403
        assert city.get(RANKING, who).status_code == 403
        assert city.get(RANKING + ".xlsx", who).status_code == 403
        assert city.get(f"/v1/org-units/{city.t['S1']}/sub-units.xlsx", who).status_code == 403
    other = city.headers(Role.DISTRICT_ADMIN, "dB")
    for unit in ("dA", "tA", "city"):  # another district, below it, above the caller
        assert city.get(RANKING, other, unit_id=str(city.t[unit])).status_code == 404
        assert city.get(RANKING + ".pdf", other, unit_id=str(city.t[unit])).status_code == 404
        assert city.get(f"/v1/org-units/{city.t[unit]}/sub-units.xlsx", other).status_code == 404
    assert city.get(RANKING, other).status_code == 200  # its own unit: 河西县's township


def test_bad_months_name_the_field(april: Any) -> None:
    who = april.headers(Role.CITY_ADMIN, "city")
    for url, params, field in [
        ("/v1/bulletins/2027-13/ranking", {}, "month"),
        ("/v1/bulletins/27-04/ranking.xlsx", {}, "month"),
        ("/v1/bulletins", {"after": "April"}, "after"),
        (f"/v1/org-units/{april.t['tA']}/sub-units.xlsx", {"month": "2027-4x"}, "month"),
        (RANKING, {"unit_id": "not-a-unit"}, "unit_id"),
    ]:
        got = april.get(url, who, **params)
        assert got.status_code == 422, (url, got.text)
        assert got.headers["content-type"].startswith("application/problem+json")
        errors = got.json()["errors"]
        assert [e["field"].split(".")[-1] for e in errors] == [field]
        assert errors[0]["message"]  # in Chinese, with message_en beside
    missing = april.get("/v1/bulletins/2027-05/ranking", who)  # May has not closed
    assert missing.status_code == 404
    assert missing.json()["title"] == "该月通报不存在"


def test_a_ranking_is_the_callers_unit_by_default_best_first(april: Any) -> None:
    got = april.get(RANKING, april.headers(Role.TOWNSHIP_ADMIN, "tA"))
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["unit"]["name"] == "东关街道"
    assert [t["name"] for t in body["trail"]] == []  # nothing above the caller's own unit is shown
    order = [(line["unit"]["name"], line["rank"]) for line in body["lines"]]
    assert order == [
        ("东关第1小学", 1),
        ("东关第2小学", 2),
        ("东关第3小学", 2),
        ("东关第4小学", 4),
        ("sA1", None),  # no child: unranked, after the ranked, by code (the world's own schools)
        ("sA2", None),
        ("东关村", None),
        ("东关第5小学", None),
    ]
    first = body["lines"][0]
    assert first["score"] == 1.0
    assert first["change"]["children"] == 2  # nobody in March
    assert first["change"]["rank"] is None  # not ranked in March
    assert body["figures"]["children"] == 7  # the township's own line
    city_wide = april.get(RANKING, april.headers(Role.CITY_ADMIN, "city")).json()
    assert [line["unit"]["name"] for line in city_wide["lines"]] == [
        "城东区",
        "河西县",
        "北山区",
    ]  # by code: dA, dB, 北山区
    assert city_wide["figures"] is None  # the city has no parent, so no line of its own
    admin = april.get(RANKING, april.headers(Role.ADMIN)).json()  # no unit: the only top unit
    assert admin["unit"]["name"] == "青山市"


def test_bulletins_are_listed_newest_first_a_page_at_a_time(april: Any) -> None:
    for month in (6, 7):
        april.at(china(2027, month, 1, 0, 5))
        april.run_job()
    who = april.headers(Role.VILLAGE_DIRECTOR, "vA")
    page = april.get("/v1/bulletins", who, limit=2).json()
    assert [b["month"] for b in page["items"]] == ["2027-06", "2027-05"]
    assert page["next_after"] == "2027-05"
    rest = april.get("/v1/bulletins", who, limit=2, after=page["next_after"]).json()
    assert [b["month"] for b in rest["items"]] == ["2027-04"]
    assert rest["next_after"] is None
    assert rest["items"][0]["units_ranked"] > 0


def test_the_ranking_workbook_holds_the_figures(april: Any) -> None:
    got = april.get(RANKING + ".xlsx", april.headers(Role.TOWNSHIP_ADMIN, "tA"))
    assert got.status_code == 200, got.text
    name = quote("东关街道-2027年4月-留守儿童关爱工作通报.xlsx", safe="")
    assert f"filename*=UTF-8''{name}" in got.headers["content-disposition"]
    book = load_workbook(io.BytesIO(got.content), read_only=True)
    rows = list(book["通报排名"].iter_rows(values_only=True))
    headers = rows[0]
    assert headers[0] == "综合排名 / Rank"
    by_name = {r[2]: dict(zip(headers, r, strict=False)) for r in rows[1:]}
    s2 = by_name["东关第2小学"]
    assert (s2["综合排名 / Rank"], s2["儿童数 / Children"], s2["已结对 / Paired"]) == (2, 2, 1)
    assert (s2["结对覆盖率(%) / Coverage (%)"], s2["联系完成率(%) / Compliance (%)"]) == (50, 100)
    assert s2["覆盖率排名 / Coverage rank"] == 3
    assert by_name["东关第5小学"]["综合排名 / Rank"] is None
    about = {r[0]: r[1] for r in book["说明"].iter_rows(values_only=True)}
    assert about["标题 / Title"] == "东关街道 2027年4月 留守儿童关爱工作通报"


def test_the_sub_units_workbook_holds_the_current_figures(april: Any) -> None:
    april.at(china(2027, 5, 3))
    april.child("K5", name="新来的")  # May: 东关第5小学 has a child now
    got = april.get(f"/v1/org-units/{april.t['tA']}/sub-units.xlsx", april.headers(Role.DISTRICT_ADMIN, "dA"))
    assert got.status_code == 200, got.text
    name = quote("东关街道-下级单位指标-2027年5月.xlsx", safe="")
    assert f"filename*=UTF-8''{name}" in got.headers["content-disposition"]
    rows = list(
        load_workbook(io.BytesIO(got.content), read_only=True)["下级单位指标"].iter_rows(values_only=True)
    )
    by_name = {r[1]: dict(zip(rows[0], r, strict=False)) for r in rows[1:]}
    assert by_name["东关第5小学"]["儿童数 / Children"] == 1
    assert by_name["东关第1小学"]["结对覆盖率(%) / Coverage (%)"] == 100
    assert by_name["东关第1小学"]["类型 / Kind"] == "学校"
    april_rows = april.get(
        f"/v1/org-units/{april.t['tA']}/sub-units.xlsx",
        april.headers(Role.CITY_ADMIN, "city"),
        month="2027-04",
    )
    rows = list(
        load_workbook(io.BytesIO(april_rows.content), read_only=True).active.iter_rows(values_only=True)
    )
    assert {r[1]: r[3] for r in rows[1:]}["东关第5小学"] == 0  # at April's end


def _poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is missing: install Debian's poppler-utils (apt-get install poppler-utils)")
    return path


def test_the_pdf_is_in_chinese_with_ranks_changes_and_pages(
    april: Any, request: pytest.FixtureRequest
) -> None:
    kids = april.kids
    april.at(china(2027, 5, 6))
    april.pair(kids["S4"][0])  # 东关第4小学: coverage 0 → 100 %, climbs
    for child, met in [(kids["S1"][0], True), (kids["S1"][1], False), (kids["S3"][0], True)]:
        april.window(child, "2027-05", met=met)  # 东关第1小学: compliance 100 → 50 %
    april.at(china(2027, 6, 1, 0, 5))
    april.run_job()
    got = april.get("/v1/bulletins/2027-05/ranking.pdf", april.headers(Role.TOWNSHIP_ADMIN, "tA"))
    assert got.status_code == 200, got.text
    assert got.headers["content-type"] == "application/pdf"
    name = quote("东关街道-2027年5月-留守儿童关爱工作通报.pdf", safe="")
    assert f"filename*=UTF-8''{name}" in got.headers["content-disposition"]
    fx.ARTIFACTS.mkdir(exist_ok=True)
    stem = fx.ARTIFACTS / f"bulletin-{request.node.callspec.id}"
    pdf = stem.with_suffix(".pdf")
    pdf.write_bytes(got.content)
    text = subprocess.run(
        [_poppler("pdftotext"), "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "东关街道 2027年5月 留守儿童关爱工作通报" in text
    for school in ("东关第1小学", "东关第2小学", "东关第4小学", "东关村"):
        assert school in text
    assert "第 1 页" in text
    rows = {line.split()[1]: line for line in text.splitlines() if "东关第" in line and len(line.split()) > 5}
    assert "100.0% ▲100.0" in rows["东关第4小学"]  # its coverage, up 100 points
    assert "50.0% ▼50.0" in rows["东关第1小学"]  # its compliance, down 50 points
    subprocess.run(
        [_poppler("pdftoppm"), "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(stem)],
        check=True,
    )
    image = Image.open(stem.with_suffix(".png")).convert("L")
    dark = sum(image.histogram()[:128])  # pixels darker than mid-grey
    assert dark > 0.005 * image.width * image.height, "page one is blank"


def test_no_chinese_font_answers_503(april: Any) -> None:
    app = april.client.app
    app.state.settings = app.state.settings.model_copy(update={"bulletin_font_path": "/nowhere/font.ttc"})
    got = april.get(RANKING + ".pdf", april.headers(Role.CITY_ADMIN, "city"))
    assert got.status_code == 503
    assert got.headers["content-type"].startswith("application/problem+json")
    assert got.json()["type"].endswith("pdf-font-missing")
    assert "fonts-wqy-zenhei" in got.json()["detail"]
