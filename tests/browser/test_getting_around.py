"""Issue 13, getting around, in a real Chromium: on a 390×844 phone the leader's year links
fold under one button (screenshot in test-results/), the score form shows a running total
as the officer types, and printing the status grid prints neither the navigation nor the
forms."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.support import database_kind
from tests.support.browser import Server, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}




def test_the_leaders_links_fold_on_a_phone(page: Page, live_server: Server,
                                           pytestconfig) -> None:
    live_server.at(2021, 6, 10, 9, 0)
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "tttt.canbo")
    page.goto(f"{live_server.url}/campaigns/khoi-8/2021")
    year_nav = page.get_by_role("navigation", name="Công việc của năm thi đua")
    toggle = year_nav.get_by_role("button", name="Công việc của năm")
    links = year_nav.get_by_role("link")
    expect(toggle).to_be_visible()
    expect(links.first).to_be_hidden()
    # Folded, the year's links take one line (they took four), and the page's content starts
    # in the first screenful.
    box = year_nav.bounding_box()
    assert box is not None and box["height"] < 50 and box["y"] + box["height"] < 300
    expect(page.get_by_role("heading", level=1)).to_be_in_viewport()
    out = Path(pytestconfig.rootpath) / "test-results"
    out.mkdir(exist_ok=True)
    page.screenshot(path=str(out / f"phone-390x844-leader-{database_kind()}.png"))
    # One tap opens them all; the main bar stays folded.
    toggle.click()
    expect(links.first).to_be_visible()
    assert links.count() >= 8
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#nav")).to_be_hidden()
    # On a desktop screen the links show as pills and there is no button.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.reload()
    expect(toggle).to_be_hidden()
    expect(links.first).to_be_visible()


def test_the_score_form_keeps_a_running_total(page: Page, live_server: Server) -> None:
    live_server.at(2022, 1, 20, 9, 0)
    sign_in(page, live_server, "khcn.canbo")
    page.goto(f"{live_server.url}/campaigns/khoi-8/2021/scores/so-khcn")
    running = page.locator("#self-running")
    expect(running).to_have_text("0")
    page.get_by_label("Điểm tự chấm tiêu chí 1.1", exact=False).fill("4")
    page.get_by_label("Điểm tự chấm tiêu chí 1.2", exact=False).fill("3,5")
    expect(running).to_have_text("7,5")
    # A bonus group adds up to its cap at most (C: +10).
    page.get_by_label("Điểm tự chấm tiêu chí C.1", exact=False).fill("5")
    page.get_by_label("Điểm tự chấm tiêu chí C.2", exact=False).fill("5")
    expect(running).to_have_text("17,5")
    page.get_by_label("Điểm tự chấm tiêu chí 1.2", exact=False).fill("ba")
    expect(running).to_have_text("—")
    # Nothing was saved: the server's total is still 0.
    expect(page.locator("#self-total")).to_have_text("0")


def test_the_status_grid_prints_without_navigation_or_forms(page: Page,
                                                            live_server: Server) -> None:
    live_server.at(2021, 6, 20, 9, 0)
    sign_in(page, live_server, "tttt.canbo")
    page.goto(f"{live_server.url}/campaigns/khoi-8/2021/status")
    expect(page.locator("header nav").first).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator("header")).to_be_hidden()
    expect(page.locator(".cycle-nav")).to_be_hidden()
    for form in page.locator("main form").all():
        expect(form).to_be_hidden()
    expect(page.locator("main table").first).to_be_visible()
    page.emulate_media(media="screen")
