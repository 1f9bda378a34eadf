"""Administration: plugins, opening a bloc's year."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, NumberRange

from core.errors import DomainError
from core.extensions import db
from core.models import Unit
from core.services import campaigns, permissions

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _only_staff():
    if not (permissions.is_admin(current_user) or permissions.is_board(current_user)):
        abort(403)


@bp.get("/plugins")
def plugins():
    return render_template("admin/plugins.html",
                           plugins=current_app.extensions["thidua"].describe())


class OpenCampaignForm(FlaskForm):
    bloc = SelectField("Khối thi đua", validators=[DataRequired("Chọn khối.")])
    year = IntegerField("Năm", validators=[
        DataRequired("Nhập năm."), NumberRange(2000, 2100, "Năm phải từ 2000 đến 2100.")])
    members = TextAreaField(
        "Thành viên (mỗi dòng: mã đơn vị, vai trò leader/deputy/member)",
        validators=[DataRequired("Nhập danh sách thành viên.")])


@bp.route("/campaigns/new", methods=["GET", "POST"])
def open_campaign():
    host = current_app.extensions["thidua"]
    form = OpenCampaignForm()
    form.bloc.choices = [(code, info.name) for code, (info, _p) in
                         sorted(host.collect_blocs().items())]
    units = list(db.session.scalars(select(Unit).where(Unit.active).order_by(Unit.code)))
    status = 200
    problems: list[str] = []
    if form.is_submitted():
        if form.validate():
            members = []
            for line in form.members.data.splitlines():
                if not line.strip():
                    continue
                code, _sep, role = line.partition(",")
                members.append(campaigns.MemberSpec(code.strip()[:40],
                                                    (role.strip() or "member")[:20]))
            try:
                campaign = campaigns.open_campaign(form.bloc.data, form.year.data, members,
                                                   actor=current_user)
            except DomainError as exc:
                flash(str(exc.message), "danger")
                for value in exc.fields.values():
                    problems.extend(value if isinstance(value, list) else [value])
                status = exc.status
            else:
                flash(_("Đã mở năm thi đua và chốt bộ tiêu chí, lịch, quy trình bỏ phiếu."),
                      "success")
                return redirect(url_for("campaigns.show", bloc=campaign.bloc.code,
                                        year=campaign.year))
        else:
            status = 422
    return render_template("admin/open_campaign.html", form=form, units=units,
                           problems=problems), status
