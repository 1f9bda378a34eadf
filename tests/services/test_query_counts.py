"""The status grid, ranking and campaign pages run a constant number of SQL queries whatever
the number of units (8 vs 40)."""



from core.extensions import db
from tests.support import api_token, bearer, counting, login
from tests.support.bulk import build

PAGES = [
    "/api/v1/campaigns/khoi-8/2021",
    "/api/v1/campaigns/khoi-8/2021/status",
    "/api/v1/campaigns/khoi-8/2021/ranking",
    "/campaigns/khoi-8/2021",
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
