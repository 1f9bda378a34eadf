"""Notices and reminders in the pages: the person's notices (mark read), their choice of
reminders with the e-mail address they are sent to and the link to their iCalendar feed, the
unread count in the header, and the step host's "Nhắc đơn vị chưa nộp" on the status grid.

Thin callers of :mod:`core.services.notifications`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField

from core.domain import Deliverable
from core.errors import DomainError
from core.models import NOTICE_KINDS, Campaign
from core.services import campaign_state, campaigns, ical, notifications, progress
from core.unit_of_work import unit_of_work
from core.web.refusals import as_refusal

bp = Blueprint("notices", __name__)


@bp.before_request
@login_required
def _signed_in() -> None:
    return None


class PreferencesForm(FlaskForm):
    email = StringField(_l("Địa chỉ e-mail nhận nhắc việc"),
                        filters=[lambda v: (v or "").strip()])


for _kind in NOTICE_KINDS:
    setattr(PreferencesForm, f"kind_{_kind}",
            BooleanField(_l(notifications.KIND_LABELS[_kind])))


def calendar_url() -> str | None:
    """The signed address of the signed-in person's iCalendar feed."""
    if not current_user.is_authenticated:
        return None
    return url_for("api.calendar_feed", token=ical.feed_token(current_user), _external=True)


def unread_notices() -> int:
    if not current_user.is_authenticated:
        return 0
    return notifications.unread_count(current_user)


def remind_steps(campaign: Campaign, grid: dict[str, Any]) -> list[dict[str, Any]]:
    """The steps the signed-in person hosts whose units may still send: the status grid's
    "Nhắc đơn vị chưa nộp" buttons (one reminder a day per step)."""
    if not current_user.is_authenticated:
        return []
    timeline = campaign_state.timeline(campaign)
    done_today = notifications.nudged_today(campaign)
    steps = []
    for d in progress.UNIT_WORK:
        if not notifications.may_remind(current_user, campaign, d) or \
                not timeline.step(d).accepting:
            continue
        summary = grid["summary"].get(d.value, {"done": 0, "total": 0})
        steps.append({"deliverable": d.value, "label": _(d.label),
                      "missing": summary["total"] - summary["done"],
                      "done_today": d.value in done_today,
                      "url": url_for("notices.nudge", bloc=campaign.bloc.code,
                                     year=campaign.year, deliverable=d.value)})
    return steps


@bp.app_context_processor
def _notice_globals() -> dict[str, Any]:
    # Functions: a page that does not call them costs no query.
    return {"unread_notices": unread_notices, "calendar_url": calendar_url,
            "remind_steps": remind_steps}


@bp.get("/notices")
def index():
    notices = notifications.notices_of(current_user)
    return render_template("notices/index.html", notices=notices,
                           unread=sum(1 for n in notices if n.read_at is None))


@bp.post("/notices/read")
def mark_read():
    """Mark one notice (``id``) or all of the person's notices read; ``next``: follow the
    notice's link afterwards."""
    raw = request.form.get("id")
    ids = [int(raw)] if raw and raw.isdigit() else None
    notifications.mark_read(current_user, ids)
    target = request.form.get("next", "")
    from core.web.redirects import safe_next

    if ids and safe_next(target):
        return redirect(target, 303)
    flash(_("Đã đánh dấu đã đọc."), "success")
    return redirect(url_for("notices.index"), 303)


@bp.route("/notices/preferences", methods=["GET", "POST"])
def preferences():
    user = current_user._get_current_object()
    chosen = notifications.preferences(user)
    form = PreferencesForm(data=None if request.method == "POST" else {
        "email": user.email or "", **{f"kind_{k}": v for k, v in chosen.items()}})
    problems: list[str] = []
    status = 200
    if form.is_submitted():
        try:
            notifications.set_email(user, form.email.data, actor=user)
            notifications.set_preferences(
                user, {k: bool(getattr(form, f"kind_{k}").data) for k in NOTICE_KINDS},
                actor=user)
        except DomainError as exc:
            refused = as_refusal(exc)
            problems = refused.place(form)
            status = refused.status
        else:
            flash(_("Đã lưu lựa chọn nhắc việc."), "success")
            return redirect(url_for("notices.preferences"), 303)
    return render_template("notices/preferences.html", form=form, problems=problems,
                           kinds=[(k, getattr(form, f"kind_{k}")) for k in NOTICE_KINDS],
                           feed=calendar_url()), status


@bp.post("/campaigns/<bloc>/<int:year>/remind/<deliverable>")
def nudge(bloc: str, year: int, deliverable: str):
    """The step's host reminds the units that have not sent (status grid): one a day per
    step. The reminders are committed first, then e-mailed."""
    campaign = campaigns.get_campaign(bloc, year)
    back = url_for("cycle.status_page", bloc=bloc, year=year) + "#remind-h"
    try:
        with unit_of_work():
            units, given = notifications.nudge(campaign, deliverable[:40],
                                               actor=current_user._get_current_object())
    except DomainError as exc:
        refused = as_refusal(exc)
        flash(refused.message, "warning" if refused.status in (409, 429) else "danger")
        return redirect(back, 303)
    notifications.mail_out(given)
    step = Deliverable(deliverable)
    flash(_("Đã nhắc %(count)s đơn vị chưa gửi “%(step)s”: %(units)s.", count=len(units),
            step=_(step.label), units=", ".join(u.name for u in units)), "success")
    return redirect(back, 303)
