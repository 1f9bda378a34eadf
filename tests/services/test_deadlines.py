"""Deadlines in Asia/Ho_Chi_Minh: the boundary second, late policies, extensions."""

import pytest

from tests.support.cycle import Api, at, full_registration, item_codes


def _register(app, client, unit="so-vhttdl", user="vhttdl.canbo"):
    at(app, 2021, 5, 3, 9, 0)
    api = Api(client, user)
    codes = item_codes(client, api.headers)
    assert api.put(f"/registrations/{unit}", json={
        "items": full_registration(codes), "submit": True}).status_code == 200
    return api, codes


def _mid_year(api, codes, unit="so-vhttdl"):
    return api.put(f"/reports/{unit}/mid_year", json={
        "body": "Báo cáo sơ kết.",
        "progress": [{"criterion": c, "percent": 40} for c in codes[:-1]], "submit": True})


@pytest.mark.parametrize(("moment", "late"), [
    ((2021, 6, 14, 23, 59, 59), False),
    ((2021, 6, 15, 0, 0, 0), True),
])
def test_mid_year_boundary_second(app, client, demo, moment, late):
    api, codes = _register(app, client)
    at(app, *moment)
    response = _mid_year(api, codes)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["late"] is late


def test_phase_not_open_yet_is_409(app, client, demo):
    api, codes = _register(app, client)
    at(app, 2021, 5, 31, 23, 59, 59)
    response = _mid_year(api, codes)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "phase_not_open"
    assert "chưa mở" in response.get_json()["error"]["message"]


def test_year_end_rejects_late_then_extension_for_one_unit(app, client, demo):
    api, codes = _register(app, client)
    at(app, 2022, 2, 1, 0, 0, 0)
    score = {"items": [{"criterion": codes[0], "self_score": 1, "evidence": "x"}]}
    refused = api.put("/scores/so-vhttdl", json=score)
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "phase_closed"
    assert "31/01/2022" in refused.get_json()["error"]["message"]

    leader = Api(client, "tttt.canbo")
    no_reason = leader.post("/deadlines", json={"phase": "bao-cao-tong-ket",
                                                "due": "2022-02-03", "unit": "so-vhttdl"})
    assert no_reason.status_code == 422
    granted = leader.post("/deadlines", json={
        "phase": "bao-cao-tong-ket", "due": "2022-02-03", "unit": "so-vhttdl",
        "reason": "Đơn vị có văn bản xin gia hạn do thay đổi lãnh đạo"})
    assert granted.status_code == 201, granted.get_json()
    assert api.put("/scores/so-vhttdl", json=score).status_code == 200
    other = Api(client, "yte.canbo")
    other_score = {"items": [{"criterion": codes[0], "self_score": 1, "evidence": "x"}]}
    assert other.put("/scores/so-yte", json=other_score).status_code == 409


def test_only_leader_extends(app, client, demo):
    deputy = Api(client, "ldtbxh.canbo")
    response = deputy.post("/deadlines", json={"phase": "dang-ky", "due": "2021-06-01",
                                               "reason": "Gia hạn chung"})
    assert response.status_code == 403


def test_bloc_wide_extension_keeps_registration_on_time(app, client, demo):
    leader = Api(client, "tttt.canbo")
    at(app, 2021, 5, 10, 9, 0)
    assert leader.post("/deadlines", json={"phase": "dang-ky", "due": "2021-05-31",
                                           "reason": "Theo đề nghị của các đơn vị"}
                       ).status_code == 201
    at(app, 2021, 5, 20, 9, 0)
    api = Api(client, "yte.canbo")
    codes = item_codes(client, api.headers)
    body = api.put("/registrations/so-yte", json={
        "items": full_registration(codes), "submit": True}).get_json()
    assert body["late"] is False


def test_late_registration_accepted_and_marked(app, client, demo):
    at(app, 2021, 5, 16, 8, 0)
    api = Api(client, "yte.canbo")
    codes = item_codes(client, api.headers)
    body = api.put("/registrations/so-yte", json={
        "items": full_registration(codes), "submit": True}).get_json()
    assert body["status"] == "submitted" and body["late"] is True
