"""The provincial board's dashboard: every bloc's campaign of a year (current phase, share of
units that delivered each step, late and missing units, verification, results) and the
cross-bloc list of proposals, downloadable as XLSX and PDF.

Thin callers of ``core.services.board``; the page adds only labels and a year selector. The
page runs a constant number of SQL queries whatever the number of blocs (the service's
queries, the signed-in user, the years that have campaigns, the units' names).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from core.domain import CampaignStatus, Deliverable, PollStatus, valid_year
from core.extensions import db
from core.models import Campaign
from core.services import accounts, board, clock, permissions

bp = Blueprint("board", __name__, url_prefix="/board")

STEP_LABELS = {d.value: _l(d.short) for d in (Deliverable.REGISTRATION,
                                               Deliverable.MID_YEAR_REPORT,
                                               Deliverable.YEAR_END_REPORT)}
CAMPAIGN_STATUS = {s.value: _l(s.label) for s in CampaignStatus}
POLL_STATUS = {s.value: _l(s.label) for s in PollStatus}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.before_request
@login_required
def _only_board_and_admin() -> None:
    if not (permissions.is_board(current_user) or permissions.is_admin(current_user)):
        abort(403)


def share_percent(value: Any) -> str:
    """0.875 → "87,5%" (a decimal comma, no trailing zeros)."""
    if value is None or value == "":
        return ""
    number = (Decimal(str(value)) * 100).quantize(Decimal("0.1"))
    text = f"{number.normalize():f}" if number != number.to_integral_value() else str(int(number))
    return text.replace(".", ",") + "%"


@bp.app_template_filter("share_percent")
def _share_percent_filter(value: Any) -> str:
    return share_percent(value)


def _years(shown: int) -> list[int]:
    """The years that have a campaign, with this year and the one shown, newest first."""
    found = set(db.session.scalars(select(Campaign.year).distinct()))
    return sorted(found | {clock.today().year, shown}, reverse=True)


def _year_from_query() -> int | None:
    raw = (request.args.get("year") or "").strip()
    if raw.isascii() and raw.isdigit() and valid_year(int(raw)):
        return int(raw)
    return None


@bp.get("/")
def index():
    """The year picked in the selector (``?year=``), else the latest year with work in
    progress (not an empty current year: ``board.working_year``)."""
    return redirect(url_for("board.dashboard", year=_year_from_query() or board.working_year()))


@bp.get("/<int:year>")
def dashboard(year: int):
    if not valid_year(year):
        abort(404)
    data = board.dashboard(year, actor=current_user)
    names = {u.code: u.name for u in accounts.list_units()}
    return render_template("board/dashboard.html", data=data, year=year, years=_years(year),
                           names=names, step_labels=STEP_LABELS,
                           campaign_status=CAMPAIGN_STATUS, poll_status=POLL_STATUS)


@bp.get("/<int:year>/proposals.xlsx")
def proposals_xlsx(year: int):
    return Response(board.proposals_workbook(year, actor=current_user), mimetype=XLSX,
                    headers={"Content-Disposition":
                             f'attachment; filename="de-nghi-khen-thuong-{year}.xlsx"'})


@bp.get("/<int:year>/proposals.pdf")
def proposals_pdf(year: int):
    return Response(board.proposals_pdf(year, actor=current_user), mimetype="application/pdf",
                    headers={"Content-Disposition":
                             f'inline; filename="de-nghi-khen-thuong-{year}.pdf"'})
