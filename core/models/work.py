"""The year's work of each unit: registrations, reports, attachments, scores; and the
leadership's records: deadline extensions, phase closures, points-table changes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.domain.vocabulary import ReportKind, WorkStatus
from core.extensions import db
from core.models.blocs import Campaign, CriterionRow
from core.models.people import Unit
from core.models.types import JSONType, UTCDateTime

WORK_STATUSES = WorkStatus.values()
REPORT_KINDS = ReportKind.values()


class Registration(db.Model):
    """A unit's registration (đăng ký thi đua): its target for each criterion."""

    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("campaign_id", "unit_id", name="uq_registrations_campaign_unit"),
        CheckConstraint("status IN ('draft', 'submitted', 'returned')", name="status_known"),
        CheckConstraint("status <> 'submitted' OR submitted_at IS NOT NULL",
                        name="submitted_has_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"),
                                             index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    version: Mapped[int] = mapped_column(Integer, default=1)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    returned_reason: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    campaign: Mapped[Campaign] = relationship()
    unit: Mapped[Unit] = relationship()
    items: Mapped[list[RegistrationItem]] = relationship(
        back_populates="registration", cascade="all, delete-orphan")


class RegistrationItem(db.Model):
    """A target against one criterion, or "không áp dụng" with a reason."""

    __tablename__ = "registration_items"
    __table_args__ = (
        UniqueConstraint("registration_id", "criterion_id", name="uq_registration_items_one"),
        CheckConstraint("NOT not_applicable OR length(na_reason) > 0", name="na_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id"))
    target: Mapped[str] = mapped_column(Text, default="")
    not_applicable: Mapped[bool] = mapped_column(Boolean, default=False)
    na_reason: Mapped[str] = mapped_column(Text, default="")

    registration: Mapped[Registration] = relationship(back_populates="items")
    criterion: Mapped[CriterionRow] = relationship()


class Report(db.Model):
    """A unit's mid-year (sơ kết) or year-end (tổng kết) report."""

    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("campaign_id", "unit_id", "kind", name="uq_reports_campaign_unit_kind"),
        CheckConstraint("kind IN ('mid_year', 'year_end')", name="kind_known"),
        CheckConstraint("status IN ('draft', 'submitted', 'returned')", name="status_known"),
        CheckConstraint("status <> 'submitted' OR submitted_at IS NOT NULL",
                        name="submitted_has_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"),
                                             index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    version: Mapped[int] = mapped_column(Integer, default=1)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    unit: Mapped[Unit] = relationship()
    progress: Mapped[list[ReportProgress]] = relationship(
        back_populates="report", cascade="all, delete-orphan")
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="report", cascade="all, delete-orphan",
        order_by="Attachment.uploaded_at")


class ReportProgress(db.Model):
    """Progress against one registered target."""

    __tablename__ = "report_progress"
    __table_args__ = (
        UniqueConstraint("report_id", "criterion_id", name="uq_report_progress_one"),
        CheckConstraint("percent BETWEEN 0 AND 100", name="percent_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"),
                                           index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id"))
    percent: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")

    report: Mapped[Report] = relationship(back_populates="progress")
    criterion: Mapped[CriterionRow] = relationship()


class Attachment(db.Model):
    """A file attached to a report, stored by SHA-256 outside the web root. The original
    name is display text only."""

    __tablename__ = "attachments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"),
                                           index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(120))
    display_name: Mapped[str] = mapped_column(String(200))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    report: Mapped[Report] = relationship(back_populates="attachments")


class ScoreSheet(db.Model):
    """A unit's score sheet for a campaign: a version for stale-form detection."""

    __tablename__ = "score_sheets"
    __table_args__ = (
        UniqueConstraint("campaign_id", "unit_id", name="uq_score_sheets_campaign_unit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"),
                                             index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    unit: Mapped[Unit] = relationship()
    scores: Mapped[list[Score]] = relationship(back_populates="sheet",
                                               cascade="all, delete-orphan")


class Score(db.Model):
    """A unit's self score for a criterion, and the leadership's verified score."""

    __tablename__ = "scores"
    __table_args__ = (
        UniqueConstraint("sheet_id", "criterion_id", name="uq_scores_sheet_criterion"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("score_sheets.id", ondelete="CASCADE"),
                                          index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id"))
    self_score: Mapped[Decimal | None] = mapped_column(Numeric(9, 2))
    evidence: Mapped[str] = mapped_column(Text, default="")
    verified_score: Mapped[Decimal | None] = mapped_column(Numeric(9, 2))
    reason: Mapped[str] = mapped_column(Text, default="")
    verified_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    sheet: Mapped[ScoreSheet] = relationship(back_populates="scores")
    criterion: Mapped[CriterionRow] = relationship()


class DeadlineExtension(db.Model):
    """A later last day for a phase, for the whole bloc (unit NULL) or one unit."""

    __tablename__ = "deadline_extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"),
                                             index=True)
    phase_code: Mapped[str] = mapped_column(String(40))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    due: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class PhaseRecord(db.Model):
    """A phase closed by its host: the mid-year review (with its meeting), verification locked."""

    __tablename__ = "phase_records"
    __table_args__ = (
        UniqueConstraint("campaign_id", "step", name="uq_phase_records_campaign_step"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"),
                                             index=True)
    step: Mapped[str] = mapped_column(String(40))
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    details: Mapped[dict[str, Any]] = mapped_column(JSONType)


class CriterionChange(db.Model):
    """A change to a campaign's points table: at the covenant, or at the mid-year review."""

    __tablename__ = "criterion_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"),
                                             index=True)
    code: Mapped[str] = mapped_column(String(40))
    old_max: Mapped[Decimal] = mapped_column(Numeric(9, 2))
    new_max: Mapped[Decimal] = mapped_column(Numeric(9, 2))
    stage: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
