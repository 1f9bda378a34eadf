"""The status grid, ranking and campaign pages run a constant number of SQL queries whatever
the number of units (8 vs 40); the history pages, the campaign lists and the dashboard
whatever the number of years of data (1 vs 5)."""



from core.extensions import db
from tests.support import api_token, bearer, counting, login
from tests.support.bulk import build

PAGES = [
    "/api/v1/campaigns/khoi-8/2021",
    "/api/v1/campaigns/khoi-8/2021/status",
    "/api/v1/campaigns/khoi-8/2021/ranking",
    "/campaigns/khoi-8/2021",
    "/campaigns/khoi-8/2021/status",
    "/campaigns/khoi-8/2021/ranking",
]


def queries_for(app, units: int) -> dict[str, int]:
    with app.app_context():
        db.drop_all()
        db.create_all()
        build(units)
        client = app.test_client()
        headers = bearer(api_token(client, "leader", "Song-Hau-mua-xuan-2021"))
        login(client, "leader", "Song-Hau-mua-xuan-2021")
        counts = {}
        for path in PAGES:
            headers_for = headers if path.startswith("/api/") else {}
            client.get(path, headers=headers_for)  # warm caches (plugins, sessions)
            db.session.remove()  # each request starts with an empty identity map
            with counting() as statements:
                response = client.get(path, headers=headers_for)
            assert response.status_code == 200, (path, response.status_code)
            counts[path] = len(statements)
        db.session.remove()
        return counts


def test_constant_queries_8_vs_40_units(app):
    small = queries_for(app, 8)
    large = queries_for(app, 40)
    assert small == large, {"8 units": small, "40 units": large}


# -- history: the same SQL with 1 year of data as with 5 (issue 15) ------------------------

HISTORY_PAGES = [
    ("board", "/history/blocs/khoi-t00"),
    ("board", "/api/v1/history/blocs/khoi-t00"),
    ("officer", "/history/units/u00-00"),
    ("officer", "/api/v1/history/units/u00-00"),
    ("officer", "/"),  # the unit's campaigns, each with its timeline and the unit's role
    ("officer", "/api/v1/campaigns"),
    ("board", "/api/v1/campaigns"),
    ("board", "/"),  # every campaign of the province
    ("board", "/board/2021"),
]


def history_queries(app, years: int) -> dict[str, int]:
    from tests.support.many_years import PASSWORD, build_years

    with app.app_context():
        db.drop_all()
        db.create_all()
        build_years(app, 3, years)
        counts = {}
        try:
            for username in ("board", "officer"):
                client = app.test_client()
                headers = bearer(api_token(client, username, PASSWORD))
                login(client, username, PASSWORD)
                for who, path in HISTORY_PAGES:
                    if who != username:
                        continue
                    headers_for = headers if path.startswith("/api/") else {}
                    client.get(path, headers=headers_for)  # warm caches
                    db.session.remove()
                    with counting() as statements:
                        response = client.get(path, headers=headers_for)
                    assert response.status_code == 200, (path, response.status_code)
                    counts[f"{username} {path}"] = len(statements)
        finally:
            app.extensions["thidua"].unregister(name="many-years")
            db.session.remove()
        return counts


def test_constant_queries_1_vs_5_years(app):
    one = history_queries(app, 1)
    five = history_queries(app, 5)
    assert one == five, {"1 year": one, "5 years": five}
