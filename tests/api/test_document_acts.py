"""Issuing a document is an act, tried through the API as a bloc would: drafts follow the
data (a late registration shows in the next view) and reading never writes; issuing is
refused with a checklist while the step's data is incomplete, then succeeds with a number
from the register, a date and a signer; an issued document is served byte-identical; a
replacement keeps the old one; only the issuer may act; every act is audited."""

from __future__ import annotations

import re
import subprocess

from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEvent, DocumentRegister, IssuedDocument
from tests.support.cycle import Api, at, full_registration, item_codes
from tests.support.guards import FORCE
from tests.support.year import OFFICERS


def text_of(data: bytes) -> str:
    out = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"], input=data,
                         capture_output=True, check=True).stdout.decode("utf-8")
    return re.sub(r"\s+", " ", out)


def register(client, units) -> None:
    codes = None
    for unit in units:
        api = Api(client, OFFICERS[unit])
        codes = codes or item_codes(client, api.headers)
        response = api.put(f"/registrations/{unit}",
                           json={"items": full_registration(codes), "submit": True})
        assert response.status_code == 200, response.get_json()


def writes() -> tuple[int, int]:
    """Issued documents and document events: what reading must never add."""
    return (db.session.scalar(select(func.count()).select_from(IssuedDocument)),
            db.session.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.action.like("document.%"))))


def listing(api: Api) -> dict[str, dict]:
    return {d["name"]: d for d in api.get("/documents").get_json()}


def test_a_draft_shows_late_registrations_and_reading_writes_nothing(app, client, demo):
    units = list(OFFICERS)
    at(app, 2021, 5, 3, 9, 0)
    register(client, units[:6])
    leader = Api(client, "tttt.canbo")
    at(app, 2021, 6, 10, 9, 0)  # after the due date (15/5): late work is still accepted
    before = writes()
    first = leader.get("/documents/tong-hop-dang-ky.pdf")
    assert first.headers["X-Document-Status"] == "draft"
    text = text_of(first.data)
    assert "DỰ THẢO" in text and "Số đơn vị đã đăng ký: 6/8." in text
    assert "Trà Vinh, ngày 10 tháng 6 năm 2021" in text  # a draft is dated today
    assert f"dang-ky-{units[6]}" not in listing(leader) and "dang-ky-so-vhttdl" in listing(leader)
    register(client, [units[6]])  # a late registration, accepted and marked late
    second = text_of(leader.get("/documents/tong-hop-dang-ky.pdf").data)
    assert "Số đơn vị đã đăng ký: 7/8." in second and "(trễ hạn)" in second
    assert f"dang-ky-{units[6]}" in listing(leader)
    assert writes() == before
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(DocumentRegister)) == 0


def test_issuing_is_refused_with_a_checklist_then_succeeds(app, client, demo):
    units = list(OFFICERS)
    at(app, 2021, 5, 3, 9, 0)
    register(client, [u for u in units if u != "so-tuphap"])
    at(app, 2021, 5, 20, 9, 0)
    leader = Api(client, "tttt.canbo")
    refused = leader.post("/documents/tong-hop-dang-ky/issue")
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "document_incomplete"
    items = {i["code"]: i for i in error["checklist"]}
    assert set(items) == {"step_not_settled", "missing_submissions"}
    assert all(i["blocking"] for i in items.values())
    assert items["missing_submissions"]["units"] == ["so-tuphap"]
    assert "Sở Tư pháp" in items["missing_submissions"]["message"]
    shown = leader.get("/documents/tong-hop-dang-ky").get_json()
    assert shown["ready"] is False and shown["status"] == "draft"
    assert [i["code"] for i in shown["checklist"]] == [i["code"] for i in error["checklist"]]
    assert writes() == (0, 0)

    member = Api(client, "vhttdl.canbo")
    assert member.post("/documents/tong-hop-dang-ky/issue").status_code == 403
    assert leader.post("/steps/registration/close", json=FORCE).status_code == 200
    issued = leader.post("/documents/tong-hop-dang-ky/issue")
    assert issued.status_code == 201, issued.get_json()
    body = issued.get_json()
    assert (body["status"], body["number"], body["date"]) == ("issued", "01/BC-TĐK8",
                                                              "2021-05-20")
    note = next(i for i in body["checklist"] if i["code"] == "missing_submissions")
    assert note["blocking"] is False  # said, no longer in the way: the step is closed
    pdf = leader.get("/documents/tong-hop-dang-ky.pdf")
    assert pdf.headers["X-Document-Status"] == "final"
    text = text_of(pdf.data)
    assert "Số: 01/BC-TĐK8" in text and "Trà Vinh, ngày 20 tháng 5 năm 2021" in text
    assert "DỰ THẢO" not in text and "Không đăng ký" in text
    assert "Nguyễn Văn Này" in text or "TM. KHỐI THI ĐUA KHỐI 8" in text
    again = leader.post("/documents/tong-hop-dang-ky/issue")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_issued"
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "document.issue")).one()
    assert event.object_id == "khoi-8/2021/tong-hop-dang-ky"
    assert event.details["number"] == "01/BC-TĐK8" and event.actor == "tttt.canbo"


def test_a_units_document_is_issued_by_its_head_from_its_own_register(app, client, demo):
    at(app, 2021, 5, 3, 9, 0)
    register(client, ["so-vhttdl", "so-yte"])
    at(app, 2021, 5, 4, 9, 0)
    head = Api(client, "vhttdl.thutruong")
    refused = head.post("/documents/dang-ky-so-vhttdl/issue")
    assert refused.status_code == 409  # registration is still open: it may be returned
    assert refused.get_json()["error"]["checklist"][0]["code"] == "step_not_settled"
    leader = Api(client, "tttt.canbo")
    assert leader.post("/steps/registration/close", json=FORCE).status_code == 200
    for who in ("vhttdl.canbo", "tttt.canbo", "yte.thutruong"):  # officer, leader, other head
        assert Api(client, who).post("/documents/dang-ky-so-vhttdl/issue").status_code == 403
    assert head.post("/documents/dang-ky-so-tuphap/issue").status_code == 404
    issued = head.post("/documents/dang-ky-so-vhttdl/issue")
    assert issued.status_code == 201, issued.get_json()
    assert issued.get_json()["number"] == "01/ĐK-SVHTTDL"
    other = Api(client, "yte.thutruong").post("/documents/dang-ky-so-yte/issue")
    assert other.get_json()["number"] == "01/ĐK-SYT"  # each unit numbers in its register
    text = text_of(head.get("/documents/dang-ky-so-vhttdl.pdf").data)
    assert "Trà Vinh, ngày 04 tháng 5 năm 2021" in text  # issued: the date of issue
    assert "UBND TỈNH TRÀ VINH" in text and "GIÁM ĐỐC" in text


def test_issued_is_byte_identical_and_a_replacement_keeps_the_old(played_year, client):
    leader = Api(client, "tttt.canbo")
    assert leader.post("/documents/to-trinh/issue").get_json()["number"] == "01/TTr-TĐK8"
    issued = leader.post("/documents/bien-ban-hop-binh-xet/issue")
    assert issued.status_code == 201, issued.get_json()
    assert issued.get_json()["number"] == "02/BB-TĐK8"  # one sequence for the bloc's year
    first = leader.get("/documents/bien-ban-hop-binh-xet.pdf")
    assert first.headers["X-Document-Status"] == "final"
    before = writes()
    # The meeting's record changes after the minutes were issued: the issued minutes do not.
    moved = {"held_at": "2022-02-25T08:00:00", "place": "Hội trường UBND tỉnh",
             "chair": "Ông Nguyễn Văn Này, Giám đốc Sở Thông tin và Truyền thông",
             "secretary": "Bà Trần Thị Ánh, Chánh Văn phòng Sở Thông tin và Truyền thông",
             "committee": ["Ông Lê Văn Đức (Sở Y tế)", "Bà Phạm Thị Hương (Sở Nội vụ)"]}
    assert leader.put("/council-meeting", json=moved).status_code == 200
    second = leader.get("/documents/bien-ban-hop-binh-xet.pdf")
    assert second.data == first.data
    assert "Hội trường UBND tỉnh" not in text_of(second.data)
    stored = db.session.scalars(select(IssuedDocument).where(
        IssuedDocument.name == "bien-ban-hop-binh-xet")).one()
    import hashlib

    assert hashlib.sha256(second.data).hexdigest() == stored.sha256
    assert writes() == before  # downloads never write

    no_reason = leader.post("/documents/bien-ban-hop-binh-xet/replace", json={"reason": " "})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["error"]["fields"]
    assert Api(client, "yte.canbo").post("/documents/bien-ban-hop-binh-xet/replace",
                                         json={"reason": "x"}).status_code == 403
    assert leader.post("/documents/bang-tong-hop-diem/replace",
                       json={"reason": "x"}).get_json()["error"]["code"] == "not_issued"
    replaced = leader.post("/documents/bien-ban-hop-binh-xet/replace",
                           json={"reason": "Ghi sai địa điểm họp"})
    assert replaced.status_code == 201, replaced.get_json()
    body = replaced.get_json()
    assert (body["number"], body["version"]) == ("03/BB-TĐK8", 2)
    old, new = body["versions"]
    assert old["replaced"] is True and old["replace_reason"] == "Ghi sai địa điểm họp"
    assert old["number"] == "02/BB-TĐK8" and new["replaced"] is False
    current = leader.get("/documents/bien-ban-hop-binh-xet.pdf")
    assert "Hội trường UBND tỉnh" in text_of(current.data)
    assert "Số: 03/BB-TĐK8" in text_of(current.data)
    kept = leader.get("/documents/bien-ban-hop-binh-xet/versions/1.pdf")
    assert kept.status_code == 200 and kept.data == first.data
    assert kept.headers["X-Document-Replaced"] == "true"
    assert leader.get("/documents/bien-ban-hop-binh-xet/versions/9.pdf").status_code == 404
    actions = [e.action for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.action.like("document.%")).order_by(AuditEvent.id))]
    assert actions == ["document.issue", "document.issue", "document.replace"]


def test_an_issued_document_is_dated_the_day_of_issue(played_year, client):
    at(played_year, 2022, 3, 1, 10, 0)
    leader = Api(client, "tttt.canbo")
    draft = text_of(leader.get("/documents/to-trinh.pdf").data)
    assert "Trà Vinh, ngày 01 tháng 3 năm 2022" in draft
    self_score = text_of(leader.get("/documents/tu-cham-diem-so-khcn.pdf").data)
    assert "Trà Vinh, ngày 20 tháng 01 năm 2022" in self_score  # the day the unit sent it
    assert leader.post("/documents/to-trinh/issue").status_code == 201
    at(played_year, 2022, 3, 9, 10, 0)
    text = text_of(leader.get("/documents/to-trinh.pdf").data)
    assert "Trà Vinh, ngày 01 tháng 3 năm 2022" in text and "Số: 01/TTr-TĐK8" in text


def test_the_minutes_wait_for_the_meeting_record(played_year, client):
    """A vote without the meeting's record: the minutes are refused with what is missing,
    then issued once the host records it."""
    from core.models import PhaseRecord
    from core.services.meeting import COUNCIL_MEETING

    saved = db.session.scalars(select(PhaseRecord).where(
        PhaseRecord.step == COUNCIL_MEETING)).one()
    record = dict(saved.details)
    db.session.delete(saved)
    db.session.commit()
    leader = Api(client, "tttt.canbo")
    refused = leader.post("/documents/bien-ban-kiem-phieu/issue")
    assert refused.status_code == 409
    missing = {i["code"]: i for i in refused.get_json()["error"]["checklist"]}
    assert set(missing) == {"meeting_not_recorded"}
    assert set(missing["meeting_not_recorded"]["fields"]) == {
        "held_at", "place", "chair", "secretary", "committee"}
    draft = text_of(leader.get("/documents/bien-ban-kiem-phieu.pdf").data)
    assert "(chưa ghi" not in draft and "…………" in draft  # blanks to fill, not a claim
    assert leader.put("/council-meeting", json=record).status_code == 200
    issued = leader.post("/documents/bien-ban-kiem-phieu/issue")
    assert issued.status_code == 201, issued.get_json()


def test_the_plans_host_of_the_step_issues(played_year, client):
    """The mid-year review is the deputy's step in Khối 8's plan: the deputy issues its
    report, signed by the deputy's head, not the leader."""
    refused = Api(client, "tttt.canbo").post("/documents/bao-cao-so-ket/issue")
    assert refused.status_code == 403 and "Khối phó" in refused.get_json()["error"]["message"]
    issued = Api(client, "ldtbxh.canbo").post("/documents/bao-cao-so-ket/issue")
    assert issued.status_code == 201, issued.get_json()
    row = db.session.scalars(select(IssuedDocument)).one()
    assert row.signer_title.startswith("TM. KHỐI THI ĐUA KHỐI 8 KHỐI PHÓ")
    assert row.number_text == "01/BC-TĐK8" and row.register == "bloc:khoi-8"
