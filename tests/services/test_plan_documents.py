"""Plans as data (issue 12): the plan document's rules (the same as ``flask bloc check``), the
copy into next year, the points table from Excel, export/import, and the built-in plugin that
serves stored plans to the core like any other plugin."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

import plugins.khoi8 as khoi8
from core.errors import Conflict
from core.extensions import db
from core.models import Campaign, PlanDocument, User
from core.plugin_api import Criterion, hookimpl
from core.services import campaigns
from core.services import plan_documents as plans
from core.services.plans import gather_plan
from tests.support import page_client, row_counts, text
from tests.support.databases import DATABASES

KHOI8_MEMBERS = [campaigns.MemberSpec("so-tttt", "leader"),
                 campaigns.MemberSpec("so-ldtbxh", "deputy"),
                 campaigns.MemberSpec("so-yte", "member")]


@pytest.fixture
def admin(demo):
    return db.session.scalar(select(User).where(User.username == "admin"))


@pytest.fixture
def host(demo):
    return demo.extensions["thidua"]


def khoi8_2022(host) -> dict:
    return plans.copy_to_year(host, "khoi-8", 2021).document


def fields(found) -> dict[str, str]:
    """Field → its messages, joined with " | "."""
    joined: dict[str, str] = {}
    for problem in found:
        joined[problem.field] = " | ".join(filter(None, [joined.get(problem.field),
                                                         problem.message]))
    return joined


# -- the document's rules ----------------------------------------------------------------------

def test_schema_problems_name_the_field_and_the_row(host):
    document = khoi8_2022(host)
    document["criteria"][0]["children"][1]["max_points"] = "năm"
    document["criteria"][1]["children"][0]["colour"] = "red"
    document["calendar"][2]["opens"] = "2022-02-30"
    document["calendar"][3]["host"] = "chairman"
    document["voting"]["config"]["polls"][0]["seats"] = 0
    found = fields(plans.problems(document, host=host))
    assert found["criteria[0].children[1].max_points"] == \
        "Tiêu chí 1.2: điểm tối đa 'năm' không phải là số."
    assert "criteria[1].children[0].colour" in found
    assert found["calendar[2].opens"] == \
        "Giai đoạn bao-cao-so-ket, ngày mở: '2022-02-30' không phải ngày hợp lệ (YYYY-MM-DD)."
    assert found["calendar[3].host"].startswith("Giai đoạn hoi-nghi-so-ket: đơn vị chủ trì "
                                                "'chairman' không hợp lệ")
    assert "số suất (seats) phải từ 1 trở lên" in found["voting.config"]


def test_a_plan_that_does_not_add_up_is_refused_and_nothing_is_written(host, admin):
    document = khoi8_2022(host)
    document["criteria"][0]["children"][0]["max_points"] = 6  # group 1 still says 35
    before = row_counts()
    with pytest.raises(plans.PlanInvalid) as info:
        plans.save(document, actor=admin, host=host)
    assert info.value.fields == {"criteria[0]": [
        "Tiêu chí 1: điểm tối đa của nhóm (35) khác tổng các mục con (36)."]}
    assert row_counts() == before


def test_dates_out_of_order_and_a_calendar_outside_its_year(host):
    document = khoi8_2022(host)
    document["calendar"][1]["due"] = "2022-04-01"  # before it opens (23/04/2022)
    document["calendar"][6]["opens"], document["calendar"][6]["due"] = "2024-02-15", "2024-02-28"
    found = fields(plans.problems(document, host=host))
    assert found["calendar[1]"] == "Giai đoạn dang-ky: ngày mở (23/04/2022) sau hạn (01/04/2022)."
    assert found["calendar[6]"] == ("Giai đoạn binh-xet: ngày nằm ngoài khoảng 01/01/2021–"
                                    "31/12/2023 của năm 2022.")


def test_a_year_a_python_plugin_has_is_not_shadowed(host):
    document = plans.source_document(host, "khoi-8", 2021)
    assert fields(plans.problems(document, host=host))["year"].startswith(
        "Năm 2021 của khối 'khoi-8' đã có kế hoạch do plugin Python cung cấp")


def test_a_plan_without_voting_needs_the_province_plugin(host):
    document = khoi8_2022(host)
    document["voting"] = None  # toan_tinh is disabled in the core's tests
    assert fields(plans.problems(document, host=host))["voting"].startswith(
        "Không có quy trình bỏ phiếu")


# -- copying into next year --------------------------------------------------------------------

def test_copy_moves_every_date_by_a_year_and_lists_the_changes(host):
    proposal = plans.copy_to_year(host, "khoi-8", 2021)
    assert proposal.source == "plugin khoi8" and not proposal.exists
    old = {p.code: p for p in khoi8.calendar_2021()}
    new = proposal.document["calendar"]
    assert [p["code"] for p in new] == list(old)
    for phase in new:
        assert date.fromisoformat(phase["opens"]) == old[phase["code"]].opens.replace(
            year=old[phase["code"]].opens.year + 1)
        assert date.fromisoformat(phase["due"]) == old[phase["code"]].due.replace(
            year=old[phase["code"]].due.year + 1)
    texts = [c.text for c in proposal.changes]
    assert texts[0] == "Năm: 2021 → 2022"
    assert "Giai đoạn binh-xet: hạn 28/02/2022 → 28/02/2023" in texts
    assert len(texts) == 1 + 2 * len(new)  # the year and both dates of every phase
    assert proposal.document["criteria"] == [c.to_dict() for c in khoi8.criteria_2021()]
    assert proposal.document["voting"] == {"procedure": "council_vote",
                                           "config": khoi8.voting_2021().config()}
    assert plans.problems(proposal.document, host=host) == []


def test_29_february_becomes_28_february_in_a_common_year():
    assert plans.shift_date(date(2024, 2, 29)) == date(2025, 2, 28)
    assert plans.shift_date(date(2023, 2, 28)) == date(2024, 2, 28)
    assert plans.shift_date(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert plans.shift_date(date(2021, 12, 31)) == date(2022, 12, 31)


def test_copy_of_a_stored_plan_with_29_february(host, admin):
    proposal = plans.copy_to_year(host, "khoi-8", 2021, 2023)
    document = proposal.document
    tham_dinh = next(p for p in document["calendar"] if p["code"] == "tham-dinh")
    assert (tham_dinh["opens"], tham_dinh["due"]) == ("2024-02-01", "2024-02-14")
    tham_dinh["due"] = "2024-02-29"  # a leap day in the plan of 2023
    for phase in document["calendar"][-2:]:  # the vote and the dossiers: in March
        phase["opens"], phase["due"] = "2024-03-01", "2024-03-14"
    plans.save(document, actor=admin, host=host)
    copied = plans.copy_to_year(host, "khoi-8", 2023)
    assert copied.source == "kế hoạch dữ liệu"
    moved = next(p for p in copied.document["calendar"] if p["code"] == "tham-dinh")
    assert moved["due"] == "2025-02-28"
    assert "Giai đoạn tham-dinh: hạn 29/02/2024 → 28/02/2025" in [c.text for c in copied.changes]
    assert plans.problems(copied.document, host=host) == []


# -- the built-in plugin ---------------------------------------------------------------------

def test_a_stored_plan_answers_like_a_python_plugin(host, admin):
    with pytest.raises(Exception, match="chưa có kế hoạch cho năm 2022"):
        gather_plan(host, "khoi-8", 2022)
    plans.save(khoi8_2022(host), actor=admin, host=host)
    plan = gather_plan(host, "khoi-8", 2022)
    assert plan.problems == []
    assert plan.criteria == khoi8.criteria_2021()
    assert [p.opens for p in plan.calendar][0] == date(2022, 4, 23)
    assert plan.voting.config() == khoi8.voting_2021().config()
    assert plan.voting_plugin == "data_plans"
    campaign = campaigns.open_campaign("khoi-8", 2022, KHOI8_MEMBERS, actor=admin)
    assert campaign.snapshot["max_total"] == 100
    assert campaign.snapshot["calendar"][-1]["due"] == "2023-02-28"


def test_a_python_plugin_answers_first(host, admin):
    plans.save(khoi8_2022(host), actor=admin, host=host)

    class Override:
        @hookimpl
        def thidua_criteria(self, bloc, year):
            if (bloc, year) == ("khoi-8", 2022):
                return [Criterion("A", "Một mục", 10, children=(Criterion("A.1", "Mục", 10),))]
            return None

    host.register(Override(), "ghi_de")
    try:
        plan = gather_plan(host, "khoi-8", 2022)
        assert [c.code for c in plan.criteria] == ["A"]
        assert plan.calendar[0].opens == date(2022, 4, 23)  # still the stored calendar
    finally:
        host.unregister("ghi_de")


def test_a_created_bloc_is_listed_at_once_and_its_year_opens(host, admin):
    plans.create_bloc("khoi-5", "Khối thi đua Khối 5", "KHỐI THI ĐUA KHỐI 5", "TĐK5",
                      actor=admin, host=host)
    info, plugin = host.collect_blocs()["khoi-5"]
    assert (info.name, info.issuer, info.abbreviation, plugin) == (
        "Khối thi đua Khối 5", "KHỐI THI ĐUA KHỐI 5", "TĐK5", "data_plans")
    proposal = plans.copy_to_year(host, "khoi-8", 2021, 2023, target_bloc="khoi-5")
    assert proposal.document["bloc"]["code"] == "khoi-5"
    plans.save(proposal.document, actor=admin, host=host)
    assert host.collect_blocs()["khoi-5"][0].years == (2023,)
    campaign = campaigns.open_campaign("khoi-5", 2023, KHOI8_MEMBERS, actor=admin)
    assert (campaign.plugin, campaign.plugin_version) == ("data_plans", "2026.1")
    assert campaign.title == "Khối thi đua Khối 5 — năm 2023"
    with pytest.raises(Conflict):
        plans.create_bloc("khoi-5", "Lần nữa", actor=admin, host=host)
    with pytest.raises(plans.PlanInvalid) as info:
        plans.create_bloc("Khối 6", "", actor=admin, host=host)
    assert set(info.value.fields) == {"code", "name"}


def test_document_settings_are_per_plan(host, admin):
    document = khoi8_2022(host)
    document["document_settings"] = {"province": "Vĩnh Long", "office_name":
                                     "Phòng Thi đua, khen thưởng"}
    plans.save(document, actor=admin, host=host)
    assert plans.document_settings("khoi-8", 2022) == {
        "province": "Vĩnh Long", "office_name": "Phòng Thi đua, khen thưởng"}
    assert plans.document_settings("khoi-8", 2021) == {}


def test_a_plan_may_set_its_own_award_rules_over_the_province_wide_ones(host, admin,
                                                                         monkeypatch):
    """The 2026 rules (docs/units.md) come from the province-wide plugin; a plan stored as
    data may set its own, as a bloc plugin may, and opening the year freezes them."""
    import plugins.toan_tinh as toan_tinh
    from core.services import eligibility

    host.register(toan_tinh, "tinh_2026")  # off in the tests: its defaults from 2026 …
    monkeypatch.setattr(toan_tinh, "RULES_FROM_YEAR", 2022)  # … here from 2022
    document = plans.copy_to_year(host, "khoi-8", 2021).document
    assert "award_rules" not in document
    # bad rules: every field named, nothing written
    document["award_rules"] = {"barring_flags": ["discipline", "late"], "women_tiebreak": "yes",
                               "women_threshold": 170, "colour": "red"}
    found = fields(plans.problems(document, host=host))
    assert found["award_rules.barring_flags"].startswith("Các trường hợp chưa được đề nghị "
                                                         "khen thưởng phải là danh sách gồm: "
                                                         "discipline (kỷ luật)")
    assert found["award_rules.women_tiebreak"] == "Ưu tiên tỷ lệ nữ phải là true hoặc false."
    assert found["award_rules.women_threshold"].startswith("Tỷ lệ nữ tối thiểu phải là số")
    assert "award_rules.colour" in found
    before = row_counts()
    with pytest.raises(plans.PlanInvalid):
        plans.save(document, actor=admin, host=host)
    db.session.rollback()
    assert row_counts() == before

    # without its own rules, the 2022 plan follows the province-wide plugin
    plans.save(khoi8_2022(host), actor=admin, host=host)
    assert eligibility.rules_for("khoi-8", 2022) == toan_tinh.default_award_rules()
    document = khoi8_2022(host)
    document["award_rules"] = {"barring_flags": ["discipline"], "women_tiebreak": True,
                               "women_threshold": 60, "basis": "Quy chế của Khối năm 2022"}
    plans.save(document, actor=admin, host=host)
    rules = eligibility.rules_for("khoi-8", 2022)
    assert rules.barring_flags == ("discipline",) and rules.women_threshold == 60
    campaign = campaigns.open_campaign("khoi-8", 2022, KHOI8_MEMBERS, actor=admin)
    assert campaign.snapshot["award_rules"]["basis"] == "Quy chế của Khối năm 2022"
    assert eligibility.rules(campaign).women_tiebreak is True


# -- export and import ---------------------------------------------------------------------------

def test_export_then_import_gives_the_same_plan(host, admin):
    plans.save(khoi8_2022(host), actor=admin, host=host)
    exported = plans.export_bytes("khoi-8", 2022, host)
    original = plans.stored("khoi-8", 2022).document
    db.session.delete(plans.stored("khoi-8", 2022))
    db.session.flush()
    row = plans.import_bytes(exported, actor=admin, host=host)
    assert row.document == original
    assert json.loads(exported) == original
    with pytest.raises(Conflict):
        plans.import_bytes(exported, actor=admin, host=host)
    assert plans.import_bytes(exported, actor=admin, host=host, replace=True).revision == 2
    with pytest.raises(plans.PlanInvalid) as info:
        plans.import_bytes(b"\xff not json", actor=admin, host=host)
    assert "file" in info.value.fields


def test_import_into_an_installation_without_the_bloc_creates_it(host, admin):
    document = khoi8_2022(host)
    document["bloc"] = {"code": "khoi-12", "name": "Khối thi đua Khối 12", "issuer": "",
                        "abbreviation": "TĐK12", "description": ""}
    plans.import_bytes(json.dumps(document).encode(), actor=admin, host=host)
    assert host.collect_blocs()["khoi-12"][0].abbreviation == "TĐK12"
    assert gather_plan(host, "khoi-12", 2022).problems == []


# -- the points table from Excel -----------------------------------------------------------------

def workbook(rows, header=("Mã", "Nhóm", "Tiêu chí", "Điểm tối đa", "Điểm cộng", "Điểm trừ")):
    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_template_round_trips_with_nothing_to_change(host, admin):
    plans.save(khoi8_2022(host), actor=admin, host=host)
    document = plans.stored("khoi-8", 2022).document
    data = plans.points_template(document)
    sheet = load_workbook(io.BytesIO(data))["Thang bảng điểm"]
    assert [c.value for c in sheet[1]] == ["Mã", "Nhóm", "Tiêu chí", "Điểm tối đa", "Điểm cộng",
                                           "Điểm trừ", "Hướng dẫn chấm", "Người chấm"]
    assert [c.value for c in sheet[3]][:6] == ["1.1", "1", khoi8.GROUP_1[0], 5, None, None]
    result = plans.dry_run_points(document, data)
    assert result.ok and result.removed == [] and result.max_total == "100"
    assert {r.action for r in result.rows} == {"same"}
    assert len(result.rows) == 32  # 3 groups, 22 items, 2 bonus and 3 deduction lines


def test_dry_run_says_row_by_row_what_would_change_and_what_is_wrong(host, admin):
    plans.save(khoi8_2022(host), actor=admin, host=host)
    document = plans.stored("khoi-8", 2022).document
    rows = [("1", "", "Nhóm 1", None, None, None),
            ("1.1", "1", "Tham mưu văn bản", 60, None, None),
            ("1.2", "1", "Cải cách hành chính", "40", None, None),
            ("1.3", "9", "Thuộc nhóm không có", 5, None, None),
            ("1.4", "1", "Điểm âm", -5, None, None),
            ("1.5", "1", "Hai cột điểm", 5, 2, None),
            ("1.6", "1", "Chữ thay số", "năm điểm", None, None),
            ("C", "", "Điểm cộng", None, None, None),
            ("C.1", "C", "Sáng kiến", None, "2,5", None),
            ("T", "", "Điểm trừ", None, None, None),
            ("T.1", "T", "Trễ hạn", None, None, 5)]
    result = plans.dry_run_points(document, workbook(rows))
    assert not result.ok and result.document is None
    by_row = {r.row: r for r in result.rows}
    assert by_row[3].action == "error" or by_row[3].action == "change"
    assert by_row[5].errors == ["Dòng 5: nhóm '9' không có trong bảng (mã nhóm phải là một dòng "
                                "ở phía trên)."]
    assert by_row[6].errors[0].startswith("Dòng 6: điểm không được âm (-5)")
    assert by_row[7].errors == ["Dòng 7: chỉ ghi điểm vào một trong ba cột Điểm tối đa, Điểm "
                                "cộng, Điểm trừ."]
    assert by_row[8].errors == ["Dòng 8 (tiêu chí 1.6): điểm tối đa 'năm điểm' không phải là số."]
    before = row_counts()
    with pytest.raises(plans.PlanInvalid):
        plans.import_points("khoi-8", 2022, workbook(rows), actor=admin, host=host)
    assert row_counts() == before


def test_a_valid_workbook_is_applied_whole(host, admin):
    plans.save(khoi8_2022(host), actor=admin, host=host)
    document = plans.stored("khoi-8", 2022).document
    rows = [("1", "", "Nhóm 1", None, None, None),
            ("1.1", "1", khoi8.GROUP_1[0], 60, None, None),
            ("1.2", "1", "Cải cách hành chính", "40", None, None),
            ("C", "", "Điểm cộng", None, None, None),
            ("C.1", "C", "Sáng kiến", None, "2,5", None),
            ("T", "", "Điểm trừ", None, None, None),
            ("T.1", "T", "Trễ hạn", None, None, 5)]
    result = plans.dry_run_points(document, workbook(rows))
    assert result.ok, result.to_dict()
    actions = {r.code: r.action for r in result.rows}
    assert actions["1.1"] == "change" and actions["1.2"] == "change" and actions["C.1"] == "change"
    assert "2" in result.removed and "3.10" in result.removed and result.max_total == "100"
    row, _ = plans.import_points("khoi-8", 2022, workbook(rows), actor=admin, host=host)
    assert row.revision == 2
    plan = gather_plan(host, "khoi-8", 2022)
    assert [(c.code, c.max_points) for c in plan.criteria] == [("1", 100), ("C", "2.5"),
                                                               ("T", 5)]


def test_a_workbook_with_a_missing_column_or_no_file(host, admin):
    plans.save(khoi8_2022(host), actor=admin, host=host)
    document = plans.stored("khoi-8", 2022).document
    result = plans.dry_run_points(document, workbook([("1", "", "Nhóm", 5)],
                                                     header=("Mã", "Nhóm", "Tiêu chí",
                                                             "Điểm tối đa")))
    assert [p.message for p in result.problems] == [
        "Thiếu cột: «Điểm cộng», «Điểm trừ». Tải tệp mẫu để xem đúng các cột."]
    assert [p.field for p in plans.dry_run_points(document, b"").problems] == ["file"]
    assert plans.dry_run_points(document, b"a;b;c\n1;2;3").problems[0].message.startswith(
        "Không đọc được tệp")


# -- the demo's 2026 bloc ----------------------------------------------------------------------

def test_the_shipped_2026_plan_is_valid_data_ending_in_december():
    document = plans.load_shipped()
    parsed, found = plans.parse(document)
    assert found == [] and parsed.voting is None  # the vote follows the province-wide plugin
    assert parsed.calendar[-1].due == date(2026, 12, 9)  # before 10/12/2026
    assert all(p.due.year == 2026 for p in parsed.calendar)
    assert parsed.settings["province"] == "Vĩnh Long"


def test_the_demo_opens_the_2026_vinh_long_year(tmp_path):
    from core.cli import build_demo

    app = DATABASES.fresh_app(tmp_path, scratch=True, THIDUA_DISABLED_PLUGINS=[])
    try:
        with app.app_context():
            build_demo()
            db.session.commit()
            campaign = db.session.scalar(select(Campaign).where(Campaign.year == 2026))
            assert campaign.bloc.code == "vl-khoi-8" and campaign.plugin == "data_plans"
            assert {(m.unit.code, m.role) for m in campaign.memberships} == set(
                plans.DEMO_2026_MEMBERS)
            assert campaign.snapshot["voting"]["plugin"] == "toan_tinh"
            assert campaign.snapshot["calendar"][-1]["due"] == "2026-12-09"
            assert db.session.scalar(select(PlanDocument.revision)) == 1
            board = page_client(app, "bantdkt").get("/board/2026")
            assert board.status_code == 200
            assert "Khối thi đua Khối 8 tỉnh Vĩnh Long (minh họa)" in text(board)
            # Its documents are issued in Vĩnh Long by its office, as the plan's settings say
            # (Khối 8 2021 stays in Trà Vinh, from the configuration).
            from core.services import documents
            from tests.support.rendered_documents import pdf_text

            where = documents.province(campaign)
            assert (where.name, where.place) == ("Vĩnh Long", "Vĩnh Long")
            assert where.office == "Phòng Thi đua, khen thưởng (Sở Nội vụ tỉnh Vĩnh Long)"
            draft = documents.render(campaign, documents.KINDS["ke-hoach"], None, draft=True)
            assert "Vĩnh Long, ngày" in pdf_text(draft)
            old = db.session.scalar(select(Campaign).where(Campaign.year == 2021,
                                                           Campaign.bloc.has(code="khoi-8")))
            assert documents.province(old).place == "Trà Vinh"
            # With the province-wide plugin loaded, a stored plan's own voting still wins.
            admin = db.session.scalar(select(User).where(User.username == "admin"))
            plans.save(khoi8_2022(app.extensions["thidua"]), actor=admin,
                       host=app.extensions["thidua"])
            plan = gather_plan(app.extensions["thidua"], "khoi-8", 2022)
            assert (plan.voting_plugin, plan.voting.config()) == (
                "data_plans", khoi8.voting_2021().config())
            host = app.extensions["thidua"]
            assert plans.open_demo_2026(actor=db.session.scalar(
                select(User).where(User.username == "admin")), host=host) is None  # once
            db.session.remove()
    finally:
        DATABASES.release(app)


def test_bloc_check_reads_a_stored_plan(host, admin, runner):
    result = runner.invoke(args=["bloc", "check", "khoi-8", "2022"])
    assert result.exit_code != 0 and "chưa có kế hoạch cho năm 2022" in result.output
    plans.save(khoi8_2022(host), actor=admin, host=host)
    db.session.commit()
    result = runner.invoke(args=["bloc", "check", "khoi-8", "2022"])
    assert result.exit_code == 0, result.output
    assert "Kế hoạch khoi-8 2022 hợp lệ: 22 tiêu chí chấm điểm, tổng 100 điểm" in result.output
