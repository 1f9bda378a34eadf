"""What is due and who has delivered: the status grid of units × deliverables, and each unit's
next deadlines. A constant number of queries whatever the number of units."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select

from core.domain import Deliverable, StepState
from core.extensions import db
from core.models import Campaign, Membership, Registration, Report, Score, ScoreSheet, Unit
from core.services import campaign_state, clock, deadlines

COLUMNS = (Deliverable.REGISTRATION, Deliverable.MID_YEAR_REPORT, Deliverable.YEAR_END_REPORT,
           Deliverable.VERIFICATION)
# The steps a unit delivers itself (its "what is due" list).
UNIT_WORK = (Deliverable.REGISTRATION, Deliverable.MID_YEAR_REPORT,
             Deliverable.YEAR_END_REPORT)


@dataclass(frozen=True)
class Cell:
    status: str  # missing | draft | returned | submitted | verified | locked | pending
    late: bool = False
    overdue: bool = False  # missing or draft after the unit's last day

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "late": self.late, "overdue": self.overdue}


def status_grid(campaign: Campaign, today: date | None = None) -> dict[str, Any]:
    """The grid (once per read-only request: the page, its guards and reminders share it)."""
    day = today or clock.today()
    return campaign_state.per_request(("status_grid", campaign.id, day),
                                      lambda: _status_grid(campaign, day))


def _status_grid(campaign: Campaign, today: date) -> dict[str, Any]:
    units = list(db.session.scalars(
        select(Unit).join(Membership, Membership.unit_id == Unit.id)
        .where(Membership.campaign_id == campaign.id).order_by(Unit.name)))
    roles = dict(db.session.execute(
        select(Membership.unit_id, Membership.role).where(Membership.campaign_id == campaign.id)
    ).all())
    regs = {r.unit_id: r for r in db.session.execute(  # narrow rows: status and late
        select(Registration.unit_id, Registration.status, Registration.late)
        .where(Registration.campaign_id == campaign.id))}
    reports = {(r.unit_id, r.kind): r for r in db.session.execute(
        select(Report.unit_id, Report.kind, Report.status, Report.late)
        .where(Report.campaign_id == campaign.id))}
    verified_counts = dict(db.session.execute(
        select(ScoreSheet.unit_id, func.count(Score.id))
        .join(Score, Score.sheet_id == ScoreSheet.id)
        .where(ScoreSheet.campaign_id == campaign.id, Score.verified_score.is_not(None))
        .group_by(ScoreSheet.unit_id)).all())
    timeline = campaign_state.timeline(campaign, today)
    verification_settled = timeline.step(Deliverable.VERIFICATION).settled
    closed = deadlines.closing_records(campaign)

    def work_cell(item, deliverable: str, unit_id: int) -> Cell:
        past = timeline.step(deliverable, unit_id).past_due
        if item is None:
            return Cell("missing", overdue=past)
        if item.status == "submitted":
            return Cell("submitted", late=item.late)
        return Cell(item.status, overdue=past)

    rows = []
    for unit in units:
        if verification_settled:
            verification = Cell("locked")
        elif verified_counts.get(unit.id):
            verification = Cell("verified")
        else:
            verification = Cell("pending")
        rows.append({
            "unit": unit, "role": roles.get(unit.id),
            "cells": {
                "registration": work_cell(regs.get(unit.id), "registration", unit.id),
                "mid_year_report": work_cell(reports.get((unit.id, "mid_year")),
                                             "mid_year_report", unit.id),
                "year_end_report": work_cell(reports.get((unit.id, "year_end")),
                                             "year_end_report", unit.id),
                "verification": verification,
            },
        })
    summary = {}
    for column in COLUMNS:
        done = sum(1 for r in rows if r["cells"][column].status in ("submitted", "verified",
                                                                      "locked"))
        summary[column] = {"done": done, "total": len(rows)}
    return {"rows": rows, "summary": summary,
            "closed": {step: clock.local(r.closed_at).isoformat() for step, r in closed.items()}}


def due_for_unit(campaign: Campaign, unit: Unit, today: date | None = None) -> list[dict]:
    """The unit's deliverables not yet submitted whose window has not passed, soonest first."""
    today = today or clock.today()
    grid_row = next((r for r in status_grid(campaign, today)["rows"] if r["unit"].id == unit.id),
                    None)
    timeline = campaign_state.timeline(campaign, today)
    owed = []
    for deliverable in UNIT_WORK:
        status = timeline.step(deliverable, unit.id)
        cell = grid_row["cells"][deliverable] if grid_row else Cell("missing")
        if cell.status == "submitted" or status.state in (StepState.CLOSED_BY_CLOCK,
                                                           StepState.CLOSED_BY_HOST,
                                                           StepState.FINAL):
            continue
        owed.append({"phase": status.phase, "due": status.due, "status": cell.status,
                     "days_left": (status.due - today).days, "open": status.accepting,
                     "late": status.late})
    return sorted(owed, key=lambda o: o["due"])
