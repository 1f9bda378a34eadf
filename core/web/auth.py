"""Sign-in, sign-out and changing one's own password."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from core.errors import DomainError
from core.forms import ChangePasswordForm, LoginForm
from core.services import accounts
from core.web.redirects import safe_next
from core.web.refusals import as_refusal

bp = Blueprint("auth", __name__)

# The services' messages, by their stable error code, in the user's language.
SIGN_IN_MESSAGES: dict[str, Any] = {
    "invalid_credentials": _l("Tên đăng nhập hoặc mật khẩu không đúng."),
    "account_changed_outside": _l("Tài khoản này đã bị thay đổi ngoài ứng dụng nên tạm không "
                                  "dùng được. Vui lòng liên hệ quản trị hệ thống."),
}
WRONG_CURRENT_PASSWORD = _l("Mật khẩu hiện tại không đúng.")


def _safe_next(target: str | None) -> str:
    """Only a path on this site ("/campaigns/…"), never another host (core.web.redirects)."""
    return safe_next(target) or url_for("home.index")


def _fresh_session() -> None:
    """Drop everything in the session but the language (no session fixation)."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def renew_session(user) -> None:
    """After the user's sessions were ended (:func:`accounts.end_all_sessions`), keep this
    browser signed in: a fresh session with the new session version, and a new remember-me
    cookie when it had one."""
    remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in \
        request.cookies
    _fresh_session()
    login_user(user, remember=remembered)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    status = 200
    error = None
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                user = accounts.authenticate(form.username.data, form.password.data,
                                             address=request.remote_addr)
            except DomainError as exc:
                error = str(SIGN_IN_MESSAGES.get(exc.code, exc.message))
                if exc.code == "too_many_attempts":
                    error = _("Đăng nhập sai nhiều lần nên phải chờ: vui lòng thử lại sau "
                              "%(seconds)s giây.", seconds=getattr(exc, "retry_after", 0))
                status = exc.status
            else:
                _fresh_session()
                login_user(user, remember=form.remember.data)
                accounts.record_sign_in(user, via="web")
                flash(_("Đăng nhập thành công."), "success")
                return redirect(_safe_next(request.args.get("next")))
        else:
            status = 422
    return render_template("auth/login.html", form=form, error=error), status


@bp.post("/logout")
@login_required
def logout():
    _fresh_session()
    logout_user()  # after: it marks the remember-me cookie for deletion in the new session
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/logout/everywhere")
@login_required
def logout_everywhere():
    """End every session of the user (other browsers, remember-me cookies), then this one."""
    accounts.sign_out_everywhere(current_user._get_current_object())
    _fresh_session()
    logout_user()  # after: it marks the remember-me cookie for deletion in the new session
    flash(_("Bạn đã đăng xuất khỏi mọi trình duyệt và thiết bị."), "info")
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
                refused = as_refusal(exc)
                if "current" in refused.fields:
                    refused.fields["current"] = [str(WRONG_CURRENT_PASSWORD)]
                refused.place(form)
                status = refused.status
            else:
                renew_session(current_user._get_current_object())
                flash(_("Đã đổi mật khẩu. Các phiên đăng nhập khác và các mã truy cập API "
                        "của bạn đã bị thu hồi."), "success")
                return redirect(url_for("home.index"))
        else:
            status = 422
    return render_template("auth/password.html", form=form), status
