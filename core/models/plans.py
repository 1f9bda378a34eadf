"""Plans as data (issue 12): blocs created by an administrator, and the plan documents that
define a bloc's year without code. The built-in plugin ``core.data_plans`` serves them to the
core like any other plugin; ``core.services.plan_documents`` validates and writes them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models.types import JSONType, UTCDateTime


class DataBloc(db.Model):
    """A bloc defined by an administrator (no plugin): code, name, issuer, abbreviation."""

    __tablename__ = "data_blocs"
    __table_args__ = (
        CheckConstraint("length(code) > 0", name="code_not_empty"),
        CheckConstraint("length(name) > 0", name="name_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    issuer: Mapped[str] = mapped_column(String(200), default="", server_default="")
    abbreviation: Mapped[str] = mapped_column(String(40), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class PlanDocument(db.Model):
    """One bloc's plan for one year, as a versioned JSON document (``document``), valid by the
    same rules as ``flask bloc check`` when it was written. ``revision`` counts the saves."""

    __tablename__ = "plan_documents"
    __table_args__ = (
        UniqueConstraint("bloc_code", "year", name="uq_plan_documents_bloc_year"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
        CheckConstraint("revision >= 1", name="revision_positive"),
        CheckConstraint("schema_version >= 1", name="schema_version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bloc_code: Mapped[str] = mapped_column(String(40), index=True)
    year: Mapped[int] = mapped_column(Integer)
    schema_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    document: Mapped[dict[str, Any]] = mapped_column(JSONType)
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
