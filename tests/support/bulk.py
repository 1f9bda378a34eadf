"""Build a Khối 8 campaign with N member units and a full year's data, fast (for query-count
tests and benchmarks)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from core.extensions import db
from core.models import (
    CriterionRow,
    Registration,
    RegistrationItem,
    Report,
    Score,
    ScoreSheet,
    Unit,
    User,
)
from core.services import accounts, campaigns, clock


def build(units: int) -> None:
    admin = accounts.create_user("admin", "Quản trị", "Song-Hau-mua-xuan-2021", admin=True, actor=None)
    now = clock.now()
    codes = [f"so-{i:02d}" for i in range(units)]
    db.session.add_all([Unit(code=c, name=f"Sở số {i:02d}", short_name=f"S{i:02d}",
                             created_at=now) for i, c in enumerate(codes)])
    db.session.add(User(username="leader", full_name="Khối trưởng", created_at=now,
                        password_hash=accounts.hash_password("Song-Hau-mua-xuan-2021")))
    db.session.commit()
    leader = db.session.scalar(select(User).where(User.username == "leader"))
    leader.unit = db.session.scalar(select(Unit).where(Unit.code == codes[0]))
    leader.role = "officer"
    db.session.commit()
    roles = ["leader", "deputy"] + ["member"] * (units - 2)
    campaign = campaigns.open_campaign(
        "khoi-8", 2021, [campaigns.MemberSpec(c, r) for c, r in zip(codes, roles, strict=True)],
        actor=admin)
    rows = list(db.session.scalars(select(CriterionRow).where(
        CriterionRow.campaign_id == campaign.id, CriterionRow.is_group.is_(False))))
    for index, unit in enumerate(db.session.scalars(select(Unit).where(Unit.code.in_(codes)))):
        reg = Registration(campaign_id=campaign.id, unit_id=unit.id, status="submitted",
                           submitted_at=now, updated_at=now, version=1)
        reg.items = [RegistrationItem(criterion=r, target="Chỉ tiêu") for r in rows
                     if r.kind == "item"]
        db.session.add(reg)
        for kind in ("mid_year", "year_end"):
            db.session.add(Report(campaign_id=campaign.id, unit_id=unit.id, kind=kind,
                                  status="submitted", submitted_at=now, updated_at=now,
                                  body="Báo cáo", version=1))
        sheet = ScoreSheet(campaign_id=campaign.id, unit_id=unit.id, version=1, updated_at=now)
        sheet.scores = [Score(criterion=r, self_score=Decimal(index % 5),
                              verified_score=Decimal(index % 4) if r.kind == "item" else None)
                        for r in rows if r.scorer == "unit" and r.kind == "item"]
        db.session.add(sheet)
    db.session.commit()
