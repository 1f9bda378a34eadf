"""With CSRF protection on (as in production): a missing or forged token is refused with a
Vietnamese page, status 400, and nothing changes."""

from __future__ import annotations

import pytest

from tests.support import DEMO_PASSWORD
from tests.support.html import counts, csrf_token, parse

CSRF_MESSAGE = "mã bảo vệ CSRF"


def sign_in(client, username: str = "tttt.canbo") -> None:
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"csrf_token": token, "username": username,
                                           "password": DEMO_PASSWORD})
    assert response.status_code == 302


def signed_in_user(client) -> str | None:
    with client.session_transaction() as session:
        return session.get("_user_id")


def assert_refused(response) -> None:
    assert response.status_code == 400
    page = parse(response)
    assert page.find("html").attrs["lang"] == "vi"
    assert CSRF_MESSAGE in page.find("main").text
    assert "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ" in page.find("main").text


@pytest.mark.parametrize("token", [None, "forged-token", ""])
def test_sign_in_without_a_valid_token_is_refused(csrf_app, token):
    client = csrf_app.test_client()
    client.get("/login")
    before = counts(csrf_app)
    data = {"username": "tttt.canbo", "password": DEMO_PASSWORD}
    if token is not None:
        data["csrf_token"] = token
    assert_refused(client.post("/login", data=data))
    assert signed_in_user(client) is None
    assert counts(csrf_app) == before


def test_sign_in_with_the_pages_token_works(csrf_app):
    client = csrf_app.test_client()
    sign_in(client)
    assert signed_in_user(client) is not None


def test_sign_out_without_a_token_keeps_the_user_signed_in(csrf_app):
    client = csrf_app.test_client()
    sign_in(client)
    assert_refused(client.post("/logout"))
    assert_refused(client.post("/logout", data={"csrf_token": "forged"}))
    assert signed_in_user(client) is not None
    assert client.get("/").status_code == 200
    # The token the page carries in its sign-out form does sign out.
    token = parse(client.get("/")).find("form", action="/logout").find(
        "input", name="csrf_token").attrs["value"]
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert signed_in_user(client) is None


def test_change_password_with_a_forged_token_changes_nothing(csrf_app):
    client = csrf_app.test_client()
    sign_in(client)
    before = counts(csrf_app)
    assert_refused(client.post("/account/password", data={
        "csrf_token": "forged", "current": DEMO_PASSWORD, "new": "Mat-khau-moi-2021",
        "confirm": "Mat-khau-moi-2021"}))
    assert counts(csrf_app) == before
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    sign_in(client)  # the old password still works


def test_open_campaign_with_a_forged_token_changes_nothing(csrf_app):
    client = csrf_app.test_client()
    sign_in(client, "admin")
    before = counts(csrf_app)
    assert_refused(client.post("/admin/campaigns/new", data={
        "csrf_token": "forged", "bloc": "khoi-8", "year": "2022",
        "members-0-unit": "so-tttt", "members-0-role": "leader"}))
    assert counts(csrf_app) == before


def test_token_from_another_session_is_refused(csrf_app):
    other = csrf_app.test_client()
    stolen = csrf_token(other, "/login")
    client = csrf_app.test_client()
    client.get("/login")
    assert_refused(client.post("/login", data={
        "csrf_token": stolen, "username": "tttt.canbo", "password": DEMO_PASSWORD}))
    assert signed_in_user(client) is None
