"""A background job's status (core.services.jobs): for the person who asked, or an admin.
The session works too (the job page asks it with the browser's cookie)."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user

from core.api import api_bp
from core.errors import DomainError
from core.services import accounts, jobs


class _Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


@api_bp.get("/jobs/<job_id>")
def job_status(job_id: str):
    """A job's status and progress: {id, kind, title, status, done, total, message, error,
    result (without secrets)}."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    row = accounts.token_row(token.strip()) if scheme.lower() == "bearer" else None
    actor = row.user if row is not None else (
        current_user if current_user.is_authenticated else None)
    if actor is None:
        raise _Unauthorized("Cần đăng nhập: gửi mã truy cập trong tiêu đề Authorization.")
    return jsonify(jobs.status(jobs.get(job_id, actor=actor)))
