"""Issue 10, the parts left open: the counting committee's seal is the default (shares named
after the committee recorded for the meeting, two of them close the poll); Khối 8's quorum
counts the units present; a ranked poll counted on paper ballot by ballot, reconciled with the
attendance; a poll never mixes ballots in the app with paper ballots; the consistency check in
plain Vietnamese on the results page."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from core.extensions import db
from core.models import AuditEvent, Campaign, Poll, Receipt
from core.services import campaigns
from tests.support import login, row_counts
from tests.support.guards import FORCE
from tests.support.shares import KEPT, api_close
from tests.support.voting import HEADS, Api, at

MEETING = {"held_at": "2022-02-20T08:30", "place": "Hội trường Sở Thông tin và Truyền thông",
           "chair": "Ông Nguyễn Văn Chủ", "secretary": "Bà Trần Thị Thư",
           "committee": ["Ông Lê Văn Một (Sở Y tế)", "Bà Phạm Thị Hai (Sở Nội vụ)",
                         "Ông Võ Minh Ba (Sở Khoa học và Công nghệ)"]}


def attendance(present: list[str]) -> dict:
    return {"units": [{"unit": u, "present": u in present, "representative":
                       f"Thủ trưởng {u}" if u in present else "",
                       "title": "Giám đốc" if u in present else ""} for u in HEADS]}


@pytest.fixture
def leader(app, client, demo):
    at(app, 2022, 2, 20, 9, 0)
    return Api(client, "tttt.canbo")


def campaign() -> Campaign:
    return campaigns.get_campaign("khoi-8", 2021)


def test_the_committee_holds_the_key_by_default_one_share_per_member(leader, client):
    assert leader.put("/council-meeting", json=MEETING).status_code == 200
    opened = leader.post("/polls/co-thi-dua/open", json=FORCE).get_json()
    assert opened["seal"] == "committee" and opened["shares_needed"] == 2
    assert opened["share_holders"] == MEETING["committee"] and len(opened["shares"]) == 3
    poll = db.session.scalar(select(Poll).where(Poll.code == "co-thi-dua"))
    assert poll.private_key is None and KEPT[poll.public_key] == opened["shares"]
    # the poll as listed says how it is sealed, never a share
    listed = leader.get("/polls/co-thi-dua").get_json()
    assert (listed["seal"], listed["public_key"]) == ("committee", poll.public_key)
    assert "shares" not in listed
    for unit in list(HEADS):
        assert Api(client, HEADS[unit]).post("/polls/co-thi-dua/ballots", json={
            "choices": ["so-vhttdl"]}).status_code == 201
    one = leader.post("/polls/co-thi-dua/close", json={"shares": opened["shares"][:1]})
    assert one.status_code == 422 and one.get_json()["error"]["code"] == "shares_required"
    # any two of the three members: the 2nd and the 3rd here
    closed = leader.post("/polls/co-thi-dua/close", json={"shares": opened["shares"][1:]})
    assert closed.status_code == 200, closed.get_json()
    result = leader.get("/polls/co-thi-dua/result").get_json()
    assert result["elected"] == ["so-vhttdl"] and result["consistency"]["ok"] is True


def test_khoi8_quorum_counts_the_units_present(leader, client):
    """5 units present of 8 (< 2/3): nobody is elected although every one of them voted;
    the result says the units present were too few."""
    present = list(HEADS)[:5]
    assert leader.put("/attendance", json=attendance(present)).status_code == 200
    assert leader.post("/polls/co-thi-dua/open", json=FORCE).status_code == 200
    for unit in present:
        assert Api(client, HEADS[unit]).post("/polls/co-thi-dua/ballots", json={
            "choices": ["so-vhttdl"]}).status_code == 201
    # every unit present has voted: the host may close before the last day
    assert api_close(leader, "co-thi-dua").status_code == 200
    result = leader.get("/polls/co-thi-dua/result").get_json()
    assert result["quorum_met"] is False and result["counts"] == []
    assert result["explanation"][-1].startswith("Không đủ số đơn vị có mặt: 5/8")


def test_khoi8_quorum_met_with_six_present(leader, client):
    present = list(HEADS)[:6]
    assert leader.put("/attendance", json=attendance(present)).status_code == 200
    assert leader.post("/polls/co-thi-dua/open", json=FORCE).status_code == 200
    for unit in present:
        assert Api(client, HEADS[unit]).post("/polls/co-thi-dua/ballots", json={
            "choices": ["so-vhttdl"]}).status_code == 201
    assert api_close(leader, "co-thi-dua").status_code == 200
    result = leader.get("/polls/co-thi-dua/result").get_json()
    assert result["quorum_met"] is True and result["elected"] == ["so-vhttdl"]


def _ranked() -> None:
    found = campaign()
    found.snapshot["voting"] = {"name": "ranked_borda", "config": {
        "polls": [{"code": "xep-hang", "title": "Xếp hạng thi đua", "method": "ranked",
                   "seats": 1, "candidates": "members", "min_choices": 1, "max_choices": 3}],
        "quorum": "1/2", "self_vote": True, "allow_blank": True,
        "tie_break": ["verified_score", "runoff"]}}
    flag_modified(found, "snapshot")
    found.plan_revision += 1
    db.session.commit()


def test_a_ranked_poll_is_counted_on_paper_ballot_by_ballot(leader):
    _ranked()
    present = list(HEADS)[:7]
    assert leader.put("/attendance", json=attendance(present)).status_code == 200
    assert leader.post("/polls/xep-hang/open", json=FORCE).status_code == 200
    ballots = [["so-yte", "so-gddt"], ["so-yte", "so-khcn", "so-gddt"], ["so-gddt", "so-yte"],
               ["so-yte"], []]  # 5 entered (one blank), 1 invalid: 6 returned of 7 issued
    before = row_counts()
    for bad, field in (({"ballots": ballots + [["so-yte", "so-yte"]], "invalid": 1},
                        "ballots[5]"),                       # a place given twice
                       ({"ballots": ballots + [["so-khong-co"]]}, "ballots[5]"),
                       ({"issued": 8}, "issued"),            # more than the 7 present
                       ({"ballots": ballots * 2}, "ballots")):  # 10 + 1 > 7 issued
        refused = leader.post("/polls/xep-hang/paper-count",
                              json={"issued": 7, "ballots": ballots, "invalid": 1, **bad})
        assert refused.status_code == 422, refused.get_json()
        assert field in refused.get_json()["error"]["fields"], refused.get_json()
    assert row_counts() == before
    counted = leader.post("/polls/xep-hang/paper-count",
                          json={"issued": 7, "ballots": ballots, "invalid": 1})
    assert counted.status_code == 201, counted.get_json()
    body = counted.get_json()
    assert body["mode"] == "paper" and body["status"] == "closed"
    assert body["paper"] == {"present": 7, "issued": 7, "returned": 6, "valid": 5,
                             "invalid": 1, "blank": 1}
    assert (body["voted"], body["valid"], body["invalid"]) == (6, 5, 1)
    points = {c["candidate"]: c["votes"] for c in body["counts"]}
    # 8 candidates: 1st place 7 points, 2nd 6, 3rd 5
    assert points["so-yte"] == 7 + 7 + 6 + 7 and points["so-gddt"] == 6 + 5 + 7
    assert points["so-khcn"] == 6 and body["elected"] == ["so-yte"]
    assert body["consistency"]["ok"] is True


def test_a_poll_never_mixes_ballots_in_the_app_with_paper_ballots(leader, client):
    assert leader.put("/attendance", json=attendance(list(HEADS)[:7])).status_code == 200
    assert leader.post("/polls/co-thi-dua/open", json=FORCE).status_code == 200
    assert Api(client, HEADS["so-yte"]).post("/polls/co-thi-dua/ballots", json={
        "choices": ["so-vhttdl"]}).status_code == 201
    before = row_counts()
    mixed = leader.post("/polls/co-thi-dua/paper-count", json={
        "issued": 6, "returned": 6, "valid": 6, "invalid": 0, "blank": 0,
        "votes": {"so-vhttdl": 6}})
    assert mixed.status_code == 409
    error = mixed.get_json()["error"]
    assert error["code"] == "electronic_ballots"
    assert error["message"].startswith("Đã có 1 đơn vị bỏ phiếu trên hệ thống")
    assert "tính hai lần" in error["message"]
    assert row_counts() == before
    assert leader.get("/polls/co-thi-dua").get_json()["status"] == "open"


def test_the_results_page_says_plainly_when_the_counts_differ(app, leader, client):
    assert leader.put("/attendance", json=attendance(list(HEADS)[:7])).status_code == 200
    assert leader.post("/polls/co-thi-dua/open", json=FORCE).status_code == 200
    for unit in list(HEADS)[:7]:
        assert Api(client, HEADS[unit]).post("/polls/co-thi-dua/ballots", json={
            "choices": ["so-vhttdl"]}).status_code == 201
    assert api_close(leader, "co-thi-dua").status_code == 200
    assert leader.post("/polls/co-thi-dua/publish").status_code == 200
    page = app.test_client()
    login(page, "yte.thutruong")
    url = "/campaigns/khoi-8/2021/polls/co-thi-dua/results"
    html = page.get(url).get_data(as_text=True)
    assert "Khớp: 7 đơn vị đã bỏ phiếu, 7 phiếu được kiểm, 7 biên nhận." in html
    db.session.delete(db.session.scalars(select(Receipt)).first())  # a receipt goes missing
    db.session.commit()
    html = page.get(url).get_data(as_text=True)
    assert "Cảnh báo: số liệu không khớp." in html
    assert ("Số đơn vị đã bỏ phiếu (7), số phiếu được kiểm (7), số biên nhận (6) và số lượt "
            "bỏ phiếu ghi trong nhật ký (7) phải bằng nhau.") in html
    assert "Danh sách biên nhận đã bị thay đổi sau khi kiểm phiếu." in html
    assert "audit verify" not in html and "SHA-256" not in html
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "poll.close"))


def test_the_openapi_document_describes_the_new_fields(client, leader):
    spec = client.get("/api/v1/openapi.json", headers=leader.headers).get_json()
    schemas = spec["components"]["schemas"]
    assert {"shares", "share_holders"} <= set(schemas["PollOpened"]["allOf"][1]["properties"])
    assert {"seal", "public_key", "shares_needed"} <= set(schemas["Poll"]["properties"])
    assert schemas["PollResult"]["properties"]["consistency"] == {
        "$ref": "#/components/schemas/Consistency"}
    assert {"mode", "paper", "counted", "receipts"} <= set(schemas["PollResult"]["properties"])
    assert "ballots" in schemas["PaperCount"]["properties"]
    polls = "/campaigns/{bloc}/{year}/polls/{poll}"
    opened = spec["paths"][f"{polls}/open"]["post"]
    assert opened["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/OpenRequest"}
    assert opened["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PollOpened"}
    assert spec["paths"]["/campaigns/{bloc}/{year}/attendance"]["put"]["requestBody"][
        "content"]["application/json"]["schema"]["$ref"].endswith("AttendanceRequest")
    assert spec["paths"][f"{polls}/paper-count"]["post"]["responses"]["201"]["content"]


def test_the_ranked_paper_count_page_takes_one_line_per_ballot(app, leader):
    _ranked()
    assert leader.put("/attendance", json=attendance(list(HEADS)[:7])).status_code == 200
    assert leader.post("/polls/xep-hang/open", json=FORCE).status_code == 200
    page = app.test_client()
    login(page, "tttt.canbo")
    url = "/campaigns/khoi-8/2021/polls/xep-hang/paper-count"
    form = page.get(url).get_data(as_text=True)
    assert 'id="ranked-paper-form"' in form and "<strong>Sở KH&amp;CN</strong>" in form
    before = row_counts()
    typed = "Sở Y tế, Sở GD&ĐT\nso-yte, sở kh&cn, Sở Giáo dục và Đào tạo\nSở Y tế, Sở Y tế\n"
    refused = page.post(url, data={"issued": "7", "invalid": "1", "ballots": typed})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Phiếu số 3: Một đơn vị được xếp hạng nhiều lần." in html
    assert "so-yte, sở kh&amp;cn, Sở Giáo dục và Đào tạo" in html  # what was typed is kept
    assert row_counts() == before
    typed = "Sở Y tế, Sở GD&ĐT\nso-yte, sở kh&cn, Sở Giáo dục và Đào tạo\n-\n"
    done = page.post(url, data={"issued": "7", "invalid": "1", "ballots": typed})
    assert done.status_code == 303, done.get_data(as_text=True)
    result = leader.get("/polls/xep-hang/result").get_json()
    assert result["paper"] == {"present": 7, "issued": 7, "returned": 4, "valid": 3,
                               "invalid": 1, "blank": 1}
    assert result["elected"] == ["so-yte"]
