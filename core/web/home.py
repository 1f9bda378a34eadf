"""Home: my unit's campaigns, the current phase and what is due next."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from core.services import campaigns

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index():
    if current_user.unit_id is not None:
        mine = campaigns.campaigns_of_unit(current_user.unit_id)
    else:
        mine = campaigns.list_campaigns()
    rows = [{
        "campaign": c,
        "current": campaigns.current_phases(c),
        "next": campaigns.next_phase(c),
        "role": next((m.role for m in c.memberships if m.unit_id == current_user.unit_id),
                     None),
    } for c in mine]
    return render_template("home/index.html", rows=rows)
