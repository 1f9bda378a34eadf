"""Polls and secret ballots. Who voted (VoterRoll) is kept apart from what was voted:

* while the poll is open, ``ballots`` holds each ballot **sealed** to the poll's public key
  (random id, ciphertext — no unit, no user, no time, no receipt);
* ``receipts`` holds the receipts' SHA-256, with no link to any ballot; rewritten in random
  order when the poll closes;
* at close the sealed ballots are opened in memory, written in random order to
  ``opened_ballots`` (random ids) and deleted; the poll's private key is gone.

The roll keeps at most the day a unit voted (docs/voting.md §6)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.domain.vocabulary import PollStatus
from core.extensions import db
from core.models.blocs import Campaign
from core.models.people import Unit
from core.models.types import JSONType, UTCDateTime

POLL_STATUSES = PollStatus.values()


class Poll(db.Model):
    """A question put to the council, frozen when opened (candidates, choices, roll)."""

    __tablename__ = "polls"
    __table_args__ = (
        UniqueConstraint("campaign_id", "code", name="uq_polls_campaign_code"),
        CheckConstraint("status IN ('draft', 'open', 'closed', 'published')",
                        name="status_known"),
        CheckConstraint("min_choices >= 0 AND max_choices >= min_choices", name="choices_range"),
        CheckConstraint("seal IS NULL OR seal IN ('committee', 'server')", name="seal_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"),
                                             index=True)
    code: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(300))
    method: Mapped[str] = mapped_column(String(20))
    seats: Mapped[int] = mapped_column(Integer)
    min_choices: Mapped[int] = mapped_column(Integer)
    max_choices: Mapped[int] = mapped_column(Integer)
    candidates: Mapped[list[str]] = mapped_column(JSONType)
    elects: Mapped[str | None] = mapped_column(String(20))
    runoff_of: Mapped[int | None] = mapped_column(ForeignKey("polls.id"))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    roster_hash: Mapped[str | None] = mapped_column(String(64))
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Sealing (docs/voting.md §6): "committee" (the private key is split among the counting
    # committee, never stored) or "server" (kept here until close, then erased).
    seal: Mapped[str | None] = mapped_column(String(20))
    public_key: Mapped[str | None] = mapped_column(String(64))  # X25519, hex
    private_key: Mapped[str | None] = mapped_column(String(64))  # "server" mode, until close
    shares_needed: Mapped[int | None] = mapped_column(Integer)  # "committee" mode
    receipts_digest: Mapped[str | None] = mapped_column(String(64))  # frozen at close

    campaign: Mapped[Campaign] = relationship()
    roll: Mapped[list[VoterRoll]] = relationship(back_populates="poll",
                                                 cascade="all, delete-orphan")


class VoterRoll(db.Model):
    """A unit allowed to vote in a poll, and the day it voted (never the time)."""

    __tablename__ = "voter_rolls"
    __table_args__ = (UniqueConstraint("poll_id", "unit_id", name="uq_voter_rolls_poll_unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    voted_on: Mapped[date | None] = mapped_column(Date)

    poll: Mapped[Poll] = relationship(back_populates="roll")
    unit: Mapped[Unit] = relationship()


class Ballot(db.Model):
    """A ballot while the poll is open: sealed to the poll's public key. No link to the voter,
    no timestamp, no receipt. Deleted when the poll closes (opened into OpenedBallot)."""

    __tablename__ = "ballots"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # random UUID
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class OpenedBallot(db.Model):
    """What was voted, after close: written in random order, with random ids, in the closing
    transaction (so neither physical order nor transaction id follows the casting order)."""

    __tablename__ = "opened_ballots"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # random UUID
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    choices: Mapped[list[str]] = mapped_column(JSONType)


class Receipt(db.Model):
    """The SHA-256 of a receipt, kept apart from the ballots (no link); rewritten in random
    order at close. The receipt itself is shown once to the voter and never stored."""

    __tablename__ = "receipts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # random UUID
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    receipt_hash: Mapped[str] = mapped_column(String(64), unique=True)


class PollOutcome(db.Model):
    """The stored tally of a closed poll; never recomputed."""

    __tablename__ = "poll_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"),
                                         unique=True)
    result: Mapped[dict[str, Any]] = mapped_column(JSONType)
    roster_hash: Mapped[str] = mapped_column(String(64))
    audit_head: Mapped[str] = mapped_column(String(64))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())
