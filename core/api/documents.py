"""Routes of the documents (API.md → Documents; issuing and replacing: docs/documents.md)
and of the council meeting record."""

from __future__ import annotations

from flask import Response, jsonify

from core.api import answers, api_bp, current_api_user, json_body, schemas, token_required
from core.api.schemas import body
from core.models import IssuedDocument
from core.services import campaigns, documents, exports, meeting

BASE = "/campaigns/<bloc>/<int:year>"


def _pdf(bloc: str, year: int, name: str, data: bytes, issued: IssuedDocument | None,
         suffix: str = "") -> Response:
    headers = {"Content-Disposition": f'inline; filename="{bloc}-{year}-{name}{suffix}.pdf"',
               "X-Document-Status": "final" if issued is not None else "draft",
               "Cache-Control": "no-store"}
    if issued is not None:
        headers["X-Document-Version"] = str(issued.version)
        headers["X-Document-Replaced"] = "true" if issued.replaced_at else "false"
    return Response(data, mimetype="application/pdf", headers=headers)


@api_bp.get(f"{BASE}/documents")
@token_required
def list_documents(bloc: str, year: int):
    campaign = campaigns.get_campaign(bloc, year)
    return jsonify(documents.catalogue(campaign, actor=current_api_user()))


@api_bp.get(f"{BASE}/documents/<name>")
@token_required
def describe_document(bloc: str, year: int, name: str):
    """Một văn bản: trạng thái, các bản đã ban hành, danh sách còn thiếu để ban hành."""
    campaign = campaigns.get_campaign(bloc, year)
    return jsonify(documents.describe(campaign, name, actor=current_api_user()))


@api_bp.get(f"{BASE}/documents/<name>.pdf")
@token_required
def get_document(bloc: str, year: int, name: str):
    campaign = campaigns.get_campaign(bloc, year)
    data, issued = documents.get_pdf(campaign, name, actor=current_api_user())
    return _pdf(bloc, year, name, data, issued)


@api_bp.get(f"{BASE}/documents/<name>.docx")
@token_required
def get_document_docx(bloc: str, year: int, name: str):
    """The document as a Word draft (DOCX) from the current data."""
    from flask import Response

    campaign = campaigns.get_campaign(bloc, year)
    data = documents.get_docx(campaign, name, actor=current_api_user())
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument."
                                    "wordprocessingml.document",
                    headers={"Content-Disposition":
                             f'attachment; filename="{bloc}-{year}-{name}-du-thao.docx"'})


@api_bp.get(f"{BASE}/documents/<name>/versions/<int:version>.pdf")
@token_required
def get_document_version(bloc: str, year: int, name: str, version: int):
    """Một bản đã ban hành của văn bản (cả bản đã bị thay thế)."""
    campaign = campaigns.get_campaign(bloc, year)
    data, issued = documents.get_pdf(campaign, name, actor=current_api_user(), version=version)
    return _pdf(bloc, year, name, data, issued, suffix=f"-v{version}")


@api_bp.post(f"{BASE}/documents/<name>/issue")
@token_required
def issue_document(bloc: str, year: int, name: str):
    """Ban hành văn bản: cấp số, ngày ban hành, người ký (409 kèm danh sách còn thiếu)."""
    campaign = campaigns.get_campaign(bloc, year)
    actor = current_api_user()
    documents.issue(campaign, name, actor=actor)
    return jsonify(documents.describe(campaign, name, actor=actor)), 201


@api_bp.post(f"{BASE}/documents/<name>/replace")
@token_required
@body(schemas.REASON)
def replace_document(bloc: str, year: int, name: str):
    """Ban hành văn bản thay thế (có lý do); bản cũ được giữ, ghi “đã bị thay thế”."""
    campaign = campaigns.get_campaign(bloc, year)
    actor = current_api_user()
    body = json_body()
    documents.replace(campaign, name, body.get("reason"), actor=actor)
    return jsonify(documents.describe(campaign, name, actor=actor)), 201


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
@body(schemas.COUNCIL_MEETING)
def put_council_meeting(bloc: str, year: int):
    campaign = campaigns.get_campaign(bloc, year)
    return jsonify(meeting.record_meeting(campaign, json_body(), actor=current_api_user()))


@api_bp.get("/board/<int:year>")
@token_required
@answers.kept
def board_dashboard(year: int):
    """Every bloc's campaign of a year, and all proposals (the provincial board's view)."""
    from core.services import board

    return jsonify(board.dashboard(year, actor=current_api_user()))


@api_bp.get("/history/blocs/<bloc>")
@token_required
@answers.kept
def bloc_history(bloc: str):
    from core.services import history

    return jsonify(history.bloc_history(bloc, actor=current_api_user()))


@api_bp.get("/history/units/<unit>")
@token_required
@answers.kept
def unit_history(unit: str):
    from core.services import history

    return jsonify(history.unit_history(unit, actor=current_api_user()))
