"""Issue 14: the secret key, redirects after sign-in and the language switch, the security
headers on every response, and no 5xx from odd inputs on pages (see tests/api for the API)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask.sessions import SecureCookieSessionInterface

import core.config
from core import MissingSecretKey, create_app
from core.web.redirects import safe_next
from tests.support import api_token, bearer, login, make_app
from tests.support.admin_pages import page_client

# --- 1. the secret key -------------------------------------------------------------------


@pytest.fixture
def no_key(monkeypatch, tmp_path):
    """No THIDUA_SECRET_KEY and the key file looked for in an empty folder."""
    monkeypatch.delenv("THIDUA_SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.setattr(core.config, "SECRET_KEY_FILE", str(tmp_path / "secret_key"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite'}")
    return tmp_path / "secret_key"


def test_production_without_a_secret_key_refuses_to_start(no_key):
    with pytest.raises(MissingSecretKey, match="THIDUA_SECRET_KEY"):
        create_app()


def test_the_key_file_is_read_when_the_variable_is_unset(no_key):
    no_key.write_text("k" * 64 + "\n")
    assert create_app().config["SECRET_KEY"] == "k" * 64


def test_the_variable_wins_over_the_file(no_key, monkeypatch):
    no_key.write_text("from-file")
    monkeypatch.setenv("THIDUA_SECRET_KEY", "from-env")
    assert create_app().config["SECRET_KEY"] == "from-env"


def test_testing_without_a_key_gets_a_random_one_never_the_old_default(no_key):
    first = create_app({"TESTING": True}).config["SECRET_KEY"]
    second = create_app({"TESTING": True}).config["SECRET_KEY"]
    assert first and second and first != second
    assert "dev-only-change-me" not in (first, second)


def test_a_cookie_forged_with_the_old_built_in_key_opens_nothing(demo, no_key, tmp_path):
    """The issue's attack: a session signed with "dev-only-change-me" claiming the admin, on
    an app started without a configured key (here: testing, so a random key)."""
    from sqlalchemy import select

    from core.extensions import db
    from core.models import User

    with demo.app_context():
        admin_id = db.session.scalar(select(User.id).where(User.username == "admin"))
    app = make_app(tmp_path, SECRET_KEY=None,
                   SQLALCHEMY_DATABASE_URI=demo.config["SQLALCHEMY_DATABASE_URI"])
    forger = create_app({"TESTING": True, "SECRET_KEY": "dev-only-change-me",
                         "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    serializer = SecureCookieSessionInterface().get_signing_serializer(forger)
    client = app.test_client()
    client.set_cookie("session", serializer.dumps({"_user_id": str(admin_id), "_fresh": True}))
    response = client.get("/admin/users")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_make_writes_the_key_file_once_owner_only(tmp_path):
    import shutil
    import subprocess

    from core.config import PROJECT_ROOT

    shutil.copy(PROJECT_ROOT / "Makefile", tmp_path / "Makefile")
    for _ in range(2):
        done = subprocess.run(["make", "-s", "instance/secret_key"], cwd=tmp_path,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        if _ == 0:
            key = (tmp_path / "instance" / "secret_key").read_text()
    assert (tmp_path / "instance" / "secret_key").read_text() == key  # written once
    assert re.fullmatch(r"[0-9a-f]{64}\n", key)
    assert (tmp_path / "instance" / "secret_key").stat().st_mode & 0o777 == 0o600


# --- 2. redirects ------------------------------------------------------------------------

NASTY = [
    "//evil.example", "/%09/evil.example", "/\t/evil.example", "/\n/evil.example",
    "/\r\n/evil.example", "\t//evil.example", " //evil.example", "/\\evil.example",
    "\\\\evil.example", "/%5Cevil.example", "/%5C%5Cevil.example", "http://evil.example",
    "https:evil.example", "https:/evil.example", "javascript:alert(1)", "//evil.example/%2F..",
    "/%2F/evil.example", "/%2f%2fevil.example", "/%252F%252Fevil.example",
    "/%25252F%25252Fevil.example", "/./evil.example", "/.//evil.example", "/..//evil.example",
    "/%2e%2e//evil.example", "/a/../../evil.example", "/%0d%0aSet-Cookie:x=1",
    "/%00evil", "/\x00evil", "/\x7fevil", "évil.example", "/é", "evil.example",
    "?next=//evil.example", "#x", "", None, 42, "/" + "a" * 3000, "///evil.example",
]


@pytest.mark.parametrize("value", NASTY)
def test_safe_next_refuses(value):
    assert safe_next(value) is None


@pytest.mark.parametrize("value", [
    "/", "/campaigns/khoi-8/2021", "/campaigns/khoi-8/2021/ranking?x=1&y=a%20b",
    "/people?q=Nguy%E1%BB%85n", "/history/blocs/khoi-8#top", "/x?next=http://e.example/"])
def test_safe_next_keeps_paths_of_this_site(value):
    assert safe_next(value) == value


@pytest.mark.parametrize("value", ["/%09/evil.example", "//evil.example", "/\\evil.example",
                                   "http://evil.example/", "/%2F/evil.example"])
def test_sign_in_never_redirects_to_another_site(demo, value):
    client = demo.test_client()
    response = client.post("/login", query_string={"next": value},
                           data={"username": "admin", "password": "ThiDua@2021"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_sign_in_goes_back_to_a_page_of_this_site(demo):
    client = demo.test_client()
    response = client.post("/login?next=/campaigns/khoi-8/2021",
                           data={"username": "admin", "password": "ThiDua@2021"})
    assert response.headers["Location"] == "/campaigns/khoi-8/2021"


@pytest.mark.parametrize("referrer", [
    "http://localhost//evil.example", "http://localhost/%09/evil.example",
    "http://localhost/\\evil.example", "http://localhost/%2F/evil.example",
    "http://evil.example/", "http://localhost.evil.example/x", "//evil.example"])
def test_the_language_switch_never_redirects_to_another_site(demo, referrer):
    response = demo.test_client().get("/lang/en", headers={"Referer": referrer})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_the_language_switch_goes_back_without_lang(demo):
    response = demo.test_client().get(
        "/lang/en", headers={"Referer": "http://localhost/login?lang=vi&x=1"})
    assert response.headers["Location"] == "/login?x=1"


# --- 3. security headers on every response -----------------------------------------------

VALUES = {"bloc": "khoi-8", "year": "2021", "unit": "so-vhttdl", "kind": "mid_year",
          "poll": "co-thi-dua", "code": "so-vhttdl", "username": "vhttdl.canbo",
          "name": "bao-cao-so-ket", "attachment_id": "1", "token": "not-a-token",
          "action": "open", "filename": "css/app.css", "version": "1", "job_id": "no-such-job",
          "step": "registration"}


def _paths(app) -> list[str]:
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(rf"<(?:[^<>:]+:)?{name}>", VALUES[name], path)
        path = re.sub(r"<any\([^)]*\):action>", "open", path)
        assert "<" not in path, path
        paths.append(path)
    return sorted(set(paths))


def assert_security_headers(response, where: str) -> None:
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    assert directives.get("script-src") == ["'self'"], (where, csp)
    assert directives.get("style-src") == ["'self'"], (where, csp)
    for part in ("default-src 'self'", "frame-ancestors 'none'", "object-src 'none'",
                 "base-uri 'self'", "form-action 'self'", "img-src 'self' data:"):
        assert part in csp, (where, csp)
    assert "unsafe-inline" not in csp and "nonce-" not in csp and "unsafe-eval" not in csp, where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") == "same-origin", where
    assert headers.get("X-Frame-Options") == "DENY", where


def test_every_get_route_answers_with_the_security_headers(demo):
    client = page_client(demo, "admin")
    token = api_token(demo.test_client(), "admin")
    paths = _paths(demo)
    assert len(paths) > 60
    kinds = set()
    pages = 0
    for path in paths:
        headers = bearer(token) if path.startswith("/api/") else {}
        response = client.get(path, headers=headers)
        assert response.status_code < 500, (path, response.status_code)
        assert_security_headers(response, path)
        kinds.add(response.mimetype)
        if response.mimetype == "text/html":
            assert inline_code(response.get_data(as_text=True)) == [], path
            pages += 1
    assert pages > 40
    for path in ("/no-such-page", "/api/v1/no-such-thing"):
        response = client.get(path)
        assert response.status_code == 404
        assert_security_headers(response, path)
    assert {"text/html", "application/json", "application/pdf"} <= kinds


class _InlineCode(HTMLParser):
    """What the strict policy would refuse in a page: a <script> without src that is not a JSON
    data block, a <style> element, a style="" attribute, an on*="" handler, a javascript: URL."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        where = f"<{tag} {' '.join(f'{k}={v!r}' for k, v in attrs)}>"[:160]
        if tag == "script" and "src" not in values \
                and (values.get("type") or "").lower() != "application/json":
            self.found.append("inline script " + where)
        if tag == "style":
            self.found.append("style element " + where)
        for name, value in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(f"{name}= attribute " + where)
            if name in ("href", "src", "action", "formaction") and value \
                    and value.strip().lower().startswith("javascript:"):
                self.found.append("javascript: URL " + where)


def inline_code(html: str) -> list[str]:
    parser = _InlineCode()
    parser.feed(html)
    parser.close()
    return parser.found


def test_the_inline_code_finder_finds_what_the_policy_refuses():
    assert inline_code('<script src="/static/js/x.js"></script>'
                       '<script type="application/json" id="d">{"a": 1}</script>'
                       '<link rel="stylesheet" href="/static/css/x.css"><p class="w-6rem">x</p>'
                       "<p>style=, &lt;style&gt; and &lt;script&gt; in text are no code</p>") == []
    for bad in ('<script>alert(1)</script>', '<script nonce="n">x()</script>',
                '<script type="module">x()</script>', "<style>p { color: red }</style>",
                '<p style="width: 3rem">x</p>', '<button onclick="x()">x</button>',
                '<a href=" javascript:x()">x</a>'):
        assert len(inline_code(bad)) == 1, bad


WEB_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_no_web_template_holds_inline_script_or_style():
    """Every template a browser gets (templates/pdf/* are rendered into PDFs, never served):
    also the pages the route walk above cannot reach in the demo's state (a ballot, a
    meeting, the plan editor…)."""
    found = {}
    for path in sorted(WEB_TEMPLATES.rglob("*.html")):
        if "pdf" in path.relative_to(WEB_TEMPLATES).parts:
            continue
        # Jinja statements and expressions are no HTML: blank them before parsing.
        text = re.sub(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", "", path.read_text(), flags=re.S)
        if problems := inline_code(text):
            found[str(path.relative_to(WEB_TEMPLATES))] = problems
    assert found == {}


def test_the_pages_scripts_and_styles_are_served_from_this_site(demo):
    """The files the pages name instead of inline code exist and are served."""
    client = page_client(demo, "admin")
    names = set()
    for path in sorted(WEB_TEMPLATES.rglob("*.html")):
        names |= set(re.findall(r"filename='((?:js|css)/[^']+)'", path.read_text()))
    assert {"js/confirm.js", "js/focus_alert.js", "js/plan_edit.js", "js/history_chart.js",
            "js/ballot_count.js", "js/bar_width.js", "css/cycle.css", "css/voting.css",
            "css/board.css", "css/history.css", "css/people.css"} <= names
    for name in sorted(names):
        response = client.get(f"/static/{name}")
        assert response.status_code == 200, name
        assert response.mimetype in ("text/javascript", "application/javascript", "text/css"), name


def test_the_board_bars_get_their_width_from_data_not_style(demo):
    client = page_client(demo, "admin")
    html = client.get("/board/2021").get_data(as_text=True)
    assert re.search(r'class="progress-bar[^"]*" data-width="\d+(\.\d+)?"', html)
    assert "js/bar_width.js" in html and "style=" not in html


# --- 4. no 5xx from odd inputs on pages --------------------------------------------------

@pytest.mark.parametrize("path", [
    "/campaigns/khoi-8/99999999999", "/campaigns/khoi-8/2147483648",
    "/campaigns/khoi-8/99999999999/ranking", "/campaigns/khoi-8/99999999999/polls",
    "/board/99999999999", "/campaigns/khoi-8/99999999999999999999999999/documents/",
])
def test_a_year_too_large_is_404_on_pages(demo, path):
    client = page_client(demo, "admin")
    assert client.get(path).status_code == 404


def test_405_pages_carry_allow(demo):
    client = page_client(demo, "admin")
    response = client.delete("/login")
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_login_helper_still_works(demo):
    assert login(demo.test_client(), "admin").status_code == 302


def test_make_app_passes_a_key(tmp_path):
    assert make_app(tmp_path).config["SECRET_KEY"] == "test-secret"
