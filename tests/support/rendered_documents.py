"""Every document of a played year with the HTML each PDF was rendered from (captured at
``core.services.pdf.render``, the one place every document goes through). Used by the
PDF/A, signing and DOCX tests."""

from __future__ import annotations

import re
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Rendered:
    name: str
    html: str
    pdf: bytes


_RENDERED: list[Rendered] = []


def every_document(app) -> list[Rendered]:
    """Each document of Khối 8's played 2021 year (per-unit ones for every member unit), as
    its current data renders it (a draft: rendering never issues nor stores anything).
    Rendered once per test process (the played year is the same copy of one template).

    The one place that knows how documents are rendered (``core.services.documents``): if
    that module's ``render`` changes, only this file follows."""
    if not _RENDERED:
        _RENDERED.extend(_render_every_document(app))
    return list(_RENDERED)


def _render_every_document(app) -> list[Rendered]:
    from core.services import campaigns, documents
    from core.services.cycle import member_unit

    campaign = campaigns.get_campaign("khoi-8", 2021)
    out = []
    for kind in documents.KINDS.values():
        units = ([m.unit.code for m in campaign.memberships] if kind.per_unit else [None])
        for code in units:
            unit = member_unit(campaign, code) if code else None
            with _capture() as captured:
                data = documents.render(campaign, kind, unit, draft=True)
            assert len(captured) == 1, (kind.name, code, len(captured))
            out.append(Rendered(f"{kind.name}-{code}" if code else kind.name, captured[0], data))
    return out


def pdf_text(data: bytes, *args: str) -> str:
    """pdftotext's text of a PDF, whitespace collapsed."""
    result = subprocess.run(["pdftotext", *args, "-enc", "UTF-8", "-", "-"], input=data,
                            capture_output=True, check=True)
    return re.sub(r"\s+", " ", result.stdout.decode("utf-8")).strip()


def one_document(app, name: str) -> Rendered:
    """One bloc document of the played year (``name``: a kind that is not per unit)."""
    from core.services import campaigns, documents

    with _capture() as captured:
        data = documents.render(campaigns.get_campaign("khoi-8", 2021), documents.KINDS[name],
                                None, draft=True)
    return Rendered(name, captured[-1], data)


@contextmanager
def _capture():
    from core.services import pdf

    captured: list[str] = []
    original = pdf.render

    def capturing(html, **kwargs):
        captured.append(html)
        return original(html, **kwargs)

    pdf.render = capturing
    try:
        yield captured
    finally:
        pdf.render = original


def signer_name(html: str) -> str:
    """The signer's name the document prints under its signature block."""
    found = re.findall(r'class="sign-name">\s*([^<]+?)\s*<', html)
    assert found, "no signer name in the document"
    return found[-1]
