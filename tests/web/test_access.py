"""Who may open which page: anonymous users go to the sign-in page, non-staff get 403 on
/admin, in Vietnamese, and nothing changes."""

from __future__ import annotations

import pytest

from tests.support import login, row_counts
from tests.support.html import parse

SIGNED_IN_PAGES = ["/", "/campaigns/khoi-8/2021", "/account/password", "/admin/plugins",
                   "/admin/campaigns/new"]
ADMIN_PAGES = ["/admin/plugins", "/admin/campaigns/new"]


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_anonymous_users_are_sent_to_sign_in(client, demo, path):
    response = client.get(path)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/login?next=")
    page = parse(client.get(location))
    assert page.find("h1").text == "Đăng nhập"
    assert "Vui lòng đăng nhập để tiếp tục." in page.find("main").text


def test_anonymous_post_to_admin_changes_nothing(client, demo):
    before = row_counts()
    response = client.post("/admin/campaigns/new", data={
        "bloc": "khoi-8", "year": "2022", "members-0-unit": "so-tttt",
        "members-0-role": "leader"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert row_counts() == before


@pytest.mark.parametrize("username", ["tttt.canbo", "tttt.thutruong"])
@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_unit_staff_get_403_on_admin(client, demo, username, path):
    login(client, username)
    response = client.get(path)
    assert response.status_code == 403
    page = parse(response)
    assert "Bạn không có quyền xem trang này." in page.find("main").text
    # The admin links are not offered to them either.
    home = parse(client.get("/"))
    assert not home.find("nav").find_all("a", href="/admin/plugins")


def test_unit_staff_cannot_open_a_campaign(client, demo):
    login(client, "tttt.canbo")
    before = row_counts()
    response = client.post("/admin/campaigns/new", data={
        "bloc": "khoi-8", "year": "2022", "members-0-unit": "so-tttt",
        "members-0-role": "leader"})
    assert response.status_code == 403
    assert row_counts() == before


@pytest.mark.parametrize("username", ["admin", "bantdkt"])
def test_admin_and_board_reach_the_admin_pages(client, demo, username):
    login(client, username)
    for path in ADMIN_PAGES:
        assert client.get(path).status_code == 200, path
    nav = parse(client.get("/admin/plugins")).find("nav")
    current = nav.find("a", aria_current="page")
    assert current.attrs["href"] == "/admin/plugins"


def test_unknown_page_is_a_vietnamese_404(client, demo):
    response = client.get("/khong-co-trang-nay")
    assert response.status_code == 404
    page = parse(response)
    assert page.find("html").attrs["lang"] == "vi"
    assert "Không tìm thấy trang yêu cầu." in page.find("main").text


def test_wrong_method_is_a_vietnamese_405(client, demo):
    response = client.delete("/login")
    assert response.status_code == 405
    assert "không nhận thao tác" in parse(response).find("main").text
