"""Opening a campaign through the API: who may, the body it answers with, and every way it
is refused — each with its documented status, a Vietnamese message and no change at all."""

from __future__ import annotations

import dataclasses
import types

import pytest
from sqlalchemy import select

import plugins.khoi8 as khoi8
from core.extensions import db
from core.models import Unit
from core.plugin_api import hookimpl
from core.voting import CouncilVote, PollDefinition
from tests.support import api_token, bearer, row_counts
from tests.support.plugins import (
    KHOI8_MEMBERS,
    THU_MEMBERS,
    PlanPlugin,
    good_calendar,
    good_criteria,
    register_test_plugins,
    seed_people,
)

DETAIL_KEYS = {"bloc", "year", "title", "plugin", "plugin_version", "status", "members",
               "criteria", "max_total", "calendar", "current_phases", "voting"}
PLAN_INVALID = "Kế hoạch của khối không hợp lệ; chưa mở năm thi đua."


@pytest.fixture
def world(app, client):
    register_test_plugins(app)
    seed_people()
    return app


@pytest.fixture
def admin(world, client):
    return api_token(client, "admin")


def post(client, token, body):
    return client.post("/api/v1/campaigns", headers=bearer(token), json=body)


@pytest.mark.parametrize("username", ["admin", "bantdkt"])
def test_admin_and_board_open_a_campaign(world, client, username):
    token = api_token(client, username)
    before = row_counts()
    response = post(client, token, {"bloc": "khoi-8", "year": 2021, "members": KHOI8_MEMBERS})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert DETAIL_KEYS <= set(body)
    assert (body["bloc"], body["year"], body["status"]) == ("khoi-8", 2021, "open")
    assert (body["plugin"], body["plugin_version"]) == ("khoi8", "2021.1")
    assert body["title"] == "Khối thi đua Khối 8 — năm 2021"
    assert body["members"][0] == {"unit": "so-tttt", "name": "Sở Thông tin và Truyền thông",
                                  "short_name": "Sở TT&TT", "role": "leader"}
    assert body["members"][1]["unit"] == "so-ldtbxh" and body["members"][1]["role"] == "deputy"
    assert len(body["members"]) == 8
    assert body["criteria"] == [c.to_dict() for c in khoi8.criteria_2021()]
    assert body["max_total"] == 100
    assert body["calendar"] == [p.to_dict() for p in khoi8.calendar_2021()]
    assert body["current_phases"] == ["bao-cao-so-ket"]  # the test clock: 10/6/2021
    assert body["voting"] == {"name": "council_vote", "config": khoi8.voting_2021().config()}
    after = row_counts()
    nodes = sum(1 for top in khoi8.criteria_2021() for _ in top.walk())
    assert {k: after[k] - before[k] for k in after if after[k] != before[k]} == {
        "blocs": 1, "campaigns": 1, "memberships": 8, "criteria": nodes, "plan_revisions": 1,
        "audit_events": 1}


def test_campaign_list(admin, client):
    post(client, admin, {"bloc": "khoi-8", "year": 2021, "members": KHOI8_MEMBERS})
    post(client, admin, {"bloc": "khoi-thu-nghiem", "year": 2024, "members": THU_MEMBERS})
    token = api_token(client, "tttt.canbo")
    listed = client.get("/api/v1/campaigns", headers=bearer(token)).get_json()
    assert [{k: c[k] for k in ("bloc", "year", "status", "current_phases")} for c in listed] == [
        {"bloc": "khoi-thu-nghiem", "year": 2024, "status": "open", "current_phases": []},
        {"bloc": "khoi-8", "year": 2021, "status": "open",
         "current_phases": ["bao-cao-so-ket"]},
    ]
    missing = client.get("/api/v1/campaigns/khoi-8/2030", headers=bearer(token))
    assert missing.status_code == 404
    assert missing.get_json()["error"] == {
        "code": "campaign_not_found",
        "message": "Không tìm thấy năm thi đua 2030 của khối 'khoi-8'."}


# -- refusals ----------------------------------------------------------------------------

def assert_refused(client, token, body, status, error):
    before = row_counts()
    response = post(client, token, body)
    assert response.status_code == status, response.get_json()
    assert response.get_json() == {"error": error}
    assert row_counts() == before


@pytest.mark.parametrize("username", ["tttt.canbo", "tttt.thutruong"])
def test_officer_and_head_may_not_open(world, client, username):
    assert_refused(client, api_token(client, username),
                   {"bloc": "khoi-8", "year": 2021, "members": KHOI8_MEMBERS}, 403,
                   {"code": "forbidden", "message": "Chỉ quản trị viên hoặc Ban Thi đua – "
                                                    "Khen thưởng tỉnh được mở năm thi đua."})


def test_unknown_bloc_is_404(admin, client):
    assert_refused(client, admin, {"bloc": "khoi-99", "year": 2021, "members": KHOI8_MEMBERS},
                   404, {"code": "unknown_bloc",
                         "message": "Không có khối thi đua mã 'khoi-99'."})


@pytest.mark.parametrize(("bloc", "year"), [("khoi-8", 2022), ("khoi-thu-nghiem", 2021)])
def test_unknown_year_is_404(admin, client, bloc, year):
    assert_refused(client, admin, {"bloc": bloc, "year": year, "members": KHOI8_MEMBERS},
                   404, {"code": "unknown_year",
                         "message": f"Khối '{bloc}' chưa có kế hoạch cho năm {year}."})


def test_duplicate_campaign_is_409(admin, client):
    body = {"bloc": "khoi-8", "year": 2021, "members": KHOI8_MEMBERS}
    assert post(client, admin, body).status_code == 201
    assert_refused(client, admin, body, 409, {
        "code": "campaign_exists", "message": "Năm thi đua 2021 của Khối thi đua Khối 8 đã "
                                              "được mở."})
    # Another membership list does not make it a different campaign.
    assert_refused(client, admin, {**body, "members": KHOI8_MEMBERS[:3]}, 409, {
        "code": "campaign_exists", "message": "Năm thi đua 2021 của Khối thi đua Khối 8 đã "
                                              "được mở."})


def short_table():
    criteria = good_criteria()
    group_a = criteria[0]
    return [dataclasses.replace(group_a, children=(
        *group_a.children[:2], dataclasses.replace(group_a.children[2], max_points=100))),
        *criteria[1:]]


def out_of_order():
    calendar = good_calendar()
    return [calendar[0], calendar[1], calendar[3], calendar[2], *calendar[4:]]


def without_verification():
    return [p for p in good_calendar() if p.code != "tham-dinh"]


def bad_vote():
    return CouncilVote(poll_definitions=(PollDefinition("bang-khen", "Bằng khen", seats=0),),
                       quorum="3/2", threshold_base="all")


SUM = "Tiêu chí A: điểm tối đa của nhóm (600) khác tổng các mục con (550)."
ORDER = ("Giai đoạn bao-cao-so-ket: mở trước giai đoạn đứng trước nó (hoi-nghi-so-ket); các "
         "giai đoạn phải theo thứ tự thời gian.")
MISSING = "Không có giai đoạn nào cho hồ sơ 'verification'."
VOTE = ["Bỏ phiếu: Tham số quorum = '3/2' không phải là tỷ lệ từ 0 đến 1.",
        "Bỏ phiếu: Tham số threshold_base = 'all' không hợp lệ (chọn một trong: members, "
        "voters, valid, present).",
        "Bỏ phiếu: Cuộc bỏ phiếu bang-khen: số suất (seats) phải từ 1 trở lên.",
        "Bỏ phiếu: Cuộc bỏ phiếu bang-khen: min_choices phải từ 0 đến số lựa chọn tối đa."]


@pytest.mark.parametrize(("answers", "problems"), [
    ({"criteria": short_table}, [SUM]),
    ({"calendar": out_of_order}, [ORDER]),
    ({"calendar": without_verification}, [MISSING]),
    ({"voting": bad_vote}, VOTE),
    ({"voting": lambda: None},
     ["Không có quy trình bỏ phiếu (thidua_voting_procedure không trả lời)."]),
    ({"criteria": lambda: None},
     ["Bảng tiêu chí trống hoặc không phải danh sách Criterion."]),
    ({"criteria": short_table, "calendar": lambda: [p for p in out_of_order()
                                                    if p.code != "tham-dinh"],
      "voting": bad_vote}, [SUM, ORDER, MISSING, *VOTE]),
], ids=["points-do-not-add-up", "phases-out-of-order", "missing-deliverable",
        "invalid-voting", "no-voting", "no-criteria", "everything"])
def test_invalid_plan_is_422_listing_each_problem(admin, client, world, answers, problems):
    # Judge the bloc plugin on its own: no province-wide procedure to fall back on.
    world.extensions["thidua"].unregister("tinh_thu_nghiem")
    world.extensions["thidua"].register(
        PlanPlugin(**{key: make() for key, make in answers.items()}), "hong")
    assert_refused(client, admin, {"bloc": "khoi-hong", "year": 2024, "members": THU_MEMBERS},
                   422, {"code": "invalid_plan", "message": PLAN_INVALID,
                         "fields": {"plan": problems}})


def test_a_plugin_that_raises_is_422_naming_it(admin, client, world):
    @hookimpl(tryfirst=True)
    def thidua_criteria(bloc, year):
        raise KeyError("A.9")

    world.extensions["thidua"].register(types.SimpleNamespace(thidua_criteria=thidua_criteria),
                                        "hay_loi")
    assert_refused(client, admin, {"bloc": "khoi-8", "year": 2021, "members": KHOI8_MEMBERS},
                   422, {"code": "invalid_plan", "message": PLAN_INVALID, "fields": {"plan": [
                       "Plugin 'hay_loi' gặp lỗi khi trả lời thidua_criteria: KeyError: 'A.9'"]}})


MEMBERS_INVALID = "Danh sách thành viên không hợp lệ."
ONE_LEADER = "Khối phải có đúng một Khối trưởng."


@pytest.mark.parametrize(("members", "message", "fields"), [
    ([{"unit": "so-tttt", "role": "leader"}, {"unit": "so-khong-co", "role": "member"}],
     MEMBERS_INVALID, {"members[1]": ["Không có đơn vị mã 'so-khong-co'."]}),
    ([{"unit": "so-tttt", "role": "leader"}, {"unit": "so-ldtbxh", "role": "leader"}],
     MEMBERS_INVALID, {"members": [ONE_LEADER]}),
    ([{"unit": "so-tttt", "role": "deputy"}, {"unit": "so-ldtbxh", "role": "member"}],
     MEMBERS_INVALID, {"members": [ONE_LEADER]}),
    ([{"unit": "so-tttt", "role": "leader"}, {"unit": "so-yte", "role": "member"},
      {"unit": "so-yte", "role": "deputy"}],
     MEMBERS_INVALID, {"members": ["Một đơn vị được liệt kê nhiều lần."]}),
    ([{"unit": "so-tttt", "role": "leader"}, {"unit": "so-yte", "role": "chief"}],
     MEMBERS_INVALID, {"members[1]": ["Vai trò 'chief' không hợp lệ (leader, deputy, member)."]}),
    ([{"unit": "so-khong-co", "role": "boss"}, {"unit": "so-yte", "role": "member"}],
     MEMBERS_INVALID, {"members[0]": ["Không có đơn vị mã 'so-khong-co'.",
                                      "Vai trò 'boss' không hợp lệ (leader, deputy, member)."],
                       "members": [ONE_LEADER]}),
    ([], "Khối phải có ít nhất một đơn vị thành viên.",
     {"members": ["Danh sách thành viên trống."]}),
    ("so-tttt", "Thiếu danh sách thành viên.", {"members": ["Phải là một danh sách."]}),
    (None, "Thiếu danh sách thành viên.", {"members": ["Phải là một danh sách."]}),
    ([{"unit": "so-tttt", "role": "leader"}, "so-yte"], "Thành viên không hợp lệ.",
     {"members[1]": ["Mỗi thành viên cần 'unit' và 'role' dạng chuỗi."]}),
    ([{"unit": "so-tttt", "role": "leader"}, {"unit": 7, "role": "member"}],
     "Thành viên không hợp lệ.",
     {"members[1]": ["Mỗi thành viên cần 'unit' và 'role' dạng chuỗi."]}),
], ids=["unknown-unit", "two-leaders", "no-leader", "duplicate-unit", "bad-role",
        "several-problems", "empty", "not-a-list", "missing", "not-an-object", "unit-number"])
def test_bad_members_are_422(admin, client, members, message, fields):
    body = {"bloc": "khoi-8", "year": 2021}
    if members is not None:
        body["members"] = members
    assert_refused(client, admin, body, 422,
                   {"code": "validation_failed", "message": message, "fields": fields})


def test_inactive_unit_cannot_be_a_member(admin, client):


    db.session.scalar(select(Unit).where(Unit.code == "so-yte")).active = False
    db.session.commit()
    assert_refused(client, admin, {"bloc": "khoi-8", "year": 2021, "members": [
        {"unit": "so-tttt", "role": "leader"}, {"unit": "so-yte", "role": "member"}]}, 422,
        {"code": "validation_failed", "message": MEMBERS_INVALID,
         "fields": {"members[1]": ["Đơn vị 'so-yte' đã ngừng hoạt động."]}})


@pytest.mark.parametrize(("body", "fields", "message"), [
    ({"year": 2021, "members": KHOI8_MEMBERS}, {"bloc": ["Cần mã khối (chuỗi)."]},
     "Dữ liệu không hợp lệ."),
    ({"bloc": ["khoi-8"], "year": 2021, "members": KHOI8_MEMBERS},
     {"bloc": ["Cần mã khối (chuỗi)."]}, "Dữ liệu không hợp lệ."),
    ({"bloc": "k" * 10000, "year": 2021, "members": KHOI8_MEMBERS},
     {"bloc": ["Cần mã khối (chuỗi)."]}, "Dữ liệu không hợp lệ."),
    ({"bloc": "khoi-8", "year": "2021", "members": KHOI8_MEMBERS},
     {"year": ["Năm phải là số nguyên."]}, "Dữ liệu không hợp lệ."),
    ({"bloc": "khoi-8", "year": True, "members": KHOI8_MEMBERS},
     {"year": ["Năm phải là số nguyên."]}, "Dữ liệu không hợp lệ."),
    ({"bloc": "khoi-8", "year": 2021.5, "members": KHOI8_MEMBERS},
     {"year": ["Năm phải là số nguyên."]}, "Dữ liệu không hợp lệ."),
    ({"bloc": "khoi-8", "year": 1999, "members": KHOI8_MEMBERS},
     {"year": ["Năm phải từ 2000 đến 2100."]}, "Năm không hợp lệ."),
    ({"bloc": "'; DROP TABLE campaigns; --", "year": 2021, "members": KHOI8_MEMBERS},
     None, "Không có khối thi đua mã ''; DROP TABLE campaigns; --'."),
], ids=["no-bloc", "bloc-list", "bloc-10000", "year-text", "year-bool", "year-float",
        "year-range", "sql-bloc"])
def test_bad_bodies(admin, client, body, fields, message):
    if fields is None:
        assert_refused(client, admin, body, 404, {"code": "unknown_bloc", "message": message})
    else:
        assert_refused(client, admin, body, 422, {"code": "validation_failed",
                                                  "message": message, "fields": fields})


def test_no_token_is_401(world, client):
    before = row_counts()
    response = client.post("/api/v1/campaigns", json={"bloc": "khoi-8", "year": 2021,
                                                      "members": KHOI8_MEMBERS})
    assert response.status_code == 401
    assert row_counts() == before
