"""Drafts on the cycle's forms (issue 13: nothing typed is lost).

* The page's script (static/js/drafts.js) posts the form's fields here a couple of seconds
  after typing stops (:func:`draft_save`; the form's own CSRF token protects it); the page
  shows them again when the form is opened ("Đã khôi phục bản nháp lưu lúc 10:42 — Bỏ bản
  nháp", :func:`restore`), and the draft is deleted when the form is saved (:func:`forget`).
* A form posted after the session expired (the CSRF check fails) is not lost
  (:func:`rescue_after_csrf`): for a person still signed in it becomes their draft at once;
  for one who is not, its fields are held under a one-time token carried through the sign-in
  page back to the form, which claims them for the person then signed in — if they may write
  that form (core/services/drafts.py).

The four forms and their keys: ``registration``, ``report`` (with the kind), ``scores`` (the
self-score) and ``verify``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app, flash, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.errors import DomainError, Forbidden, NotFound
from core.models import Campaign
from core.services import clock, drafts
from core.services.cycle import member_unit
from core.unit_of_work import unit_of_work
from core.web.cycle import bp
from core.web.cycle.common import campaign_of, unit_staff, verifier

#: The form's save endpoint → (form kind, the form page's endpoint).
FORMS = {
    "cycle.registration_save": ("registration", "cycle.registration_page"),
    "cycle.report_save": ("report", "cycle.report_page"),
    "cycle.report_attach": ("report", "cycle.report_page"),
    "cycle.report_detach": ("report", "cycle.report_page"),
    "cycle.scores_save": ("scores", "cycle.scores_page"),
    "cycle.verify_save": ("verify", "cycle.verify_page"),
}
PAGES = {"registration": "cycle.registration_page", "report": "cycle.report_page",
         "scores": "cycle.scores_page", "verify": "cycle.verify_page"}


def key(kind: str, campaign: Campaign, unit: str, sub: str | None = None) -> str:
    """The form's key: ``report:khoi-8:2021:so-tttt:year_end``."""
    extra = (sub,) if sub else ()
    return drafts.form_key(kind, campaign.bloc.code, campaign.year, unit, *extra)


def may_write(campaign: Campaign, kind: str, unit: str) -> bool:
    """Whether the signed-in person writes this form (only they keep a draft of it)."""
    if not current_user.is_authenticated:
        return False
    try:
        found = member_unit(campaign, unit)
    except NotFound:
        return False
    if kind == "verify":
        return any(verifier(campaign))
    return unit_staff(campaign, found)


def _page_args(kind: str, campaign: Campaign, unit: str, sub: str | None) -> dict[str, Any]:
    args: dict[str, Any] = {"bloc": campaign.bloc.code, "year": campaign.year, "unit": unit}
    if kind == "report":
        args["kind"] = sub
    return args


def restore(campaign: Campaign, kind: str, unit: str, sub: str | None = None
            ) -> dict[str, Any] | None:
    """The signed-in person's draft of this form, for the page to show in the form (a
    rescue given in the address, ``?rescue=…``, is claimed first): ``{"fields", "saved_at",
    "discard_url"}``, or None."""
    form = key(kind, campaign, unit, sub)
    token = request.args.get("rescue", "")
    draft = None
    if token and may_write(campaign, kind, unit):
        with unit_of_work():
            draft = drafts.claim_rescue(current_user, form, token)
    if draft is None:
        draft = drafts.get(current_user, form)
    if draft is None:
        return None
    return {"fields": dict(draft.fields),
            "saved_at": clock.local(draft.updated_at).strftime("%H:%M %d/%m/%Y"),
            "discard_url": url_for("cycle.draft_discard", bloc=campaign.bloc.code,
                                   year=campaign.year, kind=kind, unit=unit, sub=sub or None)}


@dataclass
class FormContents:
    """What a form of the cycle shows: ``shown`` in its fields, the ``version`` it posts, the
    person's ``draft`` (restored) and what a refused submit did not save (``unsaved``)."""

    shown: Any
    version: Any
    draft: dict[str, Any] | None
    unsaved: list[Any]


def form_contents(campaign: Campaign, kind: str, unit: str, sub: str | None = None, *,
                  editable: bool, stored: Any, stored_version: Any, typed: Any, version: Any,
                  problems: Any, from_fields: Callable[[Mapping[str, Any]], Any],
                  unsaved: Callable[[Any, Any], list[Any]]) -> FormContents:
    """The one rule of the cycle's forms: what was typed (a refused submit's, else the
    person's draft, read back with ``from_fields``) while the form is editable, otherwise
    what is stored. A submit refused as stale (409) posts the stored version next time, so
    that saving again replaces it knowingly (the page shows both side by side)."""
    refused = problems.message is not None and typed is not None
    draft = None
    if typed is None and editable:
        draft = restore(campaign, kind, unit, sub)
        if draft is not None:
            typed = from_fields(draft["fields"])
            version = draft["fields"].get("version", stored_version)
    missing = unsaved(stored, typed) if refused else []
    if refused and editable and problems.status == 409:
        version = stored_version
    shown = typed if (editable and typed is not None) else stored
    return FormContents(shown, version, draft, missing)


def keep(campaign: Campaign, kind: str, unit: str, sub: str | None,
         fields: Mapping[str, Any]) -> None:
    """Keep the fields as the person's draft now (committed even when the answer is a
    refusal): e.g. the form posted with a file to attach, or a submit refused as stale."""
    with unit_of_work():
        drafts.save(current_user, key(kind, campaign, unit, sub), fields)


def forget(campaign: Campaign, kind: str, unit: str, sub: str | None = None) -> None:
    """The form was saved: its draft is no longer needed."""
    drafts.discard(current_user, key(kind, campaign, unit, sub))


def draft_url(campaign: Campaign, kind: str, unit: str, sub: str | None = None) -> str:
    return url_for("cycle.draft_save", bloc=campaign.bloc.code, year=campaign.year,
                   kind=kind, unit=unit, sub=sub or None)


def _checked(campaign: Campaign, kind: str, unit: str, sub: str | None) -> str:
    if kind not in PAGES or (kind == "report") != bool(sub):
        raise NotFound(_("Không có biểu mẫu này."))
    if kind == "report" and sub not in ("mid_year", "year_end"):
        raise NotFound(_("Loại báo cáo không hợp lệ."))
    form = key(kind, campaign, unit, sub)
    if not may_write(campaign, kind, unit):
        raise Forbidden(_("Bạn không nhập biểu mẫu này."))
    return form


@bp.post("/drafts/<kind>/<unit>", defaults={"sub": None})
@bp.post("/drafts/<kind>/<unit>/<sub>")
def draft_save(bloc: str, year: int, kind: str, unit: str, sub: str | None):
    """Save what the person typed (the page's script calls this as they type)."""
    limit = drafts.MAX_DRAFT_BYTES * 2
    if request.content_length is not None and request.content_length > limit:
        return jsonify({"error": {"code": "draft_too_large",
                                  "message": _("Bản nháp quá lớn để lưu tự động.")}}), 413
    campaign = campaign_of(bloc, year)
    try:
        form = _checked(campaign, kind, unit, sub)
        draft = drafts.save(current_user, form, request.form)
    except DomainError as exc:
        return jsonify(exc.to_dict()), exc.status
    saved = clock.local(draft.updated_at)
    return jsonify({"saved": True, "saved_at": saved.isoformat(),
                    "message": _("Đã lưu bản nháp tự động lúc %(time)s.",
                                 time=saved.strftime("%H:%M"))})


@bp.post("/drafts/<kind>/<unit>/discard", defaults={"sub": None})
@bp.post("/drafts/<kind>/<unit>/<sub>/discard")
def draft_discard(bloc: str, year: int, kind: str, unit: str, sub: str | None):
    """Give the draft up: the form shows what is stored again."""
    campaign = campaign_of(bloc, year)
    form = _checked(campaign, kind, unit, sub)
    drafts.discard(current_user, form)
    flash(_("Đã bỏ bản nháp; biểu mẫu hiện nội dung đã lưu."), "info")
    return redirect(url_for(PAGES[kind], **_page_args(kind, campaign, unit, sub)), 303)


def rescue_after_csrf() -> Any:
    """The answer to a form of the cycle posted with an expired session or token (the CSRF
    check failed), or None for any other request: its fields are kept and the person is
    brought back to the form — at once when still signed in (the fields become their draft),
    else through the sign-in page (the fields are held under a one-time token)."""
    if request.method != "POST" or request.endpoint not in FORMS or not request.view_args:
        return None
    kind, page = FORMS[request.endpoint]
    args = dict(request.view_args)
    unit = args.get("unit")
    sub = args.get("kind") if kind == "report" else None
    try:
        campaign = campaign_of(args["bloc"], args["year"])
        form = key(kind, campaign, unit, sub)
        page_args = _page_args(kind, campaign, unit, sub)
        fields = request.form
        if current_user.is_authenticated:
            if not may_write(campaign, kind, unit):
                return None
            with unit_of_work():
                drafts.save(current_user, form, fields)
            flash(_("Phiên làm việc đã hết hạn nên biểu mẫu chưa được lưu hoặc gửi. Nội dung "
                    "bạn vừa nhập đã được giữ lại dưới đây: hãy kiểm tra rồi bấm lưu hoặc gửi "
                    "lại."), "warning")
            return redirect(url_for(page, **page_args), 303)
        with unit_of_work():
            token = drafts.hold_for_sign_in(form, fields)
    except (DomainError, KeyError):
        current_app.logger.info("a form posted with an expired session was not kept")
        return None
    if token is None:
        return None
    flash(_("Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại: nội dung bạn vừa nhập được "
            "giữ lại và sẽ hiện ra trong biểu mẫu sau khi đăng nhập."), "warning")
    back = url_for(page, rescue=token, **page_args)
    return redirect(url_for("auth.login", next=back), 303)


def typed_fields(fields: Mapping[str, Any]) -> bool:
    """Whether a posted form carries typed fields worth keeping (not only its token)."""
    return any(k not in drafts.NOT_KEPT and k not in ("version", "attachment") and v
               for k, v in fields.items())

