"""Routes of the council meeting as it runs (API.md → Voting → the meeting): the attendance,
the meeting's record, the paper ballots and their hand count. Thin callers of
``core.services.meeting`` and ``core.services.paper_ballots``."""

from __future__ import annotations

from flask import Response, jsonify

from core.api import api_bp, current_api_user, json_body, schemas, token_required
from core.api.schemas import body
from core.api.voting import result_body
from core.services import campaigns, meeting, paper_ballots, permissions, voting

BASE = "/campaigns/<bloc>/<int:year>"


@api_bp.get(f"{BASE}/attendance")
@token_required
def get_attendance(bloc: str, year: int):
    """The member units present at the council meeting, and who stands for each."""
    campaign = campaigns.get_campaign(bloc, year)
    permissions.require(permissions.can_read_work(current_api_user(), campaign))
    return jsonify(meeting.attendance(campaign))


@api_bp.put(f"{BASE}/attendance")
@token_required
@body(schemas.ATTENDANCE, accept=(dict, list))
def put_attendance(bloc: str, year: int):
    """Record the attendance (the vote's host; frozen once a poll is opened)."""
    campaign = campaigns.get_campaign(bloc, year)
    body = json_body(accept=(dict, list))  # {"units": [...]} or the list itself
    rows = body.get("units") if isinstance(body, dict) else body
    return jsonify(meeting.record_attendance(campaign, rows, actor=current_api_user()))


@api_bp.get(f"{BASE}/council-meeting")
@token_required
def get_council_meeting(bloc: str, year: int):
    """The council meeting's record (null until the host records it)."""
    campaign = campaigns.get_campaign(bloc, year)
    user = current_api_user()
    permissions.require(permissions.can_read_work(user, campaign))
    return jsonify(meeting.meeting(campaign))


@api_bp.get(f"{BASE}/polls/<poll>/paper-ballots.pdf")
@token_required
def paper_ballots_pdf(bloc: str, year: int, poll: str):
    """The poll's paper ballots, one per member unit present (PDF)."""
    campaign = campaigns.get_campaign(bloc, year)
    data = paper_ballots.paper_ballots_pdf(campaign, poll, actor=current_api_user())
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{bloc}-{year}-{poll}-phieu-bau.pdf"'})


@api_bp.post(f"{BASE}/polls/<poll>/paper-count")
@token_required
@body(schemas.PAPER_COUNT)
def paper_count(bloc: str, year: int, poll: str):
    """The counting committee's hand count: stored as the poll's result, the poll closed."""
    campaign = campaigns.get_campaign(bloc, year)
    user = current_api_user()
    outcome = paper_ballots.record_paper_count(campaign, poll, json_body(), actor=user)
    found = voting.stored_polls(campaign)[poll]
    response = jsonify(result_body(found, outcome))
    response.status_code = 201
    return response

