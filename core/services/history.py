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
from core.services import campaign_state, permissions, scoring, unit_changes


def totals_visible(actor: User | None, campaign: Campaign) -> bool:
    """Whether ``actor`` reads this year's verified totals and ranks: the campaign's members,
    the board and admins always (as on the ranking page); anyone else only once the year's
    verification is settled (locked), never the ongoing, unlocked figures."""
    if permissions.can_read_work(actor, campaign):
        return True
    try:
        return campaign_state.step(campaign, "verification").settled
    except Conflict:  # a plan without a verification step has no verified totals to show
        return False


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
    years = []
    now: dict[str, dict[str, str]] = {}
    for campaign in found:
        table = scoring.ranking(campaign) if totals_visible(actor, campaign) else []
        named = unit_changes.names_on([m.unit for m in campaign.memberships],
                                      year_day(campaign.year))
        leader = next((named[m.unit_id][0] for m in campaign.memberships
                       if m.role == "leader"), None)
        deputy = [named[m.unit_id][0] for m in campaign.memberships if m.role == "deputy"]
        names = {m.unit.code: named[m.unit_id][0] for m in campaign.memberships}
        fresh = [m.unit for m in campaign.memberships if m.unit.code not in now]
        after = unit_changes.successors(fresh)
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
    years = []
    for campaign, unit_id in rows:
        who = by_id[unit_id]
        visible = totals_visible(actor, campaign)
        table = scoring.ranking(campaign) if visible else []
        mine = next((r for r in table if r["unit"].id == who.id), None)
        awards = [poll.title for poll, o in outcomes[campaign.id]
                  if not poll.elects and who.code in o.result["elected"]]
        elected = [poll.elects for poll, o in outcomes[campaign.id]
                   if poll.elects and who.code in o.result["elected"]]
        years.append({"year": campaign.year, "bloc": campaign.bloc.code,
                      "bloc_name": campaign.bloc.name,
                      "as_unit": who.code,
                      "as_name": unit_changes.name_on(who, year_day(campaign.year)),
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
