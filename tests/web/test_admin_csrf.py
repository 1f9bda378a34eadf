"""With CSRF protection on (as in production), every form of the administration pages posts
its token, and a forged one is refused with the Vietnamese page, status 400, nothing changed."""

from __future__ import annotations

import io

import pytest

from tests.support import DEMO_PASSWORD
from tests.support.admin_pages import UNITS, USERS, parse, workbook
from tests.support.html import counts, csrf_token

POSTS = [
    ("/admin/units/new", {"code": "so-moi", "name": "Sở Mới", "short_name": "SM"}),
    ("/admin/units/so-tttt/edit", {"name": "Tên khác", "short_name": "X"}),
    ("/admin/units/so-tttt/deactivate", {}),
    ("/admin/users/new", {"username": "nguoi.moi", "full_name": "Người Mới",
                          "password": "Song-Hau-mua-xuan-2024"}),
    ("/admin/users/tttt.canbo/password", {"password": "Song-Hau-mua-thu-2024",
                                          "confirm": "Song-Hau-mua-thu-2024"}),
    ("/admin/users/tttt.canbo/deactivate", {}),
    ("/admin/campaigns/khoi-8/2021/archive", {}),
]


def sign_in(client) -> None:
    token = csrf_token(client, "/login")
    assert client.post("/login", data={"csrf_token": token, "username": "admin",
                                       "password": DEMO_PASSWORD}).status_code == 302


@pytest.mark.parametrize(("path", "data"), POSTS)
def test_a_forged_token_changes_nothing(csrf_app, path, data):  # noqa: F811
    client = csrf_app.test_client()
    sign_in(client)
    before = counts(csrf_app)
    response = client.post(path, data={**data, "csrf_token": "forged"})
    assert response.status_code == 400
    assert "mã bảo vệ CSRF" in parse(response).find("main").text
    assert counts(csrf_app) == before


def test_the_import_with_real_tokens(csrf_app):  # noqa: F811
    client = csrf_app.test_client()
    sign_in(client)
    token = csrf_token(client, "/admin/import")
    preview = client.post("/admin/import", content_type="multipart/form-data", data={
        "csrf_token": token, "file": (io.BytesIO(workbook(UNITS, USERS)), "tinh.xlsx")})
    assert preview.status_code == 200
    apply = parse(preview).find("form", action="/admin/import/apply")
    fields = {i.attrs["name"]: i.attrs["value"] for i in apply.find_all("input")}
    assert set(fields) == {"csrf_token", "token"}
    before = counts(csrf_app)
    forged = client.post("/admin/import/apply", data={**fields, "csrf_token": "forged"})
    assert forged.status_code == 400 and counts(csrf_app) == before
    done = client.post("/admin/import/apply", data=fields)
    assert done.status_code == 200
    after = counts(csrf_app)
    assert (after["units"], after["users"]) == (before["units"] + 2, before["users"] + 3)
