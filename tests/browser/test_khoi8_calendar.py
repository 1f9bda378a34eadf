"""A person in a real browser: sign in, open Khối 8 2021, read the calendar in Vietnamese.

The clock is frozen at 10/06/2021 09:00 (``make_app``), so the current phase is the
six-month report due 14/06/2021.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.support import DEMO_PASSWORD, database_kind
from tests.support.browser import Server, hosts

pytestmark = pytest.mark.browser

CURRENT_PHASE = "Gửi báo cáo sơ kết 6 tháng đầu năm về Khối phó"

# For every table cell holding a dd/mm/yyyy date: its text and on how many lines it is drawn.
DATE_LINES_JS = r"""section => [...section.querySelectorAll("td")]
  .filter(td => /^\s*\d{2}\/\d{2}\/\d{4}\s*$/.test(td.textContent))
  .map(td => {
    const range = document.createRange();
    range.selectNodeContents(td);
    const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
    return {date: td.textContent.trim(), lines: tops.size};
  })"""


def active_element(page: Page) -> dict:
    return page.evaluate(
        "() => ({tag: document.activeElement.tagName, id: document.activeElement.id,"
        " type: document.activeElement.type || ''})")


def test_officer_reads_the_khoi8_calendar(page: Page, live_server: Server, requested_urls,
                                          pytestconfig) -> None:
    page.goto(f"{live_server.url}/campaigns/khoi-8/2021")
    # Not signed in: sent to the sign-in form, in Vietnamese.
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()

    page.get_by_label("Tên đăng nhập", exact=True).fill("tttt.canbo")
    page.get_by_label("Mật khẩu", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()

    # ``next`` brings the officer straight back; go through the home page as a person would.
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xin chào")
    link = page.locator('a[href$="/campaigns/khoi-8/2021"]').first
    expect(link).to_contain_text("Khối 8")
    link.click()

    expect(page).to_have_url(f"{live_server.url}/campaigns/khoi-8/2021")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Khối 8")
    expect(page.get_by_role("heading", level=1)).to_contain_text("2021")
    # Kept for a person to look at (also when an assertion below fails).
    out = Path(pytestconfig.rootpath) / "test-results"
    out.mkdir(exist_ok=True)
    page.screenshot(path=str(out / f"khoi8-2021-calendar-{database_kind()}.png"), full_page=True)
    calendar = page.locator("section", has=page.get_by_role("heading", name="Lịch thực hiện"))
    expect(calendar).to_be_visible()
    expect(calendar).to_contain_text(CURRENT_PHASE)
    expect(calendar).to_contain_text("14/06/2021")
    expect(calendar).to_contain_text("31/01/2022")

    # Exactly one phase is marked as under way, and it is the six-month report.
    current = calendar.locator("tr", has_text="Đang diễn ra")
    expect(current).to_have_count(1)
    expect(current).to_contain_text(CURRENT_PHASE)
    expect(current).to_contain_text("14/06/2021")
    # Each date reads on one line (a date broken as "23/04/202" + "1" is misread).
    dates = calendar.evaluate(DATE_LINES_JS)
    assert len(dates) >= 16, dates
    assert [d for d in dates if d["lines"] != 1] == [], dates
    # Earlier phases are over, later ones to come.
    expect(calendar.get_by_text("Đã qua").first).to_be_visible()
    expect(calendar.get_by_text("Sắp tới").first).to_be_visible()

    # Members with their roles, and the frozen date in the footer.
    expect(page.get_by_role("row", name=re.compile("Sở Thông tin và Truyền thông")).first) \
        .to_contain_text("Khối trưởng")
    expect(page.locator("footer")).to_contain_text("10/06/2021")

    # Bootstrap is served by the app itself: the page is styled.
    navbar_colour = page.locator("nav.navbar").evaluate(
        "n => getComputedStyle(n).backgroundColor")
    assert navbar_colour not in ("rgba(0, 0, 0, 0)", "transparent"), navbar_colour

    assert any(url.endswith(".css") for url in requested_urls), requested_urls
    assert hosts(requested_urls) == {"127.0.0.1"}, requested_urls


def test_sign_in_with_the_keyboard_only(page: Page, live_server: Server, requested_urls) -> None:
    page.goto(f"{live_server.url}/login")
    # The user name field has the focus when the page opens.
    expect(page.locator("#username")).to_be_focused()

    page.keyboard.type("tttt.canbo")
    page.keyboard.press("Tab")
    assert active_element(page)["id"] == "password"
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Tab")
    assert active_element(page) == {"tag": "INPUT", "id": "remember", "type": "checkbox"}
    page.keyboard.press("Tab")
    focused = active_element(page)
    assert (focused["tag"], focused["type"]) == ("BUTTON", "submit")
    page.keyboard.press("Enter")

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xin chào")
    expect(page.locator("main")).to_contain_text("Đăng nhập thành công.")
    assert hosts(requested_urls) == {"127.0.0.1"}, requested_urls


def test_wrong_password_is_refused_in_vietnamese(page: Page, live_server: Server) -> None:
    page.goto(f"{live_server.url}/login")
    page.keyboard.type("tttt.canbo")
    page.keyboard.press("Tab")
    page.keyboard.type("sai-mat-khau")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.locator("main")).to_contain_text("Tên đăng nhập hoặc mật khẩu không đúng.")
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    # Still signed out: the campaign page sends back to the form.
    page.goto(f"{live_server.url}/campaigns/khoi-8/2021")
    expect(page).to_have_url(re.compile(r"/login"))
