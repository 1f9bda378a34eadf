"""The council meeting as it runs: which member units are present, and who stands for each.

One row per (campaign, member unit), written by the vote's host before the first poll opens
(frozen afterwards). The meeting's own record (time, place, chair, secretary, counting
committee) stays in ``phase_records`` (step ``council_meeting``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models.people import Unit
from core.models.types import UTCDateTime


class MeetingAttendance(db.Model):
    """A member unit at the council meeting: present or not, its representative and title
    ("người được ủy quyền" when the head did not come)."""

    __tablename__ = "meeting_attendance"
    __table_args__ = (
        UniqueConstraint("campaign_id", "unit_id", name="uq_meeting_attendance_campaign_unit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"),
                                             index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    present: Mapped[bool] = mapped_column(Boolean, default=False)
    representative: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(200), default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    unit: Mapped[Unit] = relationship()
