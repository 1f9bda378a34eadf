"""The campaign's documents as pages: the list (draft or issued, with number and date), one
document's page (its checklist, its issued versions, the forms that issue or replace it),
the PDF and XLSX downloads. Thin callers of core.services.documents: a refusal (409 with the
checklist, 422 without a reason) is shown on the document's page with the service's words."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from core.errors import DomainError
from core.models import Campaign, IssuedDocument
from core.services import campaigns, documents, exports
from core.web.refusals import Refusal, as_refusal

bp = Blueprint("documents", __name__, url_prefix="/campaigns/<bloc>/<int:year>/documents")


@bp.get("/")
@login_required
def index(bloc: str, year: int):
    campaign = campaigns.get_campaign(bloc, year)
    rows = documents.catalogue(campaign, actor=current_user)
    return render_template("documents/index.html", campaign=campaign,
                           bloc_docs=[r for r in rows if r["unit"] is None],
                           unit_docs=[r for r in rows if r["unit"] is not None])


def _detail(campaign: Campaign, name: str, *, refusal: Refusal | None = None,
            checklist: list[dict[str, Any]] | None = None, reason: str = ""):
    refusal = refusal or Refusal()
    found = documents.describe(campaign, name, actor=current_user)
    if checklist is not None:
        found["checklist"] = checklist
    return render_template("documents/detail.html", campaign=campaign, d=found,
                           refusal=refusal, reason=reason), refusal.status


@bp.get("/<name>/")
@login_required
def detail(bloc: str, year: int, name: str):
    return _detail(campaigns.get_campaign(bloc, year), name)


@bp.post("/<name>/issue")
@login_required
def issue(bloc: str, year: int, name: str):
    campaign = campaigns.get_campaign(bloc, year)
    try:
        row = documents.issue(campaign, name, actor=current_user)
    except DomainError as exc:
        return _detail(campaign, name, refusal=as_refusal(exc),
                       checklist=getattr(exc, "checklist", None))
    flash(_("Đã ban hành văn bản số %(number)s.", number=row.number_text), "success")
    return redirect(url_for(".detail", bloc=bloc, year=year, name=name))


@bp.post("/<name>/replace")
@login_required
def replace(bloc: str, year: int, name: str):
    campaign = campaigns.get_campaign(bloc, year)
    reason = request.form.get("reason", "")
    try:
        row = documents.replace(campaign, name, reason, actor=current_user)
    except DomainError as exc:
        return _detail(campaign, name, refusal=as_refusal(exc),
                       checklist=getattr(exc, "checklist", None), reason=reason)
    flash(_("Đã ban hành văn bản thay thế số %(number)s.", number=row.number_text), "success")
    return redirect(url_for(".detail", bloc=bloc, year=year, name=name))


def _pdf(bloc: str, year: int, name: str, data: bytes, issued: IssuedDocument | None,
         suffix: str = "") -> Response:
    headers = {"Content-Disposition": f'inline; filename="{bloc}-{year}-{name}{suffix}.pdf"',
               "X-Document-Status": "final" if issued is not None else "draft",
               "Cache-Control": "no-store"}
    if issued is not None:
        headers["X-Document-Version"] = str(issued.version)
        headers["X-Document-Replaced"] = "true" if issued.replaced_at else "false"
    return Response(data, mimetype="application/pdf", headers=headers)


@bp.get("/<name>.pdf")
@login_required
def pdf(bloc: str, year: int, name: str):
    campaign = campaigns.get_campaign(bloc, year)
    data, issued = documents.get_pdf(campaign, name, actor=current_user)
    return _pdf(bloc, year, name, data, issued)


DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@bp.get("/<name>.docx")
@login_required
def docx(bloc: str, year: int, name: str):
    """The Word draft (from the current data) for the office to edit before signing."""
    campaign = campaigns.get_campaign(bloc, year)
    data = documents.get_docx(campaign, name, actor=current_user)
    return Response(data, mimetype=DOCX_TYPE, headers={
        "Content-Disposition": f'attachment; filename="{bloc}-{year}-{name}-du-thao.docx"',
        "Cache-Control": "no-store"})


@bp.get("/<name>/v<int:version>.pdf")
@login_required
def version_pdf(bloc: str, year: int, name: str, version: int):
    campaign = campaigns.get_campaign(bloc, year)
    data, issued = documents.get_pdf(campaign, name, actor=current_user, version=version)
    return _pdf(bloc, year, name, data, issued, suffix=f"-v{version}")


@bp.get("/export.xlsx")
@login_required
def workbook(bloc: str, year: int):
    campaign = campaigns.get_campaign(bloc, year)
    return Response(exports.workbook(campaign, actor=current_user),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{bloc}-{year}.xlsx"'})
