"""Signing in and out, the per-account sign-in limit, the session cookie, changing one's
password."""

from __future__ import annotations

from tests.support import DEMO_PASSWORD, login, row_counts
from tests.support.html import parse

NEW_PASSWORD = "Mat-khau-moi-2021"


def signed_in_user(client) -> str | None:
    with client.session_transaction() as session:
        return session.get("_user_id")


def test_sign_in_sets_an_httponly_lax_session_cookie(client, demo):
    response = login(client, "tttt.canbo")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert len(cookies) == 1
    attributes = [part.strip().lower() for part in cookies[0].split(";")]
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert signed_in_user(client) is not None
    page = parse(client.get("/"))
    assert page.find("h1").text == "Xin chào, Cán bộ thi đua Sở TT&TT"
    assert "Đăng nhập thành công." in page.find("main").text


def test_wrong_password_is_refused_in_vietnamese_without_a_session(client, demo):
    before = row_counts()
    response = login(client, "tttt.canbo", "Sai-mat-khau-1")
    assert response.status_code == 401
    page = parse(response)
    assert page.by_id("login-error").text == "Tên đăng nhập hoặc mật khẩu không đúng."
    assert page.by_id("login-error").attrs["role"] == "alert"
    # The user name stays in the form, the password does not.
    assert page.find("input", id="username").attrs["value"] == "tttt.canbo"
    assert page.find("input", id="password").attrs.get("value", "") == ""
    assert signed_in_user(client) is None
    assert not any(c.startswith("session=") for c in response.headers.getlist("Set-Cookie"))
    assert client.get("/").status_code == 302
    assert row_counts() == before


def test_unknown_user_gets_the_same_answer(client, demo):
    response = login(client, "khong-co-ai", DEMO_PASSWORD)
    assert response.status_code == 401
    assert parse(response).by_id("login-error").text == "Tên đăng nhập hoặc mật khẩu không đúng."


def test_sixth_attempt_on_an_account_is_refused_even_with_the_right_password(client, demo):
    for attempt in range(5):
        response = login(client, "tttt.canbo", f"Sai-mat-khau-{attempt}")
        assert response.status_code == 401, attempt
    response = login(client, "tttt.canbo", DEMO_PASSWORD)
    assert response.status_code == 429
    assert parse(response).by_id("login-error").text == (
        "Tài khoản tạm bị khóa do đăng nhập sai nhiều lần. Vui lòng thử lại sau ít phút.")
    assert signed_in_user(client) is None
    # The limit is per account: a colleague behind the same address signs in.
    response = login(client, "ldtbxh.canbo", DEMO_PASSWORD)
    assert response.status_code == 302
    assert signed_in_user(client) is not None
    assert "Sở LĐ-TB&XH" in parse(client.get("/")).find("h1").text


def test_user_name_case_does_not_escape_the_limit(client, demo):
    for attempt in range(5):
        assert login(client, "TTTT.CanBo", f"Sai-{attempt}-x").status_code == 401
    assert login(client, "tttt.canbo", DEMO_PASSWORD).status_code == 429


def test_next_goes_back_only_to_this_site(client, demo):
    response = client.post("/login?next=/campaigns/khoi-8/2021",
                           data={"username": "tttt.canbo", "password": DEMO_PASSWORD})
    assert response.headers["Location"] == "/campaigns/khoi-8/2021"
    client.post("/logout")
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = client.post(f"/login?next={target}",
                               data={"username": "tttt.canbo", "password": DEMO_PASSWORD})
        assert response.headers["Location"] == "/", target
        client.post("/logout")


def test_sign_out_needs_post(client, demo):
    login(client, "tttt.canbo")
    response = client.get("/logout")
    assert response.status_code == 405
    assert signed_in_user(client) is not None
    response = client.post("/logout")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert signed_in_user(client) is None
    page = parse(client.get("/login"))
    assert "Bạn đã đăng xuất." in page.find("main").text
    assert client.get("/").status_code == 302


def test_change_password_and_the_old_one_stops_working(client, demo):
    login(client, "tttt.canbo")
    page = parse(client.get("/account/password"))
    for name, label in (("current", "Mật khẩu hiện tại"), ("new", "Mật khẩu mới"),
                        ("confirm", "Nhập lại mật khẩu mới")):
        assert page.find("label", for_=name).text == label
    assert page.find("input", id="new").attrs["aria-describedby"] == "new-hint"
    response = client.post("/account/password", data={
        "current": DEMO_PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert "Đã đổi mật khẩu." in parse(client.get("/")).find("main").text
    client.post("/logout")
    assert login(client, "tttt.canbo", DEMO_PASSWORD).status_code == 401
    assert login(client, "tttt.canbo", NEW_PASSWORD).status_code == 302


def test_wrong_current_password_is_shown_next_to_its_field(client, demo):
    login(client, "tttt.canbo")
    before = row_counts()
    response = client.post("/account/password", data={
        "current": "Khong-dung-123", "new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 422
    page = parse(response)
    field = page.find("input", id="current")
    assert field.attrs["aria-invalid"] == "true"
    assert field.attrs["aria-describedby"] == "current-error"
    assert page.by_id("current-error").text == "Mật khẩu hiện tại không đúng."
    # The summary at the top links to the field.
    assert page.by_id("form-errors").find("a", href="#current").text == \
        "Mật khẩu hiện tại: Mật khẩu hiện tại không đúng."
    assert row_counts() == before
    client.post("/logout")
    assert login(client, "tttt.canbo", DEMO_PASSWORD).status_code == 302


def test_new_passwords_must_match_and_be_strong(client, demo):
    login(client, "tttt.canbo")
    response = client.post("/account/password", data={
        "current": DEMO_PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"})
    assert response.status_code == 422
    assert parse(response).by_id("confirm-error").text == "Hai mật khẩu mới không khớp."
    response = client.post("/account/password", data={
        "current": DEMO_PASSWORD, "new": "ngan1", "confirm": "ngan1"})
    assert response.status_code == 422
    page = parse(response)
    assert page.by_id("new-error").text == "Mật khẩu phải có ít nhất 10 ký tự."
    assert page.find("input", id="new").attrs["aria-describedby"] == "new-hint new-error"
    client.post("/logout")
    assert login(client, "tttt.canbo", DEMO_PASSWORD).status_code == 302
