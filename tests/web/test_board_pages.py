"""The board's dashboard page: every bloc's campaign of a year with its steps, late and missing
units, verification and results; the cross-bloc proposals with the XLSX and PDF downloads; a
constant number of SQL queries whatever the number of blocs (3 vs 30 blocs of 12 units)."""

from __future__ import annotations

import io

from admin_pages import counting, main_text, page_client, parse
from conftest import login
from many_blocs import ManyBlocs
from openpyxl import load_workbook
from year import play_year

from core.extensions import db
from core.models import Registration, Unit
from core.services import accounts, campaigns, clock


def page_queries(app, blocs: int) -> int:
    """SQL statements run by GET /board/2021 with ``blocs`` blocs of 12 units, 6 registered
    (one of them late)."""
    db.drop_all()
    db.create_all()
    admin = accounts.create_user("admin", "Quản trị", "MatKhau@2021", admin=True, actor=None)
    accounts.create_user("board", "Ban TĐKT", "MatKhau@2021", board=True, actor=None)
    plugin = ManyBlocs(blocs)
    app.extensions["thidua"].register(plugin, f"many-pages-{blocs}")
    try:
        now = clock.now()
        for b, code in enumerate(plugin.codes):
            units = [Unit(code=f"u{b:02d}-{i:02d}", name=f"Đơn vị {b}-{i:02d}",
                          short_name=f"U{i}", created_at=now) for i in range(12)]
            db.session.add_all(units)
            db.session.commit()
            roles = ["leader", "deputy"] + ["member"] * 10
            campaign = campaigns.open_campaign(code, 2021, [
                campaigns.MemberSpec(u.code, r) for u, r in zip(units, roles, strict=True)],
                actor=admin)
            for unit in units[:6]:
                db.session.add(Registration(campaign_id=campaign.id, unit_id=unit.id,
                                            status="submitted", submitted_at=now,
                                            updated_at=now, late=unit is units[5], version=1))
            db.session.commit()
        client = app.test_client()
        assert login(client, "board", "MatKhau@2021").status_code == 302
        client.get("/board/2021")
        db.session.remove()
        with counting() as statements:
            response = client.get("/board/2021")
        assert response.status_code == 200
        page = parse(response)
        rows = page.by_id("blocs").find("tbody").find_all("tr")
        assert len(rows) == blocs
        step = page.by_id("step-khoi-t00-registration")
        assert step.find("strong", class_="count").text == "6/12"
        assert step.find("details", class_="late").find("summary").text == "Nộp muộn: 1"
        return len(statements)
    finally:
        app.extensions["thidua"].unregister(f"many-pages-{blocs}")
        db.session.remove()


def test_constant_queries_3_vs_30_blocs(app):
    assert page_queries(app, 3) == page_queries(app, 30)


def test_dashboard_of_the_demo_before_results(demo):
    client = page_client(demo, "bantdkt")
    response = client.get("/board/")
    assert response.status_code == 302 and response.headers["Location"] == "/board/2021"
    page = parse(client.get("/board/2021"))
    row = page.by_id("bloc-khoi-8")
    assert row.find("th").find("a").text == "Khối thi đua Khối 8"
    assert "8 đơn vị · Đang diễn ra" in row.find("th").text
    registration = page.by_id("step-khoi-8-registration")
    assert registration.find("strong", class_="count").text == "0/8"
    bar = registration.find(class_="progress")
    assert (bar.attrs["role"], bar.attrs["aria-valuenow"], bar.attrs["aria-valuemax"]) == \
        ("progressbar", "0", "8")
    # 10/06/2021: registration was due 15/05/2021, so every unit is overdue.
    assert registration.find("details", class_="missing").find("summary").text == "Quá hạn: 8"
    assert "hạn 15/05/2021" in registration.text
    assert "Chưa khóa" in row.text and "Chưa có cuộc bỏ phiếu nào" in row.text
    assert "Chưa có đề nghị khen thưởng nào" in page.by_id("no-proposals").text


def test_dashboard_after_the_year_is_played(demo):
    play_year(demo, demo.test_client())
    client = page_client(demo, "bantdkt")
    page = parse(client.get("/board/2021"))
    registration = page.by_id("step-khoi-8-registration")
    assert registration.find("strong", class_="count").text == "7/8"
    assert registration.find("details", class_="missing").find("li").text == "Sở Tư pháp"
    row = page.by_id("bloc-khoi-8")
    assert "Đã khóa" in row.text
    assert "Bầu Khối trưởng năm sau Đã công bố: Sở Lao động – Thương binh và Xã hội" in row.text
    proposals = page.by_id("proposals").find("tbody").find_all("tr")
    flag = next(r for r in proposals if "Cờ thi đua" in r.text)
    cells = {td.attrs["data-label"]: td.text for td in flag.find_all("td")}
    assert flag.find("th").text == "Sở Văn hóa, Thể thao và Du lịch"
    assert cells["Số phiếu"] == "7" and cells["Tỷ lệ phiếu"] == "87,5%"
    assert cells["Công bố"] == "Đã công bố" and float(cells["Điểm thẩm định"].replace(",", ".")) > 0
    assert len(proposals) == 3
    # The downloads.
    xlsx = client.get("/board/2021/proposals.xlsx")
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert {sheet.cell(row=r, column=3).value for r in range(2, 5)} == {
        "Sở Văn hóa, Thể thao và Du lịch", "Sở Y tế", "Sở Khoa học và Công nghệ"}
    pdf = client.get("/board/2021/proposals.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF-")


def test_year_selector(demo):
    client = page_client(demo, "admin")
    response = client.get("/board/?year=2019")
    assert response.headers["Location"] == "/board/2019"
    page = parse(client.get("/board/2019"))
    assert "Chưa có khối nào mở năm thi đua 2019." in page.by_id("no-blocs").text
    options = [o.attrs["value"] for o in page.find("select", name="year").find_all("option")]
    assert options == ["2021", "2019"]
    assert page.find("select", name="year").find("option", selected=True).attrs["value"] == "2019"
    # Nonsense falls back to this year.
    assert client.get("/board/?year=abc").headers["Location"] == "/board/2021"
    assert client.get("/board/1999").status_code == 404


def test_unit_staff_are_refused_in_vietnamese(demo):
    response = page_client(demo, "tttt.thutruong").get("/board/2021")
    assert response.status_code == 403
    assert "Bạn không có quyền xem trang này." in main_text(response)
