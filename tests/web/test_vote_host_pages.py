"""The host's steps through the pages: open, close and publish, each confirmed on its own page
and taken by a POST with the CSRF token; only the leader or the board; only in the vote phase;
a refusal shows the service's message with its status and changes nothing."""

from __future__ import annotations

import re

import pytest

from core.extensions import db
from core.models import AuditEvent
from tests.support import row_counts, shares
from tests.support.guards import confirmation
from tests.support.html import counts, csrf_token
from tests.support.vote_pages import (
    ADMIN,
    BOARD,
    DEPUTY,
    FLAG,
    FLAG_TITLE,
    HEAD,
    LEADER,
    OFFICER,
    POLLS,
    alerts,
    at,
    by_id,
    cast,
    close_on_page,
    main_text,
    open_poll,
    page_client,
    poll,
    text,
    vote_day,
)

EARLY_CLOSE = ("Chưa đến ngày cuối của thời gian bình xét: chỉ kết thúc bỏ phiếu sớm khi mọi "
               "đơn vị (hoặc mọi đơn vị có mặt tại cuộc họp) đã bỏ phiếu. Còn {count} đơn vị "
               "chưa bỏ phiếu.")
HOST_LINKS = re.compile(r'href="[^"]*/polls/[^"/]+/(open|close|publish)"')


@pytest.fixture
def voting_day(demo):
    vote_day(demo)
    return demo


@pytest.mark.parametrize("username", [LEADER, BOARD])
def test_host_sees_the_steps_and_opens_with_a_confirmation(voting_day, username):
    client = page_client(voting_day, username)
    listing = client.get(POLLS)
    assert HOST_LINKS.findall(text(listing)) == ["open"] * 4

    confirm = client.get(f"{POLLS}/{FLAG}/open")
    assert confirm.status_code == 200
    page = main_text(confirm)
    assert "Mở bỏ phiếu" in page and FLAG_TITLE in page
    assert "8 ứng viên" in page and "Sở Văn hóa, Thể thao và Du lịch" in page
    assert poll() is None  # the confirmation step changes nothing
    # The demo's year was never verified: the page names what is missing before the vote.
    gaps = re.findall(r'data-gap="([a-z_]+)">([^<]+)<', text(confirm))
    assert [code for code, _sentence in gaps] == ["verification_not_locked",
                                                   "units_without_points"]
    assert "8 đơn vị có tổng điểm thẩm định bằng 0" in gaps[1][1]
    assert "Mở bỏ phiếu dù còn thiếu sót" in page

    # Without ticking the sentence that names the gaps, nothing opens (409, the gaps again).
    before = row_counts()
    unticked = client.post(f"{POLLS}/{FLAG}/open")
    assert unticked.status_code == 409
    [refusal] = alerts(unticked)
    assert refusal.startswith("Chưa thể mở bỏ phiếu vì còn thiếu: kết quả thẩm định chưa "
                              "khóa; 8 đơn vị có tổng điểm thẩm định bằng 0: Sở Giáo dục và "
                              "Đào tạo, Sở Khoa học và Công nghệ, ")
    assert refusal.endswith("Sở Y tế. Nếu vẫn làm, hãy xác nhận rõ những thiếu sót này và "
                            "nêu lý do.")
    assert 'data-gap="verification_not_locked"' in text(unticked)
    assert row_counts() == before and poll() is None

    response = client.post(f"{POLLS}/{FLAG}/open", data=confirmation(text(confirm)))
    # The committee's key shares, once, on this response only (never a redirect, a flash or
    # the session): one line per member of the counting committee.
    assert response.status_code == 200
    opened = poll()
    assert opened.status == "open" and len(opened.roster_hash) == 64
    assert opened.seal == "committee" and opened.private_key is None
    shown = re.findall(r'<code class="[^"]*share-value[^"]*">([^<]+)</code>', text(response))
    assert shown == shares.KEPT[opened.public_key] and len(shown) == 3
    assert "Thành viên Ban kiểm phiếu 1" in main_text(response)  # no meeting record yet
    assert "Cache-Control" in response.headers and \
        response.headers["Cache-Control"] == "no-store"
    again = client.get(f"{POLLS}/{FLAG}/open")  # reloaded: the shares are gone for good
    assert not any(share in text(again) for share in shown)
    listing = client.get(POLLS)
    assert by_id(listing, f"poll-{FLAG}-status") == "Đang bỏ phiếu"
    assert by_id(listing, f"poll-{FLAG}-turnout") == "0/8 đơn vị"
    assert HOST_LINKS.findall(text(listing)) == ["close", "open", "open", "open"]
    override = db.session.query(AuditEvent).filter_by(action="guard.override.vote").one()
    assert override.details["reason"] == "Hội nghị Khối đã thống nhất"
    assert [g["code"] for g in override.details["gaps"]] == ["verification_not_locked",
                                                              "units_without_points"]


@pytest.mark.parametrize("username", [DEPUTY, HEAD, OFFICER, ADMIN])
def test_others_see_no_steps_and_are_refused(voting_day, username):
    client = page_client(voting_day, username)
    assert HOST_LINKS.findall(text(client.get(POLLS))) == []
    before = row_counts()
    for action in ("open", "close", "publish"):
        page = client.get(f"{POLLS}/{FLAG}/{action}")
        assert page.status_code == 403, action
        assert "Chỉ Khối trưởng hoặc Ban Thi đua – Khen thưởng tỉnh được điều hành bỏ phiếu." \
            in main_text(page)
        assert client.post(f"{POLLS}/{FLAG}/{action}").status_code == 403, action
    assert row_counts() == before


def test_opening_twice_is_409_with_the_message(voting_day):
    client = page_client(voting_day, LEADER)
    ticked = confirmation(text(client.get(f"{POLLS}/{FLAG}/open")))
    assert client.post(f"{POLLS}/{FLAG}/open", data=ticked).status_code == 200  # the shares
    before = row_counts()
    response = client.post(f"{POLLS}/{FLAG}/open", data=ticked)
    assert response.status_code == 409
    assert alerts(response) == ["Cuộc bỏ phiếu này đã được mở."]
    assert row_counts() == before


def test_opening_before_the_vote_phase_is_409(demo):
    at(demo, 2022, 2, 10, 9, 0)
    client = page_client(demo, LEADER)
    before = row_counts()
    response = client.post(f"{POLLS}/{FLAG}/open")
    assert response.status_code == 409
    assert alerts(response) == ["Giai đoạn “Bình xét, bỏ phiếu” chưa mở (mở từ ngày "
                                "15/02/2022)."]
    assert row_counts() == before
    assert poll() is None


def test_close_shows_the_turnout_then_counts_once(voting_day):
    open_poll()
    for unit in ("so-tttt", "so-ldtbxh", "so-vhttdl", "so-gddt", "so-yte", "so-khcn"):
        cast(unit, ["so-vhttdl"])
    client = page_client(voting_day, LEADER)
    confirm = client.get(f"{POLLS}/{FLAG}/close")
    assert confirm.status_code == 200
    assert by_id(confirm, "turnout") == "Đã bỏ phiếu: 6/8 đơn vị."
    listing = client.get(POLLS)
    assert "Sở Tư pháp: chưa bỏ phiếu" in main_text(listing)
    assert "Sở Y tế: đã bỏ phiếu" in main_text(listing)

    # Before the vote phase's last day, with 2 units still to vote: refused, nothing changed.
    before = row_counts()
    early = client.post(f"{POLLS}/{FLAG}/close")
    assert early.status_code == 409
    assert alerts(early) == [EARLY_CLOSE.format(count=2)]
    assert row_counts() == before
    assert poll().status == "open"

    at(voting_day, 2022, 2, 28, 17, 0)  # the last day: the host may close
    missing = client.post(f"{POLLS}/{FLAG}/close")  # the committee's shares are needed
    assert missing.status_code == 422
    assert alerts(missing) == ["Cần 2 mảnh khóa của Ban kiểm phiếu để mở các phiếu."]
    assert poll().status == "open"
    response = close_on_page(client)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{POLLS}/{FLAG}/results")
    assert poll().status == "closed"
    before = row_counts()
    again = client.post(f"{POLLS}/{FLAG}/close")
    assert again.status_code == 409
    assert alerts(again) == ["Chỉ kết thúc được cuộc bỏ phiếu đang mở."]
    assert row_counts() == before


def test_publish_only_after_close(voting_day):
    open_poll()
    client = page_client(voting_day, BOARD)
    before = row_counts()
    early = client.post(f"{POLLS}/{FLAG}/publish")
    assert early.status_code == 409
    assert alerts(early) == ["Chỉ công bố được cuộc bỏ phiếu đã kết thúc."]
    assert row_counts() == before
    # No unit has voted: closing before the vote phase's last day is refused.
    too_early = client.post(f"{POLLS}/{FLAG}/close")
    assert too_early.status_code == 409
    assert alerts(too_early) == [EARLY_CLOSE.format(count=8)]
    assert row_counts() == before
    assert poll().status == "open"
    at(voting_day, 2022, 2, 28, 17, 0)  # the last day
    assert close_on_page(client).status_code == 303
    results = client.get(f"{POLLS}/{FLAG}/results")
    assert f'href="{POLLS}/{FLAG}/publish"' in text(results)
    response = client.post(f"{POLLS}/{FLAG}/publish")
    assert response.status_code == 303
    assert poll().status == "published"
    page = client.get(response.headers["Location"])
    assert f"Đã công bố kết quả: {FLAG_TITLE}." in main_text(page)
    actions = [e.action for e in db.session.query(AuditEvent).order_by(AuditEvent.id)
               if e.action.startswith("poll.")]
    assert actions == ["poll.open", "poll.close", "poll.publish"]


def test_the_steps_need_the_csrf_token(csrf_app):
    vote_day(csrf_app)
    client = csrf_app.test_client()
    token = csrf_token(client, "/login")
    client.post("/login", data={"csrf_token": token, "username": LEADER,
                                "password": "ThiDua@2021"})
    before = counts(csrf_app)
    for data in ({}, {"csrf_token": "forged"}):
        refused = client.post(f"{POLLS}/{FLAG}/open", data=data)
        assert refused.status_code == 400
        assert "mã bảo vệ CSRF" in main_text(refused)
    assert counts(csrf_app) == before
    page = text(client.get(f"{POLLS}/{FLAG}/open"))
    token = csrf_token(client, f"{POLLS}/{FLAG}/open")
    assert client.post(f"{POLLS}/{FLAG}/open",
                       data={"csrf_token": token, **confirmation(page)}).status_code == 200


def test_casting_needs_the_csrf_token(csrf_app):
    vote_day(csrf_app)
    leader = csrf_app.test_client()
    leader.post("/login", data={"csrf_token": csrf_token(leader, "/login"), "username": LEADER,
                                "password": "ThiDua@2021"})
    leader.post(f"{POLLS}/{FLAG}/open",
                data={"csrf_token": csrf_token(leader, f"{POLLS}/{FLAG}/open"),
                      **confirmation(text(leader.get(f"{POLLS}/{FLAG}/open")))})
    head = csrf_app.test_client()
    head.post("/login", data={"csrf_token": csrf_token(head, "/login"), "username": HEAD,
                              "password": "ThiDua@2021"})
    before = counts(csrf_app)
    refused = head.post(f"{POLLS}/{FLAG}/ballot", data={"step": "cast",
                                                         "choices": ["so-vhttdl"]})
    assert refused.status_code == 400
    assert counts(csrf_app) == before
    token = csrf_token(head, f"{POLLS}/{FLAG}/ballot")
    response = head.post(f"{POLLS}/{FLAG}/ballot", data={"csrf_token": token, "step": "cast",
                                                          "choices": ["so-vhttdl"]})
    assert response.status_code == 200
    assert re.fullmatch(r"[0-9A-F]{20}", re.sub(r"\s+", "", by_id(response, "receipt")))
    assert counts(csrf_app)["ballots"] == before["ballots"] + 1
