"""Importing units and users from CSV and XLSX: dry run with a problem per row, all or nothing,
broken encodings, missing columns, duplicates, unknown units, formulas."""

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from core.extensions import db
from core.models import Unit, User
from tests.support import api_token, bearer, row_counts
from tests.support.admin_pages import UNITS, USERS, workbook


@pytest.fixture
def admin(client, demo):
    return bearer(api_token(client, "admin"))


def post(client, headers, data, name, **form):
    return client.post("/api/v1/imports", headers=headers,
                       data={"file": (io.BytesIO(data), name), **form},
                       content_type="multipart/form-data")


def test_dry_run_then_apply_workbook(client, admin):
    data = workbook(UNITS, USERS)
    before = row_counts()
    dry = post(client, admin, data, "tinh.xlsx")
    assert dry.status_code == 200, dry.get_json()
    body = dry.get_json()
    assert body["ok"] is True and body["units"] == 2 and body["users"] == 3
    assert row_counts() == before
    applied = post(client, admin, data, "tinh.xlsx", apply="true")
    assert applied.status_code == 201, applied.get_json()
    passwords = applied.get_json()["passwords"]
    assert list(passwords) == ["xd.thutruong"]
    assert db.session.scalar(select(Unit.name).where(Unit.code == "so-gtvt")) == \
        "Sở Giao thông vận tải"
    head = db.session.scalar(select(User).where(User.username == "xd.thutruong"))
    assert head.role == "head" and head.unit.code == "so-xd"
    token = api_token(client, "xd.thutruong", passwords["xd.thutruong"])
    assert token


@pytest.mark.parametrize(("units", "users", "expected"), [
    ([["code", "name"], ["so-a", "Sở A"]], [["username", "full_name"]], "Thiếu cột"),
    (UNITS + [["so-xd", "Sở Xây dựng (lặp)", "XD"]], [USERS[0]], "trùng với dòng 2"),
    ([UNITS[0], ["so-tttt", "Trùng đơn vị có sẵn", "X"]], [USERS[0]], "đã có trong hệ thống"),
    ([UNITS[0]], [USERS[0], ["a.b", "Người A", "so-khong-co", "cán bộ", "Song-Hau-mua-xuan-2024"]],
     "Không có đơn vị mã"),
    ([UNITS[0], ["=HYPERLINK(\"x\")", "Sở", "S"]], [USERS[0]], "công thức"),
    ([UNITS[0], ["so-ok", "Sở OK", "OK"]], [USERS[0], ["c.d", "Người C", "so-ok", "trưởng phòng",
                                                        "Song-Hau-mua-xuan-2024"]], "Vai trò"),
])
def test_row_problems_reported_nothing_imported(client, admin, units, users, expected):
    data = workbook(units, users)
    before = row_counts()
    dry = post(client, admin, data, "loi.xlsx").get_json()
    assert dry["ok"] is False
    messages = " ".join(dry["file_errors"] + [e for r in dry["rows"] for e in r["errors"]])
    assert expected in messages, messages
    applied = post(client, admin, data, "loi.xlsx", apply="true")
    assert applied.status_code == 422
    assert applied.get_json()["error"]["code"] == "import_invalid"
    assert row_counts() == before


def test_real_formula_cell_refused(client, admin):
    book = Workbook()
    sheet = book.active
    sheet.title = "Đơn vị"
    sheet.append(UNITS[0])
    sheet.append(["so-f", "Sở F", "F"])
    sheet["C2"] = "=A2&B2"
    out = io.BytesIO()
    book.save(out)
    body = post(client, admin, out.getvalue(), "f.xlsx").get_json()
    assert body["ok"] is False
    assert "Ô C2 chứa công thức" in " ".join(body["rows"][0]["errors"])


def test_csv_encodings(client, admin):
    good = "code,name,short_name\nso-dl,Sở Du lịch,Sở DL\n".encode()
    assert post(client, admin, good, "dv.csv", kind="units").get_json()["ok"] is True
    broken = "code,name,short_name\nso-dl,Sở Du lịch,Sở DL\n".encode("utf-16")  # Excel "Unicode"
    body = post(client, admin, broken, "dv.csv", kind="units").get_json()
    assert body["ok"] is False and "UTF-8" in body["file_errors"][0]
    before = row_counts()
    assert post(client, admin, broken, "dv.csv", kind="units", apply="1").status_code == 422
    assert row_counts() == before


def test_only_admin_imports(client, demo):
    board = bearer(api_token(client, "bantdkt"))
    assert post(client, board, workbook(UNITS, USERS), "x.xlsx").status_code == 403
    admin = bearer(api_token(client, "admin"))
    assert post(client, admin, b"hello", "x.txt").status_code == 422


def _users_workbook(rows: int) -> bytes:
    import io as _io

    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Người dùng")
    sheet.append(["Tên đăng nhập", "Họ và tên", "Mã đơn vị", "Vai trò", "Mật khẩu"])
    for i in range(rows):
        sheet.append([f"nguoi.{i}", f"Người thứ {i}", "", "", ""])
    out = _io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_sheet_over_the_row_limit_is_refused_without_reading_it_whole(monkeypatch):
    """Issue 14: a huge sheet used to be read whole (24 s for 300,000 rows) before the
    refusal. Past the limit, reading stops at once; a workbook plainly beyond it (its table
    of texts) is refused before openpyxl parses anything."""
    from core.services import imports

    report = imports.ImportReport()
    assert imports._read_sheets(_users_workbook(imports.MAX_ROWS + 5), report) == {}
    assert report.file_errors == [f"Tệp có quá {imports.MAX_ROWS} dòng."]

    def not_parsed(*args, **kwargs):
        raise AssertionError("openpyxl parsed a workbook plainly beyond the limit")

    monkeypatch.setattr(imports, "load_workbook", not_parsed)
    big = _users_workbook(20_000)  # a ~5 MB sheet: beyond a 1 MB limit, judged unparsed
    monkeypatch.setattr(imports, "MAX_SHEET_XML", 1024 * 1024)
    report = imports.ImportReport()
    assert imports._read_sheets(big, report) == {}
    assert report.file_errors == [f"Tệp có quá {imports.MAX_ROWS} dòng."]
