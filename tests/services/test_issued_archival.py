"""What an issued document is, end to end (issue 11, points 4–6): the stored PDF is PDF/A-2b,
carries its number and the audit chain's head in its metadata, and — when a signing key is
configured — a PAdES signature that validates against the province's trust root, with the
head's signature image and the unit's seal; the Word draft has the same text."""

from __future__ import annotations

import io

import pikepdf
from docx import Document
from sqlalchemy import select

from core.extensions import db
from core.models import AuditEvent, User
from core.services import attachments, campaigns, documents, pdfa, signing
from tests.support import pki
from tests.support.rendered_documents import pdf_text


def leader() -> User:
    return db.session.scalar(select(User).where(User.username == "tttt.canbo"))


def test_issued_and_signed_with_a_pkcs12_key(app, played_year, tmp_path):
    ca = pki.make_ca()
    identity = pki.issue(ca, "Trần Văn Khối", "Sở Thông tin và Truyền thông")
    (tmp_path / "signer.p12").write_bytes(identity.pkcs12("mat-khau-ky-so"))
    images = tmp_path / "images"
    images.mkdir()
    (images / "tttt.thutruong.png").write_bytes(pki.signature_png())
    (images / "seal-so-tttt.png").write_bytes(pki.seal_png())
    app.config.update(THIDUA_SIGNING_PKCS12=str(tmp_path / "signer.p12"),
                      THIDUA_SIGNING_PASSWORD="mat-khau-ky-so",
                      THIDUA_SIGNING_IMAGES_DIR=str(images),
                      THIDUA_SIGNING_TRUST_ROOTS=[str(ca.write_pem(tmp_path / "root.pem"))])
    campaign = campaigns.get_campaign("khoi-8", 2021)
    row = documents.issue(campaign, "to-trinh", actor=leader())
    db.session.commit()
    stored = attachments.storage_path(row.sha256).read_bytes()
    # Signed, intact, trusted, over the whole file.
    report = signing.validate(stored, config=signing.SigningConfig.from_config())
    assert report.signed and report.ok, report
    assert report.covers_whole_document and not report.modified_after_signing
    # Still archival after signing, with the number and the chain head in the metadata.
    assert pdfa.problems(stored) == []
    with pikepdf.open(io.BytesIO(stored)) as pdf, pdf.open_metadata() as meta:
        identifier = str(meta.get("dc:identifier", ""))
        keywords = str(meta.get("pdf:Keywords", ""))
    assert row.number_text in identifier or row.number_text in keywords
    issue_event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "document.issue").order_by(AuditEvent.id.desc()))
    assert f"audit:{issue_event.prev_hash}" in keywords  # the head just before the act
    # Served byte-identical afterwards.
    data, issued = documents.get_pdf(campaign, "to-trinh", actor=leader())
    assert issued is not None and data == stored


def test_without_a_key_the_issued_pdf_is_archival_and_unsigned(app, played_year):
    campaign = campaigns.get_campaign("khoi-8", 2021)
    row = documents.issue(campaign, "bang-tong-hop-diem", actor=leader())
    stored = attachments.storage_path(row.sha256).read_bytes()
    assert pdfa.problems(stored) == []
    assert not signing.validate(stored).signed


def test_the_word_draft_has_the_texts_of_the_pdf(app, played_year):
    client = app.test_client()
    client.post("/login", data={"username": "tttt.canbo", "password": "ThiDua@2021"})
    base = "/campaigns/khoi-8/2021/documents/to-trinh"
    response = client.get(f"{base}.docx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    words = " ".join(p.text for p in Document(io.BytesIO(response.data)).paragraphs)
    for table in Document(io.BytesIO(response.data)).tables:
        words += " " + " ".join(c.text for row in table.rows for c in row.cells)
    pdf_words = pdf_text(client.get(f"{base}.pdf").data)
    for phrase in ("TỜ TRÌNH", "Luật Thi đua, khen thưởng", "Nơi nhận"):
        assert phrase.lower() in pdf_words.lower() and phrase.lower() in words.lower(), phrase
    # Outsiders read neither.
    assert app.test_client().get(f"{base}.docx").status_code == 302


def test_signing_works_where_an_event_loop_already_runs(app, played_year, tmp_path):
    """pyHanko's synchronous API starts its own event loop; in a thread where one already
    runs (an async server; a test process that ran Playwright) signing still works. The loop
    runs in a thread of its own, so this test does not depend on the process's own loop."""
    import asyncio
    import threading

    errors: list[BaseException] = []

    async def issue_inside_a_loop():
        with app.app_context():
            test_issued_and_signed_with_a_pkcs12_key(app, played_year, tmp_path)

    def run() -> None:
        try:
            asyncio.run(issue_inside_a_loop())
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive() and errors == []
