"""Units through time: renames, merges and splits (with the decision that ordered each), the
name a unit had on each day, and the per-unit, per-year records of the 2026 rules (flags that
bar a unit from being proposed, the unit's share of women).

A unit keeps its row (id, code) across a rename; ``unit_names`` dates its names. A merge or a
split is one ``unit_events`` row with its ``unit_event_links``: the sources and the
successors, one successor marked as carrying the history of the sources
(``carries_history``), and the successors the event created (``created_unit``)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
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

from core.extensions import db
from core.models.people import Unit
from core.models.types import UTCDateTime

UNIT_EVENT_KINDS = ("rename", "merge", "split")
UNIT_FLAG_KINDS = ("discipline", "inspection", "complaint")


class UnitEvent(db.Model):
    """A change of units on an effective date, ordered by a decision (số và ngày quyết định)."""

    __tablename__ = "unit_events"
    __table_args__ = (
        CheckConstraint("kind IN ('rename', 'merge', 'split')", name="kind_known"),
        CheckConstraint("length(decision_number) > 0", name="decision_number_given"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    effective_on: Mapped[date] = mapped_column(Date, index=True)
    decision_number: Mapped[str] = mapped_column(String(120))
    decision_date: Mapped[date] = mapped_column(Date)
    decision_issuer: Mapped[str] = mapped_column(String(200), default="", server_default="")
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    links: Mapped[list[UnitEventLink]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="UnitEventLink.id")


class UnitEventLink(db.Model):
    """A unit taking part in an event: as a source (merged or split) or a successor."""

    __tablename__ = "unit_event_links"
    __table_args__ = (
        UniqueConstraint("event_id", "unit_id", "side", name="uq_unit_event_links_one"),
        CheckConstraint("side IN ('source', 'successor')", name="side_known"),
        CheckConstraint("side = 'successor' OR NOT carries_history", name="carrier_is_successor"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("unit_events.id", ondelete="CASCADE"),
                                          index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    side: Mapped[str] = mapped_column(String(20))
    carries_history: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    created_unit: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    event: Mapped[UnitEvent] = relationship(back_populates="links")
    unit: Mapped[Unit] = relationship()


class UnitName(db.Model):
    """A unit's name and short name from ``valid_from`` until the next row's date."""

    __tablename__ = "unit_names"
    __table_args__ = (
        UniqueConstraint("unit_id", "valid_from", name="uq_unit_names_unit_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(80))
    valid_from: Mapped[date] = mapped_column(Date)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("unit_events.id", ondelete="CASCADE"))


class UnitYearFlag(db.Model):
    """A unit under discipline, inspection or with an unresolved complaint in a year (kỷ
    luật / đang thanh tra, kiểm tra / khiếu nại, tố cáo chưa giải quyết): who set it, when,
    why; cleared (not deleted) with who, when, why. One live flag per unit, year and kind."""

    __tablename__ = "unit_year_flags"
    __table_args__ = (
        CheckConstraint("kind IN ('discipline', 'inspection', 'complaint')", name="kind_known"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
        CheckConstraint("length(reason) > 0", name="reason_given"),
        CheckConstraint("cleared_at IS NULL OR length(clear_reason) > 0",
                        name="clear_reason_given"),
        Index("uq_unit_year_flags_live", "unit_id", "year", "kind", unique=True,
              sqlite_where=text("cleared_at IS NULL"),
              postgresql_where=text("cleared_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    set_at: Mapped[datetime] = mapped_column(UTCDateTime())
    set_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cleared_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    clear_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    unit: Mapped[Unit] = relationship()


class UnitWomenShare(db.Model):
    """A unit's share of women (tỷ lệ nữ) in a year, in percent, with who recorded it."""

    __tablename__ = "unit_women_shares"
    __table_args__ = (
        UniqueConstraint("unit_id", "year", name="uq_unit_women_shares_unit_year"),
        CheckConstraint("percent >= 0 AND percent <= 100", name="percent_range"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime())
    set_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    unit: Mapped[Unit] = relationship()
