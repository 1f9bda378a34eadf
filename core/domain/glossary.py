"""The words the product uses, machine-readable: the terms it retired (with the term that
replaced each) and the developer terms no member of a bloc should read.

docs/glossary.md is the human glossary (each term, its meaning, its English term for the
``en`` catalog); this module is what the glossary test (tests/web/test_glossary.py) checks
every page against. Pure: no Flask, no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Retired:
    """A retired wording: ``pattern`` (a regular expression, matched case-insensitively
    unless ``case`` is set) and the glossary term that replaces it."""

    pattern: str
    use: str
    case: bool = False
    # Not yet enforced by the glossary test, and why (the wording lives in code another
    # change owns); empty once every page follows the glossary.
    pending: str = ""

    @property
    def regex(self) -> re.Pattern[str]:
        return re.compile(self.pattern, 0 if self.case else re.IGNORECASE)


# Vietnamese word boundaries: ``\b`` works on str patterns (Unicode letters are word chars).
RETIRED: tuple[Retired, ...] = (
    # Late work: the provincial documents speak of work sent "trễ hạn"; the product "gửi"s.
    Retired(r"\bnộp muộn\b", "gửi trễ hạn"),
    Retired(r"\bgửi muộn\b", "gửi trễ hạn"),
    Retired(r"\bnộp trễ\b", "gửi trễ hạn"),
    Retired(r"\bnộp chậm\b", "gửi trễ hạn"),
    # The council: one spelling, the 2022 law's name with an en dash as the board's.
    Retired(r"\bHội đồng Thi đua\s*(?:-|,|—)?\s*Khen thưởng\b",
            "Hội đồng Thi đua – Khen thưởng"),
    Retired(r"\bHội đồng TĐKT\b", "Hội đồng Thi đua – Khen thưởng"),
    Retired(r"\bBan Thi đua\s*(?:-|,|—)?\s*Khen thưởng\b",
            "Ban Thi đua – Khen thưởng"),
    # A member of the bloc is an "đơn vị thành viên"; a bare "Thành viên" label is retired
    # (a member of the council or of the counting committee keeps the word).
    Retired(r"(?<![Đđ]ơn vị )(?<!\w)Thành viên(?!\w)(?! (?:Hội đồng|Ban|của))",
            "Đơn vị thành viên", case=True),
    # What a step produces is a "hồ sơ", not a product.
    Retired(r"\bSản phẩm\b", "Hồ sơ"),
    # A unit is proposed ("được suy tôn") for an award; nobody "wins" it.
    Retired(r"\bTrúng\b", "Được suy tôn", case=True),
    Retired(r"\btrúng\b", "được suy tôn", case=True),
    Retired(r"\bTrưởng khối\b", "Khối trưởng", case=True),
    Retired(r"\bPhó trưởng khối\b|\bPhó khối\b", "Khối phó"),
    Retired(r"\bTổ kiểm phiếu\b", "Ban kiểm phiếu"),
)

# Words of the people who build and run the software, not of the people who use it: no page
# a member, a head, the leader or the board reads may show them (the administration's pages
# may name plugins: the administrator installs them).
DEVELOPER_TERMS: tuple[str, ...] = (
    r"\bplugins?\b",
    r"\bhooks?\b",
    r"\bBorda\b",
    r"\bSHA-?256\b",
    r"flask --app",
    r"\bwsgi\b",
    # Server paths and Python files.
    r"(?<![\w/.])/(?:work|home|srv|opt|var|usr|tmp|etc)/[\w./-]+",
    r"\b[\w/]+\.py\b",
)


def retired_terms(text: str, *, pending: bool = False) -> list[tuple[str, str]]:
    """(the retired wording found, the term to use instead) for each retired wording in
    ``text`` (the pending retirements too if ``pending``)."""
    found = []
    for term in RETIRED:
        if term.pending and not pending:
            continue
        for match in term.regex.finditer(text):
            found.append((match.group(0), term.use))
    return found


def developer_terms(text: str) -> list[str]:
    """The developer terms in ``text``."""
    return [m.group(0) for pattern in DEVELOPER_TERMS
            for m in re.finditer(pattern, text, re.IGNORECASE)]
