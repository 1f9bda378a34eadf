"""PDF/A-2b: every document of a played year embeds and subsets every font (no idle
Helvetica left by reportlab), declares PDF/A-2b in its XMP, carries an sRGB output intent
and its title; checked with pikepdf and with poppler's pdffonts."""

from __future__ import annotations

import io
import subprocess

import pikepdf
import pytest

from core.services import pdf, pdfa
from tests.support.databases import DATABASES
from tests.support.rendered_documents import every_document
from tests.support.year import played_app


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    app = played_app(tmp_path_factory.mktemp("pdfa"))
    with app.app_context():
        yield every_document(app)
    DATABASES.release(app)


def pdffonts(data: bytes, tmp_path) -> list[list[str]]:
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True).stdout
    lines = out.decode().splitlines()[2:]
    return [line.split() for line in lines]


def assert_pdfa(data: bytes, tmp_path, *, title: str | None = None) -> None:
    assert pdfa.problems(data) == []
    fonts = pdffonts(data, tmp_path)
    assert fonts, "no font at all"
    for columns in fonts:
        # name type... encoding emb sub uni object-id generation
        emb, sub = columns[-5], columns[-4]
        assert (emb, sub) == ("yes", "yes"), columns
        assert "Helvetica" not in columns[0]
    with pikepdf.open(io.BytesIO(data)) as doc:
        meta = doc.open_metadata()
        assert meta["pdfaid:part"] == "2" and meta["pdfaid:conformance"] == "B"
        assert meta["dc:language"] == {"vi"} or "vi" in meta["dc:language"]
        assert meta["pdf:Producer"].startswith("thidua")
        assert "/Metadata" in doc.Root and "/Filter" not in doc.Root.Metadata
        intents = doc.Root.OutputIntents
        assert len(intents) == 1 and intents[0].S == "/GTS_PDFA1"
        assert str(intents[0].OutputConditionIdentifier) == "sRGB IEC61966-2.1"
        icc = intents[0].DestOutputProfile.read_bytes()
        assert icc[36:40] == b"acsp" and icc[16:20] == b"RGB " and b"sRGB" in icc
        assert not doc.is_encrypted
        if title is not None:
            assert meta["dc:title"] == title
            assert str(doc.docinfo["/Title"]) == title


def test_every_document_of_a_played_year_is_pdfa_2b(rendered, tmp_path):
    assert len(rendered) >= 8
    for document in rendered:
        with pikepdf.open(io.BytesIO(document.pdf)) as doc:
            title = str(doc.docinfo["/Title"])
        assert title.strip(), document.name
        assert_pdfa(document.pdf, tmp_path, title=title)
    names = {d.name for d in rendered}
    assert {"bang-tong-hop-diem", "to-trinh", "bien-ban-kiem-phieu"} <= names


def test_metadata_carries_title_and_number(app, tmp_path):
    html = ("<html lang='vi'><head><meta charset='utf-8'><title>Tờ trình</title><style>"
            f"{pdf.font_face_css()} body {{ font-family: VNSerif; }}</style></head>"
            "<body><p>Đề nghị khen thưởng</p></body></html>")
    data = pdf.render(html, metadata=pdf.PdfMetadata(
        title="Tờ trình đề nghị khen thưởng", number="05/TTr-K8",
        subject="Đề nghị tặng Cờ thi đua", author="Khối thi đua số 8"))
    assert_pdfa(data, tmp_path, title="Tờ trình đề nghị khen thưởng")
    with pikepdf.open(io.BytesIO(data)) as doc:
        meta = doc.open_metadata()
        assert meta["dc:identifier"] == "05/TTr-K8"
        assert "05/TTr-K8" in meta["pdf:Keywords"]
        assert meta["dc:description"] == {"x-default": "Đề nghị tặng Cờ thi đua"} or \
            "Đề nghị tặng Cờ thi đua" in str(meta["dc:description"])
        assert str(doc.docinfo["/Author"]) == "Khối thi đua số 8"
    # The HTML title is the default.
    plain = pdf.render(html)
    with pikepdf.open(io.BytesIO(plain)) as doc:
        assert doc.open_metadata()["dc:title"] == "Tờ trình"


def test_xhtml2pdf_alone_leaves_an_idle_helvetica_that_convert_takes_out(app, tmp_path):
    """The old renderer's output fails the checks; the conversion fixes exactly that."""
    from xhtml2pdf import pisa

    html = ("<html><head><meta charset='utf-8'><title>T</title><style>"
            f"{pdf.font_face_css()} p {{ font-family: VNSerif; }}</style></head>"
            "<body><p>Việt Nam</p></body></html>")
    out = io.BytesIO()
    pisa.CreatePDF(html, dest=out, encoding="utf-8")
    raw = out.getvalue()
    found = pdfa.problems(raw)
    assert "font Helvetica is not embedded" in found
    assert any("PDF/A-2b" in p for p in found) and any("output intent" in p for p in found)
    assert pdfa.problems(pdfa.convert(raw)) == []


def test_a_non_embedded_font_that_draws_text_is_refused(app):
    from xhtml2pdf import pisa

    out = io.BytesIO()
    pisa.CreatePDF("<html><body><p style='font-family: Helvetica'>Hello</p></body></html>",
                   dest=out)
    with pytest.raises(pdfa.PdfAError, match="Helvetica is not embedded"):
        pdfa.convert(out.getvalue())


def test_the_byte_level_edit_is_checked_and_falls_back_to_a_full_rewrite(app, monkeypatch):
    """Should the quick edit of the content stream ever change anything but the idle font
    selections, the stream is rewritten from a full parse instead: same text, same result."""
    import re

    from xhtml2pdf import pisa

    html = ("<html><head><meta charset='utf-8'><title>T</title><style>"
            f"{pdf.font_face_css()} p {{ font-family: VNSerif; }}</style></head>"
            "<body><p>Việt Nam</p><p>Thi đua</p></body></html>")
    out = io.BytesIO()
    pisa.CreatePDF(html, dest=out, encoding="utf-8")
    quick = pdfa.convert(out.getvalue())
    monkeypatch.setattr(pdfa, "_selection", lambda name: re.compile(rb"T"))  # breaks text
    slow = pdfa.convert(out.getvalue())
    for data in (quick, slow):
        assert pdfa.problems(data) == []
        text = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True,
                              check=True).stdout.decode()
        assert "Việt Nam" in text and "Thi đua" in text
        with pikepdf.open(io.BytesIO(data)) as doc:
            content = doc.pages[0].Contents.read_bytes()
            assert b"/F1 12 Tf" not in content and b"Tf" in content
