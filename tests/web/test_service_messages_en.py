"""Issue 13: a service's refusal reads in the page's language. The services raise their
messages as lazy gettext strings (Vietnamese message ids) and the faces render them in the
request's language: with English selected the refusal is English, and every refusal of the
registration, report, scoring and account services goes through the catalog (checked with a
marking catalog, so a message the catalog does not know yet still shows it went through)."""

from __future__ import annotations

import flask_babel
import pytest
from babel.support import NullTranslations

from tests.support import text
from tests.support.cycle_pages import (
    OFFICER,
    UNIT,
    B,
    at,
    page_client,
    registration_form,
    unit_lines,
)
from tests.support.html import parse


def test_a_refused_password_change_reads_in_english(demo):
    client = page_client(demo, "yte.canbo")
    client.get("/lang/en")
    response = client.post("/account/password", data={
        "current": "Sai-mat-khau-2024", "new": "Song-Hau-mua-xuan-2024",
        "confirm": "Song-Hau-mua-xuan-2024"})
    assert response.status_code == 422
    page = text(response)
    assert "The current password is wrong." in page
    assert "Mật khẩu hiện tại không đúng" not in page


class Marking(NullTranslations):
    """A catalog that translates every message into ⟦message⟧."""

    def gettext(self, message):
        return f"⟦{message}⟧"

    ugettext = gettext

    def ngettext(self, singular, plural, n):
        return f"⟦{singular if n == 1 else plural}⟧"

    ungettext = ngettext

    def pgettext(self, context, message):
        return f"⟦{message}⟧"

    upgettext = pgettext

    def npgettext(self, context, singular, plural, n):
        return self.ngettext(singular, plural, n)

    unpgettext = npgettext


@pytest.fixture
def marked(demo, monkeypatch):
    original = flask_babel.Domain.get_translations

    def translations(self):
        locale = flask_babel.get_locale()
        if locale is not None and locale.language == "en":
            return Marking()
        return original(self)

    monkeypatch.setattr(flask_babel.Domain, "get_translations", translations)
    return demo


def english(app, username: str = OFFICER):
    client = page_client(app, username)
    client.get("/lang/en")
    return client


def test_a_refused_self_score_is_translated_and_names_its_criterion(marked):
    at(marked, 2022, 1, 20, 9, 0)
    order = unit_lines()
    response = english(marked).post(f"{B}/scores/{UNIT}", data={
        f"items-{order.index('1.2')}-self_score": "abc",
        f"items-{order.index('1.3')}-self_score": "3",
        f"items-{order.index('1.3')}-evidence": ""})
    assert response.status_code == 422
    page = parse(response)
    assert page.by_id(f"items-{order.index('1.2')}-self_score-error").text == \
        "⟦Tiêu chí 1.2: điểm phải là số.⟧"
    assert page.by_id(f"items-{order.index('1.3')}-evidence-error").text == \
        "⟦Tiêu chí 1.3: cần ghi minh chứng cho điểm lớn hơn 0.⟧"


def test_a_refused_registration_is_translated(marked):
    at(marked, 2021, 5, 3, 9, 0)
    response = english(marked).post(f"{B}/registrations/{UNIT}", data=registration_form(
        {0: "Ban hành 2 văn bản"}, action="submit"))
    assert response.status_code == 422
    assert "⟦Chưa nhập chỉ tiêu cho mọi tiêu chí; mỗi tiêu chí cần chỉ tiêu hoặc “không áp " \
        "dụng” kèm lý do.⟧" in text(response)
    assert "Chưa nhập chỉ tiêu cho mọi tiêu chí" not in text(response).replace(
        "⟦Chưa nhập chỉ tiêu cho mọi tiêu chí", "")


def test_a_refused_report_is_translated_and_names_its_criterion(marked):
    from tests.support.cycle_pages import submit_registration

    at(marked, 2021, 5, 3, 9, 0)
    submit_registration()
    at(marked, 2021, 6, 10, 9, 0)
    client = english(marked)
    form = parse(client.get(f"{B}/reports/{UNIT}/mid_year"))
    percent = next(i for i in form.find_all("input") if i.attrs.get("name", "").endswith("percent"))
    response = client.post(f"{B}/reports/{UNIT}/mid_year", data={
        "body": "Báo cáo", percent.attrs["name"]: "150", "action": "save"})
    assert response.status_code == 422
    page = text(response)
    assert ": tỷ lệ hoàn thành là số nguyên từ 0 đến 100.⟧" in page
    assert "⟦Tiêu chí 1.1: tỷ lệ hoàn thành" in page


def test_a_step_not_open_yet_is_refused_in_english(demo):
    at(demo, 2021, 4, 1, 9, 0)
    response = english(demo).post(f"{B}/registrations/{UNIT}", data=registration_form(
        {0: "Ban hành 2 văn bản"}))
    assert response.status_code == 409
    page = text(response)
    assert "is not open yet (it opens on 23/04/2021)." in page
    assert "chưa mở (mở từ ngày" not in page
