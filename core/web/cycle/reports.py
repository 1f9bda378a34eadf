"""The mid-year and year-end report pages of a unit, with their attachments (upload and
download)."""

from __future__ import annotations

from typing import Any

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from core.domain import ReportKind
from core.errors import DomainError, Forbidden, NotFound, ValidationFailed
from core.extensions import db
from core.models import Campaign, CriterionRow, Unit
from core.services import attachments, registration, reports
from core.services import drafts as draft_service
from core.services.cycle import member_unit
from core.web.cycle import bp, drafts
from core.web.cycle.common import action, campaign_of, receiver, unit_staff, window
from core.web.refusals import Refusal, as_refusal

REPORT_KINDS = ReportKind.values()


def _report_rows(campaign: Campaign, unit: Unit) -> tuple[list[CriterionRow], list[dict]]:
    """The unit's registered targets (criterion row and target text), in table order."""
    targets = reports.registered_targets(campaign, unit)
    texts = {i["criterion"]: i["target"]
             for i in registration.describe(unit, registration.get(campaign, unit))["items"]}
    rows = sorted(targets.values(), key=lambda r: r.position)
    return rows, [{"row": r, "target": texts.get(r.code, "")} for r in rows]


def _typed_from(fields: Any, rows: list[CriterionRow]) -> dict[str, Any]:
    """The report's fields as typed in the form (or kept in a draft)."""
    return {"body": fields.get("body", ""), "progress": [
        {"percent": fields.get(f"progress-{i}-percent", ""),
         "note": fields.get(f"progress-{i}-note", "")} for i in range(len(rows))]}


def _unsaved(stored: dict[str, Any], typed: dict[str, Any], rows: list[CriterionRow]
             ) -> list[dict[str, str]]:
    """What was typed and not saved, beside what is stored (only the fields that differ)."""
    found = []
    if typed["body"].strip() != stored["body"].strip():
        found.append({"label": _("Nội dung báo cáo"), "stored": stored["body"],
                      "typed": typed["body"]})
    for row, kept, mine in zip(rows, stored["progress"], typed["progress"], strict=True):
        for name, label in (("percent", _("Hoàn thành (%%) — %(code)s", code=row.code)),
                            ("note", _("Ghi chú — %(code)s", code=row.code))):
            if mine[name].strip() != kept[name].strip():
                found.append({"label": label, "stored": kept[name], "typed": mine[name]})
    return found


def _render_report(campaign: Campaign, unit_code: str, kind: str, *,
                   typed: dict[str, Any] | None = None, version: Any = None,
                   problems: Refusal | None = None, upload_problems: Refusal | None = None):
    problems = problems or Refusal()
    upload_problems = upload_problems or Refusal()
    unit, report = reports.read(campaign, unit_code, kind, actor=current_user)
    state = reports.describe(unit, report, kind)
    rows, targets = _report_rows(campaign, unit)
    saved = {p["criterion"]: p for p in state["progress"]}
    stored = {"body": state["body"], "progress": [
        {"percent": "" if r.code not in saved else str(saved[r.code]["percent"]),
         "note": saved.get(r.code, {}).get("note", "")} for r in rows]}
    phase = window(campaign, reports.DELIVERABLE[kind], unit.id)
    staff = unit_staff(campaign, unit)
    editable = staff and state["status"] != "submitted" and phase["open"]
    form = drafts.form_contents(
        campaign, "report", unit.code, kind, editable=editable, stored=stored,
        stored_version=state["version"], typed=typed, version=version, problems=problems,
        from_fields=lambda fields: _typed_from(fields, rows),
        unsaved=lambda saved, sent: _unsaved(saved, sent, rows))
    status = problems.status if problems.message else upload_problems.status
    return render_template(
        "cycle/report.html", campaign=campaign, unit=unit, kind=kind,
        kind_label=_(ReportKind(kind).label), state=state, targets=targets, typed=form.shown,
        version=state["version"] if form.version is None else form.version, problems=problems,
        upload_problems=upload_problems, window=phase,
        receiver=receiver(campaign, reports.DELIVERABLE[kind]),
        staff=staff, editable=editable, draft=form.draft, unsaved=form.unsaved,
        draft_url=drafts.draft_url(campaign, "report", unit.code, kind) if editable else None,
        max_mb=current_app.config["THIDUA_MAX_UPLOAD_MB"]), status


@bp.get("/reports/<unit>/<kind>")
def report_page(bloc: str, year: int, unit: str, kind: str):
    if kind not in REPORT_KINDS:
        raise NotFound(_("Loại báo cáo không hợp lệ."))
    return _render_report(campaign_of(bloc, year), unit, kind)


@bp.post("/reports/<unit>/<kind>")
def report_save(bloc: str, year: int, unit: str, kind: str):
    if kind not in REPORT_KINDS:
        raise NotFound(_("Loại báo cáo không hợp lệ."))
    campaign = campaign_of(bloc, year)
    found = member_unit(campaign, unit)
    rows, _targets = _report_rows(campaign, found)
    form = request.form
    typed = _typed_from(form, rows)
    # A row left entirely blank is not reported yet: it is not sent (the service then says
    # what is missing when the report is submitted).
    sent, remap = [], {}
    for index, (row, entry) in enumerate(zip(rows, typed["progress"], strict=True)):
        if entry["percent"].strip() or entry["note"].strip():
            remap[len(sent)] = index
            sent.append({"criterion": row.code, "percent": entry["percent"],
                         "note": entry["note"]})
    submit = action() == "submit"
    try:
        reports.save(campaign, unit, kind, typed["body"], sent, submit=submit,
                     actor=current_user, version=form.get("version"))
    except DomainError as exc:
        return _render_report(campaign, unit, kind, typed=typed, version=form.get("version"),
                              problems=as_refusal(exc, remap=remap, prefix="progress"))
    drafts.forget(campaign, "report", unit, kind)
    flash(_("Đã gửi báo cáo.") if submit else _("Đã lưu nháp báo cáo."), "success")
    return redirect(url_for("cycle.report_page", bloc=bloc, year=year, unit=unit, kind=kind),
                    303)


def _keep_typed(campaign: Campaign, unit: str, kind: str) -> dict[str, Any] | None:
    """The report's fields posted with a file to attach or remove (the buttons are in the
    report's form): kept as the person's draft before the file is handled, so nothing typed
    is lost whatever happens to the file. None when the post carries no typed field."""
    if not drafts.typed_fields(request.form) or not drafts.may_write(campaign, "report", unit):
        return None
    drafts.keep(campaign, "report", unit, kind, request.form)
    rows, _targets = _report_rows(campaign, member_unit(campaign, unit))
    return _typed_from(request.form, rows)


def _follow_version(campaign: Campaign, unit: str, kind: str, before: int) -> None:
    """A file added to a unit's first report creates the report (version 1): a draft typed
    on the version before follows it (the file changed none of its fields)."""
    key = drafts.key("report", campaign, unit, kind)
    draft = draft_service.get(current_user, key)
    report = reports.get(campaign, member_unit(campaign, unit), kind)
    if draft is not None and report is not None \
            and draft.fields.get("version") == str(before):
        draft_service.save(current_user, key, {**draft.fields, "version": str(report.version)})


@bp.post("/reports/<unit>/<kind>/attachments")
def report_attach(bloc: str, year: int, unit: str, kind: str):
    if kind not in REPORT_KINDS:
        raise NotFound(_("Loại báo cáo không hợp lệ."))
    campaign = campaign_of(bloc, year)
    typed = _keep_typed(campaign, unit, kind)
    upload = request.files.get("file")
    before = reports.describe(member_unit(campaign, unit),
                              reports.get(campaign, member_unit(campaign, unit), kind),
                              kind)["version"]
    try:
        if upload is None or not upload.filename:
            raise ValidationFailed(_("Chưa chọn tệp để tải lên."),
                                   fields={"file": [_("Chọn một tệp.")]})
        attachment = reports.attach(campaign, unit, kind, upload.read(), upload.filename,
                                    actor=current_user)
    except DomainError as exc:
        return _render_report(campaign, unit, kind, typed=typed,
                              upload_problems=as_refusal(exc))
    db.session.flush()
    _follow_version(campaign, unit, kind, before)
    flash(_("Đã tải lên tệp “%(name)s”.", name=attachment.display_name), "success")
    return redirect(url_for("cycle.report_page", bloc=bloc, year=year, unit=unit, kind=kind)
                    + "#attachments-h", 303)


@bp.post("/reports/<unit>/<kind>/attachments/remove")
def report_detach(bloc: str, year: int, unit: str, kind: str):
    """Remove a file before the report is sent (the button is in the report's form: what
    was typed is kept as the draft)."""
    if kind not in REPORT_KINDS:
        raise NotFound(_("Loại báo cáo không hợp lệ."))
    campaign = campaign_of(bloc, year)
    typed = _keep_typed(campaign, unit, kind)
    try:
        name = reports.detach(campaign, unit, kind, request.form.get("attachment", ""),
                                  actor=current_user)
    except DomainError as exc:
        return _render_report(campaign, unit, kind, typed=typed,
                              upload_problems=as_refusal(exc, error_page=(Forbidden,)))
    flash(_("Đã bỏ tệp “%(name)s” khỏi báo cáo.", name=name), "success")
    return redirect(url_for("cycle.report_page", bloc=bloc, year=year, unit=unit, kind=kind)
                    + "#attachments-h", 303)


@bp.get("/reports/<unit>/<kind>/attachments/<attachment_id>")
def report_download(bloc: str, year: int, unit: str, kind: str, attachment_id: str):
    campaign = campaign_of(bloc, year)
    found = reports.attachment_for_download(campaign, unit, kind, attachment_id,
                                            actor=current_user)
    return send_file(attachments.storage_path(found.sha256), mimetype=found.content_type,
                     as_attachment=True, download_name=found.display_name)
