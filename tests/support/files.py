"""Small, valid files of every type attachments accept (and hostile variants), for tests."""

from __future__ import annotations

import io
import zipfile

DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


def pdf_bytes(*, pages: int = 1, javascript: str | None = None, launch: bool = False,
              name_tree: bool = False) -> bytes:
    """A real PDF (pikepdf); with ``javascript`` an OpenAction running it, with ``launch`` a
    page action launching a program, with ``name_tree`` a document-level script (the
    catalog's /Names /JavaScript, its action kept as a stream reference)."""
    import pikepdf

    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page()
    if javascript is not None:
        pdf.Root.OpenAction = pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Action, S=pikepdf.Name.JavaScript, JS=pikepdf.String(javascript)))
    if launch:
        pdf.pages[0].obj.AA = pikepdf.Dictionary(O=pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Action, S=pikepdf.Name.Launch, F=pikepdf.String("cmd.exe"))))
    if name_tree:
        script = pdf.make_stream(b"app.alert('x')")
        pdf.Root.Names = pikepdf.Dictionary(JavaScript=pikepdf.Dictionary(
            Names=pikepdf.Array([pikepdf.String("a"), script])))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (4, 3)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, fmt)
    return out.getvalue()


def ooxml_bytes(kind: str = "docx", *, extra: dict[str, bytes] | None = None,
                content_types: str | None = None) -> bytes:
    """A minimal valid DOCX or XLSX: content types, relationships, the main part."""
    main, main_type = (("word/document.xml", DOCX_MAIN) if kind == "docx"
                       else ("xl/workbook.xml", XLSX_MAIN))
    types = content_types or (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
        'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
        f'"application/xml"/><Override PartName="/{main}" ContentType="{main_type}"/></Types>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http'
            '://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            f'Target="{main}"/></Relationships>'))
        archive.writestr(main, "<document/>" if kind == "docx" else "<workbook/>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    """A workbook as openpyxl writes it."""
    from openpyxl import Workbook

    out = io.BytesIO()
    Workbook().save(out)
    return out.getvalue()
