"""Pages of the council meeting as it runs (issue 10, parts 4 and 6): the host records the
meeting (time, place, chair, secretary, counting committee) and which member units are
present, and who stands for each; prints a poll's paper ballots; and enters the counting
committee's hand count.

Thin callers of ``core.services.meeting`` and ``core.services.paper_ballots`` (the same
services as ``core/api/meeting.py``). A refusal is shown with the service's message at the top
and each field error next to its field; what was typed is kept.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from core.domain import Action
from core.errors import DomainError
from core.models import Campaign
from core.services import (
    campaign_state,
    campaigns,
    meeting,
    office,
    paper_ballots,
    permissions,
    voting,
)
from core.web.refusals import Refusal, as_refusal

bp = Blueprint("meeting", __name__, url_prefix="/campaigns/<bloc>/<int:year>")

COMMITTEE_ROWS = 3  # the counting committee's rows shown by default


@bp.before_request
@login_required
def _signed_in() -> None:
    return None


@bp.after_request
def _not_cached(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_context_processor
def _meeting_globals() -> dict[str, Any]:
    return {"meeting_host": _is_host}


def _is_host(campaign: Campaign) -> bool:
    """Whether the signed-in user records the meeting (the vote's host)."""
    return campaign_state.allowed(Action.RECORD_MEETING, current_user, campaign)


def _campaign(bloc: str, year: int) -> Campaign:
    return campaigns.get_campaign(bloc, year)


def _require_host(campaign: Campaign) -> None:
    campaign_state.require(Action.RECORD_MEETING, current_user, campaign)


# -- the meeting page -----------------------------------------------------------------------

def _held_at_text(iso: str | None) -> str:
    from datetime import datetime

    return datetime.fromisoformat(iso).strftime("%d/%m/%Y %H:%M") if iso else ""


def _stored_meeting(campaign: Campaign) -> dict[str, Any]:
    record = meeting.meeting(campaign) or {}
    committee = list(record.get("committee") or [])
    return {"held_at": _held_at_text(record.get("held_at")), "place": record.get("place", ""),
            "chair": record.get("chair", ""), "secretary": record.get("secretary", ""),
            "committee": committee + [""] * max(0, COMMITTEE_ROWS - len(committee)),
            "recorded": bool(record)}


def _typed_meeting() -> dict[str, Any]:
    committee = [m.strip() for m in request.form.getlist("committee")]
    return {"held_at": request.form.get("held_at", "").strip(),
            "place": request.form.get("place", "").strip(),
            "chair": request.form.get("chair", "").strip(),
            "secretary": request.form.get("secretary", "").strip(),
            "committee": committee or [""] * COMMITTEE_ROWS, "recorded": False}


def _default_title(unit_name: str) -> str:
    return _("Giám đốc") if unit_name.startswith("Sở") else _("Thủ trưởng đơn vị")


def _stored_attendance(campaign: Campaign) -> dict[str, Any]:
    found = meeting.attendance(campaign)
    if not found["recorded"]:  # a first proposal: every head present
        for row in found["units"]:
            row.update(present=True, representative=row["head"],
                       title=_default_title(row["name"]))
    return found


def _typed_attendance(campaign: Campaign) -> dict[str, Any]:
    found = meeting.attendance(campaign)
    by_code = {u["unit"]: u for u in found["units"]}
    rows = []
    for index, code in enumerate(request.form.getlist("unit")):
        unit = by_code.get(code, {"unit": code, "name": code, "head": ""})
        rows.append({**unit, "present": request.form.get(f"present-{index}") == "1",
                     "representative": request.form.get(f"representative-{index}", "").strip(),
                     "title": request.form.get(f"title-{index}", "").strip()})
    return {**found, "units": rows}


def _render(campaign: Campaign, *, typed_meeting: dict[str, Any] | None = None,
            typed_attendance: dict[str, Any] | None = None, refusal: Refusal | None = None,
            refused_form: str | None = None):
    refusal = refusal or Refusal()
    record = typed_meeting or _stored_meeting(campaign)
    grid = typed_attendance or _stored_attendance(campaign)
    polls = voting.list_polls(campaign, actor=current_user)
    return render_template(
        "voting/meeting.html", campaign=campaign, record=record, grid=grid, refusal=refusal,
        refused_form=refused_form, host=_is_host(campaign),
        runs_polls=voting.can_run_polls(campaign, current_user), polls=polls,
        proxy_title=meeting.PROXY_TITLE,
        recorded_meeting=meeting.meeting(campaign) is not None), refusal.status


@bp.route("/meeting", methods=["GET", "POST"])
def page(bloc: str, year: int):
    campaign = _campaign(bloc, year)
    permissions.require(_is_host(campaign) or voting.can_run_polls(campaign, current_user),
                        _("Chỉ Khối trưởng (chủ trì bình xét) ghi thông tin cuộc họp bình xét."))
    if request.method == "GET":
        return _render(campaign)
    which = request.form.get("form")
    if which == "meeting":
        typed = _typed_meeting()
        if "add_member" in request.form:  # one more row for the counting committee
            typed["committee"].append("")
            return _render(campaign, typed_meeting=typed)
        details = {**typed, "committee": [m for m in typed["committee"] if m]}
        details.pop("recorded")
        try:
            meeting.record_meeting(campaign, details, actor=current_user)
        except DomainError as exc:
            return _render(campaign, typed_meeting=typed, refusal=as_refusal(exc),
                           refused_form="meeting")
        flash(_("Đã ghi thông tin cuộc họp bình xét."), "success")
        return redirect(url_for("meeting.page", bloc=bloc, year=year) + "#meeting-h", 303)
    typed_grid = _typed_attendance(campaign)
    rows = [{"unit": u["unit"], "present": u["present"],
             "representative": u["representative"], "title": u["title"]}
            for u in typed_grid["units"]]
    try:
        meeting.record_attendance(campaign, rows, actor=current_user)
    except DomainError as exc:
        return _render(campaign, typed_attendance=typed_grid, refusal=as_refusal(exc),
                       refused_form="attendance")
    present = sum(1 for r in rows if r["present"])
    flash(_("Đã ghi danh sách đơn vị có mặt: %(present)s/%(members)s đơn vị.",
            present=present, members=len(rows)), "success")
    return redirect(url_for("meeting.page", bloc=bloc, year=year) + "#attendance-h", 303)


# -- paper ballots --------------------------------------------------------------------------

@bp.get("/polls/<poll>/paper-ballots.pdf")
def paper_ballots_pdf(bloc: str, year: int, poll: str):
    campaign = _campaign(bloc, year)
    try:
        data = paper_ballots.paper_ballots_pdf(campaign, poll, actor=current_user)
    except DomainError as exc:
        refusal = as_refusal(exc)
        flash(refusal.message, "danger")
        return redirect(url_for("voting.index", bloc=bloc, year=year) + f"#poll-{poll}", 303)
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{bloc}-{year}-{poll}-phieu-bau.pdf"'})


BLANK_LINES = {"-", "–", "trắng", "phiếu trắng"}


def _ranked_line(line: str, lookup: dict[str, str]) -> list[str]:
    """One entered paper ballot: candidates best first, separated by commas (or ">" / ";"),
    each by its code, short name or name; "-" or "trắng" for a blank ballot. A name not
    found is kept as typed: the service names the row that does not fit."""
    if line.strip().lower() in BLANK_LINES:
        return []
    parts = [p.strip() for p in re.split(r"[,;>]", line) if p.strip()]
    return [lookup.get(p.lower(), p) for p in parts]


def _typed_ranked(spec, campaign) -> dict[str, Any]:
    lookup: dict[str, str] = {}
    for c in paper_ballots.candidate_names(campaign, spec):
        for label in (c["code"], c["name"], c["short"]):
            lookup[label.lower()] = c["code"]
    text = request.form.get("ballots", "")
    lines = [line for line in text.splitlines() if line.strip()]
    return {"issued": request.form.get("issued", "").strip(),
            "invalid": request.form.get("invalid", "").strip() or "0",
            "ballots": [_ranked_line(line, lookup) for line in lines], "ballots_text": text}


def _typed_counts(spec) -> dict[str, Any]:
    counts: dict[str, Any] = {key: request.form.get(key, "").strip()
                              for key in paper_ballots.COUNT_FIELDS}
    counts["blank"] = counts["blank"] or "0"
    counts["votes"] = {code: request.form.get(f"votes-{code}", "").strip() or "0"
                       for code in spec.candidates}
    return counts


@bp.route("/polls/<poll>/paper-count", methods=["GET", "POST"])
def paper_count(bloc: str, year: int, poll: str):
    campaign = _campaign(bloc, year)
    permissions.require(voting.can_run_polls(campaign, current_user),
                        _("Chỉ Khối trưởng hoặc %(office)s được điều hành bỏ phiếu.",
                          office=office.office()))
    view = voting.get_view(campaign, poll, actor=current_user)
    refusal = Refusal()
    typed: dict[str, Any] = {"votes": {}}
    if request.method == "POST":
        typed = _typed_ranked(view.spec, campaign) if view.spec.method == "ranked" \
            else _typed_counts(view.spec)
        try:
            paper_ballots.record_paper_count(
                campaign, poll, {k: v for k, v in typed.items() if k != "ballots_text"},
                actor=current_user)
        except DomainError as exc:
            refusal = as_refusal(exc)
            view = voting.get_view(campaign, poll, actor=current_user)
        else:
            flash(_("Đã ghi kết quả kiểm phiếu giấy và kết thúc: %(title)s.",
                    title=view.spec.title), "success")
            return redirect(url_for("voting.results", bloc=bloc, year=year, poll=poll), 303)
    present = meeting.present_units(campaign)
    candidates = paper_ballots.candidate_names(campaign, view.spec)
    return render_template(
        "voting/paper_count.html", campaign=campaign, view=view, spec=view.spec,
        candidates=candidates, typed=typed, refusal=refusal,
        ballot_errors=[m for key, found in refusal.fields.items() if key.startswith("ballots")
                       for m in found],
        present=len(present) if present is not None else None,
        labels=paper_ballots.COUNT_LABELS), refusal.status
