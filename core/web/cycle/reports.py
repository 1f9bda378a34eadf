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
from core.errors import DomainError, NotFound, ValidationFailed
from core.models import Campaign, CriterionRow, Unit
from core.services import attachments, registration, reports
from core.services.cycle import member_unit
from core.web.cycle import bp
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


def _render_report(campaign: Campaign, unit_code: str, kind: str, *,
                   typed: dict[str, Any] | None = None, version: Any = None,
                   problems: Refusal | None = None, upload_problems: Refusal | None = None):
    problems = problems or Refusal()
    upload_problems = upload_problems or Refusal()
    unit, report = reports.read(campaign, unit_code, kind, actor=current_user)
    state = reports.describe(unit, report, kind)
    rows, targets = _report_rows(campaign, unit)
    if typed is None:
        saved = {p["criterion"]: p for p in state["progress"]}
        typed = {"body": state["body"], "progress": [
            {"percent": "" if r.code not in saved else str(saved[r.code]["percent"]),
             "note": saved.get(r.code, {}).get("note", "")} for r in rows]}
    phase = window(campaign, reports.DELIVERABLE[kind], unit.id)
    staff = unit_staff(campaign, unit)
    editable = staff and state["status"] != "submitted" and phase["open"]
    status = problems.status if problems.message else upload_problems.status
    return render_template(
        "cycle/report.html", campaign=campaign, unit=unit, kind=kind,
        kind_label=_(ReportKind(kind).label), state=state, targets=targets, typed=typed,
        version=state["version"] if version is None else version, problems=problems,
        upload_problems=upload_problems, window=phase,
        receiver=receiver(campaign, reports.DELIVERABLE[kind]),
        staff=staff, editable=editable,
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
    typed = {"body": form.get("body", ""), "progress": [
        {"percent": form.get(f"progress-{i}-percent", ""),
         "note": form.get(f"progress-{i}-note", "")} for i in range(len(rows))]}
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
    flash(_("Đã gửi báo cáo.") if submit else _("Đã lưu nháp báo cáo."), "success")
    return redirect(url_for("cycle.report_page", bloc=bloc, year=year, unit=unit, kind=kind),
                    303)


@bp.post("/reports/<unit>/<kind>/attachments")
def report_attach(bloc: str, year: int, unit: str, kind: str):
    if kind not in REPORT_KINDS:
        raise NotFound(_("Loại báo cáo không hợp lệ."))
    campaign = campaign_of(bloc, year)
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise ValidationFailed(_("Chưa chọn tệp để tải lên."),
                                   fields={"file": [_("Chọn một tệp.")]})
        attachment = reports.attach(campaign, unit, kind, upload.read(), upload.filename,
                                    actor=current_user)
    except DomainError as exc:
        return _render_report(campaign, unit, kind, upload_problems=as_refusal(exc))
    flash(_("Đã tải lên tệp “%(name)s”.", name=attachment.display_name), "success")
    return redirect(url_for("cycle.report_page", bloc=bloc, year=year, unit=unit, kind=kind)
                    + "#attachments-h", 303)


@bp.get("/reports/<unit>/<kind>/attachments/<attachment_id>")
def report_download(bloc: str, year: int, unit: str, kind: str, attachment_id: str):
    campaign = campaign_of(bloc, year)
    found = reports.attachment_for_download(campaign, unit, kind, attachment_id,
                                            actor=current_user)
    return send_file(attachments.storage_path(found.sha256), mimetype=found.content_type,
                     as_attachment=True, download_name=found.display_name)
