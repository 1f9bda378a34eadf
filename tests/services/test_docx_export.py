"""Word versions: every document of a played year converts to a DOCX that python-docx opens,
with the same words as the PDF (pdftotext) and the state format's layout: A4, the template's
margins, Times New Roman 13–14 pt, the two-column header, the grid tables with borders, the
signature table, page numbers from page 2."""

from __future__ import annotations

import io
import re
from collections import Counter

import pikepdf
import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from lxml import html as lxml_html

from core.services import docx_export
from tests.support.databases import DATABASES
from tests.support.rendered_documents import every_document, pdf_text
from tests.support.year import played_app


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    app = played_app(tmp_path_factory.mktemp("docx"))
    with app.app_context():
        yield every_document(app)
    DATABASES.release(app)


def repeated_header_words(html: str) -> set[str]:
    root = lxml_html.document_fromstring(html.encode(), parser=lxml_html.HTMLParser(
        encoding="utf-8"))
    return {word for table in root.iter("table") if table.get("repeat")
            for tr in list(table.iter("tr"))[:1] for cell in tr
            for word in cell.text_content().split()}


def words(text: str) -> Counter:
    return Counter(text.split())


def test_every_document_has_the_same_words_as_its_pdf(rendered):
    assert len(rendered) >= 8
    for document in rendered:
        data = docx_export.from_html(document.html)
        Document(io.BytesIO(data))  # python-docx opens it
        in_docx = words(docx_export.text_of(data))
        in_pdf = words(pdf_text(document.pdf, "-raw"))
        assert in_docx - in_pdf == Counter(), document.name
        # What only the PDF has: its page numbers ("2", "3", … at the top of each page) and
        # the header rows of long tables, repeated on each page (Word repeats them too, as
        # a layout, not as text).
        extra = in_pdf - in_docx
        with pikepdf.open(io.BytesIO(document.pdf)) as pdf:
            pages = len(pdf.pages)
        repeated = repeated_header_words(document.html)
        assert all(word in repeated or word.isdigit() and 2 <= int(word) <= max(pages, 2)
                   for word in extra), (document.name, extra)


def test_layout_of_the_state_format(rendered):
    document = next(d for d in rendered if d.name == "to-trinh")
    docx = Document(io.BytesIO(docx_export.from_html(document.html)))
    section = docx.sections[0]
    assert section.orientation == WD_ORIENT.PORTRAIT
    assert abs(section.page_width - Mm(210)) < Mm(0.5)
    assert abs(section.page_height - Mm(297)) < Mm(0.5)
    margins = re.search(r"@page \{[^}]*margin: ([^;]+);", document.html).group(1).split()
    top, right, bottom, left = (float(m.removesuffix("mm")) for m in margins)
    for actual, expected in ((section.top_margin, top), (section.right_margin, right),
                             (section.bottom_margin, bottom), (section.left_margin, left)):
        assert abs(actual - Mm(expected)) < Mm(0.2)
    assert (top, right, bottom, left)[3] == 30  # the binding margin on the left
    normal = docx.styles["Normal"]
    assert normal.font.name == "Times New Roman" and normal.font.size == Pt(13)
    # Page numbers: a PAGE field centred in the header, not on the first page.
    assert section.different_first_page_header_footer
    header = section.header.paragraphs[0]
    assert header.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert "PAGE" in "".join(t.text for t in header._p.iter(qn("w:instrText")))
    tables = docx.tables
    head, sign = tables[0], tables[-1]
    # The two-column header: issuer and number left, motto and place-date right.
    left_cell, right_cell = head.rows[0].cells
    assert "KHỐI THI ĐUA KHỐI 8" in left_cell.text and "Số:" in left_cell.text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in right_cell.text
    motto = next(p for p in right_cell.paragraphs if p.text.startswith("CỘNG HÒA"))
    assert motto.runs[0].bold and motto.alignment == WD_ALIGN_PARAGRAPH.CENTER
    place = next(p for p in right_cell.paragraphs if "ngày" in p.text)
    assert place.runs[0].italic
    assert "nil" in head._tbl.tblPr.xml and "single" not in head._tbl.tblPr.xml
    # The grid tables have borders; their header cells are bold.
    grid = tables[1]
    assert 'w:val="single"' in grid._tbl.tblPr.xml
    assert grid.rows[0].cells[1].paragraphs[0].runs[0].bold
    # The signature table: "Nơi nhận:" left; the title lines, room to sign, the name right.
    recipients, signature = sign.rows[0].cells
    assert recipients.paragraphs[0].text == "Nơi nhận:"
    assert recipients.paragraphs[0].runs[0].bold and recipients.paragraphs[0].runs[0].italic
    lines = [p.text for p in signature.paragraphs]
    assert lines[0].startswith("TM. KHỐI THI ĐUA KHỐI 8")
    assert lines[-1] == re.findall(r'class="sign-name">([^<]+)<', document.html)[-1]
    assert sum(1 for line in lines if not line.strip()) >= 3  # room for the signature
    assert signature.paragraphs[-1].runs[0].bold
    assert signature.paragraphs[-1].alignment == WD_ALIGN_PARAGRAPH.CENTER
    # The title and its subject: bold 14 pt, centred.
    title = next(p for p in docx.paragraphs if p.text == "TỜ TRÌNH")
    assert title.runs[0].bold and title.runs[0].font.size == Pt(14)
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    body = next(p for p in docx.paragraphs if p.text.startswith("Căn cứ Luật"))
    assert body.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
    assert body.paragraph_format.first_line_indent is not None


def test_a_landscape_document_and_the_html_subset():
    html = """<html lang="vi"><head><title>Thử</title><style>
    @page { size: a4 landscape; margin: 15mm 20mm 15mm 25mm; }
    p.note { font-style: italic; font-size: 12pt; text-align: right; }
    .red { color: #b00000; font-weight: bold; }
    </style></head><body>
    <h2>Danh sách</h2>
    <ul><li>Một <b>đậm</b></li><li>Hai <i>nghiêng</i></li></ul>
    <ol><li>Thứ nhất</li></ol>
    <p class="note">Ghi chú<br/>dòng hai <span class="red">đỏ</span></p>
    <table class="grid"><tr><th colspan="2">Gộp</th></tr><tr><td>a</td><td>b</td></tr></table>
    </body></html>"""
    docx = Document(io.BytesIO(docx_export.from_html(html)))
    section = docx.sections[0]
    assert section.orientation == WD_ORIENT.LANDSCAPE and section.page_width > section.page_height
    assert abs(section.left_margin - Mm(25)) < Mm(0.2)
    texts = [p.text for p in docx.paragraphs if p.text]
    assert texts[:4] == ["Danh sách", "- Một đậm", "- Hai nghiêng", "1. Thứ nhất"]
    note = next(p for p in docx.paragraphs if p.text.startswith("Ghi chú"))
    assert note.text == "Ghi chú\ndòng hai đỏ"
    assert note.alignment == WD_ALIGN_PARAGRAPH.RIGHT and note.runs[0].italic
    red = next(r for r in note.runs if r.text == "đỏ")
    assert red.bold and str(red.font.color.rgb) == "B00000"
    table = docx.tables[0]
    assert table.rows[0].cells[0].text == "Gộp" and table.rows[0].cells[0]._tc is \
        table.rows[0].cells[1]._tc
    assert [c.text for c in table.rows[1].cells] == ["a", "b"]
    assert docx.core_properties.title == "Thử"
