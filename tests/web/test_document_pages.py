"""The documents pages: the list (draft or issued, with number and date; a unit's documents
only once it sent its work), one document's page with the checklist the service refuses
with, the issue and replace forms for the issuer only, the issued versions kept."""

from sqlalchemy import select

from core.extensions import db
from core.models import PhaseRecord
from core.services.meeting import COUNCIL_MEETING
from tests.support import login, page_client, text

DOCS = "/campaigns/khoi-8/2021/documents"


def test_documents_page_links_and_serves(client, demo):
    assert client.get(f"{DOCS}/").status_code == 302
    login(client, "yte.canbo")
    page = text(client.get(f"{DOCS}/"))
    assert "Biên bản kiểm phiếu" in page and "Dự thảo" in page
    assert f"{DOCS}/bien-ban-kiem-phieu/" in page and f"{DOCS}/bien-ban-kiem-phieu.pdf" in page
    assert f"{DOCS}/dang-ky-so-yte" not in page  # nobody registered yet: no such document
    assert client.get(f"{DOCS}/dang-ky-so-yte.pdf").status_code == 404
    pdf = client.get(f"{DOCS}/bao-cao-so-ket.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert pdf.headers["X-Document-Status"] == "draft"
    xlsx = client.get(f"{DOCS}/export.xlsx")
    assert xlsx.status_code == 200 and xlsx.data.startswith(b"PK")
    campaign_page = text(client.get("/campaigns/khoi-8/2021"))
    assert f"{DOCS}/" in campaign_page


def test_the_issuer_issues_from_the_page_and_replaces_keeping_the_old(app, played_year):
    member = page_client(app, "yte.canbo")
    page = text(member.get(f"{DOCS}/tong-hop-dang-ky/"))
    assert 'id="checklist"' in page and "Sở Tư pháp" in page  # a note: it never registered
    assert f"{DOCS}/tong-hop-dang-ky/issue" not in page
    assert member.post(f"{DOCS}/tong-hop-dang-ky/issue").status_code == 403

    leader = page_client(app, "tttt.canbo")
    page = text(leader.get(f"{DOCS}/tong-hop-dang-ky/"))
    assert f'action="{DOCS}/tong-hop-dang-ky/issue"' in page
    done = leader.post(f"{DOCS}/tong-hop-dang-ky/issue")
    assert done.status_code == 302
    page = text(leader.get(done.headers["Location"]))
    assert "Đã ban hành văn bản số 01/BC-TĐK8." in page
    assert "Số 01/BC-TĐK8, ngày 25/02/2022" in page and 'id="versions"' in page
    assert f'action="{DOCS}/tong-hop-dang-ky/replace"' in page
    listing = text(member.get(f"{DOCS}/"))
    assert "Đã ban hành" in listing and "01/BC-TĐK8" in listing and "25/02/2022" in listing

    refused = leader.post(f"{DOCS}/tong-hop-dang-ky/replace", data={"reason": ""})
    assert refused.status_code == 422 and "Ghi lý do thay thế văn bản." in text(refused)
    replaced = leader.post(f"{DOCS}/tong-hop-dang-ky/replace",
                           data={"reason": "Bổ sung số liệu đăng ký muộn"})
    assert replaced.status_code == 302
    page = text(leader.get(replaced.headers["Location"]))
    assert "Đã ban hành văn bản thay thế số 02/BC-TĐK8." in page
    assert "đã bị thay thế" in page and "Bổ sung số liệu đăng ký muộn" in page
    assert f"{DOCS}/tong-hop-dang-ky/v1.pdf" in page and f"{DOCS}/tong-hop-dang-ky/v2.pdf" in page
    old = member.get(f"{DOCS}/tong-hop-dang-ky/v1.pdf")
    assert old.status_code == 200 and old.headers["X-Document-Replaced"] == "true"


def test_a_refused_issue_shows_the_checklist(app, played_year):
    record = db.session.scalars(select(PhaseRecord).where(
        PhaseRecord.step == COUNCIL_MEETING)).one()
    db.session.delete(record)
    db.session.commit()
    leader = page_client(app, "tttt.canbo")
    refused = leader.post(f"{DOCS}/bien-ban-kiem-phieu/issue")
    assert refused.status_code == 409
    page = text(refused)
    assert "Chưa ban hành được: số liệu của văn bản chưa đầy đủ." in page
    assert 'data-code="meeting_not_recorded"' in page
    assert "Chưa ghi thông tin cuộc họp bình xét: thời gian họp, địa điểm, chủ tọa" in page
    assert text(leader.get(f"{DOCS}/")).count("Đã ban hành") == 0
