"""Where a campaign's year stands, from its rows: the frozen plan (built once per plan
revision and cached per app), the timeline of its steps, and who a user is in it.

The rules themselves live in :mod:`core.domain`; this module only feeds them data. Every
service, page and API handler asks here: nobody reads the snapshot raw, compares a
deadline or checks a role on their own.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import date, datetime
from typing import Any

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
from core.services import clock

_FALLBACK_CACHE = PlanCache()


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


def timeline(campaign: Campaign, today: date | None = None) -> Timeline:
    """The state of every step of the campaign today (or on ``today``)."""
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
    return Timeline(plan(campaign), today or clock.today(), extensions_of(granted), closed)


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
        raise Forbidden(lazy_gettext(message, **{k: _translated(v) for k, v in params.items()}))
