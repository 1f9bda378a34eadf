"""Administration: the plugins page, the campaigns (list, open a bloc's year with last year's
members and elected leadership proposed, archive)."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import FieldList, Form, FormField, HiddenField, IntegerField, SelectField
from wtforms.validators import InputRequired, Length, NumberRange, ValidationError

from core.domain import YEAR_MAX, YEAR_MIN, valid_year
from core.errors import DomainError
from core.extensions import db
from core.forms import CleanText, Slug
from core.models import Unit
from core.services import campaigns, clock, permissions
from core.web.refusals import as_refusal

try:  # WTForms 3.3+
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover - older WTForms
    SelectChoice = None

bp = Blueprint("admin", __name__, url_prefix="/admin")

MAX_MEMBER_ROWS = 500


@bp.before_request
@login_required
def _only_staff():
    if not (permissions.is_admin(current_user) or permissions.is_board(current_user)):
        abort(403)


@bp.get("/plugins")
def plugins():
    return render_template("admin/plugins.html",
                           plugins=current_app.extensions["thidua"].describe())


def choice(value: str, label: Any) -> Any:
    """An option of a select: WTForms 3.3+ wants SelectChoice, older versions a tuple."""
    return SelectChoice(value, label) if SelectChoice is not None else (value, label)


class ChoiceField(SelectField):
    """A select whose "not one of the choices" message is ours (WTForms has no Vietnamese)."""

    def __init__(self, *args: Any, invalid_message: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invalid_message = invalid_message or _l("Lựa chọn không hợp lệ.")

    def allowed_values(self) -> set[str]:
        return {str(getattr(c, "value", None) if not isinstance(c, tuple | list) else c[0])
                for c in self.choices or []}

    def pre_validate(self, form: Any) -> None:
        if self.validate_choice and self.data not in self.allowed_values():
            raise ValidationError(self.invalid_message)


class YearField(IntegerField):
    """A four-digit year; anything else gets a Vietnamese message."""

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        raw = valuelist[0].strip()
        if not (raw.isascii() and raw.isdigit() and len(raw) == 4):
            self.data = None
            raise ValueError(_l("Năm phải là số có bốn chữ số, ví dụ 2021."))
        self.data = int(raw)


ROLE_CHOICES = [
    choice("", _l("Không tham gia")),
    choice("member", _l("Đơn vị thành viên")),
    choice("leader", _l("Khối trưởng")),
    choice("deputy", _l("Khối phó")),
]


class MemberRowForm(Form):
    """One unit of the table and its role in the new year (a sub-form: no CSRF of its own)."""

    unit = HiddenField(validators=[
        InputRequired(_l("Thiếu mã đơn vị.")),
        Length(max=40, message=_l("Mã đơn vị dài tối đa 40 ký tự.")), CleanText(), Slug()])
    role = ChoiceField(_l("Vai trò"), choices=ROLE_CHOICES, default="")


class OpenCampaignForm(FlaskForm):
    bloc = ChoiceField(_l("Khối thi đua"),
                       invalid_message=_l("Chọn một khối thi đua trong danh sách."))
    year = YearField(_l("Năm"), validators=[
        InputRequired(_l("Nhập năm.")),
        NumberRange(YEAR_MIN, YEAR_MAX, _l("Năm phải từ 2000 đến 2100."))])
    members = FieldList(FormField(MemberRowForm), max_entries=MAX_MEMBER_ROWS)


def _member_specs(form: OpenCampaignForm) -> tuple[list[campaigns.MemberSpec], list[int]]:
    """The chosen members, and for each the index of its row in the table."""
    specs, rows = [], []
    for index, entry in enumerate(form.members.entries):
        role = entry.form.role.data
        if role:
            specs.append(campaigns.MemberSpec(entry.form.unit.data, role))
            rows.append(index)
    return specs, rows


@bp.route("/campaigns/new", methods=["GET", "POST"])
def open_campaign():
    host = current_app.extensions["thidua"]
    blocs = sorted(host.collect_blocs().items())
    units = list(db.session.scalars(select(Unit).where(Unit.active).order_by(Unit.name)))
    form = OpenCampaignForm()
    form.bloc.choices = [choice(code, info.name) for code, (info, _plugin) in blocs]
    status = 200
    problems: list[str] = []
    member_errors: list[str] = []
    proposal = None
    codes = {code for code, _info in blocs}
    if not form.is_submitted():
        # ?bloc=&year= (the links of the campaigns page): pick them, propose the members.
        form.year.data = clock.today().year
        bloc, year = (request.args.get("bloc") or "").strip(), _year(request.args.get("year"))
        if bloc in codes:
            form.bloc.data = bloc
        if year is not None:
            form.year.data = year
        roles, proposal = _proposal(bloc, year, codes, units)
        for unit in units:
            form.members.append_entry({"unit": unit.code, "role": roles.get(unit.code, "")})
    elif request.form.get("propose"):
        # "Điền thành viên năm trước": fill the roles in, open nothing.
        if not (form.bloc.validate(form) & form.year.validate(form)):
            status = 422
        else:
            roles, proposal = _proposal(form.bloc.data, form.year.data, codes, units)
            for entry in form.members.entries:
                entry.form.role.data = roles.get(entry.form.unit.data, "")
    elif not form.validate():
        status = 422
    else:
        specs, rows = _member_specs(form)
        try:
            campaign = campaigns.open_campaign(form.bloc.data, form.year.data, specs,
                                               actor=current_user)
        except DomainError as exc:
            # Every refusal stays on this form (a bloc without a plan for the year is a 404).
            refused = as_refusal(exc, error_page=())
            status = refused.status
            problems.append(refused.message)
            if exc.code == "unknown_year":
                form.year.errors = list(form.year.errors) + [refused.message]
            for key, messages in refused.fields.items():
                if key == "year":
                    form.year.errors = list(form.year.errors) + messages
                elif key == "plan":
                    problems.extend(messages)
                elif key.startswith("members[") and key.endswith("]") and \
                        key[8:-1].isdigit() and int(key[8:-1]) < len(rows):
                    row = form.members.entries[rows[int(key[8:-1])]]
                    row.form.role.errors = list(row.form.role.errors) + messages
                else:
                    member_errors.extend(messages)
        else:
            flash(_("Đã mở năm thi đua và chốt bộ tiêu chí, lịch, quy trình bỏ phiếu."),
                  "success")
            return redirect(url_for("campaigns.show", bloc=campaign.bloc.code,
                                    year=campaign.year))
    if not form.members.entries:
        for unit in units:
            form.members.append_entry({"unit": unit.code, "role": ""})
    return render_template(
        "admin/open_campaign.html", form=form, problems=problems, member_errors=member_errors,
        units_by_code={u.code: u for u in units}, proposal=proposal,
        bloc_plans=[(info.name, info.years) for _code, (info, _plugin) in blocs]), status


def _year(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and valid_year(int(raw)) else None


def _proposal(bloc: str, year: int | None, codes: set[str], units: list[Unit]
              ) -> tuple[dict[str, str], dict[str, Any] | None]:
    """Last year's members with the leader and deputy the council elected
    (``campaigns.proposed_members``), as roles by unit code, and what to say about them."""
    if bloc not in codes or year is None:
        return {}, None
    proposed = campaigns.proposed_members(bloc, year)
    names = {u.code: u.name for u in units}
    return {m.unit: m.role for m in proposed}, {
        "bloc": bloc, "year": year, "from_year": year - 1, "count": len(proposed),
        "leader": [names.get(m.unit, m.unit) for m in proposed if m.role == "leader"],
        "deputy": [names.get(m.unit, m.unit) for m in proposed if m.role == "deputy"],
        "inactive": [m.unit for m in proposed if m.unit not in names]}


class ArchiveForm(FlaskForm):
    """The archive button: its CSRF token only."""


@bp.get("/campaigns")
def campaigns_page(problem: str | None = None, status: int = 200):
    """Every campaign (bloc, year, status, plugin and version) with an archive button, and the
    blocs the plugins supply, each with a link to open its next year."""
    host = current_app.extensions["thidua"]
    found = campaigns.list_campaigns()
    opened: dict[str, list[int]] = {}
    for campaign in found:
        opened.setdefault(campaign.bloc.code, []).append(campaign.year)
    offers = []
    for code, (info, plugin) in sorted(host.collect_blocs().items()):
        years = sorted(opened.get(code, []))
        offers.append({"code": code, "name": info.name, "plugin": plugin,
                       "plan_years": sorted(info.years), "opened": years,
                       "waiting": [y for y in sorted(info.years) if y not in years]})
    return render_template("admin/campaigns.html", campaigns=found, offers=offers,
                           archive_form=ArchiveForm(), problem=problem), status


@bp.post("/campaigns/<bloc>/<int:year>/archive")
def archive_campaign(bloc: str, year: int):
    if not ArchiveForm().validate():
        abort(400)
    campaign = campaigns.get_campaign(bloc, year)
    try:
        campaigns.archive(campaign, actor=current_user)
    except DomainError as exc:
        refused = as_refusal(exc)
        return campaigns_page(problem=refused.message, status=refused.status)
    flash(_("Đã lưu trữ năm thi đua %(year)s của %(bloc)s.", year=year, bloc=campaign.bloc.name),
          "success")
    return redirect(url_for("admin.campaigns_page"), 303)
