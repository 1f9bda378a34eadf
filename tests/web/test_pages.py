"""What the pages show: the campaign page (today's phase, leader and deputy, the criteria with
subtotals, bonus and deduction lines, the voting procedure, the plugin version), the home page,
the admin pages. The clock is frozen at 10/06/2021 09:00."""

from __future__ import annotations

import re

from sqlalchemy import select

from core.extensions import db
from core.models import Campaign, Membership
from core.plugin_api import BlocInfo, Criterion, Phase, hookimpl
from core.services import accounts
from core.unit_of_work import unit_of_work
from tests.support import login, row_counts
from tests.support.html import parse

CAMPAIGN = "/campaigns/khoi-8/2021"
CURRENT_PHASE = "Gửi báo cáo sơ kết 6 tháng đầu năm về Khối phó"


def text_of(element) -> str:
    return element.text


# -- the campaign page ---------------------------------------------------------------------
def test_campaign_marks_todays_phase(client, demo):
    login(client, "tttt.canbo")
    page = parse(client.get(CAMPAIGN))
    calendar = page.find("table", class_="calendar")
    assert "Hôm nay: 10/06/2021" in calendar.find("caption").text
    current = calendar.find_all("tr", aria_current="step")
    assert len(current) == 1
    row = current[0]
    assert CURRENT_PHASE in row.find("th", scope="row").text
    assert row.find("span", class_="badge").text == "Đang diễn ra"
    assert "còn 4 ngày" in row.text
    assert [td.text for td in row.find_all("td", class_="date")] == ["01/06/2021", "14/06/2021"]
    states = {r.find("th").text.split(" Hồ sơ:")[0]: r.find_all("td")[-1].text
              for r in calendar.find("tbody").find_all("tr")}
    # Past its due date (15/5) registration still takes late work until the leader closes it.
    assert states["Đăng ký nội dung, chỉ tiêu, nhiệm vụ thi đua"] == "Quá hạn, nhận hồ sơ gửi trễ hạn"
    assert states["Hội đồng thành viên bình xét, bỏ phiếu kín"] == "Sắp tới"
    # Every column header and row header is scoped.
    assert all(th.attrs.get("scope") in ("col", "row") for th in calendar.find_all("th"))


def test_campaign_shows_leader_and_deputy_first(client, demo):
    login(client, "yte.canbo")
    page = parse(client.get(CAMPAIGN))
    cards = page.find_all("div", class_="lead-card")
    assert [c.find("h2").text for c in cards] == ["Khối trưởng", "Khối phó"]
    assert cards[0].find("p").text == "Sở Thông tin và Truyền thông"
    assert cards[1].find("p").text == "Sở Lao động – Thương binh và Xã hội"
    members = page.find("section", aria_labelledby="members-h").find("table")
    assert members.find("caption").text == "8 đơn vị thành viên năm nay."
    rows = [(r.find("th").text, r.find("td").text) for r in members.find("tbody").find_all("tr")]
    assert rows[0] == ("Sở Thông tin và Truyền thông", "Khối trưởng")
    assert rows[1] == ("Sở Lao động – Thương binh và Xã hội", "Khối phó")
    assert {role for _unit, role in rows[2:]} == {"Đơn vị thành viên"}


def test_campaign_criteria_with_subtotals_bonus_and_deductions(client, demo):
    login(client, "tttt.canbo")
    page = parse(client.get(CAMPAIGN))
    table = page.find("table", class_="criteria")
    assert table.find("caption").text.startswith("Bảng tiêu chí đã chốt")
    subtotals = {r.find("th").text: r.find_all("td")[-1].text
                 for r in table.find_all("tr", class_="criteria-subtotal")}
    assert subtotals == {
        "Cộng nhóm 1": "35", "Cộng nhóm 2": "25", "Cộng nhóm 3": "40",
        "Điểm cộng tối đa của nhóm C": "+10", "Điểm trừ tối đa của nhóm T": "−18",
    }
    groups = [r.find("th").text for r in table.find_all("tr", class_="criteria-group")]
    assert groups[0].startswith("1. Thi đua phát triển kinh tế - xã hội")
    assert groups[3:] == ["C. Điểm cộng", "T. Điểm trừ"]
    assert all(th.attrs["scope"] == "rowgroup" for r in table.find_all("tr", class_="criteria-group")
               for th in r.find_all("th"))
    lines = {r.find("td", class_="code").text: r.find_all("td")[-1].text
             for r in table.find_all("tr") if r.find_all("td", class_="code")}
    assert lines["1.1"] == "5" and lines["3.10"] == "4"
    assert lines["C.1"] == "+5" and lines["T.1"] == "−8"
    assert len([code for code in lines if code[0].isdigit()]) == 22
    footer = {r.find("th").text: r.find_all("td")[-1].text
              for r in table.find("tfoot").find_all("tr")}
    assert footer == {"Tổng điểm tối đa (không kể điểm cộng)": "100",
                      "Điểm cộng tối đa": "+10", "Điểm trừ tối đa": "−18"}


def test_campaign_explains_the_vote_in_plain_vietnamese(client, demo):
    login(client, "tttt.canbo")
    section = parse(client.get(CAMPAIGN)).find("section", aria_labelledby="voting-h")
    rules = [li.text for li in section.find("ul").find_all("li")]
    assert rules == [
        "Hội nghị bình xét hợp lệ khi có ít nhất 2/3 tổng số đơn vị thành viên có mặt "
        "(6 trên 8 đơn vị); khi chưa ghi nhận đơn vị có mặt, tính theo số đơn vị đã bỏ phiếu.",
        "Một đơn vị được suy tôn khi được quá 1/2 tổng số đơn vị thành viên đồng ý, tức ít nhất 5 "
        "phiếu.",
        "Đơn vị được bỏ phiếu cho chính mình.",
        "Khi số phiếu bằng nhau: đơn vị có tổng điểm thẩm định cao hơn được chọn; nếu vẫn bằng "
        "nhau, bầu lại giữa các đơn vị bằng phiếu.",
        "Vòng bầu lại chỉ gồm các đơn vị còn bằng nhau, cho các suất còn trống: đơn vị được "
        "nhiều phiếu hơn được suy tôn (ít nhất 1 phiếu, không xét tỷ lệ đồng ý), nếu vẫn bằng nhau "
        "thì áp dụng lại cách phân định trên.",
        "Mỗi lá phiếu được niêm phong ngay khi bỏ; chỉ mở được khi hai trong ba thành viên "
        "Ban kiểm phiếu nhập phần khóa của mình lúc kết thúc bỏ phiếu.",
    ]
    polls = [[cell.text for cell in row.find_all("th") + row.find_all("td")]
             for row in section.find("table").find("tbody").find_all("tr")]
    assert polls == [
        ["Đề nghị tặng Cờ thi đua của UBND tỉnh", "Chọn 1 đơn vị", "1",
         "Tất cả đơn vị thành viên"],
        ["Đề nghị tặng Bằng khen của Chủ tịch UBND tỉnh", "Chọn từ 1 đến 2 đơn vị", "2",
         "Tất cả đơn vị thành viên"],
        ["Bầu Khối trưởng năm sau", "Chọn 1 đơn vị", "1", "Tất cả đơn vị thành viên"],
        ["Bầu Khối phó năm sau", "Chọn 1 đơn vị", "1", "Tất cả đơn vị thành viên"],
    ]
    assert "Quy ước của Khối 8" in section.text


def test_campaign_has_no_plugin_note_when_versions_match(client, demo):
    login(client, "tttt.canbo")
    page = parse(client.get(CAMPAIGN))
    assert page.find_all("div", role="note") == []
    assert "theo quy tắc khoi8, bản 2021.1" in page.find("main").find("p").text


def test_campaign_notes_a_newer_plugin_version(client, demo):
    demo.extensions["thidua"].records["khoi8"].version = "2022.3"
    login(client, "tttt.canbo")
    note = parse(client.get(CAMPAIGN)).find("div", role="note").text
    assert "đang cài bản 2022.3, khác bản 2021.1" in note
    assert "vẫn dùng bộ tiêu chí, lịch và quy trình bỏ phiếu đã chốt" in note


def test_campaign_stays_readable_when_its_plugin_is_gone(client, demo):
    demo.extensions["thidua"].unregister("khoi8")
    login(client, "tttt.canbo")
    response = client.get(CAMPAIGN)
    assert response.status_code == 200
    page = parse(response)
    assert "Quy tắc khoi8 của khối không còn được cài đặt." in page.find("div", role="note").text
    assert CURRENT_PHASE in page.find("tr", aria_current="step").text


def test_unknown_campaign_is_a_vietnamese_404(client, demo):
    login(client, "tttt.canbo")
    response = client.get("/campaigns/khoi-8/2030")
    assert response.status_code == 404
    page = parse(response)
    assert "Không tìm thấy năm thi đua 2030" in page.find("main").text
    assert page.find("h1").text.startswith("Không thực hiện được")


# -- the home page -------------------------------------------------------------------------
def test_home_shows_my_units_role_phase_and_next_deadline(client, demo):
    login(client, "ldtbxh.canbo")
    page = parse(client.get("/"))
    table = page.by_id("campaigns")
    assert "tính đến 10/06/2021" in table.find("caption").text
    headers = [th.text for th in table.find("thead").find_all("th")]
    assert headers == ["Khối thi đua", "Vai trò của đơn vị", "Giai đoạn hiện tại",
                       "Hạn tiếp theo"]
    [row] = table.find("tbody").find_all("tr")
    cells = {td.attrs["data-label"]: td.text for td in row.find_all("td")}
    assert row.find("a").attrs["href"] == CAMPAIGN
    assert row.find("a").text == "Khối thi đua Khối 8 — năm 2021"
    assert cells["Vai trò của đơn vị"] == "Khối phó"
    assert cells["Giai đoạn hiện tại"] == CURRENT_PHASE
    assert cells["Hạn tiếp theo"] == f"{CURRENT_PHASE} 14/06/2021 còn 4 ngày"


def test_home_for_the_board_lists_every_campaign(client, demo):
    login(client, "bantdkt")
    page = parse(client.get("/"))
    assert "Bạn xem được năm thi đua của mọi khối." in page.find("main").text
    table = page.by_id("campaigns")
    assert "Vai trò của đơn vị" not in table.find("thead").text
    assert [a.text for a in table.find("tbody").find_all("a")] == [
        "Khối thi đua Khối 8 — năm 2021"]


def test_home_for_a_user_without_unit_or_board_role(client, demo):
    with unit_of_work():
        accounts.create_user("khach", "Khách", "Song-Hau-mua-dong-2021", actor=None)
    login(client, "khach", "Song-Hau-mua-dong-2021")
    page = parse(client.get("/"))
    assert "chưa gắn với đơn vị nào" in page.find("main").text
    assert page.find_all("table", id="campaigns") == []


def test_home_counts_down_to_the_last_day(client, demo):
    demo.config["THIDUA_NOW"] = demo.config["THIDUA_NOW"].replace(day=14)
    login(client, "tttt.canbo")
    row = parse(client.get("/")).by_id("campaigns").find("tbody").find("tr")
    assert "hôm nay là hạn cuối" in row.text


# -- layout and accessibility --------------------------------------------------------------
def test_layout_has_skip_link_landmarks_and_language(client, demo):
    login(client, "tttt.canbo")
    page = parse(client.get(CAMPAIGN))
    html = page.find("html")
    assert html.attrs["lang"] == "vi"
    skip = page.find("a", class_="skip-link")
    assert skip.attrs["href"] == "#main" and skip.text == "Bỏ qua đến nội dung chính"
    assert page.find("main").attrs["id"] == "main"
    assert page.find("nav", class_="navbar").attrs["aria-label"] == "Điều hướng chính"
    # Bootstrap and the app's CSS are served by the app, not a CDN.
    stylesheets = [link.attrs["href"] for link in page.find_all("link", rel="stylesheet")]
    assert stylesheets and all(href.startswith("/") for href in stylesheets)
    for href in stylesheets:
        assert client.get(href).status_code == 200
    assert all(s.attrs["src"].startswith("/") for s in page.find_all("script") if "src" in s.attrs)
    # Every table has a caption.
    for table in page.find_all("table"):
        assert table.find_all("caption"), table.attrs


def test_every_form_field_has_a_visible_label(client, demo):
    login(client, "admin")
    for path in ("/account/password", "/admin/campaigns/new"):
        page = parse(client.get(path))
        form = page.find("main").find("form")
        labels = {label.attrs.get("for") for label in page.find_all("label")}
        for control in form.find_all("input") + form.find_all("select"):
            if control.attrs.get("type") in ("hidden", "submit"):
                continue
            assert control.attrs["id"] in labels, (path, control.attrs)
    client.post("/logout")
    page = parse(client.get("/login"))
    for name in ("username", "password", "remember"):
        assert page.find("label", for_=name).text


# -- admin ---------------------------------------------------------------------------------
def test_plugins_page(client, demo):
    login(client, "admin")
    page = parse(client.get("/admin/plugins"))
    table = page.find("table", class_="plugins")
    rows = {r.find("th").text: r for r in table.find("tbody").find_all("tr")}
    khoi8 = rows["khoi8"]
    cells = {td.attrs["data-label"]: td for td in khoi8.find_all("td")}
    assert cells["Phiên bản"].text == "2021.1"
    assert cells["Nguồn"].text.endswith("plugins/khoi8")
    assert cells["Trạng thái"].text == "Đã nạp"
    hooks = [c.text for c in cells["Hook"].find_all("code")]
    assert "thidua_criteria" in hooks and "thidua_voting_procedure" in hooks
    assert cells["Khối và năm"].text == "Khối thi đua Khối 8 (khoi-8): 2021"


def test_plugins_page_shows_failed_and_disabled_plugins(client, demo):
    host = demo.extensions["thidua"]
    host.mark_failed("khoi8", "thidua_criteria: ValueError: bảng điểm hỏng")
    from core.plugins import PluginRecord

    host.records["tat"] = PluginRecord("tat", "1.0", "/srv/plugins/tat", status="disabled")
    login(client, "admin")
    table = parse(client.get("/admin/plugins")).find("table", class_="plugins")
    rows = {r.find("th").text: r for r in table.find("tbody").find_all("tr")}
    status = rows["khoi8"].find("td", data_label="Trạng thái").text
    assert status == "Lỗi thidua_criteria: ValueError: bảng điểm hỏng"
    assert rows["tat"].find("td", data_label="Trạng thái").text == "Đã tắt"


def test_open_campaign_form_is_a_table_of_units_with_role_selects(client, demo):
    login(client, "admin")
    page = parse(client.get("/admin/campaigns/new"))
    assert page.find("select", id="bloc").find("option", value="khoi-8").text == \
        "Khối thi đua Khối 8"
    assert page.find("input", id="year").attrs["value"] == "2021"
    assert "Khối thi đua Khối 8: 2021" in page.by_id("bloc-hint").text
    table = page.find("table", class_="members-table")
    rows = table.find("tbody").find_all("tr")
    assert len(rows) == 8
    first = rows[0]
    select_ = first.find("select")
    assert first.find("label").attrs["for"] == select_.attrs["id"]
    assert [o.text for o in select_.find_all("option")] == [
        "Không tham gia", "Đơn vị thành viên", "Khối trưởng", "Khối phó"]
    assert select_.find("option", selected=True).attrs["value"] == ""


class _TinyBloc:
    """A bloc with a valid 2022 plan, and a 2023 plan whose points do not add up."""

    @hookimpl
    def thidua_register_blocs(self):
        return [BlocInfo(code="khoi-thu", name="Khối thử nghiệm", years=(2022, 2023))]

    @hookimpl
    def thidua_criteria(self, bloc, year):
        if bloc != "khoi-thu":
            return None
        wrong = 9 if year == 2023 else 10
        return [Criterion("1", "Nhóm một", wrong, children=(
            Criterion("1.1", "Mục một", 5), Criterion("1.2", "Mục hai", 5)))]

    @hookimpl
    def thidua_phase_calendar(self, bloc, year):
        if bloc != "khoi-thu":
            return None
        from datetime import date

        d = lambda m, day: date(year, m, day)  # noqa: E731
        return [Phase("dk", "Đăng ký", d(1, 1), d(1, 31), host="members",
                      deliverable="registration"),
                Phase("sk", "Sơ kết", d(6, 1), d(6, 30), host="deputy",
                      deliverable="mid_year_report"),
                Phase("tk", "Tổng kết", d(11, 1), d(11, 30), deliverable="year_end_report"),
                Phase("td", "Thẩm định", d(12, 1), d(12, 10), deliverable="verification"),
                Phase("bx", "Bình xét", d(12, 11), d(12, 20), deliverable="vote")]

    @hookimpl
    def thidua_voting_procedure(self, bloc, year):
        if bloc != "khoi-thu":
            return None
        from core.voting import CouncilVote, PollDefinition

        return CouncilVote(poll_definitions=(PollDefinition("co", "Cờ thi đua"),))


def _tiny(app):
    app.extensions["thidua"].register(_TinyBloc(), "khoi_thu_test", version="0.1")


def test_open_campaign_with_roles_from_the_table(client, demo):
    _tiny(demo)
    login(client, "admin")
    response = client.post("/admin/campaigns/new", data={
        "bloc": "khoi-thu", "year": "2022",
        "members-0-unit": "so-yte", "members-0-role": "leader",
        "members-1-unit": "so-gddt", "members-1-role": "deputy",
        "members-2-unit": "so-tuphap", "members-2-role": "deputy",
        "members-3-unit": "so-noivu", "members-3-role": "member",
        "members-4-unit": "so-khcn", "members-4-role": ""})
    assert response.status_code == 302
    assert response.headers["Location"] == "/campaigns/khoi-thu/2022"
    campaign = db.session.scalar(select(Campaign).where(Campaign.year == 2022))
    roles = {m.unit.code: m.role for m in db.session.scalars(
        select(Membership).where(Membership.campaign_id == campaign.id))}
    assert roles == {"so-yte": "leader", "so-gddt": "deputy", "so-tuphap": "deputy",
                     "so-noivu": "member"}
    page = parse(client.get(response.headers["Location"]))
    assert "Đã mở năm thi đua" in page.find("main").text
    assert [c.find("h2").text for c in page.find_all("div", class_="lead-card")] == \
        ["Khối trưởng", "Các Khối phó"]


def test_open_campaign_shows_each_plan_problem(client, demo):
    _tiny(demo)
    login(client, "admin")
    before = row_counts()
    response = client.post("/admin/campaigns/new", data={
        "bloc": "khoi-thu", "year": "2023",
        "members-0-unit": "so-yte", "members-0-role": "leader"})
    assert response.status_code == 422
    summary = parse(response).by_id("form-errors")
    items = [li.text for li in summary.find_all("li")]
    assert items[0] == "Kế hoạch của khối không hợp lệ; chưa mở năm thi đua."
    assert any(re.search(r"Tiêu chí 1: điểm tối đa của nhóm \(9\) khác tổng các mục con "
                         r"\(10\)", item) for item in items), items
    assert row_counts() == before


def test_open_campaign_member_errors_per_row_and_for_the_list(client, demo):
    _tiny(demo)
    login(client, "admin")
    before = row_counts()
    response = client.post("/admin/campaigns/new", data={
        "bloc": "khoi-thu", "year": "2022",
        "members-0-unit": "so-yte", "members-0-role": "leader",
        "members-1-unit": "so-gddt", "members-1-role": "leader",
        "members-2-unit": "so-khong-co", "members-2-role": "member"})
    assert response.status_code == 422
    page = parse(response)
    # The unknown unit: its row is marked and its select described by the message.
    select_ = page.by_id("members-2-role")
    assert select_.attrs["aria-invalid"] == "true"
    assert page.by_id("members-2-role-error").text == "Không có đơn vị mã 'so-khong-co'."
    assert page.find("label", for_="members-2-role").text == "Đơn vị “so-khong-co”"
    # Two leaders: a message for the whole list, linked from the fieldset.
    assert "Khối phải có đúng một Khối trưởng." in page.by_id("members-error").text
    assert page.find("fieldset").attrs["aria-describedby"] == "members-error"
    summary = page.by_id("form-errors")
    assert summary.find("a", href="#members-error").text == "Khối phải có đúng một Khối trưởng."
    assert summary.find("a", href="#members-2-role").text == \
        "Đơn vị “so-khong-co”: Không có đơn vị mã 'so-khong-co'."
    # The choices made are kept.
    assert page.by_id("members-1-role").find("option", selected=True).attrs["value"] == "leader"
    assert row_counts() == before


def test_open_campaign_twice_is_a_conflict(client, demo):
    login(client, "admin")
    before = row_counts()
    response = client.post("/admin/campaigns/new", data={
        "bloc": "khoi-8", "year": "2021",
        "members-0-unit": "so-tttt", "members-0-role": "leader"})
    assert response.status_code == 409
    assert "Năm thi đua 2021 của Khối thi đua Khối 8 đã được mở." in \
        parse(response).by_id("form-errors").text
    assert row_counts() == before


def test_open_campaign_for_a_year_without_plan(client, demo):
    login(client, "admin")
    response = client.post("/admin/campaigns/new", data={
        "bloc": "khoi-8", "year": "2024",
        "members-0-unit": "so-tttt", "members-0-role": "leader"})
    assert response.status_code == 404
    page = parse(response)
    assert page.by_id("year-error").text == "Khối 'khoi-8' chưa có kế hoạch cho năm 2024."
