"""The iCalendar feed of a user's deadlines, fetched by a calendar program with a signed URL."""

from icalendar import Calendar

from tests.support.cycle import Api, at


def test_feed_lists_deadlines_with_extensions(app, client, demo):
    at(app, 2021, 5, 3, 9, 0)
    officer = Api(client, "vhttdl.canbo")
    url = client.get("/api/v1/me/calendar", headers=officer.headers).get_json()["url"]
    leader = Api(client, "tttt.canbo")
    assert leader.post("/deadlines", json={"phase": "bao-cao-so-ket", "due": "2021-06-20",
                                           "unit": "so-vhttdl", "reason": "Xin gia hạn"}
                       ).status_code == 201
    response = client.get(url.replace("http://localhost", ""))
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    assert len(events) == 8
    mid_year = events["khoi-8-2021-bao-cao-so-ket@thidua"]
    assert "Gửi báo cáo sơ kết 6 tháng đầu năm về Khối phó" in str(mid_year["summary"])
    assert mid_year.decoded("dtend").isoformat() == "2021-06-21"  # exclusive end: 20/6 inclusive


def test_forged_or_revoked_feed_token(app, client, demo):
    officer = Api(client, "vhttdl.canbo")
    url = client.get("/api/v1/me/calendar", headers=officer.headers).get_json()["url"]
    path = url.replace("http://localhost", "")
    assert client.get(path.replace(".ics", "x.ics")).status_code == 404
    client.post("/login", data={"username": "vhttdl.canbo", "password": "ThiDua@2021"})
    client.post("/account/password", data={"current": "ThiDua@2021", "new": "Cau-Co-Chien-2022x",
                                           "confirm": "Cau-Co-Chien-2022x"})
    assert client.get(path).status_code == 404
