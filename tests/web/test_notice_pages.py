"""Notices in the pages: the unread count in the header, the notices list and marking read,
the choice of reminders with the e-mail address, the iCalendar feed linked from each
person's pages, and the status grid's "Nhắc đơn vị chưa nộp" (only the step's host, one a day
per step, audited, e-mailed through a real SMTP server)."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEvent, Notice, Nudge
from core.services import notifications
from core.unit_of_work import unit_of_work
from tests.support.cycle_pages import B, at, page_client, submit_registration, text, user
from tests.support.smtp import smtp_server  # noqa: F401  (fixture)

STATUS = f"{B}/status"


def remind(day: date) -> None:
    with unit_of_work():
        notifications.run(day)


def unread_badge(html: str) -> str | None:
    found = re.search(r'id="unread-count">(\d+)', html)
    return found.group(1) if found else None


def checked(html: str, kind: str) -> bool:
    tag = re.search(rf'<input[^>]*id="kind_{kind}"[^>]*>', html).group(0)
    return " checked" in tag


def test_unread_count_in_the_header_and_marking_read(app, demo):
    at(app, 2021, 5, 8, 9, 0)
    client = page_client(app, "gddt.canbo")
    assert unread_badge(text(client.get("/"))) is None
    remind(date(2021, 5, 8))
    at(app, 2021, 5, 16, 9, 0)
    remind(date(2021, 5, 16))
    home = text(client.get("/"))
    assert unread_badge(home) == "2" and 'href="/notices"' in home

    page = text(client.get("/notices"))
    assert "Quá hạn: Bản đăng ký thi đua — Khối thi đua Khối 8 năm 2021" in page
    assert "Còn 7 ngày đến hạn: Bản đăng ký thi đua" in page
    assert "2 thông báo chưa đọc." in page
    [first, *_rest] = notifications.notices_of(user("gddt.canbo"))
    opened = client.post("/notices/read", data={"id": first.id, "next": first.link})
    assert opened.status_code == 303
    assert opened.headers["Location"].endswith("/campaigns/khoi-8/2021/registrations/so-gddt")
    assert unread_badge(text(client.get("/notices"))) == "1"

    # someone else's notice is not touched
    other = notifications.notices_of(user("gddt.thutruong"))[0]
    client.post("/notices/read", data={"id": other.id})
    assert db.session.get(Notice, other.id).read_at is None

    assert client.post("/notices/read").status_code == 303  # all
    assert unread_badge(text(client.get("/notices"))) is None
    assert notifications.unread_count(user("gddt.canbo")) == 0


def test_preferences_page(app, demo):
    client = page_client(app, "gddt.canbo")
    page = text(client.get("/notices/preferences"))
    assert "Còn 7 ngày đến hạn gửi" in page and checked(page, "due_7")
    # the iCalendar feed is linked from the person's page, a signed address of their own
    feed = re.search(r'id="calendar-feed" href="([^"]+)"', page).group(1)
    assert "/api/v1/calendar/" in feed and feed.endswith(".ics")
    assert client.get(feed.split("localhost", 1)[-1]).status_code == 200

    kept = {f"kind_{k}": "y" for k in ("due_1", "overdue", "poll_open", "document_awaiting",
                                       "nudge")}
    bad = client.post("/notices/preferences", data={"email": "canbo@@sai", **kept})
    assert bad.status_code == 422
    assert "Địa chỉ e-mail không hợp lệ" in text(bad)
    assert user("gddt.canbo").email is None

    saved = client.post("/notices/preferences",
                        data={"email": " canbo@sogddt.travinh.gov.vn ", **kept})
    assert saved.status_code == 303
    db.session.expire_all()
    assert user("gddt.canbo").email == "canbo@sogddt.travinh.gov.vn"
    assert notifications.preferences(user("gddt.canbo"))["due_7"] is False
    assert notifications.preferences(user("gddt.canbo"))["overdue"] is True
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action.in_(("user.email", "notices.preferences")))) == 2
    page = text(client.get("/notices/preferences"))
    assert not checked(page, "due_7") and checked(page, "overdue")


def test_home_links_the_calendar_feed(app, demo):
    page = text(page_client(app, "gddt.thutruong").get("/"))
    assert "/api/v1/calendar/" in page


def test_only_the_steps_host_sees_and_uses_the_reminder_button(app, demo, smtp_server):  # noqa: F811
    at(app, 2021, 5, 10, 9, 0)
    submit_registration("so-vhttdl", "vhttdl.canbo")
    smtp_server.configure(app)
    with unit_of_work():
        user("gddt.canbo").email = "canbo@sogddt.travinh.gov.vn"
    remind_url = f"{B}/remind/registration"

    leader = page_client(app, "tttt.canbo")  # registration is run by the leader
    deputy = page_client(app, "ldtbxh.canbo")
    member = page_client(app, "gddt.canbo")
    grid = text(leader.get(STATUS))
    assert "Nhắc đơn vị chưa nộp" in grid and f'action="{remind_url}"' in grid
    assert "7 đơn vị chưa gửi." in grid
    assert f'action="{remind_url}"' not in text(deputy.get(STATUS))
    assert deputy.post(remind_url).status_code == 403
    assert member.post(remind_url).status_code == 403
    assert db.session.scalar(select(func.count(Nudge.id))) == 0

    done = leader.post(remind_url)
    assert done.status_code == 303
    page = text(leader.get(STATUS))
    assert "Đã nhắc 7 đơn vị chưa gửi “Đăng ký thi đua”" in page
    assert "Đã nhắc hôm nay." in page and f'action="{remind_url}"' not in page
    notices = notifications.notices_of(user("gddt.canbo"))
    assert [n.kind for n in notices] == ["nudge"]
    assert notices[0].title == "Nhắc gửi Bản đăng ký thi đua — Khối thi đua Khối 8 năm 2021"
    assert notices[0].body.startswith("Sở Thông tin và Truyền thông nhắc: Sở Giáo dục và Đào "
                                      "tạo chưa gửi Bản đăng ký thi đua.")
    assert notifications.notices_of(user("vhttdl.canbo")) == []  # it has sent
    [mail] = smtp_server.wait(1)
    assert mail.rcpt_tos == ["canbo@sogddt.travinh.gov.vn"]
    assert mail.subject == "Nhắc gửi Bản đăng ký thi đua — Khối thi đua Khối 8 năm 2021"
    assert "/campaigns/khoi-8/2021/registrations/so-gddt" in mail.body
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "reminders.nudge"))
    assert event.actor == "tttt.canbo" and event.details["step"] == "registration"
    assert len(event.details["units"]) == 7

    again = leader.post(remind_url, follow_redirects=True)  # the same day: refused
    assert "mỗi ngày chỉ nhắc một lần" in text(again)
    assert len(notifications.notices_of(user("gddt.canbo"))) == 1
    assert db.session.scalar(select(func.count(Nudge.id))) == 1
    assert len(smtp_server.wait(2, timeout=0.3)) == 1

    at(app, 2021, 5, 11, 9, 0)  # the next day it may remind again
    assert leader.post(remind_url).status_code == 303
    assert len(notifications.notices_of(user("gddt.canbo"))) == 2


def test_the_deputy_reminds_for_the_mid_year_reports(app, demo):
    at(app, 2021, 6, 10, 9, 0)
    deputy = page_client(app, "ldtbxh.canbo")
    grid = text(deputy.get(STATUS))
    assert f'action="{B}/remind/mid_year_report"' in grid
    assert f'action="{B}/remind/registration"' not in grid
    assert page_client(app, "tttt.canbo").post(f"{B}/remind/mid_year_report"
                                               ).status_code == 403
    assert deputy.post(f"{B}/remind/mid_year_report").status_code == 303
    assert [n.kind for n in notifications.notices_of(user("yte.thutruong"))] == ["nudge"]


def test_no_reminder_for_a_step_not_open(app, demo):
    at(app, 2021, 4, 1, 9, 0)
    leader = page_client(app, "tttt.canbo")
    assert "Nhắc đơn vị chưa nộp" not in text(leader.get(STATUS))
    refused = leader.post(f"{B}/remind/registration", follow_redirects=True)
    assert "chưa mở" in text(refused)
    assert db.session.scalar(select(func.count(Nudge.id))) == 0


def test_an_admin_sets_a_users_email(app, demo):
    admin = page_client(app, "admin")
    form = {"full_name": "Cán bộ thi đua Sở GD&ĐT", "unit": "so-gddt", "role": "officer",
            "active": "y"}
    bad = admin.post("/admin/users/gddt.canbo/edit", data={**form, "email": "gddt.canbo"})
    assert bad.status_code == 422 and "Địa chỉ e-mail không hợp lệ" in text(bad)
    db.session.expire_all()
    assert user("gddt.canbo").email is None
    saved = admin.post("/admin/users/gddt.canbo/edit",
                       data={**form, "email": "canbo@sogddt.travinh.gov.vn"})
    assert saved.status_code == 303
    db.session.expire_all()
    assert user("gddt.canbo").email == "canbo@sogddt.travinh.gov.vn"
    assert 'value="canbo@sogddt.travinh.gov.vn"' in text(admin.get(
        "/admin/users/gddt.canbo/edit"))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.email"))
    assert event.actor == "admin" and event.object_id == "gddt.canbo"
