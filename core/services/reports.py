"""Reports: the mid-year review (sơ kết, to the deputy) and the year-end report (tổng kết, to
the leader). Progress is given for each registered target; the deputy closes the review."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.domain import Action, Deliverable, ReportKind
from core.errors import Conflict, NotFound, ValidationFailed
from core.extensions import db
from core.models import REPORT_KINDS, Attachment, Campaign, Report, ReportProgress, Unit, User
from core.services import (
    attachments,
    audit,
    campaign_state,
    clock,
    deadlines,
    permissions,
    registration,
    scoring,
)
from core.services.cycle import check_version, member_unit, raise_if, text_field

DELIVERABLE = {kind.value: kind.deliverable.value for kind in ReportKind}


def _kind(kind: str) -> str:
    if kind not in REPORT_KINDS:
        raise NotFound(_l("Loại báo cáo không hợp lệ (mid_year hoặc year_end)."),
                       code="unknown_report_kind")
    return kind


def get(campaign: Campaign, unit: Unit, kind: str) -> Report | None:
    return db.session.scalar(
        select(Report).where(Report.campaign_id == campaign.id, Report.unit_id == unit.id,
                             Report.kind == kind)
        .options(selectinload(Report.progress).selectinload(ReportProgress.criterion),
                 selectinload(Report.attachments)))


def read(campaign: Campaign, unit_code: str, kind: str, *,
         actor: User) -> tuple[Unit, Report | None]:
    permissions.require(permissions.can_read_work(actor, campaign))
    unit = member_unit(campaign, unit_code)
    return unit, get(campaign, unit, _kind(kind))


def registered_targets(campaign: Campaign, unit: Unit) -> dict[str, Any]:
    """Criterion rows the unit registered a target for (not "không áp dụng")."""
    reg = registration.get(campaign, unit)
    if reg is None:
        return {}
    return {i.criterion.code: i.criterion for i in reg.items
            if not i.not_applicable and i.target}


def _editable(campaign: Campaign, unit: Unit, kind: str, actor: User,
              version: Any) -> tuple[Report | None, deadlines.Timing]:
    permissions.require(permissions.can_write_for_unit(actor, campaign, unit.id),
                        _l("Chỉ cán bộ của đơn vị được lập báo cáo của đơn vị mình."))
    report = get(campaign, unit, kind)
    if report is not None and report.status == "submitted":
        raise Conflict(_l("Báo cáo đã gửi; không sửa được."), code="already_submitted")
    if report is not None:
        check_version(report.version, version)
    timing = deadlines.check_window(campaign, DELIVERABLE[kind], unit.id)
    return report, timing


def _new_report(campaign: Campaign, unit: Unit, kind: str) -> Report:
    report = Report(campaign_id=campaign.id, unit_id=unit.id, kind=kind, status="draft",
                    version=1, updated_at=clock.now(), body="")
    db.session.add(report)
    return report


def save(campaign: Campaign, unit_code: str, kind: str, body: Any, progress: Any, *,
         submit: bool, actor: User, version: Any = None) -> Report:
    """Save a report draft (summary and progress per registered target); submit it."""
    kind = _kind(kind)
    unit = member_unit(campaign, unit_code)
    report, timing = _editable(campaign, unit, kind, actor, version)
    targets = registered_targets(campaign, unit)
    errors: dict[str, list[str]] = {}
    text = text_field(body, "body", errors, max_length=20000, label=_l("Nội dung báo cáo"))
    entries: dict[str, tuple[int, str]] = {}
    if progress is None:
        progress = []
    if not isinstance(progress, list):
        errors["progress"] = [_l("Phải là một danh sách.")]
        progress = []
    for index, entry in enumerate(progress):
        key = f"progress[{index}]"
        if not isinstance(entry, dict):
            errors.setdefault(key, []).append(_l("Mỗi mục tiến độ là một đối tượng."))
            continue
        code = entry.get("criterion")
        if not isinstance(code, str) or code not in targets:
            errors.setdefault(key, []).append(
                _l("Tiêu chí '%(code)s' không có trong chỉ tiêu đã đăng ký.", code=str(code)[:40]))
            continue
        if code in entries:
            errors.setdefault(key, []).append(_l("Tiêu chí %(code)s được nhập hai lần.", code=code))
            continue
        percent = entry.get("percent")
        if isinstance(percent, str) and percent.strip().isdigit():
            percent = int(percent.strip())
        if isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= 100:
            errors.setdefault(f"{key}.percent", []).append(
                _l("Tiêu chí %(code)s: tỷ lệ hoàn thành là số nguyên từ 0 đến 100.", code=code))
            continue
        entries[code] = (percent, text_field(
            entry.get("note"), f"{key}.note", errors,
            label=_l("Tiêu chí %(code)s, ghi chú", code=code)))
    raise_if(errors)
    if submit:
        missing = [code for code in targets if code not in entries]
        if missing:
            raise ValidationFailed(_l("Chưa báo cáo tiến độ cho mọi chỉ tiêu đã đăng ký."),
                                   code="incomplete",
                                   fields={"progress": [_l("Thiếu các tiêu chí: %(codes)s.",
                                                           codes=", ".join(missing))]})
        if not text:
            raise ValidationFailed(_l("Cần nhập nội dung báo cáo trước khi gửi."),
                                   code="incomplete",
                                   fields={"body": [_l("Nội dung báo cáo: bắt buộc khi gửi.")]})
        if kind == "year_end":
            scoring.require_complete_self_scores(campaign, unit)

    if report is None:
        report = _new_report(campaign, unit, kind)
    else:
        report.version += 1
    report.body = text
    report.updated_at = clock.now()
    existing = {p.criterion.code: p for p in report.progress}
    for code, (percent, note) in entries.items():
        if code in existing:
            existing[code].percent, existing[code].note = percent, note
        else:
            report.progress.append(ReportProgress(criterion=targets[code], percent=percent,
                                                  note=note))
    if submit:
        report.status, report.submitted_at, report.late = "submitted", clock.now(), timing.late
    audit.record(f"report.{kind}.{'submit' if submit else 'save'}", "report",
                 f"{campaign.bloc.code}/{campaign.year}/{unit.code}/{kind}", actor=actor,
                 details={"progress": len(entries), "late": timing.late if submit else None})
    return report


def attach(campaign: Campaign, unit_code: str, kind: str, data: bytes, name: str | None, *,
           actor: User) -> Attachment:
    """Attach a file to a report that is still a draft (creating the draft if needed)."""
    kind = _kind(kind)
    unit = member_unit(campaign, unit_code)
    report, _timing = _editable(campaign, unit, kind, actor, None)
    checked = attachments.check(data, name)  # a refused file changes nothing
    if report is None:
        report = _new_report(campaign, unit, kind)
    # Counted against the report's quota under a lock on its row, then written.
    file_id, sha256, content_type, shown = attachments.store(data, name, report=report,
                                                             checked=checked)
    attachment = Attachment(id=file_id, report=report, sha256=sha256, size=len(data),
                            content_type=content_type, display_name=shown,
                            uploaded_at=clock.now(), uploaded_by=actor.id)
    db.session.add(attachment)
    audit.record("report.attach", "report",
                 f"{campaign.bloc.code}/{campaign.year}/{unit.code}/{kind}", actor=actor,
                 details={"attachment": file_id, "sha256": sha256, "size": len(data)})
    return attachment


def attachment_for_download(campaign: Campaign, unit_code: str, kind: str, attachment_id: str,
                            *, actor: User) -> Attachment:
    permissions.require(permissions.can_read_work(actor, campaign))
    unit = member_unit(campaign, unit_code)
    found = db.session.scalar(
        select(Attachment).join(Report).where(
            Attachment.id == attachment_id, Report.campaign_id == campaign.id,
            Report.unit_id == unit.id, Report.kind == _kind(kind)))
    if found is None:
        raise NotFound(_l("Không tìm thấy tệp đính kèm."))
    return found


def close_mid_year_review(campaign: Campaign, meeting_date: Any, place: Any, conclusions: Any,
                          *, actor: User) -> None:
    """The review's host (the deputy in most plans) records the meeting and closes the
    mid-year step."""
    from datetime import date

    campaign_state.require(Action.CLOSE_STEP, actor, campaign, step=Deliverable.MID_YEAR_REPORT)
    errors: dict[str, list[str]] = {}
    try:
        held_on = date.fromisoformat(str(meeting_date))
    except ValueError:
        errors["date"] = [_l("Ngày họp không hợp lệ (YYYY-MM-DD).")]
        held_on = None
    where = text_field(place, "place", errors, max_length=300, label=_l("Địa điểm"))
    summary = text_field(conclusions, "conclusions", errors, max_length=20000,
                         label=_l("Kết luận"))
    if not where and "place" not in errors:
        errors["place"] = [_l("Địa điểm: bắt buộc.")]
    if not summary and "conclusions" not in errors:
        errors["conclusions"] = [_l("Kết luận: bắt buộc.")]
    raise_if(errors)
    step = deadlines.closable(campaign, Deliverable.MID_YEAR_REPORT, actor=actor)
    deadlines.record_closing(campaign, step, actor=actor, details={
        "date": held_on.isoformat(), "place": where, "conclusions": summary})


def describe(unit: Unit, report: Report | None, kind: str) -> dict[str, Any]:
    if report is None:
        return {"unit": unit.code, "kind": kind, "status": "missing", "submitted_at": None,
                "late": False, "version": 0, "body": "", "progress": [], "attachments": []}
    return {
        "unit": unit.code, "kind": kind, "status": report.status,
        "submitted_at": clock.local(report.submitted_at).isoformat()
        if report.submitted_at else None,
        "late": report.late, "version": report.version, "body": report.body,
        "progress": [{"criterion": p.criterion.code, "percent": p.percent, "note": p.note}
                     for p in sorted(report.progress, key=lambda p: p.criterion.position)],
        "attachments": [{"id": a.id, "name": a.display_name, "size": a.size,
                         "sha256": a.sha256, "content_type": a.content_type}
                        for a in report.attachments],
    }


def detach(campaign, unit_code: str, kind: str, attachment_id: str, *, actor) -> str:
    """Remove a file from a report before it is sent (the report's own rule says whether it
    may still change); audited. The stored bytes stay (kept by their
    SHA-256, another report may hold the same file). Returns the file's display name."""
    kind = _kind(kind)
    unit = member_unit(campaign, unit_code)
    report, _timing = _editable(campaign, unit, kind, actor, None)
    found = next((a for a in report.attachments if a.id == attachment_id), None) \
        if report is not None else None
    if found is None:
        raise NotFound("Không tìm thấy tệp đính kèm.", code="attachment_not_found")
    name = found.display_name
    report.attachments.remove(found)  # delete-orphan: the row goes
    audit.record("report.detach", "report",
                 f"{campaign.bloc.code}/{campaign.year}/{unit.code}/{kind}", actor=actor,
                 details={"attachment": attachment_id, "sha256": found.sha256, "name": name})
    return name
