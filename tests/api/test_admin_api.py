"""Administration through the API: edit, deactivate, reset a password; edit and deactivate a
unit; archive a campaign; the board's proposals as XLSX and PDF; next year's members."""

import io
import subprocess

from openpyxl import load_workbook

from tests.support import api_token, bearer, row_counts


def test_edit_deactivate_and_reset(client, demo):
    admin = bearer(api_token(client, "admin"))
    officer_token = api_token(client, "yte.canbo")
    changed = client.patch("/api/v1/users/yte.canbo", headers=admin,
                           json={"full_name": "Phạm Thị Lan", "role": "head"})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["role"] == "head" and changed.get_json()["full_name"] == "Phạm Thị Lan"
    before = row_counts()
    bad = client.patch("/api/v1/users/yte.canbo", headers=admin, json={"role": "giám đốc"})
    assert bad.status_code == 422 and row_counts() == before
    assert client.patch("/api/v1/users/yte.canbo", headers=admin,
                        json={"active": False}).status_code == 200
    assert client.get("/api/v1/me", headers=bearer(officer_token)).status_code == 401
    assert client.post("/api/v1/tokens", json={"username": "yte.canbo",
                                               "password": "ThiDua@2021"}).status_code == 401
    client.patch("/api/v1/users/yte.canbo", headers=admin, json={"active": True})
    weak = client.post("/api/v1/users/yte.canbo/password", headers=admin, json={"password": "123"})
    assert weak.status_code == 422
    assert client.post("/api/v1/users/yte.canbo/password", headers=admin,
                       json={"password": "Cau-Co-Chien-2025x"}).status_code == 200
    assert api_token(client, "yte.canbo", "Cau-Co-Chien-2025x")
    assert client.patch("/api/v1/users/admin", headers=admin,
                        json={"active": False}).status_code == 422
    officer = bearer(api_token(client, "tttt.canbo"))
    assert client.patch("/api/v1/users/yte.canbo", headers=officer,
                        json={"active": False}).status_code == 403


def test_edit_unit_and_archive(client, demo):
    admin = bearer(api_token(client, "admin"))
    response = client.patch("/api/v1/units/so-yte", headers=admin,
                            json={"name": "Sở Y tế tỉnh", "active": False})
    assert response.status_code == 200
    assert response.get_json() == {"code": "so-yte", "name": "Sở Y tế tỉnh",
                                   "short_name": "Sở Y tế", "active": False}
    archived = client.post("/api/v1/campaigns/khoi-8/2021/archive", headers=admin)
    assert archived.status_code == 200 and archived.get_json()["status"] == "archived"
    assert client.post("/api/v1/campaigns/khoi-8/2021/archive",
                       headers=admin).status_code == 409


def test_proposals_exports(app, client, played_year):
    board = bearer(api_token(client, "bantdkt"))
    xlsx = client.get("/api/v1/board/2021/proposals.xlsx", headers=board)
    assert xlsx.status_code == 200
    rows = list(load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("Hình thức", "Khối", "Đơn vị")
    assert ("Đề nghị tặng Cờ thi đua của UBND tỉnh", "Khối thi đua Khối 8",
            "Sở Văn hóa, Thể thao và Du lịch", 7, 0.875) in [r[:5] for r in rows]
    pdf = client.get("/api/v1/board/2021/proposals.pdf", headers=board)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = subprocess.run(["pdftotext", "-raw", "-", "-"], input=pdf.data, capture_output=True,
                          check=True).stdout.decode()
    assert "TỔNG HỢP ĐỀ NGHỊ KHEN THƯỞNG" in text and "Sở Khoa học và Công nghệ" in text
    assert "DỰ THẢO" not in text
    admin = bearer(api_token(client, "admin"))
    proposed = client.get("/api/v1/blocs/khoi-8/proposed-members/2022", headers=admin).get_json()
    roles = {m["unit"]: m["role"] for m in proposed}
    assert roles["so-ldtbxh"] == "leader" and roles["so-gddt"] == "deputy"


def test_blank_unit_name_refused(client, demo):
    admin = bearer(api_token(client, "admin"))
    before = row_counts()
    response = client.patch("/api/v1/units/so-yte", headers=admin, json={"name": "  "})
    assert response.status_code == 422
    assert row_counts() == before
    from sqlalchemy import select

    from core.extensions import db
    from core.models import Unit

    assert db.session.scalar(select(Unit.name).where(Unit.code == "so-yte")) == "Sở Y tế"
