"""Home: my unit's campaigns, my unit's role, the current phase and what is due next."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from core.services import campaign_state, campaigns, clock, permissions, voting

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index():
    today = clock.today()
    if current_user.unit_id is not None:
        shown = campaigns.campaigns_of_unit(current_user.unit_id)
        scope = "unit"
    elif permissions.is_admin(current_user) or permissions.is_board(current_user):
        shown = campaigns.list_campaigns()
        scope = "all"
    else:
        shown = []
        scope = "none"
    rows = []
    to_vote = []
    campaign_state.prefetch(shown, current_user, today)  # a fixed number of queries
    for campaign in shown:
        if scope == "unit" and current_user.role == "head":
            to_vote += _ballots_waiting(campaign)
        timeline = campaign_state.timeline(campaign, today)
        upcoming = timeline.next_phase()
        step = timeline.phase_status(upcoming, current_user.unit_id) if upcoming else None
        rows.append({
            "campaign": campaign,
            "role": campaign_state.role_of(current_user, campaign),
            "current": timeline.current_phases(),
            "next": upcoming,
            "due": step.due if step else None,
            "days_left": (step.due - today).days if step else None,
        })
    return render_template("home/index.html", rows=rows, scope=scope, to_vote=to_vote)


def _ballots_waiting(campaign) -> list[dict]:
    """The polls open for the head's unit that it has not voted in yet (the vote service's
    own rules: ``voter_refusal`` and ``has_voted``)."""
    waiting = []
    for poll in voting.stored_polls(campaign).values():
        if poll.status != "open" or voting.voter_refusal(poll, current_user) is not None:
            continue
        if voting.has_voted(poll, current_user.unit_id):
            continue
        waiting.append({"campaign": campaign, "poll": poll})
    return waiting
