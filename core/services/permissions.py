"""Who may do what. Views and API handlers ask here; they never decide themselves."""

from __future__ import annotations

from sqlalchemy import select

from core.errors import Forbidden
from core.extensions import db
from core.models import Campaign, Membership, User


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


def campaign_role(user: User | None, campaign: Campaign) -> str | None:
    """The role of the user's unit in this campaign (leader, deputy, member) or None."""
    if user is None or user.unit_id is None:
        return None
    return db.session.scalar(
        select(Membership.role).where(Membership.campaign_id == campaign.id,
                                      Membership.unit_id == user.unit_id))


def can_view_campaign(user: User | None, campaign: Campaign) -> bool:
    """Any signed-in user reads a campaign's plan (criteria, calendar, members)."""
    return user is not None


def can_read_work(user: User | None, campaign: Campaign) -> bool:
    """Registrations, reports and scores: every member unit, the board and admins."""
    if user is None:
        return False
    return is_admin(user) or is_board(user) or campaign_role(user, campaign) is not None


def can_write_for_unit(user: User | None, campaign: Campaign, unit_id: int) -> bool:
    """Only the unit's own staff (officer or head) write its registration, reports, self-scores."""
    return (user is not None and user.unit_id == unit_id
            and campaign_role(user, campaign) is not None)


def is_leadership(user: User | None, campaign: Campaign) -> bool:
    return campaign_role(user, campaign) in ("leader", "deputy")


def can_follow_progress(user: User | None, campaign: Campaign) -> bool:
    """The status grid of units × deliverables: leader, deputy, the board and admins."""
    return is_leadership(user, campaign) or is_board(user) or is_admin(user)


def can_verify(user: User | None, campaign: Campaign) -> bool:
    """Entering verified scores: leader and deputy for the units' lines, the board for its own."""
    return is_leadership(user, campaign) or is_board(user)
