"""The results page: counts, shares, quorum and why it failed, the elected, every tie decision,
the run-off, the roster and audit hashes; and the receipt check, which says yes for a real
receipt and no for a made-up one, and nothing else."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select

from core.extensions import db
from core.models import AuditEvent, PollOutcome
from core.services import audit
from tests.support import row_counts
from tests.support.vote_pages import (
    HEAD,
    HEADS,
    LEADER,
    POLLS,
    alerts,
    by_id,
    cast,
    close_poll,
    flag_vote,
    main_text,
    open_poll,
    page_client,
    poll,
    publish_poll,
    text,
    vote_day,
)

RESULTS = f"{POLLS}/co-thi-dua/results"


@pytest.fixture
def voting_day(demo):
    vote_day(demo)
    return demo


def counts_row(response, unit: str) -> dict[str, str]:
    row = re.search(rf'<tr[^>]*data-candidate="{unit}">(.*?)</tr>', text(response), re.S)
    assert row, unit
    cell = {name: re.search(rf'<td class="text-end {name}">([^<]*)</td>|<td class="{name}">'
                            r'([^<]*)</td>', row.group(1)) for name in ("votes", "share")}
    passed = re.search(r'<td class="passed">([^<]*)</td>', row.group(1))
    return {"votes": cell["votes"].group(1), "share": cell["share"].group(1),
            "passed": passed.group(1) if passed else "",
            "chosen": "Được suy tôn" in row.group(1), "runoff": "Bầu lại" in row.group(1)}


def test_published_results_show_the_counts(voting_day):
    flag_vote(published=True)
    response = page_client(voting_day, HEAD).get(RESULTS)
    assert response.status_code == 200
    assert [by_id(response, f"count-{k}") for k in ("eligible", "voted", "valid", "invalid")] \
        == ["8", "7", "7", "0"]
    assert by_id(response, "quorum").startswith("Đủ")
    assert "cần ít nhất 2/3 tổng số đơn vị thành viên" in by_id(response, "quorum")
    assert by_id(response, "elected") == "Sở Văn hóa, Thể thao và Du lịch"
    assert counts_row(response, "so-vhttdl") == {"votes": "5", "share": "62,5%", "passed": "Có",
                                                 "chosen": True, "runoff": False}
    assert counts_row(response, "so-gddt") == {"votes": "2", "share": "25%", "passed": "Không",
                                               "chosen": False, "runoff": False}
    assert counts_row(response, "so-tuphap")["votes"] == "0"
    assert "Tỷ lệ tính trên tổng số đơn vị thành viên (8). Đạt khi số phiếu nhiều hơn 1/2 " \
        "của số này." in main_text(response)
    # The consistency check in plain words; a member sees no hash and no command.
    assert by_id(response, "consistency") == \
        "Khớp: 7 đơn vị đã bỏ phiếu, 7 phiếu được kiểm, 7 biên nhận."
    found = poll()
    outcome = db.session.scalar(select(PollOutcome).where(PollOutcome.poll_id == found.id))
    assert not re.search(r"[0-9a-f]{64}", main_text(response))
    assert "audit verify" not in text(response) and 'id="technical"' not in text(response)
    assert "SHA-256" not in main_text(response)
    # The host finds them in the technical details.
    response = page_client(voting_day, LEADER).get(RESULTS)
    assert by_id(response, "roster-hash") == found.roster_hash == outcome.roster_hash
    assert by_id(response, "audit-head") == outcome.audit_head
    assert re.fullmatch(r"[0-9a-f]{64}", outcome.audit_head)
    assert "đối chiếu chuỗi nhật ký với các mã băm trên" in by_id(response, "technical")
    # The head hash shown is the one the audit log had when the poll was counted: the
    # hash the close event links back to, and the chain still verifies.
    close = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "poll.close"))
    assert close.prev_hash == outcome.audit_head
    assert audit.verify_chain().ok


def test_quorum_failure_elects_nobody_and_says_why(voting_day):
    open_poll()
    for unit in ("so-tttt", "so-ldtbxh", "so-vhttdl", "so-gddt", "so-yte"):  # 5 < 2/3 × 8
        cast(unit, ["so-vhttdl"])
    close_poll()
    response = page_client(voting_day, LEADER).get(RESULTS)
    assert response.status_code == 200
    assert by_id(response, "quorum").startswith("Không đủ")
    # Khối 8 counts the units present; the attendance was not recorded: the ballots count
    assert by_id(response, "quorum-failed") == (
        "Chưa ghi nhận đơn vị có mặt tại hội nghị: tính theo số đơn vị đã bỏ phiếu (5). "
        "Không đủ số đơn vị tham gia bỏ phiếu: 5/8, cần ít nhất 2/3 tổng số thành viên; "
        "không ai được bầu.")
    assert by_id(response, "elected") == "Không có đơn vị nào được chọn."
    # Only the turnout is stored and shown (docs/voting.md §6): no count for any candidate,
    # nor valid / invalid, which could tell a lone ballot's fate.
    assert [by_id(response, f"count-{k}") for k in ("eligible", "voted")] == ["8", "5"]
    html = text(response)
    assert "data-candidate=" not in html
    assert 'id="counts"' not in html
    assert 'id="count-valid"' not in html and 'id="count-invalid"' not in html
    assert "None" not in main_text(response)
    found = poll()
    stored = db.session.scalar(select(PollOutcome).where(PollOutcome.poll_id == found.id))
    assert stored.result["counts"] == [] and stored.result["valid"] is None


def test_tie_at_the_last_seat_explained_with_a_runoff_link(voting_day):
    open_poll("bang-khen")
    plan = [["so-gddt", "so-yte"]] * 3 + [["so-gddt", "so-khcn"]] * 3 + [["so-yte", "so-khcn"]] * 2
    for unit, choices in zip(HEADS, plan, strict=True):
        cast(unit, choices, code="bang-khen")
    close_poll("bang-khen")
    client = page_client(voting_day, LEADER)
    response = client.get(f"{POLLS}/bang-khen/results")
    assert response.status_code == 200
    assert by_id(response, "elected") == "Sở Giáo dục và Đào tạo"
    assert counts_row(response, "so-yte")["runoff"] and counts_row(response, "so-khcn")["runoff"]
    explanation = by_id(response, "explanation")
    assert "Bằng nhau (5) giữa so-khcn, so-yte cho 1 vị trí còn lại." in explanation
    assert "Bầu lại (vòng sau) giữa so-khcn, so-yte cho 1 vị trí còn lại." in explanation
    runoff = by_id(response, "runoff")
    assert "Sở Khoa học và Công nghệ, Sở Y tế" in runoff
    assert "Đến cuộc bầu lại: Đề nghị tặng Bằng khen của Chủ tịch UBND tỉnh — bầu lại vòng 2" \
        in runoff
    assert f'href="{POLLS}#poll-bang-khen-vong-2"' in text(response)
    # The run-off is on the polls page, linked back to the poll it decides.
    listing = client.get(POLLS)
    assert by_id(listing, "poll-bang-khen-vong-2-status") == "Chưa mở"
    assert '<a href="#poll-bang-khen">Đề nghị tặng Bằng khen' in text(listing)


def test_receipt_check_says_yes_for_a_real_receipt_and_no_otherwise(voting_day):
    receipts = flag_vote(published=True)
    client = page_client(voting_day, HEAD)
    mine = receipts["so-yte"]
    before = row_counts()
    grouped = " ".join(mine[i:i + 4] for i in range(0, 20, 4)).lower()  # as shown, lower-case
    yes = client.post(RESULTS, data={"receipt": f"  {grouped} "})
    assert yes.status_code == 200
    assert by_id(yes, "receipt-result") == ("Có: mã biên nhận này nằm trong danh sách phiếu "
                                            "đã kiểm. Phiếu của bạn đã được tính.")
    assert yes.headers["Cache-Control"] == "no-store"
    made_up = "0123456789ABCDEF0123"
    assert hashlib.sha256(made_up.encode()).hexdigest() not in \
        {hashlib.sha256(r.encode()).hexdigest() for r in receipts.values()}
    no = client.post(RESULTS, data={"receipt": made_up})
    assert no.status_code == 200
    assert by_id(no, "receipt-result").startswith("Không: không tìm thấy mã biên nhận này")
    # Nothing else is revealed: the same page either way, apart from the answer.
    assert "so-vhttdl" not in by_id(yes, "receipt-result")
    empty = client.post(RESULTS, data={"receipt": "   "})
    assert empty.status_code == 422
    assert alerts(empty) == ["Vui lòng nhập mã biên nhận."]
    assert row_counts() == before
    # The list of receipt hashes is not on a member's page (the API lists them, and the host's
    # technical details).
    assert hashlib.sha256(mine.encode()).hexdigest() not in text(yes)
    host = page_client(voting_day, LEADER).get(RESULTS)
    assert hashlib.sha256(mine.encode()).hexdigest() in by_id(host, "receipt-hashes")
    assert "Danh sách 7 mã băm biên nhận" in by_id(host, "technical")


def test_no_receipt_check_before_publication(voting_day):
    receipts = flag_vote(published=False)
    client = page_client(voting_day, LEADER)
    page = client.get(RESULTS)
    assert "Kiểm tra mã biên nhận" not in main_text(page)
    assert hashlib.sha256(receipts["so-tttt"].encode()).hexdigest() not in text(page)
    response = client.post(RESULTS, data={"receipt": receipts["so-tttt"]})
    assert response.status_code == 409
    assert "Danh sách mã biên nhận chỉ có sau khi công bố." in main_text(response)
    publish_poll()
    assert client.post(RESULTS, data={"receipt": receipts["so-tttt"]}).status_code == 200


def test_results_link_on_the_polls_page(voting_day):
    flag_vote(published=False)
    leader = page_client(voting_day, LEADER).get(POLLS)
    head = page_client(voting_day, HEAD).get(POLLS)
    assert f'href="{RESULTS}"' in text(leader)
    assert f'href="{RESULTS}"' not in text(head)
    assert by_id(head, "poll-co-thi-dua-mine") == "Đã bỏ phiếu"
    assert by_id(head, "poll-co-thi-dua-turnout") == "7/8 đơn vị"
    publish_poll()
    assert f'href="{RESULTS}"' in text(page_client(voting_day, HEAD).get(POLLS))
