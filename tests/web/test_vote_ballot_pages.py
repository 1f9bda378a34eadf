"""Casting through the pages: choose, review, confirm, receive a receipt shown once; a second
attempt is 409; bad choices are 422 with the procedure's message, nothing stored and the
choice kept."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy.orm.attributes import flag_modified

from core.extensions import db
from tests.support import row_counts
from tests.support.vote_pages import (
    FLAG,
    HEAD,
    POLLS,
    alerts,
    ballots,
    by_id,
    campaign,
    cast,
    checked,
    close_poll,
    main_text,
    open_poll,
    opened_choices,
    page_client,
    poll,
    receipt_hashes,
    receipt_of,
    text,
    vote_day,
    voted_units,
)

BALLOT = f"{POLLS}/{FLAG}/ballot"


def place(response, code: str) -> str | None:
    """The place selected for a candidate on a ranked ballot (None: not ranked)."""
    select = re.search(rf'<select[^>]*id="rank-{code}"[^>]*>(.*?)</select>', text(response),
                       re.S)
    assert select, code
    chosen = re.search(r'<option value="(\d+)" selected>', select.group(1))
    return chosen.group(1) if chosen else None


@pytest.fixture
def voting_open(demo):
    vote_day(demo)
    open_poll()
    return demo


def test_ballot_lists_candidates_with_totals_and_ranks(voting_open):
    response = page_client(voting_open, HEAD).get(BALLOT)
    assert response.status_code == 200
    html = text(response)
    assert by_id(response, "ballot-rule") == "Chọn đúng 1 đơn vị."
    assert html.count('type="checkbox" name="choices"') == 8
    assert 'type="radio"' not in html
    # Each candidate with its verified total and rank (no scores yet: 0 points, all rank 1).
    assert main_text(response).count("Hạng 1 · 0 điểm thẩm định") == 8
    assert "Sở Văn hóa, Thể thao và Du lịch" in html
    assert checked(response) == []


def test_single_choice_poll_uses_radio_buttons(voting_open):
    open_poll("khoi-truong")
    response = page_client(voting_open, HEAD).get(f"{POLLS}/khoi-truong/ballot")
    assert response.status_code == 200
    assert text(response).count('type="radio" name="choices"') == 8
    assert by_id(response, "ballot-rule") == "Chọn 1 đơn vị."


def test_review_then_cast_stores_one_ballot_and_shows_the_receipt(voting_open):
    client = page_client(voting_open, HEAD)
    before = row_counts()
    review = client.post(BALLOT, data={"step": "review", "choices": ["so-vhttdl"]})
    assert review.status_code == 200
    assert "Xác nhận bỏ phiếu" in main_text(review)
    assert by_id(review, "chosen") == "Sở Văn hóa, Thể thao và Du lịch"
    assert row_counts() == before  # reviewing stores nothing
    assert '<input type="hidden" name="step" value="cast">' in text(review)
    assert text(review).count('<input type="hidden" name="choices" value="so-vhttdl">') == 2

    response = client.post(BALLOT, data={"step": "cast", "choices": ["so-vhttdl"]})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    receipt = receipt_of(response)
    assert re.fullmatch(r"[0-9A-F]{20}", receipt)
    assert "chỉ hiển thị một lần" in by_id(response, "receipt-help")
    # One ballot, sealed (no plaintext choice); its receipt's hash apart, with no link.
    stored = ballots()
    assert len(stored) == 1 and b"so-vhttdl" not in stored[0].sealed
    assert receipt_hashes() == [hashlib.sha256(receipt.encode()).hexdigest()]
    assert voted_units() == 1
    after = row_counts()
    assert after["ballots"] == before["ballots"] + 1
    assert after["receipts"] == before["receipts"] + 1
    # The receipt is kept nowhere: not in the session, not in a later page.
    with client.session_transaction() as session:
        assert receipt not in repr(dict(session))
    listing = client.get(POLLS)
    assert receipt not in text(listing)
    assert by_id(listing, f"poll-{FLAG}-mine") == "Đã bỏ phiếu"
    assert f"{POLLS}/{FLAG}/ballot" not in text(listing)
    # Opened at close (on the vote phase's last day): the one ballot, as chosen.
    close_poll()
    assert ballots() == []
    assert opened_choices() == [["so-vhttdl"]]
    assert receipt_hashes() == [hashlib.sha256(receipt.encode()).hexdigest()]


def test_edit_goes_back_with_the_choice_kept(voting_open):
    client = page_client(voting_open, HEAD)
    response = client.post(BALLOT, data={"step": "edit", "choices": ["so-gddt"]})
    assert response.status_code == 200
    assert checked(response) == ["so-gddt"]
    assert ballots() == []


def test_a_second_attempt_is_409(voting_open):
    client = page_client(voting_open, HEAD)
    first = client.post(BALLOT, data={"step": "cast", "choices": ["so-vhttdl"]})
    assert first.status_code == 200
    before = row_counts()
    for data in ({"step": "cast", "choices": ["so-gddt"]},
                 {"step": "review", "choices": ["so-gddt"]}):
        again = client.post(BALLOT, data=data)
        assert again.status_code == 409
        assert alerts(again) == ["Đơn vị của bạn đã bỏ phiếu trong cuộc bỏ phiếu này."]
        assert 'id="receipt"' not in text(again)
    page = client.get(BALLOT)
    assert page.status_code == 409
    assert alerts(page) == ["Đơn vị của bạn đã bỏ phiếu trong cuộc bỏ phiếu này."]
    assert 'name="choices"' not in text(page)
    assert row_counts() == before
    assert len(ballots()) == 1
    close_poll()  # on the vote phase's last day: the first ballot only, as cast
    assert opened_choices() == [["so-vhttdl"]]


def test_a_ballot_cast_elsewhere_meanwhile_is_409(voting_open):
    """The head reviewed on the page while the unit's ballot was cast elsewhere (the API)."""
    client = page_client(voting_open, HEAD)
    assert client.post(BALLOT, data={"choices": ["so-gddt"]}).status_code == 200
    cast("so-yte", ["so-vhttdl"])
    before = row_counts()
    response = client.post(BALLOT, data={"step": "cast", "choices": ["so-gddt"]})
    assert response.status_code == 409
    assert "Đơn vị của bạn đã bỏ phiếu trong cuộc bỏ phiếu này." in alerts(response)
    assert row_counts() == before


@pytest.mark.parametrize(("choices", "message", "kept"), [
    (["so-vhttdl", "so-gddt"], "Chỉ được chọn tối đa 1 đơn vị.", ["so-gddt", "so-vhttdl"]),
    ([], "Phải chọn ít nhất 1 đơn vị.", []),
    (["so-khong-co"], "Phiếu có lựa chọn không nằm trong danh sách ứng viên.", []),
    (["so-vhttdl", "so-vhttdl"], "Một đơn vị được chọn nhiều lần trên cùng một phiếu.",
     ["so-vhttdl"]),
])
@pytest.mark.parametrize("step", ["review", "cast"])
def test_bad_choices_are_422_and_change_nothing(voting_open, choices, message, kept, step):
    client = page_client(voting_open, HEAD)
    before = row_counts()
    response = client.post(BALLOT, data={"step": step, "choices": choices})
    assert response.status_code == 422
    assert alerts(response) == [message]
    assert sorted(checked(response)) == kept  # what was ticked stays ticked
    assert "Xác nhận bỏ phiếu" not in main_text(response)
    assert 'id="receipt"' not in text(response)
    assert row_counts() == before
    assert voted_units() == 0


def test_self_vote_refused_when_the_procedure_forbids_it(voting_open):
    found = campaign()
    found.snapshot["voting"]["config"]["self_vote"] = False
    flag_modified(found, "snapshot")
    found.plan_revision += 1  # a changed plan is a new revision (plans are cached by it)
    db.session.commit()
    client = page_client(voting_open, HEAD)
    before = row_counts()
    response = client.post(BALLOT, data={"choices": ["so-yte"]})
    assert response.status_code == 422
    assert alerts(response) == ["Đơn vị không được tự bầu cho mình."]
    assert row_counts() == before


def test_after_closing_the_ballot_is_refused(voting_open):
    client = page_client(voting_open, HEAD)
    assert client.get(BALLOT).status_code == 200
    close_poll()
    before = row_counts()
    response = client.post(BALLOT, data={"step": "cast", "choices": ["so-vhttdl"]})
    assert response.status_code == 409
    assert alerts(response) == ["Cuộc bỏ phiếu không mở (chưa mở hoặc đã kết thúc)."]
    assert row_counts() == before


def test_officer_cannot_cast_through_the_page(voting_open):
    client = page_client(voting_open, "yte.canbo")
    before = row_counts()
    response = client.post(BALLOT, data={"step": "cast", "choices": ["so-vhttdl"]})
    assert response.status_code == 403
    assert row_counts() == before


def test_ranked_ballot(voting_open):
    """A bloc whose procedure ranks (Borda): a place for each candidate, in order."""
    found = campaign()
    found.snapshot["voting"] = {"name": "ranked_borda", "config": {
        "polls": [{"code": "xep-hang", "title": "Xếp hạng thi đua", "method": "ranked",
                   "seats": 1, "candidates": "members", "min_choices": 2, "max_choices": 3}],
        "quorum": "1/2", "self_vote": True, "tie_break": ["verified_score", "runoff"]}}
    flag_modified(found, "snapshot")
    found.plan_revision += 1  # a changed plan is a new revision (plans are cached by it)
    db.session.commit()
    open_poll("xep-hang")
    client = page_client(voting_open, HEAD)
    page = client.get(f"{POLLS}/xep-hang/ballot")
    assert page.status_code == 200
    assert text(page).count('<select class="form-select" id="rank-') == 8
    assert by_id(page, "ballot-rule") == \
        "Xếp thứ tự tối đa 3 đơn vị (1 là cao nhất); ít nhất 2."

    before = row_counts()
    twice = client.post(f"{POLLS}/xep-hang/ballot",
                        data={"rank-so-gddt": "1", "rank-so-yte": "1"})
    assert twice.status_code == 422
    assert alerts(twice) == ["Mỗi thứ tự chỉ được dùng cho một đơn vị (thứ tự 1 bị chọn hai "
                             "lần)."]
    assert place(twice, "so-gddt") == "1" and place(twice, "so-yte") == "1"  # kept
    one = client.post(f"{POLLS}/xep-hang/ballot", data={"rank-so-gddt": "1"})
    assert one.status_code == 422
    assert alerts(one) == ["Phải xếp hạng ít nhất 2 đơn vị."]
    assert place(one, "so-gddt") == "1" and place(one, "so-yte") is None
    assert row_counts() == before

    review = client.post(f"{POLLS}/xep-hang/ballot",
                         data={"rank-so-yte": "2", "rank-so-gddt": "1", "rank-so-khcn": "3"})
    assert review.status_code == 200
    assert by_id(review, "chosen") == \
        "Sở Giáo dục và Đào tạo Sở Y tế Sở Khoa học và Công nghệ"
    cast_response = client.post(f"{POLLS}/xep-hang/ballot", data={
        "step": "cast", "choices": ["so-gddt", "so-yte", "so-khcn"]})
    assert cast_response.status_code == 200
    assert poll("xep-hang").status == "open"
    assert len(ballots("xep-hang")) == 1
    close_poll("xep-hang")  # on the vote phase's last day: the ranking kept in order
    assert opened_choices("xep-hang") == [["so-gddt", "so-yte", "so-khcn"]]
