"""Units change, history stays (core/services/unit_changes.py): renames, merges and splits with
their decision and effective date; the refusals first (nothing written), then a merge in the
middle of a played year, the names on a date and the demo's 2025."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from core.errors import Forbidden, ValidationFailed
from core.extensions import db
from core.models import (
    AuditEvent,
    Membership,
    Registration,
    Report,
    ScoreSheet,
    Unit,
    UnitEvent,
    UnitName,
    User,
)
from core.services import campaigns, scoring, unit_changes
from core.services.unit_changes import Decision, NewUnit
from core.unit_of_work import unit_of_work
from tests.support import row_counts
from tests.support.cycle import at
from tests.support.year import play_year

DECISION = Decision("123/QĐ-UBND", date(2021, 6, 1), "UBND tỉnh Trà Vinh")


def admin() -> User:
    return db.session.scalar(select(User).where(User.username == "admin"))


def unit(code: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == code))


def khoi8():
    return campaigns.get_campaign("khoi-8", 2021)


def forget_2025() -> None:
    """The demo as it stood in 2021: without the 2025 changes the demo records (a unit that
    ended in 2025, or was renamed then, cannot end earlier: changes are kept in date order)."""
    with unit_of_work():
        for name in db.session.scalars(select(UnitName)):
            db.session.delete(name)
        for event in db.session.scalars(select(UnitEvent)):
            db.session.delete(event)


def refused(error, call, *args, **kwargs):
    """The call is refused with ``error``; no row of any table changed."""
    before = row_counts()
    with pytest.raises(error) as caught:
        with unit_of_work():
            call(*args, **kwargs)
    db.session.rollback()
    assert row_counts() == before
    return caught.value


# -- refusals ----------------------------------------------------------------------------

def test_a_unit_merged_into_itself_is_refused(demo):
    error = refused(ValidationFailed, unit_changes.merge, ["so-yte", "so-gddt"], "so-yte",
                    effective_on="2021-07-01", decision=DECISION, actor=admin())
    assert "Không sáp nhập Sở Y tế vào chính nó" in error.fields["into"][0]


def test_dates_far_ahead_before_the_unit_existed_or_undecided_are_refused(demo):
    error = refused(ValidationFailed, unit_changes.rename, "so-yte", name="Sở Y tế mới",
                    short_name="Sở YT", effective_on="2023-01-01", decision=DECISION,
                    actor=admin())
    assert "quá xa: không được sau 11/06/2022" in error.fields["effective_on"][0]
    error = refused(ValidationFailed, unit_changes.rename, "so-yte", name="Sở Y tế mới",
                    short_name="Sở YT", effective_on="01/01/2019", decision=DECISION,
                    actor=admin())
    assert "trước ngày Sở Y tế bắt đầu có trong hệ thống (01/01/2021)" in \
        error.fields["effective_on"][0]
    error = refused(ValidationFailed, unit_changes.rename, "so-yte", name="Sở Y tế mới",
                    short_name="Sở YT", effective_on="2021-13-01",
                    decision=Decision("", date(2021, 7, 1)), actor=admin())
    assert set(error.fields) == {"effective_on", "decision_number", "decision_date"}
    assert "Ngày '2021-13-01' không hợp lệ" in error.fields["effective_on"][0]


def test_only_an_admin_records_a_change(demo):
    board = db.session.scalar(select(User).where(User.username == "bantdkt"))
    refused(Forbidden, unit_changes.rename, "so-yte", name="Sở Y tế mới", short_name="Sở YT",
            effective_on="2021-07-01", decision=DECISION, actor=board)


def test_a_split_that_would_leave_a_campaign_without_leader_is_refused(demo):
    forget_2025()
    error = refused(ValidationFailed, unit_changes.split, "so-tttt",
                    [NewUnit("so-tt", "Sở Thông tin", "Sở TT"),
                     NewUnit("so-tt2", "Sở Truyền thông", "Sở TT2")],
                    carrier=None, effective_on="2021-07-01", decision=DECISION, actor=admin())
    assert "để khối không có Khối trưởng" in error.fields["carrier"][0]


def test_conflicting_work_needs_a_carrier_and_the_successors_own_work_wins(app, client, demo):
    forget_2025()
    play_year(app, client, through="mid_year")
    at(app, 2021, 7, 25, 9, 0)
    error = refused(ValidationFailed, unit_changes.merge, ["so-yte", "so-gddt"],
                    NewUnit("so-ytgd", "Sở Y tế và Giáo dục", "Sở YT-GD"),
                    effective_on="2021-08-01", decision=DECISION, actor=admin())
    assert "Sở Y tế, Sở Giáo dục và Đào tạo đều đã có hồ sơ" in error.fields["carrier"][0]
    error = refused(ValidationFailed, unit_changes.merge, ["so-yte"], "so-khcn",
                    carrier="so-yte", effective_on="2021-08-01", decision=DECISION,
                    actor=admin())
    assert "hồ sơ tiếp tục phải là của Sở Khoa học và Công nghệ" in error.fields["carrier"][0]


def test_a_unit_that_ended_cannot_change_again(demo):
    forget_2025()
    with unit_of_work():
        unit_changes.merge(["so-yte"], "so-tuphap", effective_on="2021-06-01",
                           decision=DECISION, actor=admin())
    error = refused(ValidationFailed, unit_changes.rename, "so-yte", name="Sở Y tế mới",
                    short_name="Sở YT", effective_on="2021-07-01", decision=DECISION,
                    actor=admin())
    assert "Sở Y tế đã ngừng tồn tại từ 01/06/2021" in error.fields["effective_on"][0]
    error = refused(ValidationFailed, unit_changes.merge, ["so-yte"], "so-gddt",
                    effective_on="2021-05-01", decision=DECISION, actor=admin())
    assert "Sở Y tế đã có thay đổi ghi ngày 01/06/2021" in error.fields["effective_on"][0]
    with unit_of_work():  # a rename before its end is history too
        unit_changes.rename("so-yte", name="Sở Y tế tỉnh Trà Vinh", short_name="SYT",
                            effective_on="2021-05-01", decision=DECISION, actor=admin())
    assert unit_changes.name_on(unit("so-yte"), date(2021, 5, 31)) == "Sở Y tế tỉnh Trà Vinh"


def test_with_the_2025_history_recorded_a_2021_merge_is_out_of_order(demo):
    error = refused(ValidationFailed, unit_changes.merge, ["so-yte"], "so-gddt",
                    effective_on="2021-07-01", decision=DECISION, actor=admin())
    assert "Sở Y tế đã có thay đổi ghi ngày 01/07/2025" in error.fields["effective_on"][0]


def test_no_merge_once_the_vote_has_begun(app, played_year):
    forget_2025()
    error = refused(ValidationFailed, unit_changes.merge, ["so-yte"], "so-tuphap",
                    effective_on="2022-02-25", decision=Decision("5/QĐ", date(2022, 2, 20)),
                    actor=admin())
    assert "khối đã bắt đầu bỏ phiếu" in error.fields["effective_on"][0]


# -- what a change does --------------------------------------------------------------------

def test_a_rename_keeps_the_unit_and_dates_its_names(demo):
    forget_2025()
    yte = unit("so-yte")
    ident = (yte.id, yte.code)
    with unit_of_work():
        unit_changes.rename("so-yte", name="Sở Y tế tỉnh Trà Vinh", short_name="SYT",
                            effective_on="2021-06-01", decision=DECISION, actor=admin())
    yte = unit("so-yte")
    assert (yte.id, yte.code) == ident
    assert (yte.name, yte.short_name) == ("Sở Y tế tỉnh Trà Vinh", "SYT")  # today's name
    assert unit_changes.name_on(yte, date(2021, 5, 31)) == "Sở Y tế"
    assert unit_changes.name_on(yte, date(2021, 6, 1)) == "Sở Y tế tỉnh Trà Vinh"
    assert unit_changes.short_name_on(yte, date(2020, 1, 1)) == "Sở Y tế"
    assert [m.unit.code for m in khoi8().memberships if m.unit_id == yte.id] == ["so-yte"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "unit.rename")
                              .order_by(AuditEvent.id.desc()).limit(1))
    assert event.details["decision"]["number"] == "123/QĐ-UBND"
    assert event.details["from"]["name"] == "Sở Y tế"


def test_a_rename_ahead_of_its_date_keeps_todays_name(demo):
    forget_2025()
    with unit_of_work():
        unit_changes.rename("so-yte", name="Sở Y tế mới", short_name="SYT",
                            effective_on="2022-01-01", decision=DECISION, actor=admin())
    yte = unit("so-yte")
    assert yte.name == "Sở Y tế"
    assert unit_changes.name_on(yte, date(2022, 1, 1)) == "Sở Y tế mới"


def test_a_mid_year_merge_keeps_both_units_work_and_history(app, client, demo):
    """Half a year played (registrations and mid-year reports of every unit but Sở Tư pháp);
    Sở Y tế merges into Sở Tư pháp (no work of its own) and the leader Sở TT&TT into a new
    unit: the campaign continues with the successors, their work with them."""
    forget_2025()
    play_year(app, client, through="mid_year")
    at(app, 2021, 7, 25, 9, 0)
    campaign = khoi8()
    yte, tuphap, tttt = unit("so-yte"), unit("so-tuphap"), unit("so-tttt")
    yte_registration = db.session.scalar(select(Registration).where(
        Registration.campaign_id == campaign.id, Registration.unit_id == yte.id))
    tttt_reports = sorted(r.id for r in db.session.scalars(select(Report).where(
        Report.campaign_id == campaign.id, Report.unit_id == tttt.id)))
    with unit_of_work():
        unit_changes.merge(["so-yte"], "so-tuphap", effective_on="2021-07-15",
                           decision=DECISION, actor=admin())
        unit_changes.merge(["so-tttt"], NewUnit("so-tttt-moi", "Sở Thông tin mới", "Sở TT mới"),
                           effective_on="2021-07-20", decision=DECISION, actor=admin())
    db.session.expire_all()
    campaign = khoi8()
    roles = {m.unit.code: m.role for m in campaign.memberships}
    assert roles["so-tuphap"] == "member" and roles["so-tttt-moi"] == "leader"
    assert "so-yte" not in roles and "so-tttt" not in roles and len(roles) == 7
    assert db.session.get(Registration, yte_registration.id).unit_id == tuphap.id
    moved = sorted(r.id for r in db.session.scalars(select(Report).where(
        Report.campaign_id == campaign.id, Report.unit_id == unit("so-tttt-moi").id)))
    assert moved == tttt_reports and len(moved) == 1
    ranking = [r["unit"].code for r in scoring.ranking(campaign)]
    assert sorted(ranking) == sorted(roles) and ranking.count("so-tuphap") == 1
    assert unit("so-yte").active is False and unit("so-tttt").active is False
    # the history follows: Sở Tư pháp carries Sở Y tế; Sở Y tế's successor is Sở Tư pháp
    assert [u.code for u, _e in unit_changes.predecessors(unit("so-tuphap"))] == ["so-yte"]
    assert unit_changes.successor(unit("so-yte")).code == "so-tuphap"
    actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions[-3:] == ["unit.merge", "unit.create", "unit.merge"]


def test_a_merge_with_a_carrier_keeps_the_other_units_work_with_it(app, client, demo):
    forget_2025()
    play_year(app, client, through="mid_year")
    at(app, 2021, 7, 25, 9, 0)
    campaign = khoi8()
    yte, gddt = unit("so-yte"), unit("so-gddt")
    with unit_of_work():
        unit_changes.merge(["so-yte", "so-gddt"],
                           NewUnit("so-ytgd", "Sở Y tế và Giáo dục", "Sở YT-GD"),
                           carrier="so-gddt", effective_on="2021-08-01", decision=DECISION,
                           actor=admin())
    db.session.expire_all()
    new = unit("so-ytgd")
    registrations = {r.unit_id for r in db.session.scalars(select(Registration).where(
        Registration.campaign_id == campaign.id))}
    assert {yte.id, new.id} <= registrations and gddt.id not in registrations
    assert db.session.scalar(select(Membership.role).where(
        Membership.campaign_id == campaign.id, Membership.unit_id == new.id)) == "member"
    event = db.session.scalar(select(UnitEvent).order_by(UnitEvent.id.desc()))
    assert unit_changes.describe_event(event)["sources"] == ["so-yte", "so-gddt"]
    assert unit_changes.active_on(yte, date(2021, 7, 31)) and \
        not unit_changes.active_on(yte, date(2021, 8, 1))


def test_a_split_gives_the_campaign_to_the_carrier(app, client, demo):
    forget_2025()
    play_year(app, client, through="mid_year")
    at(app, 2021, 7, 25, 9, 0)
    sheet_before = db.session.scalar(select(ScoreSheet.id).where(
        ScoreSheet.unit_id == unit("so-ldtbxh").id))
    with unit_of_work():
        unit_changes.split("so-ldtbxh", [NewUnit("so-ld", "Sở Lao động", "Sở LĐ"),
                                         NewUnit("so-xh", "Sở Xã hội", "Sở XH")],
                           carrier="so-xh", effective_on="2021-08-01", decision=DECISION,
                           actor=admin())
    db.session.expire_all()
    roles = {m.unit.code: m.role for m in khoi8().memberships}
    assert roles.get("so-xh") == "deputy" and "so-ld" not in roles and "so-ldtbxh" not in roles
    assert sheet_before is None  # no score sheet yet mid-year: only registration and report
    assert db.session.scalar(select(Registration.unit_id).where(
        Registration.unit_id == unit("so-xh").id)) is not None
    assert unit_changes.successor(unit("so-ldtbxh")).code == "so-xh"


# -- the demo's 2025 ---------------------------------------------------------------------------

def test_the_demo_records_2025_and_2021_keeps_its_names(demo):
    tttt, khcn, yte = unit("so-tttt"), unit("so-khcn"), unit("so-yte")
    # the clock is in 2021: today's names and active flags are 2021's
    assert (tttt.active, khcn.name, yte.name) == (True, "Sở Khoa học và Công nghệ", "Sở Y tế")
    assert unit_changes.name_on(yte, date(2022, 2, 25)) == "Sở Y tế"
    assert unit_changes.name_on(yte, date(2026, 1, 1)) == "Sở Y tế tỉnh Vĩnh Long"
    assert unit_changes.name_on(khcn, date(2025, 6, 30)) == "Sở Khoa học và Công nghệ"
    assert unit_changes.name_on(tttt, date(2026, 1, 1)) == "Sở Thông tin và Truyền thông"
    assert unit_changes.successor(tttt).code == "so-khcn"
    assert unit_changes.successor(unit("so-ldtbxh")).code == "so-noivu"
    assert unit_changes.ended_on(tttt) == date(2025, 3, 1)
    assert [u.code for u, _e in unit_changes.predecessors(khcn)] == ["so-tttt"]
    assert {m.unit.code for m in khoi8().memberships} >= {"so-tttt", "so-ldtbxh"}
    lineage = unit_changes.lineage("so-khcn")
    assert [e["kind"] for e in lineage["events"]] == ["merge", "rename"]
    assert lineage["events"][0]["decision"]["number"] == "(minh họa)"
    # a second run changes nothing
    before = row_counts()
    with unit_of_work():
        unit_changes.apply_demo_2025_changes()
    assert row_counts() == before


def test_catch_up_applies_the_changes_whose_date_has_come(app, demo):
    at(app, 2025, 3, 1, 8, 0)
    with unit_of_work():
        assert unit_changes.catch_up() == ["so-ldtbxh", "so-tttt"]
    assert unit("so-tttt").active is False and unit("so-khcn").name == "Sở Khoa học và Công nghệ"
    at(app, 2025, 7, 1, 8, 0)
    with unit_of_work():
        changed = unit_changes.catch_up()
    assert len(changed) == 6 and unit("so-khcn").name == "Sở Khoa học và Công nghệ tỉnh Vĩnh Long"
    with unit_of_work():
        assert unit_changes.catch_up() == []  # nothing left to do
    event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    assert event.action == "unit.catch_up" and event.details["on"] == "2025-07-01"


def test_documents_of_2021_get_the_2021_names_after_the_2025_changes(app, demo):
    """What a Khối 8 2021 document dated 25/02/2022 must print, once the clock is in 2026 and
    the 2025 changes applied: every member under its 2021 name and short name."""
    from core.cli import DEMO_UNITS

    at(app, 2026, 1, 5, 9, 0)
    with unit_of_work():
        unit_changes.catch_up()
    members = [m.unit for m in khoi8().memberships]
    assert unit("so-yte").name == "Sở Y tế tỉnh Vĩnh Long"  # today's name
    on_the_day = unit_changes.names_on(members, date(2022, 2, 25))
    assert sorted(on_the_day.values()) == sorted((name, short) for _c, name, short, _r, _i
                                                in DEMO_UNITS)
    today = unit_changes.names_on(members, date(2026, 1, 5))
    assert today[unit("so-gddt").id] == ("Sở Giáo dục và Đào tạo tỉnh Vĩnh Long", "Sở GD&ĐT")
    assert today[unit("so-tttt").id][0] == "Sở Thông tin và Truyền thông"  # ended, name kept
