"""The council vote in a real browser (issue 4): the leader opens the Cờ thi đua poll; a head
votes from a phone (390×844), reviews the choice, confirms and sees the receipt; trying again
is refused; the other heads vote; the leader closes and publishes; the results show the counts,
and the head finds the receipt among the counted ones.

The app runs in-process (werkzeug in a thread) so the test can set its clock to the vote
phase: 20/02/2022 09:00 (``app.config["THIDUA_NOW"]``). Screenshots of the ballot and the
results at 390 and 1280 pixels wide are kept in ``test-results/``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support import api_token, bearer
from tests.support.browser import Server, hosts, sign_in

pytestmark = pytest.mark.browser

POLLS = "/campaigns/khoi-8/2021/polls"
FLAG = "Đề nghị tặng Cờ thi đua của UBND tỉnh"
WINNER = "Sở Văn hóa, Thể thao và Du lịch"
PHONE = {"width": 390, "height": 844}
# The other heads' ballots for the Cờ thi đua poll (cast through the API): with the phone's
# ballot for Sở VH-TT&DL, 7 of 8 units vote, 5 for Sở VH-TT&DL, 2 for Sở GD&ĐT.
OTHER_BALLOTS = {"tttt.thutruong": "so-vhttdl", "ldtbxh.thutruong": "so-vhttdl",
                 "vhttdl.thutruong": "so-vhttdl", "gddt.thutruong": "so-vhttdl",
                 "khcn.thutruong": "so-gddt", "noivu.thutruong": "so-gddt"}

# Every control and link of <main> smaller than 44×44 CSS pixels (a finger's touch target).
SMALL_TARGETS_JS = r"""() => [...document.querySelectorAll(
    'main a[href], main button, main input:not([type=hidden]), main select, main label.candidate, main summary')]
  .filter(el => el.offsetParent !== null)
  .map(el => { const r = (el.closest('label.candidate') || el).getBoundingClientRect();
               return {text: (el.innerText || el.value || el.name || '').trim().slice(0, 40),
                       tag: el.tagName, w: Math.round(r.width), h: Math.round(r.height)}; })
  .filter(t => t.h < 44 || t.w < 44)"""




def fits_a_phone(page: Page, name: str) -> None:
    """No sideways scrolling at 390 pixels, and every touch target at least 44×44."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: the page is {width}px wide on a phone"
    small = page.evaluate(SMALL_TARGETS_JS)
    assert small == [], f"{name}: touch targets under 44px: {small}"


def shoot(page: Page, out: Path, name: str) -> None:
    """Full-page screenshots at 390 (phone) and 1280 pixels wide; the viewport is left at the
    phone's size."""
    page.set_viewport_size(PHONE)
    fits_a_phone(page, name)
    page.screenshot(path=str(out / f"{name}-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(out / f"{name}-1280.png"), full_page=True)
    page.set_viewport_size(PHONE)


def polls_card(page: Page, title: str):
    return page.locator("section.poll-card", has=page.get_by_role("heading", name=title))


def open_past_the_checklist(page: Page) -> None:
    """On a poll's opening page over the demo (its year never verified): the checklist names
    the gaps; the host ticks the sentence that names them, gives a reason and opens."""
    expect(page.locator("#open-checklist")).to_contain_text("kết quả thẩm định chưa khóa")
    page.get_by_label(re.compile("^Tôi xác nhận mở bỏ phiếu khi còn")).check()
    page.get_by_label("Lý do vẫn tiếp tục (ghi vào nhật ký)").fill(
        "Hội nghị Khối thống nhất bỏ phiếu theo kết quả tự chấm")
    out = Path("test-results")
    out.mkdir(exist_ok=True)
    width = page.viewport_size["width"] if page.viewport_size else 0
    page.screenshot(path=str(out / f"poll-open-checklist-{width}.png"), full_page=True)
    page.get_by_role("button", name="Mở bỏ phiếu dù còn thiếu sót").click()


def test_a_head_votes_from_a_phone(page: Page, browser: Browser, browser_context_args: dict,
                                   live_server: Server, requested_urls, pytestconfig) -> None:
    server = live_server
    out = Path(pytestconfig.rootpath) / pytestconfig.getoption("--output", "test-results")
    out.mkdir(parents=True, exist_ok=True)
    server.at(2022, 2, 20, 9, 0)

    # --- The leader opens the Cờ thi đua poll (desktop) -------------------------------------
    leader = page
    sign_in(leader, server, "tttt.canbo")
    leader.goto(f"{server.url}/campaigns/khoi-8/2021")
    leader.get_by_role("navigation", name="Công việc của năm thi đua") \
        .get_by_role("link", name="Bình xét, bỏ phiếu").click()
    expect(leader.get_by_role("heading", level=1)).to_have_text("Bình xét, bỏ phiếu năm 2021")
    expect(leader.locator("main")).to_contain_text("từ 15/02/2022 đến 28/02/2022")
    card = polls_card(leader, FLAG)
    expect(card).to_contain_text("Chưa mở")
    card.get_by_role("link", name=f"Mở bỏ phiếu — {FLAG}").click()
    expect(leader.get_by_role("heading", level=1)).to_have_text("Mở bỏ phiếu")  # the confirm step
    expect(leader.locator("main")).to_contain_text(WINNER)
    open_past_the_checklist(leader)
    # The counting committee's key shares, shown once (the default seal): kept for the close.
    expect(leader.locator("#key-shares")).to_contain_text("chỉ hiển thị một lần")
    shares = leader.locator("#share-list .share-value").all_text_contents()
    assert len(shares) == 3
    leader.get_by_role("link", name=re.compile("Các thành viên đã chép mảnh khóa")).click()
    expect(polls_card(leader, FLAG)).to_contain_text("Đang bỏ phiếu")
    expect(polls_card(leader, FLAG).locator("[id$='-turnout']")).to_have_text("0/8 đơn vị")
    shoot(leader, out, "vote-polls-host")
    leader.set_viewport_size({"width": 1280, "height": 900})

    # --- A head votes from a phone ------------------------------------------------------------
    phone = browser.new_context(**{**browser_context_args, "viewport": PHONE,
                                   "device_scale_factor": 2, "is_mobile": True,
                                   "has_touch": True})
    head = phone.new_page()
    head.on("request", lambda request: requested_urls.append(request.url))
    sign_in(head, server, "yte.thutruong")
    head.goto(f"{server.url}{POLLS}")
    card = polls_card(head, FLAG)
    expect(card.locator("[id$='-mine']")).to_have_text("Chưa bỏ phiếu")
    fits_a_phone(head, "vote-polls")
    head.screenshot(path=str(out / "vote-polls-390.png"), full_page=True)
    card.get_by_role("link", name=f"Bỏ phiếu — {FLAG}").click()
    expect(head.get_by_role("heading", level=1)).to_have_text(FLAG)
    expect(head.locator("#ballot-rule")).to_have_text("Chọn đúng 1 đơn vị.")
    candidates = head.locator("label.candidate")
    expect(candidates).to_have_count(8)
    expect(candidates.first).to_contain_text("Hạng 1")
    expect(candidates.first).to_contain_text("điểm thẩm định")

    # Too many: refused by the procedure's rule with its message, the choice kept.
    head.get_by_label(WINNER).check()
    head.get_by_label("Sở Giáo dục và Đào tạo").check()
    expect(head.locator("#ballot-count")).to_contain_text("Quá số được chọn")
    with head.expect_response(re.compile(r"/ballot$")) as refused:
        head.get_by_role("button", name="Tiếp tục: xem lại phiếu").click()
    assert refused.value.status == 422
    expect(head.get_by_role("alert")).to_have_text("Chỉ được chọn tối đa 1 đơn vị.")
    expect(head.get_by_label(WINNER)).to_be_checked()
    expect(head.get_by_label("Sở Giáo dục và Đào tạo")).to_be_checked()
    head.get_by_label("Sở Giáo dục và Đào tạo").uncheck()
    expect(head.locator("#ballot-count")).to_have_text("Đã chọn 1/1 đơn vị.")
    shoot(head, out, "vote-ballot")

    # A second tab of the same head, left on the confirmation step (to try again later).
    # It is used with the keyboard only: Space ticks a box, Enter sends the form.
    stale = phone.new_page()
    stale.goto(head.url)
    stale.get_by_label(WINNER).focus()
    stale.keyboard.press("Space")
    expect(stale.get_by_label(WINNER)).to_be_checked()
    stale.get_by_role("button", name="Tiếp tục: xem lại phiếu").focus()
    stale.keyboard.press("Enter")
    expect(stale.get_by_role("heading", level=1)).to_have_text("Xác nhận bỏ phiếu")

    head.get_by_role("button", name="Tiếp tục: xem lại phiếu").click()
    expect(head.get_by_role("heading", level=1)).to_have_text("Xác nhận bỏ phiếu")
    expect(head.locator("#chosen")).to_have_text(WINNER)
    fits_a_phone(head, "vote-confirm")
    head.screenshot(path=str(out / "vote-confirm-390.png"), full_page=True)
    head.get_by_role("button", name="Xác nhận bỏ phiếu").click()
    expect(head.get_by_role("heading", level=1)).to_have_text("Đã bỏ phiếu")
    receipt_text = head.locator("#receipt").inner_text()
    receipt = re.sub(r"\s+", "", receipt_text)
    assert re.fullmatch(r"[0-9A-F]{20}", receipt), receipt_text
    font = head.locator("#receipt").evaluate(
        "el => [getComputedStyle(el).fontFamily, parseFloat(getComputedStyle(el).fontSize)]")
    assert "monospace" in font[0] and font[1] >= 24, font
    expect(head.locator("#receipt-help")).to_contain_text("chỉ hiển thị một lần")
    assert receipt not in head.url
    fits_a_phone(head, "vote-receipt")
    head.screenshot(path=str(out / "vote-receipt-390.png"), full_page=True)

    # Trying again is refused: from the stale tab, and from the polls page.
    with stale.expect_response(re.compile(r"/ballot$")) as again:
        stale.get_by_role("button", name="Xác nhận bỏ phiếu").click()
    assert again.value.status == 409
    expect(stale.get_by_role("alert")).to_have_text(
        "Đơn vị của bạn đã bỏ phiếu trong cuộc bỏ phiếu này.")
    stale.close()
    head.get_by_role("link", name="Về danh sách bỏ phiếu").click()
    card = polls_card(head, FLAG)
    expect(card.locator("[id$='-mine']")).to_have_text("Đã bỏ phiếu")
    expect(card.get_by_role("link", name=re.compile("Bỏ phiếu"))).to_have_count(0)
    # The receipt is nowhere on the pages that follow.
    assert receipt not in head.content()

    # --- The other heads vote (through the API, the same service) ----------------------------
    client = server.app.test_client()
    for username, choice in OTHER_BALLOTS.items():
        headers = bearer(api_token(client, username))
        response = client.post(f"/api/v1{POLLS}/co-thi-dua/ballots", headers=headers,
                               json={"choices": [choice]})
        assert response.status_code == 201, response.get_json()

    # --- The leader closes on the vote's last day (an early close needs every unit), then
    # publishes ----------------------------------------------------------------------------
    server.at(2022, 2, 28, 17, 0)
    leader.goto(f"{server.url}{POLLS}")
    expect(polls_card(leader, FLAG).locator("[id$='-turnout']")).to_have_text("7/8 đơn vị")
    polls_card(leader, FLAG).get_by_role("link", name=f"Kết thúc bỏ phiếu — {FLAG}").click()
    expect(leader.locator("#turnout")).to_have_text("Đã bỏ phiếu: 7/8 đơn vị.")
    leader.get_by_label("Mảnh khóa 1", exact=True).fill(shares[0])
    leader.get_by_label("Mảnh khóa 2", exact=True).fill(shares[2])
    leader.get_by_role("button", name="Kết thúc và kiểm phiếu").click()
    expect(leader.get_by_role("status").first).to_contain_text("Đã kết thúc bỏ phiếu")
    expect(leader.get_by_role("heading", level=1)).to_have_text("Kết quả bỏ phiếu")
    expect(leader.locator("main")).to_contain_text("Kết quả chưa được công bố")
    leader.get_by_role("link", name="Công bố kết quả").click()
    leader.get_by_role("button", name="Công bố kết quả").click()
    expect(leader.get_by_role("status").first).to_contain_text(f"Đã công bố kết quả: {FLAG}.")

    # --- The head reads the results and finds the receipt ------------------------------------
    head.goto(f"{server.url}{POLLS}")
    polls_card(head, FLAG).get_by_role("link", name=f"Xem kết quả — {FLAG}").click()
    expect(head.locator("#count-eligible")).to_have_text("8")
    expect(head.locator("#count-voted")).to_have_text("7")
    expect(head.locator("#count-valid")).to_have_text("7")
    expect(head.locator("#count-invalid")).to_have_text("0")
    expect(head.locator("#quorum")).to_contain_text("Đủ")
    expect(head.locator("#elected")).to_have_text(WINNER)
    winner = head.locator("#counts tr[data-candidate='so-vhttdl']")
    expect(winner.locator("td.votes")).to_have_text("5")
    expect(winner.locator("td.share")).to_have_text("62,5%")
    second = head.locator("#counts tr[data-candidate='so-gddt']")
    expect(second.locator("td.votes")).to_have_text("2")
    expect(second.locator("td.share")).to_have_text("25%")
    expect(head.locator("#consistency")).to_have_text(
        "Khớp: 7 đơn vị đã bỏ phiếu, 7 phiếu được kiểm, 7 biên nhận.")
    expect(head.locator("#roster-hash")).to_have_count(0)  # the host's technical details
    shoot(head, out, "vote-results")

    head.get_by_label("Mã biên nhận", exact=True).fill(receipt_text.lower())
    head.get_by_role("button", name="Kiểm tra").click()
    expect(head.locator("#receipt-result")).to_contain_text("Có: mã biên nhận này nằm trong")
    head.get_by_label("Mã biên nhận", exact=True).fill("0123456789ABCDEF0123")
    head.get_by_role("button", name="Kiểm tra").click()
    expect(head.locator("#receipt-result")).to_contain_text("Không: không tìm thấy")
    phone.close()

    assert hosts(requested_urls) == {"127.0.0.1"}, requested_urls
