"""Verified totals stored when a campaign's verification is locked (issue 15): the board's
dashboard and the history read them instead of totalling every score line again. Written by
the lock (core/services/verified_totals.py), for the lock they belong to: ``locked_at`` is
the ``closed_at`` of the verification's phase record; rows of an earlier lock are ignored."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Integer, Numeric, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models.types import UTCDateTime


class VerifiedTotal(db.Model):
    """One member unit's self and verified totals and rank, as the verification was locked."""

    __tablename__ = "verified_totals"
    __table_args__ = (
        UniqueConstraint("campaign_id", "unit_id", name="uq_verified_totals_campaign_unit"),
        CheckConstraint("rank >= 1", name="rank_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"),
                                             index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    self_total: Mapped[Decimal] = mapped_column(Numeric(9, 2))
    verified_total: Mapped[Decimal] = mapped_column(Numeric(9, 2))
    rank: Mapped[int] = mapped_column(Integer)
    locked_at: Mapped[datetime] = mapped_column(UTCDateTime())
