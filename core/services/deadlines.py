"""Phase windows and deadlines: the one place that decides whether a step is open, late or
closed. A phase is open from ``opens`` to ``due`` inclusive, in Asia/Ho_Chi_Minh; after ``due``
its ``late`` policy refuses (409) or accepts and marks late. The leader may extend a phase for
the whole bloc or for one unit, with a reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from core.errors import Conflict, ValidationFailed
from core.extensions import db
from core.models import Campaign, DeadlineExtension, PhaseRecord, Unit, User
from core.plugin_api import Phase
from core.services import audit, clock, permissions
from core.services.campaigns import calendar

DELIVERABLE_TITLES = {
    "registration": "Đăng ký thi đua",
    "mid_year_report": "Báo cáo sơ kết 6 tháng",
    "year_end_report": "Báo cáo tổng kết và bảng tự chấm điểm",
    "verification": "Thẩm định điểm",
    "vote": "Bình xét, bỏ phiếu",
}
# Steps a host closes explicitly (PhaseRecord.step).
MID_YEAR_REVIEW = "mid_year_review"
VERIFICATION = "verification"


def phase_for(campaign: Campaign, deliverable: str) -> Phase:
    for phase in calendar(campaign):
        if phase.deliverable == deliverable:
            return phase
    raise Conflict(f"Lịch của năm thi đua không có giai đoạn '{deliverable}'.",
                   code="no_such_phase")


def extensions(campaign: Campaign) -> list[DeadlineExtension]:
    return list(db.session.scalars(
        select(DeadlineExtension).where(DeadlineExtension.campaign_id == campaign.id)))


def effective_due(phase: Phase, unit_id: int | None,
                  granted: list[DeadlineExtension]) -> date:
    """The last day on time for a unit: the calendar's, or the latest extension that applies."""
    due = phase.due
    for ext in granted:
        if ext.phase_code == phase.code and (ext.unit_id is None or ext.unit_id == unit_id):
            due = max(due, ext.due)
    return due


def closed_steps(campaign: Campaign) -> dict[str, PhaseRecord]:
    return {r.step: r for r in db.session.scalars(
        select(PhaseRecord).where(PhaseRecord.campaign_id == campaign.id))}


@dataclass(frozen=True)
class Timing:
    """Whether a submission now is on time, and the deadline it was measured against."""

    late: bool
    due: date


def check_window(campaign: Campaign, deliverable: str, unit_id: int | None, *,
                 moment: datetime | None = None) -> Timing:
    """Raise 409 when the phase is not open yet, or past due with ``late="reject"``;
    otherwise say whether it is late."""
    phase = phase_for(campaign, deliverable)
    today = (moment or clock.now()).astimezone(clock.now().tzinfo).date()
    title = DELIVERABLE_TITLES.get(deliverable, phase.title)
    if today < phase.opens:
        raise Conflict(f"Giai đoạn “{title}” chưa mở (mở từ ngày {phase.opens:%d/%m/%Y}).",
                       code="phase_not_open")
    due = effective_due(phase, unit_id, extensions(campaign))
    if today > due:
        if phase.late == "reject":
            raise Conflict(f"Đã quá hạn “{title}” (hạn cuối ngày {due:%d/%m/%Y}); "
                           "hệ thống không nhận nộp muộn cho giai đoạn này.",
                           code="phase_closed")
        return Timing(late=True, due=due)
    return Timing(late=False, due=due)


def require_step_open(campaign: Campaign, step: str, message: str) -> None:
    if db.session.scalar(select(PhaseRecord.id).where(PhaseRecord.campaign_id == campaign.id,
                                                      PhaseRecord.step == step)):
        raise Conflict(message, code="phase_closed")


def extend(campaign: Campaign, phase_code: str, new_due: date, reason: str, *,
           unit: Unit | None, actor: User) -> DeadlineExtension:
    """Give the bloc, or one unit, a later last day for a phase (leader only, with a reason)."""
    permissions.require(permissions.campaign_role(actor, campaign) == "leader",
                        "Chỉ Khối trưởng được gia hạn.")
    phase = next((p for p in calendar(campaign) if p.code == phase_code), None)
    if phase is None:
        raise ValidationFailed("Không có giai đoạn này.",
                               fields={"phase": [f"Không có giai đoạn mã '{phase_code}'."]})
    if not reason.strip():
        raise ValidationFailed("Cần nêu lý do gia hạn.", fields={"reason": ["Bắt buộc."]})
    if new_due <= phase.due:
        raise ValidationFailed("Hạn mới phải sau hạn trong lịch.",
                               fields={"due": [f"Phải sau ngày {phase.due:%d/%m/%Y}."]})
    ext = DeadlineExtension(campaign_id=campaign.id, phase_code=phase_code,
                            unit_id=unit.id if unit else None, due=new_due, reason=reason,
                            created_at=clock.now(), created_by=actor.id)
    db.session.add(ext)
    audit.record("deadline.extend", "campaign", f"{campaign.bloc.code}/{campaign.year}",
                 actor=actor, details={"phase": phase_code, "due": new_due.isoformat(),
                                       "unit": unit.code if unit else None, "reason": reason})
    db.session.commit()
    return ext


def close_step(campaign: Campaign, step: str, *, actor: User,
               details: dict | None = None) -> PhaseRecord:
    if db.session.scalar(select(PhaseRecord.id).where(PhaseRecord.campaign_id == campaign.id,
                                                      PhaseRecord.step == step)):
        raise Conflict("Giai đoạn này đã được đóng.", code="already_closed")
    record = PhaseRecord(campaign_id=campaign.id, step=step, closed_at=clock.now(),
                         closed_by=actor.id, details=details or {})
    db.session.add(record)
    audit.record(f"step.close.{step}", "campaign", f"{campaign.bloc.code}/{campaign.year}",
                 actor=actor, details=details or {})
    db.session.commit()
    return record
