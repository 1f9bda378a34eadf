"""Where the year stands, tried from the outside (the API) in the states a real bloc reaches:
late registrations, a step closed by its host, an extension after the results were locked,
a plan whose host for a step is not the usual one.

Each test here failed on the first version (the defects of issue 9)."""

from __future__ import annotations

from dataclasses import replace

from plugins import khoi8
from tests.support.cycle import Api, at, full_registration, item_codes
from tests.support.guards import FORCE
from tests.support.plugins import Khoi8NextYear
from tests.support.voting import HEADS
from tests.support.year import play_year

OFFICERS = {unit: user.replace("thutruong", "canbo") for unit, user in HEADS.items()}


def _register(client, units) -> list[str]:
    codes = None
    for unit in units:
        api = Api(client, OFFICERS[unit])
        codes = codes or item_codes(client, api.headers)
        response = api.put(f"/registrations/{unit}",
                           json={"items": full_registration(codes), "submit": True})
        assert response.status_code == 200, response.get_json()
    return codes


def _summary(client, leader: Api) -> dict:
    listing = leader.get("/documents").get_json()
    return next(d for d in listing if d["name"] == "tong-hop-dang-ky")


def test_registration_summary_stays_a_draft_while_late_registrations_are_accepted(
        app, client, demo):
    units = list(OFFICERS)
    at(app, 2021, 5, 3, 9, 0)
    _register(client, units[:6])
    leader = Api(client, "tttt.canbo")
    at(app, 2021, 6, 10, 9, 0)  # after the due date (15/5): late work is still accepted
    assert _summary(client, leader)["final"] is False
    pdf = leader.get("/documents/tong-hop-dang-ky.pdf")
    assert pdf.headers["X-Document-Status"] == "draft"
    late = Api(client, OFFICERS[units[6]])
    codes = item_codes(client, late.headers)
    response = late.put(f"/registrations/{units[6]}",
                        json={"items": full_registration(codes), "submit": True})
    assert response.status_code == 200 and response.get_json()["late"] is True
    assert _summary(client, leader)["final"] is False

    # The host closes registration by an act: now the summary is final and nothing more
    # is taken, extension or not.
    member = Api(client, OFFICERS[units[1]])
    assert member.post("/steps/registration/close").status_code == 403
    closed = leader.post("/steps/registration/close", json=FORCE)
    assert closed.status_code == 200, closed.get_json()
    assert leader.post("/steps/registration/close", json=FORCE).status_code == 409
    # Closing settles the step; the summary stays a draft until the host issues it.
    assert _summary(client, leader)["settled"] is True
    assert _summary(client, leader)["final"] is False
    assert leader.get("/documents/tong-hop-dang-ky.pdf").headers["X-Document-Status"] == "draft"
    assert leader.post("/documents/tong-hop-dang-ky/issue").status_code == 201
    assert leader.get("/documents/tong-hop-dang-ky.pdf").headers["X-Document-Status"] == "final"
    last = Api(client, OFFICERS[units[7]])
    refused = last.put(f"/registrations/{units[7]}",
                       json={"items": full_registration(codes), "submit": True})
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "phase_closed"
    extension = leader.post("/deadlines", json={
        "phase": "dang-ky", "due": "2021-06-30", "unit": units[7],
        "reason": "Đơn vị xin đăng ký muộn"})
    assert extension.status_code == 409
    assert extension.get_json()["error"]["code"] == "phase_settled"
    timeline = leader.get("/timeline").get_json()
    states = {s["deliverable"]: s["state"] for s in timeline["steps"] if s["deliverable"]}
    assert states["registration"] == "closed_by_host"
    assert states["mid_year_report"] == "open"


def test_extension_never_reopens_self_scores_after_verification_is_locked(app, client, demo):
    leader = Api(client, "tttt.canbo")
    at(app, 2021, 5, 3, 9, 0)
    _register(client, ["so-vhttdl"])
    # An extension granted before the lock, for one unit, into March.
    at(app, 2022, 1, 25, 9, 0)
    granted = leader.post("/deadlines", json={
        "phase": "bao-cao-tong-ket", "due": "2022-03-31", "unit": "so-vhttdl",
        "reason": "Đơn vị thay đổi lãnh đạo"})
    assert granted.status_code == 201, granted.get_json()
    at(app, 2022, 2, 5, 9, 0)
    officer = Api(client, "vhttdl.canbo")
    codes = item_codes(client, officer.headers)
    score = {"items": [{"criterion": codes[0], "self_score": 1, "evidence": "Báo cáo số 1"}]}
    assert officer.put("/scores/so-vhttdl", json=score).status_code == 200  # extended: open
    assert leader.post("/verification/lock", json=FORCE).status_code == 200
    refused = officer.put("/scores/so-vhttdl", json=score)
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "phase_closed"
    again = leader.post("/deadlines", json={
        "phase": "bao-cao-tong-ket", "due": "2022-04-30", "unit": "so-vhttdl",
        "reason": "Xin gia hạn thêm"})
    assert again.status_code == 409
    steps = {s["deliverable"]: s["state"]
             for s in leader.get("/timeline?unit=so-vhttdl").get_json()["steps"]
             if s["deliverable"]}
    assert steps["year_end_report"] == "final"
    assert steps["verification"] == "closed_by_host"


def test_published_vote_settles_the_whole_year(app, client, demo):
    play_year(app, client)
    leader = Api(client, "tttt.canbo")
    states = {s["deliverable"]: s["state"] for s in leader.get("/timeline").get_json()["steps"]
              if s["deliverable"]}
    assert set(states.values()) == {"final"}
    listing = leader.get("/documents").get_json()
    assert all(d["settled"] for d in listing), [d["name"] for d in listing if not d["settled"]]


def deputy_verifies() -> list:
    """Khối 8's calendar in which the deputy, not the leader, hosts verification."""
    return [replace(p, host="deputy") if p.deliverable == "verification" else p
            for p in khoi8.calendar_2021()]


def test_the_plans_host_decides_who_verifies(app, client, demo):
    app.extensions["thidua"].register(Khoi8NextYear(calendar=deputy_verifies),
                                      "deputy_verifies")
    admin = Api(client, "admin")
    opened = client.post("/api/v1/campaigns", headers=admin.headers,
                         json={"bloc": "khoi-8", "year": 2022, "members": []})
    assert opened.status_code == 201, opened.get_json()
    base = "/api/v1/campaigns/khoi-8/2022"
    leader, deputy = Api(client, "tttt.canbo"), Api(client, "ldtbxh.canbo")
    at(app, 2022, 2, 5, 9, 0)
    refused = client.post(f"{base}/verification/lock", headers=leader.headers)
    assert refused.status_code == 403
    assert "Khối phó" in refused.get_json()["error"]["message"]
    line = {"items": [{"criterion": "1.1", "verified_score": 0, "reason": "Không có minh chứng"}]}
    assert client.put(f"{base}/scores/so-gddt", headers=leader.headers,
                      json=line).status_code == 403
    assert client.put(f"{base}/scores/so-gddt", headers=deputy.headers,
                      json=line).status_code == 200
    assert client.post(f"{base}/verification/lock", headers=deputy.headers,
                       json=FORCE).status_code == 200
    # The default plan (2021) is unchanged: there the leader hosts verification.
    assert leader.post("/verification/lock", json=FORCE).status_code == 200
