"""The covenant's points table (thang bảng điểm): the leader may adjust item maxima before
registration closes; afterwards it is locked, except at the mid-year review, when only the
leader may change it, with a reason. Every change is kept in the history; the table's total
must stay the same, so the points still add up."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from core.errors import Conflict, ValidationFailed
from core.extensions import db
from core.models import Campaign, CriterionChange, CriterionRow, User
from core.services import audit, clock, deadlines, permissions
from core.services.campaigns import calendar
from core.services.cycle import criteria_rows, number_field, raise_if, text_field


def stage(campaign: Campaign) -> str:
    """'covenant' (free adjustments), 'mid_year' (changes with a reason) or 'locked'."""
    today = clock.today()
    granted = deadlines.extensions(campaign)
    phases = {p.deliverable: p for p in calendar(campaign) if p.deliverable}
    registration = phases["registration"]
    if today <= deadlines.effective_due(registration, None, granted):
        return "covenant"
    mid_year, year_end = phases["mid_year_report"], phases["year_end_report"]
    if mid_year.opens <= today < year_end.opens and \
            deadlines.MID_YEAR_REVIEW not in deadlines.closed_steps(campaign):
        return "mid_year"
    return "locked"


def history(campaign: Campaign) -> list[CriterionChange]:
    return list(db.session.scalars(
        select(CriterionChange).where(CriterionChange.campaign_id == campaign.id)
        .order_by(CriterionChange.changed_at, CriterionChange.id)))


def adjust(campaign: Campaign, changes: Any, reason: Any, *, actor: User) -> list[CriterionChange]:
    """Set new maxima ({criterion code: points}) for items, bonus and deduction lines."""
    permissions.require(permissions.campaign_role(actor, campaign) == "leader",
                        "Chỉ Khối trưởng được điều chỉnh thang điểm.")
    current = stage(campaign)
    if current == "locked":
        raise Conflict("Thang điểm đã khóa sau khi hết hạn đăng ký; chỉ điều chỉnh được tại "
                       "hội nghị sơ kết.", code="table_locked")
    errors: dict[str, list[str]] = {}
    why = text_field(reason, "reason", errors, max_length=2000)
    if current == "mid_year" and not why and "reason" not in errors:
        errors["reason"] = ["Điều chỉnh tại sơ kết phải nêu lý do."]
    if not isinstance(changes, dict) or not changes:
        raise ValidationFailed("Cần ít nhất một thay đổi.", fields={"changes": ["Trống."]})
    rows = criteria_rows(campaign)
    by_code = {r.code: r for r in rows}
    new_values: dict[str, Decimal] = {}
    for code, value in changes.items():
        row = by_code.get(code)
        if row is None or row.is_group:
            errors.setdefault(str(code)[:40], []).append("Không phải một dòng của thang điểm.")
            continue
        number = number_field(value, str(code), errors)
        if number is not None and number < 0:
            errors.setdefault(code, []).append("Điểm tối đa không âm.")
        elif number is not None:
            new_values[code] = number
    raise_if(errors)
    old_item_total = sum((Decimal(r.max_points) for r in rows
                          if not r.is_group and r.kind == "item"), Decimal(0))
    new_item_total = sum((new_values.get(r.code, Decimal(r.max_points)) for r in rows
                          if not r.is_group and r.kind == "item"), Decimal(0))
    if new_item_total != old_item_total:
        raise ValidationFailed(
            f"Tổng điểm các tiêu chí phải giữ nguyên {old_item_total:g} (sau điều chỉnh: "
            f"{new_item_total:g}).", code="table_does_not_add_up")
    now = clock.now()
    made = []
    for code, value in new_values.items():
        row = by_code[code]
        if Decimal(row.max_points) == value:
            continue
        made.append(CriterionChange(campaign_id=campaign.id, code=code,
                                    old_max=row.max_points, new_max=value, stage=current,
                                    reason=why, changed_at=now, changed_by=actor.id))
        row.max_points = value
    _recompute_groups(rows)
    _rewrite_snapshot(campaign, rows)
    db.session.add_all(made)
    audit.record("covenant.adjust", "campaign", f"{campaign.bloc.code}/{campaign.year}",
                 actor=actor, details={"stage": current, "reason": why,
                                       "changes": {c.code: str(c.new_max) for c in made}})
    db.session.commit()
    return made


def _recompute_groups(rows: list[CriterionRow]) -> None:
    children: dict[int, list[CriterionRow]] = {}
    for row in rows:
        if row.parent_id is not None:
            children.setdefault(row.parent_id, []).append(row)
    for row in sorted(rows, key=lambda r: -r.position):
        if row.is_group:
            row.max_points = sum((Decimal(c.max_points) for c in children.get(row.id, [])),
                                 Decimal(0))


def _rewrite_snapshot(campaign: Campaign, rows: list[CriterionRow]) -> None:
    """Keep the snapshot's table equal to the rows (the snapshot is what documents read)."""
    maxima = {r.code: Decimal(r.max_points) for r in rows}

    def walk(node: dict) -> None:
        value = maxima[node["code"]]
        node["max_points"] = int(value) if value == value.to_integral_value() else float(value)
        for child in node.get("children", []):
            walk(child)

    snapshot = dict(campaign.snapshot)
    for top in snapshot["criteria"]:
        walk(top)
    snapshot["max_total"] = float(sum((maxima[t["code"]] for t in snapshot["criteria"]
                                       if t["kind"] == "item"), Decimal(0)))
    campaign.snapshot = snapshot
    flag_modified(campaign, "snapshot")
