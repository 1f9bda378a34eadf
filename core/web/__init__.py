"""The pages: blueprints with their forms. Thin callers of core.services."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from core.errors import DomainError
from core.extensions import db, login_manager
from core.models import User
from core.services import clock


def format_date(value: date | datetime | str | None) -> str:
    """dd/mm/yyyy, the way Vietnamese offices write dates."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    if isinstance(value, datetime):
        value = clock.local(value)
    return value.strftime("%d/%m/%Y")


def format_datetime(value: datetime | None) -> str:
    return clock.local(value).strftime("%H:%M %d/%m/%Y") if value else ""


def format_points(value) -> str:
    if value is None:
        return ""
    number = float(value)
    return f"{number:g}".replace(".", ",")


def init_app(app: Flask) -> None:
    from core.web import admin, auth, campaigns, home

    app.register_blueprint(auth.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(campaigns.bp)
    app.register_blueprint(admin.bp)

    login_manager.login_view = "auth.login"
    login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
    login_manager.login_message_category = "warning"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
        return user if user is not None and user.active else None

    app.jinja_env.filters["vn_date"] = format_date
    app.jinja_env.filters["vn_datetime"] = format_datetime
    app.jinja_env.filters["points"] = format_points

    @app.context_processor
    def _inject():
        return {"today": clock.today(), "now": clock.now()}

    @app.errorhandler(CSRFError)
    def _csrf_error(exc):
        if request.path.startswith("/api/"):
            return exc
        return render_template("errors/error.html", code=400,
                               message=_("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp "
                                         "lệ (CSRF). Vui lòng tải lại trang và thử lại.")), 400

    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError):
        db.session.rollback()
        if request.path.startswith("/api/"):
            from core.api import _domain_error as api_error

            return api_error(exc)
        flash(str(exc.message), "danger")
        return render_template("errors/error.html", code=exc.status,
                               message=str(exc.message)), exc.status

    for code, message in (
        (403, "Bạn không có quyền xem trang này."),
        (404, "Không tìm thấy trang yêu cầu."),
        (413, "Tệp hoặc dữ liệu gửi lên quá lớn."),
        (429, "Bạn thao tác quá nhiều lần; vui lòng thử lại sau ít phút."),
    ):
        def handler(exc, code=code, message=message):
            if request.path.startswith("/api/"):
                from core.api import error_response

                return error_response(code)
            return render_template("errors/error.html", code=code, message=_(message)), code

        app.register_error_handler(code, handler)

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    @app.get("/lang/<code>")
    def set_language(code: str):
        from flask import session

        if code in ("vi", "en"):
            session["lang"] = code
        target = request.referrer or url_for("home.index")
        if not target.startswith(request.host_url):
            target = url_for("home.index")
        return redirect(target)
