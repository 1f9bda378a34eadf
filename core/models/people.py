"""People: units (departments), users and API tokens."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models.types import UTCDateTime

UNIT_ROLES = ("officer", "head")


class Unit(db.Model):
    """A member department, e.g. Sở Thông tin và Truyền thông (code ``so-tttt``)."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    users: Mapped[list[User]] = relationship(back_populates="unit")

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"


class User(UserMixin, db.Model):
    """A person who signs in. A unit's staff has a unit and a role (officer or head); board
    and admin users may have no unit."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IS NULL OR role IN ('officer', 'head')", name="role_known"),
        CheckConstraint(
            "(unit_id IS NULL AND role IS NULL) OR (unit_id IS NOT NULL AND role IS NOT NULL)",
            name="unit_has_role",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    is_board: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    role: Mapped[str | None] = mapped_column(String(20))
    locale: Mapped[str | None] = mapped_column(String(5))
    # Where reminders are e-mailed (optional; migration 0012).
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Raised to end every session of the user (a password change, an admin reset): the
    # session and the remember-me cookie carry the version they were made with.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A keyed hash of the fields that decide what the account may do (core/services/
    # account_seal.py): a row changed outside the application no longer matches it.
    integrity_tag: Mapped[str | None] = mapped_column(String(64))

    unit: Mapped[Unit | None] = relationship(back_populates="users")

    @property
    def is_active(self) -> bool:  # flask-login
        return bool(self.active)

    def get_id(self) -> str:  # flask-login: the session's and the remember-me cookie's identity
        return f"{self.id}:{self.session_version or 0}"

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class ApiToken(db.Model):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # NULL only for tokens issued before expiry existed (migration 0008): never valid.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    user: Mapped[User] = relationship()
