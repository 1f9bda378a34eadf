"""Plans as data over the API (issue 12): administrators only; a bloc created, a plan copied
into next year with its diff, checked, saved (refused whole, with the field named), the points
table from an .xlsx body with a dry run, and the year opened from the stored plan."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.support import api_token, bearer, row_counts

BASE = "/api/v1/blocs/khoi-8/plans"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def admin(demo, client):
    return bearer(api_token(client, "admin"))


def test_only_administrators(demo, client):
    for username in ("tttt.canbo", "bantdkt"):
        headers = bearer(api_token(client, username))
        assert client.get(f"{BASE}/2021", headers=headers).status_code == 403
        response = client.post("/api/v1/admin/blocs", headers=headers,
                               json={"code": "khoi-9", "name": "Khối 9"})
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "forbidden"
    assert client.get(f"{BASE}/2021").status_code == 401


def test_copy_check_save_and_open_the_next_year(demo, client, admin):
    source = client.get(f"{BASE}/2021", headers=admin).get_json()
    assert source["source"] == "plugin" and source["document"]["year"] == 2021
    copied = client.post(f"{BASE}/2021/copy", headers=admin, json={}).get_json()
    assert copied["saved"] is False and copied["problems"] == []
    assert copied["document"]["calendar"][0]["opens"] == "2022-04-23"
    assert {"field": "calendar.binh-xet.due", "before": "28/02/2022", "after": "28/02/2023",
            "text": "Giai đoạn binh-xet: hạn 28/02/2022 → 28/02/2023"} in copied["changes"]
    document = copied["document"]
    document["criteria"][0]["children"][0]["max_points"] = 6
    checked = client.post(f"{BASE}/2022/check", headers=admin, json=document).get_json()
    assert checked == {"ok": False, "problems": [{
        "field": "criteria[0]",
        "message": "Tiêu chí 1: điểm tối đa của nhóm (35) khác tổng các mục con (36)."}]}
    before = row_counts()
    refused = client.put(f"{BASE}/2022", headers=admin, json=document)
    assert refused.status_code == 422
    assert refused.get_json()["error"]["code"] == "invalid_plan"
    assert refused.get_json()["error"]["fields"] == {"criteria[0]": [
        "Tiêu chí 1: điểm tối đa của nhóm (35) khác tổng các mục con (36)."]}
    assert row_counts() == before
    document["criteria"][0]["children"][1]["max_points"] = 4
    saved = client.put(f"{BASE}/2022", headers=admin, json=document)
    assert saved.status_code == 200 and saved.get_json()["revision"] == 1
    wrong_place = client.put(f"{BASE}/2023", headers=admin, json=document)
    assert wrong_place.status_code == 422 and "year" in wrong_place.get_json()["error"]["fields"]
    opened = client.post("/api/v1/campaigns", headers=admin, json={
        "bloc": "khoi-8", "year": 2022, "members": [{"unit": "so-tttt", "role": "leader"},
                                                    {"unit": "so-yte", "role": "member"}]})
    assert opened.status_code == 201, opened.get_json()
    campaign = client.get("/api/v1/campaigns/khoi-8/2022", headers=admin).get_json()
    assert [c["max_points"] for c in campaign["criteria"][0]["children"][:2]] == [6, 4]
    assert campaign["calendar"][-1]["due"] == "2023-02-28"


def test_a_bloc_created_over_the_api_is_listed(demo, client, admin):
    created = client.post("/api/v1/admin/blocs", headers=admin, json={
        "code": "khoi-5", "name": "Khối thi đua Khối 5", "abbreviation": "TĐK5"})
    assert created.status_code == 201
    blocs = {b["code"]: b for b in client.get("/api/v1/blocs", headers=admin).get_json()}
    assert blocs["khoi-5"]["plugin"] == "data_plans"
    again = client.post("/api/v1/admin/blocs", headers=admin, json={
        "code": "khoi-5", "name": "Lần nữa"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "bloc_exists"
    bad = client.post("/api/v1/admin/blocs", headers=admin, json={"code": "K 5"})
    assert bad.status_code == 422 and set(bad.get_json()["error"]["fields"]) == {"code", "name"}


def test_points_workbook_dry_run_then_apply(demo, client, admin):
    client.post(f"{BASE}/2021/copy", headers=admin, json={"save": True})
    template = client.get("/api/v1/admin/plans/points-template.xlsx", headers=admin)
    assert template.status_code == 200 and template.mimetype == XLSX
    from core.services import plan_documents as plans

    book = load_workbook(io.BytesIO(plans.points_template(plans.stored("khoi-8", 2022).document)))
    book.active["D3"], book.active["D4"] = 7, 3
    out = io.BytesIO()
    book.save(out)
    dry = client.post(f"{BASE}/2022/points", headers={**admin, "Content-Type": XLSX},
                      data=out.getvalue())
    assert dry.status_code == 200
    body = dry.get_json()
    assert body["ok"] and not body["applied"]
    assert [(r["code"], r["action"]) for r in body["rows"] if r["action"] != "same"] == [
        ("1.1", "change"), ("1.2", "change")]
    applied = client.post(f"{BASE}/2022/points?apply=1",
                          headers={**admin, "Content-Type": XLSX}, data=out.getvalue())
    assert applied.status_code == 200 and applied.get_json()["revision"] == 2
    book.active["B5"] = "X"
    out = io.BytesIO()
    book.save(out)
    wrong = client.post(f"{BASE}/2022/points?apply=1", headers={**admin, "Content-Type": XLSX},
                        data=out.getvalue())
    assert wrong.status_code == 422
    assert wrong.get_json()["error"]["fields"]["dòng 5"] == [
        "Dòng 5: nhóm 'X' không có trong bảng (mã nhóm phải là một dòng ở phía trên)."]
