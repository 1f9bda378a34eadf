"""Bad input on the cycle's API: a clear Vietnamese error, the right status, nothing changed."""

import pytest

from tests.support import row_counts
from tests.support.cycle import BASE, Api, at, full_registration, item_codes

LONG = "x" * 10_000
SQL = "'; DROP TABLE registrations; --"


@pytest.fixture
def officer(app, client, demo):
    at(app, 2021, 5, 3, 9, 0)
    return Api(client, "vhttdl.canbo")


@pytest.mark.parametrize(("body", "status"), [
    ({"items": "tất cả", "submit": False}, 422),
    ({"items": [{"criterion": "9.9", "target": "x"}], "submit": False}, 422),
    ({"items": [{"criterion": SQL, "target": "x"}], "submit": False}, 422),
    ({"items": [{"criterion": "1.1", "target": LONG}], "submit": False}, 422),
    ({"items": [{"criterion": "1.1", "target": "a\x00b"}], "submit": False}, 422),
    ({"items": [{"criterion": "1.1", "target": 5}], "submit": False}, 422),
    ({"items": [{"criterion": "1.1", "not_applicable": True}], "submit": False}, 422),
    ({"items": [{"criterion": "1.1", "target": "a"}, {"criterion": "1.1", "target": "b"}],
      "submit": False}, 422),
    ({"items": [], "submit": "yes"}, 422),
    ({"items": [{"criterion": "C.1", "target": "bonus lines are not registered"}],
      "submit": False}, 422),
])
def test_registration_rejects(officer, body, status):
    before = row_counts()
    response = officer.put("/registrations/so-vhttdl", json=body)
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    assert error["message"] and any(ch in error["message"] for ch in "ạảãáàâăêôơưđ")
    assert row_counts() == before


def test_malformed_and_non_utf8_bodies(officer, client):
    before = row_counts()
    raw = client.put(f"{BASE}/registrations/so-vhttdl", headers=officer.headers,
                     data=b'{"items": [{"criterion": "1.1", "target": "\xff"}]}',
                     content_type="application/json")
    assert raw.status_code == 400
    assert raw.get_json()["error"]["code"] == "malformed"
    broken = client.put(f"{BASE}/registrations/so-vhttdl", headers=officer.headers,
                        data=b'{"items": [', content_type="application/json")
    assert broken.status_code == 400
    assert row_counts() == before


def test_unknown_unit_and_campaign(officer):
    assert officer.put("/registrations/so-khong-co", json={"items": []}).status_code == 404
    response = officer.client.get("/api/v1/campaigns/khoi-8/2030/registrations/so-vhttdl",
                                  headers=officer.headers)
    assert response.status_code == 404


def test_stale_form_is_409_not_overwrite(officer, client):
    codes = item_codes(client, officer.headers)
    first = officer.put("/registrations/so-vhttdl", json={
        "items": full_registration(codes)[:2], "submit": False}).get_json()
    head = Api(client, "vhttdl.thutruong")
    assert head.put("/registrations/so-vhttdl", json={
        "items": [{"criterion": codes[0], "target": "Sửa bởi thủ trưởng"}],
        "version": first["version"]}).status_code == 200
    before = row_counts()
    stale = officer.put("/registrations/so-vhttdl", json={
        "items": [{"criterion": codes[0], "target": "Bản cũ"}], "version": first["version"]})
    assert stale.status_code == 409
    assert stale.get_json()["error"]["code"] == "stale_form"
    assert row_counts() == before
    kept = officer.get("/registrations/so-vhttdl").get_json()["items"][0]["target"]
    assert kept == "Sửa bởi thủ trưởng"


@pytest.mark.parametrize(("item", "field"), [
    ({"criterion": "1.1", "self_score": 6, "evidence": "x"}, "self_score"),       # > max 5
    ({"criterion": "1.1", "self_score": -1, "evidence": "x"}, "self_score"),
    ({"criterion": "1.1", "self_score": "năm", "evidence": "x"}, "self_score"),
    ({"criterion": "1.1", "self_score": 2.555, "evidence": "x"}, "self_score"),
    ({"criterion": "1.1", "self_score": 3}, "evidence"),                           # no evidence
    ({"criterion": "C.1", "self_score": 6, "evidence": "x"}, "self_score"),       # bonus cap 5
    ({"criterion": "T.2", "self_score": 1, "evidence": "x"}, "self_score"),       # deduction > 0
    ({"criterion": "T.2", "self_score": -6}, "self_score"),                        # below −5
])
def test_self_score_bounds(app, client, demo, item, field):
    at(app, 2022, 1, 10, 9, 0)
    api = Api(client, "vhttdl.canbo")
    before = row_counts()
    response = api.put("/scores/so-vhttdl", json={"items": [item]})
    assert response.status_code == 422, response.get_json()
    fields = response.get_json()["error"]["fields"]
    assert any(key.endswith(field) for key in fields), fields
    assert row_counts() == before


def test_board_line_is_not_self_scored(app, client, demo):
    at(app, 2022, 1, 10, 9, 0)
    api = Api(client, "vhttdl.canbo")
    response = api.put("/scores/so-vhttdl", json={"items": [
        {"criterion": "T.1", "self_score": 0}]})
    assert response.status_code == 422
    assert "Ban Thi đua" in str(response.get_json()["error"]["fields"])


def test_deduction_and_half_points_accepted(app, client, demo):
    at(app, 2022, 1, 10, 9, 0)
    api = Api(client, "vhttdl.canbo")
    response = api.put("/scores/so-vhttdl", json={"items": [
        {"criterion": "T.2", "self_score": -5},
        {"criterion": "1.2", "self_score": "2,5", "evidence": "Kế hoạch 34/KH"}]})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["self_total"] == -2.5
