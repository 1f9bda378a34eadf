"""Notices and reminders in the JSON API: the person's notices, marking them read, their
choice of reminders (and the e-mail address), and the step host's reminder to the units that
have not sent. Thin callers of :mod:`core.services.notifications`."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_babel import lazy_gettext

from core.api import api_bp, current_api_user, json_body, schemas, token_required
from core.api.schemas import body, query
from core.errors import ValidationFailed
from core.models import User
from core.services import campaigns, notifications
from core.unit_of_work import unit_of_work


def _preferences(user: User) -> dict[str, Any]:
    return {"email": user.email, "kinds": notifications.preferences(user)}


@api_bp.get("/notices")
@token_required
@query(unread=schemas.text(10, description="1: chỉ thông báo chưa đọc"))
def list_notices():
    """Thông báo của người dùng (mới nhất trước); ?unread=1: chỉ thông báo chưa đọc."""
    user = current_api_user()
    unread_only = request.args.get("unread") in ("1", "true")
    return jsonify({"unread": notifications.unread_count(user),
                    "notices": [notifications.to_dict(n) for n in
                                notifications.notices_of(user, unread_only=unread_only)]})


@api_bp.post("/notices/read")
@token_required
@body(schemas.NOTICES_READ, optional=True)
def read_notices():
    """Đánh dấu đã đọc: {"ids": [..]} hoặc mọi thông báo khi không có ids."""
    user = current_api_user()
    body = json_body() if request.get_data(cache=True) else {}
    ids = body.get("ids")
    if ids is not None and (not isinstance(ids, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in ids)):
        message = lazy_gettext("ids phải là danh sách số nguyên (mã thông báo).")
        raise ValidationFailed(message, fields={"ids": [message]})
    marked = notifications.mark_read(user, ids)
    return jsonify({"marked": marked, "unread": notifications.unread_count(user)})


@api_bp.get("/notices/preferences")
@token_required
def get_notice_preferences():
    """Loại nhắc việc người dùng nhận và địa chỉ e-mail nhận nhắc việc."""
    return jsonify(_preferences(current_api_user()))


@api_bp.put("/notices/preferences")
@token_required
@body(schemas.NOTICE_PREFERENCES)
def put_notice_preferences():
    """Chọn loại nhắc việc nhận ({"kinds": {loại: true|false}}) và địa chỉ e-mail."""
    user = current_api_user()
    body = json_body()
    kinds = body.get("kinds", {})
    if not isinstance(kinds, dict):
        message = lazy_gettext("kinds phải là đối tượng {loại nhắc việc: true hoặc false}.")
        raise ValidationFailed(message, fields={"kinds": [message]})
    if "email" in body:
        email = body["email"]
        if email is not None and not isinstance(email, str):
            message = lazy_gettext("Địa chỉ e-mail phải là chuỗi ký tự.")
            raise ValidationFailed(message, fields={"email": [message]})
        notifications.set_email(user, email, actor=user)
    notifications.set_preferences(user, kinds, actor=user)
    return jsonify(_preferences(user))


@api_bp.post("/campaigns/<bloc>/<int:year>/steps/<deliverable>/remind")
@token_required
def remind_units(bloc: str, year: int, deliverable: str):
    """Nhắc các đơn vị chưa gửi (đơn vị chủ trì bước; mỗi bước một lần mỗi ngày)."""
    campaign = campaigns.get_campaign(bloc, year)
    with unit_of_work():
        units, given = notifications.nudge(campaign, deliverable[:40],
                                           actor=current_api_user())
    notifications.mail_out(given)
    return jsonify({"deliverable": deliverable, "units": [u.code for u in units],
                    "people": len(given),
                    "mail": {state: sum(1 for g in given if g.mail == state)
                             for state in sorted({g.mail for g in given})}})
