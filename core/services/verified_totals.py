"""Verified totals stored when a campaign's verification is locked (issue 15).

Once the verification's host locks it, the scores are final: the lock
(:func:`core.services.closing.close_step`) stores every member unit's self and verified
totals and rank (:func:`store`), and the board's dashboard and the history read them
(:func:`stored`) instead of totalling thousands of score lines per view. Stored rows belong
to one lock (``locked_at`` = the ``closed_at`` of the verification's phase record): if the
record is ever removed or written again, rows of the earlier lock are ignored and the
readers total the scores live, as before the lock; a new lock writes them afresh.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import and_, delete, select

from core.domain import CLOSING_RECORD, Deliverable
from core.extensions import db
from core.models import Campaign, PhaseRecord, VerifiedTotal

STEP = CLOSING_RECORD[Deliverable.VERIFICATION]


def store(campaign: Campaign, record: PhaseRecord) -> int:
    """Write the campaign's totals and ranks for the lock ``record`` (replacing any earlier
    ones); the number of units stored. Part of the lock's unit of work (not committed)."""
    from core.services import scoring

    table = scoring.ranking(campaign)
    db.session.execute(delete(VerifiedTotal).where(VerifiedTotal.campaign_id == campaign.id))
    db.session.add_all(VerifiedTotal(campaign_id=campaign.id, unit_id=row["unit"].id,
                                     self_total=row["self_total"],
                                     verified_total=row["verified_total"], rank=row["rank"],
                                     locked_at=record.closed_at) for row in table)
    db.session.flush()
    return len(table)


def stored(campaign_ids: list[int]) -> dict[int, dict[int, tuple[Decimal, Decimal, int]]]:
    """The stored totals of those of these campaigns whose verification is locked, by
    campaign then unit id: (self total, verified total, rank). One query; a campaign not
    locked, or whose rows belong to an earlier lock, is absent (the caller totals live)."""
    found: dict[int, dict[int, tuple[Decimal, Decimal, int]]] = defaultdict(dict)
    if not campaign_ids:
        return found
    for row in db.session.execute(
            select(VerifiedTotal.campaign_id, VerifiedTotal.unit_id, VerifiedTotal.self_total,
                   VerifiedTotal.verified_total, VerifiedTotal.rank)
            .join(PhaseRecord, and_(PhaseRecord.campaign_id == VerifiedTotal.campaign_id,
                                    PhaseRecord.step == STEP,
                                    PhaseRecord.closed_at == VerifiedTotal.locked_at))
            .where(VerifiedTotal.campaign_id.in_(campaign_ids))):
        found[row.campaign_id][row.unit_id] = (row.self_total, row.verified_total, row.rank)
    return found
