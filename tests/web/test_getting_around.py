"""Issue 13, getting around: the board lands on the year with work in progress, the admin's
user and unit lists have search and pages, the pages link the print stylesheet and the
running-totals script (no inline script: the CSP allows none)."""

from __future__ import annotations

import re

from sqlalchemy import select

from core.extensions import db
from core.models import Campaign, Unit, User
from core.services import accounts
from core.unit_of_work import transactional
from tests.support import page_client, text
from tests.support.cycle_pages import at
from tests.support.html import parse


def _empty_next_year() -> None:
    """Khối 8's 2022 campaign, opened and still empty (a copy of 2021's frozen rules)."""
    last = db.session.scalar(select(Campaign).where(Campaign.year == 2021))
    db.session.add(Campaign(bloc_id=last.bloc_id, year=2022, title="Khối 8 năm 2022",
                            plugin=last.plugin, plugin_version=last.plugin_version,
                            snapshot=last.snapshot, status="open", created_at=last.created_at,
                            frozen_at=last.frozen_at))
    db.session.commit()


def test_the_board_lands_on_the_year_with_work_in_progress(played_year):
    _empty_next_year()
    at(played_year, 2022, 2, 25, 9, 0)
    client = page_client(played_year, "bantdkt")
    # February 2022: the 2022 campaign is open but empty; 2021's proposals are arriving.
    assert client.get("/board/").headers["Location"] == "/board/2021"
    # The selector still goes anywhere.
    assert client.get("/board/?year=2022").headers["Location"] == "/board/2022"


@transactional
def _many_units(count: int) -> None:
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    for i in range(count):
        accounts.create_unit(f"so-thu-{i:02d}", f"Sở Thử nghiệm {i:02d}", f"Sở TN{i:02d}",
                             actor=admin)


def test_the_unit_list_searches_and_pages(demo):
    _many_units(45)
    client = page_client(demo, "admin")
    first = parse(client.get("/admin/units"))
    rows = first.find("table").find("tbody").find_all("tr")
    assert len(rows) == 25
    pages = first.find("nav", aria_label="Trang")
    assert pages is not None
    assert any(a.attrs.get("href") == "/admin/units?page=2" for a in pages.find_all("a"))
    second = parse(client.get("/admin/units?page=3"))
    assert len(second.find("table").find("tbody").find_all("tr")) == 53 - 50
    found = parse(client.get("/admin/units?q=th%E1%BB%AD+nghi%E1%BB%87m+07"))  # "thử nghiệm 07"
    names = [r.find("td").text if r.find("td") else r.text
             for r in found.find("table").find("tbody").find_all("tr")]
    assert len(names) == 1 and "Sở Thử nghiệm 07" in found.find("table").text
    # No diacritics typed, upper case: still found.
    loose = parse(client.get("/admin/units?q=THU+NGHIEM+07"))
    assert "Sở Thử nghiệm 07" in loose.find("table").text
    assert len(loose.find("table").find("tbody").find_all("tr")) == 1
    nothing = client.get("/admin/units?q=kh%C3%B4ng+c%C3%B3")
    assert "Không có đơn vị nào khớp" in text(nothing)
    assert client.get("/admin/units?page=abc").status_code == 200
    assert client.get("/admin/units?page=999").status_code == 200
    assert db.session.scalar(select(Unit).where(Unit.code == "so-thu-00")) is not None


def test_the_user_list_searches_by_name_username_and_unit(demo):
    client = page_client(demo, "admin")
    page = parse(client.get("/admin/users?q=yte"))
    table = page.find("table").text
    assert "yte.canbo" in table and "yte.thutruong" in table
    assert "tttt.canbo" not in table
    search = page.find("form", role="search")
    assert search.find("input", name="q").attrs["value"] == "yte"


def test_pages_link_the_print_stylesheet_and_the_running_totals(demo):
    at(demo, 2022, 1, 20, 9, 0)
    client = page_client(demo, "vhttdl.canbo")
    page = text(client.get("/campaigns/khoi-8/2021/scores/so-vhttdl"))
    assert re.search(r'<link[^>]+href="/static/css/print\.css[^"]*"[^>]*media="print"', page)
    assert re.search(r'<script[^>]+src="/static/js/totals\.js', page)
    # The running total's marks: the form names its output, each group its kind and cap,
    # each line its value.
    assert 'data-running-total="self-running"' in page and 'id="self-running"' in page
    assert 'data-kind="bonus"' in page and 'data-kind="deduction"' in page
    assert page.count("data-fallback=") >= 20


def test_the_print_stylesheet_hides_navigation_and_forms():
    from pathlib import Path

    css = (Path(__file__).resolve().parents[2] / "static" / "css" / "print.css").read_text()
    assert "@media print" in css
    rules = css.split("@media print", 1)[1]
    for selector in ("header", "nav", ".cycle-nav", "form:not(:has(table))", ".btn"):
        assert selector in rules
