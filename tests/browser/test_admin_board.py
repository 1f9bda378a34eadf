"""The provincial board and the administration in a real browser (issue 6): an admin imports a
workbook of units and users through the page (preview, then apply), opens the campaign of a
second bloc (a test plugin registered in the live app) with the imported units, archives
nothing by mistake; the board user sees both blocs on one dashboard, with Khối 8's steps,
results and proposals; the history pages draw their Chart.js charts (served locally).

Khối 8's 2021 year is played through the API first (the documents tests' ``play_year``), so
the dashboard and the history have results. Screenshots of the dashboard, the import preview
and the history charts at 1280 and 390 pixels wide are kept in ``test-results/``.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import Workbook
from playwright.sync_api import Page, expect

import plugins.khoi8 as khoi8
from core.plugin_api import BlocInfo, hookimpl
from tests.support.browser import Server, hosts, serve, sign_in
from tests.support.databases import DATABASES
from tests.support.year import played_app

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Controls of <main> smaller than 24×24 CSS pixels (WCAG 2.2 target size, minimum), text links
# inside a sentence or a table cell excepted (WCAG's "inline" exception).
SMALL_TARGETS_JS = r"""() => [...document.querySelectorAll(
    'main button, main input:not([type=hidden]), main select, main summary, main a.btn')]
  .filter(el => el.offsetParent !== null)
  .map(el => { const r = el.getBoundingClientRect();
               return {text: (el.innerText || el.value || el.name || '').trim().slice(0, 40),
                       tag: el.tagName, w: Math.round(r.width), h: Math.round(r.height)}; })
  .filter(t => t.h < 24 || t.w < 24)"""


class SecondBloc:
    """A second bloc for the live app (Khối 8's 2021 plan under another code)."""

    @hookimpl
    def thidua_register_blocs(self):
        return [BlocInfo(code="khoi-xd", name="Khối thi đua Khối Xây dựng", years=(2021,))]

    @hookimpl
    def thidua_criteria(self, bloc, year):
        return khoi8.criteria_2021() if bloc == "khoi-xd" else None

    @hookimpl
    def thidua_phase_calendar(self, bloc, year):
        return khoi8.calendar_2021() if bloc == "khoi-xd" else None

    @hookimpl
    def thidua_voting_procedure(self, bloc, year):
        return khoi8.voting_2021() if bloc == "khoi-xd" else None


@pytest.fixture(scope="module")
def board_server(tmp_path_factory) -> Iterator[Server]:
    """Like ``live_server`` (CSRF on), over Khối 8's played year (a copy of the "year"
    template), with a second bloc's plugin registered."""
    app = played_app(tmp_path_factory.mktemp("board-live"), WTF_CSRF_ENABLED=True)
    app.extensions["thidua"].register(SecondBloc(), "khoi-xd")
    try:
        with serve(app) as server:
            yield server
    finally:
        app.extensions["thidua"].unregister("khoi-xd")
        DATABASES.release(app)




def admin_menu(page: Page, name: str) -> None:
    """Open the "Quản trị" menu of the navigation bar from the keyboard and follow a link."""
    nav = page.get_by_role("navigation", name="Điều hướng chính")
    page.wait_for_load_state("load")  # Bootstrap's script must be running to open the menu
    button = nav.get_by_role("button", name="Quản trị")
    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    link = nav.get_by_role("link", name=name, exact=True)
    expect(link).to_be_visible()
    link.click()


def fits_a_phone(page: Page, name: str) -> None:
    """No sideways scrolling of the page at 390 pixels (wide tables become cards), and no
    control under 24×24."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: the page is {width}px wide on a phone"
    small = page.evaluate(SMALL_TARGETS_JS)
    assert small == [], f"{name}: targets under 24px: {small}"


def shoot(page: Page, out: Path, name: str) -> None:
    """Full-page screenshots at 1280 and 390 pixels wide; the viewport is left at 1280. Charts
    are drawn without animation (the user's "reduce motion" setting, which they honour), so
    each screenshot shows them complete."""
    page.emulate_media(reduced_motion="reduce")
    page.set_viewport_size(DESKTOP)
    page.wait_for_timeout(300)  # let a chart redraw at the new size
    page.screenshot(path=str(out / f"{name}-1280.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(300)
    fits_a_phone(page, name)
    page.screenshot(path=str(out / f"{name}-390.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def province_workbook() -> bytes:
    book = Workbook()
    units = book.active
    units.title = "Đơn vị"
    for row in (["Mã đơn vị", "Tên đơn vị", "Tên viết tắt"],
                ["so-xd", "Sở Xây dựng", "Sở XD"],
                ["so-gtvt", "Sở Giao thông vận tải", "Sở GTVT"],
                ["so-ct", "Sở Công Thương", "Sở CT"]):
        units.append(row)
    users = book.create_sheet("Người dùng")
    for row in (["Tên đăng nhập", "Họ và tên", "Mã đơn vị", "Vai trò", "Mật khẩu"],
                ["xd.canbo", "Nguyễn Thị Hoa", "so-xd", "cán bộ", "Song-Hau-mua-xuan-2024"],
                ["xd.thutruong", "Trần Văn Bình", "so-xd", "thủ trưởng", ""],
                ["gtvt.thutruong", "Lê Quốc Cường", "so-gtvt", "thủ trưởng", "Song-Hau-mua-xuan-2024"],
                ["ct.thutruong", "Phạm Minh Đức", "so-ct", "thủ trưởng", ""]):
        users.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_admin_imports_and_opens_a_bloc_and_the_board_sees_it(
        page: Page, board_server: Server, requested_urls, pytestconfig) -> None:
    server = board_server
    out = Path(pytestconfig.rootpath) / pytestconfig.getoption("--output", "test-results")
    out.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(DESKTOP)

    # --- The admin imports a workbook: first the preview ------------------------------------
    sign_in(page, server, "admin")
    admin_menu(page, "Nhập dữ liệu")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nhập đơn vị và tài khoản từ tệp")
    page.get_by_label("Tệp dữ liệu (.xlsx hoặc .csv)").set_input_files(
        files=[{"name": "tinh.xlsx", "mimeType": XLSX, "buffer": province_workbook()}])
    page.get_by_role("button", name="Kiểm tra tệp").click()
    expect(page.locator("#preview-summary")).to_contain_text(
        "Tệp hợp lệ: 3 đơn vị và 4 tài khoản sẽ được nhập.")
    expect(page.locator("#import-rows tbody tr")).to_have_count(7)
    shoot(page, out, "admin-import-preview")

    # --- then "Nhập dữ liệu" (confirmed in a dialog) --------------------------------------
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Nhập dữ liệu").click()
    expect(page.locator("#import-done")).to_contain_text("Đã nhập 3 đơn vị và 4 tài khoản")
    passwords = page.locator("#passwords tbody tr")
    expect(passwords).to_have_count(2)
    generated = page.locator("#passwords tbody tr", has_text="xd.thutruong").locator("td").inner_text()
    page.get_by_role("link", name="Xem danh sách đơn vị").click()
    page.get_by_label("Tìm theo mã, tên hoặc tên viết tắt").fill("xay dung")
    page.get_by_role("button", name="Tìm").click()
    expect(page.locator("#units tbody tr")).to_have_count(1)
    expect(page.locator("#units tbody tr th")).to_have_text("Sở Xây dựng")

    # --- The campaigns page: Khối 8 is open; the second bloc is offered --------------------
    admin_menu(page, "Các năm thi đua")
    row = page.locator("#campaign-khoi-8-2021")
    expect(row).to_contain_text("khoi8 2021.1")
    expect(row.get_by_role("button", name="Lưu trữ năm 2021 của Khối thi đua Khối 8")).to_be_visible()
    # Archiving asks first; dismissing it changes nothing.
    page.once("dialog", lambda dialog: dialog.dismiss())
    row.get_by_role("button", name="Lưu trữ năm 2021 của Khối thi đua Khối 8").click()
    expect(page.locator("#campaign-khoi-8-2021")).to_contain_text("Đang diễn ra")
    offer = page.locator("#offers tbody tr", has_text="Khối Xây dựng")
    offer.get_by_role("link", name="Mở năm 2021").click()

    # --- The open page: no previous year, so the admin picks the members ---------------------
    expect(page.locator("#proposal")).to_contain_text("Khối chưa có năm 2020 trong hệ thống")
    expect(page.get_by_label("Khối thi đua", exact=True)).to_have_value("khoi-xd")
    page.get_by_label("Sở Xây dựng", exact=True).select_option("leader")
    page.get_by_label("Sở Giao thông vận tải", exact=True).select_option("deputy")
    page.get_by_label("Sở Công Thương", exact=True).select_option("member")
    page.get_by_role("button", name="Mở năm thi đua").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Khối thi đua Khối Xây dựng — năm 2021")

    # --- The imported head signs in with the generated password -----------------------------
    sign_in(page, server, "xd.thutruong", generated)
    expect(page.locator("#campaigns")).to_contain_text("Khối thi đua Khối Xây dựng")

    # --- The board sees both blocs on one dashboard ----------------------------------------
    sign_in(page, server, "bantdkt")
    page.get_by_role("navigation", name="Điều hướng chính") \
        .get_by_role("link", name="Tổng hợp các khối").click()
    # The clock stands at 25/02/2022 (the end of play_year), but the year with work in
    # progress is 2021: the board lands on it; the selector still offers the others.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Tổng hợp các khối thi đua năm 2021")
    page.get_by_label("Năm thi đua").select_option("2021")
    page.get_by_role("button", name="Xem").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Tổng hợp các khối thi đua năm 2021")
    expect(page.locator("#blocs tbody tr")).to_have_count(2)
    khoi8_row = page.locator("#bloc-khoi-8")
    expect(page.locator("#step-khoi-8-registration .count")).to_have_text("7/8")
    expect(page.locator("#step-khoi-xd-registration .count")).to_have_text("0/3")
    expect(khoi8_row).to_contain_text("Đã khóa")
    expect(khoi8_row).to_contain_text("Sở Văn hóa, Thể thao và Du lịch")
    overdue = page.locator("#step-khoi-8-registration details.missing")
    overdue.locator("summary").click()  # keyboard and mouse: a native <details>
    expect(overdue.locator("li")).to_have_text("Sở Tư pháp")
    flag = page.locator("#proposals tbody tr", has_text="Cờ thi đua")
    expect(flag.locator("td[data-label='Tỷ lệ phiếu']")).to_have_text("87,5%")
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải bảng tổng hợp (.xlsx)").click()
    assert download.value.suggested_filename == "de-nghi-khen-thuong-2021.xlsx"
    shoot(page, out, "board-dashboard")

    # --- History: a bloc's and a unit's charts, drawn by the vendored Chart.js ---------------
    khoi8_row.get_by_role("link", name="Lịch sử").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Lịch sử thi đua — Khối thi đua Khối 8")
    drawn = "() => { const c = document.getElementById('history-chart'); " \
            "const chart = window.Chart && window.Chart.getChart(c); " \
            "return chart ? [chart.data.datasets.length, c.width > 0] : null; }"
    page.wait_for_function(drawn)
    assert page.evaluate(drawn) == [5, True]
    expect(page.locator("#totals tbody tr")).to_have_count(8)
    shoot(page, out, "history-bloc")
    page.locator("#totals").get_by_role("link", name="Sở Văn hóa, Thể thao và Du lịch").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Lịch sử thi đua — Sở Văn hóa, Thể thao và Du lịch")
    page.wait_for_function(drawn)
    assert page.evaluate(drawn) == [2, True]
    expect(page.locator("#years tbody tr")).to_contain_text("Đề nghị tặng Cờ thi đua của UBND tỉnh")
    shoot(page, out, "history-unit")

    assert hosts(requested_urls) == {"127.0.0.1"}, requested_urls
