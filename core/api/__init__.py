"""The JSON API, ``/api/v1`` (``shared/API.md`` is its contract).

Handlers are thin: parse, call the same services as the pages, serialise. Every error is
``{"error": {"code", "message", "fields"}}`` with the status the contract names.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from flask import Blueprint, g, jsonify, request
from flask_babel import lazy_gettext
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from core.errors import DomainError
from core.extensions import csrf
from core.models import ApiToken, User
from core.services import accounts

api_bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(api_bp)

HTTP_MESSAGES = {
    400: ("malformed", "Yêu cầu không hợp lệ (JSON sai cú pháp hoặc không phải UTF-8)."),
    401: ("unauthorized", "Cần đăng nhập: gửi mã truy cập trong tiêu đề Authorization."),
    403: ("forbidden", "Bạn không có quyền thực hiện thao tác này."),
    404: ("not_found", "Không tìm thấy tài nguyên yêu cầu."),
    405: ("method_not_allowed", "Phương thức không được hỗ trợ cho đường dẫn này."),
    409: ("conflict", "Xung đột trạng thái."),
    413: ("too_large", "Dữ liệu gửi lên quá lớn."),
    415: ("unsupported_media_type", "Nội dung phải là JSON (Content-Type: application/json)."),
    429: ("rate_limited", "Quá nhiều yêu cầu; vui lòng thử lại sau."),
    500: ("internal_error", "Lỗi hệ thống; thao tác chưa được thực hiện."),
}


def allow_header(response, exc: Exception):
    """Keep the ``Allow`` header of a 405 on the answer that replaces Werkzeug's page."""
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def error_response(status: int, code: str | None = None, message: str | None = None,
                   fields: dict | None = None):
    default_code, default_message = HTTP_MESSAGES.get(status, ("error", "Lỗi."))
    body: dict[str, Any] = {"code": code or default_code, "message": message or default_message}
    if fields:
        body["fields"] = fields
    response = jsonify({"error": body})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="thidua"'
    return response


@api_bp.errorhandler(DomainError)
def _domain_error(exc: DomainError):
    from core.extensions import db

    db.session.rollback()
    response = jsonify(exc.to_dict())
    response.status_code = exc.status
    if getattr(exc, "retry_after", 0):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


@api_bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    from core.extensions import db

    db.session.rollback()
    return allow_header(error_response(exc.code or 500), exc)


@api_bp.url_value_preprocessor
def _typed_path(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Path parameters typed as the OpenAPI document declares them (core/api/schemas.py):
    a code that cannot name anything is 404 before any handler or query runs."""
    from core.api.schemas import check_path

    check_path(values)


def json_body(accept: tuple[type, ...] = (dict,)) -> Any:
    """The request's JSON object; 400 when it is not valid UTF-8 JSON (``malformed``) or not
    an object (``bad_request``: a list, a string, a number, JSON nested too deep), 415 when
    not JSON. ``accept``: the JSON types the endpoint takes (the attendance also takes a
    list of rows)."""
    if not request.is_json:
        raise _Unsupported()
    try:
        raw = request.get_data(cache=True)
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Malformed() from exc
    try:
        payload = request.get_json(silent=True)
    except RecursionError as exc:  # nested thousands of levels deep
        raise _NotAnObject() from exc
    if payload is None:
        raise _Malformed()
    if not isinstance(payload, accept):
        raise _NotAnObject()
    return payload


class _Malformed(DomainError):
    status = 400
    code = "malformed"

    def __init__(self) -> None:
        super().__init__(HTTP_MESSAGES[400][1], fields={"body": [HTTP_MESSAGES[400][1]]})


class _NotAnObject(DomainError):
    status = 400
    code = "bad_request"

    def __init__(self) -> None:
        message = lazy_gettext("Nội dung yêu cầu phải là một đối tượng JSON.")
        super().__init__(message, fields={"body": [message]})


class _Unsupported(DomainError):
    status = 415
    code = "unsupported_media_type"

    def __init__(self) -> None:
        super().__init__(HTTP_MESSAGES[415][1])


def current_api_user() -> User | None:
    return getattr(g, "api_user", None)


def current_api_token() -> ApiToken | None:
    """The row of the bearer token the request was authenticated with."""
    return getattr(g, "api_token", None)


def token_required(view):
    """Authenticate with ``Authorization: Bearer <token>``; 401 otherwise (also for a
    revoked or expired token)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        row = accounts.token_row(token.strip()) if scheme.lower() == "bearer" else None
        if row is None:
            return error_response(401)
        g.api_token = row
        g.api_user = row.user
        return view(*args, **kwargs)

    return wrapper


from core.api import cycle, documents, meeting, notices, openapi, routes, voting  # noqa: E402,F401,I001  (register the routes)
from core.api import plans  # noqa: E402,F401  (plans as data: register the routes)
from core.api import units  # noqa: E402,F401  (units through time: register the routes)
from core.api import jobs  # noqa: E402,F401  (background jobs: register the routes)
