"""Helpers for the tests of the yearly cycle's pages: signed-in page clients, the frozen clock,
the demo's criteria, and setting up earlier steps through the services."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import select

from core.config import TIMEZONE
from core.extensions import db
from core.models import Campaign, User
from core.services import campaigns, registration, reports, scoring
from core.services.cycle import criteria_rows
from core.unit_of_work import transactional
from tests.support import page_client, text  # noqa: F401  (re-exported)

B = "/campaigns/khoi-8/2021"
UNIT = "so-vhttdl"
OFFICER = "vhttdl.canbo"


def at(app, *moment: int) -> None:
    """Freeze the application clock at a local (Asia/Ho_Chi_Minh) moment."""
    app.config["THIDUA_NOW"] = datetime(*moment, tzinfo=TIMEZONE)


def campaign() -> Campaign:
    db.session.expire_all()
    return campaigns.get_campaign("khoi-8", 2021)


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def item_codes() -> list[str]:
    return [r.code for r in criteria_rows(campaign()) if not r.is_group and r.kind == "item"]


def unit_lines() -> list[str]:
    """Codes of the lines a unit scores itself, in table order (the self-score form's rows)."""
    return [r.code for r in criteria_rows(campaign()) if not r.is_group and r.scorer == "unit"]


def version_in(html: str) -> str:
    match = re.search(r'name="version" value="(\d+)"', html)
    assert match, "no version field in the form"
    return match.group(1)


def registration_form(targets: dict[int, str], *, action: str = "save",
                      not_applicable: dict[int, str] | None = None,
                      version: Any = None) -> dict[str, str]:
    data = {"action": action}
    for index, target in targets.items():
        data[f"items-{index}-target"] = target
    for index, reason in (not_applicable or {}).items():
        data[f"items-{index}-not_applicable"] = "y"
        data[f"items-{index}-reason"] = reason
    if version is not None:
        data["version"] = str(version)
    return data


def full_targets(count: int) -> dict[int, str]:
    return {i: f"Chỉ tiêu số {i + 1}: hoàn thành 100% kế hoạch" for i in range(count)}


@transactional
def submit_registration(unit_code: str = UNIT, username: str = OFFICER) -> None:
    """The unit's full registration, submitted through the service (the last item "không áp
    dụng")."""
    codes = item_codes()
    items = [{"criterion": c, "target": f"Chỉ tiêu {c}"} for c in codes[:-1]]
    items.append({"criterion": codes[-1], "not_applicable": True, "reason": "Không thuộc"})
    registration.save(campaign(), unit_code, items, submit=True, actor=user(username))


@transactional
def save_self_scores(unit_code: str = UNIT, username: str = OFFICER, score: int = 4) -> None:
    items = [{"criterion": c, "self_score": score, "evidence": "Báo cáo số 12/BC"}
             for c in item_codes()]
    scoring.save_self_scores(campaign(), unit_code, items, actor=user(username))


@transactional
def submit_year_end(unit_code: str = UNIT, username: str = OFFICER) -> None:
    targets = reports.registered_targets(campaign(), campaign_unit(unit_code))
    reports.save(campaign(), unit_code, "year_end", "Báo cáo tổng kết.",
                 [{"criterion": c, "percent": 100, "note": ""} for c in targets],
                 submit=True, actor=user(username))


def campaign_unit(code: str):
    from core.services.cycle import member_unit

    return member_unit(campaign(), code)
