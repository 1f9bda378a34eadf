"""The pages of the irreversible steps (issue 13): locking verification and closing a step
show the checklist of what is missing and need a confirmation that names the gaps, with a
reason (audited); a confirmation given for other gaps than the current ones is refused."""

from __future__ import annotations

from sqlalchemy import select

from core.extensions import db
from core.models import AuditEvent
from core.services import deadlines, scoring
from core.unit_of_work import unit_of_work
from tests.support import row_counts
from tests.support.cycle_pages import (
    UNIT,
    B,
    at,
    campaign,
    campaign_unit,
    page_client,
    submit_registration,
    text,
    user,
)
from tests.support.guards import confirmation, one_unit_reported
from tests.support.html import parse


def test_the_lock_shows_what_is_missing_and_needs_a_named_confirmation(demo):
    one_unit_reported(demo)
    leader = page_client(demo, "tttt.canbo")
    html = text(leader.get(f"{B}/verification"))
    box = parse(leader.get(f"{B}/verification")).find(id="lock-checklist")
    gaps = [li.text.strip() for li in box.iter() if li.tag == "li"]
    assert gaps[0].startswith("8 đơn vị chưa thẩm định: ")
    assert gaps[1].startswith("7 đơn vị chưa gửi báo cáo tổng kết: ")
    assert gaps[2] == "1 dòng điểm của Ban Thi đua – Khen thưởng tỉnh chưa chấm: T.1 (8 đơn vị)"
    assert gaps[3].startswith("7 đơn vị chưa gửi đăng ký thi đua: ")
    assert "Tôi xác nhận khóa thẩm định khi còn 8 đơn vị chưa thẩm định: " in html
    assert campaign_unit(UNIT).name in gaps[0]

    before = row_counts()
    unconfirmed = leader.post(f"{B}/verification/lock")
    assert unconfirmed.status_code == 409
    assert "Chưa thể khóa thẩm định vì còn thiếu: 8 đơn vị chưa thẩm định" in text(unconfirmed)
    no_reason = leader.post(f"{B}/verification/lock", data=confirmation(html, reason=""))
    assert no_reason.status_code == 422
    assert 'id="lock-reason-error"' in text(no_reason)
    assert row_counts() == before

    # A gap is closed after the page was shown: the old confirmation no longer counts.
    with unit_of_work():
        scoring.verify(campaign(), UNIT, [{"criterion": "1.1", "verified_score": 4,
                                           "reason": ""}], actor=user("tttt.canbo"))
    stale = leader.post(f"{B}/verification/lock", data=confirmation(html))
    assert stale.status_code == 409
    assert "Danh sách thiếu sót đã thay đổi" in text(stale)
    assert "7 đơn vị chưa thẩm định" in text(stale)
    assert deadlines.VERIFICATION not in deadlines.closing_records(campaign())

    html = text(leader.get(f"{B}/verification"))
    locked = leader.post(f"{B}/verification/lock",
                         data=confirmation(html, reason="Hết hạn thẩm định theo kế hoạch"))
    assert locked.status_code == 303
    assert deadlines.VERIFICATION in deadlines.closing_records(campaign())
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "guard.override.verification"))
    assert event.details["reason"] == "Hết hạn thẩm định theo kế hoạch"
    assert len(event.details["gaps"][0]["items"]) == 7


def test_closing_a_step_shows_its_checklist(demo):
    at(demo, 2021, 5, 3, 9, 0)
    with unit_of_work():
        submit_registration()
    at(demo, 2021, 6, 10, 9, 0)
    leader = page_client(demo, "tttt.canbo")
    html = text(leader.get(f"{B}/status"))
    assert "Tôi xác nhận đóng giai đoạn đăng ký thi đua khi còn 7 đơn vị chưa gửi đăng ký " \
           "thi đua: " in html
    assert leader.post(f"{B}/steps/registration/close").status_code == 409
    assert leader.post(f"{B}/steps/registration/close",
                       data=confirmation(html)).status_code == 303
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "guard.override.registration")) is not None
