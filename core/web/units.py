"""Units through time (admin) and the 2026 rules (board, admin): the recorded renames,
merges and splits; a form for each, with the effective date and the decision; a unit's
lineage; the flags that bar a unit from being proposed and the shares of women of a year.

Thin callers of ``core.services.unit_changes`` and ``core.services.eligibility``: a refusal
shows the page again with the service's message and each field's error next to the field,
nothing written (``core.web.refusals``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField

from core.errors import DomainError
from core.models import UNIT_FLAG_KINDS
from core.services import accounts, clock, eligibility, permissions, unit_changes
from core.services.unit_changes import Decision, NewUnit
from core.web.admin import choice
from core.web.refusals import as_refusal

bp = Blueprint("units", __name__, url_prefix="/admin/unit-changes")

KINDS: dict[str, Any] = {"rename": _l("Đổi tên"), "merge": _l("Sáp nhập"),
                         "split": _l("Chia tách")}


@bp.before_request
@login_required
def _only_staff():
    if not (permissions.is_admin(current_user) or permissions.is_board(current_user)):
        abort(403)


def _admin_only() -> None:
    if not permissions.is_admin(current_user):
        abort(403)


class DecisionForm(FlaskForm):
    """The fields every change has: its effective date and the decision that ordered it."""

    effective_on = StringField(_l("Ngày hiệu lực"))
    decision_number = StringField(_l("Số quyết định"))
    decision_date = StringField(_l("Ngày quyết định"))
    decision_issuer = StringField(_l("Cơ quan ban hành"))
    note = TextAreaField(_l("Ghi chú"))

    def decision(self) -> Decision:
        return Decision(self.decision_number.data or "", self.decision_date.data or "",
                        self.decision_issuer.data or "", self.note.data or "")


def _unit_choices(blank: bool = False) -> list[Any]:
    units = [u for u in accounts.list_units() if u.active]
    return ([choice("", _("— chọn —"))] if blank else []) + [choice(u.code, u.name)
                                                            for u in units]


class RenameForm(DecisionForm):
    unit = SelectField(_l("Đơn vị"), validate_choice=False)
    name = StringField(_l("Tên mới"))
    short_name = StringField(_l("Tên viết tắt mới"))


class MergeForm(DecisionForm):
    sources = SelectMultipleField(_l("Các đơn vị được sáp nhập"), validate_choice=False)
    into = SelectField(_l("Sáp nhập vào"), validate_choice=False)
    new_code = StringField(_l("Mã đơn vị mới"))
    new_name = StringField(_l("Tên đơn vị mới"))
    new_short_name = StringField(_l("Tên viết tắt đơn vị mới"))
    carrier = SelectField(_l("Đơn vị có hồ sơ được tiếp tục (khi nhiều đơn vị cùng có hồ sơ)"),
                          validate_choice=False)


class SplitForm(DecisionForm):
    source = SelectField(_l("Đơn vị được chia tách"), validate_choice=False)
    keeps = BooleanField(_l("Đơn vị cũ vẫn tồn tại (giữ lịch sử của mình)"))
    successors = SelectMultipleField(_l("Các đơn vị đã có nhận một phần"), validate_choice=False)
    new_units = TextAreaField(_l("Đơn vị mới (mỗi dòng: mã | tên | tên viết tắt)"))
    carrier = StringField(_l("Mã đơn vị mang lịch sử và các năm thi đua đang diễn ra"))


def _done(event) -> Any:
    flash(_("Đã ghi: %(kind)s, hiệu lực từ %(day)s.", kind=KINDS[event.kind],
            day=event.effective_on.strftime("%d/%m/%Y")), "success")
    return redirect(url_for("units.index"), 303)


@bp.get("/")
def index():
    events = unit_changes.list_events()
    return render_template("admin/units/index.html",
                           events=[unit_changes.describe_event(e) for e in events],
                           kinds=KINDS, can_write=permissions.is_admin(current_user))


@bp.route("/rename", methods=["GET", "POST"])
def rename():
    _admin_only()
    form = RenameForm()
    form.unit.choices = _unit_choices(blank=True)
    problems: list[str] = []
    status = 200
    if form.is_submitted():
        if not form.validate():
            status = 400
        else:
            try:
                event = unit_changes.rename(
                    form.unit.data or "", name=form.name.data or "",
                    short_name=form.short_name.data or "", effective_on=form.effective_on.data,
                    decision=form.decision(), actor=current_user)
            except DomainError as exc:
                status = exc.status
                problems = as_refusal(exc).place(form)
            else:
                return _done(event)
    return render_template("admin/units/rename.html", form=form, problems=problems), status


@bp.route("/merge", methods=["GET", "POST"])
def merge():
    _admin_only()
    form = MergeForm()
    choices = _unit_choices()
    form.sources.choices = choices
    form.into.choices = [choice("", _("— đơn vị mới (điền bên dưới) —"))] + choices
    form.carrier.choices = [choice("", _("— không cần —"))] + choices
    problems: list[str] = []
    status = 200
    if form.is_submitted():
        if not form.validate():
            status = 400
        else:
            into: str | NewUnit = form.into.data or NewUnit(
                form.new_code.data or "", form.new_name.data or "",
                form.new_short_name.data or "")
            try:
                event = unit_changes.merge(
                    list(form.sources.data or []), into, effective_on=form.effective_on.data,
                    decision=form.decision(), carrier=form.carrier.data or None,
                    actor=current_user)
            except DomainError as exc:
                status = exc.status
                refused = as_refusal(exc)
                for key in list(refused.fields):  # "sources[0]", "into.code" → their fields
                    if key.startswith("sources["):
                        refused.fields.setdefault("sources", []).extend(refused.fields.pop(key))
                    elif key.startswith("into."):
                        target = "new_" + key.removeprefix("into.")
                        refused.fields.setdefault(target, []).extend(refused.fields.pop(key))
                problems = refused.place(form)
            else:
                return _done(event)
    return render_template("admin/units/merge.html", form=form, problems=problems), status


def _new_units(text: str, errors: list[str]) -> list[NewUnit]:
    found = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 3:
            errors.append(_("Dòng %(n)d của “Đơn vị mới”: cần đúng ba phần “mã | tên | tên viết "
                            "tắt”.", n=number))
            continue
        found.append(NewUnit(*parts))
    return found


@bp.route("/split", methods=["GET", "POST"])
def split():
    _admin_only()
    form = SplitForm()
    form.source.choices = _unit_choices(blank=True)
    form.successors.choices = _unit_choices()
    problems: list[str] = []
    status = 200
    if form.is_submitted():
        if not form.validate():
            status = 400
        else:
            errors: list[str] = []
            new = _new_units(form.new_units.data or "", errors)
            if errors:
                form.new_units.errors = list(form.new_units.errors) + errors
                status = 422
            else:
                successors: list[str | NewUnit] = list(form.successors.data or []) + new
                if form.keeps.data and form.source.data:
                    successors.insert(0, form.source.data)
                try:
                    event = unit_changes.split(
                        form.source.data or "", successors,
                        carrier=(form.carrier.data or "").strip() or (
                            form.source.data if form.keeps.data else None),
                        effective_on=form.effective_on.data, decision=form.decision(),
                        actor=current_user)
                except DomainError as exc:
                    status = exc.status
                    refused = as_refusal(exc)
                    for key in list(refused.fields):
                        if key.startswith("successors["):
                            refused.fields.setdefault("new_units", []).extend(
                                refused.fields.pop(key))
                    problems = refused.place(form)
                else:
                    return _done(event)
    return render_template("admin/units/split.html", form=form, problems=problems), status


@bp.get("/units/<code>")
def lineage(code: str):
    return render_template("admin/units/lineage.html", data=unit_changes.lineage(code),
                           kinds=KINDS)


# -- the 2026 rules ----------------------------------------------------------------------------

class FlagForm(FlaskForm):
    unit = SelectField(_l("Đơn vị"), validate_choice=False)
    kind = SelectField(_l("Loại"), validate_choice=False,
                       choices=[choice(k, eligibility.FLAG_LABELS[k]) for k in UNIT_FLAG_KINDS])
    reason = TextAreaField(_l("Lý do (văn bản, kết luận, đơn thư…)"))


class ClearForm(FlaskForm):
    reason = StringField(_l("Lý do gỡ"))


class WomenShareForm(FlaskForm):
    unit = SelectField(_l("Đơn vị"), validate_choice=False)
    percent = StringField(_l("Tỷ lệ nữ (%)"))


def _year() -> int:
    year = request.args.get("year", type=int)
    return year if year and 2000 <= year <= 2100 else clock.today().year


def _flags_page(year: int, *, flag_form=None, share_form=None, problems=(), status=200):
    flag_form = flag_form or FlagForm(formdata=None)
    share_form = share_form or WomenShareForm(formdata=None, prefix="share")
    flag_form.unit.choices = _unit_choices(blank=True)
    share_form.unit.choices = _unit_choices(blank=True)
    shares = eligibility.women_shares([u.id for u in accounts.list_units()], year)
    return render_template(
        "admin/units/flags.html", year=year, flags=eligibility.flags(year),
        labels=eligibility.FLAG_LABELS, flag_form=flag_form, share_form=share_form,
        clear_form=ClearForm(formdata=None), problems=list(problems),
        shares=[(u, shares[u.id]) for u in accounts.list_units() if u.id in shares]), status


@bp.get("/flags")
def flags():
    return _flags_page(_year())


@bp.post("/flags")
def add_flag():
    year = _year()
    form = FlagForm()
    form.unit.choices = _unit_choices(blank=True)
    if not form.validate():
        return _flags_page(year, flag_form=form, status=400)
    try:
        flag = eligibility.set_flag(form.unit.data or "", year, form.kind.data or "",
                                    form.reason.data or "", actor=current_user)
    except DomainError as exc:
        refused = as_refusal(exc)
        return _flags_page(year, flag_form=form, problems=refused.place(form),
                           status=exc.status)
    flash(_("Đã ghi dấu “%(kind)s” cho %(name)s năm %(year)d.",
            kind=eligibility.FLAG_LABELS[flag.kind], name=flag.unit.name, year=year), "success")
    return redirect(url_for("units.flags", year=year), 303)


@bp.post("/flags/<int:flag_id>/clear")
def clear_flag(flag_id: int):
    year = _year()
    form = ClearForm()
    if not form.validate():
        abort(400)
    try:
        eligibility.clear_flag(flag_id, form.reason.data or "", actor=current_user)
    except DomainError as exc:
        refused = as_refusal(exc)
        return _flags_page(year, problems=[f"{m}" for m in refused.place(form)],
                           status=exc.status)
    flash(_("Đã gỡ dấu."), "success")
    return redirect(url_for("units.flags", year=year), 303)


@bp.post("/women-shares")
def women_share():
    year = _year()
    form = WomenShareForm(prefix="share")
    form.unit.choices = _unit_choices(blank=True)
    if not form.validate():
        return _flags_page(year, share_form=form, status=400)
    try:
        eligibility.set_women_share(form.unit.data or "", year, form.percent.data or "",
                                    actor=current_user)
    except DomainError as exc:
        refused = as_refusal(exc)
        return _flags_page(year, share_form=form, problems=refused.place(form),
                           status=exc.status)
    flash(_("Đã ghi tỷ lệ nữ năm %(year)d.", year=year), "success")
    return redirect(url_for("units.flags", year=year), 303)
