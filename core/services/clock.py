"""Time is a service: every rule asks ``clock.now()``, never ``datetime.now()``.

``THIDUA_NOW`` (app config, from the environment) freezes the clock, for demonstrations of a
past calendar and for tests. All dates are in Asia/Ho_Chi_Minh.
"""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app, has_app_context

from core.config import TIMEZONE


def now() -> datetime:
    """The current moment, aware, in Asia/Ho_Chi_Minh (frozen when THIDUA_NOW is set)."""
    if has_app_context():
        frozen = current_app.config.get("THIDUA_NOW")
        if frozen is not None:
            return frozen.astimezone(TIMEZONE)
    return datetime.now(TIMEZONE)


def today() -> date:
    """Today's date in Asia/Ho_Chi_Minh."""
    return now().date()


def local(moment: datetime) -> datetime:
    """A stored (UTC) datetime shown in Asia/Ho_Chi_Minh."""
    return moment.astimezone(TIMEZONE)
