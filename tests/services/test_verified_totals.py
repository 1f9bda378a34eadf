"""Verified totals stored when the verification is locked (issue 15): the lock writes them,
the dashboard and the history read them, an unlock makes them stale (ignored: totalled live)
and locking again writes them afresh."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import delete, select, update

from core.demo_year import BOARD, LEADER, user
from core.extensions import db
from core.models import CriterionRow, PhaseRecord, Score, ScoreSheet, Unit, VerifiedTotal
from core.services import board, campaigns, closing, history, scoring, verified_totals
from core.unit_of_work import unit_of_work
from tests.support.year import play_year


def _stored(campaign) -> dict[str, tuple[Decimal, Decimal, int]]:
    return {code: (self_total, verified, rank) for code, self_total, verified, rank in
            db.session.execute(select(Unit.code, VerifiedTotal.self_total,
                                      VerifiedTotal.verified_total, VerifiedTotal.rank)
                               .join(Unit, Unit.id == VerifiedTotal.unit_id)
                               .where(VerifiedTotal.campaign_id == campaign.id))}


def _live(campaign) -> dict[str, tuple[Decimal, Decimal, int]]:
    return {r["unit"].code: (r["self_total"], r["verified_total"], r["rank"])
            for r in scoring.ranking(campaign)}


def _history_totals(code: str = "khoi-8") -> dict[str, float]:
    found = history.bloc_history(code, actor=user(BOARD))
    return {r["unit"]: r["verified_total"] for r in found["years"][0]["ranking"]}


def test_the_lock_stores_the_totals_and_the_readers_use_them(app, played_year):
    with app.app_context():
        campaign = campaigns.get_campaign("khoi-8", 2021)
        stored = _stored(campaign)
        assert len(stored) == len(campaign.memberships) == 8
        assert stored == _live(campaign)  # totals and ranks as the ranking counts them
        assert set(verified_totals.stored([campaign.id])[campaign.id]) == \
            {m.unit_id for m in campaign.memberships}

        # The dashboard and the history read the stored figures, not the score lines.
        proposal = board.dashboard(2021, actor=user(BOARD))["proposals"][0]
        unit_id = db.session.scalar(select(Unit.id).where(Unit.code == proposal["unit"]))
        db.session.execute(update(VerifiedTotal).where(
            VerifiedTotal.campaign_id == campaign.id, VerifiedTotal.unit_id == unit_id)
            .values(verified_total=Decimal("99.5")))
        db.session.commit()
        after = board.dashboard(2021, actor=user(BOARD))["proposals"]
        assert {p["verified_total"] for p in after if p["unit"] == proposal["unit"]} == {99.5}
        assert _history_totals()[proposal["unit"]] == 99.5


def test_unlocking_ignores_them_and_locking_again_refreshes_them(app, demo):
    play_year(app, through="verification")
    with app.app_context():
        campaign = campaigns.get_campaign("khoi-8", 2021)
        first = _stored(campaign)
        assert first == _live(campaign)  # written by scoring.lock_verification
        locked_at = db.session.scalar(select(PhaseRecord.closed_at).where(
            PhaseRecord.campaign_id == campaign.id, PhaseRecord.step == "verification"))
        assert locked_at is not None

        # Unlocked (the record removed): the rows of that lock are ignored, the readers
        # total the scores live, and see a score changed since.
        db.session.execute(delete(PhaseRecord).where(PhaseRecord.campaign_id == campaign.id,
                                                     PhaseRecord.step == "verification"))
        code = "so-yte"
        sheet_id = db.session.scalar(select(ScoreSheet.id).join(Unit).where(
            ScoreSheet.campaign_id == campaign.id, Unit.code == code))
        line = db.session.scalar(  # a scored line (no capped group): one point less
            select(Score).join(CriterionRow, CriterionRow.id == Score.criterion_id)
            .where(Score.sheet_id == sheet_id, CriterionRow.kind == "item",
                   CriterionRow.scorer == "unit", Score.self_score >= 1)
            .order_by(Score.id).limit(1))
        line.verified_score = (line.verified_score if line.verified_score is not None
                               else line.self_score) - 1
        db.session.commit()
        assert verified_totals.stored([campaign.id]) == {}
        lowered = float(first[code][1] - 1)
        assert _history_totals()[code] == lowered
        totals = board._verified_totals([campaign.id])
        assert totals[(campaign.id, code)] == first[code][1] - 1

        # Locked again: the lock writes the totals afresh, for its own record.
        with unit_of_work():
            closing.lock_verification(campaigns.get_campaign("khoi-8", 2021),
                                      actor=user(LEADER), force=True,
                                      reason="Khóa lại sau khi sửa điểm")
        campaign = campaigns.get_campaign("khoi-8", 2021)
        again = _stored(campaign)
        assert again == _live(campaign) and again[code][1] == first[code][1] - 1
        assert set(verified_totals.stored([campaign.id])[campaign.id]) == \
            {m.unit_id for m in campaign.memberships}
        assert _history_totals()[code] == lowered
