"""Pages of the council vote (bình bầu, issue 4): the polls of a campaign, the ballot with its
confirmation step and its receipt, the host's open / close / publish steps, and the results
with the receipt check.

Thin callers of ``core.services.voting`` (the same services as ``core/api/voting.py``). A
service's refusal (``DomainError``) is shown with its Vietnamese message and its status; what
the user chose is kept. The receipt is put in the response that casts the ballot and nowhere
else: not in the session, not in a URL, not in a flash message, not in a log line.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from core.domain import Action
from core.errors import DomainError, Forbidden, ValidationFailed
from core.models import Campaign
from core.services import (
    campaign_state,
    campaigns,
    guards,
    meeting,
    office,
    permissions,
    scoring,
    voting,
)
from core.unit_of_work import unit_of_work
from core.web.cycle.guarded import confirmed
from core.web.refusals import Refusal, as_refusal

bp = Blueprint("voting", __name__, url_prefix="/campaigns/<bloc>/<int:year>/polls")

STATUS_LABELS: dict[str, Any] = {
    "draft": _l("Chưa mở"),
    "open": _l("Đang bỏ phiếu"),
    "closed": _l("Đã kết thúc, chờ công bố"),
    "published": _l("Đã công bố"),
}
METHOD_LABELS: dict[str, Any] = {
    "approval": _l("Phiếu chọn nhiều đơn vị"),
    "single": _l("Phiếu chọn một đơn vị"),
    "ranked": _l("Phiếu xếp thứ tự (cộng điểm theo thứ hạng)"),
}
ELECTS_LABELS: dict[str, Any] = {
    "leader": _l("Khối trưởng năm sau"),
    "deputy": _l("Khối phó năm sau"),
}
THRESHOLD_BASES: dict[str, Any] = {
    "members": _l("tổng số đơn vị thành viên"),
    "voters": _l("số đơn vị đã bỏ phiếu"),
    "valid": _l("số phiếu hợp lệ"),
    "present": _l("số đơn vị có mặt tại cuộc họp"),
}
# The host's three steps: the service to call, and where to go when it is done.
ACTIONS: dict[str, dict[str, Any]] = {
    "open": {"service": voting.open_poll, "from": "draft", "next": "index",
             "done": _l("Đã mở bỏ phiếu: %(title)s.")},
    "close": {"service": voting.close_poll, "from": "open", "next": "results",
              "done": _l("Đã kết thúc bỏ phiếu và kiểm phiếu: %(title)s.")},
    "publish": {"service": voting.publish_poll, "from": "closed", "next": "results",
                "done": _l("Đã công bố kết quả: %(title)s.")},
}
RECEIPT_SEPARATORS = re.compile(r"[\s\-–—.·]+")


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page of the vote needs a signed-in user (anonymous: to the sign-in page)."""
    return None


@bp.after_request
def _not_cached(response):
    # A ballot, a receipt or a result must not stay in a shared phone's browser cache.
    response.headers["Cache-Control"] = "no-store"
    return response


# -- helpers ---------------------------------------------------------------------------------

def _campaign(bloc: str, year: int) -> Campaign:
    return campaigns.get_campaign(bloc, year)


def _is_host(campaign: Campaign) -> bool:
    """Whether to show the open / close / publish steps (the service's rule)."""
    return voting.can_run_polls(campaign, current_user)


def _sees_closed_results(campaign: Campaign) -> bool:
    """Whether to link a closed (not yet published) result: as ``voting.outcome`` decides."""
    return voting.sees_unpublished_counts(campaign, current_user)


def _units(campaign: Campaign) -> dict[str, dict[str, Any]]:
    """Member units by code, with their verified total and rank (the ranking service)."""
    return {row["unit"].code: {"code": row["unit"].code, "name": row["unit"].name,
                               "short": row["unit"].short_name,
                               "verified_total": row["verified_total"], "rank": row["rank"]}
            for row in scoring.ranking(campaign)}


def _candidates(campaign: Campaign, codes: list[str] | tuple[str, ...]) -> list[dict[str, Any]]:
    """The poll's candidates with name, verified total and rank, best first."""
    units = _units(campaign)
    rows = [units.get(code) or {"code": code, "name": code, "short": code,
                                "verified_total": None, "rank": None} for code in codes]
    return sorted(rows, key=lambda r: (r["rank"] is None, r["rank"] or 0, r["name"]))


def _names(campaign: Campaign) -> dict[str, str]:
    return {code: unit["name"] for code, unit in _units(campaign).items()}


def _view(campaign: Campaign, code: str) -> voting.PollView:
    return voting.get_view(campaign, code, actor=current_user)


def _voter_refusal(campaign: Campaign, view: voting.PollView) -> DomainError | None:
    """Why the signed-in user may not vote in this poll now (the service's rule), or None."""
    return voting.voter_refusal(view.poll, current_user)


def _read_choices(spec) -> tuple[list[str], str | None]:
    """The choices sent by the ballot form, in order, and a problem with the form itself.

    Checkboxes and radio buttons send ``choices``; a ranked ballot sends ``rank-<code>`` (the
    place given to each candidate, blank when not ranked); the confirmation step sends the
    ordered ``choices`` back as hidden fields."""
    if spec.method != "ranked" or "choices" in request.form:
        return [c for c in request.form.getlist("choices") if c], None
    places: dict[int, str] = {}
    for code in spec.candidates:
        value = request.form.get(f"rank-{code}", "").strip()
        if not value:
            continue
        if not (value.isascii() and value.isdigit()) or int(value) < 1:  # "²".isdigit()
            return [], _("Thứ tự phải là một số từ 1 trở lên.")
        if int(value) in places:
            return [], _("Mỗi thứ tự chỉ được dùng cho một đơn vị (thứ tự %(n)s bị chọn hai lần).",
                         n=value)
        places[int(value)] = code
    return [places[n] for n in sorted(places)], None


def _check_choices(campaign: Campaign, view: voting.PollView, choices: list[str]) -> None:
    """The procedure's own ballot check (the one ``voting.cast`` runs), before the
    confirmation step; raises ``BallotRejected``."""
    voting.check_choices(campaign, view.spec, current_user.unit.code, choices)


def _typed_places(spec) -> dict[str, str]:
    """On a ranked ballot, the place typed for each candidate (to show it again)."""
    if spec.method != "ranked":
        return {}
    return {code: request.form.get(f"rank-{code}", "").strip() for code in spec.candidates
            if request.form.get(f"rank-{code}", "").strip()}


def _render_ballot(campaign: Campaign, view: voting.PollView, *, step: str = "choose",
                   choices: list[str] | None = None, refusal: Refusal | None = None,
                   receipt: str | None = None, places: dict[str, str] | None = None):
    refusal = refusal or Refusal()
    if places is None:
        places = {code: str(n) for n, code in enumerate(choices or [], start=1)}
    candidates = _candidates(campaign, view.spec.candidates)
    by_code = {c["code"]: c for c in candidates}
    chosen = [by_code.get(c, {"code": c, "name": c}) for c in (choices or [])]
    return render_template(
        "voting/ballot.html", campaign=campaign, view=view, spec=view.spec, step=step,
        candidates=candidates, choices=choices or [], chosen=chosen, refusal=refusal,
        places=places,
        receipt=receipt, receipt_groups=_groups(receipt) if receipt else [],
        method_label=METHOD_LABELS.get(view.spec.method, view.spec.method),
        elects_label=ELECTS_LABELS.get(view.spec.elects or "")), refusal.status


def _groups(receipt: str) -> list[str]:
    """The receipt in groups of four characters, easier to read aloud and to copy by hand."""
    return [receipt[i:i + 4] for i in range(0, len(receipt), 4)]


def _normalise_receipt(typed: str) -> str:
    """What the voter typed, without the spaces and dashes shown between groups, in capitals
    (the receipt is upper-case hexadecimal)."""
    return RECEIPT_SEPARATORS.sub("", typed).upper()


# -- the polls -------------------------------------------------------------------------------

@bp.get("")
def index(bloc: str, year: int):
    campaign = _campaign(bloc, year)
    views = voting.list_polls(campaign, actor=current_user)
    host = _is_host(campaign)
    read_only = voting.read_only(campaign)  # the procedure is gone: the stored polls only
    insider = _sees_closed_results(campaign)
    unit = current_user.unit
    rows = []
    for view in views:
        described = view.to_dict(campaign)
        poll = view.poll
        roll = voting.roll_status(campaign, view.spec.code, actor=current_user) \
            if poll is not None else None
        on_roll = bool(roll and unit is not None
                       and unit.code in {u["unit"] for u in roll["units"]})
        voted = voting.has_voted(poll, unit.id) if poll is not None and unit is not None \
            else None
        rows.append({
            "view": view, "spec": view.spec, "described": described,
            "status_label": STATUS_LABELS.get(view.status, view.status),
            "method_label": METHOD_LABELS.get(view.spec.method, view.spec.method),
            "elects_label": ELECTS_LABELS.get(view.spec.elects or ""),
            "roll": roll, "on_roll": on_roll, "voted": voted,
            "can_vote": (view.status == "open" and on_roll and not voted
                         and current_user.role == "head" and read_only is None),
            "results": view.status == "published" or (view.status == "closed" and insider),
            "runoff_of": described["runoff_of"],
        })
    phase = rows[0]["described"] if rows else None
    council = None
    if host and campaign_state.allowed(Action.RECORD_MEETING, current_user, campaign):
        council = {"meeting": meeting.meeting(campaign),
                   "attendance": meeting.attendance(campaign)}
    return render_template("voting/index.html", campaign=campaign, rows=rows, host=host,
                           read_only=read_only, council=council,
                           phase=phase, names=_names(campaign), unit=unit)


def _open_checklist(campaign: Campaign, view: voting.PollView) -> guards.Checklist | None:
    """What is missing before this poll opens (the service's guard: award polls only)."""
    if view.status != "draft" or view.spec.elects is not None:
        return None
    return guards.polls_checklist(campaign)


@bp.route("/<poll>/<any(open, close, publish):action>", methods=["GET", "POST"])
def control(bloc: str, year: int, poll: str, action: str):
    """The host's step, confirmed on its own page (GET) before it is taken (POST)."""
    campaign = _campaign(bloc, year)
    view = _view(campaign, poll)
    permissions.require(_is_host(campaign), _("Chỉ Khối trưởng hoặc %(office)s được điều "
                                              "hành bỏ phiếu.", office=office.office()))
    step = ACTIONS[action]
    refusal = Refusal()
    shares: list[str] = []
    holders: list[str] = []
    if request.method == "POST":
        try:
            if action == "close":  # the counting committee's key shares (committee mode)
                voting.close_poll(campaign, poll, actor=current_user,
                                  shares=[s for s in request.form.getlist("share") if s.strip()])
            elif action == "open":
                force, reason = confirmed(_open_checklist(campaign, view))
                opened = voting.open_poll(campaign, poll, actor=current_user,
                                          seal=request.form.get("seal") or None,
                                          force=force, reason=reason)
                shares = list(opened.issued_shares)
                holders = list(opened.share_holders)
            else:
                step["service"](campaign, poll, actor=current_user)
        except DomainError as exc:
            refusal = as_refusal(exc)
            view = _view(campaign, poll)
        else:
            if shares:  # shown once, on this page only: never in a flash, a URL or the session
                view = _view(campaign, poll)
                return render_template("voting/confirm.html", campaign=campaign, view=view,
                                       action=action, roll=None, refusal=refusal,
                                       expected=step["from"],
                                       shares=list(zip(holders, shares, strict=True)),
                                       status_label=STATUS_LABELS.get(view.status, view.status),
                                       candidates=_candidates(campaign, view.spec.candidates),
                                       described=view.to_dict(campaign))
            flash(str(step["done"]) % {"title": view.spec.title}, "success")
            target = url_for(f"voting.{step['next']}", bloc=bloc, year=year,
                             **({"poll": poll} if step["next"] == "results" else {}))
            if step["next"] == "index":
                target += f"#poll-{poll}"
            return redirect(target, 303)
    roll = None
    if view.poll is not None and view.status == "open":
        roll = voting.roll_status(campaign, poll, actor=current_user)
    return render_template("voting/confirm.html", campaign=campaign, view=view, action=action,
                           roll=roll, refusal=refusal, expected=step["from"],
                           checklist=_open_checklist(campaign, view) if action == "open" else None,
                           status_label=STATUS_LABELS.get(view.status, view.status),
                           candidates=_candidates(campaign, view.spec.candidates),
                           described=view.to_dict(campaign)), refusal.status


# -- the ballot ------------------------------------------------------------------------------

@bp.route("/<poll>/ballot", methods=["GET", "POST"])
def ballot(bloc: str, year: int, poll: str):
    """Choose (GET), review the choice (POST step=review), then cast (POST step=cast)."""
    campaign = _campaign(bloc, year)
    try:
        view = _view(campaign, poll)
    except Forbidden as exc:
        raise Forbidden(_("Chỉ Thủ trưởng các đơn vị thành viên của khối trong năm thi đua này "
                          "được bỏ phiếu; đơn vị của bạn không phải thành viên.")) from exc
    refused = _voter_refusal(campaign, view)
    if isinstance(refused, Forbidden):
        raise refused
    if refused is not None:
        return _render_ballot(campaign, view, step="refused", refusal=as_refusal(refused))
    if view.poll is not None and voting.has_voted(view.poll, current_user.unit_id):
        return _render_ballot(campaign, view, step="refused", refusal=Refusal(
            _("Đơn vị của bạn đã bỏ phiếu trong cuộc bỏ phiếu này."), 409))
    if request.method == "GET":
        return _render_ballot(campaign, view)

    step = request.form.get("step", "review")
    choices, problem = _read_choices(view.spec)
    if problem:
        return _render_ballot(campaign, view, choices=choices, refusal=Refusal(problem, 422),
                              places=_typed_places(view.spec))
    if step == "edit":
        return _render_ballot(campaign, view, choices=choices)
    if step != "cast":
        try:
            _check_choices(campaign, view, choices)
        except ValidationFailed as exc:
            return _render_ballot(campaign, view, choices=choices, refusal=as_refusal(exc))
        return _render_ballot(campaign, view, step="confirm", choices=choices)
    try:
        # Committed here, before the receipt page is rendered: the roll's row lock and the
        # audit lock are held no longer than the vote itself, and a receipt is only shown
        # for a vote that is stored.
        with unit_of_work():
            receipt = voting.cast(campaign, poll, choices, actor=current_user)
    except DomainError as exc:
        if isinstance(exc, ValidationFailed):
            return _render_ballot(campaign, view, choices=choices, refusal=as_refusal(exc))
        return _render_ballot(campaign, view, step="refused", refusal=as_refusal(exc))
    return _render_ballot(campaign, view, step="receipt", choices=choices, receipt=receipt)


# -- the results -----------------------------------------------------------------------------

def _render_results(campaign: Campaign, code: str, *, typed: str = "",
                    check: bool | None = None, refusal: Refusal | None = None):
    refusal = refusal or Refusal()
    view = _view(campaign, code)  # 404 for an unknown poll
    poll, outcome = voting.outcome(campaign, code, actor=current_user)
    result = outcome.result
    names = _names(campaign)
    elected = set(result.get("elected", []))
    runoff = set(result.get("runoff", []))
    rows = [{**count, "name": names.get(count["candidate"], count["candidate"]),
             "elected": count["candidate"] in elected, "runoff": count["candidate"] in runoff}
            for count in result.get("counts", [])]
    rows.sort(key=lambda r: (-r["votes"], r["name"]))
    runoff_views = [v for v in voting.list_polls(campaign, actor=current_user)
                    if v.poll is not None and v.poll.runoff_of == poll.id]
    # the receipt hashes: in the host's technical details only (members check theirs with the
    # form; the API lists them)
    hashes = voting.receipts(campaign, code, actor=current_user) \
        if poll.status == "published" and _is_host(campaign) else None
    plan = campaign_state.plan(campaign)
    rule = None
    if plan.voting_name == "council_vote":
        settings = plan.voting_config
        base = settings.get("threshold_base", "members")
        rule = {"threshold": settings.get("threshold"), "quorum": settings.get("quorum"),
                "quorum_base": settings.get("quorum_base", "voters"),
                "base": THRESHOLD_BASES.get(base, base),
                "base_count": {"members": result.get("eligible"), "voters": result.get("voted"),
                               "valid": result.get("valid")}.get(base)}
    consistency = voting.consistency(poll, outcome)
    check_line = voting.consistency_summary(consistency, paper=result.get("mode") == "paper")
    return render_template(
        "voting/results.html", campaign=campaign, view=view, poll=poll, outcome=outcome,
        consistency=consistency, check_line=check_line,
        result=result, rows=rows, names=names, runoff_views=runoff_views, hashes=hashes,
        rule=rule, ranked=poll.method == "ranked", typed=typed, check=check, refusal=refusal,
        host=_is_host(campaign),
        status_label=STATUS_LABELS.get(poll.status, poll.status),
        elects_label=ELECTS_LABELS.get(poll.elects or "")), refusal.status


@bp.get("/<poll>/results")
def results(bloc: str, year: int, poll: str):
    return _render_results(_campaign(bloc, year), poll)


@bp.post("/<poll>/results")
def check_receipt(bloc: str, year: int, poll: str):
    """Is this receipt among the published ones? The server hashes what was typed (SHA-256, as
    ``voting.cast`` stored it) and answers yes or no, nothing more."""
    campaign = _campaign(bloc, year)
    typed = request.form.get("receipt", "")
    code = _normalise_receipt(typed)
    if not code:
        return _render_results(campaign, poll, typed=typed, refusal=Refusal(
            _("Vui lòng nhập mã biên nhận."), 422))
    try:
        published = voting.receipts(campaign, poll, actor=current_user)
    except DomainError as exc:
        return _render_results(campaign, poll, typed=typed, refusal=as_refusal(exc))
    found = hashlib.sha256(code.encode()).hexdigest() in published
    return _render_results(campaign, poll, typed=typed, check=found)


@bp.app_template_filter("vote_share")
def _vote_share(value: Any) -> str:
    """A stored share (0.625) as a Vietnamese percentage: "62,5%"."""
    from core.web import format_points

    return f"{format_points(round(float(value or 0) * 100, 2))}%"
