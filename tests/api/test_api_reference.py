"""Reference data through the API: units, users, blocs, plugins — and every kind of bad body
refused with a Vietnamese message, ``fields`` and no change to the database."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select

from core.extensions import db
from core.models import Unit, User
from tests.support import api_token, bearer, row_counts, without_extras
from tests.support.plugins import PASSWORD, register_test_plugins, seed_people

UNIT = {"code": "so-nn", "name": "Sở Nông nghiệp và Phát triển nông thôn",
        "short_name": "Sở NN&PTNT"}
USER = {"username": "nn.canbo", "full_name": "Nguyễn Thị Mẫu", "password": "Song-Hau-mua-xuan-2024",
        "unit": "so-tttt", "role": "officer"}
SQL = "'; DROP TABLE users; --"


@pytest.fixture
def admin(app, client):
    seed_people()
    return api_token(client, "admin")


# -- units -------------------------------------------------------------------------------

def test_admin_creates_a_unit(admin, client):
    before = row_counts()
    response = client.post("/api/v1/units", headers=bearer(admin), json=UNIT)
    assert response.status_code == 201
    assert response.get_json() == UNIT
    unit = db.session.scalar(select(Unit).where(Unit.code == "so-nn"))
    assert (unit.name, unit.short_name, unit.active) == (UNIT["name"], UNIT["short_name"], True)
    after = row_counts()
    assert after["units"] == before["units"] + 1
    assert after["audit_events"] == before["audit_events"] + 1


def test_text_is_normalised_to_nfc(admin, client):
    decomposed = "So\u031b\u0309 Nông nghie\u0323\u0302p"  # "Sở Nông nghiệp", typed decomposed
    response = client.post("/api/v1/units", headers=bearer(admin),
                           json={**UNIT, "name": decomposed})
    assert response.status_code == 201
    assert response.get_json()["name"] == "Sở Nông nghiệp"


def test_sql_looking_text_is_stored_as_text(admin, client):
    response = client.post("/api/v1/units", headers=bearer(admin),
                           json={**UNIT, "name": SQL, "short_name": SQL})
    assert response.status_code == 201
    assert db.session.scalar(select(Unit.name).where(Unit.code == "so-nn")) == SQL
    assert "users" in inspect(db.engine).get_table_names()
    assert db.session.scalar(select(User.id).where(User.username == "admin")) is not None


@pytest.mark.parametrize("username", ["tttt.canbo", "bantdkt"])
def test_non_admin_cannot_create_a_unit(client, admin, username):
    token = api_token(client, username)
    before = row_counts()
    response = client.post("/api/v1/units", headers=bearer(token), json=UNIT)
    assert response.status_code == 403
    assert response.get_json() == {"error": {"code": "forbidden",
                                             "message": "Chỉ quản trị viên được tạo đơn vị."}}
    assert row_counts() == before


def test_duplicate_unit_code_is_409(admin, client):
    before = row_counts()
    response = client.post("/api/v1/units", headers=bearer(admin),
                           json={**UNIT, "code": "so-tttt"})
    assert response.status_code == 409
    assert response.get_json() == {"error": {
        "code": "unit_exists", "message": "Mã đơn vị 'so-tttt' đã tồn tại.",
        "fields": {"code": ["Mã đơn vị đã tồn tại."]}}}
    assert row_counts() == before


REQUIRED = "Vui lòng nhập trường này."
WRONG_TYPE = "Sai kiểu dữ liệu."
SLUG = "Mã chỉ gồm chữ thường không dấu, số và dấu gạch ngang (ví dụ: so-tttt)."


@pytest.mark.parametrize(("body", "fields"), [
    ({}, {"code": [REQUIRED], "name": [REQUIRED], "short_name": [REQUIRED]}),
    ({"code": "", "name": "  ", "short_name": ""},
     {"code": [REQUIRED], "name": [REQUIRED], "short_name": [REQUIRED]}),
    ({**UNIT, "name": "Sở " * 3334}, {"name": ["Tối đa 200 ký tự."]}),
    ({**UNIT, "code": "x" * 10000}, {"code": ["Tối đa 40 ký tự."]}),
    ({**UNIT, "code": SQL}, {"code": [SLUG]}),
    ({**UNIT, "code": "Sở-TTTT"}, {"code": [SLUG]}),
    ({**UNIT, "code": True}, {"code": [WRONG_TYPE]}),
    ({**UNIT, "code": 123}, {"code": [WRONG_TYPE]}),
    ({**UNIT, "name": 1.5, "short_name": ["Sở"]}, {"name": [WRONG_TYPE],
                                                    "short_name": [WRONG_TYPE]}),
    ({**UNIT, "name": {"vi": "Sở"}}, {"name": [WRONG_TYPE]}),
    ({**UNIT, "name": "Sở\x00NN"}, {"name": ["Dữ liệu chứa ký tự điều khiển không hợp lệ."]}),
    ({**UNIT, "name": "Sở \ufffd"}, {"name": ["Dữ liệu không phải UTF-8 hợp lệ."]}),
], ids=["empty", "blank", "10000-chars", "10000-char-code", "sql-code", "capitals",
        "bool", "int", "float-and-list", "object", "control-char", "replacement-char"])
def test_bad_unit_bodies_are_422(admin, client, body, fields):
    before = row_counts()
    response = client.post("/api/v1/units", headers=bearer(admin), json=body)
    assert response.status_code == 422
    assert response.get_json() == {"error": {
        "code": "validation_failed", "message": "Dữ liệu không hợp lệ.", "fields": fields}}
    assert row_counts() == before


MALFORMED = "Yêu cầu không hợp lệ (JSON sai cú pháp hoặc không phải UTF-8)."
NOT_OBJECT = "Nội dung yêu cầu phải là một đối tượng JSON."


@pytest.mark.parametrize(("data", "status", "error"), [
    (b'{"code": "\xff"}', 400,
     {"code": "malformed", "message": MALFORMED, "fields": {"body": [MALFORMED]}}),
    (b'{"code": "so-nn", "name": "S\xe1\xbb', 400,
     {"code": "malformed", "message": MALFORMED, "fields": {"body": [MALFORMED]}}),
    (b"", 400, {"code": "malformed", "message": MALFORMED, "fields": {"body": [MALFORMED]}}),
    (b"{code: 'so-nn'}", 400,
     {"code": "malformed", "message": MALFORMED, "fields": {"body": [MALFORMED]}}),
    # JSON that is not an object: 400 bad_request on every JSON endpoint (issue 14).
    (b"[]", 400,
     {"code": "bad_request", "message": NOT_OBJECT, "fields": {"body": [NOT_OBJECT]}}),
    (b'"so-nn"', 400,
     {"code": "bad_request", "message": NOT_OBJECT, "fields": {"body": [NOT_OBJECT]}}),
], ids=["invalid-utf8", "truncated-utf8", "empty", "not-json", "array", "string"])
def test_malformed_bodies(admin, client, data, status, error):
    before = row_counts()
    response = client.post("/api/v1/units", headers=bearer(admin), data=data,
                           content_type="application/json")
    assert response.status_code == status
    assert response.get_json() == {"error": error}
    assert row_counts() == before


def test_a_body_that_is_not_json_is_415(admin, client):
    before = row_counts()
    response = client.post("/api/v1/units", headers=bearer(admin), data=UNIT)
    assert response.status_code == 415
    assert response.get_json()["error"] == {
        "code": "unsupported_media_type",
        "message": "Nội dung phải là JSON (Content-Type: application/json)."}
    assert row_counts() == before


def test_a_too_large_body_is_413(admin, client, app):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    before = row_counts()
    response = client.post("/api/v1/units", headers=bearer(admin),
                           json={**UNIT, "name": "x" * 4096})
    assert response.status_code == 413
    assert response.get_json()["error"] == {"code": "too_large",
                                            "message": "Dữ liệu gửi lên quá lớn."}
    assert row_counts() == before


# -- users -------------------------------------------------------------------------------

def test_admin_creates_a_user_who_can_sign_in(admin, client):
    before = row_counts()
    response = client.post("/api/v1/users", headers=bearer(admin), json=USER)
    assert response.status_code == 201
    assert response.get_json() == {"username": "nn.canbo", "full_name": "Nguyễn Thị Mẫu",
                                   "unit": "so-tttt", "role": "officer", "admin": False,
                                   "board": False}
    assert row_counts()["users"] == before["users"] + 1
    stored = db.session.scalar(select(User.password_hash).where(User.username == "nn.canbo"))
    assert USER["password"] not in stored and stored.startswith("$argon2")
    token = api_token(client, "nn.canbo", USER["password"])
    assert client.get("/api/v1/me", headers=bearer(token)).get_json()["unit"] == "so-tttt"


def test_admin_creates_a_board_user_without_unit(admin, client):
    body = {"username": "ban.moi", "full_name": "Cán bộ Ban", "password": "Song-Hau-mua-xuan-2024",
            "board": True}
    response = client.post("/api/v1/users", headers=bearer(admin), json=body)
    assert response.status_code == 201
    assert response.get_json() == {"username": "ban.moi", "full_name": "Cán bộ Ban",
                                   "unit": None, "role": None, "admin": False, "board": True}


@pytest.mark.parametrize("username", ["tttt.canbo", "tttt.thutruong", "bantdkt"])
def test_non_admin_cannot_create_a_user(admin, client, username):
    token = api_token(client, username)
    before = row_counts()
    response = client.post("/api/v1/users", headers=bearer(token),
                           json={**USER, "admin": True})
    assert response.status_code == 403
    assert response.get_json()["error"] == {
        "code": "forbidden", "message": "Chỉ quản trị viên được tạo tài khoản."}
    assert row_counts() == before


@pytest.mark.parametrize(("body", "status", "fields"), [
    ({}, 422, {"username": [REQUIRED], "full_name": [REQUIRED], "password": [REQUIRED]}),
    ({**USER, "password": "ngan1"}, 422, {"password": ["Mật khẩu phải có ít nhất 10 ký tự."]}),
    ({**USER, "password": "password12"}, 422, {"password": [
        "Mật khẩu quá dễ đoán (mật khẩu phổ biến, tên, năm, chuỗi bàn phím…). Hãy dùng "
        "một cụm vài từ dễ nhớ với bạn, ví dụ: \"Mua-xuan tren Song Hau 7\"."]}),
    ({**USER, "username": SQL}, 422, {"username": [
        "Tên đăng nhập gồm 2–60 ký tự: chữ thường không dấu, số, '.', '_' hoặc '-'."]}),
    ({**USER, "full_name": "Nguyễn " * 1500}, 422, {"full_name": ["Tối đa 200 ký tự."]}),
    ({**USER, "admin": "true"}, 422, {"admin": [WRONG_TYPE]}),
    ({**USER, "board": 1}, 422, {"board": [WRONG_TYPE]}),
    ({**USER, "role": ["head"]}, 422, {"role": [WRONG_TYPE]}),
    ({**USER, "role": "chief"}, 422, {"role": ["Chọn cán bộ phụ trách hoặc thủ trưởng."]}),
    ({**USER, "unit": "so-khong-co"}, 422, {"unit": ["Không có đơn vị này."]}),
    ({**USER, "role": None}, 422, {"role": [
        "Người thuộc đơn vị phải có vai trò officer (cán bộ) hoặc head (thủ trưởng)."]}),
    ({**USER, "unit": None}, 422, {"unit": ["Vai trò chỉ áp dụng cho người thuộc một đơn vị."]}),
    ({**USER, "username": "tttt.canbo"}, 409, {"username": ["Tên đăng nhập đã tồn tại."]}),
    ({**USER, "username": "TTTT.CANBO"}, 409, {"username": ["Tên đăng nhập đã tồn tại."]}),
], ids=["empty", "short-password", "common-password", "sql-username", "long-name",
        "bool-as-text", "bool-as-number", "list", "bad-role", "unknown-unit",
        "unit-without-role", "role-without-unit", "duplicate", "duplicate-case"])
def test_bad_user_bodies(admin, client, body, status, fields):
    before = row_counts()
    response = client.post("/api/v1/users", headers=bearer(admin), json=body)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["fields"] == fields
    assert error["message"]
    assert row_counts() == before


# -- blocs and plugins -------------------------------------------------------------------

def test_blocs(admin, client, app):
    register_test_plugins(app)
    token = api_token(client, "tttt.canbo")
    assert client.get("/api/v1/blocs", headers=bearer(token)).get_json() == [
        {"code": "khoi-8", "name": "Khối thi đua Khối 8", "plugin": "khoi8", "years": [2021],
         "opened_years": []},
        {"code": "khoi-thu-nghiem", "name": "Khối thi đua thử nghiệm", "plugin": "khoi_thu",
         "years": [2024, 2025], "opened_years": []},
    ]
    client.post("/api/v1/campaigns", headers=bearer(admin), json={
        "bloc": "khoi-8", "year": 2021, "members": [{"unit": "so-tttt", "role": "leader"}]})
    blocs = client.get("/api/v1/blocs", headers=bearer(token)).get_json()
    assert blocs[0]["opened_years"] == [2021] and blocs[1]["opened_years"] == []


def test_plugins_list_shape(admin, client, app):
    register_test_plugins(app)
    rows = without_extras(client.get("/api/v1/plugins", headers=bearer(admin)).get_json())
    assert [r["name"] for r in rows] == ["khoi8", "khoi_thu", "tinh_thu_nghiem"]
    for row in rows:
        assert {"name", "version", "hooks", "blocs"} <= set(row)
    assert rows[2]["blocs"] == [] and rows[2]["hooks"] == ["thidua_voting_procedure"]
    assert rows[1]["blocs"][0]["years"] == [2024, 2025]


def test_password_is_not_echoed_on_error(admin, client):
    response = client.post("/api/v1/users", headers=bearer(admin),
                           json={**USER, "password": "ngan1"})
    assert "ngan1" not in response.get_data(as_text=True)
    assert PASSWORD not in response.get_data(as_text=True)
