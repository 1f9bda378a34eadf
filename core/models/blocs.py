"""Blocs and their yearly campaigns, with the frozen rules of each campaign."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.domain.vocabulary import CampaignStatus, Role
from core.extensions import db
from core.models.people import Unit
from core.models.types import JSONType, UTCDateTime

CAMPAIGN_STATUSES = CampaignStatus.values()
MEMBER_ROLES = Role.values()


class Bloc(db.Model):
    """An emulation bloc (khối thi đua), supplied by a plugin."""

    __tablename__ = "blocs"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    plugin: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    campaigns: Mapped[list[Campaign]] = relationship(back_populates="bloc",
                                                     order_by="Campaign.year")


class Campaign(db.Model):
    """One bloc's year. ``snapshot`` holds the criteria, calendar and voting procedure the
    plugin gave when the campaign was opened; the campaign never reads the plugin again."""

    __tablename__ = "campaigns"
    __table_args__ = (
        UniqueConstraint("bloc_id", "year", name="uq_campaigns_bloc_year"),
        CheckConstraint("status IN ('open', 'closed', 'archived')", name="status_known"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bloc_id: Mapped[int] = mapped_column(ForeignKey("blocs.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    plugin: Mapped[str] = mapped_column(String(100))
    plugin_version: Mapped[str] = mapped_column(String(40))
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(20), default="open", server_default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    frozen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The revision of the frozen plan the snapshot holds; every amendment increments it and
    # keeps the whole plan in PlanRevision.
    plan_revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    bloc: Mapped[Bloc] = relationship(back_populates="campaigns")
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan")
    criteria: Mapped[list[CriterionRow]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan",
        order_by="CriterionRow.position")


class Membership(db.Model):
    """A unit's membership of a campaign and its role that year."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("campaign_id", "unit_id", name="uq_memberships_campaign_unit"),
        CheckConstraint("role IN ('leader', 'deputy', 'member')", name="role_known"),
        Index("uq_memberships_one_leader", "campaign_id", unique=True,
              sqlite_where=text("role = 'leader'"), postgresql_where=text("role = 'leader'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"),
                                             index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))

    campaign: Mapped[Campaign] = relationship(back_populates="memberships")
    unit: Mapped[Unit] = relationship()


class CriterionRow(db.Model):
    """A criterion of a campaign's frozen table, as a row so scores can refer to it."""

    __tablename__ = "criteria"
    __table_args__ = (
        UniqueConstraint("campaign_id", "code", name="uq_criteria_campaign_code"),
        CheckConstraint("kind IN ('item', 'bonus', 'deduction')", name="kind_known"),
        CheckConstraint("max_points >= 0", name="max_points_positive"),
        CheckConstraint("scorer IN ('unit', 'board')", name="scorer_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"),
                                             index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("criteria.id"))
    code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(Text)
    max_points: Mapped[Decimal] = mapped_column(Numeric(9, 2))
    kind: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer)
    is_group: Mapped[bool] = mapped_column(default=False, server_default="0")
    scorer: Mapped[str] = mapped_column(String(20), default="unit", server_default="unit")

    campaign: Mapped[Campaign] = relationship(back_populates="criteria")
    parent: Mapped[CriterionRow | None] = relationship(remote_side=[id])


class PlanRevision(db.Model):
    """A revision of a campaign's frozen plan, kept whole: the plan as opened (revision 1)
    and after each amendment of the points table, with who changed it and why."""

    __tablename__ = "plan_revisions"
    __table_args__ = (
        UniqueConstraint("campaign_id", "revision", name="uq_plan_revisions_campaign_revision"),
        CheckConstraint("revision >= 1", name="revision_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"),
                                             index=True)
    revision: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONType)
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    campaign: Mapped[Campaign] = relationship()
