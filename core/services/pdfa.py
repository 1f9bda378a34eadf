"""PDF/A-2b for the PDFs xhtml2pdf renders: post-processing with pikepdf, and the checks.

What xhtml2pdf (reportlab) writes is close to PDF/A already: the shipped Liberation Serif is
embedded as TrueType subsets, the document has an /ID and a /Lang. What it lacks:

* **the idle Helvetica.** reportlab's canvas selects its initial font at the top of every
  page (``Canvas._make_preamble``: ``BT /F1 12 Tf 14.4 TL ET`` with
  ``rl_config.canvas_basefontname``, Helvetica), so every page's resources name a
  non-embedded Type 1 Helvetica that never draws a glyph. :func:`convert` takes every
  non-embedded font that draws nothing out of the content streams and the resources; a
  non-embedded font that *does* draw text is an error (:class:`PdfAError`).
* **the XMP metadata** (``pdfaid:part`` 2, ``pdfaid:conformance`` B, the title, the
  document's number, language, producer), kept consistent with the document information
  dictionary;
* **an sRGB output intent**, with the ICC profile shipped in ``static/icc`` (zlib licence,
  from Debian's icc-profiles-free).

:func:`problems` checks a finished PDF (rendered, or rendered and signed) for these
properties; the tests and :func:`convert` itself use it. veraPDF, the reference validator,
is not packaged for Debian; these checks and poppler's ``pdffonts`` are the gate.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import pikepdf

from core.config import PROJECT_ROOT

ICC_PROFILE = PROJECT_ROOT / "static" / "icc" / "sRGB.icc"
OUTPUT_CONDITION = "sRGB IEC61966-2.1"
PRODUCER = "thidua (xhtml2pdf, pikepdf)"
SUBSET_PREFIX = re.compile(r"^/?[A-Z]{6}\+")
TEXT_SHOWING = {"Tj", "TJ", "'", '"'}
STATE_OPERATORS = "q Q Tf Tj TJ ' \""


class PdfAError(RuntimeError):
    """The PDF cannot be made PDF/A-2b (a non-embedded font draws text, …)."""


@dataclass(frozen=True)
class PdfMetadata:
    """What the archival metadata says about a document.

    ``title``: the document's title (``dc:title``; by default the HTML ``<title>``).
    ``number``: its number once issued, e.g. "12/BC-K8" (``dc:identifier``, and in
    ``pdf:Keywords``). ``subject``: a one-line description (``dc:description``).
    ``author``: the issuing organisation (``dc:creator``). ``issued``: the date of issue
    (``xmp:CreateDate``; by default the rendering time)."""

    title: str | None = None
    number: str | None = None
    subject: str | None = None
    author: str | None = None
    language: str = "vi"
    keywords: tuple[str, ...] = field(default_factory=tuple)
    issued: datetime | None = None


def convert(data: bytes, metadata: PdfMetadata | None = None) -> bytes:
    """Make ``data`` (a PDF from xhtml2pdf) PDF/A-2b; raises :class:`PdfAError` if it
    cannot."""
    metadata = metadata or PdfMetadata()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        _drop_idle_fonts(pdf)
        _set_output_intent(pdf)
        _set_metadata(pdf, metadata)
        _fix_annotations(pdf)
        out = io.BytesIO()
        pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate,
                 compress_streams=True, fix_metadata_version=False)
    result = out.getvalue()
    found = problems(result)
    if found:
        raise PdfAError("; ".join(found))
    return result


# -- fonts -----------------------------------------------------------------------------------

def _fonts_of(resources: pikepdf.Object | None) -> dict[str, pikepdf.Object]:
    if resources is None or "/Font" not in resources:
        return {}
    return {str(name): font for name, font in resources.Font.items()}


def _is_embedded(font: pikepdf.Object) -> bool:
    if font.get("/Subtype") == "/Type0":
        font = font.DescendantFonts[0]
    if font.get("/Subtype") == "/Type3":
        return True  # glyphs are content streams of the file itself
    descriptor = font.get("/FontDescriptor")
    return descriptor is not None and any(
        key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


def _drawing_fonts(instructions: Iterable) -> set[str]:
    """The resource names of the fonts that show text, following the graphics state stack
    (the text font is part of it and outlives BT … ET)."""
    drawing: set[str] = set()
    current: str | None = None
    stack: list[str | None] = []
    for operands, operator in instructions:
        op = str(operator)
        if op == "q":
            stack.append(current)
        elif op == "Q":
            current = stack.pop() if stack else None
        elif op == "Tf" and operands:
            current = str(operands[0])
        elif op in TEXT_SHOWING and current is not None:
            drawing.add(current)
    return drawing


def _drop_idle_fonts(pdf: pikepdf.Pdf) -> None:
    """Take out of each page (and form) the non-embedded fonts that draw nothing."""
    owners = [page.obj for page in pdf.pages]
    owners += [xobject for page in pdf.pages
               for xobject in _forms(page.obj.get("/Resources"))]
    for owner in owners:
        fonts = _fonts_of(owner.get("/Resources"))
        if not fonts:
            continue
        # Only the operators that matter: parsing them alone is several times faster.
        before = pikepdf.parse_content_stream(owner, STATE_OPERATORS)
        drawing = _drawing_fonts(before)
        idle = {name for name, font in fonts.items()
                if name not in drawing and not _is_embedded(font)}
        if not idle:
            continue
        _rewrite_without(owner, idle, before)
        # reportlab shares one resources dictionary between pages: copy before editing.
        font_dict = pikepdf.Dictionary({k: v for k, v in owner.Resources.Font.items()
                                        if str(k) not in idle})
        resources = pikepdf.Dictionary({k: v for k, v in owner.Resources.items()})
        resources.Font = font_dict
        owner.Resources = resources


def _selection(name: str) -> re.Pattern:
    return re.compile(rb"(?<![^\s\]\[>)])" + re.escape(name.encode("latin-1"))
                      + rb"\s+[-+.\d]+\s+Tf(?![^\s\[(</%])")


def _rewrite_without(owner: pikepdf.Object, idle: set[str], before: list) -> None:
    """Delete the ``/Name size Tf`` of the idle fonts from the owner's content. A byte-level
    edit, checked against a fresh parse (the same operators, less the idle selections);
    should the check fail, the stream is rewritten from a full parse instead."""
    if isinstance(owner, pikepdf.Stream):
        data = owner.read_bytes()
    else:
        pikepdf.Page(owner).contents_coalesce()
        data = owner.Contents.read_bytes()
    edited = data
    for name in idle:
        edited = _selection(name).sub(b"", edited)
    expected = [(list(ops), str(op)) for ops, op in before
                if not (str(op) == "Tf" and ops and str(ops[0]) in idle)]
    target = owner if isinstance(owner, pikepdf.Stream) else owner.Contents
    target.write(edited)
    after = [(list(ops), str(op))
             for ops, op in pikepdf.parse_content_stream(owner, STATE_OPERATORS)]
    if after != expected:
        target.write(data)
        kept = [(operands, operator)
                for operands, operator in pikepdf.parse_content_stream(owner)
                if not (str(operator) == "Tf" and operands and str(operands[0]) in idle)]
        target.write(pikepdf.unparse_content_stream(kept))


def _forms(resources: pikepdf.Object | None, seen: set | None = None) -> list[pikepdf.Object]:
    seen = set() if seen is None else seen
    found = []
    if resources is None or "/XObject" not in resources:
        return found
    for xobject in resources.XObject.values():
        if xobject.get("/Subtype") != "/Form" or xobject.objgen in seen:
            continue
        seen.add(xobject.objgen)
        found.append(xobject)
        found += _forms(xobject.get("/Resources"), seen)
    return found


# -- output intent, metadata, annotations ----------------------------------------------------

def _set_output_intent(pdf: pikepdf.Pdf) -> None:
    icc = pikepdf.Stream(pdf, ICC_PROFILE.read_bytes())
    icc.N = 3
    intent = pikepdf.Dictionary(
        Type=pikepdf.Name.OutputIntent, S=pikepdf.Name.GTS_PDFA1,
        OutputConditionIdentifier=pikepdf.String(OUTPUT_CONDITION),
        Info=pikepdf.String(OUTPUT_CONDITION), RegistryName=pikepdf.String("http://www.color.org"),
        DestOutputProfile=icc)
    pdf.Root.OutputIntents = pikepdf.Array([pdf.make_indirect(intent)])


def _pdf_date(moment: datetime) -> str:
    """A PDF date string: D:YYYYMMDDHHmmSS+07'00'."""
    text = moment.strftime("D:%Y%m%d%H%M%S")
    offset = moment.strftime("%z")
    return text + (f"{offset[:3]}'{offset[3:]}'" if offset else "")


def _set_metadata(pdf: pikepdf.Pdf, metadata: PdfMetadata) -> None:
    """The information dictionary and the XMP, saying the same. The producer is said in the
    XMP only: pyHanko, when it signs, appends itself to the dictionary's /Producer but writes
    only itself into the XMP, which would then disagree (a PDF/A violation); with no
    /Producer in the dictionary it writes the same value in both."""
    info = pdf.docinfo
    title = metadata.title or (str(info["/Title"]).strip() if "/Title" in info else "")
    keywords = [*metadata.keywords, *([metadata.number] if metadata.number else [])]
    created = info.get("/CreationDate")
    new = pikepdf.Dictionary()
    if title:
        new.Title = pikepdf.String(title)
    if metadata.author:
        new.Author = pikepdf.String(metadata.author)
    if metadata.subject:
        new.Subject = pikepdf.String(metadata.subject)
    if keywords:
        new.Keywords = pikepdf.String(", ".join(keywords))
    new.Creator = pikepdf.String("thidua")
    if metadata.issued is not None:
        new.CreationDate = pikepdf.String(_pdf_date(metadata.issued))
    elif created is not None:
        new.CreationDate = created
    if "/CreationDate" in new:
        new.ModDate = new.CreationDate
    pdf.trailer.Info = pdf.make_indirect(new)
    if metadata.language:
        pdf.Root.Lang = pikepdf.String(metadata.language)
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta.load_from_docinfo(pdf.docinfo, raise_failure=False)
        meta["pdf:Producer"] = PRODUCER
        meta["pdfaid:part"] = "2"
        meta["pdfaid:conformance"] = "B"
        if metadata.language:
            meta["dc:language"] = [metadata.language]
        if metadata.number:
            meta["dc:identifier"] = metadata.number


def _fix_annotations(pdf: pikepdf.Pdf) -> None:
    """PDF/A: every annotation printable, none hidden."""
    for page in pdf.pages:
        for annot in page.obj.get("/Annots", []):
            flags = int(annot.get("/F", 0))
            annot.F = (flags | 4) & ~(1 | 2 | 32)


# -- checks ----------------------------------------------------------------------------------

def fonts(data: bytes) -> list[dict[str, object]]:
    """Every font the pages and their forms use: name, embedded, subset."""
    found: dict[tuple, dict[str, object]] = {}
    with pikepdf.open(io.BytesIO(data)) as pdf:
        owners = [page.obj for page in pdf.pages]
        owners += [x for page in pdf.pages for x in _forms(page.obj.get("/Resources"))]
        for page in pdf.pages:  # signature and other annotation appearances
            for annot in page.obj.get("/Annots", []):
                normal = annot.get("/AP", {}).get("/N")
                if isinstance(normal, pikepdf.Stream):
                    owners += [normal, *_forms(normal.get("/Resources"))]
        for owner in owners:
            for font in _fonts_of(owner.get("/Resources")).values():
                name = str(font.get("/BaseFont", "/(Type3)"))
                found[font.objgen] = {"name": name.lstrip("/"), "embedded": _is_embedded(font),
                                      "subset": bool(SUBSET_PREFIX.match(name))
                                      or font.get("/Subtype") == "/Type3"}
    return list(found.values())


_INFO_XMP = {"/Title": "dc:title", "/Author": "dc:creator", "/Subject": "dc:description",
             "/Keywords": "pdf:Keywords", "/Creator": "xmp:CreatorTool",
             "/Producer": "pdf:Producer", "/CreationDate": "xmp:CreateDate",
             "/ModDate": "xmp:ModifyDate"}


def _disagreements(info: pikepdf.Dictionary, meta) -> list[str]:
    """PDF/A: each entry of the document information dictionary has its XMP equivalent,
    with the same value."""
    from pikepdf.models.metadata import decode_pdf_date

    found = []
    for key, prop in _INFO_XMP.items():
        if key not in info:
            continue
        value, xmp = str(info[key]), meta.get(prop)
        if key.endswith("Date"):
            try:
                same = xmp is not None and decode_pdf_date(value) == datetime.fromisoformat(xmp)
            except ValueError:
                same = False
        elif isinstance(xmp, list | set | tuple):
            same = value == ", ".join(xmp) or [value] == list(xmp)
        elif isinstance(xmp, dict):
            same = value in xmp.values()
        else:
            same = value == xmp
        if not same:
            found.append(f"{key[1:]} differs between the information dictionary ({value!r}) "
                         f"and the XMP ({xmp!r})")
    return found


def problems(data: bytes) -> list[str]:
    """What keeps ``data`` from being PDF/A-2b, as far as these checks see (empty: none):
    every font embedded and subset, XMP ``pdfaid`` part 2 conformance B, an sRGB output
    intent, a title, the information dictionary agreeing with the XMP, no encryption, an
    unfiltered metadata stream."""
    found = []
    for font in fonts(data):
        if not font["embedded"]:
            found.append(f"font {font['name']} is not embedded")
        elif not font["subset"]:
            found.append(f"font {font['name']} is not a subset")
    with pikepdf.open(io.BytesIO(data)) as pdf:
        if pdf.is_encrypted:
            found.append("the file is encrypted")
        meta = pdf.open_metadata()
        if (meta.get("pdfaid:part"), meta.get("pdfaid:conformance")) != ("2", "B"):
            found.append("XMP does not declare PDF/A-2b (pdfaid part 2, conformance B)")
        if not meta.get("dc:title"):
            found.append("no dc:title")
        found += _disagreements(pdf.docinfo, meta)
        stream = pdf.Root.get("/Metadata")
        if stream is not None and "/Filter" in stream:
            found.append("the metadata stream is compressed")
        intents = [i for i in pdf.Root.get("/OutputIntents", [])
                   if i.get("/S") == "/GTS_PDFA1" and "/DestOutputProfile" in i]
        if len(intents) != 1:
            found.append("no single PDF/A output intent")
        else:
            profile = intents[0].DestOutputProfile
            icc = profile.read_bytes()
            if int(profile.get("/N", 0)) != 3 or icc[16:20] != b"RGB ":
                found.append("the output intent's ICC profile is not RGB")
            elif b"sRGB" not in icc:
                found.append("the output intent's ICC profile is not sRGB")
    return found
