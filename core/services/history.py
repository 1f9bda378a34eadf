"""History across years: a bloc's campaigns (members, leader, results) and a unit's verified
totals, ranks and proposed awards, for people to read at a glance."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.errors import Conflict, NotFound
from core.extensions import db
from core.models import Bloc, Campaign, Membership, Poll, PollOutcome, Unit, User
from core.services import campaign_state, permissions, scoring


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
    for campaign in found:
        table = scoring.ranking(campaign) if totals_visible(actor, campaign) else []
        leader = next((m.unit.name for m in campaign.memberships if m.role == "leader"), None)
        deputy = [m.unit.name for m in campaign.memberships if m.role == "deputy"]
        names = {m.unit.code: m.unit.name for m in campaign.memberships}
        awards = [{"award": poll.title, "units": [names.get(u, u) for u in o.result["elected"]]}
                  for poll, o in outcomes[campaign.id] if not poll.elects]
        years.append({
            "year": campaign.year, "status": campaign.status, "members": len(campaign.memberships),
            "leader": leader, "deputy": deputy, "plugin_version": campaign.plugin_version,
            "max_total": float(campaign_state.plan(campaign).max_total),
            "ranking": [{"rank": r["rank"], "unit": r["unit"].code, "name": r["unit"].name,
                         "verified_total": float(r["verified_total"])} for r in table],
            "awards": awards,
        })
    return {"bloc": bloc.code, "name": bloc.name, "years": years}


def unit_history(unit_code: str, *, actor: User) -> dict[str, Any]:
    unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
    if unit is None:
        raise NotFound(f"Không có đơn vị '{unit_code}'.")
    found = list(db.session.scalars(
        select(Campaign).join(Membership).where(Membership.unit_id == unit.id)
        .options(selectinload(Campaign.bloc)).order_by(Campaign.year)))
    outcomes = _outcomes([c.id for c in found])
    years = []
    for campaign in found:
        visible = totals_visible(actor, campaign)
        table = scoring.ranking(campaign) if visible else []
        mine = next((r for r in table if r["unit"].id == unit.id), None)
        awards = [poll.title for poll, o in outcomes[campaign.id]
                  if not poll.elects and unit.code in o.result["elected"]]
        elected = [poll.elects for poll, o in outcomes[campaign.id]
                   if poll.elects and unit.code in o.result["elected"]]
        years.append({"year": campaign.year, "bloc": campaign.bloc.code,
                      "bloc_name": campaign.bloc.name,
                      "max_total": float(campaign_state.plan(campaign).max_total),
                      "verified_total": float(mine["verified_total"]) if mine else None,
                      "rank": mine["rank"] if mine else None,
                      "of": len(table) if visible else None,
                      "awards": awards, "elected": elected})
    return {"unit": unit.code, "name": unit.name, "years": years}
