"""Who may do what, for the faces and the services: named questions over the policy table
(:mod:`core.domain.policy`, fed by :mod:`core.services.year`). Views and API handlers ask
here or in ``year``; they never decide themselves."""

from __future__ import annotations

from core.domain import Action, Role
from core.errors import Forbidden
from core.models import Campaign, User
from core.services import campaign_state


def require(condition: bool, message: str = "Bạn không có quyền thực hiện thao tác này.") -> None:
    if not condition:
        raise Forbidden(message)


def is_admin(user: User | None) -> bool:
    return bool(user and user.is_admin)


def is_board(user: User | None) -> bool:
    return bool(user and user.is_board)


def can_manage_campaigns(user: User | None) -> bool:
    """Opening and archiving a bloc's year: admins and the provincial board."""
    return is_admin(user) or is_board(user)


def campaign_role(user: User | None, campaign: Campaign) -> Role | None:
    """The role of the user's unit in this campaign (leader, deputy, member) or None."""
    return campaign_state.role_of(user, campaign)


def can_view_campaign(user: User | None, campaign: Campaign) -> bool:
    """Any signed-in user reads a campaign's plan (criteria, calendar, members)."""
    return campaign_state.allowed(Action.READ_PLAN, user, campaign)


def can_read_work(user: User | None, campaign: Campaign) -> bool:
    """Registrations, reports and scores: every member unit, the board and admins."""
    return campaign_state.allowed(Action.READ_WORK, user, campaign)


def can_write_for_unit(user: User | None, campaign: Campaign, unit_id: int) -> bool:
    """Only the unit's own staff (officer or head) write its registration, reports, self-scores."""
    return campaign_state.allowed(Action.WRITE_OWN_WORK, user, campaign, unit_id=unit_id)


def is_leadership(user: User | None, campaign: Campaign) -> bool:
    return campaign_role(user, campaign) in (Role.LEADER, Role.DEPUTY)


def can_follow_progress(user: User | None, campaign: Campaign) -> bool:
    """The status grid of units × deliverables: leader, deputy, the board and admins."""
    return campaign_state.allowed(Action.FOLLOW_PROGRESS, user, campaign)


def can_verify(user: User | None, campaign: Campaign) -> bool:
    """Entering verified scores: the verification's host (and who assists it) for the units'
    lines, the board for its own lines."""
    return campaign_state.allowed(Action.VERIFY_SCORES, user, campaign) or \
        campaign_state.allowed(Action.SCORE_BOARD_LINES, user, campaign)
