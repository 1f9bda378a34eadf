"""The council meeting's pages (issue 10, parts 4 and 6): the host records the meeting and the
attendance (field errors next to their fields, nothing typed lost, frozen once a poll opens,
CSRF); prints the paper ballots and enters the hand count, refused when it does not add up,
shown on the results page; and a head's home page says "Bỏ phiếu" while a poll waits for the
unit's ballot."""

from __future__ import annotations

import re

import pytest

from core.extensions import db
from core.models import AuditEvent
from core.services import meeting
from tests.support import row_counts
from tests.support.html import counts, csrf_token, parse
from tests.support.vote_pages import (
    FLAG,
    FLAG_TITLE,
    HEAD,
    HEADS,
    LEADER,
    OFFICER,
    POLLS,
    B,
    by_id,
    campaign,
    cast,
    main_text,
    open_poll,
    page_client,
    poll,
    text,
    vote_day,
)

MEETING = f"{B}/meeting"
MEMBERS = sorted(HEADS)


@pytest.fixture
def voting_day(demo):
    vote_day(demo)
    return demo


def attendance_form(page, **changes) -> dict:
    """The attendance grid's fields as the page filled them, with ``changes``."""
    tree = parse(page)
    form = next(f for f in tree.find_all("form")
                if f.find_all("input", name="form", value="attendance"))
    data: dict = {"form": "attendance", "unit": []}
    for field in form.find_all("input"):
        name, kind = field.attrs.get("name"), field.attrs.get("type")
        if not name or name in ("form", "csrf_token"):
            continue
        if name == "unit":
            data["unit"].append(field.attrs["value"])
        elif kind == "checkbox":
            if "checked" in field.attrs:
                data[name] = "1"
        else:
            data[name] = field.attrs.get("value") or ""
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


MEETING_FORM = {"form": "meeting", "held_at": "20/02/2022 08:30",
                "place": "Hội trường Sở Thông tin và Truyền thông",
                "chair": "Ông Nguyễn Văn Chủ, Giám đốc Sở TT&TT",
                "secretary": "Bà Trần Thị Thư, Chánh Văn phòng Sở TT&TT",
                "committee": ["Ông Lê Văn Một", "Bà Phạm Thị Hai", "Ông Võ Minh Ba", ""]}


def test_the_host_finds_the_meeting_page_from_the_polls_and_the_navigation(voting_day):
    client = page_client(voting_day, LEADER)
    listing = client.get(POLLS)
    assert "Chưa ghi" in by_id(listing, "council-meeting")
    assert f'href="{MEETING}"' in text(listing)
    assert f'href="{POLLS}/{FLAG}/paper-ballots.pdf"' in text(listing)
    page = client.get(MEETING)
    assert page.status_code == 200
    assert "Cuộc họp bình xét năm 2021" in main_text(page)
    assert 'aria-current="page">Cuộc họp bình xét' in text(page)
    # A first proposal: every head present, with the head's name.
    assert len(re.findall(r'name="present-\d+" value="1" id="present-\d+" checked',
                          text(page))) == 8
    for username in (HEAD, OFFICER, "ldtbxh.canbo"):
        other = page_client(voting_day, username)
        assert f'href="{MEETING}"' not in text(other.get(POLLS))
        assert other.get(MEETING).status_code == 403


def test_the_meeting_is_recorded_and_a_refusal_keeps_what_was_typed(voting_day):
    client = page_client(voting_day, LEADER)
    more = client.post(MEETING, data={**MEETING_FORM, "add_member": "1"})
    assert more.status_code == 200 and len(re.findall(r'name="committee"', text(more))) == 5
    assert meeting.meeting(campaign()) is None

    before = row_counts()
    refused = client.post(MEETING, data={**MEETING_FORM, "held_at": "sáng nay", "chair": ""})
    assert refused.status_code == 422
    assert "Thời gian họp" in by_id(refused, "held_at-error")
    assert by_id(refused, "chair-error") == "Bắt buộc."
    html = text(refused)
    assert 'value="sáng nay"' in html and 'value="Hội trường Sở Thông tin và Truyền thông"' in html
    assert 'value="Bà Phạm Thị Hai"' in html and 'aria-invalid="true"' in html
    assert row_counts() == before

    saved = client.post(MEETING, data=MEETING_FORM)
    assert saved.status_code == 303
    record = meeting.meeting(campaign())
    assert record["held_at"] == "2022-02-20T08:30:00"
    assert record["committee"] == ["Ông Lê Văn Một", "Bà Phạm Thị Hai", "Ông Võ Minh Ba"]
    page = client.get(MEETING)
    assert "Đã ghi thông tin cuộc họp bình xét." in main_text(page)
    assert 'value="20/02/2022 08:30"' in text(page)


def test_attendance_recorded_with_field_errors_then_frozen(voting_day):
    client = page_client(voting_day, LEADER)
    page = client.get(MEETING)
    data = attendance_form(page, **{"present-5": None, "representative-0": "",
                                    "title-3": ""})
    before = row_counts()
    refused = client.post(MEETING, data=data)
    assert refused.status_code == 422
    assert "Ghi họ tên người dự họp" in by_id(refused, "representative-0-error")
    assert "Người được ủy quyền" in by_id(refused, "title-3-error")
    assert "Danh sách đơn vị có mặt chưa hợp lệ." in by_id(refused, "attendance-errors")
    html = text(refused)
    assert 'name="present-5" value="1" id="present-5">' in html  # the untick is kept
    assert row_counts() == before

    data = attendance_form(page, **{"present-5": None, "title-3": "Người được ủy quyền",
                                    "representative-3": "Bà Đỗ Thị Thay"})
    saved = client.post(MEETING, data=data)
    assert saved.status_code == 303
    assert len(meeting.present_units(campaign())) == 7
    page = client.get(MEETING)
    assert "Đã ghi danh sách đơn vị có mặt: 7/8 đơn vị." in main_text(page)
    assert 'value="Bà Đỗ Thị Thay"' in text(page)
    assert by_id(client.get(POLLS), "council-attendance") == "7/8 đơn vị"

    open_poll()
    page = client.get(MEETING)
    assert "danh sách đã được chốt" in by_id(page, "attendance-state")
    assert "Lưu danh sách có mặt" not in text(page)
    frozen = client.post(MEETING, data=data)
    assert frozen.status_code == 409
    assert "đã được chốt" in by_id(frozen, "attendance-errors")


def test_the_meeting_forms_need_the_csrf_token(csrf_app):
    vote_day(csrf_app)
    client = csrf_app.test_client()
    client.post("/login", data={"csrf_token": csrf_token(client, "/login"), "username": LEADER,
                                "password": "ThiDua@2021"})
    before = counts(csrf_app)
    assert client.post(MEETING, data=MEETING_FORM).status_code == 400
    assert counts(csrf_app) == before
    token = csrf_token(client, MEETING)
    assert client.post(MEETING, data={**MEETING_FORM, "csrf_token": token}).status_code == 303


def test_paper_count_refused_then_stored_and_shown_on_the_results(voting_day):
    client = page_client(voting_day, LEADER)
    client.post(MEETING, data=attendance_form(client.get(MEETING), **{"present-5": None}))
    printed = client.get(f"{POLLS}/{FLAG}/paper-ballots.pdf")
    assert printed.status_code == 200 and printed.mimetype == "application/pdf"
    open_poll()
    listing = client.get(POLLS)
    assert f'href="{POLLS}/{FLAG}/paper-count"' in text(listing)
    form = client.get(f"{POLLS}/{FLAG}/paper-count")
    assert form.status_code == 200 and by_id(form, "present-count").startswith(
        "Đơn vị có mặt: 7")
    bad = {"issued": "8", "returned": "7", "valid": "5", "invalid": "1", "blank": "",
           "votes-so-vhttdl": "9"}
    before = row_counts()
    refused = client.post(f"{POLLS}/{FLAG}/paper-count", data=bad)
    assert refused.status_code == 422
    assert "Nhiều hơn số đơn vị có mặt (7)" in by_id(refused, "issued-error")
    assert "phải bằng số phiếu thu về (7)" in by_id(refused, "invalid-error")
    assert "Nhiều hơn số phiếu hợp lệ có chọn (5)" in by_id(refused, "votes.so-vhttdl-error")
    assert 'value="9"' in text(refused) and 'value="8"' in text(refused)
    assert row_counts() == before and poll().status == "open"

    good = {"issued": "7", "returned": "7", "valid": "7", "invalid": "0", "blank": "0",
            "votes-so-vhttdl": "5", "votes-so-gddt": "2"}
    done = client.post(f"{POLLS}/{FLAG}/paper-count", data=good)
    assert done.status_code == 303 and done.headers["Location"].endswith(
        f"{POLLS}/{FLAG}/results")
    results = client.get(f"{POLLS}/{FLAG}/results")
    assert "Bỏ phiếu bằng phiếu giấy" in by_id(results, "paper-note")
    assert by_id(results, "paper-issued") == "7"
    assert by_id(results, "count-voted") == "7"
    assert "Sở Văn hóa, Thể thao và Du lịch" in by_id(results, "elected")
    assert poll().status == "closed"
    assert [e.action for e in db.session.query(AuditEvent).order_by(AuditEvent.id)
            if e.action.startswith("poll.")] == ["poll.open", "poll.close"]


def test_a_heads_home_says_vote_while_a_poll_waits_for_the_unit(voting_day):
    head = page_client(voting_day, HEAD)
    assert "ballots-waiting" not in text(head.get("/"))
    open_poll()
    home = head.get("/")
    assert FLAG_TITLE in by_id(home, "ballots-waiting")
    assert f'href="{POLLS}/{FLAG}/ballot"' in text(home)
    officer = page_client(voting_day, OFFICER)  # the unit's officer does not vote
    assert "ballots-waiting" not in text(officer.get("/"))
    cast("so-yte", ["so-vhttdl"])
    assert "ballots-waiting" not in text(head.get("/"))
    other = page_client(voting_day, HEADS["so-gddt"])
    assert FLAG_TITLE in by_id(other.get("/"), "ballots-waiting")
