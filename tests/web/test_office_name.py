"""The province's emulation office is configuration (issue 12, point 4): where the pages name
it, they say what THIDUA_OFFICE_NAME / THIDUA_OFFICE_PARENT say (e.g. a Phòng of the Sở Nội
vụ, as in several provinces since 2025), not a hard-coded "Ban Thi đua – Khen thưởng"."""

from __future__ import annotations

from tests.support import page_client


def test_pages_name_the_configured_office(app, demo):
    login_page = app.test_client().get("/login").get_data(as_text=True)
    assert "Ban Thi đua – Khen thưởng tỉnh" in login_page  # the default
    app.config.update(THIDUA_OFFICE_NAME="Phòng Thi đua, khen thưởng",
                      THIDUA_OFFICE_PARENT="Sở Nội vụ tỉnh Trà Vinh")
    login_page = app.test_client().get("/login").get_data(as_text=True)
    assert "Phòng Thi đua, khen thưởng (Sở Nội vụ tỉnh Trà Vinh)" in login_page
    assert "Ban Thi đua – Khen thưởng" not in login_page
    page = page_client(app, "tttt.canbo").get(
        "/campaigns/khoi-8/2021/registrations").get_data(as_text=True)
    assert "Phòng Thi đua, khen thưởng (Sở Nội vụ tỉnh Trà Vinh)" in page


MERGED = {"THIDUA_OFFICE_NAME": "Phòng Thi đua, khen thưởng", "THIDUA_OFFICE_PARENT": "Sở Nội vụ"}
NAMED = "Phòng Thi đua, khen thưởng (Sở Nội vụ)"


def test_refusals_and_checklists_name_the_configured_office(app, demo):
    """The messages of the services and the policy (who may act, who scores a line, what a
    checklist misses) say the configured office too, in Vietnamese and in English."""
    from tests.support.cycle import Api
    from tests.support.guards import one_unit_reported

    app.config.update(MERGED)
    client = app.test_client()
    officer = Api(client, "yte.canbo")
    refused = officer.post("/polls/co-thi-dua/open")  # the policy: who runs the vote
    assert refused.status_code == 403
    assert refused.get_json()["error"]["message"] == (
        f"Chỉ Khối trưởng hoặc {NAMED} được điều hành bỏ phiếu.")
    browser = page_client(app, "yte.canbo")
    with browser.session_transaction() as session:
        session["lang"] = "en"
    english = browser.get("/campaigns/khoi-8/2021/polls/co-thi-dua/open")
    assert english.status_code == 403
    assert f"Only the bloc leader or the {NAMED} may run the vote." in \
        english.get_data(as_text=True)

    one_unit_reported(app)
    leader = Api(client, "tttt.canbo")
    checklist = leader.get("/checklists/verification").get_json()
    labels = [g["label"] for g in checklist["gaps"]]
    assert f"1 dòng điểm của {NAMED} chưa chấm" in labels
    assert not any("Ban Thi đua" in label for label in labels)


def test_a_step_the_board_hosts_is_shown_with_the_configured_office(app, demo, monkeypatch):
    """A calendar step the board hosts (as Khối Văn hóa – Xã hội's check of the verified
    results): the campaign page names the configured office as its host."""
    import dataclasses

    from core.services import campaign_state

    real = campaign_state.plan

    def board_checks(campaign):
        plan = real(campaign)
        last = dataclasses.replace(plan.calendar[-1], host="board")
        return dataclasses.replace(plan, calendar=(*plan.calendar[:-1], last))

    monkeypatch.setattr(campaign_state, "plan", board_checks)
    app.config.update(MERGED)
    page = page_client(app, "admin").get("/campaigns/khoi-8/2021")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'<td data-label="Chủ trì">{NAMED}</td>' in html
    assert "Ban Thi đua – Khen thưởng tỉnh</td>" not in html
    # and where a message names the step's host (office.host_words)
    from core.services import campaigns, office

    plan = real(campaigns.get_campaign("khoi-8", 2021))
    board_votes = dataclasses.replace(plan, calendar=tuple(
        dataclasses.replace(p, host="board") if p.deliverable == "vote" else p
        for p in plan.calendar))
    assert office.host_words(board_votes, "vote") == NAMED
    assert str(office.host_words(plan, "vote")) == "Khối trưởng"
