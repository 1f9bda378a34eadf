"""Drafts of forms, saved as the person types (issue 13): one per person and form, kept until
the form is saved; and the fields of a form posted after the session expired, held under a
one-time token until the person who typed them signs in again."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models.types import JSONType, UTCDateTime


class FormDraft(db.Model):
    """The fields of one form as typed (name → text), for one person. A row without a person
    is a rescue: the fields of a form posted with an expired session, found again only with
    the one-time token whose SHA-256 is ``rescue_hash`` (the token itself is never stored)."""

    __tablename__ = "form_drafts"
    __table_args__ = (
        UniqueConstraint("user_id", "form_key", name="uq_form_drafts_user_form"),
        CheckConstraint("user_id IS NOT NULL OR rescue_hash IS NOT NULL",
                        name="owner_or_token"),
        Index("ix_form_drafts_updated_at", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    form_key: Mapped[str] = mapped_column(String(200))
    fields: Mapped[dict[str, Any]] = mapped_column(JSONType)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    rescue_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
