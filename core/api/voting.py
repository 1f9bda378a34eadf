"""Routes of the council vote (API.md → Voting)."""

from __future__ import annotations

import hashlib

from flask import jsonify

from core.api import api_bp, current_api_user, json_body, schemas, token_required
from core.api.schemas import body
from core.services import campaigns, voting

BASE = "/campaigns/<bloc>/<int:year>/polls"


def result_body(poll, outcome) -> dict:
    result = dict(outcome.result)
    return {"poll": poll.code, "title": poll.title, "status": poll.status, **result,
            "roster_hash": outcome.roster_hash, "audit_head": outcome.audit_head,
            "consistency": voting.consistency(poll, outcome)}


@api_bp.get(BASE)
@token_required
def list_polls(bloc: str, year: int):
    campaign = campaigns.get_campaign(bloc, year)
    return jsonify([v.to_dict(campaign)
                    for v in voting.list_polls(campaign, actor=current_api_user())])


@api_bp.get(f"{BASE}/<poll>")
@token_required
def get_poll(bloc: str, year: int, poll: str):
    campaign = campaigns.get_campaign(bloc, year)
    return jsonify(voting.get_view(campaign, poll, actor=current_api_user()).to_dict(campaign))


def _body() -> dict:
    """The optional JSON body of a step (``{}`` when none was sent)."""
    from flask import request

    return json_body() if request.get_data() else {}


@api_bp.post(f"{BASE}/<poll>/open")
@token_required
@body(schemas.OPEN_POLL, optional=True)
def open_poll(bloc: str, year: int, poll: str):
    """Open the poll. In "committee" mode the answer carries the key ``shares`` — once: they
    are stored nowhere; each member of the counting committee keeps one."""
    campaign = campaigns.get_campaign(bloc, year)
    user = current_api_user()
    payload = _body()
    opened = voting.open_poll(campaign, poll, actor=user, seal=payload.get("seal"),
                              force=payload.get("force", False), reason=payload.get("reason"))
    body = voting.get_view(campaign, poll, actor=user).to_dict(campaign)
    body.update({"seal": opened.seal, "shares": list(opened.issued_shares),
                 "shares_needed": opened.shares_needed,
                 "share_holders": list(opened.share_holders)})
    return jsonify(body)


@api_bp.post(f"{BASE}/<poll>/close")
@token_required
@body(schemas.CLOSE_POLL, optional=True)
def close_poll(bloc: str, year: int, poll: str):
    """Close and count; ``{"shares": [...]}`` — the committee's key shares (committee mode)."""
    campaign = campaigns.get_campaign(bloc, year)
    user = current_api_user()
    voting.close_poll(campaign, poll, actor=user, shares=_body().get("shares"))
    return jsonify(voting.get_view(campaign, poll, actor=user).to_dict(campaign))


@api_bp.post(f"{BASE}/<poll>/publish")
@token_required
def publish_poll(bloc: str, year: int, poll: str):
    campaign = campaigns.get_campaign(bloc, year)
    user = current_api_user()
    voting.publish_poll(campaign, poll, actor=user)
    return jsonify(voting.get_view(campaign, poll, actor=user).to_dict(campaign))


@api_bp.post(f"{BASE}/<poll>/ballots")
@token_required
@body(schemas.BALLOT, code="ballot_rejected")
def cast_ballot(bloc: str, year: int, poll: str):
    campaign = campaigns.get_campaign(bloc, year, members=False)
    receipt = voting.cast(campaign, poll, json_body().get("choices"), actor=current_api_user())
    response = jsonify({"receipt": receipt,
                        "receipt_hash": hashlib.sha256(receipt.encode()).hexdigest()})
    response.status_code = 201
    return response


@api_bp.get(f"{BASE}/<poll>/result")
@token_required
def poll_result(bloc: str, year: int, poll: str):
    campaign = campaigns.get_campaign(bloc, year)
    found, outcome = voting.outcome(campaign, poll, actor=current_api_user())
    return jsonify(result_body(found, outcome))


@api_bp.get(f"{BASE}/<poll>/receipts")
@token_required
def poll_receipts(bloc: str, year: int, poll: str):
    campaign = campaigns.get_campaign(bloc, year)
    return jsonify(voting.receipts(campaign, poll, actor=current_api_user()))


@api_bp.get(f"{BASE}/<poll>/roll")
@token_required
def poll_roll(bloc: str, year: int, poll: str):
    campaign = campaigns.get_campaign(bloc, year)
    return jsonify(voting.roll_status(campaign, poll, actor=current_api_user()))
