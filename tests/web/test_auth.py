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
    # Nothing is written but the failure's count (for this address and for the account).
    after = row_counts()
    assert after.pop("sign_in_failures") == before.pop("sign_in_failures") + 2
    assert after == before


def test_unknown_user_gets_the_same_answer(client, demo):
    response = login(client, "khong-co-ai", DEMO_PASSWORD)
    assert response.status_code == 401
    assert parse(response).by_id("login-error").text == "Tên đăng nhập hoặc mật khẩu không đúng."


def test_sixth_attempt_from_an_address_waits_even_with_the_right_password(client, demo):
    for attempt in range(5):
        response = login(client, "tttt.canbo", f"Sai-mat-khau-{attempt}")
        assert response.status_code == 401, attempt
    response = login(client, "tttt.canbo", DEMO_PASSWORD)
    assert response.status_code == 429
    assert parse(response).by_id("login-error").text == (
        "Đăng nhập sai nhiều lần nên phải chờ: vui lòng thử lại sau 30 giây.")
    assert signed_in_user(client) is None
    # Per account and address: a colleague behind the same address signs in.
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


# --- Issue 14: ending sessions (session version) and the remember-me cookie -------------

def _old_browser(app, username: str = "tttt.canbo", *, remember: bool = False):
    """A second browser signed in as ``username`` (optionally with "keep me signed in")."""
    browser = app.test_client()
    response = browser.post("/login", data={"username": username, "password": DEMO_PASSWORD,
                                            "remember": "y" if remember else ""})
    assert response.status_code == 302
    assert browser.get("/account/password").status_code == 200
    return browser


def _gets_the_sign_in_page(browser) -> bool:
    response = browser.get("/account/password")
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def _remember_cookie_only(app, browser):
    """A browser that kept only the remember-me cookie (the session cookie ended with the
    browser)."""
    cookie = browser.get_cookie("remember_token")
    assert cookie is not None
    fresh = app.test_client()
    fresh.set_cookie("remember_token", cookie.value)
    return fresh


def test_sign_in_keeps_the_session_version(client, demo):
    login(client, "tttt.canbo")
    user_id, _, version = signed_in_user(client).partition(":")
    assert user_id.isdigit() and version == "0"


def test_a_password_change_ends_the_other_sessions(app, client, demo):
    old = _old_browser(app)
    login(client, "tttt.canbo")
    response = client.post("/account/password", data={
        "current": DEMO_PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    # The browser that changed it stays signed in; the other one gets the sign-in page.
    assert client.get("/account/password").status_code == 200
    assert _gets_the_sign_in_page(old)
    assert signed_in_user(client).endswith(":1")


def test_a_password_change_ends_the_remember_me_cookie(app, client, demo):
    old = _old_browser(app, remember=True)
    kept = _remember_cookie_only(app, old)
    assert kept.get("/account/password").status_code == 200  # the cookie signs in alone
    kept = _remember_cookie_only(app, old)
    login(client, "tttt.canbo")
    client.post("/account/password", data={
        "current": DEMO_PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert _gets_the_sign_in_page(kept)


def test_the_browser_that_changed_its_password_keeps_its_remember_me_cookie(app, demo):
    browser = _old_browser(app, remember=True)
    response = browser.post("/account/password", data={
        "current": DEMO_PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert _remember_cookie_only(app, browser).get("/account/password").status_code == 200


def test_an_admin_reset_ends_every_session_and_remember_me_cookie(app, client, demo):
    old = _old_browser(app, remember=True)
    kept = _remember_cookie_only(app, old)
    login(client, "admin")
    response = client.post("/admin/users/tttt.canbo/password", data={
        "password": "Song-Hau-mua-thu-2024", "confirm": "Song-Hau-mua-thu-2024"})
    assert response.status_code == 303
    assert _gets_the_sign_in_page(old)
    assert _gets_the_sign_in_page(kept)
    # The admin's own session is untouched.
    assert client.get("/admin/users").status_code == 200


def test_an_admin_resetting_their_own_password_stays_signed_in(app, client, demo):
    old = _old_browser(app, "admin")
    login(client, "admin")
    response = client.post("/admin/users/admin/password", data={
        "password": "Song-Hau-mua-thu-2024", "confirm": "Song-Hau-mua-thu-2024"})
    assert response.status_code == 303
    assert client.get("/admin/users").status_code == 200
    assert _gets_the_sign_in_page(old)


def test_sign_out_everywhere_ends_copies_of_the_session_and_remember_me_cookies(
        app, client, demo):
    old = _old_browser(app, remember=True)
    kept = _remember_cookie_only(app, old)
    login(client, "tttt.canbo")
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    assert copy.get("/account/password").status_code == 200
    page = parse(client.get("/account/password"))
    assert page.find("form", action="/logout/everywhere").find("button").text == \
        "Đăng xuất khỏi mọi nơi"
    response = client.post("/logout/everywhere")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "Bạn đã đăng xuất khỏi mọi trình duyệt và thiết bị." in \
        parse(client.get("/login")).find("main").text
    for browser in (client, copy, old, kept):
        assert _gets_the_sign_in_page(browser)
    # Signing in again works, with the new version.
    assert login(client, "tttt.canbo").status_code == 302
    assert signed_in_user(client).endswith(":1")


def test_sign_out_ends_this_browsers_session_and_remember_me_cookie(app, demo):
    browser = _old_browser(app, remember=True)
    assert browser.post("/logout").status_code == 302
    assert _gets_the_sign_in_page(browser)
    assert browser.get_cookie("remember_token") is None


def test_a_session_without_a_version_is_refused(app, client, demo):
    login(client, "tttt.canbo")
    with client.session_transaction() as session:
        session["_user_id"] = session["_user_id"].partition(":")[0]
    assert _gets_the_sign_in_page(client)


def test_the_remember_me_cookie_is_secure_when_secure_cookies_are_on(tmp_path, monkeypatch):
    from core.config import from_environment

    monkeypatch.setenv("THIDUA_SECURE_COOKIES", "1")
    config = from_environment(str(tmp_path))
    assert config["REMEMBER_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["REMEMBER_COOKIE_HTTPONLY"] is True
    assert config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    monkeypatch.delenv("THIDUA_SECURE_COOKIES")
    assert from_environment(str(tmp_path))["REMEMBER_COOKIE_SECURE"] is False


def test_the_remember_me_cookie_carries_secure_httponly_samesite(app, client, demo):
    app.config["REMEMBER_COOKIE_SECURE"] = True
    response = client.post("/login", data={"username": "tttt.canbo",
                                           "password": DEMO_PASSWORD, "remember": "y"},
                           base_url="https://localhost")
    cookies = [c for c in response.headers.getlist("Set-Cookie")
               if c.startswith("remember_token=")]
    assert len(cookies) == 1
    attributes = [part.strip().lower() for part in cookies[0].split(";")]
    assert {"secure", "httponly", "samesite=lax"} <= set(attributes)


def test_sign_out_everywhere_in_english(client, demo):
    login(client, "tttt.canbo")
    client.get("/lang/en")
    page = parse(client.get("/account/password"))
    assert page.find("form", action="/logout/everywhere").find("button").text == \
        "Sign out everywhere"
    client.post("/logout/everywhere")
    assert "You have signed out of every browser and device." in \
        parse(client.get("/login")).find("main").text
