"""The council meeting as it runs (issue 10, parts 4 and 6), through the services and the
API: the attendance recorded by the vote's host and frozen once a poll opens; the meeting's
record read by the minutes; the paper ballots printed and their hand count reconciled with the
attendance, stored like any result (``mode: "paper"``) and published as usual."""

from __future__ import annotations

import re
import subprocess

import pytest
from sqlalchemy import select

from core.extensions import db
from core.models import AuditEvent, MeetingAttendance, PollOutcome
from core.services import meeting, paper_ballots
from core.voting import PollSpec
from tests.support import row_counts
from tests.support.guards import FORCE
from tests.support.voting import Api, at

MEMBERS = ["so-gddt", "so-khcn", "so-ldtbxh", "so-noivu", "so-tttt", "so-tuphap", "so-vhttdl",
           "so-yte"]
ABSENT = "so-tuphap"
MEETING = {"held_at": "2022-02-20T08:30", "place": "Hội trường Sở Thông tin và Truyền thông",
           "chair": "Ông Nguyễn Văn Chủ, Giám đốc Sở Thông tin và Truyền thông",
           "secretary": "Bà Trần Thị Thư, Chánh Văn phòng Sở Thông tin và Truyền thông",
           "committee": ["Ông Lê Văn Một (Sở Y tế)", "Bà Phạm Thị Hai (Sở Nội vụ)",
                         "Ông Võ Minh Ba (Sở Khoa học và Công nghệ)"]}


def rows(absent: tuple[str, ...] = (ABSENT,)) -> list[dict]:
    return [{"unit": code, "present": code not in absent,
             "representative": "" if code in absent else f"Đại diện {code}",
             "title": "" if code in absent else ("Người được ủy quyền" if code == "so-yte"
                                                 else "Giám đốc")} for code in MEMBERS]


@pytest.fixture
def leader(app, client, demo):
    at(app, 2022, 2, 20, 9, 0)
    return Api(client, "tttt.canbo")


def test_attendance_recorded_then_frozen_when_a_poll_opens(leader, client):
    before = leader.get("/attendance").get_json()
    assert before["recorded"] is False and before["present"] is None
    assert before["members"] == 8 and all(u["head"] for u in before["units"])
    with client.application.app_context():
        assert meeting.present_units(leader_campaign()) is None

    saved = leader.put("/attendance", json={"units": rows()})
    assert saved.status_code == 200, saved.get_json()
    body = saved.get_json()
    assert body["recorded"] is True and body["present"] == 7 and body["frozen"] is False
    yte = next(u for u in body["units"] if u["unit"] == "so-yte")
    assert yte["title"] == "Người được ủy quyền" and yte["representative"] == "Đại diện so-yte"
    assert meeting.present_units(leader_campaign()) == [c for c in MEMBERS if c != ABSENT]
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "council.attendance")).all()[-1]
    assert event.details["present"] == [c for c in MEMBERS if c != ABSENT]

    # Changed again before any poll opens: replaced, one row per unit.
    assert leader.put("/attendance", json=rows(absent=("so-tuphap", "so-noivu"))
                      ).status_code == 200
    assert len(meeting.present_units(leader_campaign())) == 6
    assert db.session.query(MeetingAttendance).count() == 8

    assert leader.post("/polls/co-thi-dua/open", json=FORCE).status_code == 200
    before = row_counts()
    frozen = leader.put("/attendance", json={"units": rows()})
    assert frozen.status_code == 409
    assert frozen.get_json()["error"]["code"] == "attendance_frozen"
    assert row_counts() == before
    assert leader.get("/attendance").get_json()["frozen"] is True


def leader_campaign():
    from core.services import campaigns

    db.session.expire_all()
    return campaigns.get_campaign("khoi-8", 2021)


@pytest.mark.parametrize("username", ["ldtbxh.canbo", "yte.thutruong", "bantdkt", "admin"])
def test_only_the_host_records_the_attendance(leader, client, username):
    refused = Api(client, username).put("/attendance", json={"units": rows()})
    assert refused.status_code == 403


def test_attendance_field_errors(leader):
    bad = rows()
    bad[0]["representative"] = ""          # present, nobody named
    bad[1]["title"] = ""                   # present, no title
    bad[2]["unit"] = "so-khong-co"         # not a member
    bad[3]["present"] = "có"               # not a boolean
    bad.append(dict(bad[4]))               # twice
    before = row_counts()
    refused = leader.put("/attendance", json={"units": bad})
    assert refused.status_code == 422
    fields = refused.get_json()["error"]["fields"]
    assert set(fields) == {"units[0].representative", "units[1].title", "units[2].unit",
                           "units[3].present", "units[8].unit"}
    assert "Người được ủy quyền" in fields["units[1].title"][0]
    assert row_counts() == before
    assert leader.put("/attendance", json={"units": "x"}).status_code == 422


def test_the_meeting_record_is_kept_by_the_meeting_service(leader):
    assert leader.get("/council-meeting").get_json() is None
    assert leader.put("/council-meeting", json=MEETING).status_code == 200
    typed = {**MEETING, "held_at": "20/02/2022 08:30"}  # as typed on the page
    saved = leader.put("/council-meeting", json=typed)
    assert saved.status_code == 200
    assert saved.get_json()["held_at"] == "2022-02-20T08:30:00"
    assert leader.get("/council-meeting").get_json()["committee"] == MEETING["committee"]
    refused = leader.put("/council-meeting", json={**MEETING, "held_at": "hôm nay",
                                                   "chair": "", "committee": []})
    assert refused.status_code == 422
    assert set(refused.get_json()["error"]["fields"]) == {"held_at", "chair", "committee"}


def test_the_minutes_read_the_recorded_meeting_and_attendance(leader, tmp_path):
    assert leader.put("/council-meeting", json=MEETING).status_code == 200
    assert leader.put("/attendance", json={"units": rows()}).status_code == 200
    pdf = leader.get("/documents/bien-ban-hop-binh-xet.pdf")
    assert pdf.status_code == 200
    text = pdf_text(pdf.data, tmp_path)
    for name in (MEETING["chair"], MEETING["secretary"], "Hội trường Sở Thông tin"):
        assert " ".join(name.split()[:4]) in text, name
    assert "(chưa ghi)" not in text
    assert "Đơn vị có mặt (7/8)" in text and "Đại diện so-yte" in text
    count = pdf_text(leader.get("/documents/bien-ban-kiem-phieu.pdf").data, tmp_path)
    for member in MEETING["committee"]:
        assert " ".join(member.split()[:3]) in count, member


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                         check=True, text=True).stdout
    return " ".join(out.split())


# -- paper ballots ------------------------------------------------------------------------

GOOD = {"issued": 7, "returned": 7, "valid": 6, "invalid": 1, "blank": 0,
        "votes": {"so-vhttdl": 5, "so-gddt": 1}}


def test_paper_ballots_are_printed_one_per_unit_present(leader, tmp_path):
    assert leader.get("/polls/co-thi-dua/paper-ballots.pdf").status_code == 409  # no attendance
    assert leader.put("/attendance", json={"units": rows()}).status_code == 200
    printed = leader.get("/polls/co-thi-dua/paper-ballots.pdf")
    assert printed.status_code == 200 and printed.mimetype == "application/pdf"
    path = tmp_path / "ballots.pdf"
    path.write_bytes(printed.data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    assert re.search(r"^Pages:\s+(\d+)$", info, re.M).group(1) == "7", info
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    assert "LiberationSerif" in fonts
    text = pdf_text(printed.data, tmp_path)
    assert "PHIẾU BẦU" in text and "Đề nghị tặng Cờ thi đua của UBND tỉnh" in text
    assert "Sở Văn hóa, Thể thao và Du lịch" in text
    assert "Đánh dấu (X) vào ô của đúng 1 đơn vị" in text
    assert Api(leader.client, "yte.thutruong").get(
        "/polls/co-thi-dua/paper-ballots.pdf").status_code == 403


def test_a_paper_count_is_stored_as_the_result_and_published(leader, client, tmp_path):
    assert leader.put("/attendance", json={"units": rows()}).status_code == 200
    assert leader.post("/polls/co-thi-dua/open", json=FORCE).status_code == 200
    counted = leader.post("/polls/co-thi-dua/paper-count", json=GOOD)
    assert counted.status_code == 201, counted.get_json()
    body = counted.get_json()
    assert body["mode"] == "paper" and body["status"] == "closed"
    assert (body["eligible"], body["voted"], body["valid"], body["invalid"]) == (8, 7, 6, 1)
    assert body["paper"] == {"present": 7, "issued": 7, "returned": 7, "valid": 6,
                             "invalid": 1, "blank": 0}
    votes = {c["candidate"]: c["votes"] for c in body["counts"]}
    assert votes["so-vhttdl"] == 5 and votes["so-gddt"] == 1 and votes["so-yte"] == 0
    assert body["quorum_met"] is True and body["elected"] == ["so-vhttdl"]
    assert set(body) >= {"eligible", "voted", "valid", "invalid", "quorum_met", "counts",
                         "elected", "explanation"}
    if "consistency" in body:
        assert body["consistency"]["ok"] is True
    assert db.session.query(PollOutcome).count() == 1
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "poll.close")).all()[-1]
    assert event.details["mode"] == "paper"
    assert leader.post("/polls/co-thi-dua/publish").status_code == 200
    head = Api(client, "yte.thutruong")
    assert head.get("/polls/co-thi-dua/result").get_json()["mode"] == "paper"
    again = leader.post("/polls/co-thi-dua/paper-count", json=GOOD)
    assert again.status_code == 409
    count = pdf_text(leader.get("/documents/bien-ban-kiem-phieu.pdf").data, tmp_path)
    assert "Bỏ phiếu bằng phiếu giấy" in count and "số phiếu phát ra: 7" in count


@pytest.mark.parametrize(("change", "fields"), [
    ({"issued": 8}, {"issued"}),                                   # more than present (7)
    ({"returned": 8, "issued": 7}, {"returned"}),                  # more than issued
    ({"invalid": 2}, {"invalid"}),                                 # 6 + 2 ≠ 7
    ({"votes": {"so-vhttdl": 7, "so-gddt": 0}}, {"votes.so-vhttdl", }),  # more than valid
    ({"votes": {"so-vhttdl": 4, "so-gddt": 1}}, {"votes"}),        # 5 choices on 6 ballots
    ({"votes": {"so-khong-co": 1}}, {"votes"}),                    # not a candidate
    ({"blank": 2}, {"blank"}),                                     # blank are invalid here
    ({"valid": -1}, {"valid"}),
    ({"returned": "bảy"}, {"returned"}),
])
def test_a_paper_count_that_does_not_add_up_is_refused(leader, change, fields):
    assert leader.put("/attendance", json={"units": rows()}).status_code == 200
    assert leader.post("/polls/co-thi-dua/open", json=FORCE).status_code == 200
    before = row_counts()
    refused = leader.post("/polls/co-thi-dua/paper-count", json={**GOOD, **change})
    assert refused.status_code == 422, refused.get_json()
    assert fields <= set(refused.get_json()["error"]["fields"])
    assert row_counts() == before
    assert leader.get("/polls/co-thi-dua").get_json()["status"] == "open"


def test_a_paper_count_needs_an_open_poll_without_electronic_ballots(leader, client):
    assert leader.put("/attendance", json={"units": rows()}).status_code == 200
    draft = leader.post("/polls/co-thi-dua/paper-count", json=GOOD)
    assert draft.status_code == 409 and draft.get_json()["error"]["code"] == "poll_not_open"
    assert leader.post("/polls/co-thi-dua/open", json=FORCE).status_code == 200
    assert Api(client, "yte.thutruong").post("/polls/co-thi-dua/ballots",
                                             json={"choices": ["so-vhttdl"]}).status_code == 201
    mixed = leader.post("/polls/co-thi-dua/paper-count", json=GOOD)
    assert mixed.status_code == 409
    assert mixed.get_json()["error"]["code"] == "electronic_ballots"
    assert Api(client, "yte.thutruong").post("/polls/co-thi-dua/paper-count",
                                             json=GOOD).status_code == 403


def test_rebuilt_ballots_give_the_hand_count_exactly():
    spec = PollSpec(code="bk", title="Bằng khen", method="approval", seats=2, min_choices=1,
                    max_choices=2, candidates=("a", "b", "c", "d"))
    numbers = paper_ballots.check_paper_count(
        spec, {"issued": 7, "returned": 7, "valid": 6, "invalid": 1, "blank": 1,
               "votes": {"a": 5, "b": 4, "c": 2, "d": 0}}, present=7)
    ballots = paper_ballots.rebuild_ballots(spec, numbers)
    assert len(ballots) == 7
    filled = [b for b in ballots if b and b[0] in spec.candidates]
    assert len(filled) == 6 and all(1 <= len(b) <= 2 and len(set(b)) == len(b) for b in filled)
    assert {c: sum(c in b for b in filled) for c in spec.candidates} == \
        {"a": 5, "b": 4, "c": 2, "d": 0}
