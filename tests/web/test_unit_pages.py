"""The pages of units through time and of the 2026 rules (core/web/units.py): who sees them,
refusals shown in Vietnamese next to their field with nothing written, a rename, a merge, a
split recorded from the forms, a unit's lineage, flags and shares of women; the history
pages following the lineage with the names of each year."""

from __future__ import annotations

from sqlalchemy import select

from core.extensions import db
from core.models import UnitEvent, UnitName, UnitYearFlag
from core.services import unit_changes
from core.unit_of_work import unit_of_work
from tests.support import row_counts
from tests.support.admin_pages import main_text, page_client, parse, unit

DECISION = {"effective_on": "01/06/2021", "decision_number": "45/QĐ-UBND",
            "decision_date": "20/05/2021", "decision_issuer": "UBND tỉnh Trà Vinh"}


def forget_2025() -> None:
    with unit_of_work():
        for row in db.session.scalars(select(UnitName)):
            db.session.delete(row)
        for row in db.session.scalars(select(UnitEvent)):
            db.session.delete(row)


def test_who_sees_the_pages(demo):
    assert page_client(demo, "yte.canbo").get("/admin/unit-changes/").status_code == 403
    board = page_client(demo, "bantdkt")
    assert board.get("/admin/unit-changes/").status_code == 200
    assert board.get("/admin/unit-changes/rename").status_code == 403  # changes: admin only
    assert board.get("/admin/unit-changes/flags?year=2021").status_code == 200
    anonymous = page_client(demo, None).get("/admin/unit-changes/")
    assert anonymous.status_code == 302


def test_the_demo_s_2025_is_listed_with_its_decisions(demo):
    page = parse(page_client(demo, "admin").get("/admin/unit-changes/"))
    rows = page.by_id("events").find("tbody").find_all("tr")
    assert len(rows) == 8  # two mergers on 01/03/2025, six renames on 01/07/2025
    assert rows[-1].find("th").text == "01/03/2025"
    assert "Số (minh họa) ngày 21/02/2025 — HĐND tỉnh Trà Vinh" in rows[-1].text
    lineage = parse(page_client(demo, "admin").get("/admin/unit-changes/units/so-khcn"))
    assert "Mang lịch sử của: Sở Thông tin và Truyền thông (01/03/2025)" in \
        lineage.by_id("predecessors").text
    names = [r.find("td").text for r in lineage.by_id("names").find("tbody").find_all("tr")]
    assert names == ["Sở Khoa học và Công nghệ", "Sở Khoa học và Công nghệ tỉnh Vĩnh Long"]


def test_a_merge_into_itself_is_refused_on_the_page(demo):
    admin = page_client(demo, "admin")
    before = row_counts()
    response = admin.post("/admin/unit-changes/merge", data={
        "sources": ["so-yte"], "into": "so-yte", **DECISION})
    assert response.status_code == 422
    page = parse(response)
    assert "Không sáp nhập Sở Y tế vào chính nó" in page.find(id="into-error").text
    assert page.by_id("effective_on").attrs["value"] == "01/06/2021"  # what was typed stays
    response = admin.post("/admin/unit-changes/rename", data={
        "unit": "so-yte", "name": "", "short_name": "", "effective_on": "31/02/2021",
        "decision_number": "", "decision_date": ""})
    assert response.status_code == 422
    page = parse(response)
    for field in ("name", "short_name", "effective_on", "decision_number", "decision_date"):
        assert page.find(id=f"{field}-error").text, field
    assert row_counts() == before


def test_rename_merge_and_split_from_the_forms(demo):
    forget_2025()
    admin = page_client(demo, "admin")
    response = admin.post("/admin/unit-changes/rename", data={
        "unit": "so-yte", "name": "Sở Y tế tỉnh Trà Vinh", "short_name": "SYT", **DECISION})
    assert response.status_code == 303, main_text(response)
    assert unit("so-yte").name == "Sở Y tế tỉnh Trà Vinh"
    response = admin.post("/admin/unit-changes/merge", data={
        "sources": ["so-yte", "so-gddt"], "into": "", "new_code": "so-ytgd",
        "new_name": "Sở Y tế và Giáo dục", "new_short_name": "Sở YT-GD", **DECISION})
    assert response.status_code == 303, main_text(response)
    assert unit("so-ytgd") is not None and unit("so-yte").active is False
    response = admin.post("/admin/unit-changes/split", data={
        "source": "so-noivu", "keeps": "y",
        "new_units": "so-tongiao | Ban Tôn giáo tỉnh | Ban Tôn giáo", **DECISION})
    assert response.status_code == 303, main_text(response)
    assert unit("so-tongiao").name == "Ban Tôn giáo tỉnh" and unit("so-noivu").active
    response = admin.post("/admin/unit-changes/split", data={
        "source": "so-tuphap", "new_units": "so-a | A", **DECISION})
    assert response.status_code == 422
    assert "cần đúng ba phần" in parse(response).find(id="new_units-error").text
    page = parse(admin.get("/history/units/so-ytgd"))
    assert "Sở Y tế" in page.by_id("predecessors").text
    # the 2021 campaign was in progress: it continues with the new unit (one row, its own)
    years = page.by_id("years").find("tbody").find_all("tr")
    assert len(years) == 1 and "với tên" not in page.by_id("years").text


def test_flags_and_shares_of_women_from_the_page(demo):
    board = page_client(demo, "bantdkt")
    before = row_counts()
    response = board.post("/admin/unit-changes/flags?year=2021", data={
        "unit": "so-yte", "kind": "inspection", "reason": ""})
    assert response.status_code == 422
    assert parse(response).find(id="reason-error").text.startswith("Lý do")
    assert row_counts() == before
    response = board.post("/admin/unit-changes/flags?year=2021", data={
        "unit": "so-yte", "kind": "inspection", "reason": "Quyết định thanh tra số 9/QĐ-TTr"})
    assert response.status_code == 303
    page = parse(board.get("/admin/unit-changes/flags?year=2021"))
    row = page.by_id("flags").find("tbody").find("tr")
    assert "Sở Y tế" in row.text and "Quyết định thanh tra số 9/QĐ-TTr" in row.text
    flag = db.session.scalar(select(UnitYearFlag))
    response = board.post(f"/admin/unit-changes/flags/{flag.id}/clear?year=2021",
                          data={"reason": "Kết luận thanh tra: không vi phạm"})
    assert response.status_code == 303
    assert "Đã gỡ" in parse(board.get("/admin/unit-changes/flags?year=2021")).by_id("flags").text
    response = board.post("/admin/unit-changes/women-shares?year=2021",
                          data={"share-unit": "so-yte", "share-percent": "150"})
    assert response.status_code == 422
    assert "Tỷ lệ nữ phải là số từ 0 đến 100" in parse(response).find(id="share-percent-error").text
    response = board.post("/admin/unit-changes/women-shares?year=2021",
                          data={"share-unit": "so-yte", "share-percent": "72,5"})
    assert response.status_code == 303
    shares = parse(board.get("/admin/unit-changes/flags?year=2021")).by_id("shares")
    assert "72,5" in shares.text


def test_bloc_history_prints_2021_names_and_points_to_the_successor(app, played_year):
    """The demo's 2025 recorded, the clock moved to 2026: the bloc's 2021 still prints the
    2021 names; the ended units point to their successors."""
    from tests.support.cycle import at

    at(app, 2026, 1, 10, 9, 0)
    with unit_of_work():  # the changes recorded ahead of their date have come
        assert "so-yte" in unit_changes.catch_up()
    page = parse(page_client(app, "bantdkt").get("/history/blocs/khoi-8"))
    names = [r.find("th").text for r in page.by_id("totals").find("tbody").find_all("tr")]
    assert "Sở Y tế" in names and "Sở Y tế tỉnh Vĩnh Long" not in names
    notes = page.by_id("lineage-notes").text
    assert "Sở Thông tin và Truyền thông → Sở Khoa học và Công nghệ tỉnh Vĩnh Long" in notes
    assert "Sở Lao động – Thương binh và Xã hội → Sở Nội vụ" in notes
    khcn = parse(page_client(app, "bantdkt").get("/history/units/so-khcn"))
    assert "Sở Thông tin và Truyền thông" in khcn.by_id("predecessors").text
    assert "với tên Sở Thông tin và Truyền thông" in khcn.by_id("years").text
    tttt = parse(page_client(app, "bantdkt").get("/history/units/so-tttt"))
    assert "Sở Khoa học và Công nghệ tỉnh Vĩnh Long" in tttt.by_id("successor").text
