"""The registration page: drafts, submission, "không áp dụng", the leader's return, a stale form,
and bad input shown in Vietnamese with nothing changed and nothing the user typed lost."""

from __future__ import annotations

from core.extensions import db
from core.services import registration
from tests.support import row_counts
from tests.support.cycle_pages import (
    OFFICER,
    UNIT,
    B,
    at,
    campaign,
    campaign_unit,
    full_targets,
    item_codes,
    page_client,
    registration_form,
    submit_registration,
    text,
    version_in,
)

PAGE = f"{B}/registrations/{UNIT}"


def stored():
    db.session.expire_all()
    return registration.get(campaign(), campaign_unit(UNIT))


def test_officer_saves_a_draft_then_submits(demo):
    at(demo, 2021, 5, 3, 9, 0)
    client = page_client(demo, OFFICER)
    page = text(client.get(PAGE))
    assert "Chưa đăng ký" in page and "Lưu nháp" in page and "Gửi đăng ký" in page
    assert page.count('name="items-') >= 22 * 3  # target, not applicable, reason per item
    assert "15/05/2021" in page

    response = client.post(PAGE, data=registration_form(
        {0: "Ban hành 3 văn bản quy phạm pháp luật"}, version=version_in(page)))
    assert response.status_code == 303
    reg = stored()
    assert reg.status == "draft"
    saved = {i.criterion.code: i.target for i in reg.items}
    assert saved["1.1"] == "Ban hành 3 văn bản quy phạm pháp luật"
    page = text(client.get(PAGE))
    assert "Đã lưu nháp bản đăng ký." in page and "Nháp" in page
    assert "Ban hành 3 văn bản quy phạm pháp luật" in page

    count = len(item_codes())
    response = client.post(PAGE, data=registration_form(
        full_targets(count - 1), action="submit", not_applicable={count - 1: "Không thuộc"},
        version=version_in(page)))
    assert response.status_code == 303
    reg = stored()
    assert reg.status == "submitted" and reg.late is False and reg.submitted_at is not None
    na = [i for i in reg.items if i.not_applicable]
    assert [(i.criterion.code, i.na_reason) for i in na] == [(item_codes()[-1], "Không thuộc")]
    page = text(client.get(PAGE))
    assert "Đã gửi bản đăng ký thi đua." in page
    assert "<textarea" not in page and "Gửi đăng ký</button>" not in page  # read-only
    assert "Không thuộc" in page


def test_submitting_an_incomplete_registration_keeps_what_was_typed(demo):
    at(demo, 2021, 5, 3, 9, 0)
    client = page_client(demo, OFFICER)
    before = row_counts()
    response = client.post(PAGE, data=registration_form(
        {0: "Chỉ tiêu đã gõ <b>một</b>", 1: "Chỉ tiêu thứ hai"}, action="submit"))
    assert response.status_code == 422
    page = text(response)
    assert "Chưa nhập chỉ tiêu cho mọi tiêu chí" in page
    assert "Thiếu tiêu chí: 1.3" in page
    assert "Chỉ tiêu đã gõ &lt;b&gt;một&lt;/b&gt;" in page  # kept, and escaped
    assert "Chỉ tiêu thứ hai" in page
    assert row_counts() == before


def test_not_applicable_needs_a_reason_next_to_the_field(demo):
    at(demo, 2021, 5, 3, 9, 0)
    client = page_client(demo, OFFICER)
    before = row_counts()
    data = registration_form({0: "Một chỉ tiêu"})
    data["items-4-not_applicable"] = "y"
    response = client.post(PAGE, data=data)
    assert response.status_code == 422
    page = text(response)
    assert 'id="items-4-reason-error"' in page
    assert "Tiêu chí 1.5: cần nêu lý do “không áp dụng”." in page
    assert 'id="items-4-not_applicable" name="items-4-not_applicable" value="y" checked' in page
    assert "Một chỉ tiêu" in page
    assert row_counts() == before


def test_a_stale_form_is_refused_with_409(demo):
    """The officer loads the form; the head saves in between; the officer's old form is
    refused, nothing is overwritten, and the officer's text is still on the page."""
    at(demo, 2021, 5, 3, 9, 0)
    officer = page_client(demo, OFFICER)
    first = officer.post(PAGE, data=registration_form({0: "Bản đầu"}))
    assert first.status_code == 303
    loaded = version_in(text(officer.get(PAGE)))

    head = page_client(demo, "vhttdl.thutruong")
    other = head.post(PAGE, data=registration_form(
        {0: "Bản của thủ trưởng"}, version=version_in(text(head.get(PAGE)))))
    assert other.status_code == 303

    before = row_counts()
    count = len(item_codes())
    response = officer.post(PAGE, data=registration_form(
        {**full_targets(count - 1), 0: "Bản cán bộ gõ sau"}, action="submit",
        not_applicable={count - 1: "Không thuộc"}, version=loaded))
    assert response.status_code == 409
    page = text(response)
    assert "Dữ liệu đã được người khác cập nhật sau khi bạn mở biểu mẫu" in page
    assert "Bản cán bộ gõ sau" in page
    assert row_counts() == before
    reg = stored()
    assert reg.status == "draft"
    assert {i.criterion.code: i.target for i in reg.items}["1.1"] == "Bản của thủ trưởng"


def test_another_unit_cannot_write(demo):
    at(demo, 2021, 5, 3, 9, 0)
    client = page_client(demo, "yte.canbo")
    page = text(client.get(PAGE))
    assert "chỉ đọc" in page and "<textarea" not in page
    before = row_counts()
    response = client.post(PAGE, data=registration_form({0: "Ghi đè"}))
    assert response.status_code == 403
    assert "Chỉ cán bộ của đơn vị được đăng ký thi đua cho đơn vị mình." in text(response)
    assert row_counts() == before


def test_late_registration_is_accepted_and_marked(demo):
    at(demo, 2021, 5, 20, 9, 0)  # after 15/05/2021; the phase accepts late, marked
    client = page_client(demo, OFFICER)
    page = text(client.get(PAGE))
    assert "bản gửi bây giờ được nhận và ghi là gửi trễ hạn" in page
    count = len(item_codes())
    response = client.post(PAGE, data=registration_form(
        full_targets(count), action="submit"))
    assert response.status_code == 303
    assert stored().late is True
    assert "Gửi trễ hạn" in text(client.get(PAGE))


def test_leader_returns_a_registration_with_a_reason(demo):
    at(demo, 2021, 5, 3, 9, 0)
    submit_registration()
    leader = page_client(demo, "tttt.canbo")
    page = text(leader.get(PAGE))
    assert "Trả lại để chỉnh sửa" in page

    before = row_counts()
    response = leader.post(f"{PAGE}/return", data={"reason": "   "})
    assert response.status_code == 422
    assert "Cần nêu lý do trả lại." in text(response)
    assert row_counts() == before
    assert stored().status == "submitted"

    response = leader.post(f"{PAGE}/return", data={"reason": "Chỉ tiêu 1.2 chưa định lượng"})
    assert response.status_code == 303
    assert stored().status == "returned"

    officer = page_client(demo, OFFICER)
    page = text(officer.get(PAGE))
    assert "Bị trả lại" in page and "Chỉ tiêu 1.2 chưa định lượng" in page
    assert "<textarea" in page  # editable again


def test_only_the_leader_returns(demo):
    at(demo, 2021, 5, 3, 9, 0)
    submit_registration()
    deputy = page_client(demo, "ldtbxh.canbo")
    assert "Trả lại để chỉnh sửa" not in text(deputy.get(PAGE))
    before = row_counts()
    response = deputy.post(f"{PAGE}/return", data={"reason": "Thử"})
    assert response.status_code == 403
    assert row_counts() == before


def test_submitted_registration_cannot_be_posted_again(demo):
    at(demo, 2021, 5, 3, 9, 0)
    submit_registration()
    client = page_client(demo, OFFICER)
    before = row_counts()
    response = client.post(PAGE, data=registration_form({0: "Sửa sau khi gửi"}))
    assert response.status_code == 409
    assert "Bản đăng ký đã gửi; không sửa được." in text(response)
    assert row_counts() == before


def test_registrations_list_for_members_and_board(demo):
    at(demo, 2021, 5, 3, 9, 0)
    submit_registration()
    for username in ("yte.canbo", "bantdkt"):
        page = text(page_client(demo, username).get(f"{B}/registrations"))
        assert "Sở Văn hóa, Thể thao và Du lịch" in page and "Đã gửi" in page
        assert f'href="{PAGE}"' in page
        assert "Đã gửi: 1." in page


def test_home_shows_what_is_due(demo):
    at(demo, 2021, 5, 3, 9, 0)
    client = page_client(demo, OFFICER)
    home = text(client.get("/"))
    assert "Việc cần làm" in home
    assert f'href="{PAGE}"' in home and "Hạn cuối 15/05/2021" in home and "Còn 12 ngày" in home
    submit_registration()
    home = text(client.get("/"))
    assert f'href="{PAGE}"' not in home  # delivered: no longer due
    assert f'href="{B}/reports/{UNIT}/mid_year"' in home
    board = text(page_client(demo, "bantdkt").get("/"))
    assert f'href="{B}/status"' in board
