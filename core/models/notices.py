"""Notices and reminders: the in-app notices a person reads, the reminders each person chose
to get, the record of every reminder sent (so the daily run never sends one twice) and the
host's "remind the units that have not sent" acts (at most one a day per step)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models.types import UTCDateTime

# The kinds of reminder a person may turn off (core.services.notifications names them).
NOTICE_KINDS = ("due_7", "due_1", "overdue", "poll_open", "document_awaiting", "nudge")
_KINDS_SQL = ", ".join(f"'{k}'" for k in NOTICE_KINDS)
MAIL_STATES = ("sent", "skipped", "failed", "no_address", "off")
_MAIL_SQL = ", ".join(f"'{k}'" for k in MAIL_STATES)


class Notice(db.Model):
    """A message shown in the app to one person, read or not."""

    __tablename__ = "notices"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_KINDS_SQL})", name="kind_known"),
        Index("ix_notices_user_read", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class NoticePreference(db.Model):
    """A person's choice for one kind of reminder; no row means the default (on)."""

    __tablename__ = "notice_preferences"
    __table_args__ = (CheckConstraint(f"kind IN ({_KINDS_SQL})", name="kind_known"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReminderSent(db.Model):
    """One reminder given to one person: the unique key (person, campaign, kind, what it is
    about, slot) makes a second run of the same day — or two runs at once — send nothing
    twice. ``slot`` is the due date for the due-date reminders (an extension gives new
    ones), the day for the overdue ones, empty for a poll or a document."""

    __tablename__ = "reminders_sent"
    __table_args__ = (
        UniqueConstraint("user_id", "campaign_id", "kind", "subject", "slot",
                         name="uq_reminders_sent_once"),
        CheckConstraint(f"kind IN ({_KINDS_SQL})", name="kind_known"),
        CheckConstraint(f"mail IN ({_MAIL_SQL})", name="mail_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"),
                                             index=True)
    kind: Mapped[str] = mapped_column(String(30))
    subject: Mapped[str] = mapped_column(String(120))
    slot: Mapped[str] = mapped_column(String(20), default="", server_default="")
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    mail: Mapped[str] = mapped_column(String(12), default="skipped", server_default="skipped")


class Nudge(db.Model):
    """The step host's reminder to the units that have not sent: at most one a day per step
    (the unique key), audited."""

    __tablename__ = "reminder_nudges"
    __table_args__ = (
        UniqueConstraint("campaign_id", "deliverable", "day", name="uq_reminder_nudges_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"),
                                             index=True)
    deliverable: Mapped[str] = mapped_column(String(30))
    day: Mapped[date] = mapped_column(Date)
    sent_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    units: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
