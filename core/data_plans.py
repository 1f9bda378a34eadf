"""The built-in plugin that serves stored plan documents (issue 12: plans as data).

Registered by :func:`core.plugins.build_plugin_host` after every folder and entry-point
plugin, under the name ``data_plans``; each of its hook implementations is ``trylast``, so a
Python plugin that answers for a bloc's year is asked first and wins (see docs/plans.md). It
answers like any plugin: the blocs an administrator created (``data_blocs``) and those that
have a stored plan, and for a bloc's year with a stored plan its criteria, calendar and
voting procedure (none when the plan follows the province-wide plugin). The core reads the
plans only through these hooks; the documents are validated when they are written
(``core.services.plan_documents``), and read again here with the same parser.
"""

from __future__ import annotations

from typing import Any

from flask import has_app_context
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from core.plugin_api import AwardRules, BlocInfo, Criterion, Phase, hookimpl

__version__ = "2026.1"
NAME = "data_plans"


def _parsed(bloc: str, year: int) -> Any:
    if not has_app_context():
        return None
    from core.services import plan_documents

    try:
        row = plan_documents.stored(bloc, year)
    except SQLAlchemyError:  # the schema is not there (an app that was never migrated)
        return None
    if row is None:
        return None
    parsed, _problems = plan_documents.parse(row.document)
    return parsed


class DataPlans:
    """The hooks (an instance is registered, one per app)."""

    @hookimpl(trylast=True)
    def thidua_register_blocs(self) -> list[BlocInfo]:
        if not has_app_context():
            return []
        from core.extensions import db
        from core.models import DataBloc, PlanDocument

        try:
            defined = list(db.session.scalars(select(DataBloc).order_by(DataBloc.code)))
            plans = list(db.session.execute(
                select(PlanDocument.bloc_code, PlanDocument.year, PlanDocument.document)
                .order_by(PlanDocument.bloc_code, PlanDocument.year)))
        except SQLAlchemyError:
            return []
        years: dict[str, list[int]] = {}
        latest: dict[str, dict[str, Any]] = {}
        for code, year, document in plans:
            years.setdefault(code, []).append(year)
            latest[code] = (document or {}).get("bloc") or {}
        blocs = [BlocInfo(code=row.code, name=row.name, description=row.description or "",
                          years=tuple(years.get(row.code, ())), issuer=row.issuer or "",
                          abbreviation=row.abbreviation or "") for row in defined]
        named = {row.code for row in defined}
        for code, info in latest.items():
            if code not in named:
                blocs.append(BlocInfo(code=code, name=str(info.get("name") or code),
                                      description=str(info.get("description") or ""),
                                      years=tuple(years[code]),
                                      issuer=str(info.get("issuer") or ""),
                                      abbreviation=str(info.get("abbreviation") or "")))
        return blocs

    @hookimpl(trylast=True)
    def thidua_criteria(self, bloc: str, year: int) -> list[Criterion] | None:
        parsed = _parsed(bloc, year)
        return list(parsed.criteria) if parsed is not None else None

    @hookimpl(trylast=True)
    def thidua_phase_calendar(self, bloc: str, year: int) -> list[Phase] | None:
        parsed = _parsed(bloc, year)
        return list(parsed.calendar) if parsed is not None else None

    @hookimpl(trylast=True)
    def thidua_voting_procedure(self, bloc: str, year: int) -> Any:
        parsed = _parsed(bloc, year)
        return parsed.voting if parsed is not None else None

    # Not trylast: a stored plan's own rules override the province-wide defaults (toan_tinh's
    # trylast answer), as a bloc plugin's do.
    @hookimpl
    def thidua_award_rules(self, bloc: str, year: int) -> AwardRules | None:
        parsed = _parsed(bloc, year)
        return parsed.award_rules if parsed is not None else None
