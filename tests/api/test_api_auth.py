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
    return app


def test_token_is_issued_and_only_its_hash_is_stored(people, client):
    before = row_counts()
    response = client.post("/api/v1/tokens", json={"username": "tttt.canbo",
                                                   "password": PASSWORD})
    assert response.status_code == 201
    token = response.get_json()["token"]
    assert set(response.get_json()) == {"token", "expires_at"} and len(token) >= 32
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
    # Nothing is written but the failure's count (for this address and for the account).
    after = row_counts()
    assert after.pop("sign_in_failures") == before.pop("sign_in_failures") + 2
    assert after == before


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
        "message": "Đăng nhập sai nhiều lần nên phải chờ: vui lòng thử lại sau 30 giây."}}
    # (flask-limiter's headers may round Retry-After up to its own window: never below ours)
    assert int(response.headers["Retry-After"]) >= 30
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


# --- Issue 14: tokens expire, can be listed and given up, and die with the password ------

def _later(app, **delta) -> None:
    from datetime import timedelta

    app.config["THIDUA_NOW"] = app.config["THIDUA_NOW"] + timedelta(**delta)


def test_tokens_expire_after_the_configured_lifetime(people, client):
    from datetime import datetime

    people.config["THIDUA_TOKEN_TTL_HOURS"] = 12
    issued_at = people.config["THIDUA_NOW"]
    response = client.post("/api/v1/tokens", json={"username": "tttt.canbo",
                                                   "password": PASSWORD})
    token = response.get_json()["token"]
    expires = datetime.fromisoformat(response.get_json()["expires_at"])
    assert (expires - issued_at).total_seconds() == 12 * 3600
    _later(people, hours=11, minutes=59)
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    _later(people, minutes=1)
    assert client.get("/api/v1/me", headers=bearer(token)).get_json() == UNAUTHORIZED


def test_the_default_token_lifetime_is_12_hours_and_set_by_the_environment(
        tmp_path, monkeypatch):
    from core.config import from_environment

    monkeypatch.delenv("THIDUA_TOKEN_TTL_HOURS", raising=False)
    assert from_environment(str(tmp_path))["THIDUA_TOKEN_TTL_HOURS"] == 12
    monkeypatch.setenv("THIDUA_TOKEN_TTL_HOURS", "2")
    assert from_environment(str(tmp_path))["THIDUA_TOKEN_TTL_HOURS"] == 2


def test_delete_tokens_revokes_the_bearers_own_token(people, client):
    token, other = api_token(client, "tttt.canbo"), api_token(client, "tttt.canbo")
    response = client.delete("/api/v1/tokens", headers=bearer(token))
    assert response.status_code == 204 and response.data == b""
    assert client.get("/api/v1/me", headers=bearer(token)).get_json() == UNAUTHORIZED
    assert client.delete("/api/v1/tokens", headers=bearer(token)).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(other)).status_code == 200
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.object_id) == ("token.revoke", "tttt.canbo")
    assert client.delete("/api/v1/tokens").get_json() == UNAUTHORIZED


def test_get_tokens_lists_the_owners_live_tokens_without_secrets(people, client):
    people.config["THIDUA_TOKEN_TTL_HOURS"] = 12
    old = api_token(client, "tttt.canbo")
    _later(people, hours=6)
    given_up = api_token(client, "tttt.canbo")
    client.delete("/api/v1/tokens", headers=bearer(given_up))
    current = api_token(client, "tttt.canbo")
    api_token(client, "admin")  # someone else's
    _later(people, hours=7)  # the first one has expired
    newer = api_token(client, "tttt.canbo")
    response = client.get("/api/v1/tokens", headers=bearer(current))
    assert response.status_code == 200
    rows = response.get_json()
    digest = {t: hashlib.sha256(t.encode()).hexdigest() for t in (current, newer)}
    assert [r["prefix"] for r in rows] == [digest[newer][:8], digest[current][:8]]
    assert [r["current"] for r in rows] == [False, True]
    assert set(rows[0]) == {"id", "prefix", "created_at", "expires_at", "last_used_at",
                            "current"}
    assert rows[1]["last_used_at"] is not None
    text_of_answer = response.get_data(as_text=True)
    for secret in (old, given_up, current, newer):
        assert secret not in text_of_answer
    for digest_value in digest.values():
        assert digest_value not in text_of_answer


def test_a_password_change_in_the_browser_revokes_the_api_tokens(people, client):
    token = api_token(client, "tttt.canbo")
    client.post("/login", data={"username": "tttt.canbo", "password": PASSWORD})
    response = client.post("/account/password", data={
        "current": PASSWORD, "new": "Mat-khau-moi-2021", "confirm": "Mat-khau-moi-2021"})
    assert response.status_code == 302
    assert client.get("/api/v1/me", headers=bearer(token)).get_json() == UNAUTHORIZED


def test_an_admin_reset_through_the_api_ends_the_users_sessions_and_tokens(people, client):
    from tests.web.test_auth import _gets_the_sign_in_page

    browser = people.test_client()
    browser.post("/login", data={"username": "tttt.canbo", "password": PASSWORD})
    assert browser.get("/account/password").status_code == 200
    token = api_token(client, "tttt.canbo", PASSWORD)
    admin = api_token(client, "admin", PASSWORD)
    response = client.post("/api/v1/users/tttt.canbo/password", headers=bearer(admin),
                           json={"password": "Song-Hau-mua-thu-2024"})
    assert response.status_code == 200
    assert client.get("/api/v1/me", headers=bearer(token)).get_json() == UNAUTHORIZED
    assert _gets_the_sign_in_page(browser)
    assert client.get("/api/v1/me", headers=bearer(admin)).status_code == 200
