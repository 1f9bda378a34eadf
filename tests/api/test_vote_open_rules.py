"""Opening a poll whose candidates are the best units by verified total (issue 10): only
once verification is locked, so the candidate list cannot change under the voters. And the
guard of every award poll (issue 13): the checklist of GET …/checklists/vote, 409 with it
unless the host goes ahead with ``force`` and a reason (audited); elections are not held back;
a verified year opens without any confirmation."""

from __future__ import annotations

from sqlalchemy import select

from core.extensions import db
from core.models import AuditEvent
from core.voting import CouncilVote, PollDefinition
from tests.support import row_counts
from tests.support.cycle import Api, at
from tests.support.guards import FORCE
from tests.support.plugins import Khoi8NextYear

BASE = "/api/v1/campaigns/khoi-8/2022"
YEAR_2021 = "/api/v1/campaigns/khoi-8/2021"


def best_two() -> CouncilVote:
    """A flag poll offering the two best units by verified total, and one open to all."""
    return CouncilVote(poll_definitions=(
        PollDefinition("co-thi-dua", "Cờ thi đua", candidates="top:2"),
        PollDefinition("bang-khen", "Bằng khen", seats=2)))


def test_a_top_k_poll_opens_only_after_verification_is_locked(app, client, demo):
    app.extensions["thidua"].register(Khoi8NextYear(voting=best_two), "best_two")
    admin = Api(client, "admin")
    assert client.post("/api/v1/campaigns", headers=admin.headers, json={
        "bloc": "khoi-8", "year": 2022, "members": []}).status_code == 201
    leader = Api(client, "tttt.canbo")
    at(app, 2022, 2, 16, 9, 0)  # the vote phase; verification not locked
    refused = client.post(f"{BASE}/polls/co-thi-dua/open", headers=leader.headers, json=FORCE)
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "verification_not_locked"
    # A poll open to every member is not held back.
    assert client.post(f"{BASE}/polls/bang-khen/open", headers=leader.headers, json=FORCE
                       ).status_code == 200
    at(app, 2022, 2, 10, 9, 0)
    assert client.post(f"{BASE}/verification/lock", headers=leader.headers, json=FORCE).status_code == 200
    at(app, 2022, 2, 16, 9, 0)
    opened = client.post(f"{BASE}/polls/co-thi-dua/open", headers=leader.headers, json=FORCE)
    assert opened.status_code == 200, opened.get_json()


def overrides() -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "guard.override.vote").order_by(AuditEvent.id)))


def test_an_award_poll_on_an_unverified_year_opens_only_past_its_checklist(app, client, demo):
    at(app, 2022, 2, 20, 9, 0)  # the vote phase of the demo's 2021: nothing verified
    leader = Api(client, "tttt.canbo")
    checklist = client.get(f"{YEAR_2021}/checklists/vote", headers=leader.headers).get_json()
    assert [g["code"] for g in checklist["gaps"]] == ["verification_not_locked",
                                                      "units_without_points"]
    assert checklist["gaps"][1]["count"] == 8 and not checklist["met"]

    before = row_counts()
    refused = client.post(f"{YEAR_2021}/polls/co-thi-dua/open", headers=leader.headers)
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "checklist_not_met"
    assert error["checklist"]["digest"] == checklist["digest"]
    no_reason = client.post(f"{YEAR_2021}/polls/co-thi-dua/open", headers=leader.headers,
                            json={"force": True, "reason": "  "})
    assert no_reason.status_code == 422
    assert "reason" in no_reason.get_json()["error"]["fields"]
    not_boolean = client.post(f"{YEAR_2021}/polls/co-thi-dua/open", headers=leader.headers,
                              json={"force": "yes", "reason": "Hội nghị thống nhất"})
    assert not_boolean.status_code in (400, 422)
    assert row_counts() == before and overrides() == []

    # Electing next year's Khối trưởng does not depend on the scores: no checklist.
    assert client.post(f"{YEAR_2021}/polls/khoi-truong/open", headers=leader.headers
                       ).status_code == 200
    assert overrides() == []

    opened = client.post(f"{YEAR_2021}/polls/co-thi-dua/open", headers=leader.headers,
                         json={"force": True, "reason": "Hội nghị Khối thống nhất bỏ phiếu"})
    assert opened.status_code == 200, opened.get_json()
    assert opened.get_json()["status"] == "open"
    [event] = overrides()
    assert event.details["reason"] == "Hội nghị Khối thống nhất bỏ phiếu"
    assert event.details["digest"] == checklist["digest"]
    assert [g["code"] for g in event.details["gaps"]] == ["verification_not_locked",
                                                          "units_without_points"]


def test_a_verified_year_opens_its_award_polls_without_a_confirmation(app, client, demo):
    from tests.support.year import play_year

    play_year(app, through="verification")  # every unit scored, verification locked
    at(app, 2022, 2, 20, 9, 0)
    leader = Api(client, "tttt.canbo")
    checklist = client.get(f"{YEAR_2021}/checklists/vote", headers=leader.headers).get_json()
    assert checklist["met"] and checklist["gaps"] == []
    opened = client.post(f"{YEAR_2021}/polls/co-thi-dua/open", headers=leader.headers)
    assert opened.status_code == 200, opened.get_json()
    assert overrides() == []
