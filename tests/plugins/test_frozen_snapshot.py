"""A campaign freezes its rules: changing, replacing or removing the plugin afterwards
changes nothing in an opened campaign."""

from __future__ import annotations

import types
from datetime import date

import pytest
from sqlalchemy import select

import plugins.khoi8 as khoi8
from core.extensions import db
from core.models import Campaign, CriterionRow
from core.plugin_api import BlocInfo, Criterion, Phase, hookimpl
from core.services import campaigns
from core.services.plans import gather_plan
from core.voting import CouncilVote, PollDefinition, procedure_from_snapshot
from tests.support import api_token, bearer, login, without_extras
from tests.support.plugins import KHOI8_MEMBERS, seed_people

DETAIL = "/api/v1/campaigns/khoi-8/2021"


def other_criteria() -> list[Criterion]:
    return [Criterion("X", "Một nhóm khác", 50, children=(
        Criterion("X.1", "Mục mới", 30), Criterion("X.2", "Mục mới khác", 20)))]


def other_calendar() -> list[Phase]:
    d = date
    return [
        Phase("dk", "Đăng ký", d(2021, 3, 1), d(2021, 3, 31), host="members",
              deliverable="registration"),
        Phase("sk", "Sơ kết", d(2021, 6, 1), d(2021, 6, 30), deliverable="mid_year_report"),
        Phase("tk", "Tổng kết", d(2021, 11, 1), d(2021, 11, 30), deliverable="year_end_report"),
        Phase("td", "Thẩm định", d(2021, 12, 1), d(2021, 12, 10), deliverable="verification"),
        Phase("bx", "Bình xét", d(2021, 12, 11), d(2021, 12, 20), deliverable="vote"),
    ]


def other_voting() -> CouncilVote:
    return CouncilVote(poll_definitions=(PollDefinition("co-thi-dua", "Cờ"),), quorum="1/2",
                       threshold_base="voters", self_vote=False)


def criterion_rows(campaign_id: int) -> list[tuple]:
    rows = db.session.scalars(select(CriterionRow).where(CriterionRow.campaign_id == campaign_id)
                              .order_by(CriterionRow.position))
    return [(r.code, r.title, r.max_points, r.kind, r.parent.code if r.parent else None,
             r.position, r.is_group) for r in rows]


@pytest.fixture
def opened(app, client):
    """Khối 8's 2021 campaign, opened through the API; its detail and rows as opened."""
    seed_people()
    admin_token = api_token(client, "admin")
    response = client.post("/api/v1/campaigns", headers=bearer(admin_token), json={
        "bloc": "khoi-8", "year": 2021, "members": KHOI8_MEMBERS})
    assert response.status_code == 201
    token = api_token(client, "tttt.canbo")
    detail = client.get(DETAIL, headers=bearer(token)).get_json()
    assert detail == response.get_json()
    campaign = campaigns.get_campaign("khoi-8", 2021)
    assert detail["max_total"] == 100 and detail["plugin_version"] == "2021.1"
    return types.SimpleNamespace(token=token, detail=detail, campaign_id=campaign.id,
                                 rows=criterion_rows(campaign.id),
                                 snapshot=dict(campaign.snapshot))


def assert_unchanged(client, opened) -> None:
    db.session.expire_all()
    response = client.get(DETAIL, headers=bearer(opened.token))
    assert response.status_code == 200
    assert response.get_json() == opened.detail
    assert criterion_rows(opened.campaign_id) == opened.rows
    campaign = db.session.get(Campaign, opened.campaign_id)
    assert campaign.snapshot == opened.snapshot
    assert (campaign.plugin, campaign.plugin_version) == ("khoi8", "2021.1")


def test_rows_match_the_snapshot(opened):
    """The rows written at opening are the snapshot's tree, in order (22 items + lines)."""
    codes = [row[0] for row in opened.rows]
    assert codes[:3] == ["1", "1.1", "1.2"] and codes[-4:] == ["T", "T.1", "T.2", "T.3"]
    assert len([r for r in opened.rows if r[3] == "item" and not r[6]]) == 22
    assert codes == [n.code for top in campaigns.criteria(
        db.session.get(Campaign, opened.campaign_id)) for n in top.walk()]


def test_changing_the_plugin_definition_changes_no_opened_campaign(opened, client, app,
                                                                    monkeypatch):
    frozen_calendar = khoi8.calendar_2021()
    monkeypatch.setattr(khoi8, "criteria_2021", other_criteria)
    monkeypatch.setattr(khoi8, "calendar_2021", other_calendar)
    monkeypatch.setattr(khoi8, "voting_2021", other_voting)
    # The plugin now answers differently (so the patch is real) ...
    plan = gather_plan(app.extensions["thidua"], "khoi-8", 2021)
    assert plan.problems == []
    assert plan.max_total == 50
    assert [p.code for p in plan.calendar] == ["dk", "sk", "tk", "td", "bx"]
    assert plan.voting.quorum == "1/2"
    # ... and the campaign still shows what was frozen when it was opened.
    assert_unchanged(client, opened)
    campaign = db.session.get(Campaign, opened.campaign_id)
    assert campaigns.calendar(campaign) == frozen_calendar
    assert campaigns.current_phases(campaign, date(2021, 6, 10))[0].due == date(2021, 6, 14)


def test_a_replacement_plugin_changes_no_opened_campaign(opened, client, app):
    replacement = types.SimpleNamespace(__version__="2022.0")

    @hookimpl
    def thidua_register_blocs():
        return [BlocInfo(code="khoi-8", name="Khối 8 (bản thay thế)", years=(2021,))]

    @hookimpl
    def thidua_criteria(bloc, year):
        return other_criteria() if bloc == "khoi-8" else None

    @hookimpl
    def thidua_phase_calendar(bloc, year):
        return other_calendar() if bloc == "khoi-8" else None

    @hookimpl
    def thidua_voting_procedure(bloc, year):
        return other_voting() if bloc == "khoi-8" else None

    for hook in (thidua_register_blocs, thidua_criteria, thidua_phase_calendar,
                 thidua_voting_procedure):
        setattr(replacement, hook.__name__, hook)
    host = app.extensions["thidua"]
    host.unregister("khoi8")
    host.register(replacement, "khoi8")
    plan = gather_plan(host, "khoi-8", 2021)
    assert (plan.plugin_version, plan.max_total, plan.bloc.name) == (
        "2022.0", 50, "Khối 8 (bản thay thế)")
    assert_unchanged(client, opened)
    # Opening the same year again is still refused: the year is taken.
    token = api_token(client, "admin")
    response = client.post("/api/v1/campaigns", headers=bearer(token), json={
        "bloc": "khoi-8", "year": 2021, "members": [{"unit": "so-tttt", "role": "leader"}]})
    assert response.status_code == 409


def test_a_removed_plugin_leaves_its_campaigns_readable(opened, client, app):
    host = app.extensions["thidua"]
    host.unregister("khoi8")
    assert host.collect_blocs() == {} and "khoi8" not in host.records
    assert_unchanged(client, opened)

    listed = client.get("/api/v1/campaigns", headers=bearer(opened.token)).get_json()
    assert [(c["bloc"], c["year"], c["current_phases"]) for c in listed] == [
        ("khoi-8", 2021, ["bao-cao-so-ket"])]
    assert client.get("/api/v1/blocs", headers=bearer(opened.token)).get_json() == []
    assert without_extras(
        client.get("/api/v1/plugins", headers=bearer(opened.token)).get_json()) == []

    # The voting procedure is rebuilt from the snapshot alone, identical to what was frozen.
    campaign = db.session.get(Campaign, opened.campaign_id)
    voting = campaign.snapshot["voting"]
    assert voting["plugin"] == "khoi8"
    assert procedure_from_snapshot(voting["name"], voting["config"]) == khoi8.voting_2021()

    # A new year of that bloc cannot be opened any more.
    token = api_token(client, "admin")
    response = client.post("/api/v1/campaigns", headers=bearer(token), json={
        "bloc": "khoi-8", "year": 2022, "members": [{"unit": "so-tttt", "role": "leader"}]})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "unknown_bloc"

    # The page reads the snapshot too.
    assert login(client, "tttt.canbo").status_code == 302
    page = client.get("/campaigns/khoi-8/2021")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Gửi báo cáo sơ kết 6 tháng đầu năm về Khối phó" in text and "14/06/2021" in text
