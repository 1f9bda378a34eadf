"""axe-core on every page of every role, in a played year (issue 13, point 5).

Khối 8's 2021 year is played (tests/support/year.py, the services' player of
core/demo_year.py) and served with CSRF on; each role signs in and walks every page it can
reach by following the links of the pages it sees (downloads, the API and sign-out aside),
from its home page. On each page axe-core (WCAG 2.x A/AA and best practices) must find no
serious or critical violation; a failure lists them all, page by page.

A page is walked once per role and *kind* (its path with unit codes, poll codes, document
names and numbers taken out): ``…/registrations/so-yte`` and ``…/registrations/so-gddt`` are
one page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urldefrag, urlsplit

import pytest
from playwright.sync_api import Page

from core import demo_year
from core.unit_of_work import unit_of_work
from tests.support.axe import axe_source, summarise, violations
from tests.support.browser import Server, serve, sign_in
from tests.support.databases import DATABASES
from tests.support.year import played_app

pytestmark = pytest.mark.browser

ROLES = ("admin", "bantdkt", "tttt.canbo", "tttt.thutruong", "ldtbxh.canbo", "yte.canbo",
         "yte.thutruong", "tuphap.canbo")
# Links not walked: files, the API, static assets, the language switch, signing out.
SKIP = re.compile(r"\.(pdf|xlsx|docx|csv|ics|json|zip|png|svg)(\?|$)|/attachments/|/static/"
                  r"|/bootstrap/|/lang/|/logout|/healthz|/api/|/calendar")
# Path segments whose next segment names one thing of a collection.
COLLECTIONS = {"registrations", "reports", "scores", "verification", "polls", "documents",
               "units", "blocs", "users", "plans", "board"}
MAX_PAGES = 60  # per role: a guard against a crawl that never ends


def kind_of(path: str) -> str:
    """The page's kind: its path with the names of things taken out."""
    parts = path.rstrip("/").split("/")
    out = []
    for index, part in enumerate(parts):
        if part.isdigit() and not (index >= 1 and parts[index - 1] in ("khoi-8",)):
            out.append("<n>")
        elif index >= 1 and parts[index - 1] in COLLECTIONS and part not in ("new",):
            out.append("<x>")
        else:
            out.append(part)
    return "/".join(out)


@pytest.fixture(scope="module")
def mid_year_server(tmp_path_factory) -> Iterator[Server]:
    """The demo's own story played to 08/06/2021 noon (core/demo_year.py), the clock there:
    the mid-year reports are being sent, so their forms are open (and Sở Tư pháp's
    registration, late)."""
    app = DATABASES.fresh_app(tmp_path_factory.mktemp("axe-mid-year"), "demo",
                              WTF_CSRF_ENABLED=True)
    until = demo_year.moment(2021, 6, 8, 12, 0)
    with app.app_context(), unit_of_work():
        demo_year.play_demo(until)
    app.config["THIDUA_NOW"] = until
    try:
        with serve(app) as server:
            yield server
    finally:
        DATABASES.release(app)


@pytest.fixture(scope="module")
def year_server(tmp_path_factory) -> Iterator[Server]:
    app = played_app(tmp_path_factory.mktemp("axe-live"), WTF_CSRF_ENABLED=True)
    try:
        with serve(app) as server:
            yield server
    finally:
        DATABASES.release(app)




def links(page: Page, origin: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)")
    found = []
    for href in hrefs:
        url = urldefrag(href)[0]
        if url.startswith(origin) and not SKIP.search(url):
            found.append(url)
    return found


def walk(page: Page, server: Server, username: str) -> dict[str, list[dict]]:
    """Every page the role reaches, with axe's serious and critical violations on each."""
    sign_in(page, server, username)
    origin = server.url
    queue, seen_kinds, report = [f"{origin}/"], set(), {}
    while queue and len(report) < MAX_PAGES:
        url = queue.pop(0)
        kind = kind_of(urlsplit(url).path)
        if kind in seen_kinds:
            continue
        seen_kinds.add(kind)
        response = page.goto(url)
        if response is None or "text/html" not in response.headers.get("content-type", ""):
            continue
        if response.status >= 400:
            continue  # a link the role may not follow is another test's business
        page.wait_for_load_state("load")
        report[url] = violations(page)
        queue += [u for u in links(page, origin) if kind_of(urlsplit(u).path) not in seen_kinds]
    return report


def test_no_serious_violation_on_any_page_of_any_role(page: Page, year_server: Server):
    axe_source()  # skips with the reason when axe-core was not fetched
    found, walked = {}, {}
    for username in ROLES:
        report = walk(page, year_server, username)
        walked[username] = len(report)
        found.update({f"{username} {urlsplit(url).path}": v for url, v in report.items() if v})
    pages = sum(walked.values())
    print(f"axe-core: {pages} pages walked ({walked})")
    assert pages >= 38, f"too few pages walked: {walked}"
    assert not found, (f"{len(found)} of {pages} pages with serious or critical violations:\n"
                       + summarise(found))


def test_no_serious_violation_on_the_open_forms(page: Page, mid_year_server: Server):
    """In June 2021 the forms are open: a unit writing its mid-year report (Sở KH&CN), a
    unit that has sent nothing yet (Sở Tư pháp), the deputy before the review."""
    axe_source()
    found, pages = {}, 0
    for username in ("khcn.canbo", "tuphap.canbo", "ldtbxh.canbo"):
        report = walk(page, mid_year_server, username)
        pages += len(report)
        found.update({f"{username} {urlsplit(url).path}": v for url, v in report.items() if v})
    assert pages >= 30
    # the walk did meet the open forms: the unit's mid-year report takes text now
    sign_in(page, mid_year_server, "khcn.canbo")
    page.goto(f"{mid_year_server.url}/campaigns/khoi-8/2021/reports/so-khcn/mid_year")
    assert page.locator("main textarea").count() >= 1
    assert violations(page) == []
    assert not found, (f"{len(found)} of {pages} pages with serious or critical violations:\n"
                       + summarise(found))


def test_axe_reports_a_page_without_a_label(page: Page, year_server: Server):
    """The check itself finds what it must: an unlabelled field added to a page is
    reported as a serious violation (the walk above is not vacuous)."""
    axe_source()
    sign_in(page, year_server, "yte.canbo")
    assert violations(page) == []
    page.evaluate("""() => { const i = document.createElement('input');
                             i.type = 'text'; document.querySelector('main').append(i); }""")
    found = violations(page)
    assert [v["id"] for v in found] == ["label"], found
