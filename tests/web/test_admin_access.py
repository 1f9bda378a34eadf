"""Who may open the board, administration and history pages: anonymous users go to the
sign-in page; unit staff get 403 on the board and admin pages; the board gets the dashboard
and the campaigns but not the people pages; any signed-in user reads the history. A refused
POST changes nothing."""

from __future__ import annotations

import pytest

from tests.support import row_counts
from tests.support.admin_pages import main_text, page_client, parse, user

BOARD_PAGES = ["/board/", "/board/2021", "/board/2021/proposals.xlsx", "/board/2021/proposals.pdf"]
PEOPLE_PAGES = ["/admin/units", "/admin/units/new", "/admin/units/so-tttt/edit", "/admin/users",
                "/admin/users/new", "/admin/users/tttt.canbo/edit",
                "/admin/users/tttt.canbo/password", "/admin/import",
                "/admin/import/example.xlsx"]
CAMPAIGN_PAGES = ["/admin/campaigns", "/admin/campaigns/new?bloc=khoi-8&year=2022"]
HISTORY_PAGES = ["/history/", "/history/blocs/khoi-8", "/history/units/so-tttt"]
POSTS = [
    ("/admin/units/new", {"code": "so-moi", "name": "Sở Mới", "short_name": "SM"}),
    ("/admin/units/so-tttt/edit", {"name": "Tên khác", "short_name": "X"}),
    ("/admin/units/so-tttt/deactivate", {}),
    ("/admin/users/new", {"username": "nguoi.moi", "full_name": "Người Mới",
                          "password": "Song-Hau-mua-xuan-2024"}),
    ("/admin/users/tttt.canbo/edit", {"full_name": "Tên khác", "unit": "so-tttt",
                                      "role": "officer"}),
    ("/admin/users/tttt.canbo/password", {"password": "Song-Hau-mua-thu-2024",
                                          "confirm": "Song-Hau-mua-thu-2024"}),
    ("/admin/users/tttt.canbo/deactivate", {}),
    ("/admin/import/apply", {"token": "x" * 43}),
    ("/admin/campaigns/khoi-8/2021/archive", {}),
]


@pytest.mark.parametrize("path", BOARD_PAGES + PEOPLE_PAGES + CAMPAIGN_PAGES + HISTORY_PAGES)
def test_anonymous_users_are_sent_to_sign_in(demo, path):
    response = page_client(demo, None).get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize(("path", "data"), POSTS)
def test_anonymous_posts_change_nothing(demo, path, data):
    before = row_counts()
    response = page_client(demo, None).post(path, data=data)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert row_counts() == before


@pytest.mark.parametrize("path", BOARD_PAGES + PEOPLE_PAGES + CAMPAIGN_PAGES)
@pytest.mark.parametrize("username", ["tttt.canbo", "vhttdl.thutruong"])
def test_unit_staff_get_403(demo, username, path):
    response = page_client(demo, username).get(path)
    assert response.status_code == 403
    assert "Bạn không có quyền xem trang này." in main_text(response)


@pytest.mark.parametrize("path", PEOPLE_PAGES)
def test_the_board_gets_403_on_the_people_pages(demo, path):
    response = page_client(demo, "bantdkt").get(path)
    assert response.status_code == 403
    assert "Bạn không có quyền xem trang này." in main_text(response)


@pytest.mark.parametrize(("path", "data"), POSTS)
@pytest.mark.parametrize("username", ["tttt.thutruong"])
def test_unit_staff_posts_change_nothing(demo, username, path, data):
    client = page_client(demo, username)
    before = row_counts()
    response = client.post(path, data=data)
    assert response.status_code == 403
    assert row_counts() == before
    assert user("tttt.canbo").active is True


@pytest.mark.parametrize(("path", "data"), [p for p in POSTS if "/campaigns/" not in p[0]])
def test_board_posts_to_people_pages_change_nothing(demo, path, data):
    client = page_client(demo, "bantdkt")
    before = row_counts()
    response = client.post(path, data=data)
    assert response.status_code == 403
    assert row_counts() == before


@pytest.mark.parametrize("path", BOARD_PAGES + CAMPAIGN_PAGES)
def test_the_board_and_admins_see_the_board_and_campaign_pages(demo, path):
    for username in ("bantdkt", "admin"):
        response = page_client(demo, username).get(path)
        assert response.status_code in (200, 302), (username, path, response.status_code)


@pytest.mark.parametrize("path", HISTORY_PAGES)
@pytest.mark.parametrize("username", ["tttt.canbo", "bantdkt", "admin"])
def test_any_signed_in_user_reads_the_history(demo, username, path):
    assert page_client(demo, username).get(path).status_code == 200


def test_nav_links_follow_the_role(demo):
    def links(username: str) -> set[str]:
        nav = parse(page_client(demo, username).get("/")).find("nav", class_="navbar")
        return {a.attrs["href"] for a in nav.find_all("a")}

    admin, board, staff = links("admin"), links("bantdkt"), links("tttt.canbo")
    people = {"/admin/units", "/admin/users", "/admin/import"}
    assert people <= admin and not people & board and not people & staff
    assert {"/board/", "/admin/campaigns"} <= admin & board
    assert "/board/" not in staff and "/admin/campaigns" not in staff
    assert "/history/" in admin & board & staff
    nav = parse(page_client(demo, "admin").get("/admin/users")).find("nav", class_="navbar")
    current = nav.find("a", aria_current="page")
    assert current.attrs["href"] == "/admin/users" and current.text == "Tài khoản"
