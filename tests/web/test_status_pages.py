"""The status grid (units × deliverables), the deputy's closing of the mid-year review, the
leader's deadline extension, and a constant number of queries for 8 and 40 units."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from core.extensions import db
from core.models import (
    DeadlineExtension,
)
from core.services import deadlines
from core.web.cycle import iso_date
from tests.support import counting, login, row_counts
from tests.support.bulk import build
from tests.support.cycle_pages import (
    OFFICER,
    B,
    at,
    campaign,
    page_client,
    submit_registration,
    text,
)
from tests.support.guards import confirmation

STATUS = f"{B}/status"


def test_grid_shows_each_unit_and_the_counts(demo):
    at(demo, 2021, 5, 3, 9, 0)
    submit_registration()
    at(demo, 2021, 5, 20, 9, 0)  # after the registration deadline
    page = text(page_client(demo, "ldtbxh.canbo").get(STATUS))
    row = page[page.index("Sở Văn hóa, Thể thao và Du lịch"):]
    row = row[:row.index("</tr>")]
    assert "Đã gửi" in row and f'href="{B}/registrations/so-vhttdl"' in row
    other = page[page.index("Sở Y tế"):]
    other = other[:other.index("</tr>")]
    assert "Quá hạn" in other  # nothing sent, deadline passed
    assert '<td data-label="Đăng ký" id="count-registration">1/8</td>' in page
    assert 'id="count-mid_year_report">0/8<' in page
    assert "hạn 15/05/2021" in page and "hạn 14/06/2021" in page


def test_deputy_closes_the_mid_year_review(demo):
    at(demo, 2021, 7, 20, 16, 0)
    deputy = page_client(demo, "ldtbxh.canbo")
    page = text(deputy.get(STATUS))
    assert "Kết thúc sơ kết</button>" in page and 'placeholder="dd/mm/yyyy"' in page

    before = row_counts()
    response = deputy.post(f"{B}/mid-year-review/close", data={
        "date": "32/13/2021", "place": "", "conclusions": "Kết luận đã gõ"})
    assert response.status_code == 422
    page = text(response)
    assert "Ngày không hợp lệ; nhập theo dạng ngày/tháng/năm" in page
    assert 'id="place-error"' in page and "Địa điểm: bắt buộc." in page
    assert 'value="32/13/2021"' in page and "Kết luận đã gõ" in page
    assert row_counts() == before

    response = deputy.post(f"{B}/mid-year-review/close", data={
        "date": "20/07/2021", "place": "Hội trường Sở LĐ-TB&XH",
        "conclusions": "Các đơn vị thực hiện tốt giao ước."})
    assert response.status_code == 303
    record = deadlines.closing_records(campaign())[deadlines.MID_YEAR_REVIEW]
    assert record.details == {"date": "2021-07-20", "place": "Hội trường Sở LĐ-TB&XH",
                              "conclusions": "Các đơn vị thực hiện tốt giao ước."}
    page = text(deputy.get(STATUS))
    assert "Đã kết thúc sơ kết" in page and "20/07/2021" in page
    assert "Kết thúc sơ kết</button>" not in page

    before = row_counts()
    again = deputy.post(f"{B}/mid-year-review/close", data={
        "date": "21/07/2021", "place": "X", "conclusions": "Y"})
    assert again.status_code == 409 and "Giai đoạn này đã được đóng." in text(again)
    assert row_counts() == before


def test_only_the_deputy_closes_the_review(demo):
    at(demo, 2021, 7, 20, 16, 0)
    leader = page_client(demo, "tttt.canbo")
    assert "Kết thúc sơ kết</button>" not in text(leader.get(STATUS))
    officer = page_client(demo, OFFICER)
    before = row_counts()
    for client in (leader, officer):
        response = client.post(f"{B}/mid-year-review/close", data={
            "date": "20/07/2021", "place": "X", "conclusions": "Y"})
        assert response.status_code == 403
    assert row_counts() == before


def test_leader_extends_a_deadline_for_one_unit(demo):
    at(demo, 2021, 5, 3, 9, 0)
    leader = page_client(demo, "tttt.canbo")
    page = text(leader.get(STATUS))
    assert "Gia hạn</button>" in page and '<option value="so-yte">Sở Y tế</option>' in page

    before = row_counts()
    response = leader.post(f"{B}/deadlines", data={
        "phase": "dang-ky", "unit": "so-yte", "due": "10/05/2021", "reason": "Lý do đã gõ"})
    assert response.status_code == 422
    page = text(response)
    assert "Hạn mới phải sau hạn trong lịch." in page and "Phải sau ngày 15/05/2021." in page
    assert 'value="10/05/2021"' in page and "Lý do đã gõ" in page
    assert '<option selected value="so-yte">' in page or \
        '<option value="so-yte" selected>' in page
    bad = leader.post(f"{B}/deadlines", data={
        "phase": "dang-ky", "unit": "", "due": "mai", "reason": "x"})
    assert bad.status_code == 422 and "Ngày không hợp lệ" in text(bad)
    no_reason = leader.post(f"{B}/deadlines", data={
        "phase": "dang-ky", "unit": "", "due": "30/05/2021", "reason": ""})
    assert no_reason.status_code == 422 and "Cần nêu lý do gia hạn." in text(no_reason)
    assert row_counts() == before

    response = leader.post(f"{B}/deadlines", data={
        "phase": "dang-ky", "unit": "so-yte", "due": "30/05/2021",
        "reason": "Đơn vị đang kiện toàn bộ máy"})
    assert response.status_code == 303
    [ext] = db.session.scalars(select(DeadlineExtension)).all()
    assert (ext.phase_code, ext.due, ext.reason) == ("dang-ky", date(2021, 5, 30),
                                                      "Đơn vị đang kiện toàn bộ máy")
    page = text(leader.get(STATUS))
    assert "30/05/2021" in page and "Đơn vị đang kiện toàn bộ máy" in page

    # The unit sees its own later deadline.
    at(demo, 2021, 5, 20, 9, 0)
    unit_page = text(page_client(demo, "yte.canbo").get(f"{B}/registrations/so-yte"))
    assert "30/05/2021" in unit_page and "(đã được gia hạn)" in unit_page


def test_only_the_leader_extends(demo):
    at(demo, 2021, 5, 3, 9, 0)
    deputy = page_client(demo, "ldtbxh.canbo")
    assert "Gia hạn</button>" not in text(deputy.get(STATUS))
    before = row_counts()
    response = deputy.post(f"{B}/deadlines", data={
        "phase": "dang-ky", "unit": "", "due": "30/05/2021", "reason": "Thử"})
    assert response.status_code == 403
    assert row_counts() == before


@pytest.mark.parametrize(("typed", "iso"), [
    ("20/07/2021", "2021-07-20"), (" 1/2/2022 ", "2022-02-01"), ("2021-07-20", "2021-07-20"),
    ("31/02/2021", "31/02/2021"), ("", ""), (None, ""), ("hôm nay", "hôm nay")])
def test_dates_are_typed_day_first(typed, iso):
    assert iso_date(typed) == iso


# -- a constant number of queries whatever the number of units --------------------------------


PAGES = [STATUS, f"{B}/ranking", f"{B}/registrations", f"{B}/verification", B, "/"]


def queries_for(app, units: int) -> dict[str, int]:
    db.drop_all()
    db.create_all()
    build(units)
    client = app.test_client()
    assert login(client, "leader", "Song-Hau-mua-xuan-2021").status_code == 302
    counts = {}
    for path in PAGES:
        client.get(path)  # warm caches
        db.session.remove()
        with counting() as statements:
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        counts[path] = len(statements)
    db.session.remove()
    return counts


def test_constant_queries_8_vs_40_units(app):
    at(app, 2022, 2, 5, 9, 0)
    small = queries_for(app, 8)
    large = queries_for(app, 40)
    assert small == large, {"8 units": small, "40 units": large}


def test_leader_closes_registration_on_the_status_page(demo):
    """After the due date late registrations are still taken; the leader's act closes the
    step for everyone, the page says when, and the unit's form is gone."""
    at(demo, 2021, 5, 3, 9, 0)
    submit_registration()
    at(demo, 2021, 6, 10, 9, 0)
    member = page_client(demo, "yte.canbo")
    assert 'name="action"' in text(member.get(f"{B}/registrations/so-yte"))  # late: open
    deputy = page_client(demo, "ldtbxh.canbo")
    assert f"{B}/steps/registration/close" not in text(deputy.get(STATUS))
    before = row_counts()
    assert deputy.post(f"{B}/steps/registration/close").status_code == 403
    assert row_counts() == before
    leader = page_client(demo, "tttt.canbo")
    page = text(leader.get(STATUS))
    assert f"{B}/steps/registration/close" in page
    # The year-end step opens on 01/12: nothing to close yet, and the page says so.
    assert f"{B}/steps/year_end_report/close" not in page
    assert "Chưa mở (mở từ 01/12/2021)." in page
    closed = leader.post(f"{B}/steps/registration/close", data=confirmation(page))
    assert closed.status_code == 303
    page = text(leader.get(STATUS))
    assert "đã đóng lúc 09:00 10/06/2021" in page
    assert f"{B}/steps/registration/close" not in page
    again = leader.post(f"{B}/steps/registration/close")
    assert again.status_code == 409 and "Giai đoạn này đã được đóng." in text(again)
    form = text(member.get(f"{B}/registrations/so-yte"))
    assert "Giai đoạn “Đăng ký thi đua” đã được đóng" in form
    assert 'name="action"' not in form
