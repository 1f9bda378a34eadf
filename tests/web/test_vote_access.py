"""Who may open which page of the council vote: each page renders for the right roles, is 403
(with the reason) for the others, and sends an anonymous visitor to the sign-in page."""

from __future__ import annotations

import pytest

from tests.support.vote_pages import (
    ADMIN,
    BOARD,
    DEPUTY,
    FLAG,
    HEAD,
    LEADER,
    OFFICER,
    OUTSIDER_HEAD,
    OUTSIDER_OFFICER,
    POLLS,
    B,
    add_outsiders,
    alerts,
    flag_vote,
    main_text,
    open_poll,
    page_client,
    text,
    vote_day,
)

MEMBERS = {LEADER, DEPUTY, HEAD, OFFICER, "vhttdl.thutruong"}
EVERYONE = sorted(MEMBERS | {BOARD, ADMIN, OUTSIDER_HEAD, OUTSIDER_OFFICER})


@pytest.fixture
def people(demo):
    add_outsiders()
    vote_day(demo)
    return demo


@pytest.mark.parametrize("username", EVERYONE)
def test_polls_list_for_each_role(people, username):
    response = page_client(people, username).get(POLLS)
    if username in MEMBERS | {BOARD, ADMIN}:
        assert response.status_code == 200
        page = main_text(response)
        assert "Bình xét, bỏ phiếu năm 2021" in page
        assert "Thời gian bình xét: từ 15/02/2022 đến 28/02/2022." in page
        for title in ("Đề nghị tặng Cờ thi đua của UBND tỉnh",
                      "Đề nghị tặng Bằng khen của Chủ tịch UBND tỉnh",
                      "Bầu Khối trưởng năm sau", "Bầu Khối phó năm sau"):
            assert title in page
        assert page.count("Chưa mở") == 4
    else:
        assert response.status_code == 403
        assert "Không thực hiện được" in text(response)


@pytest.mark.parametrize("username", EVERYONE)
def test_ballot_page_only_for_heads_of_member_units(people, username):
    open_poll()
    response = page_client(people, username).get(f"{POLLS}/{FLAG}/ballot")
    if username in (HEAD, "vhttdl.thutruong"):
        assert response.status_code == 200
        assert text(response).count('type="checkbox" name="choices"') == 8
        return
    assert response.status_code == 403, username
    page = main_text(response)
    if username in (BOARD, ADMIN):
        assert "Tài khoản của Ban Thi đua – Khen thưởng tỉnh và tài khoản quản trị không bỏ phiếu" \
            in page
    elif username == OFFICER:
        assert "Chỉ Thủ trưởng đơn vị bỏ phiếu. Tài khoản của bạn là tài khoản cán bộ phụ " \
            "trách thi đua của Sở Y tế." in page
    elif username in (LEADER, DEPUTY):
        assert "Chỉ Thủ trưởng đơn vị bỏ phiếu." in page
    else:  # a unit that is not a member this year
        assert "đơn vị của bạn không phải thành viên" in page
    assert 'name="choices"' not in text(response)


def test_ballot_page_before_opening_says_so(people):
    response = page_client(people, HEAD).get(f"{POLLS}/{FLAG}/ballot")
    assert response.status_code == 409
    assert alerts(response) == ["Cuộc bỏ phiếu chưa được mở."]
    assert 'name="choices"' not in text(response)


def test_unknown_poll_is_404(people):
    client = page_client(people, LEADER)
    for path in (f"{POLLS}/khong-co/ballot", f"{POLLS}/khong-co/results",
                 f"{POLLS}/khong-co/open"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Không có cuộc bỏ phiếu mã 'khong-co'." in main_text(response)


@pytest.mark.parametrize("username", EVERYONE)
def test_closed_results_for_the_host_and_the_board_only(people, username):
    """Before publication the counts are for the vote's host (the leader) and the board
    (docs/voting.md §6); the deputy, the admin and the other members get 403 with the reason;
    outsiders get 403. Once published, every member of the bloc sees them (next test)."""
    flag_vote(published=False)
    response = page_client(people, username).get(f"{POLLS}/{FLAG}/results")
    if username in (LEADER, BOARD):
        assert response.status_code == 200
        assert "Kết quả chưa được công bố" in main_text(response)
        assert 'data-candidate="so-vhttdl"' in text(response)  # the counts
        return
    assert response.status_code == 403, username
    assert "data-candidate=" not in text(response)
    if username in MEMBERS | {ADMIN}:  # the deputy and the admin included
        assert "Kết quả chưa được công bố." in main_text(response)


@pytest.mark.parametrize("username", EVERYONE)
def test_published_results_for_every_member(people, username):
    flag_vote(published=True)
    response = page_client(people, username).get(f"{POLLS}/{FLAG}/results")
    if username in MEMBERS | {BOARD, ADMIN}:
        assert response.status_code == 200
        assert "Kết quả chưa được công bố" not in main_text(response)
        assert "Kiểm tra mã biên nhận" in main_text(response)
    else:
        assert response.status_code == 403


def test_no_results_while_open_or_before_opening(people):
    client = page_client(people, LEADER)
    response = client.get(f"{POLLS}/{FLAG}/results")
    assert response.status_code == 409
    assert "Cuộc bỏ phiếu chưa được mở." in main_text(response)
    open_poll()
    response = client.get(f"{POLLS}/{FLAG}/results")
    assert response.status_code == 409
    assert "Cuộc bỏ phiếu chưa kết thúc; chưa có kết quả." in main_text(response)


def test_anonymous_is_sent_to_sign_in(people):
    client = people.test_client()
    for path in (POLLS, f"{POLLS}/{FLAG}/ballot", f"{POLLS}/{FLAG}/results",
                 f"{POLLS}/{FLAG}/open"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/login" in response.headers["Location"], path
    for path in (f"{POLLS}/{FLAG}/ballot", f"{POLLS}/{FLAG}/open", f"{POLLS}/{FLAG}/results"):
        response = client.post(path, data={"choices": ["so-vhttdl"]})
        assert response.status_code == 302, path
        assert "/login" in response.headers["Location"], path


def test_campaign_navigation_links_the_polls(people):
    for username in (HEAD, BOARD):
        page = text(page_client(people, username).get(B))
        assert f'href="{POLLS}">Bình xét, bỏ phiếu</a>' in page, username
    page = text(page_client(people, HEAD).get(POLLS))
    assert f'href="{POLLS}" aria-current="page">Bình xét, bỏ phiếu</a>' in page


def test_vote_pages_are_not_cached(people):
    open_poll()
    client = page_client(people, HEAD)
    for path in (POLLS, f"{POLLS}/{FLAG}/ballot"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path
