"""Issue 12 in a real browser (Debian's Chromium): an administrator copies Khối 8's 2021 plan
to 2022, reviews the diff, changes two points and the calendar in the form (the live check
shows the problem while the points do not add up), imports a points table from an Excel
workbook (dry run, then apply), opens the 2022 year from the stored plan with no restart, and
a member unit's officer sees the year. Screenshots in ``test-results/plan-*.png``."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from core.services import plan_documents as plans
from tests.support.browser import Server, sign_in

pytestmark = pytest.mark.browser




def test_admin_makes_khoi_8_2022_from_its_2021_plan(page: Page, live_server: Server,
                                                    pytestconfig, tmp_path) -> None:
    out = Path(pytestconfig.rootpath) / pytestconfig.getoption("--output", "test-results")
    out.mkdir(parents=True, exist_ok=True)
    sign_in(page, live_server, "admin")
    nav = page.get_by_role("navigation", name="Điều hướng chính")
    page.wait_for_load_state("load")
    nav.get_by_role("button", name="Quản trị").click()
    nav.get_by_role("link", name="Kế hoạch các khối", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kế hoạch các khối")

    # Copy: every date moved by a year, the diff to review, then save.
    page.locator("#bloc-khoi-8").get_by_role("link", name="Sao chép 2021 sang 2022").click()
    expect(page.locator("#plan-diff")).to_contain_text(
        "Giai đoạn binh-xet: hạn 28/02/2022 → 28/02/2023")
    page.screenshot(path=str(out / "plan-copy-diff.png"), full_page=True)
    page.get_by_role("button", name="Lưu kế hoạch năm 2022").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kế hoạch năm 2022")

    # Two points and the calendar, checked live.
    first = page.get_by_label("Điểm tối đa, dòng 2", exact=True)   # 1.1
    second = page.get_by_label("Điểm tối đa, dòng 3", exact=True)  # 1.2
    expect(page.get_by_label("Mã, dòng 2", exact=True)).to_have_value("1.1")
    first.fill("9")
    first.dispatch_event("change")
    expect(page.locator("#plan-problems")).to_contain_text(
        "Tiêu chí 1: điểm tối đa của nhóm (35) khác tổng các mục con (39).")
    second.fill("1")
    second.dispatch_event("change")
    expect(page.locator("#live-status")).to_have_text("Kế hoạch hợp lệ (chưa lưu).")
    expect(page.get_by_label("Mã giai đoạn, dòng 2", exact=True)).to_have_value("dang-ky")
    page.get_by_label("Hạn, dòng 2", exact=True).fill("2022-05-31")
    page.get_by_role("button", name="Lưu kế hoạch").click()
    expect(page.locator(".alert-success")).to_contain_text("Đã lưu kế hoạch năm 2022")
    expect(page.get_by_label("Hạn, dòng 2", exact=True)).to_have_value("2022-05-31")

    # The points table from the office's workbook: the current one, two lines changed.
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải thang bảng điểm (.xlsx)").click()
    downloaded = tmp_path / "tai-ve.xlsx"
    download.value.save_as(downloaded)
    book = load_workbook(downloaded)
    sheet = book["Thang bảng điểm"]
    assert (sheet["A11"].value, sheet["D11"].value, sheet["D12"].value) == ("2.1", 5, 5)
    sheet["D11"], sheet["D12"] = 8, 2
    workbook = tmp_path / "thang-bang-diem-2022.xlsx"
    book.save(workbook)
    page.get_by_role("link", name="Nhập thang bảng điểm từ Excel").click()
    page.get_by_label("Tệp Excel (.xlsx)").set_input_files(str(workbook))
    page.get_by_role("button", name="Chạy thử").click()
    expect(page.locator("#dry-run-ok")).to_contain_text("Tổng điểm các mục chấm điểm: 100")
    changed = page.locator('#dry-run-rows tr[data-action="change"]')
    expect(changed).to_have_count(2)
    expect(changed.first).to_contain_text("điểm 5 → 8")
    page.screenshot(path=str(out / "plan-points-dry-run.png"), full_page=True)
    page.get_by_role("button", name="Nhập thang bảng điểm").click()
    expect(page.locator(".alert-success")).to_contain_text("Đã nhập thang bảng điểm")
    page.screenshot(path=str(out / "plan-edit.png"), full_page=False)

    # Open the year from the stored plan: last year's members are proposed.
    page.get_by_role("link", name="Mở năm 2022").click()
    expect(page.get_by_label("Khối thi đua")).to_have_value("khoi-8")
    page.get_by_role("button", name="Mở năm thi đua").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("2022")

    # A member unit's officer works in it.
    sign_in(page, live_server, "yte.canbo")
    page.goto(f"{live_server.url}/campaigns/khoi-8/2022")
    body = page.locator("main")
    expect(body).to_contain_text("31/05/2022")
    expect(body).to_contain_text("Khối thi đua Khối 8 — năm 2022")
    page.screenshot(path=str(out / "plan-member-2022.png"), full_page=True)
    with live_server.app.app_context():
        document = plans.stored("khoi-8", 2022).document
    items = {c["code"]: c["max_points"] for g in document["criteria"] for c in g["children"]}
    assert (items["1.1"], items["1.2"], items["2.1"], items["2.2"]) == (9, 1, 8, 2)
