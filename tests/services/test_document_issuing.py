"""The register of outgoing documents and the issue act, at the service: numbers never
repeat, even when two documents are issued at the same moment (PostgreSQL, threads); each
year starts again at 01; one sequence for the bloc's year or one per type, as configured;
the helpers that print names and numbers."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.models import IssuedDocument, User
from core.services import campaigns, documents
from tests.support import api_token, bearer, database_kind
from tests.support.cycle import BASE, at


def leader() -> User:
    return db.session.scalar(select(User).where(User.username == "tttt.canbo"))


@pytest.mark.skipif(database_kind() != "postgresql", reason="concurrency is tested on PostgreSQL")
@pytest.mark.parametrize("per_type", [False, True])
def test_concurrent_issues_never_share_a_number(played_year, per_type):
    """Two minutes (one type, BB) and the same document twice, issued at one moment: every
    number is given once; the same document is issued once, the other request is told."""
    played_year.config["THIDUA_REGISTER_PER_TYPE"] = per_type
    headers = bearer(api_token(played_year.test_client(), "tttt.canbo"))
    names = ["bien-ban-kiem-phieu", "bien-ban-hop-binh-xet", "bien-ban-kiem-phieu"]
    barrier = threading.Barrier(len(names))
    answers: list[tuple[str, int, dict]] = []

    def issue(name: str) -> None:
        client = played_year.test_client()
        barrier.wait(timeout=30)
        response = client.post(f"{BASE}/documents/{name}/issue", headers=headers)
        answers.append((name, response.status_code, response.get_json()))

    threads = [threading.Thread(target=issue, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    db.session.rollback()
    statuses = sorted(code for _name, code, _body in answers)
    assert statuses == [201, 201, 409], answers
    refused = next(body for _n, code, body in answers if code == 409)
    assert refused["error"]["code"] == "already_issued"
    numbers = sorted(body["number"] for _n, code, body in answers if code == 201)
    assert numbers == ["01/BB-TĐK8", "02/BB-TĐK8"]
    rows = db.session.scalars(select(IssuedDocument)).all()
    assert len(rows) == 2 and len({(r.register, r.register_year, r.series, r.number)
                                   for r in rows}) == 2


def test_numbers_follow_the_register_year_and_series(played_year):
    campaign = campaigns.get_campaign("khoi-8", 2021)
    first = documents.issue(campaign, "to-trinh", actor=leader())
    second = documents.issue(campaign, "bang-tong-hop-diem", actor=leader())
    assert (first.number_text, second.number_text) == ("01/TTr-TĐK8", "02/BC-TĐK8")
    assert (first.register, first.register_year, first.series) == ("bloc:khoi-8", 2022, "")
    at(played_year, 2023, 1, 3, 9, 0)  # a new year: the register starts again
    played_year.config["THIDUA_REGISTER_PER_TYPE"] = True
    third = documents.issue(campaign, "bien-ban-kiem-phieu", actor=leader())
    fourth = documents.issue(campaign, "bien-ban-hop-binh-xet", actor=leader())
    assert (third.number_text, fourth.number_text) == ("01/BB-TĐK8", "02/BB-TĐK8")
    assert third.series == "BB" and third.document_date.isoformat() == "2023-01-03"
    assert third.signer_name and fourth.signer_name == "Nguyễn Văn Này"  # the chair signs
    assert db.session.scalar(select(func.count()).select_from(IssuedDocument)) == 4


def test_the_checklist_is_one_list_for_the_page_and_the_refusal(app, demo):
    """Nothing of the vote is done in the demo: every condition of the council minutes is listed."""
    campaign = campaigns.get_campaign("khoi-8", 2021)
    kind, unit = documents._resolve(campaign, "bien-ban-hop-binh-xet")
    codes = [i["code"] for i in documents.checklist(campaign, kind, unit)]
    assert codes == ["step_not_settled", "scores_unverified", "meeting_not_recorded",
                     "attendance_not_recorded"]
    with pytest.raises(documents.DocumentIncomplete) as refused:
        documents.issue(campaign, "bien-ban-hop-binh-xet", actor=leader())
    assert [i["code"] for i in refused.value.to_dict()["error"]["checklist"]] == codes
    assert refused.value.status == 409


def test_names_and_numbers_as_printed():
    assert documents.number_text(5, "BC-TĐK8") == "05/BC-TĐK8"
    assert documents.number_text(123, "BB-TĐK8") == "123/BB-TĐK8"
    assert documents.person_name("Ông Lê Văn Đức (Sở Y tế)") == "Lê Văn Đức"
    assert documents.person_name("Bà Trần Thị Ánh, Chánh Văn phòng") == "Trần Thị Ánh"
    assert documents.person_name("Nguyễn Văn A") == "Nguyễn Văn A"


def test_issuer_lines_break_between_phrases(app):
    wrap = documents.wrap_lines
    assert wrap("SỞ LAO ĐỘNG – THƯƠNG BINH VÀ XÃ HỘI", 66) == ["SỞ LAO ĐỘNG – THƯƠNG BINH",
                                                            "VÀ XÃ HỘI"]
    assert wrap("SỞ THÔNG TIN VÀ TRUYỀN THÔNG", 66) == ["SỞ THÔNG TIN", "VÀ TRUYỀN THÔNG"]
    assert wrap("SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH", 66) == ["SỞ VĂN HÓA,",
                                                        "THỂ THAO VÀ DU LỊCH"]
    assert wrap("SỞ TƯ PHÁP", 66) == ["SỞ TƯ PHÁP"]
    assert wrap("SỞ THÔNG TIN VÀ TRUYỀN THÔNG", 120) == ["SỞ THÔNG TIN VÀ TRUYỀN THÔNG"]
