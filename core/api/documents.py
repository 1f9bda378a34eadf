"""Routes of the documents (API.md → Documents) and of the council meeting record."""

from __future__ import annotations

from flask import Response, jsonify

from core.api import api_bp, current_api_user, json_body, token_required
from core.services import campaigns, documents, exports, meeting

BASE = "/campaigns/<bloc>/<int:year>"


@api_bp.get(f"{BASE}/documents")
@token_required
def list_documents(bloc: str, year: int):
    campaign = campaigns.get_campaign(bloc, year)
    return jsonify(documents.catalogue(campaign, actor=current_api_user()))


@api_bp.get(f"{BASE}/documents/<name>.pdf")
@token_required
def get_document(bloc: str, year: int, name: str):
    campaign = campaigns.get_campaign(bloc, year)
    data, final = documents.get_pdf(campaign, name, actor=current_api_user())
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{bloc}-{year}-{name}.pdf"',
        "X-Document-Status": "final" if final else "draft"})


@api_bp.get(f"{BASE}/export.xlsx")
@token_required
def export_workbook(bloc: str, year: int):
    campaign = campaigns.get_campaign(bloc, year)
    data = exports.workbook(campaign, actor=current_api_user())
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument."
                                    "spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{bloc}-{year}.xlsx"'})


@api_bp.put(f"{BASE}/council-meeting")
@token_required
def put_council_meeting(bloc: str, year: int):
    campaign = campaigns.get_campaign(bloc, year)
    return jsonify(meeting.record_meeting(campaign, json_body(), actor=current_api_user()))


@api_bp.get("/board/<int:year>")
@token_required
def board_dashboard(year: int):
    """Every bloc's campaign of a year, and all proposals (the provincial board's view)."""
    from core.services import board

    return jsonify(board.dashboard(year, actor=current_api_user()))


@api_bp.get("/history/blocs/<bloc>")
@token_required
def bloc_history(bloc: str):
    from core.services import history

    return jsonify(history.bloc_history(bloc, actor=current_api_user()))


@api_bp.get("/history/units/<unit>")
@token_required
def unit_history(unit: str):
    from core.services import history

    return jsonify(history.unit_history(unit, actor=current_api_user()))
