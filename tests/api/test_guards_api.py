"""The API's guards (issue 13): locking verification and closing a step with gaps answer 409
``checklist_not_met`` with the same checklist the pages show, unless the body has
``force: true`` with a reason (audited); ``GET …/checklists/<step>`` shows it beforehand."""

from __future__ import annotations

from sqlalchemy import select

from core.extensions import db
from core.models import AuditEvent
from core.services import deadlines, guards
from tests.support.cycle import Api, at
from tests.support.cycle_pages import campaign
from tests.support.guards import FORCE


def test_lock_with_gaps_answers_the_checklist_then_is_forced_with_a_reason(app, client, demo):
    at(app, 2022, 2, 5, 9, 0)
    leader = Api(client, "tttt.canbo")
    refused = leader.post("/verification/lock")
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "checklist_not_met"
    expected = guards.verification_checklist(campaign()).to_dict()
    assert error["checklist"] == expected
    assert [g["code"] for g in error["checklist"]["gaps"]] == [
        "units_not_verified", "reports_missing", "board_lines_unscored",
        "registrations_missing"]
    assert error["checklist"]["gaps"][0]["count"] == 8
    assert error["checklist"]["confirmation"].startswith(
        "Tôi xác nhận khóa thẩm định khi còn 8 đơn vị chưa thẩm định: ")
    assert leader.get("/checklists/verification").get_json() == expected

    no_reason = leader.post("/verification/lock", json={"force": True})
    assert no_reason.status_code == 422
    assert "reason" in no_reason.get_json()["error"]["fields"]
    not_bool = leader.post("/verification/lock", json={"force": "true", "reason": "x"})
    assert not_bool.status_code == 422 and "force" in not_bool.get_json()["error"]["fields"]
    assert deadlines.VERIFICATION not in deadlines.closing_records(campaign())

    assert leader.post("/verification/lock", json=FORCE).status_code == 200
    db.session.expire_all()
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "guard.override.verification"))
    assert event.details["reason"] == FORCE["reason"]
    assert event.details["digest"] == expected["digest"]


def test_close_step_with_gaps_and_the_checklists_endpoint(app, client, demo):
    at(app, 2021, 6, 10, 9, 0)
    leader, member = Api(client, "tttt.canbo"), Api(client, "yte.canbo")
    listed = leader.get("/checklists/registration")
    assert listed.status_code == 200
    body = listed.get_json()
    assert body["step"] == "registration" and body["gaps"][0]["code"] == \
        "registrations_missing" and body["gaps"][0]["count"] == 8
    assert member.get("/checklists/registration").status_code == 403
    assert leader.get("/checklists/mid_year_report").status_code == 404
    vote = leader.get("/checklists/vote").get_json()
    assert vote["gaps"][0]["code"] == "verification_not_locked"

    assert member.post("/steps/registration/close", json=FORCE).status_code == 403
    refused = leader.post("/steps/registration/close")
    assert refused.status_code == 409
    assert refused.get_json()["error"]["checklist"]["step"] == "registration"
    assert leader.post("/steps/registration/close", json=FORCE).status_code == 200
    db.session.expire_all()
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "guard.override.registration")) is not None
