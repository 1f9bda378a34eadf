"""The council meeting held in Chromium (issue 10, "done when"): the leader records the meeting
(time, place, chair, secretary, the counting committee) and the attendance (Sở Tư pháp
absent); opens the Cờ thi đua poll, and the shares panel shows each member of the counting
committee their key share, once (coming back to the page does not show them again); the heads
present vote (one on its page); the leader closes with two of the shares (a wrong share is
refused first), publishes, and the results say plainly that the counts agree. Then the
Bằng khen poll is voted on paper: the ballots are printed, the hand count is refused when it
does not reconcile with the attendance, then stored and shown. Screenshots in
``test-results/``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support import api_token, bearer
from tests.support.browser import Server, sign_in

from .test_vote import open_past_the_checklist, polls_card

pytestmark = pytest.mark.browser

POLLS = "/campaigns/khoi-8/2021/polls"
FLAG = "Đề nghị tặng Cờ thi đua của UBND tỉnh"
MERIT = "Đề nghị tặng Bằng khen của Chủ tịch UBND tỉnh"
COMMITTEE = ["Ông Lê Văn Đức (Sở Y tế)", "Bà Phạm Thị Hương (Sở Nội vụ)",
             "Ông Võ Minh Tuấn (Sở Khoa học và Công nghệ)"]
# the heads present other than Sở Y tế's, which votes on its page (Sở Tư pháp is absent)
OTHERS = ["tttt.thutruong", "ldtbxh.thutruong", "vhttdl.thutruong", "gddt.thutruong",
          "khcn.thutruong", "noivu.thutruong"]


def test_the_council_meeting_with_the_committee_and_a_paper_poll(
        page: Page, browser: Browser, browser_context_args: dict, live_server: Server,
        pytestconfig) -> None:
    server = live_server
    out = Path(pytestconfig.rootpath) / pytestconfig.getoption("--output", "test-results")
    out.mkdir(parents=True, exist_ok=True)
    server.at(2022, 2, 25, 8, 0)
    leader = page
    sign_in(leader, server, "tttt.canbo")

    # --- The meeting's record and the attendance ----------------------------------------------
    leader.goto(f"{server.url}/campaigns/khoi-8/2021/meeting")
    leader.get_by_label("Thời gian họp").fill("25/02/2022 08:00")
    leader.get_by_label("Địa điểm").fill("Hội trường Sở Thông tin và Truyền thông")
    leader.get_by_label("Chủ trì").fill("Ông Nguyễn Văn Này, Giám đốc Sở TT&TT")
    leader.get_by_label("Thư ký").fill("Bà Trần Thị Ánh, Chánh Văn phòng Sở TT&TT")
    for n, name in enumerate(COMMITTEE, start=1):
        leader.get_by_label(f"Thành viên Ban kiểm phiếu {n}", exact=True).fill(name)
    leader.get_by_role("button", name="Lưu thông tin cuộc họp").click()
    expect(leader.get_by_role("status")).to_contain_text("Đã ghi thông tin cuộc họp bình xét.")
    leader.get_by_label("Sở Tư pháp — có mặt").uncheck()
    leader.get_by_role("button", name="Lưu danh sách có mặt").click()
    expect(leader.get_by_role("status")).to_contain_text(
        "Đã ghi danh sách đơn vị có mặt: 7/8 đơn vị.")

    # --- Open the Cờ thi đua poll: the committee's shares, once ---------------------------
    leader.goto(f"{server.url}{POLLS}")
    polls_card(leader, FLAG).get_by_role("link", name=f"Mở bỏ phiếu — {FLAG}").click()
    open_past_the_checklist(leader)
    panel = leader.locator("#key-shares")
    expect(panel).to_contain_text("Mảnh khóa của Ban kiểm phiếu — chỉ hiển thị một lần")
    expect(leader.locator("#share-list .share-holder")).to_have_text(COMMITTEE)
    shares = leader.locator("#share-list .share-value").all_text_contents()
    assert len(shares) == 3 and len(set(shares)) == 3
    assert all(re.fullmatch(r"[1-3]-[0-9a-f]{32}", s) for s in shares), shares
    # each member opens their own line (the others stay closed on the screen)
    first = leader.locator("#share-list details").first
    expect(first.locator(".share-value")).to_be_hidden()
    first.locator("summary").click()
    expect(first.locator(".share-value")).to_be_visible()
    expect(first.locator(".share-value")).to_have_text(shares[0])
    expect(leader.locator("#share-list details").nth(1).locator(".share-value")).to_be_hidden()
    leader.screenshot(path=str(out / "meeting-shares-1280.png"), full_page=True)
    leader.goto(leader.url)  # back to the page: the shares are not shown again
    expect(leader.locator("#key-shares")).to_have_count(0)
    assert not any(share in leader.content() for share in shares)
    leader.goto(f"{server.url}{POLLS}")
    expect(polls_card(leader, FLAG)).to_contain_text("Đang bỏ phiếu")
    expect(leader.locator("#council-attendance")).to_contain_text("7/8 đơn vị")

    # --- The heads present vote: Sở Y tế on its page, the others through the API ------------
    phone = browser.new_context(**browser_context_args)
    head = phone.new_page()
    sign_in(head, server, "yte.thutruong")
    head.goto(f"{server.url}{POLLS}/co-thi-dua/ballot")
    head.get_by_label("Sở Văn hóa, Thể thao và Du lịch").check()
    head.get_by_role("button", name="Tiếp tục: xem lại phiếu").click()
    head.get_by_role("button", name="Xác nhận bỏ phiếu").click()
    expect(head.get_by_role("heading", level=1)).to_have_text("Đã bỏ phiếu")
    phone.close()
    client = server.app.test_client()
    for username in OTHERS:
        response = client.post(f"/api/v1{POLLS}/co-thi-dua/ballots",
                               headers=bearer(api_token(client, username)),
                               json={"choices": ["so-vhttdl" if username != "khcn.thutruong"
                                                 else "so-gddt"]})
        assert response.status_code == 201, response.get_json()

    # --- Close with two shares (every unit present has voted: the meeting's day is enough) --
    leader.goto(f"{server.url}{POLLS}")
    polls_card(leader, FLAG).get_by_role("link", name=f"Kết thúc bỏ phiếu — {FLAG}").click()
    expect(leader.locator("#turnout")).to_have_text("Đã bỏ phiếu: 7/8 đơn vị.")
    leader.get_by_label("Mảnh khóa 1", exact=True).fill(shares[0])
    leader.get_by_label("Mảnh khóa 2", exact=True).fill(shares[0])  # the same share twice
    with leader.expect_response(re.compile(r"/close$")) as refused:
        leader.get_by_role("button", name="Kết thúc và kiểm phiếu").click()
    assert refused.value.status == 422
    expect(leader.locator("#control-errors")).to_contain_text(
        "Các mảnh khóa không khớp với khóa của cuộc bỏ phiếu.")
    leader.get_by_label("Mảnh khóa 1", exact=True).fill(shares[1])
    leader.get_by_label("Mảnh khóa 2", exact=True).fill(shares[2])
    leader.screenshot(path=str(out / "meeting-close-1280.png"), full_page=True)
    leader.get_by_role("button", name="Kết thúc và kiểm phiếu").click()
    expect(leader.get_by_role("heading", level=1)).to_have_text("Kết quả bỏ phiếu")
    leader.get_by_role("link", name="Công bố kết quả").click()
    leader.get_by_role("button", name="Công bố kết quả").click()
    expect(leader.get_by_role("status").first).to_contain_text(f"Đã công bố kết quả: {FLAG}.")
    expect(leader.locator("#count-voted")).to_have_text("7")
    expect(leader.locator("#elected")).to_have_text("Sở Văn hóa, Thể thao và Du lịch")
    expect(leader.locator("#consistency")).to_have_text(
        "Khớp: 7 đơn vị đã bỏ phiếu, 7 phiếu được kiểm, 7 biên nhận.")
    expect(leader.locator("#technical")).to_contain_text("Chi tiết kỹ thuật")
    leader.screenshot(path=str(out / "meeting-results-1280.png"), full_page=True)

    # --- The Bằng khen poll on paper ---------------------------------------------------------
    leader.goto(f"{server.url}{POLLS}")
    polls_card(leader, MERIT).get_by_role("link", name=f"Mở bỏ phiếu — {MERIT}").click()
    open_past_the_checklist(leader)
    expect(leader.locator("#share-list .share-holder")).to_have_count(3)
    leader.get_by_role("link", name=re.compile("Các thành viên đã chép mảnh khóa")).click()
    printed = polls_card(leader, MERIT).get_by_role("link", name=f"In phiếu giấy — {MERIT}")
    pdf = leader.request.get(f"{server.url}{printed.get_attribute('href')}")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    polls_card(leader, MERIT).get_by_role(
        "link", name=f"Nhập kết quả kiểm phiếu giấy — {MERIT}").click()
    expect(leader.locator("#present-count")).to_contain_text("Đơn vị có mặt: 7")
    counts = {"Số phiếu phát ra": "8", "Số phiếu thu về": "7", "Số phiếu hợp lệ": "7",
              "Số phiếu không hợp lệ": "0", "Số phiếu trắng": "0", "Sở Y tế": "6",
              "Sở Khoa học và Công nghệ": "5", "Sở Giáo dục và Đào tạo": "3"}
    for label, value in counts.items():
        leader.get_by_label(label, exact=True).fill(value)
    with leader.expect_response(re.compile(r"/paper-count$")) as refused:
        leader.get_by_role("button", name="Lưu kết quả và kết thúc bỏ phiếu").click()
    assert refused.value.status == 422
    expect(leader.locator("#issued-error")).to_contain_text("Nhiều hơn số đơn vị có mặt (7)")
    expect(leader.get_by_label("Sở Y tế", exact=True)).to_have_value("6")  # nothing lost
    leader.get_by_label("Số phiếu phát ra", exact=True).fill("7")
    leader.screenshot(path=str(out / "meeting-paper-count-1280.png"), full_page=True)
    leader.get_by_role("button", name="Lưu kết quả và kết thúc bỏ phiếu").click()
    expect(leader.get_by_role("heading", level=1)).to_have_text("Kết quả bỏ phiếu")
    expect(leader.locator("#paper-note")).to_contain_text("Bỏ phiếu bằng phiếu giấy")
    expect(leader.locator("#paper-present")).to_have_text("7")
    expect(leader.locator("#elected li")).to_have_text(["Sở Y tế", "Sở Khoa học và Công nghệ"])
    expect(leader.locator("#consistency")).to_contain_text("Khớp: bỏ phiếu bằng phiếu giấy")
    leader.screenshot(path=str(out / "meeting-paper-results-1280.png"), full_page=True)
