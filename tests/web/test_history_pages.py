"""History pages: a bloc's campaigns across years and the top units' verified totals, a unit's
verified totals, ranks and awards; each with a Chart.js chart served locally (no CDN), a text
alternative, and the same numbers as a table."""

from __future__ import annotations

import json

import pytest

from core.services import history
from tests.support.admin_pages import main_text, page_client, parse

CHART_JS = "/static/vendor/chartjs/chart.umd.min.js"


def chart_of(page) -> dict:
    return json.loads(page.by_id("history-chart-data").text)


def assert_accessible_chart(client, page, table_id: str) -> None:
    scripts = [s.attrs["src"] for s in page.find_all("script") if "src" in s.attrs]
    assert CHART_JS in scripts
    assert all(src.startswith("/") for src in scripts)  # served by the app, not a CDN
    assert client.get(CHART_JS).status_code == 200
    canvas = page.by_id("history-chart")
    assert canvas.tag == "canvas" and canvas.attrs["role"] == "img"
    assert canvas.attrs["aria-label"]
    assert canvas.text  # fallback content
    described = page.by_id(canvas.attrs["aria-describedby"])
    assert "Số liệu ở bảng ngay bên dưới." in described.text
    assert page.by_id(table_id).find("caption").text


@pytest.fixture
def played(played_year):
    return played_year


def test_bloc_history(played):
    client = page_client(played, "vhttdl.canbo")
    page = parse(client.get("/history/blocs/khoi-8"))
    assert page.find("h1").text == "Lịch sử thi đua — Khối thi đua Khối 8"
    assert_accessible_chart(client, page, "totals")
    chart = chart_of(page)
    assert chart["years"] == [2021]
    assert len(chart["series"]) == 5  # the top five units
    # The same numbers as the service, in the table: every unit, ranked.
    data = history.bloc_history("khoi-8", actor=None)
    ranking = data["years"][0]["ranking"]
    rows = page.by_id("totals").find("tbody").find_all("tr")
    assert [r.find("th").text for r in rows] == [r["name"] for r in ranking]
    first = rows[0].find("td").text.replace(",", ".")
    assert float(first) == ranking[0]["verified_total"]
    assert chart["series"][0] == {"label": ranking[0]["name"],
                                  "data": [ranking[0]["verified_total"]]}
    year = page.by_id("years").find("tbody").find("tr")
    cells = {td.attrs["data-label"]: td.text for td in year.find_all("td")}
    assert cells["Khối trưởng"] == "Sở Thông tin và Truyền thông"
    assert cells["Khối phó"] == "Sở Lao động – Thương binh và Xã hội"
    assert cells["Số đơn vị"] == "8"
    assert "Đề nghị tặng Cờ thi đua của UBND tỉnh: Sở Văn hóa, Thể thao và Du lịch" in \
        cells["Đề nghị khen thưởng"]


def test_unit_history(played):
    client = page_client(played, "tttt.canbo")
    page = parse(client.get("/history/units/so-ldtbxh"))
    assert page.find("h1").text == "Lịch sử thi đua — Sở Lao động – Thương binh và Xã hội"
    assert_accessible_chart(client, page, "years")
    data = history.unit_history("so-ldtbxh", actor=None)["years"][0]
    chart = chart_of(page)
    assert chart["years"] == [2021]
    assert chart["series"][0]["data"] == [data["verified_total"]]
    assert chart["series"][1]["data"] == [data["max_total"]]
    row = page.by_id("years").find("tbody").find("tr")
    cells = {td.attrs["data-label"]: td.text for td in row.find_all("td")}
    assert row.find("th").text == "2021"
    assert cells["Xếp hạng"] == f"{data['rank']}/8"
    assert float(cells["Tổng điểm thẩm định"].replace(",", ".")) == data["verified_total"]
    assert "Được bầu Khối trưởng năm sau" in cells["Khen thưởng, bầu chọn"]


@pytest.mark.usefixtures("catalogs")
def test_history_in_english(played):
    client = page_client(played, "tttt.canbo")
    client.get("/lang/en")
    page = parse(client.get("/history/units/so-vhttdl"))
    assert page.find("html").attrs["lang"] == "en"
    assert page.by_id("history-chart").attrs["data-locale"] == "en-GB"
    assert page.find("h1").text == "Emulation history — Sở Văn hóa, Thể thao và Du lịch"
    caption = page.by_id("years").find("caption").text
    assert caption == "Results of Sở Văn hóa, Thể thao và Du lịch over the years."


def test_history_before_any_score(demo):
    client = page_client(demo, "tttt.canbo")
    page = parse(client.get("/history/blocs/khoi-8"))
    assert chart_of(page)["years"] == [2021]
    assert page.by_id("years").find("tbody").find_all("tr")
    index = parse(client.get("/history/"))
    assert index.by_id("history-blocs").find("a").attrs["href"] == "/history/blocs/khoi-8"
    mine = next(li for li in index.by_id("history-units").find_all("li")
                if "Đơn vị của bạn" in li.text)
    assert mine.find("a").attrs["href"] == "/history/units/so-tttt"


@pytest.mark.parametrize(("path", "message"), [
    ("/history/blocs/khoi-khong-co", "Không có khối 'khoi-khong-co'."),
    ("/history/units/so-khong-co", "Không có đơn vị 'so-khong-co'."),
])
def test_unknown_bloc_or_unit_is_404_in_vietnamese(demo, path, message):
    response = page_client(demo, "tttt.canbo").get(path)
    assert response.status_code == 404
    assert message in main_text(response)


def test_campaign_page_links_to_the_blocs_history(demo):
    page = parse(page_client(demo, "tttt.canbo").get("/campaigns/khoi-8/2021"))
    links = [a.attrs["href"] for a in page.find("nav", class_="cycle-nav").find_all("a")]
    assert "/history/blocs/khoi-8" in links
