"""The board's dashboard page: every bloc's campaign of a year with its steps, late and missing
units, verification and results; the cross-bloc proposals with the XLSX and PDF downloads; its
constant number of SQL queries (3 vs 30 blocs) is tested with the API's in
tests/services/test_dashboard.py, over the same worlds."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.support.admin_pages import main_text, page_client, parse


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


def test_dashboard_after_the_year_is_played(demo, played_year):
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
