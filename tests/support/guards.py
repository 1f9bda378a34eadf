"""Helpers for the guarded steps (issue 13, core/services/guards.py): the JSON body that goes
ahead with gaps, and the page form's confirmation."""

from __future__ import annotations

import re

#: The API body that locks verification / closes a step although its checklist has gaps.
FORCE = {"force": True, "reason": "Kiểm thử: vẫn tiếp tục khi còn thiếu sót"}


def confirmation(html: str, reason: str = "Hội nghị Khối đã thống nhất") -> dict[str, str]:
    """The guarded form's fields as a person fills them: the tick on the sentence that names
    the gaps shown on the page (its digest) and a reason."""
    match = re.search(r'name="confirm" value="([0-9a-f]{16})"', html)
    assert match, "no confirmation on the page"
    return {"confirm": match.group(1), "digest": match.group(1), "reason": reason}
