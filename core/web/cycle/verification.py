"""Verification: the list of units to verify with the leader's lock, and the page where the
leadership (the unit-scored lines) or the board (its own lines) enters verified scores."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.domain import Action, Deliverable
from core.errors import DomainError
from core.models import Campaign, CriterionRow
from core.services import campaign_state, closing, guards, progress, reports, scoring
from core.services.cycle import member_unit
from core.web.cycle import bp, drafts
from core.web.cycle.common import (
    campaign_of,
    may,
    number,
    score_lines,
    sections,
    settled_steps,
    verifier,
    window,
)
from core.web.cycle.guarded import confirmed
from core.web.refusals import Refusal, as_refusal


@bp.get("/verification")
def verification_index(bloc: str, year: int, problems: Refusal | None = None):
    campaign = campaign_of(bloc, year)
    leadership, board = verifier(campaign)
    if not board:
        campaign_state.require(Action.VERIFY_SCORES, current_user, campaign)
    problems = problems or Refusal()
    grid = progress.status_grid(campaign)
    totals = {r["unit"].id: r for r in scoring.ranking(campaign)}
    locked = settled_steps(campaign).get("verification")
    can_lock = may(campaign, Action.CLOSE_STEP, step=Deliverable.VERIFICATION)
    return render_template(
        "cycle/verification_index.html", campaign=campaign, grid=grid, totals=totals,
        locked=locked, problems=problems,
        window=window(campaign, "verification", None), can_lock=can_lock,
        checklist=guards.verification_checklist(campaign)
        if can_lock and locked is None else None), problems.status


@bp.post("/verification/lock")
def verification_lock(bloc: str, year: int):
    campaign = campaign_of(bloc, year)
    try:
        campaign_state.require(Action.CLOSE_STEP, current_user, campaign,
                               step=Deliverable.VERIFICATION)
        force, reason = confirmed(guards.verification_checklist(campaign))
        closing.lock_verification(campaign, actor=current_user, force=force, reason=reason)
    except DomainError as exc:
        return verification_index(bloc, year, problems=as_refusal(exc))
    flash(_("Đã khóa kết quả thẩm định."), "success")
    return redirect(url_for("cycle.verification_index", bloc=bloc, year=year), 303)


def _editable_lines(leaves: list[CriterionRow], leadership: bool,
                    board: bool) -> list[CriterionRow]:
    """Lines this verifier enters: the unit's lines for the leadership, the board's own
    lines for the board (the service refuses any other)."""
    return [r for r in leaves if (r.scorer == "unit" and leadership)
            or (r.scorer == "board" and board)]


def _typed_from(fields: Any, mine: list[CriterionRow]) -> dict[str, dict[str, str]]:
    """The verified scores as typed (or kept in a draft), by line code."""
    return {leaf.code: {"verified_score": fields.get(f"items-{n}-verified_score", ""),
                        "reason": fields.get(f"items-{n}-reason", "")}
            for n, leaf in enumerate(mine)}


def _unsaved(stored: dict[str, dict[str, str]], typed: dict[str, dict[str, str]]
             ) -> list[dict[str, str]]:
    found = []
    for code, entry in typed.items():
        kept = stored.get(code, {"verified_score": "", "reason": ""})
        for name, label in (("verified_score", _("Điểm thẩm định — %(code)s", code=code)),
                            ("reason", _("Lý do điều chỉnh — %(code)s", code=code))):
            if entry[name].strip() != kept[name].strip():
                found.append({"label": label, "stored": kept[name], "typed": entry[name]})
    return found


def _render_verify(campaign: Campaign, unit_code: str, *,
                   typed: dict[str, dict[str, str]] | None = None, version: Any = None,
                   problems: Refusal | None = None):
    problems = problems or Refusal()
    leadership, board = verifier(campaign)
    if not board:
        campaign_state.require(Action.VERIFY_SCORES, current_user, campaign)
    unit = member_unit(campaign, unit_code)
    state = scoring.describe(campaign, unit, scoring.sheet_of(campaign, unit))
    rows, leaves = score_lines(campaign)
    lines = {i["criterion"]: i for i in state["items"]}
    mine = _editable_lines(leaves, leadership, board)
    # A verified score starts as the self score (accepting it); change it where it
    # differs, with a reason.
    stored = {}
    for leaf in mine:
        line = lines[leaf.code]
        shown = line["verified_score"]
        if shown is None and leaf.scorer == "unit":
            shown = line["self_score"]
        stored[leaf.code] = {"verified_score": number(shown), "reason": line["reason"]}
    phase = window(campaign, "verification", None)
    locked = settled_steps(campaign).get("verification")
    editable = bool(mine) and phase["open"] and locked is None
    form = drafts.form_contents(
        campaign, "verify", unit.code, editable=editable, stored=stored,
        stored_version=state["version"], typed=typed, version=version, problems=problems,
        from_fields=lambda fields: _typed_from(fields, mine), unsaved=_unsaved)
    year_end = reports.describe(unit, reports.get(campaign, unit, "year_end"), "year_end")
    return render_template(
        "cycle/verify.html", campaign=campaign, unit=unit, state=state, lines=lines,
        sections=sections(rows, leaves), typed=form.shown,
        sent_index={leaf.code: n for n, leaf in enumerate(mine)},
        bounds={leaf.code: scoring.bounds(leaf) for leaf in leaves},
        version=state["version"] if form.version is None else form.version, problems=problems,
        window=phase, locked=locked, year_end=year_end, editable=editable,
        draft=form.draft, unsaved=form.unsaved,
        draft_url=drafts.draft_url(campaign, "verify", unit.code) if editable else None), \
        problems.status


@bp.get("/verification/<unit>")
def verify_page(bloc: str, year: int, unit: str):
    return _render_verify(campaign_of(bloc, year), unit)


@bp.post("/verification/<unit>")
def verify_save(bloc: str, year: int, unit: str):
    campaign = campaign_of(bloc, year)
    leadership, board = verifier(campaign)
    _rows, leaves = score_lines(campaign)
    form = request.form
    typed = _typed_from(form, _editable_lines(leaves, leadership, board))
    sent = [{"criterion": code, **entry} for code, entry in typed.items()]
    try:
        scoring.verify(campaign, unit, sent, actor=current_user, version=form.get("version"))
    except DomainError as exc:
        return _render_verify(campaign, unit, typed=typed, version=form.get("version"),
                              problems=as_refusal(exc))
    drafts.forget(campaign, "verify", unit)
    flash(_("Đã lưu điểm thẩm định."), "success")
    return redirect(url_for("cycle.verify_page", bloc=bloc, year=year, unit=unit), 303)
