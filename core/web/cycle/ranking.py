"""The ranking of the bloc's units by verified total, with the tie rule."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from core.services import permissions, scoring
from core.web.cycle import bp
from core.web.cycle.common import campaign_of, settled_steps


@bp.get("/ranking")
def ranking_page(bloc: str, year: int):
    campaign = campaign_of(bloc, year)
    permissions.require(permissions.can_read_work(current_user, campaign))
    settled = settled_steps(campaign)
    return render_template("cycle/ranking.html", campaign=campaign,
                           table=scoring.ranking(campaign), tie_rule=scoring.tie_rule(campaign),
                           locked=settled.get("verification"))
