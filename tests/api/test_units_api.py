"""The API of units through time and the 2026 rules (core/api/units.py): refusals with the
field named and nothing written; a rename, a merge and a split with their decision; the
lineage and the name on a date; flags, shares of women, a campaign's eligibility."""

from __future__ import annotations

from sqlalchemy import select

from core.extensions import db
from core.models import UnitEvent, UnitName
from core.unit_of_work import unit_of_work
from tests.support import api_token, bearer, row_counts

DECISION = {"number": "45/QĐ-UBND", "date": "2021-06-01", "issuer": "UBND tỉnh Trà Vinh"}


def headers(client, user: str = "admin") -> dict[str, str]:
    return bearer(api_token(client, user))


def forget_2025() -> None:
    with unit_of_work():
        for row in db.session.scalars(select(UnitName)):
            db.session.delete(row)
        for row in db.session.scalars(select(UnitEvent)):
            db.session.delete(row)


def test_refusals_name_the_field_and_write_nothing(client, demo):
    admin, officer = headers(client), headers(client, "yte.canbo")
    before = row_counts()
    response = client.post("/api/v1/units/merge", headers=admin, json={
        "sources": ["so-yte"], "into": "so-yte", "effective_on": "2021-07-01",
        "decision": DECISION})
    assert response.status_code == 422
    assert "chính nó" in response.get_json()["error"]["fields"]["into"][0]
    response = client.post("/api/v1/units/merge", headers=admin, json={
        "sources": "so-yte", "into": "so-gddt"})
    assert response.status_code == 422 and "sources" in response.get_json()["error"]["fields"]
    response = client.post("/api/v1/units/so-yte/rename", headers=admin, json={
        "name": "", "short_name": "SYT", "effective_on": "2030-01-01", "decision": {}})
    fields = response.get_json()["error"]["fields"]
    assert response.status_code == 422
    assert {"name", "effective_on", "decision_number", "decision_date"} <= set(fields)
    response = client.post("/api/v1/units/so-yte/rename", headers=officer,
                           json={"name": "X", "short_name": "X", "effective_on": "2021-07-01",
                                 "decision": DECISION})
    assert response.status_code == 403
    response = client.post("/api/v1/unit-flags", headers=admin, json={
        "unit": "so-yte", "year": 2021, "kind": "other", "reason": ""})
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"kind", "reason"}
    response = client.put("/api/v1/units/so-yte/women-share/2021", headers=admin,
                          json={"percent": 120})
    assert response.status_code == 422 and "percent" in response.get_json()["error"]["fields"]
    assert row_counts() == before


def test_rename_merge_split_and_lineage(client, demo):
    forget_2025()
    admin = headers(client)
    response = client.post("/api/v1/units/so-yte/rename", headers=admin, json={
        "name": "Sở Y tế tỉnh Trà Vinh", "short_name": "SYT", "effective_on": "01/06/2021",
        "decision": DECISION})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["kind"] == "rename"
    named = client.get("/api/v1/units/so-yte/name?on=2021-05-31", headers=admin).get_json()
    assert named["name"] == "Sở Y tế"
    assert client.get("/api/v1/units/so-yte/name", headers=admin).get_json()["name"] == \
        "Sở Y tế tỉnh Trà Vinh"
    response = client.post("/api/v1/units/merge", headers=admin, json={
        "sources": ["so-yte", "so-gddt"],
        "into": {"code": "so-ytgd", "name": "Sở Y tế và Giáo dục", "short_name": "Sở YT-GD"},
        "effective_on": "2021-06-05", "decision": DECISION})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["created"] == ["so-ytgd"]
    response = client.post("/api/v1/units/so-noivu/split", headers=admin, json={
        "successors": ["so-noivu", {"code": "so-tongiao", "name": "Ban Tôn giáo",
                                    "short_name": "Ban TG"}],
        "carrier": "so-noivu", "effective_on": "2021-06-05", "decision": DECISION})
    assert response.status_code == 201, response.get_json()
    lineage = client.get("/api/v1/units/so-ytgd/lineage", headers=admin).get_json()
    assert [p["unit"] for p in lineage["predecessors"]] == ["so-yte", "so-gddt"]
    yte = client.get("/api/v1/units/so-yte/lineage", headers=admin).get_json()
    assert yte["successor"]["unit"] == "so-ytgd" and yte["ended_on"] == "2021-06-05"
    assert [n["name"] for n in yte["names"]] == ["Sở Y tế", "Sở Y tế tỉnh Trà Vinh"]
    changes = client.get("/api/v1/unit-changes", headers=admin).get_json()
    assert [c["kind"] for c in changes][:3] == ["split", "merge", "rename"]
    members = client.get("/api/v1/campaigns/khoi-8/2021", headers=admin).get_json()["members"]
    assert "so-ytgd" in [m["unit"] for m in members] and "so-yte" not in \
        [m["unit"] for m in members]


def test_flags_shares_and_eligibility(client, demo):
    board = headers(client, "bantdkt")
    response = client.post("/api/v1/unit-flags", headers=board, json={
        "unit": "so-yte", "year": 2021, "kind": "complaint",
        "reason": "Đơn khiếu nại ngày 02/3/2021 đang được xác minh"})
    assert response.status_code == 201, response.get_json()
    flag = response.get_json()
    assert (flag["set_by"], flag["kind"], flag["cleared_at"]) == ("bantdkt", "complaint", None)
    assert client.post("/api/v1/unit-flags", headers=headers(client, "tttt.canbo"), json={
        "unit": "so-yte", "year": 2021, "kind": "complaint", "reason": "x"}).status_code == 403
    assert client.put("/api/v1/units/so-yte/women-share/2021", headers=board,
                      json={"percent": "72,5"}).get_json()["percent"] == 72.5
    overview = client.get("/api/v1/campaigns/khoi-8/2021/eligibility",
                          headers=headers(client, "tttt.canbo")).get_json()
    yte = next(u for u in overview["units"] if u["unit"] == "so-yte")
    assert yte["women_share"] == 72.5 and yte["flags"][0]["kind"] == "complaint"
    assert yte["barred"] is False  # Khối 8 2021 has no 2026 rules
    listed = client.get("/api/v1/unit-flags?year=2021", headers=board).get_json()
    assert [f["unit"] for f in listed] == ["so-yte"]
    response = client.post(f"/api/v1/unit-flags/{flag['id']}/clear", headers=board,
                           json={"reason": "Đã giải quyết xong khiếu nại"})
    assert response.status_code == 200 and response.get_json()["clear_reason"]
    assert client.post(f"/api/v1/unit-flags/{flag['id']}/clear", headers=board,
                       json={"reason": "lần hai"}).status_code == 409
