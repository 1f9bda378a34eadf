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
