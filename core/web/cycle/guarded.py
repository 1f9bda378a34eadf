"""The confirmation of an irreversible step on a page (issue 13): the step's checklist is the
service's (core/services/guards.py); the page reads whether the person ticked the sentence
that names the gaps shown to them, and their reason."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from core.errors import Conflict
from core.services.guards import Checklist


def confirmed(checklist: Checklist | None) -> tuple[bool, str | None]:
    """``(force, reason)`` for the service. With gaps and the confirmation not ticked, no
    ``force`` (the service refuses, 409 with the checklist); 409 when it was ticked for
    other gaps than the current ones (something changed since the page was shown)."""
    if checklist is None or checklist.met:
        return False, None
    given = request.form.get("confirm", "")
    if not given:  # not ticked: the service refuses with the checklist (409)
        return False, None
    if given != checklist.digest:
        raise Conflict(_("Danh sách thiếu sót đã thay đổi từ khi bạn mở trang; hãy xem lại "
                         "danh sách mới và xác nhận lại."), code="checklist_changed")
    return True, request.form.get("reason", "")
