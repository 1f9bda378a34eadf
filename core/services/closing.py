"""Closing a step, the host's act, with what must come with it: the step's checklist of what
is missing (core/services/guards.py: refused, 409 ``checklist_not_met``, unless ``force`` with a
reason, audited) and, when verification closes, the verified totals stored
(core/services/verified_totals.py). Above deadlines, guards and scoring in the services'
order, so none of them needs to import another in a cycle."""

from __future__ import annotations

from typing import Any

from core.domain import Deliverable
from core.models import Campaign, PhaseRecord, User
from core.services import deadlines, guards, verified_totals


def close_step(campaign: Campaign, deliverable: Deliverable | str, *, actor: User,
               details: dict[str, Any] | None = None, force: Any = False,
               reason: Any = None) -> PhaseRecord:
    """The host closes a step: from then on it takes no work, whatever the clock or any
    extension says."""
    step = deadlines.closable(campaign, deliverable, actor=actor)
    guards.enforce(campaign, guards.checklist_for(campaign, step), force=force, reason=reason,
                   actor=actor)
    record = deadlines.record_closing(campaign, step, actor=actor, details=details)
    if step is Deliverable.VERIFICATION:  # the scores are final: store their totals
        verified_totals.store(campaign, record)
    return record


def lock_verification(campaign: Campaign, *, actor: User, force: Any = False,
                      reason: Any = None) -> PhaseRecord:
    """The verification's host closes it: scores are final, the earlier steps too. With
    gaps (units not verified, reports missing, board lines unscored) only when ``force`` is
    true with a reason."""
    return close_step(campaign, Deliverable.VERIFICATION, actor=actor, force=force,
                      reason=reason)
