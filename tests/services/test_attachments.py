"""Attachments: type by content, size limit, path-like names, storage by SHA-256, readers."""

import hashlib
import io
from pathlib import Path

import pytest

from tests.support import row_counts
from tests.support.cycle import BASE, Api, at
from tests.support.files import image_bytes, ooxml_bytes, pdf_bytes

PDF = pdf_bytes()
PNG = image_bytes("PNG")


def docx_bytes() -> bytes:
    return ooxml_bytes("docx")


def upload(api, data: bytes, name: str):
    return api.client.post(f"{BASE}/reports/so-vhttdl/mid_year/attachments",
                           headers=api.headers,
                           data={"file": (io.BytesIO(data), name)},
                           content_type="multipart/form-data")


@pytest.fixture
def officer(app, client, demo):
    at(app, 2021, 6, 5, 9, 0)
    return Api(client, "vhttdl.canbo")


@pytest.mark.parametrize(("data", "name", "kind"), [
    (PDF, "bao-cao.pdf", "application/pdf"),
    (PNG, "anh.png", "image/png"),
    (docx_bytes(), "Báo cáo sơ kết.docx",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
])
def test_allowed_files_stored_by_hash(app, officer, data, name, kind):
    response = upload(officer, data, name)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert body["size"] == len(data) and body["name"] == name
    stored = Path(app.config["THIDUA_ATTACHMENTS_DIR"]) / body["sha256"][:2] / body["sha256"]
    assert stored.read_bytes() == data
    report = officer.get("/reports/so-vhttdl/mid_year").get_json()
    assert report["attachments"][0]["content_type"] == kind
    download = officer.client.get(
        f"{BASE}/reports/so-vhttdl/mid_year/attachments/{body['id']}", headers=officer.headers)
    assert download.status_code == 200 and download.data == data


def test_type_checked_by_content_not_name(officer):
    before = row_counts()
    response = upload(officer, b"MZ\x90\x00 not a pdf at all", "hop-le.pdf")
    assert response.status_code == 422
    assert "Loại tệp không được phép" in response.get_json()["error"]["message"]
    assert row_counts() == before


def test_too_large(app, officer):
    app.config["THIDUA_MAX_UPLOAD_MB"] = 1
    before = row_counts()
    response = upload(officer, PDF + b"0" * (1024 * 1024), "lon.pdf")
    assert response.status_code == 413
    assert "quá lớn" in response.get_json()["error"]["message"]
    assert row_counts() == before


def test_path_like_name_kept_as_display_text_only(app, officer):
    response = upload(officer, PDF, "../../x")
    assert response.status_code == 201
    body = response.get_json()
    assert body["name"] == "x.pdf"  # the name gets the content's extension
    root = Path(app.config["THIDUA_ATTACHMENTS_DIR"]).resolve()
    assert not (root.parent.parent / "x").exists()
    assert all(p.resolve().is_relative_to(root) for p in root.rglob("*"))


def test_other_member_reads_but_cannot_upload(app, client, officer):
    body = upload(officer, PDF, "a.pdf").get_json()
    other = Api(client, "yte.canbo")
    assert client.get(f"{BASE}/reports/so-vhttdl/mid_year/attachments/{body['id']}",
                      headers=other.headers).status_code == 200
    before = row_counts()
    assert upload(other, PDF, "b.pdf").status_code == 403
    assert row_counts() == before
    anonymous = client.get(f"{BASE}/reports/so-vhttdl/mid_year/attachments/{body['id']}")
    assert anonymous.status_code == 401
