"""Where a campaign's year stands, from its rows: the frozen plan (built once per plan
revision and cached per app), the timeline of its steps, and who a user is in it.

The rules themselves live in :mod:`core.domain`; this module only feeds them data. Every
service, page and API handler asks here: nobody reads the snapshot raw, compares a
deadline or checks a role on their own.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import date, datetime
from typing import Any, TypeVar

from flask import current_app, has_app_context, has_request_context, request
from flask_babel import lazy_gettext
from sqlalchemy import select

from core.domain import (
    CLOSED_BY_RECORD,
    Action,
    Actor,
    Deliverable,
    Extension,
    FrozenPlan,
    PlanCache,
    PollStatus,
    ProcedureUnavailable,
    Role,
    StepStatus,
    Timeline,
    policy,
)
from core.errors import Conflict, Forbidden
from core.extensions import db
from core.models import Campaign, DeadlineExtension, Membership, PhaseRecord, Poll, User
from core.services import clock, office

_FALLBACK_CACHE = PlanCache()
_T = TypeVar("_T")


def _cache() -> PlanCache:
    if not has_app_context():
        return _FALLBACK_CACHE
    return current_app.extensions.setdefault("thidua_plans", PlanCache())


def plan(campaign: Campaign) -> FrozenPlan:
    """The campaign's frozen plan (criteria, calendar, voting), built once per revision."""
    key = (campaign.id, campaign.frozen_at, campaign.plan_revision or 1)
    return _cache().get(key, lambda: FrozenPlan.from_snapshot(campaign.snapshot,
                                                              campaign.plan_revision or 1))


def procedure(campaign: Campaign) -> Any:
    """The campaign's voting procedure; 409 (read-only) when its class is not installed."""
    try:
        return plan(campaign).procedure()
    except ProcedureUnavailable as exc:
        raise Conflict(lazy_gettext(
            "Năm thi đua này chỉ còn đọc: quy trình bỏ phiếu “%(name)s” không còn được cài "
            "đặt.", name=str(exc)), code="read_only") from exc


# -- the timeline ----------------------------------------------------------------------------

def extensions_of(rows: list[DeadlineExtension]) -> list[Extension]:
    return [Extension(phase=r.phase_code, due=r.due, unit=r.unit_id) for r in rows]


def closings_of(records: list[PhaseRecord], poll_statuses: list[str],
                expected_polls: set[str] | None = None,
                stored_codes: set[str] | None = None) -> dict[Deliverable, datetime | None]:
    """The host's closing acts, from the phase records and the polls: the vote is closed
    once it has polls, every one published, and none the procedure expects is missing."""
    closed: dict[Deliverable, datetime | None] = {
        CLOSED_BY_RECORD[r.step]: r.closed_at for r in records if r.step in CLOSED_BY_RECORD}
    if poll_statuses and all(s == PollStatus.PUBLISHED for s in poll_statuses) and \
            (expected_polls is None or expected_polls <= (stored_codes or set())):
        closed.setdefault(Deliverable.VOTE, None)
    return closed


def expected_polls(campaign: Campaign, members: list[str]) -> set[str] | None:
    """The codes of the polls the procedure puts to the council (None when it is gone)."""
    from core.voting import PollContext

    try:
        found = plan(campaign).procedure().polls(PollContext(members=tuple(sorted(members))))
    except ProcedureUnavailable:
        return None
    return {spec.code for spec in found}


def per_request(key: Hashable, build: Callable[[], _T]) -> _T:
    """``build()`` once per read-only request (GET or HEAD: nothing is written while it is
    served), e.g. the timeline a page, its guards and its grid each ask for; computed afresh
    outside a request and in a request that writes (whose answers must see its own
    changes)."""
    if not has_request_context() or request.method not in ("GET", "HEAD"):
        return build()
    memo = request.environ.setdefault("thidua.memo", {})
    if key not in memo:
        memo[key] = build()
    return memo[key]


def timeline(campaign: Campaign, today: date | None = None) -> Timeline:
    """The state of every step of the campaign today (or on ``today``); once per read-only
    request."""
    day = today or clock.today()
    return per_request(("timeline", campaign.id, day), lambda: _timeline(campaign, day))


def _timeline(campaign: Campaign, today: date) -> Timeline:
    granted = list(db.session.scalars(
        select(DeadlineExtension).where(DeadlineExtension.campaign_id == campaign.id)))
    records = list(db.session.scalars(
        select(PhaseRecord).where(PhaseRecord.campaign_id == campaign.id)))
    polls = db.session.execute(
        select(Poll.code, Poll.status).where(Poll.campaign_id == campaign.id)).all()
    expected = None
    if polls and all(status == PollStatus.PUBLISHED for _, status in polls):
        expected = expected_polls(campaign, [m.unit.code for m in campaign.memberships])
    closed = closings_of(records, [s for _, s in polls], expected, {c for c, _ in polls})
    return Timeline(plan(campaign), today, extensions_of(granted), closed)


def prefetch(campaigns: list[Campaign], user: User | None = None,
             today: date | None = None) -> None:
    """Work out the timelines of many campaigns (and the user's role in each) in a fixed
    number of queries, for the rest of a read-only request (:func:`timeline`,
    :func:`role_of` then answer from memory): lists of campaigns grow with the years, their
    SQL must not. Nothing is kept outside a GET or HEAD request."""
    if not campaigns or not has_request_context() or request.method not in ("GET", "HEAD"):
        return
    from collections import defaultdict

    from core.models import Unit

    day = today or clock.today()
    ids = [c.id for c in campaigns]
    granted: dict[int, list[DeadlineExtension]] = defaultdict(list)
    for ext in db.session.scalars(
            select(DeadlineExtension).where(DeadlineExtension.campaign_id.in_(ids))):
        granted[ext.campaign_id].append(ext)
    records: dict[int, list[PhaseRecord]] = defaultdict(list)
    for record in db.session.scalars(select(PhaseRecord).where(PhaseRecord.campaign_id.in_(ids))):
        records[record.campaign_id].append(record)
    polls: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for campaign_id, code, status in db.session.execute(
            select(Poll.campaign_id, Poll.code, Poll.status).where(Poll.campaign_id.in_(ids))):
        polls[campaign_id].append((code, status))
    voted = [i for i in ids if polls[i] and all(s == PollStatus.PUBLISHED for _, s in polls[i])]
    members: dict[int, list[str]] = defaultdict(list)
    if voted:  # the procedure's expected polls need the members' codes
        for campaign_id, code in db.session.execute(
                select(Membership.campaign_id, Unit.code).join(Unit, Unit.id == Membership.unit_id)
                .where(Membership.campaign_id.in_(voted))):
            members[campaign_id].append(code)
    memo = request.environ.setdefault("thidua.memo", {})
    for campaign in campaigns:
        found = polls[campaign.id]
        expected = expected_polls(campaign, members[campaign.id]) \
            if campaign.id in voted else None
        closed = closings_of(records[campaign.id], [s for _, s in found], expected,
                             {c for c, _ in found})
        memo[("timeline", campaign.id, day)] = Timeline(
            plan(campaign), day, extensions_of(granted[campaign.id]), closed)
    if user is not None and getattr(user, "unit_id", None) is not None:
        roles = request.environ.setdefault("thidua.roles", {})
        mine = dict(db.session.execute(
            select(Membership.campaign_id, Membership.role).where(
                Membership.campaign_id.in_(ids), Membership.unit_id == user.unit_id)).all())
        for campaign_id in ids:
            role = mine.get(campaign_id)
            roles[(campaign_id, user.unit_id)] = Role(role) if role else None


def step(campaign: Campaign, deliverable: Deliverable | str,
         unit_id: Hashable | None = None) -> StepStatus:
    """The state of one step for the bloc or a unit; 409 when the plan has no such step."""
    try:
        return timeline(campaign).step(deliverable, unit_id)
    except LookupError as exc:
        raise Conflict(lazy_gettext("Lịch của năm thi đua không có giai đoạn “%(step)s”.",
                                    step=str(deliverable)), code="no_such_phase") from exc


def refuse_unless_accepting(status: StepStatus) -> None:
    """409 with the timeline's reason when the step takes no work now."""
    found = status.refusal()
    if found is not None:
        code, message, params = found
        raise Conflict(lazy_gettext(message, **{k: _translated(v) for k, v in params.items()}),
                       code=code)


def _translated(value: str) -> Any:
    return lazy_gettext(value) if value else value


# -- who may act -----------------------------------------------------------------------------

def role_of(user: User | None, campaign: Campaign) -> Role | None:
    """The role of the user's unit in the campaign, once per request."""
    if user is None or getattr(user, "unit_id", None) is None:
        return None
    memo: dict[tuple[int, int], Role | None] | None = None
    if has_request_context():  # once per request (not per app context: tests keep one)
        memo = request.environ.setdefault("thidua.roles", {})
        key = (campaign.id, user.unit_id)
        if key in memo:
            return memo[key]
    loaded = next((m.role for m in campaign.memberships if m.unit_id == user.unit_id), None) \
        if "memberships" in campaign.__dict__ else db.session.scalar(
            select(Membership.role).where(Membership.campaign_id == campaign.id,
                                          Membership.unit_id == user.unit_id))
    role = Role(loaded) if loaded else None
    if memo is not None:
        memo[(campaign.id, user.unit_id)] = role
    return role


def actor(user: User | None, campaign: Campaign) -> Actor | None:
    if user is None or not getattr(user, "is_authenticated", True):
        return None
    return Actor(role=role_of(user, campaign), unit=user.unit_id,
                 board=bool(user.is_board), admin=bool(user.is_admin))


def allowed(action: Action, user: User | None, campaign: Campaign, *,
            step: Deliverable | str | None = None, unit_id: Hashable | None = None) -> bool:
    """Whether the user may take the action in this campaign (the policy table)."""
    return policy.allows(action, actor(user, campaign), plan(campaign), step=step,
                         unit=unit_id)


def require(action: Action, user: User | None, campaign: Campaign, *,
            step: Deliverable | str | None = None, unit_id: Hashable | None = None) -> None:
    """403 with the policy's message (naming the step's host) unless the user may act."""
    if not allowed(action, user, campaign, step=step, unit_id=unit_id):
        message, params = policy.refusal(action, plan(campaign), step=step)
        raise Forbidden(lazy_gettext(message, **office.naming_the_office(params, _translated)))
