"""Issue 14: no 5xx from inputs on the API (years beyond a PostgreSQL integer, JSON bodies
that are not objects), 405 answers carry ``Allow``, and the history of a bloc keeps a year's
verified totals from outsiders until the year's verification is settled."""

from __future__ import annotations

import pytest

from core.services import accounts, campaign_state
from core.unit_of_work import unit_of_work
from tests.support import DEMO_PASSWORD, api_token, bearer

BIG = "99999999999"


@pytest.mark.parametrize("path", [
    f"/api/v1/campaigns/khoi-8/{BIG}", f"/api/v1/campaigns/khoi-8/{BIG}/ranking",
    f"/api/v1/campaigns/khoi-8/{BIG}/polls", f"/api/v1/board/{BIG}",
    f"/api/v1/board/{BIG}/proposals.pdf", f"/api/v1/blocs/khoi-8/proposed-members/{BIG}",
    "/api/v1/campaigns/khoi-8/2147483648", "/api/v1/campaigns/khoi-8/" + "9" * 40,
])
def test_a_year_too_large_is_404(client, demo, path):
    token = api_token(client, "admin")
    response = client.get(path, headers=bearer(token))
    assert response.status_code == 404, response.get_data(as_text=True)[:300]
    assert response.get_json()["error"]["code"] == "not_found"


NOT_OBJECTS = {
    "list": b"[]", "list-of-objects": b'[{"username": "admin"}]', "string": b'"admin"',
    "number": b"42", "true": b"true", "null": b"null",
    "deep-list": b"[" * 100_000 + b"]" * 100_000,
    "deep-object": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
}


def _json_endpoints(app) -> list[tuple[str, str]]:
    values = {"bloc": "khoi-8", "year": "2021", "unit": "so-vhttdl", "kind": "mid_year",
              "poll": "co-thi-dua", "code": "so-vhttdl", "username": "vhttdl.canbo",
              "name": "bao-cao-so-ket", "attachment_id": "1", "token": "x", "action": "open", "deliverable": "registration",
              "flag_id": "1", "version": "1"}
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH"}):
            path = rule.rule
            for name in rule.arguments:
                import re

                path = re.sub(rf"<(?:[^<>]+:)?{name}>", values[name], path)
            found.append((method, path))
    return found


@pytest.mark.parametrize("kind", sorted(NOT_OBJECTS))
def test_tokens_refuse_json_that_is_not_an_object(client, demo, kind):
    response = client.post("/api/v1/tokens", data=NOT_OBJECTS[kind],
                           content_type="application/json")
    if kind == "null":  # JSON null reads as no body: malformed
        assert response.status_code == 400
        return
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.get_json()["error"]["code"] == "bad_request"


def test_every_json_endpoint_refuses_json_that_is_not_an_object(client, demo):
    token = api_token(client, "admin")
    endpoints = _json_endpoints(demo)
    assert len(endpoints) > 20
    refused = set()
    for method, path in endpoints:
        for kind in ("list", "string", "number", "deep-list", "deep-object"):
            response = client.open(path, method=method, data=NOT_OBJECTS[kind],
                                   content_type="application/json", headers=bearer(token))
            where = (method, path, kind, response.status_code)
            assert response.status_code < 500, where
            if path.endswith("/attendance") and kind == "list":
                continue  # the attendance takes a list of rows (checked by the service)
            if path.endswith(("/attachments", "/imports")):
                continue  # multipart uploads, not JSON endpoints (422: no file)
            if response.status_code == 400:
                assert response.get_json()["error"]["code"] == "bad_request", where
                refused.add(path)
    # Every endpoint that reads a JSON body refuses it (the others take no body: archive, …).
    assert len(refused) >= 20, sorted(refused)


def test_json_endpoints_that_read_a_body_answer_400_bad_request(client, demo):
    token = api_token(client, "admin")
    for path in ("/api/v1/units", "/api/v1/users"):
        response = client.post(path, data=b"[1, 2]", content_type="application/json",
                               headers=bearer(token))
        assert response.status_code == 400
        assert response.get_json()["error"]["code"] == "bad_request"


def test_405_answers_carry_allow(client, demo):
    response = client.put("/api/v1/tokens")  # (DELETE is sign-out since the token fixes)
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"
    assert {"POST", "GET", "DELETE"} <= set(response.headers["Allow"].split(", "))


# --- 5. the history of a bloc ------------------------------------------------------------

@pytest.fixture
def outsider(demo):
    """An officer of a unit that is not a member of Khối 8."""
    with unit_of_work():
        accounts.create_unit("so-ngoai", "Sở Ngoài Khối", "Sở NK", actor=None)
        accounts.create_user("ngoai.canbo", "Cán bộ Sở NK", DEMO_PASSWORD, demo_password=True,
                             unit_code="so-ngoai", role="officer", actor=None)
    return demo


def _khoi8_2021(client, username):
    response = client.get("/api/v1/history/blocs/khoi-8",
                          headers=bearer(api_token(client, username)))
    assert response.status_code == 200
    return next(y for y in response.get_json()["years"] if y["year"] == 2021)


def _unit_2021(client, username):
    response = client.get("/api/v1/history/units/so-vhttdl",
                          headers=bearer(api_token(client, username)))
    assert response.status_code == 200
    return next(y for y in response.get_json()["years"] if y["year"] == 2021)


def test_outsiders_do_not_read_ongoing_verified_totals(client, outsider):
    from sqlalchemy import select

    from core.extensions import db
    from core.models import Bloc, Campaign

    with outsider.app_context():
        campaign = db.session.scalar(select(Campaign).join(Bloc).where(
            Bloc.code == "khoi-8", Campaign.year == 2021))
        assert not campaign_state.step(campaign, "verification").settled
    token = api_token(client, "ngoai.canbo")
    ranking = client.get("/api/v1/campaigns/khoi-8/2021/ranking", headers=bearer(token))
    assert ranking.status_code == 403
    year = _khoi8_2021(client, "ngoai.canbo")
    assert year["ranking"] == []
    assert year["members"] > 0  # the rest of the year still reads
    unit = _unit_2021(client, "ngoai.canbo")
    assert unit["verified_total"] is None and unit["rank"] is None
    for insider in ("vhttdl.canbo", "yte.canbo", "bantdkt", "admin"):
        assert _khoi8_2021(client, insider)["ranking"], insider
        assert _unit_2021(client, insider)["rank"] is not None, insider


def test_outsiders_read_the_totals_once_verification_is_settled(client, played_year):
    """The played year: the leader has locked the verification."""
    with unit_of_work():
        accounts.create_unit("so-ngoai", "Sở Ngoài Khối", "Sở NK", actor=None)
        accounts.create_user("ngoai.canbo", "Cán bộ Sở NK", DEMO_PASSWORD, demo_password=True,
                             unit_code="so-ngoai", role="officer", actor=None)
    outside = _khoi8_2021(client, "ngoai.canbo")
    inside = _khoi8_2021(client, "vhttdl.canbo")
    assert outside["ranking"] and outside["ranking"] == inside["ranking"]
    assert any(r["verified_total"] > 0 for r in outside["ranking"])
    assert _unit_2021(client, "ngoai.canbo")["rank"] is not None


