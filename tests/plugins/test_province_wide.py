"""The trylast convention: a province-wide plugin answers ``thidua_voting_procedure`` for
every bloc, and a bloc's own answer overrides it, whatever the registration order."""

from __future__ import annotations

import types

import pytest
from sqlalchemy import select

from core.extensions import db
from core.models import Bloc, Campaign
from core.plugin_api import hookimpl
from core.services.plans import gather_plan
from core.voting import CouncilVote, PollDefinition
from tests.plugins.fixtures import tinh_thu_nghiem
from tests.support import api_token, bearer, row_counts
from tests.support.plugins import (
    KHOI8_MEMBERS,
    THU_MEMBERS,
    register_test_plugins,
    seed_people,
)


@pytest.fixture
def world(app):
    seed_people()
    return app


def open_campaign(client, bloc: str, year: int, members):
    token = api_token(client, "admin")
    return client.post("/api/v1/campaigns", headers=bearer(token),
                       json={"bloc": bloc, "year": year, "members": members})


def snapshot_of(bloc: str, year: int) -> dict:
    return db.session.scalar(select(Campaign.snapshot).join(Bloc)
                             .where(Bloc.code == bloc, Campaign.year == year))


def test_province_wide_procedure_for_a_bloc_without_its_own(world, client):
    register_test_plugins(world, "khoi_thu", "tinh_thu_nghiem")
    response = open_campaign(client, "khoi-thu-nghiem", 2025, THU_MEMBERS)
    assert response.status_code == 201, response.get_json()
    voting = snapshot_of("khoi-thu-nghiem", 2025)["voting"]
    assert voting["plugin"] == "tinh_thu_nghiem"
    assert voting["config"] == tinh_thu_nghiem.province_vote().config()
    assert (voting["config"]["quorum"], voting["config"]["threshold_base"]) == ("3/4", "voters")
    # The bloc's own answers still come from the bloc plugin.
    snap = snapshot_of("khoi-thu-nghiem", 2025)
    assert snap["plugin"]["name"] == "khoi_thu"
    assert snap["max_total"] == 1000
    assert response.get_json()["voting"]["config"]["notes"] == tinh_thu_nghiem.NOTES


def test_bloc_specific_answer_overrides_the_province_wide_one(world, client):
    # tinh_thu_nghiem is registered AFTER khoi8: without trylast, pluggy would ask it first.
    register_test_plugins(world, "khoi_thu", "tinh_thu_nghiem")
    impls = world.extensions["thidua"].pm.hook.thidua_voting_procedure.get_hookimpls()
    assert impls[0].plugin_name == "tinh_thu_nghiem" and impls[0].trylast
    assert open_campaign(client, "khoi-8", 2021, KHOI8_MEMBERS).status_code == 201
    assert open_campaign(client, "khoi-thu-nghiem", 2024, THU_MEMBERS).status_code == 201
    khoi8 = snapshot_of("khoi-8", 2021)["voting"]
    assert khoi8["plugin"] == "khoi8"
    assert (khoi8["config"]["quorum"], khoi8["config"]["threshold_base"]) == ("2/3", "members")
    thu = snapshot_of("khoi-thu-nghiem", 2024)["voting"]
    assert thu["plugin"] == "khoi_thu"
    assert (thu["config"]["quorum"], thu["config"]["threshold_base"]) == ("1/2", "valid")


def test_registration_order_does_not_matter_for_trylast(app):
    """Province-wide first, bloc plugin last, or the other way round: the same answer."""
    host = app.extensions["thidua"]
    from tests.plugins.fixtures import khoi_thu

    host.unregister("khoi8")
    host.register(tinh_thu_nghiem, "tinh_thu_nghiem")
    host.register(khoi_thu, "khoi_thu")
    assert gather_plan(host, "khoi-thu-nghiem", 2024).voting_plugin == "khoi_thu"
    assert gather_plan(host, "khoi-thu-nghiem", 2025).voting_plugin == "tinh_thu_nghiem"
    host.unregister("khoi_thu")
    host.unregister("tinh_thu_nghiem")
    host.register(khoi_thu, "khoi_thu")
    host.register(tinh_thu_nghiem, "tinh_thu_nghiem")
    assert gather_plan(host, "khoi-thu-nghiem", 2024).voting_plugin == "khoi_thu"
    assert gather_plan(host, "khoi-thu-nghiem", 2025).voting_plugin == "tinh_thu_nghiem"


def test_without_trylast_a_province_wide_plugin_would_win(app):
    """Why the convention matters: the same answer without ``trylast``, registered after the
    bloc plugin, is asked first and overrides Khối 8's own procedure."""
    rogue = types.SimpleNamespace(__version__="0.1")

    @hookimpl
    def thidua_voting_procedure(bloc: str, year: int):
        return CouncilVote(poll_definitions=(PollDefinition("co-thi-dua", "Cờ"),),
                           quorum="1/3")

    rogue.thidua_voting_procedure = thidua_voting_procedure
    host = app.extensions["thidua"]
    host.register(rogue, "sai_quy_uoc")
    plan = gather_plan(host, "khoi-8", 2021)
    assert plan.voting_plugin == "sai_quy_uoc"
    assert plan.voting.quorum == "1/3"
    host.unregister("sai_quy_uoc")
    host.register(tinh_thu_nghiem, "tinh_thu_nghiem")
    assert gather_plan(host, "khoi-8", 2021).voting_plugin == "khoi8"


def test_no_procedure_at_all_refuses_to_open(world, client):
    """Without the province-wide plugin, the test bloc's 2025 plan has no voting procedure."""
    register_test_plugins(world, "khoi_thu")
    token = api_token(client, "admin")
    before = row_counts()
    response = client.post("/api/v1/campaigns", headers=bearer(token), json={
        "bloc": "khoi-thu-nghiem", "year": 2025, "members": THU_MEMBERS})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid_plan"
    assert error["fields"]["plan"] == [
        "Không có quy trình bỏ phiếu (thidua_voting_procedure không trả lời)."]
    assert row_counts() == before


def documents_plugin(answer, *, trylast: bool = False):
    @hookimpl(trylast=trylast)
    def thidua_document_templates(bloc: str, year: int):
        if isinstance(answer, Exception):
            raise answer
        return answer

    return types.SimpleNamespace(thidua_document_templates=thidua_document_templates)


def test_document_templates_bloc_specific_wins_over_province_wide(app):
    from tests.plugins.fixtures import khoi_thu

    host = app.extensions["thidua"]
    host.register(khoi_thu, "khoi_thu")
    # Registered after the bloc plugin, so only trylast puts it behind.
    host.register(documents_plugin({"bien-ban-hop-khoi": "tinh/bien_ban.html",
                                    "to-trinh": "tinh/to_trinh.html"}, trylast=True),
                  "mau_tinh")
    plan = gather_plan(host, "khoi-thu-nghiem", 2024)
    assert plan.problems == []
    assert plan.documents == {"bien-ban-hop-khoi": "khoi_thu/bien_ban_hop_khoi.html",
                              "to-trinh": "tinh/to_trinh.html"}
    # Khối 8 has no templates of its own: it gets the province's.
    assert gather_plan(host, "khoi-8", 2021).documents == {
        "bien-ban-hop-khoi": "tinh/bien_ban.html", "to-trinh": "tinh/to_trinh.html"}


def test_document_templates_are_frozen_in_the_snapshot(world, client):
    register_test_plugins(world, "khoi_thu")
    assert open_campaign(client, "khoi-thu-nghiem", 2024, THU_MEMBERS).status_code == 201
    assert snapshot_of("khoi-thu-nghiem", 2024)["documents"] == {
        "bien-ban-hop-khoi": "khoi_thu/bien_ban_hop_khoi.html"}


@pytest.mark.parametrize(("answer", "problem"), [
    (RuntimeError("thiếu tệp mẫu"),
     "Plugin 'mau_loi' gặp lỗi khi trả lời thidua_document_templates: RuntimeError: thiếu tệp "
     "mẫu"),
    (["bien-ban.html"],
     "Plugin 'mau_loi': thidua_document_templates phải trả về dict {tên văn bản: đường dẫn "
     "mẫu}."),
], ids=["raises", "not-a-dict"])
def test_a_bad_document_templates_answer_is_a_plan_problem(app, answer, problem):
    host = app.extensions["thidua"]
    host.register(documents_plugin(answer), "mau_loi")
    assert gather_plan(host, "khoi-8", 2021).problems == [problem]
