"""The council meeting in a real browser (issue 10, parts 4 and 6): the leader, on a phone
(390×844), follows the navigation to the meeting page, records the meeting (a refused time is
said next to its field, nothing typed is lost) and the attendance (one unit absent, one
represented by a proxy), opens the Cờ thi đua poll, and sees the attendance frozen; a head's
home page then shows "Bỏ phiếu". Screenshots in ``test-results/``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import Server, sign_in

from .test_vote import PHONE, fits_a_phone, open_past_the_checklist, polls_card

pytestmark = pytest.mark.browser


def test_the_host_runs_the_meeting_from_a_phone(page: Page, browser: Browser,
                                                live_server: Server, pytestconfig) -> None:
    server = live_server
    out = Path(pytestconfig.rootpath) / pytestconfig.getoption("--output", "test-results")
    out.mkdir(parents=True, exist_ok=True)
    server.at(2022, 2, 20, 8, 0)
    page.set_viewport_size(PHONE)
    sign_in(page, server, "tttt.canbo")
    page.goto(f"{server.url}/campaigns/khoi-8/2021")
    nav = page.get_by_role("navigation", name="Công việc của năm thi đua")
    # On a phone the year's links fold under one button.
    nav.get_by_role("button", name="Công việc của năm").click()
    # Bootstrap's collapse slides the links open: tap once it has finished (class "show"),
    # as a person does, not while the list is still growing under the finger.
    expect(page.locator("#cycle-nav-links")).to_have_class(re.compile(r"\bshow\b"))
    nav.get_by_role("link", name="Cuộc họp bình xét").click()
    expect(page).to_have_url(re.compile(r"/campaigns/khoi-8/2021/meeting$"), timeout=15_000)
    expect(page.get_by_role("heading", level=1)).to_have_text("Cuộc họp bình xét năm 2021")

    # The meeting: a time that is not a time is refused next to its field, the rest kept.
    page.get_by_label("Thời gian họp").fill("sáng nay")
    page.get_by_label("Địa điểm").fill("Hội trường Sở Thông tin và Truyền thông")
    page.get_by_label("Chủ trì").fill("Ông Nguyễn Văn Chủ, Giám đốc Sở TT&TT")
    page.get_by_label("Thư ký").fill("Bà Trần Thị Thư, Chánh Văn phòng Sở TT&TT")
    for n, name in enumerate(["Ông Lê Văn Một", "Bà Phạm Thị Hai", "Ông Võ Minh Ba"], start=1):
        page.get_by_label(f"Thành viên Ban kiểm phiếu {n}", exact=True).fill(name)
    page.get_by_role("button", name="Lưu thông tin cuộc họp").click()
    expect(page.locator("#held_at-error")).to_contain_text("Thời gian họp")
    expect(page.get_by_label("Thư ký")).to_have_value("Bà Trần Thị Thư, Chánh Văn phòng Sở TT&TT")
    expect(page.get_by_label("Thành viên Ban kiểm phiếu 2", exact=True)).to_have_value(
        "Bà Phạm Thị Hai")
    page.get_by_label("Thời gian họp").fill("20/02/2022 08:00")
    page.get_by_role("button", name="Lưu thông tin cuộc họp").click()
    expect(page.get_by_role("status")).to_contain_text("Đã ghi thông tin cuộc họp bình xét.")

    # The attendance: Sở Tư pháp absent, Sở Y tế represented by a proxy.
    page.get_by_label("Sở Tư pháp — có mặt").uncheck()
    row = page.locator(".attendance-row[data-unit='so-yte']")
    row.get_by_label("Người dự họp").fill("Bà Đỗ Thị Thay")
    row.get_by_label("Chức vụ").fill("Người được ủy quyền")
    page.get_by_role("button", name="Lưu danh sách có mặt").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Đã ghi danh sách đơn vị có mặt: 7/8 đơn vị.")
    fits_a_phone(page, "meeting")
    page.screenshot(path=str(out / "meeting-390.png"), full_page=True)

    # Open the poll; the attendance is then frozen.
    page.get_by_role("link", name="Về danh sách bỏ phiếu").click()
    expect(page.locator("#council-attendance")).to_have_text("7/8 đơn vị")
    polls_card(page, "Đề nghị tặng Cờ thi đua của UBND tỉnh") \
        .get_by_role("link", name="Mở bỏ phiếu — Đề nghị tặng Cờ thi đua của UBND tỉnh").click()
    open_past_the_checklist(page)
    # one key share for each member of the counting committee recorded above
    expect(page.locator("#share-list .share-holder")).to_have_text(
        ["Ông Lê Văn Một", "Bà Phạm Thị Hai", "Ông Võ Minh Ba"])
    page.get_by_role("link", name=re.compile("Các thành viên đã chép mảnh khóa")).click()
    page.screenshot(path=str(out / "meeting-polls-390.png"), full_page=True)
    page.goto(f"{server.url}/campaigns/khoi-8/2021/meeting")
    expect(page.locator("#attendance-state")).to_contain_text("danh sách đã được chốt")
    expect(page.get_by_label("Sở Tư pháp — có mặt")).to_be_disabled()

    # A head's home page: "Bỏ phiếu".
    sign_in(page, server, "gddt.thutruong")
    waiting = page.locator("#ballots-waiting")
    expect(waiting).to_contain_text("Đề nghị tặng Cờ thi đua của UBND tỉnh")
    # (The rest of the home page is not this test's business: its own links are smaller.)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    button = waiting.get_by_role("link", name="Bỏ phiếu — Đề nghị tặng Cờ thi đua của UBND tỉnh")
    assert button.bounding_box()["height"] >= 44
    page.screenshot(path=str(out / "home-vote-390.png"), full_page=True)
    waiting.get_by_role("link", name="Bỏ phiếu — Đề nghị tặng Cờ thi đua của UBND tỉnh").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Đề nghị tặng Cờ thi đua của UBND tỉnh")
    assert page.url.endswith("/polls/co-thi-dua/ballot")
