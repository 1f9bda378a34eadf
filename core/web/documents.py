"""The campaign's documents as pages: the list (draft or final) and the PDF and XLSX downloads,
for the people who may read the campaign's work. Thin callers of core.services.documents."""

from __future__ import annotations

from flask import Blueprint, Response, render_template
from flask_login import current_user, login_required

from core.services import campaigns, documents, exports

bp = Blueprint("documents", __name__, url_prefix="/campaigns/<bloc>/<int:year>/documents")


@bp.get("/")
@login_required
def index(bloc: str, year: int):
    campaign = campaigns.get_campaign(bloc, year)
    rows = documents.catalogue(campaign, actor=current_user)
    return render_template("documents/index.html", campaign=campaign,
                           bloc_docs=[r for r in rows if r["unit"] is None],
                           unit_docs=[r for r in rows if r["unit"] is not None])


@bp.get("/<name>.pdf")
@login_required
def pdf(bloc: str, year: int, name: str):
    campaign = campaigns.get_campaign(bloc, year)
    data, final = documents.get_pdf(campaign, name, actor=current_user)
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{bloc}-{year}-{name}.pdf"',
        "X-Document-Status": "final" if final else "draft"})


@bp.get("/export.xlsx")
@login_required
def workbook(bloc: str, year: int):
    campaign = campaigns.get_campaign(bloc, year)
    return Response(exports.workbook(campaign, actor=current_user),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{bloc}-{year}.xlsx"'})
