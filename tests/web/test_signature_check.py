"""The signature-check page: signed-in users only; a valid signature, a changed document, an
untrusted signer, an unsigned PDF, a file that is not a PDF and one over the size limit, each
told in Vietnamese; nothing is stored."""

from __future__ import annotations

import io

import pytest

from core.services import pdf, signing
from tests.support import login, pki
from tests.support.html import counts, csrf_token, parse

PATH = "/signatures/check"


@pytest.fixture(scope="module")
def signed_pdfs(tmp_path_factory):
    """A small PDF/A document signed by a trusted CA's signer and by an untrusted one, and the
    trusted CA's PEM file."""
    tmp = tmp_path_factory.mktemp("sigcheck")
    ca, other = pki.make_ca(), pki.make_ca("Other CA", "Lạ")
    html = ("<html lang='vi'><head><meta charset='utf-8'><title>Công văn</title><style>"
            f"{pdf.font_face_css()} body {{ font-family: VNSerif; }}</style></head>"
            "<body><p>Văn bản thử nghiệm ký số.</p><p>Trần Thị Bình</p></body></html>")
    plain = pdf.render(html)
    signed = {}
    for key, authority in (("trusted", ca), ("untrusted", other)):
        (tmp / f"{key}.p12").write_bytes(pki.issue(authority, "Trần Thị Bình").pkcs12("pw"))
        signed[key] = signing.sign(plain, config=signing.SigningConfig(
            pkcs12=tmp / f"{key}.p12", password="pw"), appearance=signing.Appearance(
            name="Trần Thị Bình", signature_image=pki.signature_png()))
    signed["plain"] = plain
    return signed, str(ca.write_pem(tmp / "ca.pem"))


def upload(client, data: bytes, name: str = "van-ban.pdf"):
    return client.post(PATH, data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


@pytest.fixture
def signed_in(app, demo, client, signed_pdfs):
    app.config["THIDUA_SIGNING_TRUST_ROOTS"] = signed_pdfs[1]
    assert login(client, "vhttdl.canbo").status_code == 302
    return client


def test_anonymous_users_are_sent_to_sign_in(client, demo):
    response = client.get(PATH)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post(PATH).status_code == 302


def test_a_valid_signature(signed_in, signed_pdfs, app):
    before = counts(app)
    page = parse(upload(signed_in, signed_pdfs[0]["trusted"]))
    verdict = page.by_id("verdict")
    assert "Chữ ký số hợp lệ" in verdict.text and "alert-success" in verdict.attrs["class"]
    table = page.by_id("signatures").text
    assert "Trần Thị Bình" in table and "Còn nguyên vẹn" in table and "Được tin cậy" in table
    assert "Không có thay đổi" in table and "+07:00" in table
    assert "van-ban.pdf" in page.by_id("result-h").text
    assert counts(app) == before  # nothing stored


def test_a_document_changed_after_signing(signed_in, signed_pdfs):
    data = bytearray(signed_pdfs[0]["trusted"])
    position = data.index(b"stream", 1000) + 30
    data[position] ^= 0x01
    response = upload(signed_in, bytes(data))
    assert response.status_code == 200
    page = parse(response)
    assert "Văn bản đã bị sửa đổi sau khi ký" in page.by_id("verdict").text
    assert "Đã bị sửa đổi" in page.by_id("signatures").text


def test_an_untrusted_signer(signed_in, signed_pdfs):
    page = parse(upload(signed_in, signed_pdfs[0]["untrusted"]))
    assert "không thuộc tổ chức cung cấp dịch vụ chứng thực được tin cậy" in \
        page.by_id("verdict").text
    assert "Không được tin cậy" in page.by_id("signatures").text


def test_an_unsigned_pdf(signed_in, signed_pdfs):
    page = parse(upload(signed_in, signed_pdfs[0]["plain"]))
    assert page.by_id("verdict").text == "Tệp không có chữ ký số nào."


def test_not_a_pdf_and_no_file_are_refused_clearly(signed_in):
    response = upload(signed_in, b"PK\x03\x04 a word document", "bien-ban.docx")
    assert response.status_code == 422
    errors = parse(response).by_id("form-errors").text
    assert "Tệp “bien-ban.docx” không phải tệp PDF" in errors
    response = upload(signed_in, b"%PDF-1.7\n not really", "hong.pdf")
    assert response.status_code == 422
    assert "bị hỏng hoặc không đọc được" in parse(response).by_id("form-errors").text
    response = signed_in.post(PATH, data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Chọn tệp PDF cần kiểm tra." in parse(response).by_id("form-errors").text


def test_size_limit(signed_in, app):
    app.config["THIDUA_SIGNATURE_CHECK_MAX_MB"] = 1
    response = upload(signed_in, b"%PDF-1.7\n" + b"0" * (1024 * 1024 + 10))
    assert response.status_code == 413
    assert "lớn hơn 1 MB" in parse(response).by_id("form-errors").text


def test_without_trust_roots_the_page_says_so(app, demo, client, signed_pdfs):
    app.config["THIDUA_SIGNING_TRUST_ROOTS"] = None
    login(client, "vhttdl.canbo")
    page = parse(upload(client, signed_pdfs[0]["trusted"]))
    assert "chưa được cấu hình chứng thư gốc tin cậy" in page.text
    assert "Không được tin cậy" in page.by_id("signatures").text


def test_the_form_works_with_csrf_on(csrf_app, signed_pdfs):
    csrf_app.config["THIDUA_SIGNING_TRUST_ROOTS"] = signed_pdfs[1]
    client = csrf_app.test_client()
    token = csrf_token(client, "/login")
    client.post("/login", data={"username": "tttt.canbo", "password": "ThiDua@2021",
                                "csrf_token": token})
    token = csrf_token(client, PATH)
    response = client.post(PATH, data={"file": (io.BytesIO(signed_pdfs[0]["trusted"]),
                                                 "a.pdf"), "csrf_token": token},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    assert "Chữ ký số hợp lệ" in parse(response).by_id("verdict").text
    refused = client.post(PATH, data={"file": (io.BytesIO(b"%PDF-"), "a.pdf")},
                          content_type="multipart/form-data")
    assert refused.status_code == 400
