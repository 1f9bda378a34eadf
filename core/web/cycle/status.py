"""The status grid of the bloc: every unit's step in every phase; there the deputy closes the
mid-year review and the leader extends a deadline."""

from __future__ import annotations

import re
from datetime import date

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField

from core.domain import Action, Deliverable, StepState
from core.errors import DomainError, NotFound, ValidationFailed
from core.models import Campaign
from core.services import (
    campaign_state,
    campaigns,
    closing,
    deadlines,
    guards,
    permissions,
    progress,
    reports,
)
from core.services.cycle import member_unit
from core.web.cycle import bp
from core.web.cycle.common import (
    campaign_of,
    may,
    receiver,
    settled_steps,
    verifier,
)
from core.web.cycle.guarded import confirmed
from core.web.refusals import Refusal, as_refusal

# Steps closed on this page by their host's generic act (the review and verification have
# their own).
CLOSABLE = (Deliverable.REGISTRATION.value, Deliverable.YEAR_END_REPORT.value)
GRID_COLUMNS = {d.value: _l(d.short) for d in progress.COLUMNS}

DATE_RE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")
DATE_KW = {"placeholder": "dd/mm/yyyy", "autocomplete": "off"}


def iso_date(text: str | None) -> str:
    """A date typed as dd/mm/yyyy (the way Vietnamese offices write it) in ISO form for the
    services; anything else is passed on as typed, for the service to judge."""
    match = DATE_RE.match(text or "")
    if match:
        day, month, year = (int(g) for g in match.groups())
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            pass
    return (text or "").strip()


class CloseReviewForm(FlaskForm):
    date = StringField(_l("Ngày họp"), render_kw=DATE_KW)
    place = StringField(_l("Địa điểm"))
    conclusions = TextAreaField(_l("Kết luận của hội nghị"), render_kw={"rows": 4})


class ExtensionForm(FlaskForm):
    phase = SelectField(_l("Giai đoạn"), validate_choice=False)
    unit = SelectField(_l("Áp dụng cho"), validate_choice=False)
    due = StringField(_l("Hạn mới (ngày cuối cùng còn đúng hạn)"), render_kw=DATE_KW)
    reason = TextAreaField(_l("Lý do gia hạn"), render_kw={"rows": 2})


BAD_DATE = _l("Ngày không hợp lệ; nhập theo dạng ngày/tháng/năm, ví dụ 20/07/2021.")


def _require_grid_viewer(campaign: Campaign) -> None:
    permissions.require(permissions.can_follow_progress(current_user, campaign))


def _render_status(campaign: Campaign, *, close_form: CloseReviewForm | None = None,
                   extension_form: ExtensionForm | None = None,
                   problems: Refusal | None = None, failed: str | None = None):
    problems = problems or Refusal()
    _require_grid_viewer(campaign)
    leadership, board = verifier(campaign)
    grid = progress.status_grid(campaign)
    phases = campaigns.calendar(campaign)
    members = campaigns.members_by_role(campaign)
    close_form = close_form or CloseReviewForm(formdata=None)
    extension_form = extension_form or ExtensionForm(formdata=None)
    timeline = campaign_state.timeline(campaign)
    open_phases = [s.phase for s in timeline.steps()
                   if s.deliverable is not None and not s.settled]
    extension_form.phase.choices = [
        (p.code, _("%(title)s (hạn %(due)s)", title=p.title, due=p.due.strftime("%d/%m/%Y")))
        for p in open_phases]
    extension_form.unit.choices = [("", _("Cả khối"))] + [
        (m.unit.code, m.unit.name) for m in members]
    settled = settled_steps(campaign)
    units_by_id = {m.unit_id: m.unit for m in members}
    closable = []
    for d in CLOSABLE:
        status = timeline.step(d)
        can_close = may(campaign, Action.CLOSE_STEP, step=d) \
            and status.state is not StepState.NOT_OPEN
        closable.append({
            "checklist": guards.checklist_for(campaign, d)
            if can_close and d not in settled else None,
            "deliverable": d, "label": _(Deliverable(d).label), "step": settled.get(d),
            "state": _(status.state.label), "state_code": status.state.value,
            "opens": status.opens,
            "can_close": can_close})
    return render_template(
        "cycle/status.html", campaign=campaign, grid=grid, columns=GRID_COLUMNS,
        dues={p.deliverable: p.due for p in phases if p.deliverable},
        review=deadlines.closing_records(campaign).get(deadlines.MID_YEAR_REVIEW),
        review_host=receiver(campaign, Deliverable.MID_YEAR_REPORT),
        locked=settled.get("verification"), closable=closable,
        extensions=sorted(deadlines.extensions(campaign), key=lambda e: e.created_at),
        phase_titles={p.code: p.title for p in phases}, units_by_id=units_by_id,
        close_form=close_form, extension_form=extension_form, problems=problems,
        failed=failed, can_verify=leadership or board,
        can_close_review=may(campaign, Action.CLOSE_STEP, step=Deliverable.MID_YEAR_REPORT),
        can_extend=may(campaign, Action.EXTEND_DEADLINE)), problems.status


@bp.get("/status")
def status_page(bloc: str, year: int):
    return _render_status(campaign_of(bloc, year))


@bp.post("/mid-year-review/close")
def close_review(bloc: str, year: int):
    campaign = campaign_of(bloc, year)
    form = CloseReviewForm()
    try:
        reports.close_mid_year_review(campaign, iso_date(form.date.data), form.place.data,
                                      form.conclusions.data, actor=current_user)
    except DomainError as exc:
        problems = as_refusal(exc)
        if "date" in problems.fields:
            problems.fields["date"] = [str(BAD_DATE)]
        problems.place(form)
        return _render_status(campaign, close_form=form, problems=problems, failed="close")
    flash(_("Đã kết thúc sơ kết 6 tháng; các đơn vị không gửi thêm báo cáo sơ kết."),
          "success")
    return redirect(url_for("cycle.status_page", bloc=bloc, year=year), 303)


@bp.post("/steps/<deliverable>/close")
def close_step(bloc: str, year: int, deliverable: str):
    """The host closes registration or the year-end reports by an act: from then on no unit
    sends or changes them, whatever the clock or an extension says."""
    campaign = campaign_of(bloc, year)
    if deliverable not in CLOSABLE:
        raise NotFound(_("Không có bước này."))
    try:
        campaign_state.require(Action.CLOSE_STEP, current_user, campaign, step=deliverable)
        force, reason = confirmed(guards.checklist_for(campaign, deliverable))
        closing.close_step(campaign, deliverable, actor=current_user, force=force,
                             reason=reason)
    except DomainError as exc:
        return _render_status(campaign, problems=as_refusal(exc), failed="steps")
    flash(_("Đã đóng giai đoạn “%(step)s”.", step=_(Deliverable(deliverable).label)), "success")
    return redirect(url_for("cycle.status_page", bloc=bloc, year=year) + "#steps-h", 303)


@bp.post("/deadlines")
def extend_deadline(bloc: str, year: int):
    campaign = campaign_of(bloc, year)
    form = ExtensionForm()
    try:
        try:
            new_due = date.fromisoformat(iso_date(form.due.data))
        except ValueError as exc:
            raise ValidationFailed(_("Ngày không hợp lệ."), fields={"due": [str(BAD_DATE)]}) \
                from exc
        unit = member_unit(campaign, form.unit.data) if form.unit.data else None
        deadlines.extend(campaign, (form.phase.data or "")[:40], new_due, form.reason.data or "",
                         unit=unit, actor=current_user)
    except DomainError as exc:
        if isinstance(exc, NotFound) and exc.code == "unit_not_member":
            exc = ValidationFailed(exc.message, fields={"unit": [str(exc.message)]})
        problems = as_refusal(exc)
        problems.place(form)
        return _render_status(campaign, extension_form=form, problems=problems,
                              failed="extend")
    flash(_("Đã gia hạn."), "success")
    return redirect(url_for("cycle.status_page", bloc=bloc, year=year) + "#deadlines-h", 303)
