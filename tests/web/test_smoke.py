"""End-to-end smoke: the demo campaign as a signed-in user and through the API."""

from tests.support import api_token, bearer, login


def test_login_page_is_vietnamese(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "Đăng nhập" in response.get_data(as_text=True)


def test_demo_user_sees_khoi8_calendar(client, demo):
    assert login(client, "tttt.canbo").status_code == 302
    page = client.get("/campaigns/khoi-8/2021").get_data(as_text=True)
    assert "Khối thi đua Khối 8" in page
    assert "Gửi báo cáo sơ kết 6 tháng đầu năm về Khối phó" in page
    assert "14/06/2021" in page and "31/01/2022" in page
    assert "Sở Thông tin và Truyền thông" in page and "Khối trưởng" in page
    assert "Sở Lao động – Thương binh và Xã hội" in page and "Khối phó" in page


def test_api_campaign_matches_plan(client, demo):
    token = api_token(client, "tttt.canbo")
    body = client.get("/api/v1/campaigns/khoi-8/2021", headers=bearer(token)).get_json()
    groups = [c for c in body["criteria"] if c["kind"] == "item"]
    assert [len(g["children"]) for g in groups] == [7, 5, 10]
    assert body["max_total"] == 100
    due = {p["code"]: p["due"] for p in body["calendar"]}
    assert due["bao-cao-so-ket"] == "2021-06-14"
    assert due["bao-cao-tong-ket"] == "2022-01-31"
    assert due["binh-xet"] == "2022-02-28"
    roles = {m["unit"]: m["role"] for m in body["members"]}
    assert roles["so-tttt"] == "leader" and roles["so-ldtbxh"] == "deputy"
    assert body["current_phases"] == ["bao-cao-so-ket"]
    assert body["voting"]["name"] == "council_vote"
