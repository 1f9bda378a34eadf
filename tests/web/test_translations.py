"""The catalogs: every msgid in the code is in the .pot, the vi and the en catalog, with a
real English translation; the pages switch language, <html lang> included."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from tests.support import ROOT, TRANSLATIONS, login
from tests.support.html import parse

# The keywords of `pybabel extract -k _l -k lazy_gettext -k lazy_ngettext:1,2` (docs/translations.md).
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}
HOW_TO_FIX = ("Update the catalogs: `.venv/bin/python -m core.translations.manage update`, "
              "then write the English msgstr of each entry listed above in "
              "core/translations/en/LC_MESSAGES/messages.po (docs/translations.md).")


def code_msgids() -> dict[str | tuple[str, ...], str]:
    """Every msgid marked in the code (babel.cfg's map), with where it first appears."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: dict[str | tuple[str, ...], str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        found.setdefault(message, f"{filename}:{lineno}")
    return found


def read_catalog(path: Path, locale: str | None = None):
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def show(msgid) -> str:
    return repr(msgid if isinstance(msgid, str) else msgid[0])


def test_extraction_finds_the_pages_strings():
    msgids = code_msgids()
    # Python (lazy form labels, view messages) and Jinja2 templates are both read.
    assert "Tên đăng nhập" in msgids and msgids["Tên đăng nhập"].startswith("core/")
    assert "Lịch thực hiện" in msgids and msgids["Lịch thực hiện"].startswith("templates/")
    assert ("còn %(num)d ngày", "còn %(num)d ngày") in msgids
    assert len(msgids) > 150


def test_catalogs_hold_every_msgid_and_english_translates_each():
    msgids = code_msgids()
    template = read_catalog(TRANSLATIONS / "messages.pot")
    vi = read_catalog(TRANSLATIONS / "vi" / "LC_MESSAGES" / "messages.po", "vi")
    en = read_catalog(TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po", "en")
    problems: list[str] = []
    for msgid, where in sorted(msgids.items(), key=lambda item: str(item[0])):
        issues = [name for name, catalog in (("messages.pot", template), ("vi", vi), ("en", en))
                  if catalog.get(msgid) is None]
        lacks = f"not in {', '.join(issues)}" if issues else ""
        vi_entry, en_entry = vi.get(msgid), en.get(msgid)
        first = msgid if isinstance(msgid, str) else msgid[0]
        if vi_entry is not None and vi_entry.string and (
                vi_entry.string if isinstance(vi_entry.string, str)
                else vi_entry.string[0]) != first:
            issues.append("the vi msgstr differs from the msgid")
        en_first = None if en_entry is None else (
            en_entry.string if isinstance(en_entry.string, str) else en_entry.string[0])
        if en_entry is not None and (en_entry.fuzzy or not en_entry.string or (
                not isinstance(en_entry.string, str) and not all(en_entry.string))):
            issues.append("no English translation")
        elif en_first == first and any(ch.isalpha() and not ch.isascii() for ch in first):
            issues.append("the en msgstr is still the Vietnamese msgid")
        if issues:
            details = [lacks] if lacks else []
            details += [i for i in issues if i not in ("messages.pot", "vi", "en")]
            problems.append(f"{show(msgid)} ({where}): {'; '.join(details)}")
    assert not problems, "\n".join([f"{len(problems)} msgids need work in the catalogs:", *problems, HOW_TO_FIX])


def test_english_keeps_every_placeholder():
    """A translation that drops or renames %(name)s would crash or mislead at run time."""
    en = read_catalog(TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po", "en")
    errors = [f"{show(message.id)}: {'; '.join(map(str, errs))}"
              for message, errs in en.check() if errs]
    assert not errors, "\n".join(errors)


def test_pybabel_compile_works(tmp_path):
    """What the Makefile runs: `pybabel compile -d core/translations` (here on a copy)."""
    pybabel = Path(sys.executable).with_name("pybabel")
    if not pybabel.exists():
        pytest.skip("pybabel is not installed next to this Python")
    copy = tmp_path / "translations"
    shutil.copytree(TRANSLATIONS, copy, ignore=shutil.ignore_patterns("*.mo", "*.py"))
    result = subprocess.run([str(pybabel), "compile", "-d", str(copy)], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stderr
    for language in ("vi", "en"):
        assert (copy / language / "LC_MESSAGES" / "messages.mo").stat().st_size > 1000


def test_login_page_in_english(client, catalogs):
    response = client.get("/login?lang=en")
    assert response.status_code == 200
    page = parse(response)
    assert page.find("html").attrs["lang"] == "en"
    assert page.find("h1").text == "Sign in"
    assert page.find("label", for_="username").text == "Username"
    assert page.find("label", for_="password").text == "Password"
    assert page.find("label", for_="remember").text == "Keep me signed in"
    assert page.find("button", type="submit").text == "Sign in"
    assert page.find("a", class_="skip-link").text == "Skip to main content"
    # The switch back is offered in Vietnamese, marked as such.
    switch = page.find("a", hreflang="vi")
    assert switch.text == "Tiếng Việt" and switch.attrs["lang"] == "vi"
    text = page.find("main").text
    assert "Đăng nhập" not in text and "Tên đăng nhập" not in text


def test_pages_switch_language_and_back(client, demo, catalogs):
    assert login(client, "tttt.canbo").status_code == 302
    # /lang/en returns to the page the user was on.
    response = client.get("/lang/en", headers={"Referer": "http://localhost/campaigns/khoi-8/2021"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/campaigns/khoi-8/2021"
    page = parse(client.get("/campaigns/khoi-8/2021"))
    assert page.find("html").attrs["lang"] == "en"
    assert page.by_id("calendar-h").text == "Calendar"
    assert page.by_id("criteria-h").text == "Criteria and points"
    assert page.by_id("voting-h").text == "Council review and vote"
    current = page.find("tr", aria_current="step")
    assert "In progress" in current.text and "4 days left" in current.text
    assert ("The vote is valid when at least 2/3 of all member units are present at the "
            "meeting (6 of 8 units)") in page.find("main").text
    assert "Today: 10/06/2021 (Vietnam time)." in page.find("footer").text
    home = parse(client.get("/"))
    assert home.find("h1").text == "Hello, Cán bộ thi đua Sở TT&TT"
    assert "Bloc leader" in home.by_id("campaigns").text
    # And back: the referrer's ?lang=en must not switch it back again.
    response = client.get("/lang/vi", headers={"Referer": "http://localhost/?lang=en"})
    assert response.headers["Location"] == "/"
    home = parse(client.get(response.headers["Location"]))
    assert home.find("html").attrs["lang"] == "vi"
    assert home.find("h1").text == "Xin chào, Cán bộ thi đua Sở TT&TT"


def test_language_switch_ignores_other_sites_and_unknown_codes(client, catalogs):
    response = client.get("/lang/en", headers={"Referer": "http://evil.example/phish"})
    assert response.headers["Location"] == "/"
    response = client.get("/lang/fr")
    assert response.status_code == 302
    assert parse(client.get("/login")).find("html").attrs["lang"] == "en"
