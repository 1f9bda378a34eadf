"""Sign-in failures, counted per account and address (core/services/sign_in_throttle.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models.types import UTCDateTime

ANY_ADDRESS = "*"  # the account-wide row


class SignInFailures(db.Model):
    """Failed sign-ins of one account from one address (``address`` "*": from anywhere),
    the time before which the next attempt is refused, and whether the account ever signed in
    from this address (such an address is not slowed by failures from elsewhere)."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (
        UniqueConstraint("account", "address", name="uq_sign_in_failures_account_address"),
        CheckConstraint("failures >= 0", name="ck_sign_in_failures_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(60))
    address: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    known_good: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
