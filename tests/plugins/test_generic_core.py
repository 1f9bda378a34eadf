"""The core is generic: the same campaign tests run for Khối 8 and for the test bloc.

Each case opens a campaign through the API and reads it back; expectations come from the
plugin's own definitions AND from numbers written out here, so a core that ignored a plugin
(or special-cased Khối 8) fails for one of the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

import plugins.khoi8 as khoi8
from core.config import TIMEZONE
from core.extensions import db
from core.models import Campaign, CriterionRow
from core.voting import PollContext, procedure_from_snapshot
from tests.plugins.fixtures import khoi_thu
from tests.support import api_token, bearer
from tests.support.plugins import (
    KHOI8_MEMBERS,
    THU_MEMBERS,
    register_test_plugins,
    seed_people,
)


@dataclass(frozen=True)
class BlocCase:
    bloc: str
    year: int
    plugin: str
    version: str
    name: str
    members: list[dict[str, str]]
    criteria: Any  # () -> list[Criterion], the plugin's own definition
    calendar: Any  # () -> list[Phase]
    voting: Any  # () -> procedure
    item_groups: list[int]  # number of items in each scored group
    max_total: int
    bonus_cap: int
    deduction_cap: int
    dues: dict[str, str]
    hosts: dict[str, str]
    late: dict[str, str]
    current: list[tuple[date, list[str]]]
    voting_config: dict[str, Any]
    poll_seats: dict[str, int]
    poll_candidates: dict[str, str]
    voting_plugin: str
    board_scored: set[str]

    def __str__(self) -> str:
        return self.bloc


KHOI8 = BlocCase(
    bloc="khoi-8", year=2021, plugin="khoi8", version="2021.1",
    name="Khối thi đua Khối 8", members=KHOI8_MEMBERS,
    criteria=khoi8.criteria_2021, calendar=khoi8.calendar_2021, voting=khoi8.voting_2021,
    item_groups=[7, 5, 10], max_total=100, bonus_cap=10, deduction_cap=18,
    dues={"bao-cao-so-ket": "2021-06-14", "hoi-nghi-so-ket": "2021-07-31",
          "bao-cao-tong-ket": "2022-01-31", "binh-xet": "2022-02-28"},
    hosts={"hoi-nghi-so-ket": "deputy", "bao-cao-so-ket": "deputy", "binh-xet": "leader"},
    late={"dang-ky": "accept_marked", "bao-cao-tong-ket": "reject"},
    current=[
        (date(2021, 4, 25), ["ke-hoach", "dang-ky"]),
        (date(2021, 6, 10), ["bao-cao-so-ket"]),
        (date(2021, 6, 14), ["bao-cao-so-ket"]),
        (date(2021, 6, 15), ["hoi-nghi-so-ket"]),
        (date(2021, 11, 1), []),
        (date(2022, 2, 20), ["binh-xet", "gui-ket-qua"]),
    ],
    voting_config={"quorum": "2/3", "threshold": "1/2", "threshold_base": "members",
                   "self_vote": True, "tie_break": ["verified_score", "runoff"]},
    poll_seats={"co-thi-dua": 1, "bang-khen": 2, "khoi-truong": 1, "khoi-pho": 1},
    poll_candidates={"co-thi-dua": "members", "bang-khen": "members"},
    voting_plugin="khoi8",
    board_scored={"T.1"},
)

KHOI_THU = BlocCase(
    bloc="khoi-thu-nghiem", year=2024, plugin="khoi_thu", version="2024.1",
    name="Khối thi đua thử nghiệm", members=THU_MEMBERS,
    criteria=lambda: khoi_thu.criteria(2024), calendar=lambda: khoi_thu.calendar(2024),
    voting=lambda: khoi_thu.voting(2024),
    item_groups=[3, 3], max_total=1000, bonus_cap=50, deduction_cap=60,
    dues={"dang-ky": "2024-02-29", "bao-cao-so-ket": "2024-07-05",
          "bao-cao-tong-ket": "2024-12-10", "binh-xet": "2025-01-10"},
    hosts={"tham-dinh": "board", "hoi-nghi-so-ket": "deputy", "dang-ky": "members"},
    late={"dang-ky": "reject", "bao-cao-so-ket": "accept_marked"},
    current=[
        (date(2024, 2, 29), ["dang-ky"]),
        (date(2024, 3, 1), []),
        (date(2024, 7, 5), ["bao-cao-so-ket"]),
        (date(2024, 12, 11), ["tham-dinh"]),
        (date(2025, 1, 10), ["binh-xet"]),
        (date(2025, 1, 11), []),
    ],
    voting_config={"quorum": "1/2", "threshold": "1/2", "threshold_base": "valid",
                   "self_vote": False, "tie_break": ["runoff"]},
    poll_seats={"co-thi-dua": 1, "bang-khen": 3},
    poll_candidates={"co-thi-dua": "top:3", "bang-khen": "members"},
    voting_plugin="khoi_thu",
    board_scored={"DT.1"},
)

CASES = [pytest.param(KHOI8, id="khoi-8"), pytest.param(KHOI_THU, id="khoi-thu-nghiem")]


@pytest.fixture
def world(app):
    """Both bloc plugins (Khối 8 from plugins/, the test bloc registered), the province-wide
    plugin, every unit, an admin and a board user; no campaign yet."""
    register_test_plugins(app)
    seed_people()
    return app


def open_via_api(client, case: BlocCase, username: str = "admin"):
    token = api_token(client, username)
    response = client.post("/api/v1/campaigns", headers=bearer(token),
                           json={"bloc": case.bloc, "year": case.year, "members": case.members})
    return response, token


def freeze(app, day: date, at: time = time(9, 0)) -> None:
    app.config["THIDUA_NOW"] = datetime.combine(day, at, tzinfo=TIMEZONE)


@pytest.mark.parametrize("case", CASES)
def test_open_campaign_answers_with_the_frozen_plan(world, client, case):
    response, _token = open_via_api(client, case)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["bloc"], body["year"]) == (case.bloc, case.year)
    assert body["title"] == f"{case.name} — năm {case.year}"
    assert (body["plugin"], body["plugin_version"]) == (case.plugin, case.version)
    assert body["status"] == "open"
    roles = {m["unit"]: m["role"] for m in body["members"]}
    assert roles == {m["unit"]: m["role"] for m in case.members}
    assert [m["role"] for m in body["members"]][:2] == ["leader", "deputy"]


@pytest.mark.parametrize("case", CASES)
def test_read_back_through_the_api(world, client, case):
    created, token = open_via_api(client, case)
    response = client.get(f"/api/v1/campaigns/{case.bloc}/{case.year}", headers=bearer(token))
    assert response.status_code == 200
    body = response.get_json()
    assert body == created.get_json()
    listed = client.get("/api/v1/campaigns", headers=bearer(token)).get_json()
    assert [(c["bloc"], c["year"], c["status"]) for c in listed] == [
        (case.bloc, case.year, "open")]


@pytest.mark.parametrize("case", CASES)
def test_criteria_tree_and_max_total(world, client, case):
    _created, token = open_via_api(client, case)
    body = client.get(f"/api/v1/campaigns/{case.bloc}/{case.year}",
                      headers=bearer(token)).get_json()
    assert body["criteria"] == [c.to_dict() for c in case.criteria()]
    items = [c for c in body["criteria"] if c["kind"] == "item"]
    assert [len(g["children"]) for g in items] == case.item_groups
    assert body["max_total"] == case.max_total
    assert sum(g["max_points"] for g in items) == case.max_total
    for group in items:
        assert group["max_points"] == sum(c["max_points"] for c in group["children"])
    caps = {c["kind"]: c["max_points"] for c in body["criteria"] if c["kind"] != "item"}
    assert caps == {"bonus": case.bonus_cap, "deduction": case.deduction_cap}
    for node in body["criteria"]:
        assert set(node) >= {"code", "title", "max_points", "kind", "children"}


@pytest.mark.parametrize("case", CASES)
def test_criteria_are_also_rows(world, client, case):
    open_via_api(client, case)
    campaign = db.session.scalar(select(Campaign).where(Campaign.year == case.year))
    rows = db.session.scalars(select(CriterionRow).where(CriterionRow.campaign_id == campaign.id)
                              .order_by(CriterionRow.position)).all()
    expected = [node for top in case.criteria() for node in top.walk()]
    assert [r.code for r in rows] == [n.code for n in expected]
    assert [r.max_points for r in rows] == [Decimal(str(n.max_points)) for n in expected]
    assert [r.kind for r in rows] == [n.kind for n in expected]
    assert {r.code for r in rows if r.scorer == "board"} == case.board_scored
    by_code = {r.code: r for r in rows}
    for top in case.criteria():
        assert by_code[top.code].parent is None and by_code[top.code].is_group
        for child in top.children:
            assert by_code[child.code].parent.code == top.code
            assert not by_code[child.code].is_group
    top_items = [r for r in rows if r.parent is None and r.kind == "item"]
    assert sum(r.max_points for r in top_items) == case.max_total


@pytest.mark.parametrize("case", CASES)
def test_calendar(world, client, case):
    _created, token = open_via_api(client, case)
    body = client.get(f"/api/v1/campaigns/{case.bloc}/{case.year}",
                      headers=bearer(token)).get_json()
    assert body["calendar"] == [p.to_dict() for p in case.calendar()]
    by_code = {p["code"]: p for p in body["calendar"]}
    assert {code: by_code[code]["due"] for code in case.dues} == case.dues
    assert {code: by_code[code]["host"] for code in case.hosts} == case.hosts
    assert {code: by_code[code]["late"] for code in case.late} == case.late
    for p in body["calendar"]:
        assert set(p) == {"code", "title", "opens", "due", "host", "deliverable", "late"}
    deliverables = [p["deliverable"] for p in body["calendar"] if p["deliverable"]]
    assert deliverables == ["registration", "mid_year_report", "year_end_report",
                            "verification", "vote"]


@pytest.mark.parametrize("case", CASES)
def test_current_phases_at_frozen_dates(world, client, case):
    _created, token = open_via_api(client, case)
    for day, expected in case.current:
        freeze(world, day)
        body = client.get(f"/api/v1/campaigns/{case.bloc}/{case.year}",
                          headers=bearer(token)).get_json()
        assert body["current_phases"] == expected, day
        listed = client.get("/api/v1/campaigns", headers=bearer(token)).get_json()
        assert listed[0]["current_phases"] == expected, day


@pytest.mark.parametrize("case", CASES)
def test_due_is_the_last_day_on_time_in_hanoi_time(world, client, case):
    """The last moment of a due day (23:59:59 in Asia/Ho_Chi_Minh) is still in the phase."""
    _created, token = open_via_api(client, case)
    code, due = next(iter(case.dues.items()))
    due_day = date.fromisoformat(due)
    freeze(world, due_day, time(23, 59, 59))
    body = client.get(f"/api/v1/campaigns/{case.bloc}/{case.year}", headers=bearer(token))
    assert code in body.get_json()["current_phases"]
    freeze(world, date.fromordinal(due_day.toordinal() + 1), time(0, 0, 0))
    body = client.get(f"/api/v1/campaigns/{case.bloc}/{case.year}", headers=bearer(token))
    assert code not in body.get_json()["current_phases"]


@pytest.mark.parametrize("case", CASES)
def test_voting_name_config_and_answering_plugin(world, client, case):
    _created, token = open_via_api(client, case)
    body = client.get(f"/api/v1/campaigns/{case.bloc}/{case.year}",
                      headers=bearer(token)).get_json()
    assert body["voting"]["name"] == "council_vote"
    config = body["voting"]["config"]
    assert config == case.voting().config()
    assert {k: config[k] for k in case.voting_config} == case.voting_config
    assert {p["code"]: p["seats"] for p in config["polls"]} == case.poll_seats
    candidates = {p["code"]: p["candidates"] for p in config["polls"]}
    assert {k: candidates[k] for k in case.poll_candidates} == case.poll_candidates

    campaign = db.session.scalar(select(Campaign).where(Campaign.year == case.year))
    assert campaign.snapshot["voting"]["plugin"] == case.voting_plugin
    assert campaign.snapshot["plugin"] == {"name": case.plugin, "version": case.version}
    # The procedure is rebuilt from the snapshot, and it behaves per its parameters.
    procedure = procedure_from_snapshot(campaign.snapshot["voting"]["name"], config)
    units = tuple(m["unit"] for m in case.members)
    specs = {s.code: s for s in procedure.polls(PollContext(members=units, ranking=units))}
    for code, rule in case.poll_candidates.items():
        expected = sorted(units) if rule == "members" else list(units[:int(rule[4:])])
        assert list(specs[code].candidates) == expected


@pytest.mark.parametrize("case", CASES)
def test_bloc_is_listed_with_its_plugin(world, client, case):
    token = api_token(client, "tttt.canbo")
    blocs = {b["code"]: b for b in client.get("/api/v1/blocs", headers=bearer(token)).get_json()}
    assert blocs[case.bloc]["plugin"] == case.plugin
    assert blocs[case.bloc]["name"] == case.name
    assert case.year in blocs[case.bloc]["years"]


@pytest.mark.parametrize("case", CASES)
def test_bloc_check_command(world, runner, case):
    result = runner.invoke(args=["bloc", "check", case.bloc, str(case.year)])
    assert result.exit_code == 0, result.output
    items = sum(case.item_groups)
    assert f"Kế hoạch {case.bloc} {case.year} hợp lệ: {items} tiêu chí chấm điểm, " \
           f"tổng {case.max_total} điểm, {len(case.calendar())} giai đoạn" in result.output
