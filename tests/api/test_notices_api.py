"""Notices and reminders through the JSON API: the person's notices, marking read, the choice
of reminders and the e-mail address, and the step host's reminder to the units that have not
sent (403 for others, 429 the second time a day)."""

from __future__ import annotations

from datetime import date

from core.services import notifications
from core.unit_of_work import unit_of_work
from tests.support import api_token, bearer, row_counts
from tests.support.cycle_pages import at, user


def headers(client, username: str) -> dict[str, str]:
    return bearer(api_token(client, username))


def test_notices_and_marking_read(app, client, demo):
    at(app, 2021, 5, 8, 9, 0)
    with unit_of_work():
        notifications.run(date(2021, 5, 8))
    me = headers(client, "gddt.canbo")
    assert client.get("/api/v1/notices").status_code == 401
    body = client.get("/api/v1/notices", headers=me).get_json()
    assert body["unread"] == 1
    [notice] = body["notices"]
    assert notice["kind"] == "due_7" and notice["read_at"] is None
    assert notice["link"] == "/campaigns/khoi-8/2021/registrations/so-gddt"
    assert notice["created_at"].endswith("+07:00")

    bad = client.post("/api/v1/notices/read", headers=me, json={"ids": ["x"]})
    assert bad.status_code == 422 and "ids" in bad.get_json()["error"]["fields"]
    other = headers(client, "yte.canbo")
    assert client.post("/api/v1/notices/read", headers=other,
                       json={"ids": [notice["id"]]}).get_json()["marked"] == 0
    done = client.post("/api/v1/notices/read", headers=me, json={"ids": [notice["id"]]})
    assert done.status_code == 200 and done.get_json() == {"marked": 1, "unread": 0}
    assert client.get("/api/v1/notices?unread=1", headers=me).get_json()["notices"] == []
    assert client.post("/api/v1/notices/read", headers=other).get_json() == \
        {"marked": 1, "unread": 0}


def test_preferences(app, client, demo):
    me = headers(client, "gddt.canbo")
    got = client.get("/api/v1/notices/preferences", headers=me).get_json()
    assert got == {"email": None, "kinds": {k: True for k in notifications.KIND_LABELS}}

    before = row_counts()
    bad = client.put("/api/v1/notices/preferences", headers=me,
                     json={"email": "sai", "kinds": {"due_7": "no", "spam": False}})
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["fields"]) == {"email"}
    bad = client.put("/api/v1/notices/preferences", headers=me,
                     json={"kinds": {"due_7": "no", "spam": False}})
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["fields"]) == {"due_7", "spam"}
    assert client.put("/api/v1/notices/preferences", headers=me,
                      json={"kinds": []}).status_code == 422
    assert row_counts() == before

    saved = client.put("/api/v1/notices/preferences", headers=me, json={
        "email": "canbo@sogddt.travinh.gov.vn", "kinds": {"due_7": False, "nudge": False}})
    assert saved.status_code == 200, saved.get_json()
    body = saved.get_json()
    assert body["email"] == "canbo@sogddt.travinh.gov.vn"
    assert body["kinds"]["due_7"] is False and body["kinds"]["due_1"] is True
    assert client.get("/api/v1/notices/preferences", headers=me).get_json() == body
    at(app, 2021, 5, 8, 9, 0)
    with unit_of_work():
        given = notifications.run(date(2021, 5, 8)).given
    assert "gddt.canbo" not in {g.reminder.user.username for g in given}


def test_the_hosts_reminder(app, client, demo):
    at(app, 2021, 5, 10, 9, 0)
    path = "/api/v1/campaigns/khoi-8/2021/steps/registration/remind"
    assert client.post(path, headers=headers(client, "ldtbxh.canbo")).status_code == 403
    assert client.post(path, headers=headers(client, "gddt.canbo")).status_code == 403
    assert client.post("/api/v1/campaigns/khoi-8/2021/steps/verification/remind",
                       headers=headers(client, "tttt.canbo")).status_code == 422
    leader = headers(client, "tttt.canbo")
    done = client.post(path, headers=leader)
    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    assert len(body["units"]) == 8 and body["people"] == 16
    assert body["mail"] == {"no_address": 16}
    assert notifications.unread_count(user("gddt.thutruong")) == 1
    again = client.post(path, headers=leader)
    assert again.status_code == 429 and again.get_json()["error"]["code"] == "reminded_today"
    assert notifications.unread_count(user("gddt.thutruong")) == 1


def test_openapi_lists_the_notice_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/notices", "/notices/read", "/notices/preferences",
            "/campaigns/{bloc}/{year}/steps/{deliverable}/remind"} <= set(paths)
