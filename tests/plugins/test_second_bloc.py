"""The shipped second bloc (1,000 points, its own calendar, ranked ballots) works end to end
with no change to the core; the province-wide plugin gives default vote rules to a bloc with
none of its own, and Khối 8's own rules win over it."""

from __future__ import annotations

from datetime import datetime

import pytest

from core.config import TIMEZONE
from core.extensions import db, limiter
from core.plugin_api import hookimpl
from core.services import accounts
from core.unit_of_work import unit_of_work
from tests.support import api_token, bearer
from tests.support.databases import DATABASES
from tests.support.guards import FORCE
from tests.support.shares import close_json

BASE = "/api/v1/campaigns/khoi-vhxh/2021"
UNITS = ["so-a", "so-b", "so-c", "so-d", "so-e"]
PASSWORD = "Song-Hau-mua-xuan-2021"


@pytest.fixture
def world(tmp_path):
    app = DATABASES.fresh_app(tmp_path, scratch=True, THIDUA_DISABLED_PLUGINS=[])
    with app.app_context():
        limiter.reset()
        with unit_of_work():
            accounts.create_user("admin", "Quản trị", PASSWORD, admin=True, actor=None)
            accounts.create_user("board", "Ban TĐKT", PASSWORD, board=True, actor=None)
            for code in UNITS:
                accounts.create_unit(code, f"Sở {code[-1].upper()} (minh họa)", code.upper(),
                                     actor=None)
                for role in ("officer", "head"):
                    accounts.create_user(f"{code}.{role}", f"{role} {code}", PASSWORD,
                                         unit_code=code, role=role, actor=None)
        yield app
        db.session.remove()
    DATABASES.release(app)


def at(app, *args):
    app.config["THIDUA_NOW"] = datetime(*args, tzinfo=TIMEZONE)


def headers(client, user):
    return bearer(api_token(client, user, PASSWORD))


def test_shipped_plugins_are_listed(world):
    client = world.test_client()
    rows = {r["name"]: r for r in client.get("/api/v1/plugins",
                                             headers=headers(client, "admin")).get_json()}
    assert rows["khoi_vhxh"]["status"] == "loaded"
    assert rows["khoi_vhxh"]["blocs"][0]["years"] == [2021, 2026]
    assert rows["toan_tinh"]["hooks"] == ["thidua_award_rules", "thidua_voting_procedure"]
    result = world.test_cli_runner().invoke(args=["bloc", "check", "khoi-vhxh", "2021"])
    assert result.exit_code == 0 and "tổng 1000 điểm" in result.output


def test_second_bloc_year_end_to_end(world):
    client = world.test_client()
    admin = headers(client, "admin")
    opened = client.post("/api/v1/campaigns", headers=admin, json={
        "bloc": "khoi-vhxh", "year": 2021,
        "members": [{"unit": u, "role": r} for u, r in
                    zip(UNITS, ["leader", "deputy", "member", "member", "member"], strict=True)]})
    assert opened.status_code == 201, opened.get_json()
    body = opened.get_json()
    assert body["max_total"] == 1000 and body["voting"]["name"] == "ranked_borda"
    items = [c["code"] for g in body["criteria"] if g["kind"] == "item" for c in g["children"]]

    at(world, 2021, 3, 10, 9, 0)
    for unit in UNITS:
        response = client.put(f"{BASE}/registrations/{unit}", headers=headers(client, f"{unit}.officer"),
                              json={"items": [{"criterion": c, "target": "Hoàn thành"} for c in items],
                                    "submit": True})
        assert response.status_code == 200, response.get_json()
    at(world, 2021, 7, 11, 0, 0)  # mid-year is "reject" for this bloc: one day late is refused
    late = client.put(f"{BASE}/reports/so-e/mid_year", headers=headers(client, "so-e.officer"),
                      json={"body": "Muộn", "progress": [], "submit": False})
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "phase_closed"

    at(world, 2021, 12, 1, 9, 0)
    for index, unit in enumerate(UNITS):
        officer = headers(client, f"{unit}.officer")
        scores = [{"criterion": c, "self_score": 30 + index * 5, "evidence": "Báo cáo"}
                  for c in items]
        assert client.put(f"{BASE}/scores/{unit}", headers=officer,
                          json={"items": scores}).status_code == 200
        assert client.put(f"{BASE}/reports/{unit}/year_end", headers=officer, json={
            "body": "Tổng kết", "progress": [{"criterion": c, "percent": 100} for c in items],
            "submit": True}).status_code == 200
    at(world, 2021, 12, 20, 9, 0)
    leader = headers(client, "so-a.officer")
    assert client.post(f"{BASE}/verification/lock", headers=leader, json=FORCE).status_code == 200
    ranking = client.get(f"{BASE}/ranking", headers=leader).get_json()
    assert [r["unit"] for r in ranking] == ["so-e", "so-d", "so-c", "so-b", "so-a"]

    at(world, 2022, 1, 10, 9, 0)
    polls = {p["code"]: p for p in client.get(f"{BASE}/polls", headers=leader).get_json()}
    assert polls["co-thi-dua"]["candidates"] == ["so-e", "so-d", "so-c"]  # top:3 by score
    assert client.post(f"{BASE}/polls/co-thi-dua/open", headers=leader, json=FORCE).status_code == 200
    ballots = {"so-a": ["so-d", "so-e"], "so-b": ["so-d", "so-c"], "so-c": ["so-d", "so-e"],
               "so-d": ["so-e", "so-c"], "so-e": ["so-d", "so-c"]}
    for unit, ranked in ballots.items():
        response = client.post(f"{BASE}/polls/co-thi-dua/ballots",
                               headers=headers(client, f"{unit}.head"), json={"choices": ranked})
        assert response.status_code == 201, (unit, response.get_json())
    self_vote = client.post(f"{BASE}/polls/co-thi-dua/ballots", headers=headers(client, "so-e.head"),
                            json={"choices": ["so-e"]})
    assert self_vote.status_code in (409, 422)
    assert close_json(client, f"{BASE}/polls", "co-thi-dua", leader).status_code == 200
    result = client.get(f"{BASE}/polls/co-thi-dua/result", headers=leader).get_json()
    points = {c["candidate"]: c["votes"] for c in result["counts"]}
    assert points == {"so-d": 2 + 2 + 2 + 0 + 2, "so-e": 1 + 0 + 1 + 2 + 0, "so-c": 0 + 1 + 0 + 1 + 1}
    assert result["elected"] == ["so-d"]
    pdf = client.get(f"{BASE}/documents/bang-tong-hop-diem.pdf", headers=leader)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    board = client.get("/api/v1/board/2021", headers=headers(client, "board")).get_json()
    assert [b["bloc"] for b in board["blocs"]] == ["khoi-vhxh"]


def test_self_vote_refused_by_ranked_procedure(world):
    import plugins.khoi_vhxh as vhxh
    from core.voting import PollContext

    procedure = vhxh.voting(2021)
    poll = procedure.polls(PollContext(members=("a", "b", "c")))[1]
    with pytest.raises(Exception, match="tự bầu"):
        procedure.check_ballot(poll, "a", ["a", "b"])


class NoRules:
    """A bloc plugin that sets no voting procedure of its own."""

    @hookimpl
    def thidua_register_blocs(self):
        from core.plugin_api import BlocInfo

        return [BlocInfo("khoi-khong-luat", "Khối không tự quy định", years=(2021,))]

    @hookimpl
    def thidua_criteria(self, bloc, year):
        import plugins.khoi8 as khoi8

        return khoi8.criteria_2021() if bloc == "khoi-khong-luat" else None

    @hookimpl
    def thidua_phase_calendar(self, bloc, year):
        import plugins.khoi8 as khoi8

        return khoi8.calendar_2021() if bloc == "khoi-khong-luat" else None


def test_province_wide_defaults_and_bloc_override(world):
    from core.services.plans import gather_plan

    host = world.extensions["thidua"]
    host.register(NoRules(), "khong_luat")
    plan = gather_plan(host, "khoi-khong-luat", 2021)
    assert plan.problems == [] and plan.voting_plugin == "toan_tinh"
    assert plan.voting.config()["quorum"] == "2/3"
    assert gather_plan(host, "khoi-8", 2021).voting_plugin == "khoi8"
    assert gather_plan(host, "khoi-vhxh", 2021).voting_plugin == "khoi_vhxh"
