"""API authentication (shared/API.md): tokens, the per-account limit, who am I, and the
401 error shape for a missing, forged or malformed ``Authorization`` header."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select, text

from core.extensions import db
from core.models import ApiToken, AuditEvent
from tests.support import api_token, bearer, row_counts
from tests.support.plugins import PASSWORD, seed_people

UNAUTHORIZED = {"error": {"code": "unauthorized", "message":
                          "Cần đăng nhập: gửi mã truy cập trong tiêu đề Authorization."}}


@pytest.fixture
def people(app):
    seed_people()
    app.config["THIDUA_LOGIN_LIMIT"] = "5 per 15 minutes"
    return app


def test_token_is_issued_and_only_its_hash_is_stored(people, client):
    before = row_counts()
    response = client.post("/api/v1/tokens", json={"username": "tttt.canbo",
                                                   "password": PASSWORD})
    assert response.status_code == 201
    token = response.get_json()["token"]
    assert set(response.get_json()) == {"token"} and len(token) >= 32
    (row,) = db.session.scalars(select(ApiToken)).all()
    assert row.user.username == "tttt.canbo"
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    raw = db.session.execute(text("SELECT * FROM api_tokens")).all()
    assert token not in repr(raw)
    after = row_counts()
    assert after["api_tokens"] == before["api_tokens"] + 1
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.object_id) == ("token.issue", "tttt.canbo")
    assert token not in repr(event.details)
    # Two sign-ins, two different tokens, both valid.
    second = api_token(client, "tttt.canbo")
    assert second != token
    for t in (token, second):
        assert client.get("/api/v1/me", headers=bearer(t)).status_code == 200


def test_username_is_case_insensitive(people, client):
    response = client.post("/api/v1/tokens", json={"username": "  TTTT.CanBo ",
                                                   "password": PASSWORD})
    assert response.status_code == 201


@pytest.mark.parametrize("body", [
    {"username": "tttt.canbo", "password": "sai-mat-khau-1"},
    {"username": "khong-ton-tai", "password": PASSWORD},
], ids=["wrong-password", "unknown-user"])
def test_wrong_credentials_are_401_in_vietnamese(people, client, body):
    before = row_counts()
    response = client.post("/api/v1/tokens", json=body)
    assert response.status_code == 401
    assert response.get_json() == {"error": {
        "code": "invalid_credentials", "message": "Tên đăng nhập hoặc mật khẩu không đúng."}}
    assert row_counts() == before


def test_inactive_user_gets_no_token(people, client):
    from core.models import User

    user = db.session.scalar(select(User).where(User.username == "tttt.canbo"))
    user.active = False
    db.session.commit()
    response = client.post("/api/v1/tokens", json={"username": "tttt.canbo",
                                                   "password": PASSWORD})
    assert response.status_code == 401


def test_tokens_are_rate_limited_per_account(people, client):
    wrong = {"username": "tttt.canbo", "password": "sai-mat-khau-1"}
    for _attempt in range(5):
        assert client.post("/api/v1/tokens", json=wrong).status_code == 401
    before = row_counts()
    response = client.post("/api/v1/tokens", json=wrong)
    assert response.status_code == 429
    assert response.get_json() == {"error": {
        "code": "too_many_attempts",
        "message": "Tài khoản tạm bị khóa do đăng nhập sai nhiều lần. Vui lòng thử lại sau "
                   "ít phút."}}
    # Locked: even the right password is refused for now, and nothing is written.
    right = {"username": "tttt.canbo", "password": PASSWORD}
    assert client.post("/api/v1/tokens", json=right).status_code == 429
    assert client.post("/api/v1/tokens", json={**right, "username": "TTTT.CANBO"}) \
        .status_code == 429
    assert row_counts() == before
    # Per account, not per address: another user on the same address signs in.
    assert client.post("/api/v1/tokens", json={"username": "tttt.thutruong",
                                               "password": PASSWORD}).status_code == 201


def test_me(people, client):
    token = api_token(client, "tttt.thutruong")
    response = client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 200
    assert response.get_json() == {
        "username": "tttt.thutruong", "full_name": "Thủ trưởng Sở TT&TT", "unit": "so-tttt",
        "role": "head", "admin": False, "board": False}
    board = client.get("/api/v1/me", headers=bearer(api_token(client, "bantdkt"))).get_json()
    assert (board["unit"], board["role"], board["admin"], board["board"]) == (
        None, None, False, True)


@pytest.mark.parametrize("header", [
    None,
    "",
    "Bearer",
    "Bearer ",
    "Bearer forged-token-that-was-never-issued",
    "Bearer " + "x" * 5000,
    "Basic dHR0dC5jYW5ibzpUaGlEdWFAMjAyMQ==",
    "Token {token}",
    "{token}",
    "Bearer {token}x",
    "Bearer {token} extra",
], ids=["missing", "empty", "scheme-only", "scheme-space", "forged", "huge", "basic",
        "other-scheme", "no-scheme", "altered", "trailing-words"])
def test_missing_forged_or_malformed_authorization_is_401(people, client, header):
    token = api_token(client, "tttt.canbo")
    headers = {} if header is None else {"Authorization": header.format(token=token)}
    before = row_counts()
    for method, path in (("get", "/api/v1/me"), ("get", "/api/v1/campaigns"),
                         ("post", "/api/v1/units")):
        response = getattr(client, method)(path, headers=headers, json={})
        assert response.status_code == 401, (method, path)
        assert response.get_json() == UNAUTHORIZED
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="thidua"'
        assert response.mimetype == "application/json"
    assert row_counts() == before


def test_revoked_token_is_401(people, client):
    token = api_token(client, "tttt.canbo")
    row = db.session.scalar(select(ApiToken))
    row.revoked = True
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(token)).get_json() == UNAUTHORIZED


@pytest.mark.parametrize("body", [
    {}, {"username": "tttt.canbo"}, {"username": "", "password": ""},
    {"username": ["tttt.canbo"], "password": PASSWORD},
    {"username": "tttt.canbo", "password": 12345678901},
], ids=["empty", "no-password", "blank", "list", "number"])
def test_token_request_validation(people, client, body):
    before = row_counts()
    response = client.post("/api/v1/tokens", json=body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["message"] == "Dữ liệu không hợp lệ."
    assert error["fields"]
    assert row_counts() == before
