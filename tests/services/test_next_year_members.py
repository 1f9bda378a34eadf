"""Next year's proposed members follow the units' lineage (issue 12, point 3) as of the new
year's first day: a change that takes effect later does not touch an earlier year."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core.extensions import db
from core.models import Unit
from core.services import campaigns, unit_changes


def _unit(code: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == code))


def test_successors_as_of_a_day(app, demo):
    # The demo recorded 2025: so-tttt into so-khcn (1/3/2025), so-ldtbxh into so-noivu.
    tttt, ldtbxh, yte = _unit("so-tttt"), _unit("so-ldtbxh"), _unit("so-yte")
    assert unit_changes.successors([tttt, ldtbxh, yte], on=date(2022, 1, 1)) == {}
    later = unit_changes.successors([tttt, ldtbxh, yte], on=date(2026, 1, 1))
    assert {k: v.code for k, v in later.items()} == {tttt.id: "so-khcn", ldtbxh.id: "so-noivu"}


def test_a_later_merge_does_not_change_next_years_members(app, demo):
    proposed = {m.unit: m.role for m in campaigns.proposed_members("khoi-8", 2022)}
    assert len(proposed) == 8
    assert proposed["so-tttt"] == "leader" and proposed["so-ldtbxh"] == "deputy"
