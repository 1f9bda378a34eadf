"""A province with history (issue 15): N blocs of 12 units, each with a campaign in each of the
last Y years (Khối 8's 2021 plan moved to each year), registrations, reports, scores and the
verification locked. For the constant-query tests (1 vs 5 years) and bench/pages_http.py."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from sqlalchemy import select

import plugins.khoi8 as khoi8
from core.extensions import db
from core.models import (
    CriterionRow,
    PhaseRecord,
    Registration,
    Report,
    Score,
    ScoreSheet,
    Unit,
    User,
)
from core.plugin_api import BlocInfo, hookimpl
from core.services import accounts, campaigns, clock, verified_totals

PASSWORD = "Song-Hau-mua-xuan-2021"  # noqa: S105 - test accounts
BLOC_UNITS = 12
LAST_YEAR = 2021


def _back(day: date, years: int) -> date:
    return day.replace(year=day.year - years)


class ManyYears:
    """A test plugin: ``blocs`` blocs using Khối 8's 2021 plan in each of ``years``."""

    def __init__(self, blocs: int, years: tuple[int, ...]) -> None:
        self.codes = [f"khoi-t{i:02d}" for i in range(blocs)]
        self.years = years

    def _ours(self, bloc: str, year: int) -> bool:
        return bloc in self.codes and year in self.years

    @hookimpl
    def thidua_register_blocs(self):
        return [BlocInfo(code=c, name=f"Khối thử {c}", years=self.years) for c in self.codes]

    @hookimpl
    def thidua_criteria(self, bloc, year):
        return khoi8.criteria_2021() if self._ours(bloc, year) else None

    @hookimpl
    def thidua_phase_calendar(self, bloc, year):
        if not self._ours(bloc, year):
            return None
        back = LAST_YEAR - year
        return [replace(p, opens=_back(p.opens, back), due=_back(p.due, back))
                for p in khoi8.calendar_2021()]

    @hookimpl
    def thidua_voting_procedure(self, bloc, year):
        return khoi8.voting_2021() if self._ours(bloc, year) else None


def build_years(app, blocs: int, years: int, *, admin: User | None = None) -> None:
    """On a schema with no such blocs: ``blocs`` blocs × 12 units (u00-00 …), a campaign in
    each of the ``years`` years up to 2021 (the earlier ones archived), every verification
    locked with its totals stored (as the lock stores them). Adds "board" (the board) and "officer" (an officer of u00-00)
    unless they exist, and an admin unless given. The plugin is registered as
    ``many-years``: unregister it when done."""
    span = tuple(range(LAST_YEAR - years + 1, LAST_YEAR + 1))
    if admin is None:
        admin = accounts.create_user("admin", "Quản trị", PASSWORD, admin=True, actor=None)
    if db.session.scalar(select(User).where(User.username == "board")) is None:
        accounts.create_user("board", "Ban TĐKT", PASSWORD, board=True, actor=None)
    plugin = ManyYears(blocs, span)
    app.extensions["thidua"].register(plugin, "many-years")
    now = clock.now()
    for b, code in enumerate(plugin.codes):
        units = [Unit(code=f"u{b:02d}-{i:02d}", name=f"Đơn vị {b}-{i:02d}", short_name=f"U{i}",
                      created_at=now) for i in range(BLOC_UNITS)]
        db.session.add_all(units)
        db.session.flush()
        if b == 0:
            accounts.create_user("officer", "Cán bộ đơn vị", PASSWORD, unit_code=units[0].code,
                                 role="officer", actor=None)
        roles = ["leader", "deputy"] + ["member"] * (BLOC_UNITS - 2)
        for year in span:
            campaign = campaigns.open_campaign(
                code, year, [campaigns.MemberSpec(u.code, r)
                             for u, r in zip(units, roles, strict=True)], actor=admin)
            if year < LAST_YEAR:  # the years before are over: archived
                campaign.status, campaign.closed_at = "archived", now
            lines = list(db.session.scalars(select(CriterionRow).where(
                CriterionRow.campaign_id == campaign.id, CriterionRow.is_group.is_(False))))
            for i, unit in enumerate(units):
                db.session.add(Registration(campaign_id=campaign.id, unit_id=unit.id,
                                            status="submitted", submitted_at=now,
                                            updated_at=now, late=i == 5, version=1))
                for kind in ("mid_year", "year_end"):
                    db.session.add(Report(campaign_id=campaign.id, unit_id=unit.id, kind=kind,
                                          status="submitted", submitted_at=now,
                                          updated_at=now, body="Báo cáo", version=1))
                sheet = ScoreSheet(campaign_id=campaign.id, unit_id=unit.id, version=1,
                                   updated_at=now)
                sheet.scores = [Score(criterion=r, self_score=Decimal((i + year) % 5),
                                      verified_score=Decimal((i * 7 + year) % 4))
                                for r in lines if r.scorer == "unit" and r.kind == "item"]
                db.session.add(sheet)
            # The lock's record and what it stores (without the checklist and the audit).
            record = PhaseRecord(campaign_id=campaign.id, step="verification", closed_at=now,
                                 closed_by=admin.id, details={})
            db.session.add(record)
            db.session.flush()
            verified_totals.store(campaign, record)
        db.session.commit()
