"""Deadlines and the host's acts on the calendar: whether a submission now is taken (and
marked late), extending a phase, closing a step.

Whether a step is open, late, closed by the clock, closed by its host or final is the
timeline's answer (:mod:`core.domain.timeline`, fed by :mod:`core.services.year`); this module
only turns that answer into a refusal or a record. Services do not commit: the face that
called them does (one transaction per request or command).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.domain import CLOSING_RECORD, Action, Deliverable
from core.errors import Conflict, ValidationFailed
from core.extensions import db
from core.models import Campaign, DeadlineExtension, PhaseRecord, Unit, User
from core.plugin_api import Phase
from core.services import audit, campaign_state, clock

# The records of the two closing acts other modules read details from.
MID_YEAR_REVIEW = CLOSING_RECORD[Deliverable.MID_YEAR_REPORT]
VERIFICATION = CLOSING_RECORD[Deliverable.VERIFICATION]


def phase_for(campaign: Campaign, deliverable: Deliverable | str) -> Phase:
    """The calendar phase that produces ``deliverable`` (409 if the plan has none)."""
    phase = campaign_state.plan(campaign).phase_for(deliverable)
    if phase is None:
        raise Conflict(_l("Lịch của năm thi đua không có giai đoạn “%(step)s”.",
                          step=str(deliverable)), code="no_such_phase")
    return phase


def extensions(campaign: Campaign) -> list[DeadlineExtension]:
    return list(db.session.scalars(
        select(DeadlineExtension).where(DeadlineExtension.campaign_id == campaign.id)
        .order_by(DeadlineExtension.created_at, DeadlineExtension.id)))


def closing_records(campaign: Campaign) -> dict[str, PhaseRecord]:
    """The records the host's acts left (with their details, e.g. the review meeting)."""
    return {r.step: r for r in db.session.scalars(
        select(PhaseRecord).where(PhaseRecord.campaign_id == campaign.id))}


@dataclass(frozen=True)
class Timing:
    """Whether a submission now is on time, and the deadline it was measured against."""

    late: bool
    due: date


def check_window(campaign: Campaign, deliverable: Deliverable | str,
                 unit_id: int | None) -> Timing:
    """409 unless the step takes work now (not open yet, past due with ``late="reject"``,
    closed by its host or final); otherwise whether it is late."""
    status = campaign_state.step(campaign, deliverable, unit_id)
    campaign_state.refuse_unless_accepting(status)
    return Timing(late=status.late, due=status.due)


def extend(campaign: Campaign, phase_code: str, new_due: date, reason: str, *,
           unit: Unit | None, actor: User) -> DeadlineExtension:
    """Give the bloc, or one unit, a later last day for a phase (with a reason). Refused for
    a step its host has closed or whose results are final: an extension never reopens it."""
    campaign_state.require(Action.EXTEND_DEADLINE, actor, campaign)
    phase = campaign_state.plan(campaign).phase(phase_code)
    if phase is None:
        raise ValidationFailed(_l("Không có giai đoạn này."),
                               fields={"phase": [_l("Không có giai đoạn mã '%(code)s'.",
                                                    code=phase_code)]})
    refusal = campaign_state.timeline(campaign).extension_refusal(phase)
    if refusal is not None:
        code, message = refusal
        raise Conflict(_l(message), code=code)
    if not reason.strip():
        raise ValidationFailed(_l("Cần nêu lý do gia hạn."), fields={"reason": [_l("Bắt buộc.")]})
    if new_due <= phase.due:
        raise ValidationFailed(_l("Hạn mới phải sau hạn trong lịch."),
                               fields={"due": [_l("Phải sau ngày %(date)s.",
                                                  date=f"{phase.due:%d/%m/%Y}")]})
    ext = DeadlineExtension(campaign_id=campaign.id, phase_code=phase_code,
                            unit_id=unit.id if unit else None, due=new_due, reason=reason,
                            created_at=clock.now(), created_by=actor.id)
    db.session.add(ext)
    audit.record("deadline.extend", "campaign", f"{campaign.bloc.code}/{campaign.year}",
                 actor=actor, details={"phase": phase_code, "due": new_due.isoformat(),
                                       "unit": unit.code if unit else None, "reason": reason})
    return ext


def closable(campaign: Campaign, deliverable: Deliverable | str, *,
             actor: User) -> Deliverable:
    """Whether ``actor`` may close the step now (the host, the step open and not settled);
    raises the refusal. The checklist of what is missing is core/services/closing.py's."""
    deliverable = Deliverable(deliverable)
    campaign_state.require(Action.CLOSE_STEP, actor, campaign, step=deliverable)
    if deliverable is Deliverable.VOTE:
        raise Conflict(_l("Bình xét kết thúc khi mọi kết quả bỏ phiếu được công bố."),
                       code="closed_by_publishing")
    status = campaign_state.step(campaign, deliverable)
    if status.settled:
        raise Conflict(_l("Giai đoạn này đã được đóng."), code="already_closed")
    if clock.today() < status.opens:
        raise Conflict(_l("Giai đoạn “%(step)s” chưa mở (mở từ ngày %(date)s).",
                          step=_l(deliverable.label), date=f"{status.opens:%d/%m/%Y}"),
                       code="phase_not_open")
    return deliverable


def record_closing(campaign: Campaign, deliverable: Deliverable, *, actor: User,
                   details: dict[str, Any] | None = None) -> PhaseRecord:
    """The closing act itself (audited; the unique (campaign, step) makes two clicks one
    close). Callers check :func:`closable` first; core/services/closing.py does both, with the
    step's checklist between them."""
    step = CLOSING_RECORD[deliverable]
    record = PhaseRecord(campaign_id=campaign.id, step=step, closed_at=clock.now(),
                         closed_by=actor.id, details=details or {})
    try:
        with db.session.begin_nested():
            db.session.add(record)
    except IntegrityError as exc:
        raise Conflict(_l("Giai đoạn này đã được đóng."), code="already_closed") from exc
    audit.record(f"step.close.{step}", "campaign", f"{campaign.bloc.code}/{campaign.year}",
                 actor=actor, details=details or {})
    return record
