"""The glossary guards the words (docs/glossary.md, core/domain/glossary.py): every page a
member unit's officer and head, the bloc's leader, the provincial board and the administrator
reach by following links in a played year is read, and no page uses a term the glossary
retired; no page a member, head, leader or board reads shows a developer's word (plugin,
hook, Borda, SHA-256, a command, a server path). The administration's pages may name plugins.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest

from core.domain import glossary
from tests.support import page_client, text

# Who reads the pages: a member unit's officer and head, the leader's officer, the board,
# the administrator.
READERS = ["yte.canbo", "yte.thutruong", "tttt.canbo", "bantdkt", "admin"]
MAX_PAGES = 400
# Links not followed: signing out, switching the language (tested on its own), files.
SKIP = re.compile(r"^/(?:logout|lang/)|/(?:export|download|pdf|docx|ics|csv|xlsx)\b|"
                  r"\.(?:pdf|docx|xlsx|csv|ics|json|zip)$|^/api/|^/static/")


class _Reader(HTMLParser):
    """The text a person reads on a page (text, titles, labels, placeholders, button values)
    and the page's links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs) -> None:
        values = dict(attrs)
        if tag in ("script", "style"):
            self._hidden += 1
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])
        for name in ("title", "aria-label", "placeholder", "alt"):
            if values.get(name):
                self.parts.append(values[name])
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.parts.append(values["value"])

    def handle_endtag(self, tag) -> None:
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data) -> None:
        if not self._hidden:
            self.parts.append(data)


def read(html: str) -> tuple[str, list[str]]:
    reader = _Reader()
    reader.feed(html)
    return re.sub(r"\s+", " ", " ".join(reader.parts)), reader.links


def crawl(app, username: str) -> dict[str, str]:
    """Every page ``username`` reaches from the home page by links (GET, same site): its
    path and the text read on it."""
    client = page_client(app, username)
    seen: dict[str, str] = {}
    queue = ["/"]
    queued = {"/"}
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        response = client.get(path)
        if response.status_code != 200 or not response.mimetype == "text/html":
            continue
        words, links = read(text(response))
        seen[path] = words
        for href in links:
            href, _ = urldefrag(href)
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            if SKIP.search(parts.path):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target not in queued:
                queued.add(target)
                queue.append(target)
    return seen


@pytest.mark.parametrize("username", READERS)
def test_no_page_uses_a_retired_or_a_developer_term(played_year, username):
    pages = crawl(played_year, username)
    assert len(pages) > 10, sorted(pages)
    problems = []
    for path, words in pages.items():
        for found, use in glossary.retired_terms(words):
            problems.append(f"{path}: «{found}» → «{use}»")
        if not path.startswith("/admin"):
            problems.extend(f"{path}: developer term «{found}»"
                            for found in glossary.developer_terms(words))
    print(len(pages), "pages")
    assert not problems, "\n".join(sorted(set(problems)))


@pytest.mark.parametrize(("sentence", "found"), [
    ("Nhận nộp muộn, có ghi nhận muộn.", ["nộp muộn"]),
    ("Quy chế của Hội đồng Thi đua - Khen thưởng tỉnh", ["Hội đồng Thi đua - Khen thưởng"]),
    ("hướng dẫn của Hội đồng Thi đua, Khen thưởng tỉnh", ["Hội đồng Thi đua, Khen thưởng"]),
    ("Sở Y tế Thành viên", ["Thành viên"]),
    ("Sản phẩm: Bản đăng ký thi đua.", ["Sản phẩm"]),
    ("Kết quả: Trúng", ["Trúng"]),
    # The glossary's own words pass.
    ("Hội đồng Thi đua – Khen thưởng tỉnh; Ban Thi đua – Khen thưởng tỉnh", []),
    ("Sở Y tế · Đơn vị thành viên; các đơn vị thành viên", []),
    ("Thành viên Ban kiểm phiếu 1; Thành viên Hội đồng", []),
    ("Gửi trễ hạn; Quá hạn, nhận hồ sơ gửi trễ hạn", []),
])
def test_the_retired_wordings_are_recognised(sentence, found):
    assert [wording for wording, _use in glossary.retired_terms(sentence)] == found


def test_developer_terms_are_recognised():
    found = glossary.developer_terms(
        "từ plugin khoi8; Hook; điểm Borda; (SHA-256); flask --app wsgi audit verify; "
        "/srv/thidua/instance/thidua.sqlite")
    for word in ("plugin", "Hook", "Borda", "SHA-256", "flask --app", "wsgi",
                 "/srv/thidua/instance/thidua.sqlite"):
        assert word in found
    assert glossary.developer_terms("Quy tắc các khối; mã băm; phiếu xếp thứ tự") == []
