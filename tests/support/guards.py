"""Helpers for the guarded steps (issue 13, core/services/guards.py): the JSON body that goes
ahead with gaps, and the page form's confirmation."""

from __future__ import annotations

import re

from core.unit_of_work import unit_of_work
from tests.support.cycle_pages import at, save_self_scores, submit_registration, submit_year_end

#: The API body that locks verification / closes a step although its checklist has gaps.
FORCE = {"force": True, "reason": "Kiểm thử: vẫn tiếp tục khi còn thiếu sót"}


def confirmation(html: str, reason: str = "Hội nghị Khối đã thống nhất") -> dict[str, str]:
    """The guarded form's fields as a person fills them: the tick on the sentence that names
    the gaps shown on the page (its digest) and a reason."""
    match = re.search(r'name="confirm" value="([0-9a-f]{16})"', html)
    assert match, "no confirmation on the page"
    return {"confirm": match.group(1), "digest": match.group(1), "reason": reason}


def one_unit_reported(demo) -> None:
    """The demo with one unit (cycle_pages.UNIT) registered and its year-end report and
    self-scores sent; the clock at 5/2/2022, verification still open: every other gap left."""
    at(demo, 2021, 5, 3, 9, 0)
    with unit_of_work():
        submit_registration()
    at(demo, 2022, 1, 20, 9, 0)
    save_self_scores()
    submit_year_end()
    at(demo, 2022, 2, 5, 9, 0)
