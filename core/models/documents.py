"""Issued documents and the register of outgoing documents (sổ đăng ký văn bản đi).

A document is a draft, rendered from the current data on every view, until its issuer issues
it: the act takes the next number of the issuer's register for the year of issue, and the PDF
made then is stored once (by SHA-256) and served byte-identical. An issued document may be
replaced (thay thế) by a new one, with a reason; the old row is kept, marked replaced.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models.types import UTCDateTime


class DocumentRegister(db.Model):
    """One series of an issuer's register of outgoing documents in one year: the last number
    given. ``register`` names the issuer ("bloc:khoi-8", "unit:so-vhttdl"); ``series`` is ""
    when every type shares one sequence (the default), else the type's symbol ("BC")."""

    __tablename__ = "document_registers"

    register: Mapped[str] = mapped_column(String(80), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    series: Mapped[str] = mapped_column(String(20), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)


class IssuedDocument(db.Model):
    """One issued version of a campaign's document. ``version`` counts the issues of the same
    document (1, then 2 for the one that replaced it…); the current one has no
    ``replaced_at``. Its number is unique in its register's series and year."""

    __tablename__ = "issued_documents"
    __table_args__ = (
        UniqueConstraint("campaign_id", "name", "version", name="uq_issued_documents_version"),
        UniqueConstraint("register", "register_year", "series", "number",
                         name="uq_issued_documents_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"),
                                             index=True)
    name: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    register: Mapped[str] = mapped_column(String(80))
    register_year: Mapped[int] = mapped_column(Integer)
    series: Mapped[str] = mapped_column(String(20))
    number: Mapped[int] = mapped_column(Integer)
    number_text: Mapped[str] = mapped_column(String(80))  # "05/BC-TĐK8"
    document_date: Mapped[date] = mapped_column(Date)
    signer_title: Mapped[str] = mapped_column(String(300))
    signer_name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    replaced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    replaced_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    replace_reason: Mapped[str | None] = mapped_column(Text)
    # The version that replaced this one (its id), once replaced.
    replacement_id: Mapped[int | None] = mapped_column(ForeignKey("issued_documents.id"))
