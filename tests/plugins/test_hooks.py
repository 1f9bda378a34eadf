"""One test per hook (``test_hook_<name>``, required by test_hookspecs_documented.py), and
proof that the plugin host calls hooks through pluggy: ``firstresult``, ``tryfirst`` /
``trylast`` and ``wrapper=True`` behave as pluggy documents them, while the host still says
which plugin answered or failed."""

from __future__ import annotations

import types
from typing import Any

import pytest
from sqlalchemy import select

from core.errors import PluginError
from core.extensions import db
from core.models import Campaign
from core.plugin_api import BlocInfo, Criterion, hookimpl
from core.services.plans import gather_plan
from core.voting import CouncilVote, PollDefinition
from tests.plugins.fixtures import khoi_thu, tinh_thu_nghiem
from tests.support import api_token, bearer
from tests.support.plugins import KHOI8_MEMBERS, THU_MEMBERS, seed_people

BONUS = Criterion("TT", "Điểm thưởng của Ban Thi đua – Khen thưởng tỉnh", 3, kind="bonus",
                  children=(Criterion("TT.1", "Được Ủy ban nhân dân tỉnh biểu dương", 3,
                                      kind="bonus"),))


def plugin(**functions: Any) -> types.SimpleNamespace:
    return types.SimpleNamespace(__version__="0.1", **functions)


def open_campaign(client, bloc: str, year: int, members) -> Any:
    token = api_token(client, "admin")
    return client.post("/api/v1/campaigns", headers=bearer(token),
                       json={"bloc": bloc, "year": year, "members": members})


def snapshot(bloc: str, year: int) -> dict:
    return next(c.snapshot for c in db.session.scalars(select(Campaign))
                if c.bloc.code == bloc and c.year == year)


def procedure(quorum: str) -> CouncilVote:
    return CouncilVote(poll_definitions=(PollDefinition("co-thi-dua", "Cờ thi đua"),),
                       quorum=quorum)


# -- one test per hook -------------------------------------------------------------------

def test_hook_thidua_register_blocs(app, client):
    """Every plugin's blocs are listed; a plugin whose answer raises or is not a list of
    BlocInfo is marked failed and the others still answer."""
    host = app.extensions["thidua"]
    host.register(khoi_thu, "khoi_thu")

    @hookimpl(tryfirst=True)
    def raising():
        raise KeyError("khoi-hong")

    @hookimpl
    def wrong_type():
        return ["khoi-chu"]

    host.register(plugin(thidua_register_blocs=raising), "vo")
    host.register(plugin(thidua_register_blocs=wrong_type), "sai_kieu")
    blocs = host.collect_blocs()
    assert {code: name for code, (_info, name) in blocs.items()} == {
        "khoi-8": "khoi8", "khoi-thu-nghiem": "khoi_thu"}
    assert host.records["vo"].status == "failed"
    assert host.records["vo"].error == "thidua_register_blocs: KeyError: 'khoi-hong'"
    assert host.records["sai_kieu"].status == "failed"
    assert host.records["khoi_thu"].blocs[0].years == (2024, 2025)
    seed_people()
    listed = client.get("/api/v1/blocs", headers=bearer(api_token(client, "admin"))).get_json()
    assert {b["code"] for b in listed} == {"khoi-8", "khoi-thu-nghiem"}


def test_hook_thidua_criteria(app, client):
    """The first answer that is not None is the table frozen in the campaign."""
    host = app.extensions["thidua"]
    host.register(khoi_thu, "khoi_thu")
    asked: list[tuple[str, int]] = []

    @hookimpl(tryfirst=True)
    def thidua_criteria(bloc, year):
        asked.append((bloc, year))
        return None  # not this plugin's bloc: the next one answers

    host.register(plugin(thidua_criteria=thidua_criteria), "hoi_truoc")
    seed_people()
    assert open_campaign(client, khoi_thu.BLOC, 2024, THU_MEMBERS).status_code == 201
    assert asked == [(khoi_thu.BLOC, 2024)]
    frozen = snapshot(khoi_thu.BLOC, 2024)
    assert frozen["criteria"] == [c.to_dict() for c in khoi_thu.criteria(2024)]
    assert frozen["max_total"] == 1000


def test_hook_thidua_phase_calendar(app, client):
    host = app.extensions["thidua"]
    host.register(khoi_thu, "khoi_thu")
    seed_people()
    assert open_campaign(client, khoi_thu.BLOC, 2024, THU_MEMBERS).status_code == 201
    assert snapshot(khoi_thu.BLOC, 2024)["calendar"] == [
        p.to_dict() for p in khoi_thu.calendar(2024)]
    # A year no plugin has criteria or a calendar for does not exist.
    response = open_campaign(client, khoi_thu.BLOC, 2030, THU_MEMBERS)
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "unknown_year"


def test_hook_thidua_voting_procedure(app, client):
    """The procedure is frozen as name + config, with the plugin that gave it."""
    register = app.extensions["thidua"].register
    register(khoi_thu, "khoi_thu")
    register(tinh_thu_nghiem, "tinh_thu_nghiem")
    seed_people()
    assert open_campaign(client, khoi_thu.BLOC, 2025, THU_MEMBERS).status_code == 201
    voting = snapshot(khoi_thu.BLOC, 2025)["voting"]
    assert voting == {"name": "council_vote", "plugin": "tinh_thu_nghiem",
                      "config": tinh_thu_nghiem.province_vote().config()}


def test_hook_thidua_document_templates(app):
    """Every plugin's templates are merged, most specific first; a bad answer names its
    plugin."""
    host = app.extensions["thidua"]
    host.register(khoi_thu, "khoi_thu")

    @hookimpl(trylast=True)
    def province_templates(bloc, year):
        return {"bien-ban-hop-khoi": "tinh/bien_ban.html", "to-trinh": "tinh/to_trinh.html"}

    host.register(plugin(thidua_document_templates=province_templates), "mau_tinh")
    plan = gather_plan(host, khoi_thu.BLOC, 2024)
    assert plan.problems == []
    assert plan.documents == {"bien-ban-hop-khoi": "khoi_thu/bien_ban_hop_khoi.html",
                              "to-trinh": "tinh/to_trinh.html"}

    @hookimpl
    def not_a_dict(bloc):
        return ["to-trinh"]

    host.register(plugin(thidua_document_templates=not_a_dict), "mau_sai")
    assert gather_plan(host, khoi_thu.BLOC, 2024).problems == [
        "Plugin 'mau_sai': thidua_document_templates phải trả về dict {tên văn bản: đường dẫn "
        "mẫu}."]


# -- pluggy's calling: order, firstresult, wrappers --------------------------------------

def test_tryfirst_plain_and_trylast_are_asked_in_pluggy_s_order(app):
    host = app.extensions["thidua"]
    host.unregister("khoi8")
    order: list[str] = []

    def answering(name: str, answer: Any, **opts: Any):
        @hookimpl(**opts)
        def thidua_voting_procedure(bloc, year):
            order.append(name)
            return answer

        return plugin(thidua_voting_procedure=thidua_voting_procedure)

    # Registered trylast first and tryfirst last: the markers decide, not the order.
    host.register(answering("cuoi", procedure("1/4"), trylast=True), "cuoi")
    host.register(answering("thuong", procedure("1/3")), "thuong")
    host.register(answering("dau", None, tryfirst=True), "dau")
    answer = host.pm.hook.thidua_voting_procedure(bloc="khoi-8", year=2021)
    assert answer.quorum == "1/3" and order == ["dau", "thuong"]  # firstresult: stops there
    order.clear()
    assert host.first_answer("thidua_voting_procedure", bloc="khoi-8", year=2021) == (
        procedure("1/3"), "thuong")
    assert order == ["dau", "thuong"]
    host.unregister("thuong")
    order.clear()
    assert host.first_answer("thidua_voting_procedure", bloc="khoi-8", year=2021) == (
        procedure("1/4"), "cuoi")
    assert order == ["dau", "cuoi"]
    # (data_plans: the core's built-in plugin of stored plans, trylast, answers None here.)
    assert [i.plugin_name for i in host.pm.hook.thidua_voting_procedure.get_hookimpls()] == [
        "cuoi", "data_plans", "dau"]


def test_a_wrapper_around_criteria_changes_what_the_campaign_freezes(app, client):
    """A ``wrapper=True`` implementation sees the call and the answer of the others and may
    replace it: opening a campaign freezes the wrapped answer."""
    calls: list[dict[str, Any]] = []

    @hookimpl(wrapper=True)
    def thidua_criteria(bloc, year):
        calls.append({"bloc": bloc, "year": year})
        table = yield
        return None if table is None else [*table, BONUS]

    app.extensions["thidua"].register(plugin(thidua_criteria=thidua_criteria), "diem_tinh")
    seed_people()
    assert open_campaign(client, "khoi-8", 2021, KHOI8_MEMBERS).status_code == 201
    assert calls == [{"bloc": "khoi-8", "year": 2021}]
    frozen = snapshot("khoi-8", 2021)
    assert frozen["criteria"][-1] == BONUS.to_dict()
    assert frozen["max_total"] == 100  # a bonus line is not part of the total
    detail = client.get("/api/v1/campaigns/khoi-8/2021",
                        headers=bearer(api_token(client, "admin"))).get_json()
    assert detail["criteria"][-1]["code"] == "TT"


def test_a_wrapper_s_answer_is_credited_to_the_wrapper(app):
    host = app.extensions["thidua"]

    @hookimpl(wrapper=True)
    def thidua_voting_procedure(bloc, year):
        yield
        return procedure("3/4")

    host.register(plugin(thidua_voting_procedure=thidua_voting_procedure), "thay_the")
    answer, by = host.first_answer("thidua_voting_procedure", bloc="khoi-8", year=2021)
    assert (answer.quorum, by) == ("3/4", "thay_the")
    plan = gather_plan(host, "khoi-8", 2021)
    assert plan.voting_plugin == "thay_the" and plan.problems == []


def test_a_wrapper_sees_the_exception_and_the_host_names_who_raised(app):
    """The wrapper receives the implementation's own exception (pluggy's semantics); the
    host then reports the plugin that raised it, not the wrapper."""
    host = app.extensions["thidua"]
    seen: list[BaseException] = []

    @hookimpl(tryfirst=True)
    def crashing(bloc, year):
        raise ZeroDivisionError("chia cho 0")

    @hookimpl(wrapper=True)
    def watching(bloc, year):
        try:
            return (yield)
        except ZeroDivisionError as exc:
            seen.append(exc)
            raise

    host.register(plugin(thidua_criteria=crashing), "hay_loi")
    host.register(plugin(thidua_criteria=watching), "theo_doi")
    with pytest.raises(PluginError, match=r"^Plugin 'hay_loi' gặp lỗi khi trả lời "
                                          r"thidua_criteria: ZeroDivisionError: chia cho 0$"):
        host.first_answer("thidua_criteria", bloc="khoi-8", year=2021)
    assert len(seen) == 1 and isinstance(seen[0], ZeroDivisionError)
    assert host.records["hay_loi"].status == "failed"
    assert host.records["theo_doi"].status == "loaded"


def test_a_wrapper_may_recover_from_an_exception(app):
    host = app.extensions["thidua"]

    @hookimpl(tryfirst=True)
    def crashing(bloc, year):
        raise RuntimeError("mất kết nối")

    @hookimpl(wrapper=True)
    def recovering(bloc, year):
        try:
            return (yield)
        except RuntimeError:
            return [BONUS]

    host.register(plugin(thidua_criteria=crashing), "hay_loi")
    host.register(plugin(thidua_criteria=recovering), "du_phong")
    assert host.first_answer("thidua_criteria", bloc="khoi-8", year=2021) == (
        [BONUS], "du_phong")


def test_a_plugin_object_with_methods_is_called_with_only_the_arguments_it_takes(app):
    host = app.extensions["thidua"]

    class Templates:
        @hookimpl
        def thidua_document_templates(self, bloc):
            return {"to-trinh": f"{bloc}/to_trinh.html"}

    host.register(Templates(), "mau")
    assert host.all_answers("thidua_document_templates", bloc="khoi-8", year=2021) == [
        ({"to-trinh": "khoi-8/to_trinh.html"}, "mau")]
    assert host.pm.hook.thidua_document_templates(bloc="khoi-8", year=2021) == [
        {"to-trinh": "khoi-8/to_trinh.html"}]
    assert host.records["mau"].hooks(host.pm) == ["thidua_document_templates"]


def test_collect_blocs_calls_each_plugin_once_when_all_answer(app):
    host = app.extensions["thidua"]
    calls: list[str] = []

    @hookimpl
    def thidua_register_blocs():
        calls.append("dem")
        return [BlocInfo("khoi-dem", "Khối đếm")]

    host.register(plugin(thidua_register_blocs=thidua_register_blocs), "dem")
    assert "khoi-dem" in host.collect_blocs()
    assert calls == ["dem"]
