"""The dossier a bloc sends up (core/services/dossier.py): the plan, the covenant, the list of
proposed units and an achievement report per proposed unit, rendered to PDF from Khối 8's
played 2021 year and read back as text: every fact printed is the data's."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from flask import render_template
from jinja2 import ChoiceLoader, DictLoader

from core.domain import format_points
from core.extensions import db
from core.models import Campaign, Poll, Unit, User
from core.services import campaign_state, covenant, documents, dossier, pdf, scoring
from tests.support.cycle import at
from tests.support.databases import DATABASES
from tests.support.year import played_app

ENTRIES = {e["name"]: e for e in dossier.DOSSIER}
MEMBERS = ["Sở Thông tin và Truyền thông", "Sở Lao động – Thương binh và Xã hội",
           "Sở Văn hóa, Thể thao và Du lịch", "Sở Giáo dục và Đào tạo", "Sở Y tế",
           "Sở Khoa học và Công nghệ", "Sở Nội vụ", "Sở Tư pháp"]


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    """One app over a copy of the played year, shared by this module's tests."""
    app = played_app(tmp_path_factory.mktemp("dossier"))
    with app.app_context():
        yield app
    DATABASES.release(app)


def campaign() -> Campaign:
    return db.session.scalar(db.select(Campaign).where(Campaign.year == 2021))


def unit(code: str) -> Unit:
    return db.session.scalar(db.select(Unit).where(Unit.code == code))


def render(name: str, unit_: Unit | None = None) -> bytes:
    """The document's PDF as the documents service renders it (its common context, the
    plan's template override), whether or not it has taken in the dossier yet."""
    entry = ENTRIES[name]
    found = campaign()
    kind = documents.KINDS.get(name)
    if kind is not None:  # integrated into core.services.documents
        return documents.render(found, kind, unit_, draft=True)
    kind = documents.DocumentKind(entry["name"], entry["title"], entry["phase"],
                                  entry["template"], entry["number_type"],
                                  per_unit=entry["per_unit"],
                                  orientation=entry["orientation"])
    template = campaign_state.plan(found).documents.get(name, entry["template"])
    html = render_template(template, **documents._common(found, kind, unit_, True),
                           **entry["builder"](found, unit_))
    return pdf.render(html)


def text_of(data: bytes) -> str:
    result = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"], input=data,
                            capture_output=True, check=True)
    return re.sub(r"\s+", " ", result.stdout.decode("utf-8"))


def keep(data: bytes, name: str, tmp_path: Path) -> None:
    """With THIDUA_DOSSIER_DUMP=<dir>, keep the PDF and a 60 dpi PNG of each page to look at."""
    folder = os.environ.get("THIDUA_DOSSIER_DUMP")
    if not folder:
        return
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.pdf").write_bytes(data)
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(out / f"{name}.pdf"),
                    str(out / name)], check=True)


def test_the_dossier_table_is_what_documents_reads():
    assert [e["name"] for e in dossier.DOSSIER] == [
        "ke-hoach", "giao-uoc", "danh-sach-de-nghi", "bao-cao-thanh-tich"]
    for entry in dossier.DOSSIER:
        assert {"name", "title", "phase", "template", "number_type", "per_unit",
                "orientation", "builder"} <= entry.keys()
        assert entry["phase"] in ("registration", "vote")
        assert callable(entry["builder"])
        assert entry["name"] not in documents.KINDS or \
            documents.KINDS[entry["name"]].template == entry["template"]
    assert ENTRIES["ke-hoach"]["number_type"] == "KH"
    assert ENTRIES["bao-cao-thanh-tich"]["per_unit"] is True


def test_plan_prints_every_criterion_and_points_that_add_up(year, tmp_path):
    plan = campaign_state.plan(campaign())
    data = render("ke-hoach")
    keep(data, "ke-hoach", tmp_path)
    text = text_of(data)
    for expected in ["KẾ HOẠCH", "Tổ chức và phát động phong trào thi đua năm 2021",
                     "/KH-TĐK8", "KHỐI THI ĐUA KHỐI 8",
                     "Sở Thông tin và Truyền thông (Khối trưởng) xây dựng kế hoạch",
                     "NỘI DUNG KẾ HOẠCH THI ĐUA", "TỔ CHỨC THỰC HIỆN",
                     "1. Thi đua phát triển kinh tế - xã hội, đảm bảo quốc phòng - an ninh "
                     "(35 điểm)", "- 1.6. Thực hiện cải cách hành chính (5 điểm).",
                     "4. Điểm cộng (cộng tối đa 10 điểm)",
                     "- T.1. Không đăng ký thi đua đầu năm (trừ tối đa 8 điểm; Ban Thi đua – "
                     "Khen thưởng tỉnh chấm).",
                     "Gửi báo cáo sơ kết 6 tháng đầu năm về Khối phó",
                     "Từ 01/06/2021 đến hết 14/06/2021",
                     "Khối phó (Sở Lao động – Thương binh và Xã hội)",
                     "Đề nghị tặng Cờ thi đua của UBND tỉnh", "Bầu Khối trưởng năm sau"]:
        assert expected in text, expected
    # no purpose text in Khối 8's plan: the section is omitted, never invented
    assert "MỤC ĐÍCH" not in text
    # every line of the table with its maximum, in the table's order
    contents = text.split("NỘI DUNG KẾ HOẠCH THI ĐUA")[1].split("Thang điểm:")[0]
    lines = re.findall(r"- ([0-9A-Z]+\.\d+)\. .*? \((?:(?:cộng|trừ) tối đa )?(\d+(?:,\d+)?) "
                       r"điểm", contents)
    assert [code for code, _ in lines] == [c.code for c in plan.leaves()]
    printed = {code: Decimal(value.replace(",", ".")) for code, value in lines}
    for criterion in plan.leaves():
        assert printed[criterion.code] == Decimal(str(criterion.max_points)), criterion.code
    items = [c for c in plan.leaves() if c.kind == "item"]
    assert sum(printed[c.code] for c in items) == plan.max_total == Decimal(100)
    for number, group in enumerate(plan.criteria, start=1):
        assert f"{number}. {group.title} (" in contents, group.code
    assert f"Tổng cộng {len(items)} {plan.max_total:g}" in text
    for phase in plan.calendar:
        assert phase.title in text, phase.title


def test_the_dossier_names_the_configured_office(year, monkeypatch):
    """Where the board scores a line or verifies, the documents print the office the
    installation names (a Phòng of the Sở Nội vụ since 2025 in many provinces), never the
    board's default label."""
    monkeypatch.setitem(year.config, "THIDUA_OFFICE_NAME", "Phòng Thi đua, khen thưởng")
    monkeypatch.setitem(year.config, "THIDUA_OFFICE_PARENT", "Sở Nội vụ")
    plan = text_of(render("ke-hoach"))
    assert "- T.1. Không đăng ký thi đua đầu năm (trừ tối đa 8 điểm; Phòng Thi đua, khen " \
           "thưởng (Sở Nội vụ) chấm)." in plan
    # (the plan's own words keep theirs: Khối 8's 2021 calendar sends the dossiers "về Ban Thi
    # đua – Khen thưởng tỉnh", as the plan of that year said)
    assert re.findall(r"Ban Thi đua – Khen thưởng tỉnh \S+", plan) == [
        "Ban Thi đua – Khen thưởng tỉnh Từ"]
    covenant_text = text_of(render("giao-uoc"))
    assert "Ban Thi đua" not in covenant_text, re.findall(r".{120}Ban Thi đua.{40}",
                                                          covenant_text)


def test_covenant_lists_every_member_with_a_signature(year, tmp_path):
    found = campaign()
    data = render("giao-uoc")
    keep(data, "giao-uoc", tmp_path)
    text = text_of(data)
    assert "GIAO ƯỚC THI ĐUA" in text and "/GƯTĐ-TĐK8" in text
    assert "Năm 2021 giữa các đơn vị thành viên Khối thi đua Khối 8" in text
    # Khối 8's calendar names its covenant phase: signed on its last day
    assert "ngày 30 tháng 04 năm 2021, các đơn vị thành viên Khối thi đua Khối 8" in text
    context = dossier.covenant_context(found)["dossier"]
    assert sorted(m["name"] for m in context["members"]) == sorted(MEMBERS)
    for name in MEMBERS:
        assert name in text, name
    signatures = text.split("ĐẠI DIỆN CÁC ĐƠN VỊ THÀNH VIÊN")[1]
    for member in context["members"]:
        assert member["title"] in signatures and member["head"] in signatures, member
    assert "Nguyễn Văn Này" in signatures
    assert "KHỐI TRƯỞNG GIÁM ĐỐC SỞ TT&TT" in signatures
    assert "Tổng điểm các tiêu chí 22 100" in text
    assert dossier.covenant_checklist(found) == []


def test_proposal_list_holds_exactly_the_proposed_units(year, tmp_path):
    found = campaign()
    assert dossier.proposal_list_exists(found)
    data = render("danh-sach-de-nghi")
    keep(data, "danh-sach-de-nghi", tmp_path)
    text = text_of(data)
    ranking = {r["unit"].code: r for r in scoring.ranking(found)}
    assert dossier.proposed_codes(found) == {"so-vhttdl", "so-yte", "so-khcn"}
    flag, praise = text.split("II. ĐỀ NGHỊ TẶNG BẰNG KHEN")
    assert "I. ĐỀ NGHỊ TẶNG CỜ THI ĐUA CỦA UBND TỈNH (01 tập thể)" in flag
    assert "CỦA CHỦ TỊCH UBND TỈNH (02 tập thể)" in praise
    for part, codes in ((flag, ["so-vhttdl"]), (praise, ["so-yte", "so-khcn"])):
        for code in codes:
            row = ranking[code]
            expected = (f"{row['unit'].name} {format_points(row['verified_total'])} "
                        f"{row['rank']} 7 87,5%")
            assert expected in part, (expected, part)
    for name in set(MEMBERS) - {"Sở Văn hóa, Thể thao và Du lịch", "Sở Y tế",
                                "Sở Khoa học và Công nghệ"}:
        assert name not in text.split("cụ thể:")[1].split("Nơi nhận:")[0], name
    assert "Bỏ phiếu kín, kết thúc ngày 25/02/2022: 7/8 đơn vị thành viên bỏ phiếu; 7 phiếu " \
        "hợp lệ." in text
    assert "đề nghị khen thưởng 3 tập thể" in text
    assert dossier.proposal_list_checklist(found) == []


def test_no_list_and_no_report_before_the_results_are_published(year):
    found = campaign()
    flag = db.session.scalar(db.select(Poll).where(Poll.campaign_id == found.id,
                                                   Poll.code == "co-thi-dua"))
    flag.status = "closed"
    db.session.flush()
    try:
        assert dossier.proposed_codes(found) == {"so-yte", "so-khcn"}
        assert not dossier.is_proposed(found, unit("so-vhttdl"))
        assert "Kết quả “Đề nghị tặng Cờ thi đua của UBND tỉnh” chưa được công bố." in \
            dossier.proposal_list_checklist(found)
        for poll in db.session.scalars(db.select(Poll).where(Poll.campaign_id == found.id)):
            poll.status = "closed"
        db.session.flush()
        assert not dossier.proposal_list_exists(found)
        assert dossier.proposed_codes(found) == set()
    finally:
        db.session.rollback()
    assert dossier.proposal_list_exists(found)


def test_achievement_report_only_for_a_proposed_unit(year, tmp_path):
    found = campaign()
    assert [u.code for u in db.session.scalars(db.select(Unit).order_by(Unit.code))
            if dossier.is_proposed(found, u)] == ["so-khcn", "so-vhttdl", "so-yte"]
    for code in ("so-tttt", "so-tuphap", "so-gddt", "so-ldtbxh", "so-noivu"):
        assert not dossier.is_proposed(found, unit(code)), code
    target = unit("so-vhttdl")
    data = render("bao-cao-thanh-tich", target)
    keep(data, "bao-cao-thanh-tich-so-vhttdl", tmp_path)
    text = text_of(data)
    row = next(r for r in scoring.ranking(found) if r["unit"].code == "so-vhttdl")
    for expected in ["BÁO CÁO THÀNH TÍCH", "Đề nghị tặng Cờ thi đua của UBND tỉnh",
                     "Tên tập thể đề nghị: Sở Văn hóa, Thể thao và Du lịch",
                     "I. SƠ LƯỢC ĐẶC ĐIỂM, TÌNH HÌNH", "II. THÀNH TÍCH ĐẠT ĐƯỢC",
                     "III. CÁC HÌNH THỨC ĐÃ ĐƯỢC KHEN THƯỞNG",
                     "Báo cáo tổng kết phong trào thi đua năm 2021.",
                     "Ban hành 4 văn bản quy phạm pháp luật đúng hạn",
                     "Báo cáo số 12/BC ngày 15/12/2021",
                     f"Tổng điểm thẩm định: {format_points(row['verified_total'])}/100 điểm",
                     f"xếp hạng {row['rank']}/8 đơn vị của Khối",
                     "kết thúc ngày 25/02/2022: đơn vị được 7 phiếu đồng ý (87,5%) trên 8 "
                     "đơn vị thành viên; 7 phiếu hợp lệ."]:
        assert expected in text, expected
    assert text.count("(đơn vị bổ sung)") >= 5
    assert dossier.achievement_checklist(found, target) == []
    context = dossier.achievement_context(found, target)["dossier"]
    assert [a["title"] for a in context["awards"]] == ["Đề nghị tặng Cờ thi đua của UBND tỉnh"]
    assert context["confirmer"]["name"] == "Nguyễn Văn Này"
    # no line of the table is empty: 22 items (no bonus or deduction applied to this unit)
    assert [line["code"] for line in context["lines"]] == [
        c.code for c in campaign_state.plan(found).leaves() if c.kind == "item"]


def test_a_plugin_may_override_a_dossier_template(year, monkeypatch):
    """A plugin's ``thidua_document_templates`` (frozen as the plan's ``documents``) picks
    another template for a dossier document, with the same context."""
    found = campaign()
    plan = dataclasses.replace(campaign_state.plan(found),
                               documents={"giao-uoc": "plugin/giao_uoc.html"})
    monkeypatch.setattr(campaign_state, "plan", lambda _campaign: plan)
    app = year
    monkeypatch.setattr(app.jinja_env, "loader", ChoiceLoader([DictLoader({
        "plugin/giao_uoc.html": '{% extends "pdf/_base.html" %}{% block body %}'
                                "<p>Bản giao ước riêng: {{ dossier.members|length }} đơn vị."
                                "</p>{% endblock %}"}), app.jinja_env.loader]))
    text = text_of(render("giao-uoc"))
    assert "Bản giao ước riêng: 8 đơn vị." in text
    assert "ĐẠI DIỆN CÁC ĐƠN VỊ THÀNH VIÊN" not in text


def test_covenant_keeps_the_table_of_its_day_after_an_amendment(app, demo):
    """An amendment at the mid-year review changes the plan, not the covenant signed before."""
    at(app, 2021, 6, 10, 9, 0)
    found = campaign()
    leader = db.session.scalar(db.select(User).where(User.username == "tttt.canbo"))
    covenant.adjust(found, {"1.1": 6, "1.2": 4}, "Điều chỉnh tại hội nghị sơ kết",
                    actor=leader)
    db.session.flush()

    def line(groups, code):
        return next(li for g in groups for li in g["lines"] if li["code"] == code)

    plan = dossier.plan_context(found)["dossier"]
    assert (line(plan["groups"], "1.1")["max_points"], plan["revision"]) == (6, 2)
    signed = dossier.covenant_context(found)["dossier"]
    assert (line(signed["groups"], "1.1")["max_points"], signed["revision"]) == (5, 1)
    text = text_of(render("giao-uoc"))
    assert "thang điểm được điều chỉnh sau đó (1 lần)" in text
    assert "Thang điểm theo kế hoạch điều chỉnh lần 1." in text_of(render("ke-hoach"))


def test_without_a_covenant_phase_the_covenant_is_dated_when_registration_closes(
        year, monkeypatch):
    found = campaign()
    plan = campaign_state.plan(found)
    assert dossier.covenant_date(found) == date(2021, 4, 30)  # "… ký kết giao ước thi đua"
    without = dataclasses.replace(plan, calendar=tuple(
        p for p in plan.calendar if "giao ước" not in p.title))
    monkeypatch.setattr(campaign_state, "plan", lambda _campaign: without)
    assert dossier.covenant_date(found) == date(2021, 5, 15)  # registration's last day


def test_the_plan_and_the_covenant_of_every_bloc_in_the_demo(tmp_path):
    """Generic for any plan: the illustrative second bloc's too (a 1,000-point table, its own
    calendar with no covenant phase, ranked ballots)."""
    app = DATABASES.fresh_app(tmp_path, "demo", scratch=True, THIDUA_DISABLED_PLUGINS=[])
    try:
        with app.app_context():
            campaigns = list(db.session.scalars(db.select(Campaign)))
            assert {c.bloc.code for c in campaigns} >= {"khoi-8", "khoi-vhxh"}
            for found in campaigns:
                plan = campaign_state.plan(found)
                context = dossier.plan_context(found)["dossier"]
                assert sum(g["max_points"] for g in context["item_groups"]) == plan.max_total
                assert context["voting"] is not None and context["voting"]["polls"]
                data = documents.render(found, documents.KINDS["ke-hoach"], None, draft=True)
                keep(data, f"ke-hoach-{found.bloc.code}", tmp_path)
                plan_text = text_of(data)
                assert f"thang điểm {format_points(plan.max_total)} điểm" in plan_text
                for phase in plan.calendar:
                    assert phase.title in plan_text, phase.title
                data = documents.render(found, documents.KINDS["giao-uoc"], None, draft=True)
                keep(data, f"giao-uoc-{found.bloc.code}", tmp_path)
                covenant_text = text_of(data)
                for membership in found.memberships:
                    assert membership.unit.name in covenant_text, membership.unit.name
                assert not dossier.proposal_list_exists(found)
            db.session.remove()
    finally:
        DATABASES.release(app)
