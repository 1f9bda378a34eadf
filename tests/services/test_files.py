"""Files and sheets you can trust (issue 14, point 6): content and name agree (two detectors
and a structural check per type), downloads as attachments, a quota per report checked under a
lock, orphans found, every cell the app writes neutralised against formulas."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import threading
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core.extensions import db
from core.models import Attachment, Unit, User
from core.services import attachments, audit, campaigns, exports, reports
from core.unit_of_work import unit_of_work
from tests.support import api_token, bearer, row_counts
from tests.support.cycle import BASE, Api, at
from tests.support.files import image_bytes, ooxml_bytes, pdf_bytes, xlsx_bytes

ATTACH = f"{BASE}/reports/so-vhttdl/mid_year/attachments"


def upload(api, data: bytes, name: str):
    return api.client.post(ATTACH, headers=api.headers,
                           data={"file": (io.BytesIO(data), name)},
                           content_type="multipart/form-data")


def stored_files(app) -> list[Path]:
    root = Path(app.config["THIDUA_ATTACHMENTS_DIR"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def officer(app, client, demo):
    at(app, 2021, 6, 5, 9, 0)
    return Api(client, "vhttdl.canbo")


# -- content and name -----------------------------------------------------------------------

HOSTILE = [
    (b"%PDF-1.7\n<html><body><script>alert(document.cookie)</script></body></html>\n",
     "bao-cao.pdf", "HTML"),
    (b"%PDF-1.7\n" + b"\n" * 20 + b"<!DOCTYPE html><iframe src=//evil.example>", "a.pdf", "HTML"),
    (pdf_bytes(), "bao-cao.html", "“.html”"),
    (pdf_bytes(), "x.exe", "“.exe”"),
    (pdf_bytes(), "bao-cao.pdf.exe", "“.exe”"),
    (image_bytes("JPEG"), "anh.png", "nội dung là JPEG"),
    (pdf_bytes(javascript="app.alert('x')"), "js.pdf", "JavaScript"),
    (pdf_bytes(launch=True), "launch.pdf", "JavaScript hoặc lệnh chạy"),
    (pdf_bytes(name_tree=True), "names.pdf", "JavaScript"),
    (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "rong.pdf", "không mở được"),
    (ooxml_bytes("docx", extra={"word/vbaProject.bin": b"\x00" * 64}), "macro.docx",
     "macro"),
    (ooxml_bytes("xlsx", content_types=(
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.ms-excel.sheet.'
        'macroEnabled.main+xml"/></Types>')), "macro.xlsx", "macro"),
    (ooxml_bytes("docx", content_types="<Types/>"), "thieu.docx", "thiếu phần chính"),
    (ooxml_bytes("docx", extra={"word/bom.xml": b"0" * 30_000_000}), "bom.docx", "bom nén"),
    (image_bytes("PNG")[:-20], "hong.png", "không đọc được ảnh"),
    (b"MZ\x90\x00" + b"\x00" * 200, "hop-le.pdf", "Loại tệp không được phép"),
]


@pytest.mark.parametrize(("data", "name", "expected"), HOSTILE,
                         ids=[case[1] for case in HOSTILE])
def test_hostile_files_refused_naming_the_file(app, officer, data, name, expected):
    before, files = row_counts(), stored_files(app)
    response = upload(officer, data, name)
    assert response.status_code == 422, response.get_json()
    message = response.get_json()["error"]["message"]
    assert expected in message and f"“{name}”" in message, message
    assert row_counts() == before and stored_files(app) == files  # nothing written


def test_image_pixel_limit(app, officer, monkeypatch):
    monkeypatch.setattr(attachments, "MAX_IMAGE_PIXELS", 100)
    response = upload(officer, image_bytes("PNG", (20, 20)), "lon.png")
    assert response.status_code == 422
    assert "400 điểm ảnh" in response.get_json()["error"]["message"]
    assert upload(officer, image_bytes("PNG", (10, 10)), "nho.png").status_code == 201


@pytest.mark.parametrize(("data", "name", "shown", "kind"), [
    (pdf_bytes(), "Báo cáo sơ kết.PDF", "Báo cáo sơ kết.PDF", "application/pdf"),
    (pdf_bytes(), "bao-cao-v1.2", "bao-cao-v1.2.pdf", "application/pdf"),
    (image_bytes("JPEG"), "anh.jpeg", "anh.jpeg", "image/jpeg"),
    (image_bytes("PNG"), "anh", "anh.png", "image/png"),
    (ooxml_bytes("docx"), "to-trinh.docx", "to-trinh.docx",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (xlsx_bytes(), "so-lieu.xlsx", "so-lieu.xlsx",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
])
def test_good_files_and_their_downloads(app, client, officer, data, name, shown, kind):
    response = upload(officer, data, name)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["name"] == shown and body["content_type"] == kind
    download = client.get(f"{ATTACH}/{body['id']}", headers=officer.headers)
    assert download.status_code == 200 and download.data == data
    assert download.mimetype == kind
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    if not shown.isascii():  # RFC 6266: filename* in UTF-8, an ASCII fallback
        assert "filename*=UTF-8''" in disposition and "B%C3%A1o%20c%C3%A1o" in disposition
    else:
        assert shown in disposition


def test_page_download_is_an_attachment_too(app, client, officer):
    body = upload(officer, pdf_bytes(), "to-trinh").get_json()
    from tests.support import login

    login(client, "yte.canbo")
    page = client.get(f"/campaigns/khoi-8/2021/reports/so-vhttdl/mid_year/attachments/"
                      f"{body['id']}")
    assert page.status_code == 200 and page.mimetype == "application/pdf"
    assert page.headers["Content-Disposition"].startswith("attachment;")
    assert "to-trinh.pdf" in page.headers["Content-Disposition"]
    assert page.headers["X-Content-Type-Options"] == "nosniff"


# -- the quota per report -------------------------------------------------------------------

def test_quota_of_files_and_bytes_per_report(app, officer):
    app.config["THIDUA_REPORT_MAX_FILES"] = 2
    assert upload(officer, pdf_bytes(pages=1), "a.pdf").status_code == 201
    assert upload(officer, pdf_bytes(pages=2), "b.pdf").status_code == 201
    before, files = row_counts(), stored_files(app)
    third = upload(officer, pdf_bytes(pages=3), "c.pdf")
    assert third.status_code == 422 and third.get_json()["error"]["code"] == "report_quota"
    assert "tối đa 2 tệp" in third.get_json()["error"]["message"]
    assert row_counts() == before and stored_files(app) == files

    app.config["THIDUA_REPORT_MAX_FILES"] = 20
    app.config["THIDUA_REPORT_QUOTA_MB"] = 1
    big = pdf_bytes() + b"%" + b"0" * (1024 * 1024 - 600)  # a comment after %%EOF
    refused = upload(officer, big, "lon.pdf")
    assert refused.status_code == 422 and "vượt 1 MB" in refused.get_json()["error"]["message"]
    assert row_counts() == before and stored_files(app) == files


def test_two_concurrent_uploads_cannot_both_pass_the_quota(app, officer, monkeypatch):
    """The second upload waits for the first one's lock on the report, then counts it. Without
    the lock both would reach the write below together (the barrier) and both be stored."""
    assert upload(officer, pdf_bytes(pages=1), "dau-tien.pdf").status_code == 201
    app.config["THIDUA_REPORT_MAX_FILES"] = 2
    barrier = threading.Barrier(2, timeout=1.5)
    real_write = attachments.write_blob

    def write_when_both_are_here(sha256, data):
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass  # the other upload is waiting for the lock (or was refused)
        real_write(sha256, data)

    monkeypatch.setattr(attachments, "write_blob", write_when_both_are_here)
    outcomes: list[str] = []

    def attach(pages: int) -> None:
        with app.app_context():
            try:
                with unit_of_work():
                    campaign = campaigns.get_campaign("khoi-8", 2021)
                    actor = db.session.scalar(select(User).where(User.username == "vhttdl.canbo"))
                    reports.attach(campaign, "so-vhttdl", "mid_year", pdf_bytes(pages=pages),
                                   f"{pages}.pdf", actor=actor)
                outcomes.append("stored")
            except Exception as exc:  # noqa: BLE001 - the refusal is the point
                outcomes.append(getattr(exc, "code", type(exc).__name__))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attach, args=(pages,)) for pages in (2, 3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    db.session.remove()
    assert sorted(outcomes) == ["report_quota", "stored"], outcomes
    assert db.session.scalar(select(db.func.count()).select_from(Attachment)) == 2


# -- the file and its row -------------------------------------------------------------------

def test_failed_request_leaves_an_orphan_that_check_finds_and_sweeps(app, officer, runner,
                                                                     monkeypatch):
    kept = upload(officer, pdf_bytes(), "giu-lai.pdf").get_json()
    clean = runner.invoke(args=["attachments", "check"])
    assert clean.exit_code == 0 and "Không có tệp mồ côi" in clean.output

    def audit_fails(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(audit, "record", audit_fails)
    data = pdf_bytes(pages=4)
    with pytest.raises(RuntimeError):
        upload(officer, data, "that-bai.pdf")
    monkeypatch.undo()
    db.session.rollback()  # what the end of the failed request does to its session
    assert db.session.scalar(select(db.func.count()).select_from(Attachment)) == 1
    orphan = attachments.storage_path(hashlib.sha256(data).hexdigest())
    assert orphan.is_file()  # written before the row, the row rolled back
    listed = runner.invoke(args=["attachments", "check"])
    assert listed.exit_code == 0, listed.output
    assert f"Tệp mồ côi (không có dòng dữ liệu): {orphan}" in listed.output
    assert kept["sha256"] not in listed.output

    young = runner.invoke(args=["attachments", "check", "--delete-orphans"])
    assert "giữ 1 tệp mới hơn một giờ" in young.output and orphan.is_file()
    old = time.time() - 2 * 3600
    os.utime(orphan, (old, old))
    swept = runner.invoke(args=["attachments", "check", "--delete-orphans"])
    assert "Đã xóa 1 tệp mồ côi" in swept.output and not orphan.exists()
    assert attachments.storage_path(kept["sha256"]).is_file()


def test_missing_file_is_an_error(app, officer, runner):
    body = upload(officer, pdf_bytes(), "mat.pdf").get_json()
    attachments.storage_path(body["sha256"]).unlink()
    result = runner.invoke(args=["attachments", "check"])
    assert result.exit_code == 1
    assert f"THIẾU tệp {body['sha256']} (bảng attachments)" in result.output


def test_corrupt_file_found_with_hashes(app, officer, runner):
    body = upload(officer, pdf_bytes(), "hong.pdf").get_json()
    attachments.storage_path(body["sha256"]).write_bytes(b"%PDF-1.4 changed")
    assert runner.invoke(args=["attachments", "check"]).exit_code == 0
    result = runner.invoke(args=["attachments", "check", "--hashes"])
    assert result.exit_code == 1 and "HỎNG" in result.output


def test_every_blob_column_is_checked(app):
    named = {f"{t.name}.{c.name}" for t in db.metadata.tables.values() for c in t.columns
             if c.name == "sha256"}
    checked = {f"{c.table.name}.{c.name}" for c in attachments.BLOB_COLUMNS}
    assert named == checked == {"attachments.sha256", "issued_documents.sha256"}


# -- formulas -------------------------------------------------------------------------------

HOSTILE_NAMES = ['=HYPERLINK("http://evil.example","Bấm")', " @SUM(1+1)*cmd|' /C calc'!A0",
                 "\t=1+1", "-2+3+cmd|' /C calc'!A0", "+thue", "  =2*3", "\r=x", "＝1+1"]


@pytest.mark.parametrize("value", HOSTILE_NAMES)
def test_formula_rule(value):
    assert exports.formula_like(value)
    assert exports.csv_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Sở Y tế", "so-tttt", "2,5", "", "a=b", 5, -3, None])
def test_plain_values_untouched(value):
    assert not exports.formula_like(value)
    assert exports.csv_cell(value) == value


def test_csv_writer_neutralises_every_cell():
    data = exports.csv_bytes([["Mã", "Tên"], ["so-x", HOSTILE_NAMES[0]], ["so-y", "\t=1+1"]])
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[1][1] == "'" + HOSTILE_NAMES[0] and rows[2][1] == "'\t=1+1"


def _assert_neutralised(data: bytes, hostile: set[str]) -> int:
    """No formula element in any sheet; every hostile text a quote-prefixed string cell."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name)
    found = 0
    for sheet in load_workbook(io.BytesIO(data)).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value in hostile:
                    assert cell.data_type == "s" and cell.quotePrefix, (cell.coordinate,
                                                                        cell.value)
                    found += 1
    return found


def test_board_proposals_and_campaign_export_neutralised(app, client, played_year):
    hostile = {}
    for code, value in zip(("so-vhttdl", "so-yte", "so-khcn", "so-gddt"), HOSTILE_NAMES,
                           strict=False):
        unit = db.session.scalar(select(Unit).where(Unit.code == code))
        unit.name = value
        hostile[code] = value
    db.session.commit()
    board = bearer(api_token(client, "bantdkt"))
    proposals = client.get("/api/v1/board/2021/proposals.xlsx", headers=board)
    assert proposals.status_code == 200
    assert _assert_neutralised(proposals.data, set(hostile.values())) >= 1
    export = client.get(f"{BASE}/export.xlsx", headers=board)
    assert export.status_code == 200
    assert _assert_neutralised(export.data, set(hostile.values())) >= 4


@pytest.mark.parametrize("value", [" =HYPERLINK(\"x\")", "\t=1+1", "  @SUM(A1)", "-1+2"])
def test_import_formula_filter_not_bypassed_by_spaces(client, demo, value):
    admin = bearer(api_token(client, "admin"))
    data = f"code,name,short_name\nso-moi,{value},Mới\n".encode()
    before = row_counts()
    response = client.post("/api/v1/imports", headers=admin,
                           data={"file": (io.BytesIO(data), "don-vi.csv"), "kind": "units",
                                 "apply": "true"},
                           content_type="multipart/form-data")
    assert response.status_code == 422, response.get_json()
    assert "công thức" in str(response.get_json())
    assert row_counts() == before
