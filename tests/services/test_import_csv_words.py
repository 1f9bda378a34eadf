"""Issue 13: a CSV saved by Excel with a Vietnamese locale (semicolons) imports as a comma one
does, and the import's problems name the columns as the template does, in Vietnamese (never
"name:" or "short_name")."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.extensions import db
from core.models import User
from core.services import imports


@pytest.fixture
def admin(demo):
    return db.session.scalar(select(User).where(User.username == "admin"))


def units_csv(separator: str) -> bytes:
    rows = [["Mã đơn vị", "Tên đơn vị", "Tên viết tắt"],
            ["so-xd", "Sở Xây dựng", "Sở XD"],
            # A comma inside a name, quoted as Excel does in a semicolon file only when needed.
            ["so-vhtt2", "Sở Văn hóa, Thể thao và Du lịch (2)", "Sở VHTTDL 2"]]
    lines = []
    for row in rows:
        cells = [f'"{c}"' if separator in c else c for c in row]
        lines.append(separator.join(cells))
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


@pytest.mark.parametrize("separator", [",", ";"])
def test_a_csv_with_commas_or_semicolons_is_read_alike(admin, separator):
    report = imports.check(units_csv(separator), "don-vi.csv", kind="units", actor=admin)
    assert report.ok, (report.file_errors, [r.errors for r in report.rows])
    assert [(u["code"], u["name"], u["short_name"]) for u in report.units] == [
        ("so-xd", "Sở Xây dựng", "Sở XD"),
        ("so-vhtt2", "Sở Văn hóa, Thể thao và Du lịch (2)", "Sở VHTTDL 2")]


def test_a_semicolon_csv_of_users_imports(admin):
    data = ("Tên đăng nhập;Họ và tên;Mã đơn vị;Vai trò;Mật khẩu\n"
            "yte.canbo2;Nguyễn Thị Hoa;so-yte;cán bộ;Song-Hau-mua-xuan-2024\n").encode()
    report = imports.apply(data, "nguoi-dung.csv", kind="users", actor=admin)
    assert report.applied
    user = db.session.scalar(select(User).where(User.username == "yte.canbo2"))
    assert user.full_name == "Nguyễn Thị Hoa" and user.role == "officer"


def test_missing_columns_are_named_in_vietnamese(admin):
    data = "Mã đơn vị;Ghi chú\nso-a;x\n".encode()
    report = imports.check(data, "don-vi.csv", kind="units", actor=admin)
    assert report.file_errors == [
        "Thiếu cột (trang “Đơn vị”): “Tên đơn vị”, “Tên viết tắt”."]


def test_row_problems_name_the_column_in_vietnamese(admin):
    data = "Mã đơn vị;Tên đơn vị;Tên viết tắt\nSo XD;;Sở XD\n".encode()
    report = imports.check(data, "don-vi.csv", kind="units", actor=admin)
    errors = report.rows[0].errors
    assert any(e.startswith("Mã đơn vị: ") for e in errors), errors
    assert any(e.startswith("Tên đơn vị: ") for e in errors), errors
    assert not any(e.split(":")[0] in ("code", "name", "short_name") for e in errors), errors
    users = ("username,full_name,unit,role\n"
             "hoa.canbo,Nguyễn Thị Hoa,so-yte,\n").encode()
    report = imports.check(users, "nguoi-dung.csv", kind="users", actor=admin)
    assert report.rows[0].errors == [
        "Vai trò: Người thuộc đơn vị phải có vai trò officer (cán bộ) hoặc head (thủ trưởng)."]
