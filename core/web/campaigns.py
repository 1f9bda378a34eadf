"""The campaign page: members and roles, criteria with points, calendar with today's phase."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from core.services import campaigns

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")


@bp.get("/<bloc>/<int:year>")
@login_required
def show(bloc: str, year: int):
    campaign = campaigns.get_campaign(bloc, year)
    current = {p.code for p in campaigns.current_phases(campaign)}
    return render_template(
        "campaigns/show.html", campaign=campaign,
        members=campaigns.members_by_role(campaign),
        criteria=campaigns.criteria(campaign), calendar=campaigns.calendar(campaign),
        current=current, snapshot=campaign.snapshot)
