"""Sign-in, sign-out and changing one's own password."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from core.errors import DomainError
from core.forms import ChangePasswordForm, LoginForm
from core.services import accounts

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                user = accounts.authenticate(form.username.data, form.password.data)
            except DomainError as exc:
                flash(str(exc.message), "danger")
                status = exc.status
            else:
                login_user(user, remember=form.remember.data)
                accounts.record_sign_in(user, via="web")
                flash(_("Đăng nhập thành công."), "success")
                return redirect(_safe_next(request.args.get("next")))
        else:
            status = 422
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                accounts.change_password(current_user, form.current.data, form.new.data)
            except DomainError as exc:
                for field, messages in exc.fields.items():
                    getattr(form, field).errors = list(messages)
                status = exc.status
            else:
                flash(_("Đã đổi mật khẩu."), "success")
                return redirect(url_for("home.index"))
        else:
            status = 422
    return render_template("auth/password.html", form=form), status
