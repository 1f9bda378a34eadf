"""Reminders: who gets what on which day (from the timeline: due in 7 and 1 days, overdue
once then weekly, a poll open for the head's unit, a document waiting to be issued), each
person's choices, a unit that already sent gets nothing, the daily command is idempotent,
and the e-mails arrive in a real SMTP server (aiosmtpd) started by the test."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEvent, Notice, ReminderSent, User
from core.services import documents, notifications
from core.unit_of_work import unit_of_work
from tests.support.cycle_pages import at, submit_registration, user
from tests.support.smtp import smtp_server  # noqa: F401  (fixture)
from tests.support.voting import HEADS, Api

STAFF = 16  # the demo's 8 units, an officer and a head each


def run(day: date) -> list[notifications.Given]:
    with unit_of_work():
        report = notifications.run(day)
    with unit_of_work():
        notifications.mail_out(report.given)
    return report.given


def who(given) -> Counter:
    return Counter((g.reminder.kind, g.reminder.subject) for g in given)


def usernames(given) -> set[str]:
    return {g.reminder.user.username for g in given}


def set_emails() -> None:
    with unit_of_work():
        for person in db.session.scalars(select(User).where(User.unit_id.is_not(None))):
            person.email = f"{person.username}@travinh.gov.vn"


def test_registration_reminders_day_by_day(app, demo):
    at(app, 2021, 5, 7, 9, 0)
    assert run(date(2021, 5, 7)) == []  # 8 days before the last day: nothing yet
    at(app, 2021, 5, 8, 9, 0)
    submit_registration("so-vhttdl", "vhttdl.canbo")  # this unit has sent

    given = run(date(2021, 5, 8))  # 7 days before 15/05
    assert who(given) == {("due_7", "registration"): STAFF - 2}
    assert not usernames(given) & {"vhttdl.canbo", "vhttdl.thutruong"}
    assert {"gddt.canbo", "gddt.thutruong", "tttt.canbo"} <= usernames(given)
    first = next(g.reminder for g in given if g.reminder.user.username == "gddt.canbo")
    assert first.title == "Còn 7 ngày đến hạn: Bản đăng ký thi đua — Khối thi đua Khối 8 năm 2021"
    assert "Sở Giáo dục và Đào tạo chưa gửi Bản đăng ký thi đua" in first.body
    assert "15/05/2021" in first.body
    assert first.link == "/campaigns/khoi-8/2021/registrations/so-gddt"

    assert run(date(2021, 5, 8)) == []  # the same day again: nothing twice
    assert run(date(2021, 5, 9)) == []
    assert who(run(date(2021, 5, 14))) == {("due_1", "registration"): STAFF - 2}
    assert run(date(2021, 5, 15)) == []  # the last day: "due_1" was given for this due date

    overdue = run(date(2021, 5, 16))  # late, still taken (marked late)
    assert who(overdue) == {("overdue", "registration"): STAFF - 2}
    assert "gửi trễ hạn" in overdue[0].reminder.body
    assert run(date(2021, 5, 17)) == [] and run(date(2021, 5, 22)) == []
    assert who(run(date(2021, 5, 23))) == {("overdue", "registration"): STAFF - 2}  # weekly

    # each reminder is one row of the record and one notice, and one audit event per run
    assert db.session.scalar(select(func.count(ReminderSent.id))) == 4 * (STAFF - 2)
    assert db.session.scalar(select(func.count(Notice.id))) == 4 * (STAFF - 2)
    assert db.session.scalar(select(func.count(AuditEvent.id))
                             .where(AuditEvent.action == "reminders.run")) == 4


def test_an_extension_for_one_unit_moves_its_reminders(app, demo):
    from core.services import deadlines

    at(app, 2021, 6, 7, 9, 0)
    assert who(run(date(2021, 6, 7))) == {("due_7", "mid_year_report"): STAFF,
                                          ("overdue", "registration"): STAFF}
    with unit_of_work():
        from tests.support.cycle_pages import campaign, campaign_unit

        deadlines.extend(campaign(), "bao-cao-so-ket", date(2021, 6, 21), "Đơn vị xin gia hạn",
                         unit=campaign_unit("so-gddt"), actor=user("tttt.canbo"))
    at(app, 2021, 6, 14, 9, 0)
    given = run(date(2021, 6, 14))
    assert who(given) == {("due_1", "mid_year_report"): STAFF - 2,
                          ("overdue", "registration"): STAFF,
                          ("due_7", "mid_year_report"): 2}
    assert {g.reminder.user.username for g in given if g.reminder.kind == "due_7"} == \
        {"gddt.canbo", "gddt.thutruong"}
    assert who(run(date(2021, 6, 15))) == {("overdue", "mid_year_report"): STAFF - 2}


def test_year_end_reports_take_no_late_work_so_no_overdue(app, demo):
    """Khối 8's year-end reports refuse late work: past their last day nobody is told to
    send what would be refused; the mid-year reports (late accepted) are reminded."""
    at(app, 2022, 1, 24, 9, 0)
    assert who(run(date(2022, 1, 24))) == {("due_7", "year_end_report"): STAFF,
                                           ("overdue", "registration"): STAFF,
                                           ("overdue", "mid_year_report"): STAFF}
    assert who(run(date(2022, 2, 1))) == {("overdue", "registration"): STAFF,
                                          ("overdue", "mid_year_report"): STAFF}


def test_choices_are_respected(app, demo):
    at(app, 2021, 5, 8, 9, 0)
    with unit_of_work():
        notifications.set_preferences(user("gddt.canbo"), {"due_7": False},
                                      actor=user("gddt.canbo"))
    given = run(date(2021, 5, 8))
    assert "gddt.canbo" not in usernames(given) and "gddt.thutruong" in usernames(given)
    assert notifications.preferences(user("gddt.canbo"))["due_1"] is True  # default: on
    assert "gddt.canbo" in usernames(run(date(2021, 5, 14)))


def test_bad_choices_are_refused_and_nothing_written(app, demo):
    person = user("gddt.canbo")
    with pytest.raises(notifications.ValidationFailed) as refused:
        notifications.set_preferences(person, {"due_7": "no", "spam": True}, actor=person)
    assert set(refused.value.fields) == {"due_7", "spam"}
    with pytest.raises(notifications.Forbidden):
        notifications.set_preferences(person, {"due_7": False}, actor=user("yte.canbo"))
    with pytest.raises(notifications.ValidationFailed) as bad_email:
        notifications.set_email(person, "không phải e-mail", actor=person)
    assert "email" in bad_email.value.fields
    db.session.rollback()
    assert notifications.preferences(person)["due_7"] is True and person.email is None


def test_poll_open_reminds_the_heads_who_have_not_voted(app, client, demo):
    from tests.support.year import play_year

    play_year(app, client, through="verification")
    at(app, 2022, 2, 25, 8, 0)
    leader = Api(client, "tttt.canbo")
    opened = leader.post("/polls/co-thi-dua/open", json={"force": True,
                                                         "reason": "Kiểm thử nhắc việc"})
    assert opened.status_code == 200, opened.get_json()
    head = Api(client, HEADS["so-yte"])
    assert head.post("/polls/co-thi-dua/ballots", json={"choices": ["so-vhttdl"]}
                     ).status_code == 201
    given = [g for g in run(date(2022, 2, 25)) if g.reminder.kind == "poll_open"]
    assert usernames(given) == set(HEADS.values()) - {"yte.thutruong"}
    assert {g.reminder.subject for g in given} == {"co-thi-dua"}
    assert given[0].reminder.link == "/campaigns/khoi-8/2021/polls/co-thi-dua/ballot"
    assert [g for g in run(date(2022, 2, 26)) if g.reminder.kind == "poll_open"] == []


def test_document_waiting_to_be_issued(app, demo, monkeypatch):
    at(app, 2021, 5, 1, 9, 0)
    assert run(date(2021, 5, 1)) == []  # no documents service answer: nothing
    monkeypatch.setattr(documents, "awaiting_issue", lambda campaign: [
        ("ke-hoach", "Kế hoạch tổ chức phong trào thi đua năm 2021", "leader"),
        ("to-trinh", "Tờ trình đề nghị khen thưởng", "board")], raising=False)
    given = run(date(2021, 5, 1))
    assert usernames(given) == {"tttt.canbo", "tttt.thutruong", "bantdkt"}
    plan = next(g.reminder for g in given if g.reminder.user.username == "tttt.canbo")
    assert plan.title == "Văn bản chờ ban hành: Kế hoạch tổ chức phong trào thi đua năm 2021"
    assert "đang chờ Khối trưởng ban hành" in plan.body
    board = next(g.reminder for g in given if g.reminder.user.username == "bantdkt")
    assert board.subject == "to-trinh" and "Ban Thi đua – Khen thưởng tỉnh" in board.body
    assert run(date(2021, 5, 2)) == []  # once per document


def test_no_smtp_server_notices_only(app, demo, caplog):
    set_emails()
    at(app, 2021, 5, 8, 9, 0)
    with caplog.at_level(logging.INFO, logger="core.services.mail"):
        given = run(date(2021, 5, 8))
    assert len(given) == STAFF and {g.mail for g in given} == {"skipped"}
    assert "THIDUA_SMTP_HOST is not set" in caplog.text
    assert notifications.unread_count(user("gddt.canbo")) == 1


def test_unreachable_smtp_server_is_logged_and_notices_are_kept(app, demo):
    from tests.support.smtp import free_port

    set_emails()
    app.config.update(THIDUA_SMTP_HOST="127.0.0.1", THIDUA_SMTP_PORT=free_port(),
                      THIDUA_SMTP_TIMEOUT=2)
    at(app, 2021, 5, 8, 9, 0)
    given = run(date(2021, 5, 8))
    assert {g.mail for g in given} == {"failed"}
    assert set(db.session.scalars(select(ReminderSent.mail))) == {"failed"}
    assert notifications.unread_count(user("gddt.canbo")) == 1


def test_remind_command_through_a_real_smtp_server(app, demo, runner, smtp_server):  # noqa: F811
    set_emails()
    with unit_of_work():
        user("khcn.canbo").email = None  # no address: the notice only
    smtp_server.configure(app)
    at(app, 2021, 5, 8, 9, 0)

    dry = runner.invoke(args=["remind", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "16 lời nhắc sẽ được gửi" in dry.output and smtp_server.messages == []
    assert db.session.scalar(select(func.count(ReminderSent.id))) == 0

    result = runner.invoke(args=["remind", "--today", "2021-05-08"])
    assert result.exit_code == 0, result.output
    assert "16 lời nhắc đã gửi (no_address: 1, sent: 15)" in result.output
    messages = smtp_server.wait(15)
    assert len(messages) == 15
    again = runner.invoke(args=["remind"])  # the app's clock: the same day
    assert again.exit_code == 0 and "0 lời nhắc đã gửi" in again.output
    assert len(smtp_server.wait(16, timeout=0.5)) == 15  # idempotent: one mail each

    [mail] = smtp_server.to("gddt.canbo@travinh.gov.vn")
    assert mail.rcpt_tos == ["gddt.canbo@travinh.gov.vn"]
    assert mail.subject == "Còn 7 ngày đến hạn: Bản đăng ký thi đua — Khối thi đua Khối 8 năm 2021"
    assert "thidua@travinh.gov.vn" in str(mail.message["From"])
    body = mail.body
    assert body.startswith("Kính gửi Cán bộ thi đua Sở GD&ĐT (Sở Giáo dục và Đào tạo),")
    assert "Sở Giáo dục và Đào tạo chưa gửi Bản đăng ký thi đua. Hạn cuối (đúng hạn): " \
           "ngày 15/05/2021." in body
    assert "https://thidua.travinh.gov.vn/campaigns/khoi-8/2021/registrations/so-gddt" in body
    assert "https://thidua.travinh.gov.vn/notices/preferences" in body
    assert not smtp_server.to("khcn.canbo@travinh.gov.vn")
    assert notifications.unread_count(user("khcn.canbo")) == 1


def test_failed_mail_is_sent_again_by_the_next_runs_then_given_up(app, demo, runner,
                                                                  smtp_server):  # noqa: F811
    """The SMTP server is down on the day of a reminder: its notice is kept and its e-mail
    tried again by the next daily runs (once each), until it goes through; one older than
    notifications.RETRY_DAYS is left as it is."""
    from tests.support.smtp import free_port

    set_emails()
    app.config.update(THIDUA_SMTP_HOST="127.0.0.1", THIDUA_SMTP_PORT=free_port(),
                      THIDUA_SMTP_TIMEOUT=2)
    at(app, 2021, 5, 8, 9, 0)
    down = runner.invoke(args=["remind", "--today", "2021-05-08"])
    assert down.exit_code == 0, down.output
    assert "16 lời nhắc đã gửi (failed: 16)" in down.output
    assert smtp_server.messages == []

    smtp_server.configure(app)  # the server is back the next day
    at(app, 2021, 5, 9, 9, 0)
    back = runner.invoke(args=["remind", "--today", "2021-05-09"])
    assert back.exit_code == 0, back.output
    assert "Gửi lại 16 thư lần trước chưa gửi được (sent: 16)" in back.output
    messages = smtp_server.wait(16)
    assert len(messages) == 16
    [mail] = smtp_server.to("gddt.canbo@travinh.gov.vn")
    assert mail.subject == "Còn 7 ngày đến hạn: Bản đăng ký thi đua — Khối thi đua Khối 8 năm 2021"
    assert "Sở Giáo dục và Đào tạo chưa gửi Bản đăng ký thi đua." in mail.body
    assert set(db.session.scalars(select(ReminderSent.mail))) == {"sent"}
    assert db.session.scalar(select(func.count(Notice.id))) == 16  # no second notice
    at(app, 2021, 5, 10, 9, 0)
    quiet = runner.invoke(args=["remind", "--today", "2021-05-10"])
    assert "Gửi lại" not in quiet.output
    assert len(smtp_server.wait(17, timeout=0.5)) == 16  # each one once


def test_a_failed_mail_older_than_the_retry_window_is_not_sent_again(app, demo):
    from tests.support.smtp import free_port

    set_emails()
    app.config.update(THIDUA_SMTP_HOST="127.0.0.1", THIDUA_SMTP_PORT=free_port(),
                      THIDUA_SMTP_TIMEOUT=2)
    at(app, 2021, 5, 8, 9, 0)
    assert {g.mail for g in run(date(2021, 5, 8))} == {"failed"}
    later = date(2021, 5, 8 + notifications.RETRY_DAYS + 1)
    with unit_of_work():
        assert notifications.failed_mail(later) == []
    with unit_of_work():
        assert len(notifications.failed_mail(date(2021, 5, 9))) == STAFF


def test_remind_command_refuses_a_bad_date(app, demo, runner):
    result = runner.invoke(args=["remind", "--today", "15/05/2021"])
    assert result.exit_code != 0 and "YYYY-MM-DD" in result.output


def test_the_database_refuses_a_reminder_twice(app, demo):
    """Two runs at once: the unique key, in the database, lets one of them record it."""
    from sqlalchemy.exc import IntegrityError

    from core.models import Nudge
    from core.services import clock
    from tests.support.cycle_pages import campaign

    person, year = user("gddt.canbo"), campaign()

    def row() -> ReminderSent:
        return ReminderSent(user_id=person.id, campaign_id=year.id, kind="due_7",
                            subject="registration", slot="2021-05-15", sent_at=clock.now())

    with unit_of_work():
        db.session.add(row())
    with pytest.raises(IntegrityError), unit_of_work():
        db.session.add(row())
    with pytest.raises(IntegrityError), unit_of_work():
        for _ in range(2):
            db.session.add(Nudge(campaign_id=year.id, deliverable="registration",
                                 day=date(2021, 5, 10), sent_at=clock.now()))
            db.session.flush()
    with pytest.raises(IntegrityError), unit_of_work():
        db.session.add(ReminderSent(user_id=person.id, campaign_id=year.id, kind="spam",
                                    subject="x", slot="", sent_at=clock.now()))


def test_a_played_year_reminds_only_the_issuers_once_its_steps_are_settled(app, played_year):
    """After the whole 2021 year (registration closed, reviews held, verification locked,
    every result published), so-tuphap — which never registered — is not told it is late:
    the steps are final. What is left is issuing the documents (the real documents service):
    each issuer is told once per document, and an issued document is not mentioned."""
    given = run(date(2022, 2, 25))
    assert given and {g.reminder.kind for g in given} == {"document_awaiting"}
    assert not any(g.reminder.user.username.startswith("tuphap") for g in given)
    subjects = {g.reminder.subject for g in given}
    assert {"to-trinh", "bang-tong-hop-diem", "tu-cham-diem-so-yte"} <= subjects
    assert "dang-ky-so-tuphap" not in subjects  # never registered: no such document
    assert {g.reminder.user.username for g in given if g.reminder.subject == "to-trinh"} \
        == {"tttt.canbo", "tttt.thutruong"}  # the leader hosts the vote
    at(app, 2022, 3, 10, 9, 0)
    assert run(date(2022, 3, 10)) == []  # once per document
