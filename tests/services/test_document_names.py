"""Documents print the name a unit had on the document's date (issue 12, point 3): after the
2025 mergers and renames, a 2021 unit's own document still says its 2021 name, while a draft
dated today prints today's names."""

from __future__ import annotations

from sqlalchemy import select

from core.extensions import db
from core.models import Bloc, Campaign, User
from core.services import documents, unit_changes
from tests.support.cycle import at
from tests.support.rendered_documents import pdf_text


def _campaign() -> Campaign:
    return db.session.scalar(select(Campaign).join(Bloc).where(Bloc.code == "khoi-8",
                                                              Campaign.year == 2021))


def test_a_unit_document_keeps_the_name_of_its_date(app, played_year):
    at(app, 2026, 1, 5, 9, 0)
    unit_changes.catch_up()  # the demo recorded the 2025 changes ahead: apply them today
    db.session.commit()
    campaign = _campaign()
    khcn = next(m.unit for m in campaign.memberships if m.unit.code == "so-khcn")
    assert khcn.name.endswith("tỉnh Vĩnh Long")  # today's name
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    # The self-score sheet is dated the day the unit sent it (2022): the 2021 name.
    data, issued = documents.get_pdf(campaign, "tu-cham-diem-so-khcn", actor=admin)
    assert issued is None
    text = " ".join(pdf_text(data).split())
    assert "SỞ KHOA HỌC VÀ CÔNG NGHỆ" in text
    assert "VĨNH LONG" not in text.upper().replace("TỈNH VĨNH LONG", "VĨNH LONG") \
        or "tỉnh Vĩnh Long" not in text
    assert "Vĩnh Long" not in text
    # Rendering did not change the unit: its current name is back, nothing to flush.
    assert khcn.name.endswith("tỉnh Vĩnh Long")
    assert not db.session.dirty


def test_a_draft_dated_today_prints_todays_names(app, played_year):
    at(app, 2026, 1, 5, 9, 0)
    unit_changes.catch_up()
    db.session.commit()
    campaign = _campaign()
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    data, issued = documents.get_pdf(campaign, "bang-tong-hop-diem", actor=admin)
    assert issued is None
    text = " ".join(pdf_text(data).split())
    assert "Sở Khoa học và Công nghệ tỉnh Vĩnh Long" in text
