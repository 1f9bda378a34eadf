"""The covenant's points table (thang bảng điểm): the leader may adjust item maxima before
registration closes; afterwards it is locked, except at the mid-year review, when only the
leader may change it, with a reason. Every change is kept in the history; the table's total
must stay the same, so the points still add up.

An adjustment is a new revision of the campaign's frozen plan (kept whole in
``PlanRevision``); the snapshot and the criterion rows are both written from that plan, so
they never disagree."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.domain import Action, CovenantStage, FrozenPlan
from core.errors import Conflict, ValidationFailed
from core.extensions import db
from core.models import Campaign, CriterionChange, CriterionRow, PlanRevision, User
from core.plugin_api import points
from core.services import audit, campaign_state, clock
from core.services.cycle import criteria_rows, number_field, raise_if, text_field


def stage(campaign: Campaign) -> CovenantStage:
    """'covenant' (free adjustments), 'mid_year' (changes with a reason) or 'locked'."""
    return campaign_state.timeline(campaign).covenant_stage()


def history(campaign: Campaign) -> list[CriterionChange]:
    return list(db.session.scalars(
        select(CriterionChange).where(CriterionChange.campaign_id == campaign.id)
        .order_by(CriterionChange.changed_at, CriterionChange.id)))


def revisions(campaign: Campaign) -> list[PlanRevision]:
    """The plan as opened and after each amendment, oldest first."""
    return list(db.session.scalars(
        select(PlanRevision).where(PlanRevision.campaign_id == campaign.id)
        .order_by(PlanRevision.revision)))


def adjust(campaign: Campaign, changes: Any, reason: Any, *, actor: User) -> list[CriterionChange]:
    """Set new maxima ({criterion code: points}) for items, bonus and deduction lines."""
    campaign_state.require(Action.ADJUST_TABLE, actor, campaign)
    current = stage(campaign)
    if current is CovenantStage.LOCKED:
        raise Conflict(_l("Thang điểm đã khóa sau khi hết hạn đăng ký; chỉ điều chỉnh được tại "
                          "hội nghị sơ kết."), code="table_locked")
    errors: dict[str, list[str]] = {}
    why = text_field(reason, "reason", errors, max_length=2000)
    if current is CovenantStage.MID_YEAR and not why and "reason" not in errors:
        errors["reason"] = [_l("Điều chỉnh tại sơ kết phải nêu lý do.")]
    if not isinstance(changes, dict) or not changes:
        raise ValidationFailed(_l("Cần ít nhất một thay đổi."), fields={"changes": [_l("Trống.")]})
    plan = campaign_state.plan(campaign)
    lines = {c.code: c for c in plan.leaves()}
    new_values: dict[str, Decimal] = {}
    for code, value in changes.items():
        line = lines.get(code)
        if line is None:
            errors.setdefault(str(code)[:40], []).append(
                _l("Không phải một dòng của thang điểm."))
            continue
        number = number_field(value, str(code), errors)
        if number is not None and number < 0:
            errors.setdefault(code, []).append(_l("Điểm tối đa không âm."))
        elif number is not None and number != points(line.max_points):
            new_values[code] = number
    raise_if(errors)
    amended = plan.amended(new_values)
    if amended.max_total != plan.max_total:
        raise ValidationFailed(
            _l("Tổng điểm các tiêu chí phải giữ nguyên %(before)s (sau điều chỉnh: %(after)s).",
               before=f"{plan.max_total:g}", after=f"{amended.max_total:g}"),
            code="table_does_not_add_up")
    if not new_values:
        return []
    now = clock.now()
    made = [CriterionChange(campaign_id=campaign.id, code=code,
                            old_max=points(lines[code].max_points), new_max=value,
                            stage=current.value, reason=why, changed_at=now,
                            changed_by=actor.id)
            for code, value in new_values.items()]
    _adopt(campaign, amended, reason=why, actor=actor)
    db.session.add_all(made)
    audit.record("covenant.adjust", "campaign", f"{campaign.bloc.code}/{campaign.year}",
                 actor=actor, details={"stage": current.value, "reason": why,
                                       "revision": amended.revision,
                                       "changes": {c.code: str(c.new_max) for c in made}})
    return made


def _adopt(campaign: Campaign, plan: FrozenPlan, *, reason: str, actor: User) -> None:
    """Make ``plan`` the campaign's current revision: history row, snapshot, criterion rows."""
    snapshot = plan.to_snapshot()
    db.session.add(PlanRevision(campaign_id=campaign.id, revision=plan.revision,
                                snapshot=snapshot, reason=reason, created_at=clock.now(),
                                created_by=actor.id))
    campaign.snapshot = snapshot
    campaign.plan_revision = plan.revision
    write_criterion_rows(campaign, plan, criteria_rows(campaign))


def write_criterion_rows(campaign: Campaign, plan: FrozenPlan,
                         rows: list[CriterionRow]) -> None:
    """The rows (for foreign keys) say what the plan says: maxima of every line and group."""
    maxima = {c.code: points(c.max_points) for c in plan.walk()}
    for row in rows:
        if row.code in maxima and Decimal(row.max_points) != maxima[row.code]:
            row.max_points = maxima[row.code]

