"""The plan pages (issue 12): only administrators; copy Khối 8's 2021 plan into 2022 with the
diff, edit points and calendar in the form (checked live, refused with the row named, nothing
written), import the points table from Excel with a dry run, create a bloc and open its year in
the same app (no restart), export the plan; and the leader's points-table amendment page."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core.extensions import db
from core.models import AuditEvent, Campaign, CriterionChange, PlanDocument
from core.services import plan_documents as plans
from core.services.plans import gather_plan
from tests.support import page_client, row_counts, text
from tests.support.html import parse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def admin(demo):
    return page_client(demo, "admin")


def form_fields(response, form_id: str) -> dict[str, str]:
    """What the browser would send for the form as the page shows it."""
    form = parse(response).by_id(form_id)
    data: dict[str, str] = {}
    for el in form.iter():
        name = el.attrs.get("name")
        if not name:
            continue
        if el.tag == "input":
            if el.attrs.get("type") == "checkbox":
                if "checked" in el.attrs:
                    data[name] = "on"
            elif el.attrs.get("type") != "submit":
                data[name] = el.attrs.get("value") or ""
        elif el.tag == "textarea":
            data[name] = el.text
        elif el.tag == "select":
            options = el.find_all("option")
            chosen = [o for o in options if "selected" in o.attrs] or options[:1]
            data[name] = chosen[0].attrs.get("value", "") if chosen else ""
    return data


def row_of(data: dict[str, str], prefix: str, code: str) -> str:
    return next(k.rsplit("-", 1)[0] for k, v in data.items()
                if k.startswith(prefix) and k.endswith("-code") and v == code)


def copy_2022(admin) -> None:
    response = admin.post("/admin/plans/copy", data={"bloc": "khoi-8", "year": "2021",
                                                     "target_year": "2022"})
    assert response.status_code == 303, text(response)[:2000]


@pytest.mark.parametrize("username", ["tttt.canbo", "bantdkt", "ldtbxh.thutruong"])
def test_only_administrators(demo, username):
    client = page_client(demo, username)
    assert client.get("/admin/plans").status_code == 403
    assert client.post("/admin/plans/blocs", data={"code": "khoi-9", "name": "K9"}).status_code \
        == 403
    assert client.get("/admin/plans/khoi-8/2021/export").status_code == 403


def test_copy_shows_the_diff_then_saves(admin, demo):
    page = admin.get("/admin/plans")
    assert page.status_code == 200
    assert "Sao chép 2021 sang 2022" in parse(page).by_id("bloc-khoi-8").text
    preview = admin.get("/admin/plans/copy?bloc=khoi-8&year=2021")
    assert preview.status_code == 200
    rows = [[c.text for c in r.find_all("td")] for r in parse(preview).by_id("plan-diff")
            .find_all("tr")]
    assert ["Giai đoạn dang-ky: hạn 15/05/2021 → 15/05/2022", "15/05/2021", "15/05/2022"] in rows
    assert db.session.scalar(select(PlanDocument.id)) is None  # a preview writes nothing
    copy_2022(admin)
    row = plans.stored("khoi-8", 2022)
    assert row.revision == 1 and row.document["calendar"][0]["opens"] == "2022-04-23"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "plan.save"))
    assert event.actor == "admin" and event.object_id == "khoi-8/2022"


def test_edit_two_points_and_a_date_in_the_form(admin, demo):
    copy_2022(admin)
    page = admin.get("/admin/plans/khoi-8/2022")
    assert page.status_code == 200
    data = form_fields(page, "plan-form")
    data[row_of(data, "c-", "1.1") + "-max"] = "7"
    data[row_of(data, "c-", "1.2") + "-max"] = "3"
    data[row_of(data, "p-", "dang-ky") + "-due"] = "2022-05-31"
    checked = admin.post("/admin/plans/khoi-8/2022/check", data=data).get_json()
    assert checked == {"ok": True, "problems": []}
    assert plans.stored("khoi-8", 2022).revision == 1  # the check wrote nothing
    response = admin.post("/admin/plans/khoi-8/2022", data=data)
    assert response.status_code == 303
    plan = gather_plan(demo.extensions["thidua"], "khoi-8", 2022)
    items = {c.code: c.max_points for c in plan.criteria[0].children}
    assert (items["1.1"], items["1.2"], plan.criteria[0].max_points) == (7, 3, 35)
    assert plan.calendar[1].due.isoformat() == "2022-05-31"
    assert plans.stored("khoi-8", 2022).revision == 2
    stale = admin.post("/admin/plans/khoi-8/2022", data=data)  # the form of revision 1
    assert stale.status_code == 409
    assert "Kế hoạch vừa được người khác lưu (lần lưu 2)" in parse(stale).by_id(
        "plan-problems").text
    assert plans.stored("khoi-8", 2022).revision == 2


def test_a_form_that_does_not_add_up_names_the_row_and_writes_nothing(admin, demo):
    copy_2022(admin)
    data = form_fields(admin.get("/admin/plans/khoi-8/2022"), "plan-form")
    data[row_of(data, "c-", "1") + "-max"] = "40"  # the group's lines add up to 35
    data[row_of(data, "c-", "3.2") + "-parent"] = "9"
    data[row_of(data, "p-", "tham-dinh") + "-opens"] = "2023-03-01"
    before = row_counts()
    checked = admin.post("/admin/plans/khoi-8/2022/check", data=data).get_json()
    assert not checked["ok"]
    response = admin.post("/admin/plans/khoi-8/2022", data=data)
    assert response.status_code == 422
    problems = parse(response).by_id("plan-problems").text
    assert "Tiêu chí dòng 17: nhóm '9' không có trong bảng" in problems
    assert row_counts() == before
    kept = form_fields(response, "plan-form")  # what was typed is shown again
    assert kept[row_of(kept, "c-", "3.2") + "-parent"] == "9"
    assert kept[row_of(kept, "c-", "1") + "-max"] == "40"
    del data[row_of(data, "c-", "3.2") + "-parent"]
    data[row_of(data, "c-", "3.2") + "-parent"] = "3"
    response = admin.post("/admin/plans/khoi-8/2022", data=data)
    assert response.status_code == 422
    problems = parse(response).by_id("plan-problems").text
    assert "Tiêu chí 1: điểm tối đa của nhóm (40) khác tổng các mục con (35)." in problems
    assert "Giai đoạn tham-dinh: mở trước" not in problems
    assert "Giai đoạn binh-xet: mở trước giai đoạn đứng trước nó (tham-dinh)" in problems
    assert row_counts() == before


def test_points_from_excel_dry_run_then_apply(admin, demo):
    copy_2022(admin)
    template = admin.get("/admin/plans/khoi-8/2022/points.xlsx")
    assert template.status_code == 200 and template.mimetype == XLSX
    book = load_workbook(io.BytesIO(template.data))
    sheet = book["Thang bảng điểm"]
    sheet["D3"] = 6  # 1.1: 5 → 6
    sheet["D4"] = 4  # 1.2: 5 → 4
    sheet["A31"] = "T.9"  # T.1 (a line of the deduction group) renamed: added, T.1 removed
    out = io.BytesIO()
    book.save(out)
    dry = admin.post("/admin/plans/khoi-8/2022/points",
                     data={"file": (io.BytesIO(out.getvalue()), "bang-diem.xlsx")},
                     content_type="multipart/form-data")
    assert dry.status_code == 200, text(dry)[:3000]
    actions = {r.find_all("td")[1].text: r.attrs["data-action"]
               for r in parse(dry).by_id("dry-run-rows").find_all("tr")[1:]}
    assert (actions["1.1"], actions["1.2"], actions["T.9"], actions["2.1"]) == (
        "change", "change", "add", "same")
    assert "T.1" in parse(dry).by_id("removed").text
    assert plans.stored("khoi-8", 2022).revision == 1
    apply = parse(dry).find("input", name="payload").attrs["value"]
    done = admin.post("/admin/plans/khoi-8/2022/points", data={"payload": apply, "apply": "1"})
    assert done.status_code == 303
    plan = gather_plan(demo.extensions["thidua"], "khoi-8", 2022)
    assert {c.code: c.max_points for c in plan.criteria[0].children}["1.1"] == 6
    assert "T.9" in [c.code for c in plan.criteria[-1].children]


def test_a_wrong_workbook_is_refused_row_by_row(admin, demo):
    copy_2022(admin)
    book = load_workbook(io.BytesIO(admin.get("/admin/plans/khoi-8/2022/points.xlsx").data))
    sheet = book["Thang bảng điểm"]
    sheet["B5"] = "7"  # 1.3 in a group that does not exist
    sheet["D6"] = -2
    out = io.BytesIO()
    book.save(out)
    before = row_counts()
    dry = admin.post("/admin/plans/khoi-8/2022/points",
                     data={"file": (io.BytesIO(out.getvalue()), "sai.xlsx")},
                     content_type="multipart/form-data")
    assert dry.status_code == 422
    rows = parse(dry).by_id("dry-run-rows").text
    assert "Dòng 5: nhóm '7' không có trong bảng" in rows
    assert "Dòng 6: điểm không được âm (-2)" in rows
    assert parse(dry).find_all("button", id="apply-points") == []
    assert row_counts() == before


def test_create_a_bloc_then_open_its_year_without_restart(admin, demo):
    response = admin.post("/admin/plans/blocs", data={
        "code": "khoi-5", "name": "Khối thi đua Khối 5", "issuer": "KHỐI THI ĐUA KHỐI 5",
        "abbreviation": "TĐK5"})
    assert response.status_code == 303
    assert "Khối thi đua Khối 5" in parse(admin.get("/admin/plans")).by_id("plan-blocs").text
    refused = admin.post("/admin/plans/blocs", data={"code": "Khối 5", "name": ""})
    assert refused.status_code == 422
    assert "Mã khối: chữ thường không dấu" in parse(refused).by_id("form-errors").text
    preview = admin.get("/admin/plans/copy?bloc=khoi-8&year=2021&target_year=2022"
                        "&target_bloc=khoi-5")
    assert "Khối, name: Khối thi đua Khối 8 → Khối thi đua Khối 5" in text(preview)
    saved = admin.post("/admin/plans/copy", data={"bloc": "khoi-8", "year": "2021",
                                                  "target_year": "2022", "target_bloc": "khoi-5"})
    assert saved.status_code == 303 and saved.location.endswith("/admin/plans/khoi-5/2022")
    opened = admin.post("/admin/campaigns/new", data={
        "bloc": "khoi-5", "year": "2022",
        "members-0-unit": "so-yte", "members-0-role": "leader",
        "members-1-unit": "so-gddt", "members-1-role": "deputy",
        "members-2-unit": "so-tuphap", "members-2-role": "member"})
    assert opened.status_code == 302, text(opened)[:2000]
    campaign = db.session.scalar(select(Campaign).where(Campaign.year == 2022))
    assert (campaign.bloc.code, campaign.plugin, len(campaign.memberships)) == (
        "khoi-5", "data_plans", 3)
    shown = page_client(demo, "yte.canbo").get("/campaigns/khoi-5/2022")
    assert shown.status_code == 200 and "không còn được cài đặt" not in text(shown)


def test_export_and_import_a_plan_file(admin, demo):
    copy_2022(admin)
    exported = admin.get("/admin/plans/khoi-8/2022/export")
    assert exported.status_code == 200
    assert "ke-hoach-khoi-8-2022.json" in exported.headers["Content-Disposition"]
    document = json.loads(exported.data)
    document["bloc"]["code"] = "khoi-8b"
    imported = admin.post("/admin/plans/import", data={
        "file": (io.BytesIO(json.dumps(document).encode()), "k.json")},
        content_type="multipart/form-data")
    assert imported.status_code == 303
    assert plans.stored("khoi-8b", 2022).document["criteria"] == \
        plans.stored("khoi-8", 2022).document["criteria"]
    bad = admin.post("/admin/plans/import", data={"file": (io.BytesIO(b"{"), "k.json")},
                     content_type="multipart/form-data")
    assert bad.status_code == 422
    assert "Tệp không phải JSON UTF-8 hợp lệ" in parse(bad).by_id("form-errors").text


def test_the_leader_amends_the_points_table_at_the_mid_year_review(demo):
    leader = page_client(demo, "tttt.canbo")
    page = leader.get("/campaigns/khoi-8/2021/thang-diem/dieu-chinh")
    assert page.status_code == 200
    assert "Hội nghị sơ kết" in parse(page).by_id("stage").text
    no_reason = leader.post("/campaigns/khoi-8/2021/thang-diem/dieu-chinh",
                            data={"max-1.1": "6", "max-1.2": "4"})
    assert no_reason.status_code == 422
    assert "Điều chỉnh tại sơ kết phải nêu lý do." in parse(no_reason).by_id("form-errors").text
    uneven = leader.post("/campaigns/khoi-8/2021/thang-diem/dieu-chinh",
                         data={"max-1.1": "9", "reason": "Hội nghị sơ kết"})
    assert uneven.status_code == 422
    assert "Tổng điểm các tiêu chí phải giữ nguyên 100" in text(uneven)
    done = leader.post("/campaigns/khoi-8/2021/thang-diem/dieu-chinh",
                       data={"max-1.1": "6", "max-1.2": "4", "reason": "Hội nghị sơ kết"})
    assert done.status_code == 303
    changes = db.session.scalars(select(CriterionChange)).all()
    assert {(c.code, float(c.new_max), c.reason) for c in changes} == {
        ("1.1", 6.0, "Hội nghị sơ kết"), ("1.2", 4.0, "Hội nghị sơ kết")}
    history = parse(leader.get("/campaigns/khoi-8/2021/thang-diem/dieu-chinh"))
    assert "Hội nghị sơ kết" in history.by_id("amend-history").text
    member = page_client(demo, "yte.canbo")
    seen = member.get("/campaigns/khoi-8/2021/thang-diem/dieu-chinh")
    assert seen.status_code == 200 and parse(seen).find_all("form", id="amend-form") == []
    refused = member.post("/campaigns/khoi-8/2021/thang-diem/dieu-chinh",
                          data={"max-1.1": "6", "max-1.2": "4", "reason": "x"})
    assert refused.status_code == 403


def test_voting_parameters_and_settings_in_the_form(admin, demo):
    copy_2022(admin)
    data = form_fields(admin.get("/admin/plans/khoi-8/2022"), "plan-form")
    assert data["voting_procedure"] == "council_vote" and data["v-quorum"] == "2/3"
    assert data["v-self_vote"] == "on"
    poll = row_of(data, "poll-", "bang-khen")
    data[poll + "-seats"] = "abc"
    refused = admin.post("/admin/plans/khoi-8/2022", data=data)
    assert refused.status_code == 422
    assert "Cuộc bỏ phiếu bang-khen: seats phải là số nguyên không âm." in parse(
        refused).by_id("plan-problems").text
    data[poll + "-seats"] = "3"
    data["v-quorum"] = "3/4"
    del data["v-self_vote"]  # the box unticked
    data["s-province"] = "Trà Vinh"
    data["s-office_name"] = "Ban Thi đua – Khen thưởng"
    assert admin.post("/admin/plans/khoi-8/2022", data=data).status_code == 303
    config = plans.stored("khoi-8", 2022).document["voting"]["config"]
    assert config["quorum"] == "3/4" and config["self_vote"] is False
    assert [p["seats"] for p in config["polls"] if p["code"] == "bang-khen"] == [3]
    assert plans.document_settings("khoi-8", 2022) == {
        "province": "Trà Vinh", "office_name": "Ban Thi đua – Khen thưởng"}
    data = form_fields(admin.get("/admin/plans/khoi-8/2022"), "plan-form")
    data["voting_procedure"] = ""  # follow the province-wide plugin (disabled here)
    refused = admin.post("/admin/plans/khoi-8/2022", data=data)
    assert refused.status_code == 422
    assert "Không có quy trình bỏ phiếu" in parse(refused).by_id("plan-problems").text


def test_the_amendment_page_is_in_the_leaders_menu(app, demo):
    from core.domain import Action
    from core.services import campaign_state, campaigns
    from tests.support import page_client

    campaign = campaigns.get_campaign("khoi-8", 2021)
    page = "/campaigns/khoi-8/2021/thang-diem/dieu-chinh"
    leader = page_client(app, "tttt.canbo")
    member = page_client(app, "yte.canbo")
    from sqlalchemy import select

    from core.extensions import db
    from core.models import User

    leader_user = db.session.scalar(select(User).where(User.username == "tttt.canbo"))
    allowed = campaign_state.allowed(Action.ADJUST_TABLE, leader_user, campaign)
    home = leader.get("/campaigns/khoi-8/2021").get_data(as_text=True)
    assert (page in home) == bool(allowed)
    assert page not in member.get("/campaigns/khoi-8/2021").get_data(as_text=True)
