"""The pages: blueprints with their forms. Thin callers of core.services."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote_to_bytes, urlencode, urlsplit, urlunsplit

from flask import Flask, Request, g, redirect, render_template, request, session, url_for
from flask_babel import get_locale, refresh
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from core.domain import format_points
from core.errors import DomainError
from core.extensions import db, login_manager
from core.models import User
from core.services import accounts, clock, office

LANGUAGES = ("vi", "en")

# The page shown for each HTTP error, in the user's language.
ERROR_MESSAGES: dict[int, Any] = {
    400: _l("Yêu cầu không hợp lệ."),
    403: _l("Bạn không có quyền xem trang này."),
    404: _l("Không tìm thấy trang yêu cầu."),
    405: _l("Trang này không nhận thao tác theo cách bạn vừa gửi."),
    413: _l("Tệp hoặc dữ liệu gửi lên quá lớn."),
    429: _l("Bạn thao tác quá nhiều lần; vui lòng thử lại sau ít phút."),
    500: _l("Lỗi hệ thống; thao tác chưa được thực hiện. Vui lòng thử lại sau."),
}


def format_date(value: date | datetime | str | None) -> str:
    """dd/mm/yyyy, the way Vietnamese offices write dates."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    if isinstance(value, datetime):
        value = clock.local(value)
    return value.strftime("%d/%m/%Y")


def format_datetime(value: datetime | None) -> str:
    """hh:mm dd/mm/yyyy in Asia/Ho_Chi_Minh."""
    return clock.local(value).strftime("%H:%M %d/%m/%Y") if value else ""


def current_language() -> str:
    """The language of the page being rendered ("vi" or "en")."""
    locale = get_locale()
    language = locale.language if locale is not None else "vi"
    return language if language in LANGUAGES else "vi"


def undecodable_form(req: Request) -> bool:
    """A urlencoded body that is not UTF-8, raw or percent-encoded. (Werkzeug would quietly
    parse such a body as an empty form, and the user would be told to fill in fields.)"""
    if req.method not in ("POST", "PUT", "PATCH", "DELETE") or \
            req.mimetype != "application/x-www-form-urlencoded":
        return False
    body = req.get_data(cache=True)
    try:
        body.decode("utf-8")
        for pair in body.split(b"&"):
            for piece in pair.split(b"=", 1):
                unquote_to_bytes(piece.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _error_page(code: int, message: Any = None):
    if message is None:
        message = ERROR_MESSAGES.get(code, ERROR_MESSAGES[400])
    return render_template("errors/error.html", code=code, message=str(message)), code


def init_app(app: Flask) -> None:
    from core.web import admin, auth, campaigns, home

    app.register_blueprint(auth.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(campaigns.bp)
    app.register_blueprint(admin.bp)
    from core.web import cycle, documents
    app.register_blueprint(cycle.bp)
    app.register_blueprint(documents.bp)
    from core.web import meeting, voting
    app.register_blueprint(voting.bp)
    app.register_blueprint(meeting.bp)
    from core.web import board, history, people
    app.register_blueprint(board.bp)
    app.register_blueprint(people.bp)
    app.register_blueprint(history.bp)
    from core.web import plans
    app.register_blueprint(plans.bp)
    from core.web import units
    app.register_blueprint(units.bp)
    app.register_blueprint(plans.amend_bp)
    from core.services import mail
    from core.web import notices
    app.register_blueprint(notices.bp)
    from core.web import signatures
    app.register_blueprint(signatures.bp)
    from core.web import jobs
    app.register_blueprint(jobs.bp)
    mail.init_app(app)

    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Vui lòng đăng nhập để tiếp tục.")
    login_manager.login_message_category = "warning"
    # The message is lazy; flash it as the plain text of the current language.
    login_manager.localize_callback = str

    @login_manager.user_loader
    def load_user(identity: str) -> User | None:
        # "<id>:<session version>" (User.get_id), from the session or the remember-me
        # cookie: refused once the user's sessions were ended (password changed or reset).
        return accounts.user_for_session(identity)

    def _start_request():
        # The language and the user are decided from this request's session. (A request
        # made inside an app context that is already pushed, as the test client does,
        # would otherwise reuse the locale and user cached on ``g`` by an earlier request.)
        refresh()
        g.pop("_login_user", None)
        if not request.path.startswith("/api/") and undecodable_form(request):
            return _error_page(400, _("Dữ liệu gửi lên không phải văn bản UTF-8 hợp lệ nên "
                                      "không được xử lý; không có gì thay đổi. Vui lòng nhập "
                                      "lại trên biểu mẫu."))
        return None

    # First of all: before CSRF protection reads the form (an unreadable one would be
    # reported as a missing token).
    app.before_request_funcs.setdefault(None, []).insert(0, _start_request)

    app.jinja_env.filters["vn_date"] = format_date
    app.jinja_env.filters["vn_datetime"] = format_datetime
    app.jinja_env.filters["points"] = format_points
    app.jinja_env.globals["thidua_province"] = _province
    # A step's host as a document prints it: the board's default label becomes the office the
    # document names (``{{ d.verifier|as_host(office) }}``; core/services/office.py).
    app.jinja_env.filters["as_host"] = office.as_host

    @app.context_processor
    def _inject() -> dict[str, Any]:
        from core.services import documents

        # The province's emulation office as configured (THIDUA_OFFICE_NAME / _PARENT): pages
        # name it, never a hard-coded "Ban Thi đua – Khen thưởng".
        return {"today": clock.today(), "now": clock.now(), "lang": current_language(),
                "office_name": documents.province().office}

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):
        db.session.rollback()
        if request.path.startswith("/api/"):
            return exc
        # A form of the yearly cycle keeps what was typed (issue 13: core/web/cycle/drafts.py).
        from core.web.cycle.drafts import rescue_after_csrf

        rescued = rescue_after_csrf()
        if rescued is not None:
            return rescued
        return _error_page(400, _("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ "
                                  "(mã bảo vệ CSRF). Vui lòng tải lại trang và thử lại."))

    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError):
        db.session.rollback()
        if request.path.startswith("/api/"):
            from core.api import _domain_error as api_error

            return api_error(exc)
        return _error_page(exc.status, exc.message)

    def _http_error(exc: HTTPException):
        from core.api import allow_header, error_response

        code = exc.code or 500
        if request.path.startswith("/api/"):
            return allow_header(error_response(code), exc)
        body, status = _error_page(code if code in ERROR_MESSAGES else 400)
        return allow_header(app.make_response((body, status)), exc)

    for code in (400, 403, 404, 405, 413, 429):
        app.register_error_handler(code, _http_error)

    @app.errorhandler(500)
    def _server_error(exc: Exception):
        db.session.rollback()
        if request.path.startswith("/api/"):
            from core.api import error_response

            return error_response(500)
        return _error_page(500)

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    @app.get("/lang/<code>")
    def set_language(code: str):
        if code in LANGUAGES:
            session["lang"] = code
        return redirect(_back_to(request.referrer))


def _back_to(referrer: str | None) -> str:
    """The page the user came from, on this site and without a ``lang`` parameter (which
    would switch the language back), else the home page."""
    if not referrer or not referrer.startswith(request.host_url):
        return url_for("home.index")
    from core.web.redirects import safe_next

    parts = urlsplit(referrer)
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if k != "lang"])
    path = referrer[len(request.host_url) - 1:].split("?", 1)[0].split("#", 1)[0] or "/"
    target = urlunsplit(("", "", path, query, ""))
    return safe_next(path) and safe_next(target) or url_for("home.index")


def _province(campaign: Any = None) -> Any:
    """The province settings for templates (``thidua_province().office``): the documents
    service's one lookup (core.services.documents.province)."""
    from core.services.documents import province

    return province(campaign)
