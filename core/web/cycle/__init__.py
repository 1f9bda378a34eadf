"""Pages of the yearly cycle (issue 3): registration, mid-year and year-end reports with their
attachments, self-score, verification, the status grid, the ranking, and the home page's
"what is due" panel.

Thin callers of the same services as the JSON API (``core/api/cycle.py``). When a service says
no (``DomainError``), the page is shown again by ``core.web.refusals``: the service's Vietnamese
message, each field error next to its field, what the user typed kept, and the service's status.

This package holds the blueprint, the navigation and the home page's panel; one module per
page family registers its routes on ``bp``: ``registration``, ``reports`` (with attachments),
``scores`` (self-score), ``verification``, ``status`` (status grid, closing the mid-year review,
deadline extensions) and ``ranking``. Helpers shared by several pages are in ``common``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from core.domain import Action, Deliverable
from core.models import Campaign
from core.services import campaign_state, campaigns, permissions, progress

bp = Blueprint("cycle", __name__, url_prefix="/campaigns/<bloc>/<int:year>")



@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page of the cycle needs a signed-in user (anonymous: to the sign-in page)."""
    return None


# -- the campaign's navigation and the home page's panel ---------------------------------------

def nav_links(campaign: Campaign) -> list[dict[str, Any]]:
    """The cycle's pages the signed-in user may open for this campaign."""
    if not current_user.is_authenticated:
        return []
    args = {"bloc": campaign.bloc.code, "year": campaign.year}
    role = permissions.campaign_role(current_user, campaign)
    board = permissions.is_board(current_user)
    admin = permissions.is_admin(current_user)
    links: list[tuple[Any, str]] = []
    if role is not None and current_user.unit is not None:
        unit = current_user.unit.code
        links += [
            (_l("Đăng ký của đơn vị"), url_for("cycle.registration_page", unit=unit, **args)),
            (_l("Báo cáo sơ kết"), url_for("cycle.report_page", unit=unit, kind="mid_year",
                                           **args)),
            (_l("Báo cáo tổng kết"), url_for("cycle.report_page", unit=unit, kind="year_end",
                                             **args)),
            (_l("Tự chấm điểm"), url_for("cycle.scores_page", unit=unit, **args)),
        ]
    if permissions.can_follow_progress(current_user, campaign):
        links.append((_l("Theo dõi tiến độ"), url_for("cycle.status_page", **args)))
    if permissions.can_verify(current_user, campaign):
        links.append((_l("Thẩm định"), url_for("cycle.verification_index", **args)))
    if campaign_state.allowed(Action.ADJUST_TABLE, current_user, campaign):
        links.append((_l("Điều chỉnh thang điểm"), url_for("amend.amend", **args)))
    if role is not None or board or admin:
        links += [(_l("Các bản đăng ký"), url_for("cycle.registrations_index", **args)),
                  (_l("Xếp hạng"), url_for("cycle.ranking_page", **args)),
                  (_l("Văn bản"), url_for("documents.index", **args))]
    return [{"label": str(label), "url": url, "active": request.path == url.split("?")[0]}
            for label, url in links]


def due_panel() -> dict[str, Any]:
    """What the user's unit owes next and by when; the status grids the user may open."""
    if not current_user.is_authenticated:
        return {"owed": [], "grids": []}
    owed: list[dict[str, Any]] = []
    grids: list[dict[str, Any]] = []
    unit = current_user.unit
    if unit is not None:
        shown = campaigns.campaigns_of_unit(unit.id)
    elif permissions.is_board(current_user) or permissions.is_admin(current_user):
        shown = campaigns.list_campaigns()
    else:
        shown = []
    for campaign in shown:
        if campaign.status != "open":
            continue
        args = {"bloc": campaign.bloc.code, "year": campaign.year}
        role = permissions.campaign_role(current_user, campaign)
        if permissions.can_follow_progress(current_user, campaign):
            grids.append({"campaign": campaign, "url": url_for("cycle.status_page", **args)})
        if unit is None or role is None:
            continue
        for item in progress.due_for_unit(campaign, unit):
            deliverable = item["phase"].deliverable
            if deliverable == "registration":
                url = url_for("cycle.registration_page", unit=unit.code, **args)
            elif deliverable == "mid_year_report":
                url = url_for("cycle.report_page", unit=unit.code, kind="mid_year", **args)
            else:
                url = url_for("cycle.report_page", unit=unit.code, kind="year_end", **args)
            owed.append({**item, "campaign": campaign, "url": url,
                         "label": _(Deliverable(deliverable).product)})
    owed.sort(key=lambda o: o["due"])
    return {"owed": owed, "grids": grids}


@bp.app_template_filter("cycle_moment")
def _moment(value: str | None) -> str:
    """An ISO 8601 moment from a service's description as hh:mm dd/mm/yyyy (Vietnam time)."""
    if not value:
        return ""
    from core.web import format_datetime

    return format_datetime(datetime.fromisoformat(value))


@bp.app_context_processor
def _cycle_globals() -> dict[str, Any]:
    # Functions, not data: a template that does not call them costs no query.
    return {"cycle_nav": nav_links, "cycle_due": due_panel}


# The pages: each module registers its routes on ``bp`` (endpoints stay ``cycle.<function>``).
from core.web.cycle import (  # noqa: E402
    drafts,
    ranking,
    registration,
    reports,
    scores,
    status,
    verification,
)
from core.web.cycle.status import iso_date  # noqa: E402

__all__ = ["bp", "drafts", "due_panel", "iso_date", "nav_links", "ranking", "registration", "reports",
           "scores", "status", "verification"]
