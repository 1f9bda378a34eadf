"""Helpers shared by several pages of the cycle: the campaign of the URL, the form's action,
a phase's window, the steps closed by their host, criteria rows grouped under their parents,
and who may write or verify.

``window``, ``settled_steps``, ``may``, ``unit_staff`` and ``verifier`` translate the
answers of the year's model (the timeline and the policy table, through
``core.services.campaign_state``) for the templates; they decide nothing themselves.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from core.domain import Action, StepStatus
from core.errors import DomainError
from core.models import Campaign, CriterionRow, Unit
from core.services import campaign_state, campaigns, office, permissions
from core.services.cycle import criteria_rows


def campaign_of(bloc: str, year: int) -> Campaign:
    """The campaign of the URL (404 when there is none)."""
    return campaigns.get_campaign(bloc, year)


def action() -> str:
    """The form's button: ``submit`` or ``save``."""
    return "submit" if request.form.get("action") == "submit" else "save"


def window(campaign: Campaign, deliverable: str, unit_id: int | None) -> dict[str, Any]:
    """Whether the step takes work now, for the unit, and its last day (the timeline's
    answer), with the reason in the user's language when it does not."""
    try:
        status = campaign_state.step(campaign, deliverable, unit_id)
    except DomainError as exc:  # a calendar without this step
        return {"open": False, "late": False, "due": None, "opens": None, "settled": False,
                "message": str(exc.message), "extended": False, "closed_at": None}
    refusal = status.refusal()
    message = None
    if refusal is not None:
        _code, text, params = refusal
        message = _(text, **{k: _(v) for k, v in params.items()})
    return {"open": status.accepting, "late": status.late, "due": status.due,
            "opens": status.opens, "settled": status.settled, "message": message,
            "extended": status.extended, "closed_at": status.closed_at}


def settled_steps(campaign: Campaign) -> dict[str, StepStatus]:
    """The steps closed by their host's act or final, by deliverable (the timeline's answer);
    each has ``closed_at``."""
    return {s.deliverable.value: s for s in campaign_state.timeline(campaign).steps()
            if s.deliverable is not None and s.settled}


def receiver(campaign: Campaign, deliverable: str) -> str:
    """Who a step's work goes to: its host, as the plan says, in the user's language."""
    return str(office.host_words(campaign_state.plan(campaign), deliverable))


def may(campaign: Campaign, action: Action, **kwargs: Any) -> bool:
    """Whether the signed-in user may take ``action`` here (the policy table)."""
    return campaign_state.allowed(action, current_user, campaign, **kwargs)


def sections(rows: list[CriterionRow], leaves: list[CriterionRow]) -> list[dict[str, Any]]:
    """The given leaves grouped under their parent rows, keeping each leaf's index in
    ``leaves`` (the index of its entry in the list sent to the service)."""
    by_id = {r.id: r for r in rows}
    found: list[dict[str, Any]] = []
    for index, leaf in enumerate(leaves):
        parent = by_id.get(leaf.parent_id) if leaf.parent_id is not None else None
        if not found or found[-1]["group"] is not parent:
            found.append({"group": parent, "rows": []})
        found[-1]["rows"].append((index, leaf))
    return found


def score_lines(campaign: Campaign) -> tuple[list[CriterionRow], list[CriterionRow]]:
    """Every criteria row, and the scored lines (the rows that are not groups)."""
    rows = criteria_rows(campaign)
    return rows, [r for r in rows if not r.is_group]


def number(value: Any) -> str:
    """A stored score as the form shows it: 4, 4,5, -8 (the service reads a decimal comma)."""
    if value is None:
        return ""
    return (f"{value:g}" if isinstance(value, float) else str(value)).replace(".", ",")


def unit_staff(campaign: Campaign, unit: Unit) -> bool:
    """Whether the signed-in user writes for this unit."""
    return permissions.can_write_for_unit(current_user, campaign, unit.id)


def verifier(campaign: Campaign) -> tuple[bool, bool]:
    """(units' lines, board's lines): which verified scores the user may enter."""
    return may(campaign, Action.VERIFY_SCORES), may(campaign, Action.SCORE_BOARD_LINES)
