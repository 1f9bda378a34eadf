"""Units and users through the pages: lists with search, create, edit, deactivate, reset a
password. Each form's success changes the database; bad input is shown in Vietnamese with a
4xx status, nothing changed and what the admin typed kept."""

from __future__ import annotations

import pytest

from core.extensions import db
from core.models import ApiToken
from tests.support import DEMO_PASSWORD, api_token, bearer, login, row_counts
from tests.support.admin_pages import main_text, page_client, parse, text, unit, user


@pytest.fixture
def admin(demo):
    return page_client(demo, "admin")


def field_error(page, field_id: str) -> str:
    return page.find(id=f"{field_id}-error").text


# -- units -------------------------------------------------------------------------------------

def test_unit_list_and_search_without_diacritics(admin):
    page = parse(admin.get("/admin/units"))
    rows = page.by_id("units").find("tbody").find_all("tr")
    assert len(rows) == 8
    assert page.by_id("units").find("caption").text == "8 đơn vị."
    found = parse(admin.get("/admin/units?q=so tu phap"))
    names = [r.find("th").text for r in found.by_id("units").find("tbody").find_all("tr")]
    assert names == ["Sở Tư pháp"]
    assert "1 trên 8 đơn vị khớp với “so tu phap”." in found.by_id("units").text
    empty = admin.get("/admin/units?q=khong-co-dau")
    assert "Không có đơn vị nào khớp với “khong-co-dau”." in main_text(empty)


def test_create_unit(admin):
    before = row_counts()
    response = admin.post("/admin/units/new", data={
        "code": "so-xd", "name": "Sở Xây dựng", "short_name": "Sở XD"})
    assert response.status_code == 303 and response.headers["Location"] == "/admin/units"
    created = unit("so-xd")
    assert (created.name, created.short_name, created.active) == ("Sở Xây dựng", "Sở XD", True)
    assert row_counts()["units"] == before["units"] + 1
    assert "Đã thêm đơn vị Sở Xây dựng." in main_text(admin.get("/admin/units"))


@pytest.mark.parametrize(("data", "field", "message", "status"), [
    ({"code": "", "name": "Sở Xây dựng", "short_name": "Sở XD"}, "code",
     "Vui lòng nhập trường này.", 422),
    ({"code": "Sở XD", "name": "Sở Xây dựng", "short_name": "Sở XD"}, "code", "", 422),
    ({"code": "so-xd", "name": "", "short_name": "Sở XD"}, "name",
     "Vui lòng nhập trường này.", 422),
    ({"code": "so-xd", "name": "S" * 201, "short_name": "Sở XD"}, "name",
     "Tối đa 200 ký tự.", 422),
    ({"code": "so-tttt", "name": "Sở Thông tin (lặp)", "short_name": "TT"}, "code",
     "Mã đơn vị đã tồn tại.", 409),
])
def test_create_unit_bad_input(admin, data, field, message, status):
    before = row_counts()
    response = admin.post("/admin/units/new", data=data)
    assert response.status_code == status
    assert row_counts() == before
    page = parse(response)
    error = field_error(page, field)
    assert error and (message in error)
    assert page.by_id("form-errors").text.startswith("Chưa thực hiện được")
    # What the admin typed is kept.
    for name, value in data.items():
        if value and len(value) < 100:
            assert page.find("input", name=name).attrs["value"] == value


def test_edit_unit_and_deactivate_with_the_check_box(admin):
    page = parse(admin.get("/admin/units/so-tttt/edit"))
    assert page.find("input", name="name").attrs["value"] == "Sở Thông tin và Truyền thông"
    assert "checked" in page.find("input", name="active").attrs
    response = admin.post("/admin/units/so-tttt/edit", data={
        "name": "Sở Thông tin và Truyền thông tỉnh", "short_name": "Sở TT-TT"})
    assert response.status_code == 303
    edited = unit("so-tttt")
    assert (edited.name, edited.short_name, edited.active) == (
        "Sở Thông tin và Truyền thông tỉnh", "Sở TT-TT", False)


def test_edit_unit_refuses_a_blank_name(admin):
    before = row_counts()
    response = admin.post("/admin/units/so-tttt/edit", data={
        "name": "  ", "short_name": "Sở TT-TT mới", "active": "y"})
    assert response.status_code == 422
    page = parse(response)
    assert field_error(page, "name") == "Vui lòng nhập trường này."
    assert page.find("input", name="short_name").attrs["value"] == "Sở TT-TT mới"
    assert unit("so-tttt").short_name == "Sở TT&TT" and row_counts() == before


def test_unknown_unit_is_404(admin):
    response = admin.get("/admin/units/so-khong-co/edit")
    assert response.status_code == 404
    assert "Không có đơn vị mã 'so-khong-co'." in main_text(response)


def test_deactivate_and_reactivate_a_unit_with_the_buttons(admin):
    page = parse(admin.get("/admin/units"))
    row = page.by_id("unit-so-tuphap")
    button = row.find("form").find("button")
    assert button.text == "Ngừng hoạt động" and "data-confirm" in button.attrs
    response = admin.post("/admin/units/so-tuphap/deactivate")
    assert response.status_code == 303
    assert unit("so-tuphap").active is False
    page = parse(admin.get("/admin/units"))
    assert "Đã ngừng hoạt động đơn vị Sở Tư pháp." in page.find("main").text
    assert page.by_id("unit-so-tuphap").find("button").text == "Hoạt động trở lại"
    # An inactive unit is not offered when a year is opened.
    assert 'value="so-tuphap"' not in text(admin.get("/admin/campaigns/new"))
    assert admin.post("/admin/units/so-tuphap/activate").status_code == 303
    assert unit("so-tuphap").active is True


# -- users -------------------------------------------------------------------------------------

def test_user_list_and_search(admin):
    page = parse(admin.get("/admin/users"))
    rows = page.by_id("users").find("tbody").find_all("tr")
    assert len(rows) == 18  # admin, board, an officer and a head for each of the 8 units
    board = page.by_id("user-bantdkt")
    assert "Ban TĐKT" in board.text and "Không thuộc đơn vị nào" in board.text
    found = parse(admin.get("/admin/users?q=tu phap thu truong"))
    usernames = [r.find("code").text for r in found.by_id("users").find("tbody").find_all("tr")]
    assert usernames == ["tuphap.thutruong"]


def test_create_user_who_can_then_sign_in(admin, demo):
    response = admin.post("/admin/users/new", data={
        "username": "TTTT.Chuyenvien", "full_name": "Đỗ Thị Mai", "password": "Song-Hau-mua-xuan-2024",
        "unit": "so-tttt", "role": "officer"})
    assert response.status_code == 303
    created = user("tttt.chuyenvien")
    assert created.full_name == "Đỗ Thị Mai" and created.unit.code == "so-tttt"
    assert created.role == "officer" and not created.is_admin and not created.is_board
    assert login(demo.test_client(), "tttt.chuyenvien", "Song-Hau-mua-xuan-2024").status_code == 302


def test_create_board_user_without_unit(admin):
    response = admin.post("/admin/users/new", data={
        "username": "btdkt.lan", "full_name": "Phạm Thị Lan", "password": "Song-Hau-mua-xuan-2024",
        "unit": "", "role": "", "board": "y"})
    assert response.status_code == 303
    created = user("btdkt.lan")
    assert created.is_board and created.unit is None and created.role is None


@pytest.mark.parametrize(("data", "field", "message", "status"), [
    ({"username": "tttt.canbo", "full_name": "Trùng", "password": "Song-Hau-mua-xuan-2024"},
     "username", "Tên đăng nhập đã tồn tại.", 409),
    ({"username": "nguoi.moi", "full_name": "Người Mới", "password": "Song-Hau-mua-xuan-2024",
      "unit": "so-tttt"}, "role", "Người thuộc đơn vị phải có vai trò", 422),
    ({"username": "nguoi.moi", "full_name": "Người Mới", "password": "Song-Hau-mua-xuan-2024",
      "role": "head"}, "unit", "Vai trò chỉ áp dụng cho người thuộc một đơn vị.", 422),
    ({"username": "nguoi.moi", "full_name": "Người Mới", "password": "ngan"},
     "password", "Mật khẩu phải có ít nhất 10 ký tự.", 422),
    ({"username": "Người Mới", "full_name": "Người Mới", "password": "Song-Hau-mua-xuan-2024"},
     "username", "Tên đăng nhập gồm 2–60 ký tự", 422),
    ({"username": "nguoi.moi", "full_name": "Người Mới", "password": "Song-Hau-mua-xuan-2024",
      "unit": "so-khong-co", "role": "officer"}, "unit", "Chọn một đơn vị trong danh sách.",
     422),
    ({"username": "nguoi.moi", "full_name": "", "password": "Song-Hau-mua-xuan-2024"},
     "full_name", "Vui lòng nhập trường này.", 422),
])
def test_create_user_bad_input(admin, data, field, message, status):
    before = row_counts()
    response = admin.post("/admin/users/new", data=data)
    assert response.status_code == status
    assert row_counts() == before
    page = parse(response)
    assert message in field_error(page, field)
    if data.get("full_name"):
        assert page.find("input", name="full_name").attrs["value"] == data["full_name"]
    # The password is never written back into the page.
    assert page.find("input", name="password").attrs.get("value", "") == ""


def test_edit_user_unit_role_and_flags(admin):
    page = parse(admin.get("/admin/users/tttt.canbo/edit"))
    assert page.find("select", name="unit").find("option", selected=True).attrs["value"] == \
        "so-tttt"
    response = admin.post("/admin/users/tttt.canbo/edit", data={
        "full_name": "Nguyễn Văn An", "unit": "so-yte", "role": "head", "board": "y",
        "active": "y"})
    assert response.status_code == 303
    edited = user("tttt.canbo")
    assert (edited.full_name, edited.unit.code, edited.role) == ("Nguyễn Văn An", "so-yte", "head")
    assert edited.is_board and not edited.is_admin and edited.active


def test_edit_user_deactivates_and_revokes_tokens(admin, demo):
    token = api_token(demo.test_client(), "tttt.canbo")
    response = admin.post("/admin/users/tttt.canbo/edit", data={
        "full_name": "Cán bộ thi đua Sở TTTT", "unit": "so-tttt", "role": "officer"})
    assert response.status_code == 303
    assert user("tttt.canbo").active is False
    assert demo.test_client().get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert login(demo.test_client(), "tttt.canbo").status_code != 302


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"full_name": "Quản trị", "active": "y"}, "active", "Không áp dụng cho chính bạn."),
    ({"full_name": "Quản trị", "admin": "y"}, "active", "Không áp dụng cho chính bạn."),
])
def test_an_admin_cannot_lock_themselves_out(admin, data, field, message):
    before = row_counts()
    response = admin.post("/admin/users/admin/edit", data=data)
    assert response.status_code == 422
    page = parse(response)
    assert message in field_error(page, field)
    assert "Không tự khóa hoặc tự bỏ quyền quản trị của chính mình." in \
        page.by_id("form-errors").text
    me = user("admin")
    assert me.is_admin and me.active and row_counts() == before


def test_edit_user_bad_input_keeps_what_was_typed(admin):
    before = row_counts()
    response = admin.post("/admin/users/tttt.canbo/edit", data={
        "full_name": "Nguyễn Văn An", "unit": "so-tttt", "role": "", "active": "y"})
    assert response.status_code == 422
    page = parse(response)
    assert "Người thuộc đơn vị phải có vai trò" in field_error(page, "role")
    assert page.find("input", name="full_name").attrs["value"] == "Nguyễn Văn An"
    assert user("tttt.canbo").full_name != "Nguyễn Văn An" and row_counts() == before


def test_deactivate_and_reactivate_a_user_with_the_buttons(admin):
    assert admin.post("/admin/users/tttt.canbo/deactivate").status_code == 303
    assert user("tttt.canbo").active is False
    page = parse(admin.get("/admin/users"))
    assert "Đã khóa tài khoản tttt.canbo." in page.find("main").text
    assert page.by_id("user-tttt.canbo").find("button").text == "Mở khóa"
    # No lock button on one's own row; a forged one is refused.
    assert not page.by_id("user-admin").find_all("button")
    before = row_counts()
    response = admin.post("/admin/users/admin/deactivate")
    assert response.status_code == 422
    assert "Không tự khóa hoặc tự bỏ quyền quản trị của chính mình." in main_text(response)
    assert user("admin").active is True and row_counts() == before
    assert admin.post("/admin/users/tttt.canbo/activate").status_code == 303
    assert user("tttt.canbo").active is True


def test_reset_password(admin, demo):
    token = api_token(demo.test_client(), "tttt.canbo")
    page = parse(admin.get("/admin/users/tttt.canbo/password"))
    assert "Ít nhất 10 ký tự" in page.by_id("password-hint").text
    response = admin.post("/admin/users/tttt.canbo/password", data={
        "password": "Song-Hau-mua-thu-2024", "confirm": "Song-Hau-mua-thu-2024"})
    assert response.status_code == 303
    assert login(demo.test_client(), "tttt.canbo", "Song-Hau-mua-thu-2024").status_code == 302
    assert login(demo.test_client(), "tttt.canbo", DEMO_PASSWORD).status_code != 302
    db.session.expire_all()
    assert all(t.revoked for t in db.session.query(ApiToken).all())
    assert demo.test_client().get("/api/v1/me", headers=bearer(token)).status_code == 401


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"password": "ngan", "confirm": "ngan"}, "password", "Mật khẩu phải có ít nhất 10 ký tự."),
    ({"password": "Song-Hau-mua-thu-2024", "confirm": "Song-Tien-mua-ha-2024"}, "confirm",
     "Hai mật khẩu mới không khớp."),
    ({"password": "", "confirm": ""}, "password", "Vui lòng nhập trường này."),
])
def test_reset_password_bad_input(admin, demo, data, field, message):
    before = row_counts()
    old_hash = user("tttt.canbo").password_hash
    response = admin.post("/admin/users/tttt.canbo/password", data=data)
    assert response.status_code == 422
    assert message in field_error(parse(response), field)
    assert user("tttt.canbo").password_hash == old_hash and row_counts() == before


def test_every_control_of_the_admin_forms_has_a_label(admin):
    for path in ("/admin/units/new", "/admin/units/so-tttt/edit", "/admin/users/new",
                 "/admin/users/tttt.canbo/edit", "/admin/users/tttt.canbo/password",
                 "/admin/import", "/admin/units", "/admin/users", "/admin/campaigns/new",
                 "/board/2021"):
        page = parse(admin.get(path))
        labels = {label.attrs.get("for") for label in page.find_all("label")}
        for form in page.find("main").find_all("form"):
            for control in form.find_all("input") + form.find_all("select"):
                if control.attrs.get("type") in ("hidden", "submit"):
                    continue
                assert control.attrs.get("id") in labels, (path, control.attrs)
