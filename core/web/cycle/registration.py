"""The registration page of a unit (its targets for the year), the leader's return for
correction, and the list of every unit's registration."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField

from core.domain import Action
from core.errors import DomainError
from core.models import Campaign, CriterionRow
from core.services import permissions, progress, registration
from core.services.cycle import criteria_rows
from core.web.cycle import bp, drafts
from core.web.cycle.common import action, campaign_of, may, sections, unit_staff, window
from core.web.refusals import Refusal, as_refusal


class ReturnForm(FlaskForm):
    reason = TextAreaField(_l("Lý do trả lại"), render_kw={"rows": 3})


def _item_leaves(campaign: Campaign) -> tuple[list[CriterionRow], list[CriterionRow]]:
    rows = criteria_rows(campaign)
    return rows, [r for r in rows if not r.is_group and r.kind == "item"]


def _typed_from(fields: Any, leaves: list[CriterionRow]) -> list[dict[str, Any]]:
    """The registration's fields as typed in the form (or kept in a draft)."""
    return [{"criterion": leaf.code,
             "target": fields.get(f"items-{i}-target", ""),
             "not_applicable": bool(fields.get(f"items-{i}-not_applicable")),
             "reason": fields.get(f"items-{i}-reason", "")} for i, leaf in enumerate(leaves)]


def _unsaved(stored: list[dict[str, Any]], typed: list[dict[str, Any]]
             ) -> list[dict[str, str]]:
    found = []
    for kept, mine in zip(stored, typed, strict=True):
        code = kept["criterion"]
        if mine["target"].strip() != kept["target"].strip():
            found.append({"label": _("Chỉ tiêu — %(code)s", code=code),
                          "stored": kept["target"], "typed": mine["target"]})
        if mine["not_applicable"] != kept["not_applicable"] \
                or mine["reason"].strip() != kept["reason"].strip():
            def shown(item: dict[str, Any]) -> str:
                if not item["not_applicable"]:
                    return ""
                return _("Không áp dụng") + (f" — {item['reason']}" if item["reason"] else "")
            found.append({"label": _("Không áp dụng — %(code)s", code=code),
                          "stored": shown(kept), "typed": shown(mine)})
    return found


def _render_registration(campaign: Campaign, unit_code: str, *,
                         typed: list[dict[str, Any]] | None = None,
                         version: Any = None, problems: Refusal | None = None,
                         return_form: ReturnForm | None = None):
    problems = problems or Refusal()
    unit, reg = registration.read(campaign, unit_code, actor=current_user)
    state = registration.describe(unit, reg)
    rows, leaves = _item_leaves(campaign)
    saved = {i["criterion"]: i for i in state["items"]}
    stored = [{"criterion": leaf.code,
               "target": saved.get(leaf.code, {}).get("target", ""),
               "not_applicable": saved.get(leaf.code, {}).get("not_applicable", False),
               "reason": saved.get(leaf.code, {}).get("reason", "")} for leaf in leaves]
    phase = window(campaign, "registration", unit.id)
    staff = unit_staff(campaign, unit)
    editable = staff and state["status"] != "submitted" and phase["open"]
    form = drafts.form_contents(
        campaign, "registration", unit.code, editable=editable, stored=stored,
        stored_version=state["version"], typed=typed, version=version, problems=problems,
        from_fields=lambda fields: _typed_from(fields, leaves), unsaved=_unsaved)
    return render_template(
        "cycle/registration.html", campaign=campaign, unit=unit, state=state,
        sections=sections(rows, leaves), typed=form.shown,
        version=state["version"] if form.version is None else form.version,
        problems=problems, window=phase, staff=staff, editable=editable,
        draft=form.draft, unsaved=form.unsaved,
        draft_url=drafts.draft_url(campaign, "registration", unit.code) if editable else None,
        can_return=may(campaign, Action.RETURN_REGISTRATION) and state["status"] == "submitted",
        return_form=return_form or ReturnForm(formdata=None)), problems.status


@bp.get("/registrations/<unit>")
def registration_page(bloc: str, year: int, unit: str):
    return _render_registration(campaign_of(bloc, year), unit)


@bp.post("/registrations/<unit>")
def registration_save(bloc: str, year: int, unit: str):
    campaign = campaign_of(bloc, year)
    _rows, leaves = _item_leaves(campaign)
    form = request.form
    typed = _typed_from(form, leaves)
    submit = action() == "submit"
    try:
        registration.save(campaign, unit, typed, submit=submit, actor=current_user,
                          version=form.get("version"))
    except DomainError as exc:
        return _render_registration(campaign, unit, typed=typed, version=form.get("version"),
                                    problems=as_refusal(exc))
    drafts.forget(campaign, "registration", unit)
    flash(_("Đã gửi bản đăng ký thi đua.") if submit else _("Đã lưu nháp bản đăng ký."),
          "success")
    return redirect(url_for("cycle.registration_page", bloc=bloc, year=year, unit=unit), 303)


@bp.post("/registrations/<unit>/return")
def registration_return(bloc: str, year: int, unit: str):
    campaign = campaign_of(bloc, year)
    form = ReturnForm()
    try:
        registration.return_for_correction(campaign, unit, form.reason.data or "",
                                           actor=current_user)
    except DomainError as exc:
        problems = as_refusal(exc)
        form.reason.errors = problems.get("reason")
        return _render_registration(campaign, unit, problems=problems, return_form=form)
    flash(_("Đã trả lại bản đăng ký để đơn vị chỉnh sửa."), "success")
    return redirect(url_for("cycle.registration_page", bloc=bloc, year=year, unit=unit), 303)


@bp.get("/registrations")
def registrations_index(bloc: str, year: int):
    campaign = campaign_of(bloc, year)
    permissions.require(permissions.can_read_work(current_user, campaign))
    grid = progress.status_grid(campaign)
    return render_template("cycle/registrations.html", campaign=campaign, grid=grid,
                           window=window(campaign, "registration", None))
