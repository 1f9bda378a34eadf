"""The council vote through the API: open, cast, refuse a second ballot, close, publish,
results that match the ballots, receipts each voter can find."""

import hashlib

import pytest

from core.extensions import db
from core.models import AuditEvent, OpenedBallot
from tests.support import row_counts
from tests.support.guards import FORCE
from tests.support.shares import api_close
from tests.support.voting import HEADS, Api, at


@pytest.fixture
def vote_day(app, client, demo):
    at(app, 2022, 2, 20, 9, 0)
    return Api(client, "tttt.canbo")


def test_full_vote(app, client, vote_day):
    leader = vote_day
    polls = leader.get("/polls").get_json()
    assert [p["code"] for p in polls] == ["co-thi-dua", "bang-khen", "khoi-truong", "khoi-pho"]
    assert all(p["status"] == "draft" for p in polls)
    for code in ("co-thi-dua", "bang-khen", "khoi-truong", "khoi-pho"):
        opened = leader.post(f"/polls/{code}/open", json=FORCE)
        assert opened.status_code == 200, opened.get_json()
        assert opened.get_json()["status"] == "open" and len(opened.get_json()["roster_hash"]) == 64

    plan = {  # unit -> ballots for each poll (7 of 8 heads vote; so-tuphap abstains)
        "co-thi-dua": {"so-tttt": ["so-vhttdl"], "so-ldtbxh": ["so-vhttdl"],
                       "so-vhttdl": ["so-vhttdl"], "so-gddt": ["so-vhttdl"],
                       "so-yte": ["so-vhttdl"], "so-khcn": ["so-gddt"], "so-noivu": ["so-gddt"]},
        "bang-khen": {"so-tttt": ["so-gddt", "so-yte"], "so-ldtbxh": ["so-gddt", "so-yte"],
                      "so-vhttdl": ["so-gddt", "so-yte"], "so-gddt": ["so-gddt", "so-khcn"],
                      "so-yte": ["so-yte", "so-khcn"], "so-khcn": ["so-gddt", "so-yte"],
                      "so-noivu": ["so-khcn"]},
        "khoi-truong": {u: ["so-ldtbxh"] for u in ["so-tttt", "so-ldtbxh", "so-vhttdl",
                                                   "so-gddt", "so-yte", "so-khcn", "so-noivu"]},
        "khoi-pho": {"so-tttt": ["so-gddt"], "so-ldtbxh": ["so-gddt"], "so-vhttdl": ["so-gddt"],
                     "so-gddt": ["so-gddt"], "so-yte": ["so-gddt"], "so-khcn": ["so-yte"],
                     "so-noivu": ["so-yte"]},
    }
    receipts = {}
    heads = {unit: Api(client, user) for unit, user in HEADS.items()}
    for code, ballots in plan.items():
        for unit, choices in ballots.items():
            response = heads[unit].post(f"/polls/{code}/ballots", json={"choices": choices})
            assert response.status_code == 201, (code, unit, response.get_json())
            receipts[(code, unit)] = response.get_json()["receipt"]

    before = row_counts()
    twice = heads["so-khcn"].post("/polls/co-thi-dua/ballots", json={"choices": ["so-khcn"]})
    assert twice.status_code == 409
    assert "đã bỏ phiếu" in twice.get_json()["error"]["message"]
    assert row_counts() == before

    # members cannot see results before publication; the leader can after close
    assert heads["so-yte"].get("/polls/co-thi-dua/result").status_code == 409
    # 7 of 8 voted: no close before the phase's last day (the host cannot close early)
    early = api_close(leader, "co-thi-dua")
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "poll_not_complete"
    at(app, 2022, 2, 28, 17, 0)
    for code in plan:
        assert api_close(leader, code).status_code == 200
    assert heads["so-yte"].get("/polls/co-thi-dua/result").status_code == 403
    for code in plan:
        assert leader.post(f"/polls/{code}/publish").status_code == 200

    flag = heads["so-yte"].get("/polls/co-thi-dua/result").get_json()
    assert flag["eligible"] == 8 and flag["voted"] == 7 and flag["valid"] == 7
    assert flag["quorum_met"] is True and flag["elected"] == ["so-vhttdl"]
    counts = {c["candidate"]: c for c in flag["counts"]}
    assert counts["so-vhttdl"]["votes"] == 5 and counts["so-vhttdl"]["share"] == 0.625
    assert counts["so-gddt"]["votes"] == 2 and counts["so-gddt"]["passed"] is False
    assert len(flag["roster_hash"]) == 64 and len(flag["audit_head"]) == 64
    assert flag["consistency"] == {"roll_marks": 7, "counted": 7, "receipts": 7,
                                   "cast_events": 7, "receipts_digest_ok": True, "ok": True}

    merit = leader.get("/polls/bang-khen/result").get_json()
    assert merit["elected"] == ["so-gddt", "so-yte"]
    assert {c["candidate"]: c["votes"] for c in merit["counts"]}["so-khcn"] == 3
    assert leader.get("/polls/khoi-truong/result").get_json()["elected"] == ["so-ldtbxh"]
    assert leader.get("/polls/khoi-pho/result").get_json()["elected"] == ["so-gddt"]

    published = leader.get("/polls/co-thi-dua/receipts").get_json()
    assert published == sorted(published) and len(published) == 7
    mine = hashlib.sha256(receipts[("co-thi-dua", "so-khcn")].encode()).hexdigest()
    assert mine in published
    digest = hashlib.sha256("\n".join(published).encode()).hexdigest()
    assert flag["receipts_digest"] == digest
    close_event = db.session.query(AuditEvent).filter_by(
        action="poll.close", object_id="khoi-8/2021/co-thi-dua").one()
    assert close_event.details["receipts_digest"] == digest

    # the audit log says who voted, never what
    events = db.session.query(AuditEvent).filter_by(action="ballot.cast").all()
    assert len(events) == 28
    assert all(set(e.details) == {"unit"} for e in events)


def test_quorum_failure_elects_nobody_and_says_why(app, client, vote_day):
    leader = vote_day
    leader.post("/polls/co-thi-dua/open", json=FORCE)
    for unit in ["so-tttt", "so-ldtbxh", "so-vhttdl", "so-gddt", "so-yte"]:  # 5 < 2/3 × 8
        Api(client, HEADS[unit]).post("/polls/co-thi-dua/ballots",
                                      json={"choices": ["so-vhttdl"]})
    at(app, 2022, 2, 28, 17, 0)
    assert api_close(leader, "co-thi-dua").status_code == 200
    result = leader.get("/polls/co-thi-dua/result").get_json()
    assert result["quorum_met"] is False and result["elected"] == []
    assert "Không đủ số đơn vị" in result["explanation"][-1]
    # only the turnout is stored: no count per candidate, not even valid / invalid
    assert result["counts"] == [] and result["valid"] is None and result["invalid"] is None
    assert result["voted"] == 5 and result["eligible"] == 8
    assert "so-vhttdl" not in str(result["explanation"])


def test_result_is_stored_not_recomputed(app, client, vote_day):
    leader = vote_day
    leader.post("/polls/khoi-truong/open", json=FORCE)
    for unit in list(HEADS)[:6]:
        Api(client, HEADS[unit]).post("/polls/khoi-truong/ballots",
                                      json={"choices": ["so-ldtbxh"]})
    at(app, 2022, 2, 28, 17, 0)
    assert api_close(leader, "khoi-truong").status_code == 200
    first = leader.get("/polls/khoi-truong/result").get_json()
    db.session.query(OpenedBallot).delete()
    db.session.commit()
    assert leader.get("/polls/khoi-truong/result").get_json() == first


@pytest.mark.parametrize(("who", "choices", "status", "code"), [
    ("head", ["so-vhttdl", "so-gddt"], 422, "too_many_choices"),
    ("head", [], 422, "too_few_choices"),
    ("head", ["so-vhttdl", "so-vhttdl"], 422, "duplicate_choice"),
    ("head", ["so-khong-co"], 422, "unknown_candidate"),
    ("head", "so-vhttdl", 422, "ballot_rejected"),
    ("officer", ["so-vhttdl"], 403, "forbidden"),
    ("board", ["so-vhttdl"], 403, "forbidden"),
])
def test_bad_ballots_store_nothing(app, client, vote_day, who, choices, status, code):
    vote_day.post("/polls/co-thi-dua/open", json=FORCE)
    user = {"head": "yte.thutruong", "officer": "yte.canbo", "board": "bantdkt"}[who]
    voter = Api(client, user)
    before = row_counts()
    response = voter.post("/polls/co-thi-dua/ballots", json={"choices": choices})
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"]["code"] == code
    assert row_counts() == before


def test_before_opening_and_after_closing(app, client, vote_day):
    head = Api(client, "yte.thutruong")
    before = row_counts()
    assert head.post("/polls/co-thi-dua/ballots",
                     json={"choices": ["so-vhttdl"]}).status_code == 409
    assert row_counts() == before
    vote_day.post("/polls/co-thi-dua/open", json=FORCE)
    at(app, 2022, 2, 28, 17, 0)
    assert api_close(vote_day, "co-thi-dua").status_code == 200
    before = row_counts()
    assert head.post("/polls/co-thi-dua/ballots",
                     json={"choices": ["so-vhttdl"]}).status_code == 409
    assert row_counts() == before


def test_self_vote_forbidden_when_procedure_says_so(app, client, vote_day):
    from sqlalchemy.orm.attributes import flag_modified

    from core.services.campaigns import get_campaign

    campaign = get_campaign("khoi-8", 2021)
    campaign.snapshot["voting"]["config"]["self_vote"] = False
    flag_modified(campaign, "snapshot")
    db.session.commit()
    vote_day.post("/polls/co-thi-dua/open", json=FORCE)
    response = Api(client, "yte.thutruong").post("/polls/co-thi-dua/ballots",
                                                 json={"choices": ["so-yte"]})
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "self_vote"


def test_only_leader_or_board_runs_polls_and_only_in_vote_phase(app, client, demo):
    at(app, 2022, 2, 10, 9, 0)
    leader = Api(client, "tttt.canbo")
    early = leader.post("/polls/co-thi-dua/open", json=FORCE)
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "phase_not_open"
    at(app, 2022, 2, 20, 9, 0)
    assert Api(client, "ldtbxh.canbo").post("/polls/co-thi-dua/open", json=FORCE).status_code == 403
    assert Api(client, "yte.thutruong").post("/polls/co-thi-dua/open", json=FORCE).status_code == 403
    assert Api(client, "bantdkt").post("/polls/co-thi-dua/open", json=FORCE).status_code == 200
    assert leader.post("/polls/co-thi-dua/open", json=FORCE).status_code == 409


def test_tie_at_last_seat_opens_runoff(app, client, vote_day):
    leader = vote_day
    leader.post("/polls/bang-khen/open", json=FORCE)
    ballots = [["so-gddt", "so-yte"]] * 3 + [["so-gddt", "so-khcn"]] * 3 + \
        [["so-yte", "so-khcn"]] * 2
    for unit, choices in zip(HEADS, ballots, strict=True):
        Api(client, HEADS[unit]).post("/polls/bang-khen/ballots", json={"choices": choices})
    api_close(leader, "bang-khen")
    result = leader.get("/polls/bang-khen/result").get_json()
    # gddt 6, yte 5, khcn 5 of 8 (> 4 passes); equal verified totals -> run-off for 1 seat
    assert result["elected"] == ["so-gddt"] and result["runoff"] == ["so-khcn", "so-yte"]
    assert any("Bầu lại" in line for line in result["explanation"])
    runoff = {p["code"]: p for p in leader.get("/polls").get_json()}["bang-khen-vong-2"]
    assert runoff["status"] == "draft" and runoff["candidates"] == ["so-khcn", "so-yte"]
    assert runoff["seats"] == 1 and runoff["runoff_of"] == "bang-khen"
    assert leader.post("/polls/bang-khen-vong-2/open", json=FORCE).status_code == 200
    for unit in list(HEADS)[:6]:
        Api(client, HEADS[unit]).post("/polls/bang-khen-vong-2/ballots",
                                      json={"choices": ["so-yte"]})
    at(app, 2022, 2, 28, 17, 0)
    assert api_close(leader, "bang-khen-vong-2").status_code == 200
    assert leader.get("/polls/bang-khen-vong-2/result").get_json()["elected"] == ["so-yte"]
