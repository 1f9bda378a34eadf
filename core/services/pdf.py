"""HTML → PDF with xhtml2pdf, in the state format, with the shipped Vietnamese font.

Known traps handled here: xhtml2pdf's default fonts silently drop Vietnamese letters and still
report success, and a font file outside the resource policy's directories is silently replaced
by Helvetica. So the policy admits exactly ``static/fonts`` (no network at all), the CSS names
only the shipped font, the text is normalised to NFC (decomposed marks render detached), and
:func:`render` fails loudly if the result does not embed the shipped font.

Every PDF comes out as PDF/A-2b (archival): :mod:`core.services.pdfa` post-processes what
xhtml2pdf writes (takes out reportlab's idle Helvetica, adds the XMP metadata and the sRGB
output intent) and checks the result.
"""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path

from xhtml2pdf import pisa
from xhtml2pdf.config.resources import ResourceAccessPolicy

from core.config import PROJECT_ROOT
from core.services.pdfa import PdfAError, PdfMetadata, convert

__all__ = ["PdfAError", "PdfMetadata", "PdfRenderError", "font_face_css", "render"]

FONTS_DIR = PROJECT_ROOT / "static" / "fonts"
FONT_FAMILY = "VNSerif"
FONT_FILES = {
    ("normal", "normal"): "LiberationSerif-Regular.ttf",
    ("bold", "normal"): "LiberationSerif-Bold.ttf",
    ("normal", "italic"): "LiberationSerif-Italic.ttf",
    ("bold", "italic"): "LiberationSerif-BoldItalic.ttf",
}
EMBEDDED_NAME = b"LiberationSerif"


class PdfRenderError(RuntimeError):
    """xhtml2pdf reported an error, or the PDF does not embed the shipped font."""


def font_face_css() -> str:
    rules = []
    for (weight, style), filename in FONT_FILES.items():
        rules.append(
            f'@font-face {{ font-family: {FONT_FAMILY}; src: url("{FONTS_DIR / filename}"); '
            f"font-weight: {weight}; font-style: {style}; }}")
    return "\n".join(rules)


def render(html: str, *, metadata: PdfMetadata | None = None) -> bytes:
    """Render a complete HTML document to PDF/A-2b bytes.

    ``metadata``: the title (default: the HTML ``<title>``), the number once issued, … that
    the XMP metadata and the document information dictionary carry. Raises
    :class:`PdfRenderError` when xhtml2pdf fails or the shipped font is missing, and
    :class:`PdfAError` when the result cannot be PDF/A-2b."""
    html = unicodedata.normalize("NFC", html)
    out = io.BytesIO()
    policy = ResourceAccessPolicy(allow_remote=False, base_dir=Path(FONTS_DIR))
    status = pisa.CreatePDF(html, dest=out, encoding="utf-8", resource_policy=policy)
    data = out.getvalue()
    if status.err:
        raise PdfRenderError(f"xhtml2pdf reported {status.err} error(s)")
    if EMBEDDED_NAME not in data:
        raise PdfRenderError("the PDF does not embed the shipped Vietnamese font")
    return convert(data, metadata)
