"""Who may open which page of the yearly cycle: each page renders for the right roles, is 403
for the others, and sends an anonymous visitor to the sign-in page."""

from __future__ import annotations

import pytest

from core.services import accounts
from core.unit_of_work import unit_of_work
from tests.support import DEMO_PASSWORD
from tests.support.cycle_pages import B, at, page_client, text

READERS = {"vhttdl.canbo", "vhttdl.thutruong", "yte.canbo", "tttt.canbo", "ldtbxh.canbo",
           "bantdkt", "admin"}
PAGES = {
    # path: users who may open it (every other signed-in user: 403)
    f"{B}/registrations/so-vhttdl": READERS,
    f"{B}/registrations": READERS,
    f"{B}/reports/so-vhttdl/mid_year": READERS,
    f"{B}/reports/so-vhttdl/year_end": READERS,
    f"{B}/scores/so-vhttdl": READERS,
    f"{B}/ranking": READERS,
    f"{B}/status": {"tttt.canbo", "ldtbxh.canbo", "bantdkt", "admin"},
    f"{B}/verification": {"tttt.canbo", "ldtbxh.canbo", "bantdkt"},
    f"{B}/verification/so-vhttdl": {"tttt.canbo", "ldtbxh.canbo", "bantdkt"},
}
USERS = sorted(READERS | {"ngoai.canbo"})


@pytest.fixture
def people(demo):
    """The demo, plus an officer of a unit that is not a member of Khối 8 in 2021."""
    with unit_of_work():
        accounts.create_unit("so-ngoai", "Sở Ngoài Khối", "Sở NK", actor=None)
        accounts.create_user("ngoai.canbo", "Cán bộ Sở NK", DEMO_PASSWORD, demo_password=True,
                             unit_code="so-ngoai", role="officer", actor=None)
    return demo


@pytest.mark.parametrize("username", USERS)
def test_each_page_for_each_role(people, username):
    at(people, 2021, 6, 10, 9, 0)
    client = page_client(people, username)
    for path, allowed in PAGES.items():
        response = client.get(path)
        if username in allowed:
            assert response.status_code == 200, (username, path, response.status_code)
            assert '<html lang="vi">' in text(response)
        else:
            assert response.status_code == 403, (username, path, response.status_code)
            assert "Không thực hiện được" in text(response), (username, path)


def test_anonymous_is_sent_to_sign_in(people):
    client = people.test_client()
    for path in [*PAGES, f"{B}/reports/so-vhttdl/mid_year/attachments/x"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/login" in response.headers["Location"], path
    for path in (f"{B}/registrations/so-vhttdl", f"{B}/scores/so-vhttdl", f"{B}/deadlines",
                 f"{B}/verification/lock", f"{B}/mid-year-review/close"):
        response = client.post(path, data={"action": "save"})
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


def test_unknown_campaign_unit_and_kind_are_404(people):
    client = page_client(people, "vhttdl.canbo")
    assert client.get("/campaigns/khoi-9/2021/status").status_code == 404
    assert client.get(f"{B}/registrations/so-khong-co").status_code == 404
    response = client.get(f"{B}/reports/so-vhttdl/quarterly")
    assert response.status_code == 404
    assert "Loại báo cáo không hợp lệ" in text(response)


def test_campaign_page_links_by_role(people):
    """The campaign page offers each role its own pages of the cycle."""
    officer = text(page_client(people, "yte.canbo").get(B))
    assert f'href="{B}/registrations/so-yte"' in officer
    assert f'href="{B}/scores/so-yte"' in officer
    assert f'href="{B}/ranking"' in officer
    assert f'href="{B}/status"' not in officer
    assert f'href="{B}/verification"' not in officer

    deputy = text(page_client(people, "ldtbxh.canbo").get(B))
    assert f'href="{B}/status"' in deputy and f'href="{B}/verification"' in deputy
    assert f'href="{B}/registrations/so-ldtbxh"' in deputy

    board = text(page_client(people, "bantdkt").get(B))
    assert f'href="{B}/status"' in board and f'href="{B}/verification"' in board
    assert "Đăng ký của đơn vị" not in board  # the board has no unit of its own

    outsider = text(page_client(people, "ngoai.canbo").get(B))
    assert f'href="{B}/ranking"' not in outsider
