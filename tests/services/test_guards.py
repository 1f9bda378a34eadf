"""Guards of the irreversible steps (issue 13): each step's checklist names what is missing;
the step is refused with the checklist unless forced with a reason, which is audited; a met
checklist lets the step go ahead with nothing to confirm."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.domain import Deliverable
from core.errors import ValidationFailed
from core.extensions import db
from core.models import AuditEvent
from core.services import closing, deadlines, guards, scoring
from core.unit_of_work import unit_of_work
from tests.support.cycle_pages import (
    UNIT,
    at,
    campaign,
    campaign_unit,
    submit_registration,
    user,
)
from tests.support.guards import one_unit_reported
from tests.support.year import OFFICERS


def test_the_verification_checklist_names_every_gap(demo):
    one_unit_reported(demo)
    found = guards.verification_checklist(campaign())
    gaps = {g.code: g for g in found.gaps}
    assert list(gaps) == ["units_not_verified", "reports_missing", "board_lines_unscored",
                          "registrations_missing"]
    name = campaign_unit(UNIT).name
    assert len(gaps["units_not_verified"].items) == 8
    assert len(gaps["reports_missing"].items) == 7 and name not in gaps["reports_missing"].items
    assert gaps["board_lines_unscored"].items == ("T.1 (8 đơn vị)",)
    assert len(gaps["registrations_missing"].items) == 7
    assert not found.met
    sentence = found.confirmation()
    assert sentence.startswith("Tôi xác nhận khóa thẩm định khi còn 8 đơn vị chưa thẩm định: ")
    assert "1 dòng điểm của Ban Thi đua – Khen thưởng tỉnh chưa chấm: T.1 (8 đơn vị)" in sentence
    body = found.to_dict()
    assert body["step"] == "verification" and body["met"] is False
    assert [g["count"] for g in body["gaps"]] == [8, 7, 1, 7]


def test_a_gap_closed_leaves_the_checklist_and_changes_its_digest(demo):
    one_unit_reported(demo)
    before = guards.verification_checklist(campaign())
    with unit_of_work():
        scoring.verify(campaign(), UNIT, [{"criterion": "1.1", "verified_score": 4,
                                           "reason": ""}], actor=user("tttt.canbo"))
    after = guards.verification_checklist(campaign())
    not_verified = next(g for g in after.gaps if g.code == "units_not_verified")
    assert campaign_unit(UNIT).name not in not_verified.items and len(not_verified.items) == 7
    assert before.digest != after.digest


def test_locking_with_gaps_is_refused_then_forced_with_a_reason_and_audited(demo):
    one_unit_reported(demo)
    leader = user("tttt.canbo")
    with pytest.raises(guards.ChecklistNotMet) as refused:
        closing.lock_verification(campaign(), actor=leader)
    assert refused.value.status == 409
    body = refused.value.to_dict()["error"]
    assert body["code"] == "checklist_not_met"
    assert body["checklist"]["gaps"][0]["code"] == "units_not_verified"
    assert "Chưa thể khóa thẩm định vì còn thiếu: 8 đơn vị chưa thẩm định" in body["message"]
    with pytest.raises(ValidationFailed) as no_reason:
        closing.lock_verification(campaign(), actor=leader, force=True, reason="  ")
    assert "reason" in no_reason.value.fields
    with pytest.raises(ValidationFailed):
        closing.lock_verification(campaign(), actor=leader, force="yes", reason="x")
    db.session.rollback()
    assert deadlines.VERIFICATION not in deadlines.closing_records(campaign())
    with unit_of_work():
        closing.lock_verification(campaign(), actor=leader, force=True,
                                  reason="Hội nghị Khối thống nhất khóa đúng hạn")
    assert deadlines.VERIFICATION in deadlines.closing_records(campaign())
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "guard.override.verification"))
    assert event.actor == "tttt.canbo"
    assert event.details["reason"] == "Hội nghị Khối thống nhất khóa đúng hạn"
    assert [g["code"] for g in event.details["gaps"]][0] == "units_not_verified"
    assert len(event.details["gaps"][0]["items"]) == 8


def test_a_met_checklist_closes_without_confirmation(demo):
    at(demo, 2021, 5, 3, 9, 0)
    with unit_of_work():
        for unit, officer in OFFICERS.items():
            submit_registration(unit, officer)
    found = guards.registration_checklist(campaign())
    assert found.met and found.to_dict()["confirmation"] is None
    with unit_of_work():
        closing.close_step(campaign(), Deliverable.REGISTRATION, actor=user("tttt.canbo"))
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.action.like("guard.override.%"))) is None


def test_the_year_end_and_polls_checklists(demo):
    one_unit_reported(demo)
    year_end = guards.year_end_checklist(campaign())
    assert [(g.code, len(g.items)) for g in year_end.gaps] == [("reports_missing", 7)]
    assert guards.checklist_for(campaign(), "mid_year_report") is None
    polls = guards.polls_checklist(campaign())
    assert [g.code for g in polls.gaps] == ["verification_not_locked", "units_without_points"]
    zero = polls.gaps[1]
    # Only the unit that scored itself has points (its self scores count until verified).
    assert len(zero.items) == 7 and campaign_unit(UNIT).name not in zero.items
    assert polls.confirmation().startswith("Tôi xác nhận mở bỏ phiếu khi còn kết quả thẩm "
                                           "định chưa khóa; 7 đơn vị có tổng điểm thẩm định "
                                           "bằng 0: ")
