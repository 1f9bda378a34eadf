"""The campaigns page: every campaign (bloc, year, status, plugin and version) with an archive
button, the blocs the plugins supply with a link to open their next year, and the open page
pre-filled with last year's members and the leader and deputy the council elected."""

from __future__ import annotations

import pytest

import plugins.khoi8 as khoi8
from core.plugin_api import BlocInfo, hookimpl
from tests.support import row_counts
from tests.support.admin_pages import campaign, main_text, page_client, parse


class OneMoreBloc:
    """A test plugin: one more bloc with Khối 8's 2021 plan, not opened yet."""

    @hookimpl
    def thidua_register_blocs(self):
        return [BlocInfo(code="khoi-them", name="Khối thêm", years=(2021,))]

    @hookimpl
    def thidua_criteria(self, bloc, year):
        return khoi8.criteria_2021() if bloc == "khoi-them" else None

    @hookimpl
    def thidua_phase_calendar(self, bloc, year):
        return khoi8.calendar_2021() if bloc == "khoi-them" else None

    @hookimpl
    def thidua_voting_procedure(self, bloc, year):
        return khoi8.voting_2021() if bloc == "khoi-them" else None


def selected_roles(page) -> dict[str, str]:
    """Unit code → role chosen in the members table of the open page."""
    roles = {}
    for row in page.find("table", class_="members-table").find("tbody").find_all("tr"):
        code = row.find("input", type="hidden").attrs["value"]
        chosen = row.find("select").find_all("option", selected=True)
        roles[code] = chosen[0].attrs["value"] if chosen else ""
    return roles


@pytest.mark.parametrize("username", ["admin", "bantdkt"])
def test_campaigns_list(demo, username):
    page = parse(page_client(demo, username).get("/admin/campaigns"))
    row = page.by_id("campaign-khoi-8-2021")
    cells = {td.attrs["data-label"]: td.text for td in row.find_all("td")}
    assert row.find("th").text == "Khối thi đua Khối 8"
    assert cells["Năm"] == "2021" and cells["Trạng thái"] == "Đang diễn ra"
    assert cells["Plugin và phiên bản"] == "khoi8 2021.1"
    assert row.find("form").attrs["action"] == "/admin/campaigns/khoi-8/2021/archive"
    offer = page.by_id("offers").find("tbody").find("tr")
    assert "Mọi năm có kế hoạch đã được mở." in offer.text


def test_a_bloc_with_a_year_to_open_is_offered(demo):
    plugin = OneMoreBloc()
    demo.extensions["thidua"].register(plugin, "khoi-them")
    try:
        page = parse(page_client(demo, "admin").get("/admin/campaigns"))
    finally:
        demo.extensions["thidua"].unregister("khoi-them")
    rows = {r.find("th").find("code").text: r for r in page.by_id("offers").find("tbody")
            .find_all("tr")}
    link = rows["khoi-them"].find("a")
    assert link.text == "Mở năm 2021"
    assert link.attrs["href"] == "/admin/campaigns/new?bloc=khoi-them&year=2021"


@pytest.mark.parametrize("username", ["admin", "bantdkt"])
def test_archive_a_campaign(demo, username):
    client = page_client(demo, username)
    response = client.post("/admin/campaigns/khoi-8/2021/archive")
    assert response.status_code == 303
    assert campaign("khoi-8", 2021).status == "archived"
    page = parse(client.get("/admin/campaigns"))
    assert "Đã lưu trữ năm thi đua 2021 của Khối thi đua Khối 8." in page.find("main").text
    row = page.by_id("campaign-khoi-8-2021")
    assert "Đã lưu trữ" in row.text and not row.find_all("form")
    # Still readable.
    assert client.get("/campaigns/khoi-8/2021").status_code == 200
    # Twice: refused in Vietnamese, nothing changed.
    before = row_counts()
    again = client.post("/admin/campaigns/khoi-8/2021/archive")
    assert again.status_code == 409
    assert "Năm thi đua đã được lưu trữ." in main_text(again)
    assert row_counts() == before


def test_archive_an_unknown_campaign_is_404(demo):
    client = page_client(demo, "admin")
    before = row_counts()
    response = client.post("/admin/campaigns/khoi-8/2030/archive")
    assert response.status_code == 404
    assert row_counts() == before


def test_open_page_without_a_previous_year(demo):
    page = parse(page_client(demo, "admin").get("/admin/campaigns/new?bloc=khoi-8&year=2021"))
    assert "Khối chưa có năm 2020 trong hệ thống" in page.by_id("proposal").text
    assert set(selected_roles(page).values()) == {""}


def test_open_page_proposes_last_years_members_and_elected_leadership(demo, played_year):
    client = page_client(demo, "admin")
    page = parse(client.get("/admin/campaigns/new?bloc=khoi-8&year=2022"))
    assert page.find("select", name="bloc").find("option", selected=True).attrs["value"] == \
        "khoi-8"
    assert page.find("input", name="year").attrs["value"] == "2022"
    roles = selected_roles(page)
    assert roles["so-ldtbxh"] == "leader" and roles["so-gddt"] == "deputy"
    assert roles["so-tttt"] == "member" and list(roles.values()).count("member") == 6
    notice = page.by_id("proposal").text
    assert "Đã điền sẵn 8 đơn vị của năm 2021." in notice
    assert "Khối trưởng: Sở Lao động – Thương binh và Xã hội." in notice
    assert "Khối phó: Sở Giáo dục và Đào tạo." in notice

    # The same from the form's button (a POST that opens nothing).
    before = row_counts()
    form = {"bloc": "khoi-8", "year": "2022", "propose": "1"}
    for index, code in enumerate(roles):
        form[f"members-{index}-unit"] = code
        form[f"members-{index}-role"] = ""
    response = client.post("/admin/campaigns/new", data=form)
    assert response.status_code == 200 and row_counts() == before
    assert selected_roles(parse(response)) == roles



def test_propose_with_a_bad_year_keeps_what_was_typed(demo):
    client = page_client(demo, "admin")
    before = row_counts()
    response = client.post("/admin/campaigns/new", data={
        "bloc": "khoi-8", "year": "20x2", "propose": "1", "members-0-unit": "so-tttt",
        "members-0-role": "leader"})
    assert response.status_code == 422
    page = parse(response)
    assert "Năm phải là số có bốn chữ số, ví dụ 2021." in page.by_id("year-error").text
    assert page.find("input", name="year").attrs["value"] == "20x2"
    assert row_counts() == before


def test_unknown_bloc_in_the_query_is_ignored(demo):
    page = parse(page_client(demo, "admin").get("/admin/campaigns/new?bloc=khong-co&year=x"))
    assert not page.find_all(id="proposal")
    assert page.find("input", name="year").attrs["value"] == "2021"
