"""Home: my unit's campaigns, my unit's role, the current phase and what is due next."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from core.services import campaigns, clock, permissions

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
    for campaign in shown:
        upcoming = campaigns.next_phase(campaign, today)
        rows.append({
            "campaign": campaign,
            "role": next((m.role for m in campaign.memberships
                          if m.unit_id == current_user.unit_id), None),
            "current": campaigns.current_phases(campaign, today),
            "next": upcoming,
            "days_left": (upcoming.due - today).days if upcoming else None,
        })
    return render_template("home/index.html", rows=rows, scope=scope)
