"""Campaigns: opening a bloc's year (freezing its rules) and reading it back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, defer, selectinload

from core.domain import valid_year
from core.errors import Conflict, NotFound, ValidationFailed
from core.extensions import db
from core.models import (
    MEMBER_ROLES,
    Bloc,
    Campaign,
    CriterionRow,
    Membership,
    PlanRevision,
    Poll,
    PollOutcome,
    Unit,
    User,
)
from core.plugin_api import Criterion, Phase, points
from core.plugins import PluginHost
from core.services import audit, campaign_state, clock, eligibility, office, permissions
from core.services.plans import gather_plan


def plugin_host() -> PluginHost:
    return current_app.extensions["thidua"]


@dataclass(frozen=True)
class MemberSpec:
    unit: str
    role: str


def _check_members(members: list[MemberSpec]) -> dict[str, Unit]:
    errors: dict[str, list[str]] = {}
    if not members:
        raise ValidationFailed("Khối phải có ít nhất một đơn vị thành viên.",
                               fields={"members": ["Danh sách thành viên trống."]})
    codes = [m.unit for m in members]
    units = {u.code: u for u in db.session.scalars(select(Unit).where(Unit.code.in_(codes)))}
    for index, member in enumerate(members):
        key = f"members[{index}]"
        if member.unit not in units:
            errors.setdefault(key, []).append(f"Không có đơn vị mã '{member.unit}'.")
        elif not units[member.unit].active:
            errors.setdefault(key, []).append(f"Đơn vị '{member.unit}' đã ngừng hoạt động.")
        if member.role not in MEMBER_ROLES:
            errors.setdefault(key, []).append(
                f"Vai trò '{member.role}' không hợp lệ (leader, deputy, member).")
    if len(set(codes)) != len(codes):
        errors.setdefault("members", []).append("Một đơn vị được liệt kê nhiều lần.")
    leaders = [m for m in members if m.role == "leader"]
    if len(leaders) != 1:
        errors.setdefault("members", []).append("Khối phải có đúng một Khối trưởng.")
    if errors:
        raise ValidationFailed("Danh sách thành viên không hợp lệ.", fields=errors)
    return units


def open_campaign(bloc_code: str, year: int, members: list[MemberSpec], *,
                  actor: User) -> Campaign:
    """Open a bloc's year: ask the plugins, validate, freeze the snapshot, write the rows."""
    permissions.require(permissions.can_manage_campaigns(actor),
                        _l("Chỉ quản trị viên hoặc %(office)s được mở năm thi đua.",
                           office=office.office()))
    if not valid_year(year):
        raise ValidationFailed("Năm không hợp lệ.", fields={"year": ["Năm phải từ 2000 đến 2100."]})
    if not members:
        # Default: last year's members with the leadership the council elected.
        members = proposed_members(bloc_code, year)
    plan = gather_plan(plugin_host(), bloc_code, year)
    if plan.problems:
        raise ValidationFailed("Kế hoạch của khối không hợp lệ; chưa mở năm thi đua.",
                               code="invalid_plan", fields={"plan": plan.problems})
    units = _check_members(members)
    bloc = db.session.scalar(select(Bloc).where(Bloc.code == bloc_code))
    if bloc is not None and db.session.scalar(
            select(Campaign.id).where(Campaign.bloc_id == bloc.id, Campaign.year == year)):
        raise Conflict(f"Năm thi đua {year} của {plan.bloc.name} đã được mở.",
                       code="campaign_exists")
    now = clock.now()
    if bloc is None:
        bloc = Bloc(code=bloc_code, name=plan.bloc.name, plugin=plan.plugin, created_at=now)
        db.session.add(bloc)
    # The year's award rules (discipline flags, the women tie-break, …) are frozen with its
    # plan: a plugin that changes its answer later does not change a year already open.
    snapshot = {**plan.snapshot(), "award_rules": eligibility.snapshot_rules(bloc_code, year)}
    campaign = Campaign(
        bloc=bloc, year=year, title=f"{plan.bloc.name} — năm {year}",
        plugin=plan.plugin, plugin_version=plan.plugin_version, snapshot=snapshot,
        status="open", created_at=now, frozen_at=now, plan_revision=1,
    )
    db.session.add(campaign)
    db.session.add(PlanRevision(campaign=campaign, revision=1, snapshot=campaign.snapshot,
                                reason="", created_at=now, created_by=actor.id))
    position = 0

    def add_rows(nodes: list[Criterion], parent: CriterionRow | None) -> None:
        nonlocal position
        for node in nodes:
            position += 1
            row = CriterionRow(campaign=campaign, parent=parent, code=node.code,
                               title=node.title, max_points=points(node.max_points),
                               kind=node.kind, position=position, is_group=bool(node.children),
                               scorer=node.scorer)
            db.session.add(row)
            add_rows(list(node.children), row)

    add_rows(plan.criteria, None)
    for member in members:
        db.session.add(Membership(campaign=campaign, unit=units[member.unit], role=member.role))
    try:
        db.session.flush()
        audit.record("campaign.open", "campaign", f"{bloc_code}/{year}", actor=actor, details={
            "plugin": plan.plugin, "plugin_version": plan.plugin_version,
            "members": [{"unit": m.unit, "role": m.role} for m in members],
        })
    except IntegrityError as exc:
        raise Conflict(f"Năm thi đua {year} của {plan.bloc.name} đã được mở.",
                       code="campaign_exists") from exc
    return campaign


def proposed_members(bloc_code: str, year: int) -> list[MemberSpec]:
    """Last year's members, with the leader and deputy the council elected for this year
    (the rest as members); last year's roles where nobody was elected."""
    last = db.session.scalar(
        select(Campaign).join(Bloc).where(Bloc.code == bloc_code, Campaign.year == year - 1)
        .options(selectinload(Campaign.memberships).selectinload(Membership.unit)))
    if last is None:
        return []
    from core.services import unit_changes

    memberships = members_by_role(last)
    # A unit merged or split away since carries on as its successor (once), and so do the
    # units the council elected.
    after = unit_changes.successors([m.unit for m in memberships], on=date(year, 1, 1))
    now_code = {m.unit.code: after.get(m.unit.id, m.unit).code for m in memberships}
    elected = {r: now_code.get(c, c) for r, c in elected_leadership(bloc_code, year - 1).items()}
    specs: list[MemberSpec] = []
    seen: set[str] = set()
    for membership in memberships:
        code, role = now_code[membership.unit.code], membership.role
        if code in seen:
            continue
        seen.add(code)
        if elected:
            role = next((r for r, chosen in elected.items() if chosen == code), "member")
        specs.append(MemberSpec(code, role))
    if elected and "leader" not in elected:
        # only a deputy was elected: keep last year's leader
        last_leader = _leader_code(last)
        leader = now_code.get(last_leader, last_leader) if last_leader else None
        specs = [MemberSpec(m.unit, "leader" if m.unit == leader and
                            m.role == "member" else m.role) for m in specs]
    return specs


def elected_leadership(bloc_code: str, year: int) -> dict[str, str]:
    """Next year's leader and deputy as elected in ``year``'s published polls (run-offs
    included): {"leader": unit code, "deputy": unit code} for those decided. Read from the
    results stored when the polls closed (never recounted)."""
    campaign = db.session.scalar(select(Campaign).join(Bloc).where(
        Bloc.code == bloc_code, Campaign.year == year))
    if campaign is None:
        return {}
    found: dict[str, str] = {}
    rows = db.session.execute(
        select(Poll.elects, PollOutcome.result).join(PollOutcome, PollOutcome.poll_id == Poll.id)
        .where(Poll.campaign_id == campaign.id, Poll.status == "published",
               Poll.elects.is_not(None)).order_by(Poll.id)).all()
    for elects, result in rows:
        if result.get("elected"):
            found[elects] = result["elected"][0]
    return found


def _leader_code(campaign: Campaign) -> str | None:
    return next((m.unit.code for m in campaign.memberships if m.role == "leader"), None)


def get_campaign(bloc_code: str, year: int, *, members: bool = True) -> Campaign:
    """The campaign of a bloc's year (404 if none). ``members=False`` (a ballot, which needs
    neither): its memberships are not loaded with it, nor its snapshot (the frozen plan is
    cached per revision; the snapshot is read only when it is not) — a ballot paid for 100
    memberships, 100 units and the snapshot's JSON on every cast, a third of its CPU."""
    # The snapshot (16 kB of JSON for 40 units) is read only when the frozen plan of its
    # revision is not cached yet, or by the few rules that read it directly: deferred, it
    # costs a query then and nothing on every other request.
    query = (select(Campaign).join(Bloc).where(Bloc.code == bloc_code, Campaign.year == year)
             .options(contains_eager(Campaign.bloc), defer(Campaign.snapshot)))
    if members:
        query = query.options(selectinload(Campaign.memberships).selectinload(Membership.unit))
    campaign = db.session.scalar(query)
    if campaign is None:
        raise NotFound(f"Không tìm thấy năm thi đua {year} của khối '{bloc_code}'.",
                       code="campaign_not_found")
    return campaign


def list_campaigns() -> list[Campaign]:
    """Every campaign, latest year first; the snapshots are not loaded (the frozen plan is
    cached per revision: :func:`core.services.campaign_state.plan`), lists grow with the
    years."""
    return list(db.session.scalars(
        select(Campaign).join(Bloc).options(selectinload(Campaign.bloc), defer(Campaign.snapshot))
        .order_by(Campaign.year.desc(), Bloc.code)))


def calendar(campaign: Campaign) -> list[Phase]:
    return list(campaign_state.plan(campaign).calendar)


def criteria(campaign: Campaign) -> list[Criterion]:
    return list(campaign_state.plan(campaign).criteria)


def current_phases(campaign: Campaign, today: date | None = None) -> list[Phase]:
    """Phases under way (the timeline's answer: open today, not closed by their host)."""
    return campaign_state.timeline(campaign, today).current_phases()


def next_phase(campaign: Campaign, today: date | None = None) -> Phase | None:
    """The first phase still to come or under way (the timeline's answer)."""
    return campaign_state.timeline(campaign, today).next_phase()


def members_by_role(campaign: Campaign) -> list[Membership]:
    order = {"leader": 0, "deputy": 1, "member": 2}
    return sorted(campaign.memberships, key=lambda m: (order[m.role], m.unit.name))


def campaigns_of_unit(unit_id: int) -> list[Campaign]:
    return list(db.session.scalars(
        select(Campaign).join(Membership).where(Membership.unit_id == unit_id)
        .options(selectinload(Campaign.bloc), defer(Campaign.snapshot))  # as list_campaigns
        .order_by(Campaign.year.desc())))


def describe(campaign: Campaign, today: date | None = None) -> dict[str, Any]:
    """The campaign as the API returns it (API.md → Campaigns)."""
    plan = campaign_state.plan(campaign)
    snap = plan.to_snapshot()
    return {
        "bloc": campaign.bloc.code,
        "year": campaign.year,
        "title": campaign.title,
        "plugin": campaign.plugin,
        "plugin_version": campaign.plugin_version,
        "status": campaign.status,
        "frozen_at": clock.local(campaign.frozen_at).isoformat(),
        "members": [{"unit": m.unit.code, "name": m.unit.name, "short_name": m.unit.short_name,
                     "role": m.role} for m in members_by_role(campaign)],
        "criteria": snap["criteria"],
        "max_total": snap["max_total"],
        "calendar": snap["calendar"],
        "current_phases": [p.code for p in current_phases(campaign, today)],
        "plan_revision": plan.revision,
        "voting": {"name": snap["voting"]["name"], "config": snap["voting"]["config"]},
    }


def archive(campaign: Campaign, *, actor: User) -> Campaign:
    """Archive a finished year: still readable, no longer listed among the open years."""
    permissions.require(permissions.can_manage_campaigns(actor),
                        _l("Chỉ quản trị viên hoặc %(office)s được lưu trữ năm thi đua.",
                           office=office.office()))
    if campaign.status == "archived":
        raise Conflict("Năm thi đua đã được lưu trữ.", code="already_archived")
    campaign.status, campaign.closed_at = "archived", clock.now()
    audit.record("campaign.archive", "campaign", f"{campaign.bloc.code}/{campaign.year}",
                 actor=actor)
    return campaign
