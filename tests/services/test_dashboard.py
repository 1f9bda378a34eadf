"""The board's dashboard: every bloc of a year, proposals across blocs, a constant number of
SQL queries whatever the number of blocs (3 vs 30 blocs of 12 units)."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "documents"))

from conftest import api_token, bearer  # noqa: E402
from many_blocs import ManyBlocs  # noqa: E402
from year import play_year  # noqa: E402

from core.extensions import db  # noqa: E402
from core.models import Registration, Unit  # noqa: E402
from core.services import accounts, campaigns, clock  # noqa: E402


@contextmanager
def counting():
    statements: list[str] = []

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


def queries_for(app, blocs: int) -> int:
    db.drop_all()
    db.create_all()
    admin = accounts.create_user("admin", "Quản trị", "MatKhau@2021", admin=True, actor=None)
    accounts.create_user("board", "Ban TĐKT", "MatKhau@2021", board=True, actor=None)
    plugin = ManyBlocs(blocs)
    app.extensions["thidua"].register(plugin, f"many-{blocs}")
    now = clock.now()
    for b, code in enumerate(plugin.codes):
        units = [Unit(code=f"u{b:02d}-{i:02d}", name=f"Đơn vị {b}-{i}", short_name=f"U{i}",
                      created_at=now) for i in range(12)]
        db.session.add_all(units)
        db.session.commit()
        roles = ["leader", "deputy"] + ["member"] * 10
        campaign = campaigns.open_campaign(
            code, 2021, [campaigns.MemberSpec(u.code, r) for u, r in zip(units, roles, strict=True)],
            actor=admin)
        for unit in units[:6]:
            db.session.add(Registration(campaign_id=campaign.id, unit_id=unit.id,
                                        status="submitted", submitted_at=now, updated_at=now,
                                        late=unit is units[5], version=1))
        db.session.commit()
    client = app.test_client()
    headers = bearer(api_token(client, "board", "MatKhau@2021"))
    client.get("/api/v1/board/2021", headers=headers)
    db.session.remove()
    with counting() as statements:
        response = client.get("/api/v1/board/2021", headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert len(body["blocs"]) == blocs
    step = body["blocs"][0]["steps"][0]
    assert (step["done"], step["total"], len(step["late"])) == (6, 12, 1)
    app.extensions["thidua"].unregister(f"many-{blocs}")
    db.session.remove()
    return len(statements)


def test_constant_queries_3_vs_30_blocs(app):
    assert queries_for(app, 3) == queries_for(app, 30)


def test_dashboard_lists_proposals_across_blocs(app, client, demo):
    play_year(app, client)
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


def test_history_of_bloc_and_unit(app, client, demo):
    play_year(app, client)
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
