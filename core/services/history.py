"""History across years: a bloc's campaigns (members, leader, results) and a unit's verified
totals, ranks and proposed awards, for people to read at a glance.

History follows the lineage (core/services/unit_changes.py): a year prints each unit under
the name it had that year, a unit's history includes the years of every unit whose history
it carries (Sở TT&TT 2021 → Sở KH&CN 2025), and an ended unit points to its successor."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.errors import Conflict, NotFound
from core.extensions import db
from core.models import Bloc, Campaign, Membership, Poll, PollOutcome, Unit, User
from core.services import (
    campaign_state,
    permissions,
    scoring,
    unit_changes,
    verified_totals,
)


def totals_visible(actor: User | None, campaign: Campaign, locked: bool = False) -> bool:
    """Whether ``actor`` reads this year's verified totals and ranks: the campaign's members,
    the board and admins always (as on the ranking page); anyone else only once the year's
    verification is settled (locked), never the ongoing, unlocked figures. ``locked``: the
    caller found the totals stored at the lock (so it is settled)."""
    if locked or permissions.can_read_work(actor, campaign):
        return True
    try:
        return campaign_state.step(campaign, "verification").settled
    except Conflict:  # a plan without a verification step has no verified totals to show
        return False


def _ranked(campaign: Campaign, actor: User | None,
            locked: dict[int, dict[int, tuple[Any, Any, int]]],
            units: dict[int, Unit]) -> tuple[bool, list[dict[str, Any]]]:
    """Whether the totals are visible, and the year's ranking rows (unit, verified total,
    rank): as stored at the lock when the verification is locked (no totalling), else live."""
    stored = locked.get(campaign.id)
    if stored:
        table = [{"unit": units[unit_id], "verified_total": verified, "rank": rank}
                 for unit_id, (_self, verified, rank) in stored.items() if unit_id in units]
        table.sort(key=lambda r: (r["rank"], r["unit"].name))
        return True, table
    if not totals_visible(actor, campaign):
        return False, []
    return True, scoring.ranking(campaign)


def _outcomes(campaign_ids: list[int]) -> dict[int, list[tuple[Poll, PollOutcome]]]:
    found: dict[int, list] = defaultdict(list)
    for poll, outcome in db.session.execute(
            select(Poll, PollOutcome).join(PollOutcome, PollOutcome.poll_id == Poll.id)
            .where(Poll.campaign_id.in_(campaign_ids), Poll.status == "published")
            .order_by(Poll.id)):
        found[poll.campaign_id].append((poll, outcome))
    return found


def bloc_history(bloc_code: str, *, actor: User) -> dict[str, Any]:
    bloc = db.session.scalar(select(Bloc).where(Bloc.code == bloc_code))
    if bloc is None:
        raise NotFound(f"Không có khối '{bloc_code}'.")
    found = list(db.session.scalars(
        select(Campaign).where(Campaign.bloc_id == bloc.id).order_by(Campaign.year)
        .options(selectinload(Campaign.memberships).selectinload(Membership.unit))))
    outcomes = _outcomes([c.id for c in found])
    locked = verified_totals.stored([c.id for c in found])
    everyone = list({m.unit_id: m.unit for c in found for m in c.memberships}.values())
    named_in = _names_by_year(everyone, [c.year for c in found])  # one query for every year
    after = unit_changes.successors(everyone)
    years = []
    now: dict[str, dict[str, str]] = {}
    for campaign in found:
        _visible, table = _ranked(campaign, actor, locked,
                                  {m.unit_id: m.unit for m in campaign.memberships})
        named = named_in[campaign.year]
        leader = next((named[m.unit_id][0] for m in campaign.memberships
                       if m.role == "leader"), None)
        deputy = [named[m.unit_id][0] for m in campaign.memberships if m.role == "deputy"]
        names = {m.unit.code: named[m.unit_id][0] for m in campaign.memberships}
        fresh = [m.unit for m in campaign.memberships if m.unit.code not in now]
        for u in fresh:
            now[u.code] = ({"unit": after[u.id].code, "name": after[u.id].name}
                           if u.id in after else {})
        awards = [{"award": poll.title, "units": [names.get(u, u) for u in o.result["elected"]]}
                  for poll, o in outcomes[campaign.id] if not poll.elects]
        years.append({
            "year": campaign.year, "status": campaign.status, "members": len(campaign.memberships),
            "leader": leader, "deputy": deputy, "plugin_version": campaign.plugin_version,
            "max_total": float(campaign_state.plan(campaign).max_total),
            "ranking": [{"rank": r["rank"], "unit": r["unit"].code,
                         "name": names.get(r["unit"].code, r["unit"].name),
                         "verified_total": float(r["verified_total"])} for r in table],
            "awards": awards,
        })
    return {"bloc": bloc.code, "name": bloc.name, "years": years,
            "now": {code: later for code, later in now.items() if later}}


def _names_by_year(units: list[Unit], years: list[int]) -> dict[int, dict[int, tuple[str, str]]]:
    """{year: {unit id: (name, short name)}} as each unit was called at the end of each year
    (core/services/unit_changes.py's rule), with one query whatever the number of years."""
    rows = unit_changes._names(u.id for u in units)
    found: dict[int, dict[int, tuple[str, str]]] = {}
    for year in set(years):
        day = year_day(year)
        found[year] = {}
        for unit in units:
            row = unit_changes._pick(rows[unit.id], day)
            found[year][unit.id] = (row.name, row.short_name) if row else (unit.name,
                                                                           unit.short_name)
    return found


def year_day(year: int) -> date:
    """The day whose names a year's history prints: the last day of that year."""
    return date(year, 12, 31)


def unit_history(unit_code: str, *, actor: User) -> dict[str, Any]:
    unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
    if unit is None:
        raise NotFound(f"Không có đơn vị '{unit_code}'.")
    lineage = unit_changes.history_units(unit)  # the unit, then whose history it carries
    by_id = {u.id: u for u in lineage}
    rows = db.session.execute(
        select(Campaign, Membership.unit_id).join(Membership)
        .where(Membership.unit_id.in_(list(by_id)))
        .options(selectinload(Campaign.bloc)).order_by(Campaign.year, Campaign.id)).all()
    outcomes = _outcomes([c.id for c, _u in rows])
    locked = verified_totals.stored([c.id for c, _u in rows])
    others = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(
        {unit_id for found in locked.values() for unit_id in found})))} if locked else {}
    named_in = _names_by_year(lineage, [c.year for c, _u in rows])
    years = []
    for campaign, unit_id in rows:
        who = by_id[unit_id]
        visible, table = _ranked(campaign, actor, locked, others)
        mine = next((r for r in table if r["unit"].id == who.id), None)
        awards = [poll.title for poll, o in outcomes[campaign.id]
                  if not poll.elects and who.code in o.result["elected"]]
        elected = [poll.elects for poll, o in outcomes[campaign.id]
                   if poll.elects and who.code in o.result["elected"]]
        years.append({"year": campaign.year, "bloc": campaign.bloc.code,
                      "bloc_name": campaign.bloc.name,
                      "as_unit": who.code,
                      "as_name": named_in[campaign.year][who.id][0],
                      "max_total": float(campaign_state.plan(campaign).max_total),
                      "verified_total": float(mine["verified_total"]) if mine else None,
                      "rank": mine["rank"] if mine else None,
                      "of": len(table) if visible else None,
                      "awards": awards, "elected": elected})
    later = unit_changes.successor(unit)
    return {"unit": unit.code, "name": unit.name, "years": years,
            "predecessors": [{"unit": u.code, "name": u.name,
                              "effective_on": e.effective_on.isoformat(), "kind": e.kind,
                              "decision": e.decision_number}
                             for u, e in unit_changes.predecessors(unit)],
            "successor": {"unit": later.code, "name": later.name} if later else None}
