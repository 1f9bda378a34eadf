"""Official documents: the exact Vietnamese text, the shipped font embedded and used for every
glyph, A4, page numbers from page 2, drafts marked, final documents byte-identical; the
workbook reopens with the right values."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.support import api_token, bearer, database_kind
from tests.support.databases import DATABASES
from tests.support.year import played_app

BASE = "/api/v1/campaigns/khoi-8/2021"
MOTTO = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
EXPECTED = {
    "dang-ky-so-vhttdl": ["BẢN ĐĂNG KÝ THI ĐUA", "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH",
                          "Nghiên cứu, tham mưu xây dựng các văn bản quy phạm pháp luật",
                          "Không áp dụng: Không thuộc lĩnh vực của đơn vị", "GIÁM ĐỐC SỞ VH-TT&DL"],
    "tong-hop-dang-ky": ["TỔNG HỢP ĐĂNG KÝ THI ĐUA", "Sở Tư pháp", "Chưa đăng ký",
                         "Số đơn vị đã đăng ký: 7/8."],
    "bao-cao-so-ket": ["BÁO CÁO SƠ KẾT 6 THÁNG", "Sở Lao động – Thương binh và Xã hội",
                       "KHỐI PHÓ", "20/07/2021", "chuyển đổi số"],
    "tu-cham-diem-so-vhttdl": ["BẢNG TỰ CHẤM ĐIỂM", "Tổng điểm tự chấm",
                               "Báo cáo số 12/BC ngày 15/12/2021"],
    "bang-tong-hop-diem": ["BẢNG TỔNG HỢP KẾT QUẢ CHẤM ĐIỂM", "Sở Giáo dục và Đào tạo",
                           "Chưa có minh chứng về văn bản thứ hai", "Không đăng ký thi đua",
                           "cùng hạng"],
    "bien-ban-kiem-phieu": ["BIÊN BẢN KIỂM PHIẾU", "Ông Lê Văn Đức (Sở Y tế)",
                            "Số phiếu phát ra: 8; số phiếu thu về: 7; số phiếu hợp lệ: 7; số "
                            "phiếu không hợp lệ: 0", "87,5%",
                            "Kết luận: Sở Văn hóa, Thể thao và Du lịch.", "Mã danh sách cử tri"],
    "bien-ban-hop-binh-xet": ["BIÊN BẢN HỌP BÌNH XÉT", "Thư ký: Bà Trần Thị Ánh",
                              "Đơn vị vắng mặt: Sở Tư pháp.",
                              "Khối trưởng năm 2022: Sở Lao động – Thương binh và Xã hội"],
    "to-trinh": ["TỜ TRÌNH ĐỀ NGHỊ KHEN THƯỞNG", "Kính gửi: Ban Thi đua – Khen thưởng tỉnh.",
                 "Đề nghị tặng Cờ thi đua của UBND tỉnh", "Sở Khoa học và Công nghệ"],
}


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """One app, one played year (a copy of the "year" template: tests/support/year.py),
    shared by the tests of this module."""
    app = played_app(tmp_path_factory.mktemp("docs"))
    with app.app_context():
        client = app.test_client()
        yield app, client, bearer(api_token(client, "tttt.canbo"))
    DATABASES.release(app)


def text_of(data: bytes, *, first: int | None = None, last: int | None = None) -> str:
    args = ["pdftotext", "-raw", "-enc", "UTF-8"]
    if first:
        args += ["-f", str(first)]
    if last:
        args += ["-l", str(last)]
    result = subprocess.run([*args, "-", "-"], input=data, capture_output=True, check=True)
    return re.sub(r"\s+", " ", result.stdout.decode("utf-8"))


def fonts_drawing_text(data: bytes) -> set[str]:
    """The base fonts of every text-showing operator (Tj, TJ, ', ") on every page."""
    reader = PdfReader(io.BytesIO(data))
    used: set[str] = set()
    for page in reader.pages:
        fonts = {name: str(ref.get_object()["/BaseFont"])
                 for name, ref in page["/Resources"]["/Font"].items()}
        content = page.get_contents().get_data().decode("latin-1")
        current = None
        for token in re.finditer(r"/([\w+.-]+)\s+[\d.]+\s+Tf|(\((?:\\.|[^\\)])+\)|<[0-9A-Fa-f]+>|\[[^\]]*\])\s*(Tj|TJ|'|\")", content):
            if token.group(1):
                current = "/" + token.group(1)
            elif current is not None:
                used.add(fonts[current])
    return used


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_document_text_font_and_page_size(finished, name):
    app, client, headers = finished
    response = client.get(f"{BASE}/documents/{name}.pdf", headers=headers)
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Document-Status"] == "final"
    data = response.data
    text = text_of(data)
    for expected in [*MOTTO, "Trà Vinh, ngày 25 tháng 02 năm 2022", "Nơi nhận:", *EXPECTED[name]]:
        assert expected in text, f"{name}: missing {expected!r}"
    assert "DỰ THẢO" not in text
    fonts = subprocess.run(["pdffonts", "-"], input=data, capture_output=True).stdout.decode()
    if not fonts.strip():  # older poppler reads only files
        path = Path(app.instance_path) / f"{name}.pdf"
        path.write_bytes(data)
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True,
                               check=True).stdout.decode()
    embedded = [line for line in fonts.splitlines() if "LiberationSerif" in line]
    assert embedded and all(" yes yes yes " in line for line in embedded), fonts
    drawing = fonts_drawing_text(data)
    assert drawing and all("LiberationSerif" in font for font in drawing), drawing
    reader = PdfReader(io.BytesIO(data))
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width), round(height)) == (595, 842)  # A4 in points
    first_page = text_of(data, first=1, last=1).strip()
    assert not re.search(r"(^| )1$", first_page), "page 1 carries a page number"
    if len(reader.pages) > 1:
        assert text_of(data, first=2, last=2).strip().split(" ")[-1] == "2" or \
            re.search(r"(^| )2( |$)", text_of(data, first=2, last=2))


def test_final_document_is_byte_identical(finished):
    app, client, headers = finished
    first = client.get(f"{BASE}/documents/bien-ban-kiem-phieu.pdf", headers=headers).data
    second = client.get(f"{BASE}/documents/bien-ban-kiem-phieu.pdf", headers=headers).data
    assert first == second
    listed = {d["name"]: d for d in client.get(f"{BASE}/documents", headers=headers).get_json()}
    assert listed["bien-ban-kiem-phieu"]["issued"] is True
    assert len(listed) == 6 + 2 * 8  # six bloc documents + two per unit for eight units


def test_the_get_that_issues_a_final_document_commits_it(finished):
    """A GET that writes: the request's unit of work commits the stored document with its
    audit event (another connection sees them), and it is issued once however often read."""
    from sqlalchemy import func, select

    from core.extensions import db
    from core.models import AuditEvent, IssuedDocument

    app, client, headers = finished
    for _ in range(2):
        response = client.get(f"{BASE}/documents/bien-ban-kiem-phieu.pdf", headers=headers)
        assert response.headers["X-Document-Status"] == "final"
    with db.engine.connect() as other:
        stored = other.scalar(select(func.count()).select_from(IssuedDocument).where(
            IssuedDocument.name == "bien-ban-kiem-phieu"))
        events = other.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "document.issue",
            AuditEvent.object_id == "khoi-8/2021/bien-ban-kiem-phieu"))
    assert (stored, events) == (1, 1)


@pytest.mark.skipif(database_kind() != "postgresql", reason="concurrency is tested on PostgreSQL")
def test_two_requests_issuing_one_document_store_it_once(finished):
    """The second waits for the first's commit (the audit lock) and serves what it stored."""
    import threading

    from sqlalchemy import delete, func, select

    from core.extensions import db
    from core.models import AuditEvent, IssuedDocument

    app, client, headers = finished
    db.session.execute(delete(IssuedDocument).where(IssuedDocument.name == "to-trinh"))
    db.session.commit()
    issued = select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "document.issue", AuditEvent.object_id == "khoi-8/2021/to-trinh")
    before = db.session.scalar(issued)
    barrier = threading.Barrier(2)
    answers: list[tuple[int, str | None]] = []

    def fetch() -> None:
        barrier.wait(timeout=30)
        response = app.test_client().get(f"{BASE}/documents/to-trinh.pdf", headers=headers)
        answers.append((response.status_code, response.headers.get("X-Document-Status")))

    threads = [threading.Thread(target=fetch) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    db.session.rollback()
    assert answers == [(200, "final"), (200, "final")]
    assert db.session.scalar(select(func.count()).select_from(IssuedDocument).where(
        IssuedDocument.name == "to-trinh")) == 1
    assert db.session.scalar(issued) == before + 1


def test_workbook_reopens_with_values(finished):
    app, client, headers = finished
    response = client.get(f"{BASE}/export.xlsx", headers=headers)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Đăng ký", "Chấm điểm", "Xếp hạng", "Kết quả bỏ phiếu"]
    ranking = book["Xếp hạng"]
    assert [c.value for c in ranking[1]] == ["Hạng", "Mã đơn vị", "Đơn vị", "Tổng tự chấm",
                                             "Tổng thẩm định"]
    assert ranking.freeze_panes == "A2"
    rows = list(ranking.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 8 and rows[0][0] == 1
    assert all(isinstance(r[4], int | float) for r in rows)
    assert rows[-1][2] == "Sở Tư pháp" and rows[-1][4] == -8
    votes = book["Kết quả bỏ phiếu"]
    flag = [r for r in votes.iter_rows(min_row=2, values_only=True)
            if r[0] == "co-thi-dua" and r[2] == "so-vhttdl"][0]
    assert flag[3] == 7 and flag[4] == 0.875 and flag[6] == "Có"
    scores = book["Chấm điểm"]
    gddt = [r for r in scores.iter_rows(min_row=2, values_only=True)
            if r[0] == "so-gddt" and r[2] == "1.1"][0]
    assert gddt[6] == 3 and gddt[7] == "Chưa có minh chứng về văn bản thứ hai"


def test_documents_need_a_reader(finished):
    app, client, headers = finished
    assert client.get(f"{BASE}/documents/to-trinh.pdf").status_code == 401
    assert client.get(f"{BASE}/documents/khong-co.pdf", headers=headers).status_code == 404


def test_draft_marked_before_phase_closes(app, client, demo):
    from datetime import datetime

    from core.config import TIMEZONE

    app.config["THIDUA_NOW"] = datetime(2021, 5, 3, 9, 0, tzinfo=TIMEZONE)
    headers = bearer(api_token(client, "tttt.canbo"))
    response = client.get(f"{BASE}/documents/tong-hop-dang-ky.pdf", headers=headers)
    assert response.status_code == 200
    assert response.headers["X-Document-Status"] == "draft"
    assert "DỰ THẢO" in text_of(response.data)


def test_plugin_overrides_a_document_template(app, client, demo, tmp_path):
    """thidua_document_templates: frozen into the snapshot and used for that document."""
    from sqlalchemy.orm.attributes import flag_modified

    from core.extensions import db
    from core.services.campaigns import get_campaign

    campaign = get_campaign("khoi-8", 2021)
    campaign.snapshot["documents"] = {"tong-hop-dang-ky": "pdf/test_override.html"}
    flag_modified(campaign, "snapshot")
    db.session.commit()
    template = Path(app.root_path).parent / "templates" / "pdf" / "test_override.html"
    template.write_text('{% extends "pdf/_base.html" %}{% block body %}<p>Mẫu riêng của '
                        'khối: đã thay thế.</p>{% endblock %}', encoding="utf-8")
    try:
        headers = bearer(api_token(client, "tttt.canbo"))
        data = client.get(f"{BASE}/documents/tong-hop-dang-ky.pdf", headers=headers).data
        assert "Mẫu riêng của khối: đã thay thế." in text_of(data)
    finally:
        template.unlink()
