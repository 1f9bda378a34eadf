"""The board's dashboard: every bloc of a year, proposals across blocs, a constant number of
SQL queries whatever the number of blocs (3 vs 30 blocs of 12 units)."""

from __future__ import annotations

from core.extensions import db
from tests.support import api_token, bearer, counting, login
from tests.support.html import parse
from tests.support.many_blocs import build_blocs


def queries_for(app, blocs: int) -> tuple[int, int]:
    """SQL statements run by GET /api/v1/board/2021 and by the page GET /board/2021 with
    ``blocs`` blocs of 12 units, 6 registered (one of them late)."""
    db.drop_all()
    db.create_all()
    build_blocs(app, blocs)
    try:
        client = app.test_client()
        headers = bearer(api_token(client, "board", "Song-Hau-mua-xuan-2021"))
        client.get("/api/v1/board/2021", headers=headers)
        db.session.remove()
        with counting() as statements:
            response = client.get("/api/v1/board/2021", headers=headers)
        assert response.status_code == 200
        body = response.get_json()
        assert len(body["blocs"]) == blocs
        step = body["blocs"][0]["steps"][0]
        assert (step["done"], step["total"], len(step["late"])) == (6, 12, 1)
        api = len(statements)

        pages = app.test_client()
        assert login(pages, "board", "Song-Hau-mua-xuan-2021").status_code == 302
        pages.get("/board/2021")
        db.session.remove()
        with counting() as statements:
            response = pages.get("/board/2021")
        assert response.status_code == 200
        page = parse(response)
        rows = page.by_id("blocs").find("tbody").find_all("tr")
        assert len(rows) == blocs
        step = page.by_id("step-khoi-t00-registration")
        assert step.find("strong", class_="count").text == "6/12"
        assert step.find("details", class_="late").find("summary").text == "Gửi trễ hạn: 1"
        return api, len(statements)
    finally:
        app.extensions["thidua"].unregister(f"many-{blocs}")
        db.session.remove()


def test_constant_queries_3_vs_30_blocs(app):
    """The API and the dashboard page (one world per size for both: it takes a while)."""
    (api_small, page_small), (api_large, page_large) = queries_for(app, 3), queries_for(app, 30)
    assert api_small == api_large, {"3 blocs": api_small, "30 blocs": api_large}
    assert page_small == page_large, {"3 blocs": page_small, "30 blocs": page_large}


def test_dashboard_lists_proposals_across_blocs(app, client, played_year):
    headers = bearer(api_token(client, "bantdkt"))
    body = client.get("/api/v1/board/2021", headers=headers).get_json()
    khoi = body["blocs"][0]
    assert khoi["bloc"] == "khoi-8" and khoi["verification_locked"] is True
    registration = khoi["steps"][0]
    assert registration["done"] == 7 and registration["missing"] == ["Sở Tư pháp"]
    awards = {(p["award"], p["unit"]): p for p in body["proposals"]}
    flag = awards[("Đề nghị tặng Cờ thi đua của UBND tỉnh", "so-vhttdl")]
    assert flag["share"] == 0.875 and flag["votes"] == 7 and flag["published"] is True
    assert flag["verified_total"] > 0
    assert {p["unit"] for p in body["proposals"]} == {"so-vhttdl", "so-yte", "so-khcn"}


def test_only_board_and_admin(app, client, demo):
    officer = bearer(api_token(client, "tttt.canbo"))
    assert client.get("/api/v1/board/2021", headers=officer).status_code == 403
    board = bearer(api_token(client, "bantdkt"))
    assert client.get("/api/v1/board/2021", headers=board).status_code == 200


def test_history_of_bloc_and_unit(app, client, played_year):
    headers = bearer(api_token(client, "bantdkt"))
    bloc = client.get("/api/v1/history/blocs/khoi-8", headers=headers).get_json()
    year = bloc["years"][0]
    assert year["year"] == 2021 and year["leader"] == "Sở Thông tin và Truyền thông"
    assert {"award": "Đề nghị tặng Cờ thi đua của UBND tỉnh",
            "units": ["Sở Văn hóa, Thể thao và Du lịch"]} in year["awards"]
    unit = client.get("/api/v1/history/units/so-ldtbxh", headers=headers).get_json()
    assert unit["years"][0]["elected"] == ["leader"]
    assert unit["years"][0]["rank"] >= 1 and unit["years"][0]["of"] == 8
    assert client.get("/api/v1/history/units/so-khong-co", headers=headers).status_code == 404
