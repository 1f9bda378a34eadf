"""Drafts in a real browser (issue 13): typing saves a draft on the server after a pause,
leaving the changed form asks first, the reopened form restores the draft and says so, and
saving the form neither asks nor leaves a draft behind."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import Server, sign_in

pytestmark = pytest.mark.browser

REGISTRATION = "/campaigns/khoi-8/2021/registrations/so-vhttdl"
TYPED = "Ban hành 3 văn bản hướng dẫn trước tháng 9"




def test_a_draft_is_saved_as_one_types_guarded_on_leaving_and_restored(
        page: Page, live_server: Server) -> None:
    live_server.at(2021, 5, 3, 10, 42)
    sign_in(page, live_server, "vhttdl.canbo")
    page.goto(f"{live_server.url}{REGISTRATION}")
    target = page.locator("#items-0-target")
    target.click()
    target.press_sequentially(TYPED)
    status = page.locator("#draft-status")
    expect(status).to_have_text("Đã lưu bản nháp tự động lúc 10:42.", timeout=10_000)

    # Leaving asks first; staying keeps the page and what was typed.
    dialogs: list[str] = []

    def stay(dialog) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    page.get_by_role("link", name="Xếp hạng").click()
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    assert page.url.endswith(REGISTRATION)
    expect(target).to_have_value(TYPED)
    page.remove_listener("dialog", stay)

    # Leaving anyway (as after a crash or a closed tab), then coming back: restored.
    page.once("dialog", lambda dialog: dialog.accept())
    page.goto(f"{live_server.url}/")
    page.goto(f"{live_server.url}{REGISTRATION}")
    notice = page.locator("#draft-restored")
    expect(notice).to_contain_text("Đã khôi phục bản nháp lưu lúc 10:42 03/05/2021")
    expect(page.locator("#items-0-target")).to_have_value(TYPED)

    # Saving the form does not ask, and leaves no draft.
    asked: list[str] = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.accept()))
    page.get_by_role("button", name="Lưu nháp").click()
    expect(page.locator(".alert-success")).to_contain_text("Đã lưu nháp bản đăng ký")
    assert asked == []
    page.reload()
    expect(page.locator("#draft-restored")).to_have_count(0)
    expect(page.locator("#items-0-target")).to_have_value(TYPED)

    # A draft given up: the form shows what is stored again.
    page.locator("#items-0-target").fill(TYPED + " (sửa)")
    expect(status).to_have_text(re.compile("Đã lưu bản nháp tự động"), timeout=10_000)
    page.reload()
    expect(page.locator("#items-0-target")).to_have_value(TYPED + " (sửa)")
    page.get_by_role("button", name="Bỏ bản nháp").click()
    expect(page.locator("#items-0-target")).to_have_value(TYPED)
    expect(page.locator("#draft-restored")).to_have_count(0)
