"""Routes of the council vote (API.md → Voting)."""

from __future__ import annotations

import hashlib

from flask import jsonify

from core.api import api_bp, current_api_user, json_body, token_required
from core.services import campaigns, voting

BASE = "/campaigns/<bloc>/<int:year>/polls"


def result_body(poll, outcome) -> dict:
    result = dict(outcome.result)
    return {"poll": poll.code, "title": poll.title, "status": poll.status, **result,
            "roster_hash": outcome.roster_hash, "audit_head": outcome.audit_head}


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


def _poll_step(service):
    """A handler for one step of a poll's lifecycle (open, close, publish): take the step
    through the service, answer with the poll."""

    def handler(bloc: str, year: int, poll: str):
        campaign = campaigns.get_campaign(bloc, year)
        user = current_api_user()
        service(campaign, poll, actor=user)
        return jsonify(voting.get_view(campaign, poll, actor=user).to_dict(campaign))

    return token_required(handler)


for _step, _service in (("open", voting.open_poll), ("close", voting.close_poll),
                        ("publish", voting.publish_poll)):
    api_bp.add_url_rule(f"{BASE}/<poll>/{_step}", endpoint=f"{_step}_poll",
                        view_func=_poll_step(_service), methods=["POST"])


@api_bp.post(f"{BASE}/<poll>/ballots")
@token_required
def cast_ballot(bloc: str, year: int, poll: str):
    campaign = campaigns.get_campaign(bloc, year)
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
