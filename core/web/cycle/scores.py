"""The self-score page of a unit (its year-end score sheet)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.errors import DomainError
from core.models import Campaign, CriterionRow
from core.services import permissions, reports, scoring
from core.services.cycle import member_unit
from core.web.cycle import bp, drafts
from core.web.cycle.common import (
    campaign_of,
    number,
    score_lines,
    sections,
    settled_steps,
    unit_staff,
    window,
)
from core.web.refusals import Refusal, as_refusal


def _typed_from(fields: Any, scored: list[CriterionRow]) -> dict[str, dict[str, str]]:
    """The self-score fields as typed (or kept in a draft), by line code."""
    return {leaf.code: {"self_score": fields.get(f"items-{n}-self_score", ""),
                        "evidence": fields.get(f"items-{n}-evidence", "")}
            for n, leaf in enumerate(scored)}


def _unsaved(stored: dict[str, dict[str, str]], typed: dict[str, dict[str, str]]
             ) -> list[dict[str, str]]:
    found = []
    for code, mine in typed.items():
        kept = stored.get(code, {"self_score": "", "evidence": ""})
        for name, label in (("self_score", _("Điểm tự chấm — %(code)s", code=code)),
                            ("evidence", _("Minh chứng — %(code)s", code=code))):
            if mine[name].strip() != kept[name].strip():
                found.append({"label": label, "stored": kept[name], "typed": mine[name]})
    return found


def _render_scores(campaign: Campaign, unit_code: str, *,
                   typed: dict[str, dict[str, str]] | None = None, version: Any = None,
                   problems: Refusal | None = None):
    problems = problems or Refusal()
    permissions.require(permissions.can_read_work(current_user, campaign))
    unit = member_unit(campaign, unit_code)
    state = scoring.describe(campaign, unit, scoring.sheet_of(campaign, unit))
    rows, leaves = score_lines(campaign)
    lines = {i["criterion"]: i for i in state["items"]}
    stored = {code: {"self_score": number(line["self_score"]), "evidence": line["evidence"]}
              for code, line in lines.items()}
    year_end = reports.describe(unit, reports.get(campaign, unit, "year_end"), "year_end")
    phase = window(campaign, "year_end_report", unit.id)
    staff = unit_staff(campaign, unit)
    editable = staff and year_end["status"] != "submitted" and phase["open"]
    form = drafts.form_contents(
        campaign, "scores", unit.code, editable=editable, stored=stored,
        stored_version=state["version"], typed=typed, version=version, problems=problems,
        from_fields=lambda fields: _typed_from(fields, [r for r in leaves if r.scorer == "unit"]),
        unsaved=_unsaved)
    # The index of each unit-scored line in the list sent to the service.
    sent_index = {leaf.code: n for n, leaf in
                  enumerate(r for r in leaves if r.scorer == "unit")}
    return render_template(
        "cycle/scores.html", campaign=campaign, unit=unit, state=state, lines=lines,
        sections=sections(rows, leaves), typed=form.shown, sent_index=sent_index,
        bounds={leaf.code: scoring.bounds(leaf) for leaf in leaves},
        version=state["version"] if form.version is None else form.version, problems=problems,
        window=phase, staff=staff, editable=editable, year_end=year_end,
        draft=form.draft, unsaved=form.unsaved,
        draft_url=drafts.draft_url(campaign, "scores", unit.code) if editable else None,
        show_verified=any(i["verified_score"] is not None for i in state["items"])
        or "verification" in settled_steps(campaign)), problems.status


@bp.get("/scores/<unit>")
def scores_page(bloc: str, year: int, unit: str):
    return _render_scores(campaign_of(bloc, year), unit)


@bp.post("/scores/<unit>")
def scores_save(bloc: str, year: int, unit: str):
    campaign = campaign_of(bloc, year)
    _rows, leaves = score_lines(campaign)
    form = request.form
    typed = _typed_from(form, [r for r in leaves if r.scorer == "unit"])
    sent = [{"criterion": code, **entry} for code, entry in typed.items()]
    try:
        scoring.save_self_scores(campaign, unit, sent, actor=current_user,
                                 version=form.get("version"))
    except DomainError as exc:
        return _render_scores(campaign, unit, typed=typed, version=form.get("version"),
                              problems=as_refusal(exc))
    drafts.forget(campaign, "scores", unit)
    flash(_("Đã lưu bảng tự chấm điểm."), "success")
    return redirect(url_for("cycle.scores_page", bloc=bloc, year=year, unit=unit), 303)
