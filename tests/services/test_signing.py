"""Digital signatures (PAdES, pyHanko) with a test CA made in the test: a signature by a key
in a PKCS#12 file or on a SoftHSM2 token validates as intact, valid and trusted; a byte
changed after signing, a page changed in a later revision and a signer from an untrusted CA
are reported; the visible appearance stands between the signer's title and name, shows the
signing time in ISO 8601 with +07:00, and the signed file is still PDF/A-2b."""

from __future__ import annotations

import html as html_module
import io
import re
import shutil
import subprocess
from datetime import datetime, timedelta

import pikepdf
import pytest

from core.services import pdfa, signing
from tests.support import pki
from tests.support.databases import DATABASES
from tests.support.rendered_documents import one_document, pdf_text, signer_name
from tests.support.year import played_app


@pytest.fixture(scope="module")
def ca():
    return pki.make_ca()


@pytest.fixture(scope="module")
def identity(ca):
    return pki.issue(ca)


@pytest.fixture(scope="module")
def document(tmp_path_factory):
    """The tờ trình of Khối 8's played 2021 year, rendered (PDF/A-2b, unsigned)."""
    app = played_app(tmp_path_factory.mktemp("signing"))
    with app.app_context():
        yield one_document(app, "to-trinh")
    DATABASES.release(app)


@pytest.fixture
def config(tmp_path, ca, identity):
    (tmp_path / "signer.p12").write_bytes(identity.pkcs12("mật khẩu"))
    return signing.SigningConfig(pkcs12=tmp_path / "signer.p12", password="mật khẩu",
                                 trust_roots=(ca.write_pem(tmp_path / "ca.pem"),))


def appearance(document, *, seal: bool = True) -> signing.Appearance:
    return signing.Appearance(name=signer_name(document.html),
                              signature_image=pki.signature_png(),
                              seal_image=pki.seal_png() if seal else None)


def widget_rect(data: bytes) -> tuple[int, list[float]]:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for index, page in enumerate(pdf.pages):
            for annot in page.obj.get("/Annots", []):
                if annot.get("/FT") == "/Sig" or annot.get("/Parent", {}).get("/FT") == "/Sig":
                    return index, [float(v) for v in annot.Rect]
    raise AssertionError("no signature widget")


def poppler_lines(data: bytes, tmp_path, page: int) -> list[tuple[str, float, float, float,
                                                                  float, float]]:
    """Each text line of a page with its box, from ``pdftotext -bbox-layout`` (poppler), in
    PDF coordinates (origin bottom-left): text, x_min, y_min, x_max, y_max, page height."""
    path = tmp_path / "layout.pdf"
    path.write_bytes(data)
    html = subprocess.run(["pdftotext", "-bbox-layout", "-f", str(page + 1), "-l",
                           str(page + 1), str(path), "-"], capture_output=True,
                          check=True).stdout.decode()
    height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', html).group(1))
    lines = []
    for match in re.finditer(r'<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                             r'yMax="([\d.]+)">(.*?)</line>', html, re.S):
        words = [html_module.unescape(w)
                 for w in re.findall(r">([^<]+)</word>", match.group(5))]
        x0, y0, x1, y1 = (float(match.group(i)) for i in range(1, 5))
        lines.append((" ".join(words), x0, height - y1, x1, height - y0, height))
    return lines


def test_pkcs12_signature_is_valid_trusted_in_place_and_still_pdfa(document, config, tmp_path):
    assert pdfa.problems(document.pdf) == []
    before = datetime.now().astimezone()
    signed = signing.sign(document.pdf, appearance=appearance(document), config=config,
                          reason="Ban hành văn bản", location="Trà Vinh")
    assert signed.startswith(document.pdf)  # an incremental update: the original is kept
    report = signing.validate(signed, config=config)
    assert report.signed and report.valid and report.intact and report.trusted and report.ok
    assert report.covers_whole_document and not report.modified_after_signing
    assert report.signer == "Nguyễn Văn An"
    assert report.signatures[0].organisation == "Sở Thông tin và Truyền thông"
    assert report.signing_time.utcoffset() == timedelta(hours=7)
    assert before - timedelta(seconds=2) <= report.signing_time <= datetime.now().astimezone()
    # PAdES, and the time in the signature dictionary is Vietnam's too.
    with pikepdf.open(io.BytesIO(signed)) as pdf:
        field = pdf.Root.AcroForm.Fields[0]
        assert field.V.SubFilter == "/ETSI.CAdES.detached"
        assert str(field.V.M).endswith("+07'00'")
        assert str(field.V.Reason) == "Ban hành văn bản"
    # Still PDF/A-2b, every font (the appearance's too) embedded and subset.
    assert pdfa.problems(signed) == []
    fonts = subprocess.run(["pdffonts", "-"], input=signed, capture_output=True).stdout.decode()
    if fonts.strip():
        for line in fonts.splitlines()[2:]:
            assert " yes yes " in line, fonts
    # The appearance stands between the last title line and the signer's name.
    page, (x1, y1, x2, y2) = widget_rect(signed)
    lines = poppler_lines(document.pdf, tmp_path, page)
    name = [line for line in lines if line[0] == signer_name(document.html)][-1]
    title = min((line for line in lines if line[2] > name[4]
                 and line[1] <= (name[1] + name[3]) / 2 <= line[3]), key=lambda line: line[2])
    assert title[0] == "GIÁM ĐỐC SỞ TT&TT"
    assert name[4] - 0.5 <= y1 < y2 <= title[2] + 0.5
    assert abs((x1 + x2) / 2 - (name[1] + name[3]) / 2) < 1.5
    assert y2 - y1 >= 40


def test_the_appearance_shows_the_signing_time_in_iso_8601_with_0700(tmp_path):
    moment = signing.local_iso(datetime(2022, 2, 25, 1, 0, 5).astimezone())
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00", moment)
    page = signing.appearance_pdf(160, 70, signing.Appearance(
        name="X", signature_image=pki.signature_png(), seal_image=pki.seal_png()), moment)
    assert f"Ký số: {moment}" in pdf_text(page)
    with pikepdf.open(io.BytesIO(page)) as pdf:
        images = list(pdf.pages[0].get_images().values())
        assert len(images) == 2  # the signature and the seal, with their transparency
        assert all("/SMask" in image for image in images)
    assert [f for f in pdfa.fonts(page) if not f["embedded"]] == []


def test_a_byte_changed_after_signing_is_detected(document, config):
    signed = bytearray(signing.sign(document.pdf, appearance=appearance(document),
                                    config=config))
    start = signed.index(b"stream", 2000) + 40  # inside a page's compressed stream
    signed[start] ^= 0x01
    report = signing.validate(bytes(signed), config=config)
    assert report.signed and not report.intact and not report.valid and not report.ok
    assert "digest mismatch" in report.signatures[0].problems


def test_a_page_changed_in_a_later_revision_is_reported(document, config):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    signed = signing.sign(document.pdf, appearance=appearance(document), config=config)
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    extra = generic.StreamObject(stream_data=b"BT /F1 30 Tf 100 400 Td (SUA) Tj ET")
    page["/Contents"] = writer.add_object(extra)
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    report = signing.validate(out.getvalue(), config=config)
    assert report.intact and report.valid  # the signed revision itself is untouched
    assert not report.covers_whole_document
    assert report.modified_after_signing and not report.ok


def test_a_second_signature_keeps_the_first_valid(document, config):
    first = signing.sign(document.pdf, appearance=appearance(document, seal=False),
                         config=config)
    both = signing.sign(first, appearance=appearance(document), config=config)
    report = signing.validate(both, config=config)
    assert [s.field for s in report.signatures] == ["ChuKySo1", "ChuKySo2"]
    assert report.ok and report.covers_whole_document
    assert not report.signatures[0].covers_whole_document
    assert pdfa.problems(both) == []


def test_a_signer_from_an_untrusted_ca_is_reported_untrusted(document, config, tmp_path):
    other = pki.issue(pki.make_ca("Other Root CA", "Không được tin cậy"), "Kẻ Lạ")
    (tmp_path / "other.p12").write_bytes(other.pkcs12("x"))
    signed = signing.sign(document.pdf, appearance=appearance(document), config=
                          signing.SigningConfig(pkcs12=tmp_path / "other.p12", password="x"))
    report = signing.validate(signed, config=config)
    assert report.intact and report.valid and not report.trusted and not report.ok
    assert report.signer == "Kẻ Lạ"
    assert "untrusted certificate" in report.signatures[0].problems
    # With no trust root configured at all, nothing is trusted either.
    assert not signing.validate(signed, config=signing.SigningConfig()).trusted


def test_a_document_without_the_name_gets_the_fallback_place(document, config):
    placement = signing.locate(document.pdf, "Người Không Có Tên")
    assert not placement.found
    signed = signing.sign(document.pdf, config=config, appearance=signing.Appearance(
        name="Người Không Có Tên", signature_image=pki.signature_png()))
    assert signing.validate(signed, config=config).ok
    assert signing.locate(document.pdf, signer_name(document.html)).found


def test_unsigned_and_non_pdf_input(document, config):
    report = signing.validate(document.pdf, config=config)
    assert not report.signed and not report.valid and report.signer is None
    with pytest.raises(signing.InvalidPdf):
        signing.validate(b"PK\x03\x04 not a pdf", config=config)
    with pytest.raises(signing.InvalidPdf):
        signing.validate(b"%PDF-1.7\n garbage", config=config)


def test_no_key_configured_or_a_wrong_password_is_a_clear_error(document, config):
    with pytest.raises(signing.SigningError, match="no signing key configured"):
        signing.sign(document.pdf, config=signing.SigningConfig())
    wrong = signing.SigningConfig(pkcs12=config.pkcs12, password="sai")
    with pytest.raises(signing.SigningError):
        signing.sign(document.pdf, config=wrong)


def test_config_from_the_app_settings(tmp_path):
    config = signing.SigningConfig.from_config({
        "THIDUA_SIGNING_PKCS12": "/k/signer.p12", "THIDUA_SIGNING_PASSWORD": "p",
        "THIDUA_SIGNING_TRUST_ROOTS": "/k/a.pem,/k/b.pem", "THIDUA_SIGNING_IMAGES_DIR":
        str(tmp_path)})
    assert config.configured and config.trust_roots == (
        signing.Path("/k/a.pem"), signing.Path("/k/b.pem"))
    (tmp_path / "tttt.thutruong.png").write_bytes(pki.signature_png())
    assert config.image("tttt.thutruong") == pki.signature_png()
    assert config.image("../etc/passwd") is None and config.image(None) is None


@pytest.mark.skipif(shutil.which("softhsm2-util") is None or pki.softhsm_library() is None,
                    reason="SoftHSM2 is not installed (Debian package softhsm2: "
                           "make system-deps)")
def test_pkcs11_token_signature_softhsm2(document, ca, identity, config, tmp_path_factory):
    token = pki.softhsm_token(tmp_path_factory.mktemp("softhsm"), identity)
    on_token = signing.SigningConfig(
        pkcs11_lib=token.lib, pkcs11_token_label=token.label, pkcs11_key_label=token.key_label,
        pkcs11_pin=token.pin, trust_roots=config.trust_roots)
    signed = signing.sign(document.pdf, appearance=appearance(document), config=on_token)
    report = signing.validate(signed, config=on_token)
    assert report.ok and report.signer == "Nguyễn Văn An"
    assert pdfa.problems(signed) == []
    wrong_pin = signing.SigningConfig(pkcs11_lib=token.lib, pkcs11_token_label=token.label,
                                      pkcs11_key_label=token.key_label, pkcs11_pin="000000")
    with pytest.raises(signing.SigningError, match="PKCS#11"):
        signing.sign(document.pdf, config=wrong_pin)


def test_signing_refuses_to_break_pdfa(document, config, monkeypatch):
    """pyHanko appends itself to the information dictionary's /Producer but writes only
    itself in the XMP: the PDF/A conversion leaves /Producer to the XMP, and signing checks
    that a PDF/A-2b document is still one once signed."""
    with pikepdf.open(io.BytesIO(document.pdf)) as pdf:
        assert "/Producer" not in pdf.docinfo
        pdf.docinfo["/Producer"] = pdf.open_metadata()["pdf:Producer"]
        out = io.BytesIO()
        pdf.save(out)
    with_producer = out.getvalue()
    assert pdfa.problems(with_producer) == []
    with pytest.raises(signing.SigningError, match="no longer PDF/A-2b: Producer differs"):
        signing.sign(with_producer, config=config)
