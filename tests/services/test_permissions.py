"""Roles × actions, in full: a unit can never write another unit's data."""

import pytest

from tests.support import api_token, bearer
from tests.support.cycle import BASE, at, full_registration, item_codes

ROLES = {
    "officer": "vhttdl.canbo",     # the unit's own officer
    "head": "vhttdl.thutruong",    # the unit's own head
    "other_unit": "yte.canbo",     # another member unit
    "leader": "tttt.canbo",
    "deputy": "ldtbxh.canbo",
    "board": "bantdkt",
    "admin": "admin",
    "anonymous": None,
}

# action -> roles allowed (everyone else: 401 for anonymous, 403 otherwise)
MATRIX = {
    "read_registration": {"officer", "head", "other_unit", "leader", "deputy", "board", "admin"},
    "write_registration": {"officer", "head"},
    "write_report": {"officer", "head"},
    "write_self_score": {"officer", "head"},
    "verify_score": {"leader", "deputy"},
    "read_status": {"leader", "deputy", "board", "admin"},
    "read_ranking": {"officer", "head", "other_unit", "leader", "deputy", "board", "admin"},
    "extend_deadline": {"leader"},
}


def _request(client, headers, action, codes):
    unit = f"{BASE}/registrations/so-vhttdl"
    if action == "read_registration":
        return client.get(unit, headers=headers)
    if action == "write_registration":
        return client.put(unit, headers=headers, json={
            "items": full_registration(codes)[:1], "submit": False})
    if action == "write_report":
        return client.put(f"{BASE}/reports/so-vhttdl/mid_year", headers=headers,
                          json={"body": "Nháp", "progress": [], "submit": False})
    if action == "write_self_score":
        return client.put(f"{BASE}/scores/so-vhttdl", headers=headers, json={
            "items": [{"criterion": "1.1", "self_score": 0}]})
    if action == "verify_score":
        return client.put(f"{BASE}/scores/so-vhttdl", headers=headers, json={
            "items": [{"criterion": "1.1", "verified_score": 0, "reason": "Kiểm tra"}]})
    if action == "read_status":
        return client.get(f"{BASE}/status", headers=headers)
    if action == "read_ranking":
        return client.get(f"{BASE}/ranking", headers=headers)
    if action == "extend_deadline":
        return client.post(f"{BASE}/deadlines", headers=headers, json={
            "phase": "dang-ky", "due": "2021-06-30", "reason": "Gia hạn"})
    raise AssertionError(action)


# Each action is tried on a date when its phase is open, so only permissions decide.
WHEN = {
    "read_registration": (2021, 5, 3), "write_registration": (2021, 5, 3),
    "write_report": (2021, 6, 5), "write_self_score": (2022, 1, 10),
    "verify_score": (2022, 2, 5), "read_status": (2021, 5, 3),
    "read_ranking": (2022, 2, 5), "extend_deadline": (2021, 5, 3),
}


@pytest.mark.parametrize("action", sorted(MATRIX))
@pytest.mark.parametrize("role", sorted(ROLES))
def test_role_action(app, client, demo, role, action):
    at(app, *WHEN[action], 9, 0)
    admin_headers = bearer(api_token(client, "admin"))
    codes = item_codes(client, admin_headers)
    if action == "write_report":
        # the unit has a submitted registration so progress rows can exist
        at(app, 2021, 5, 3, 9, 0)
        officer = bearer(api_token(client, "vhttdl.canbo"))
        client.put(f"{BASE}/registrations/so-vhttdl", headers=officer,
                   json={"items": full_registration(codes), "submit": True})
        at(app, *WHEN[action], 9, 0)
    headers = bearer(api_token(client, ROLES[role])) if ROLES[role] else {}
    response = _request(client, headers, action, codes)
    if role in MATRIX[action]:
        assert response.status_code in (200, 201), (role, action, response.get_json())
    elif role == "anonymous":
        assert response.status_code == 401
    else:
        assert response.status_code == 403, (role, action, response.get_json())
        assert response.get_json()["error"]["message"]
