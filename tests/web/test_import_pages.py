"""Importing units and users through the page: a dry run that shows each row's problems and
writes nothing, then "Nhập dữ liệu" that writes every row, or nothing when any row is bad.
The previewed file is carried to the apply step under a random token of the session, and
deleted once applied; generated passwords are shown once."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.support import login, row_counts
from tests.support.admin_pages import (
    UNITS,
    USERS,
    main_text,
    page_client,
    parse,
    text,
    unit,
    user,
    workbook,
)

PAGE = "/admin/import"


@pytest.fixture
def admin(demo):
    return page_client(demo, "admin")


def upload(client, data: bytes, name: str, **form):
    return client.post(PAGE, data={"file": (io.BytesIO(data), name), **form},
                       content_type="multipart/form-data")


def token_of(response) -> str:
    return parse(response).find("form", action="/admin/import/apply").find(
        "input", name="token").attrs["value"]


def staged(demo) -> list[Path]:
    folder = Path(demo.config["THIDUA_ATTACHMENTS_DIR"]) / "import-staging"
    return sorted(folder.glob("*")) if folder.exists() else []


def test_dry_run_then_apply(admin, demo):
    before = row_counts()
    preview = upload(admin, workbook(UNITS, USERS), "tinh.xlsx")
    assert preview.status_code == 200
    assert row_counts() == before  # the dry run wrote nothing
    page = parse(preview)
    assert "Tệp hợp lệ: 2 đơn vị và 3 tài khoản sẽ được nhập." in page.by_id("preview-summary").text
    rows = page.by_id("import-rows").find("tbody").find_all("tr")
    cells = [[c.text for c in r.find_all("td") + r.find_all("th")] for r in rows]
    assert cells[0] == ["Đơn vị", "2", "Hợp lệ", "so-xd"]
    assert cells[-1] == ["Người dùng", "4", "Hợp lệ", "gtvt.thutruong"]
    assert len(staged(demo)) == 1

    done = admin.post("/admin/import/apply", data={"token": token_of(preview)})
    assert done.status_code == 200
    assert done.headers["Cache-Control"] == "no-store"
    page = parse(done)
    assert "Đã nhập 2 đơn vị và 3 tài khoản từ tệp “tinh.xlsx”." in page.by_id("import-done").text
    passwords = {r.find("th").text: r.find("td").text
                 for r in page.by_id("passwords").find("tbody").find_all("tr")}
    assert list(passwords) == ["xd.thutruong"]
    assert unit("so-gtvt").name == "Sở Giao thông vận tải"
    head = user("xd.thutruong")
    assert head.role == "head" and head.unit.code == "so-xd"
    assert login(demo.test_client(), "xd.thutruong", passwords["xd.thutruong"]).status_code == 302
    after = row_counts()
    assert (after["units"], after["users"]) == (before["units"] + 2, before["users"] + 3)
    assert staged(demo) == []  # the staged copy is deleted once applied

    # The same token cannot apply twice (and the passwords are not shown again).
    again = admin.post("/admin/import/apply", data={"token": token_of(preview)})
    assert again.status_code == 409
    assert "Không tìm thấy tệp đã xem trước" in main_text(again)
    assert "passwords" not in text(again) and row_counts() == after


def test_a_bad_row_shows_its_problem_and_nothing_is_imported(admin, demo):
    units = UNITS + [["so-xd", "Sở Xây dựng (lặp)", "XD"], ["so-tttt", "Trùng có sẵn", "X"]]
    users = USERS + [["a.b", "Người A", "so-khong-co", "cán bộ", "Song-Hau-mua-xuan-2024"]]
    before = row_counts()
    preview = upload(admin, workbook(units, users), "loi.xlsx")
    assert preview.status_code == 422
    page = parse(preview)
    assert "Tệp có lỗi ở 3 dòng; chưa nhập dòng nào." in page.by_id("preview-summary").text
    bad = {(r.find_all("td")[0].text, r.find_all("td")[1].text): r.find_all("td")[2].text
           for r in page.by_id("import-rows").find("tbody").find_all("tr", class_="row-invalid")}
    assert "trùng với dòng 2" in bad[("Đơn vị", "4")]
    assert "đã có trong hệ thống" in bad[("Đơn vị", "5")]
    assert "Không có đơn vị mã “so-khong-co”." in bad[("Người dùng", "5")]
    # No apply button, nothing staged, nothing written.
    assert not page.find_all("form", action="/admin/import/apply")
    assert staged(demo) == [] and row_counts() == before


def test_a_forged_or_foreign_token_applies_nothing(admin, demo):
    preview = upload(admin, workbook(UNITS, USERS), "tinh.xlsx")
    token = token_of(preview)
    other = page_client(demo, "admin")  # signing in is audited: before counting
    before = row_counts()
    for forged in ("../../etc/passwd", "x" * 43, ""):
        response = admin.post("/admin/import/apply", data={"token": forged})
        assert response.status_code == 409
    # Another session (even of an admin) does not hold the token.
    assert other.post("/admin/import/apply", data={"token": token}).status_code == 409
    assert row_counts() == before
    # The file changed on disk after the preview: refused too.
    path = staged(demo)[0]
    path.write_bytes(workbook(UNITS[:2], USERS[:1]))
    assert admin.post("/admin/import/apply", data={"token": token}).status_code == 409
    assert row_counts() == before


def test_apply_refused_when_the_data_changed_since_the_preview(admin, demo):
    preview = upload(admin, workbook(UNITS, USERS), "tinh.xlsx")
    admin.post("/admin/units/new", data={"code": "so-xd", "name": "Sở Xây dựng",
                                         "short_name": "Sở XD"})
    before = row_counts()
    response = admin.post("/admin/import/apply", data={"token": token_of(preview)})
    assert response.status_code == 422
    page = parse(response)
    assert "Tệp có lỗi; chưa nhập dòng nào." in page.by_id("form-errors").text
    assert "Mã đơn vị “so-xd” đã có trong hệ thống." in page.by_id("import-rows").text
    assert row_counts() == before and user("xd.canbo") is None


def test_csv_of_users(admin):
    data = "username,full_name,unit,role,password\n" \
           "tttt.phophong,Võ Thị Thu,so-tttt,officer,Song-Hau-mua-xuan-2024\n".encode()
    preview = upload(admin, data, "nguoi-dung.csv", kind="users")
    assert preview.status_code == 200
    done = admin.post("/admin/import/apply", data={"token": token_of(preview)})
    assert done.status_code == 200 and user("tttt.phophong").full_name == "Võ Thị Thu"
    assert not parse(done).find_all("table", id="passwords")


@pytest.mark.parametrize(("data", "name", "form", "field", "message"), [
    ("code,name,short_name\nso-a,Sở A,A\n".encode(), "don-vi.csv", {}, "kind",
     "Với tệp CSV, hãy chọn loại dữ liệu: đơn vị hoặc người dùng."),
    (b"%PDF-1.4", "tinh.pdf", {}, "file", "Chỉ nhận tệp .csv hoặc .xlsx."),
    ("code,name,short_name\nso-a,Sở A,A\n".encode(), "don-vi.csv", {"kind": "khac"}, "kind",
     "Lựa chọn không hợp lệ."),
])
def test_bad_upload_is_refused_in_vietnamese(admin, data, name, form, field, message):
    before = row_counts()
    response = upload(admin, data, name, **form)
    assert response.status_code == 422
    page = parse(response)
    assert message in page.by_id("form-errors").text
    assert page.find(id=f"{field}-error").text
    assert row_counts() == before


def test_no_file_chosen(admin):
    response = admin.post(PAGE, data={"kind": "users"}, content_type="multipart/form-data")
    assert response.status_code == 422
    page = parse(response)
    assert page.by_id("file-error").text == "Chọn tệp cần nhập."
    # The choice made is kept.
    assert page.find("select", name="kind").find("option", selected=True).attrs["value"] == "users"


def test_csv_in_another_encoding_is_reported(admin):
    data = "code,name,short_name\nso-a,Sở Tài chính,STC\n".encode("utf-16")
    before = row_counts()
    response = upload(admin, data, "don-vi.csv", kind="units")
    assert response.status_code == 422
    assert "Tệp CSV không phải UTF-8" in parse(response).by_id("preview-summary").text
    assert row_counts() == before


def test_example_workbook_is_importable(admin):
    response = admin.get("/admin/import/example.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Đơn vị", "Người dùng", "Hướng dẫn"]
    assert [c.value for c in book["Đơn vị"][1]] == ["Mã đơn vị", "Tên đơn vị", "Tên viết tắt"]
    assert [c.value for c in book["Người dùng"][1]][:4] == ["Tên đăng nhập", "Họ và tên",
                                                           "Mã đơn vị", "Vai trò"]
    # The example passes the dry run as it is.
    preview = upload(admin, response.data, "mau-nhap-du-lieu.xlsx")
    assert preview.status_code == 200, main_text(preview)[:500]
    assert "Tệp hợp lệ: 2 đơn vị và 4 tài khoản" in parse(preview).by_id("preview-summary").text
