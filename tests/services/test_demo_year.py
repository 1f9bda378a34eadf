"""The played demo (issue 13, point 6): ``flask --app wsgi demo --until DATE`` plays Khối 8's
2021 year through the services (core/demo_year.py), each act at its own moment, and leaves
the app's clock as it was; run again at a later date it plays on from where it stopped; at
the same date it says the demo is there and how to reset it; a refused act rolls the whole
play back and names the act."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from core import demo_year
from core.config import TIMEZONE
from core.errors import Conflict
from core.extensions import db
from core.models import AuditEvent, IssuedDocument, Poll, Registration, Report, Unit
from core.services import audit, campaign_state, closing, scoring
from core.services.campaigns import get_campaign


def _registrations() -> dict[str, Registration]:
    return {unit.code: reg for reg, unit in db.session.execute(
        select(Registration, Unit).join(Unit, Unit.id == Registration.unit_id))}


def _local(moment: datetime) -> datetime:
    return moment.astimezone(TIMEZONE)


def test_the_demo_is_played_up_to_the_date_and_on_from_there(app, runner):
    clock = app.config["THIDUA_NOW"]
    result = runner.invoke(args=["demo", "--until", "2021-06-08T12:00:00+07:00"])
    assert result.exit_code == 0, result.output
    assert app.config["THIDUA_NOW"] == clock  # the play moved its own clock, then put it back
    assert "19/05/2021 14:20  Sở Khoa học và Công nghệ gửi đăng ký thi đua" in result.output
    db.session.remove()

    registrations = _registrations()
    # seven units sent, Sở Tư pháp never did; Sở KH&CN after the 15/05 deadline, marked late
    assert sorted(registrations) == sorted(set(demo_year.UNITS) - {"so-tuphap"})
    assert {code for code, reg in registrations.items() if reg.late} == {"so-khcn"}
    assert all(reg.status == "submitted" for reg in registrations.values())
    assert _local(registrations["so-tttt"].submitted_at) == datetime(2021, 4, 26, 8, 30,
                                                                     tzinfo=TIMEZONE)
    items = {i.criterion.code: i for i in registrations["so-yte"].items}
    assert "thủ tục hành chính" in items["1.6"].target and items["3.10"].not_applicable
    # up to 08/06 12:00, five mid-year reports (one a day from 04/06, 10:00)
    reports = db.session.scalars(select(Report).where(Report.kind == "mid_year")).all()
    assert len(reports) == 5 and all(r.status == "submitted" for r in reports)
    assert "Sáu tháng đầu năm 2021" in reports[0].body
    assert audit.verify_chain().ok

    # later: everything up to the verification, locked on 10/02/2022; the vote not yet held
    result = runner.invoke(args=["demo", "--until", "2022-02-20T09:00:00+07:00"])
    assert result.exit_code == 0, result.output
    assert "26/04/2021" not in result.output  # what was played is not played again
    assert "10/02/2022 15:00  Khối trưởng khóa kết quả thẩm định" in result.output
    db.session.remove()
    campaign = get_campaign("khoi-8", 2021)
    assert campaign_state.step(campaign, "verification").settled
    assert db.session.scalar(select(func.count()).select_from(Poll)) == 0
    ranking = {r["unit"].code: r["verified_total"] for r in scoring.ranking(campaign)}
    assert ranking["so-tuphap"] == -8
    issued = set(db.session.scalars(select(IssuedDocument.name)))
    assert {"dang-ky-so-yte", "bao-cao-so-ket", "bang-tong-hop-diem"} <= issued
    assert "dang-ky-so-tuphap" not in issued  # it never registered
    override = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "guard.override.verification"))
    assert "Sở Tư pháp" in override.details["reason"]
    assert app.config["THIDUA_NOW"] == clock

    # the same date again: nothing played, the way to start again said
    events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    result = runner.invoke(args=["demo", "--until", "2022-02-20T09:00:00+07:00"])
    assert result.exit_code == 0, result.output
    assert "Dữ liệu mẫu đã có sẵn (đã diễn đến 20/02/2022 09:00)." in result.output
    assert "make demo-reset" in result.output
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events


def test_the_whole_year_ends_with_published_results(app, runner):
    result = runner.invoke(args=["demo", "--until", "2022-03-01"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    polls = db.session.scalars(select(Poll).order_by(Poll.code)).all()
    assert [p.code for p in polls] == ["bang-khen", "co-thi-dua", "khoi-pho", "khoi-truong"]
    assert all(p.status == "published" for p in polls)
    assert campaign_state.step(get_campaign("khoi-8", 2021), "vote").settled
    assert db.session.scalar(select(IssuedDocument.id).where(
        IssuedDocument.name == "bien-ban-kiem-phieu")) is not None
    assert audit.verify_chain().ok


def test_a_refused_act_rolls_the_play_back_and_is_named(app, runner, monkeypatch):
    def refuse(*args, **kwargs):
        raise Conflict("Không khóa được.")

    monkeypatch.setattr(closing, "lock_verification", refuse)
    clock = app.config["THIDUA_NOW"]
    result = runner.invoke(args=["demo", "--until", "2022-02-20"])
    assert result.exit_code != 0
    assert "Khối trưởng khóa kết quả thẩm định: Không khóa được." in result.output
    assert app.config["THIDUA_NOW"] == clock
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0
    assert db.session.scalar(select(func.count()).select_from(Unit)) == 0


def test_the_demo_story_is_the_same_every_time(app):
    codes = [f"1.{i}" for i in range(1, 8)] + ["3.10"]
    first, second = demo_year.demo_story(codes), demo_year.demo_story(codes)
    assert first == second
    assert [a.at for a in demo_year.acts(first)] == sorted(a.at for a in demo_year.acts(first))
