"""Helpers shared by the plugin, API and domain tests: the test plugins of
``tests/plugins/fixtures`` (``khoi_thu``, ``tinh_thu_nghiem``; ``_broken/`` holds plugins that
must fail to load), their units and people, plan builders."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from flask import Flask

from core.cli import DEMO_UNITS
from core.extensions import db, limiter
from core.plugin_api import BlocInfo, Criterion, Phase, hookimpl
from core.services import accounts
from core.unit_of_work import transactional
from tests.plugins.fixtures import khoi_thu, tinh_thu_nghiem
from tests.support import make_app
from tests.support.databases import DATABASES

PLUGINS_DIR = Path(__file__).resolve().parents[1] / "plugins" / "fixtures"
BROKEN_DIR = PLUGINS_DIR / "_broken"
PASSWORD = "ThiDua@2021"

# Units of the test bloc (Khối 8's come from core.cli.DEMO_UNITS).
THU_UNITS = [
    ("so-tc", "Sở Tài chính", "Sở TC", "leader"),
    ("so-khdt", "Sở Kế hoạch và Đầu tư", "Sở KH&ĐT", "deputy"),
    ("so-ct", "Sở Công Thương", "Sở CT", "member"),
    ("so-xd", "Sở Xây dựng", "Sở XD", "member"),
    ("so-gtvt", "Sở Giao thông vận tải", "Sở GTVT", "member"),
]

KHOI8_MEMBERS = [{"unit": code, "role": role} for code, _n, _s, role, _i in DEMO_UNITS]
THU_MEMBERS = [{"unit": code, "role": role} for code, _n, _s, role in THU_UNITS]


def register_test_plugins(app: Flask, *names: str) -> None:
    """Register the test plugins (default: both) with this app's plugin manager."""
    modules = {"khoi_thu": khoi_thu, "tinh_thu_nghiem": tinh_thu_nghiem}
    host = app.extensions["thidua"]
    for name in names or tuple(modules):
        host.register(modules[name], name)


@contextmanager
def app_with_db(tmp_path: Path, *, keep: bool = False, **overrides: Any) -> Iterator[Flask]:
    """An app built with ``overrides`` (e.g. another plugins folder), with an empty database
    (a copy of the schema template), inside its app context. ``keep=True`` keeps the
    database that is there (a restart)."""
    if keep:
        app = make_app(tmp_path, **overrides)
    else:
        app = DATABASES.fresh_app(tmp_path, scratch=True, **overrides)
    with app.app_context():
        if not keep:
            limiter.reset()
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()
    if not keep:
        DATABASES.release(app)


@transactional
def seed_people() -> None:
    """Every unit of both blocs, an admin, a board user, an officer and a head of Sở TT&TT.

    Fast on purpose (four password hashes): campaigns are opened by the tests themselves."""
    accounts.create_user("admin", "Quản trị hệ thống", PASSWORD, demo_password=True, admin=True, actor=None)
    accounts.create_user("bantdkt", "Cán bộ Ban Thi đua – Khen thưởng tỉnh", PASSWORD, demo_password=True,
                         board=True, actor=None)
    for code, name, short, _role, _illustrative in DEMO_UNITS:
        accounts.create_unit(code, name, short, actor=None)
    for code, name, short, _role in THU_UNITS:
        accounts.create_unit(code, name, short, actor=None)
    accounts.create_user("tttt.canbo", "Cán bộ thi đua Sở TT&TT", PASSWORD, demo_password=True,
                         unit_code="so-tttt", role="officer", actor=None)
    accounts.create_user("tttt.thutruong", "Thủ trưởng Sở TT&TT", PASSWORD, demo_password=True,
                         unit_code="so-tttt", role="head", actor=None)


# -- plans built from values, for the validation tests ----------------------------------

def good_criteria() -> list[Criterion]:
    return khoi_thu.criteria(2024)


def good_calendar(year: int = 2024) -> list[Phase]:
    return khoi_thu.calendar(year)


def good_voting() -> Any:
    return khoi_thu.voting(2024)


@dataclass
class PlanPlugin:
    """A bloc plugin whose answers are given as values (so a test can break one of them).

    Registered as an object: ``host.register(PlanPlugin(...), "hong")``."""

    code: str = "khoi-hong"
    name: str = "Khối thử nghiệm lỗi"
    years: tuple[int, ...] = (2024,)
    criteria: Any = field(default_factory=good_criteria)
    calendar: Any = field(default_factory=good_calendar)
    voting: Any = field(default_factory=good_voting)
    __version__: str = "0.9"

    @hookimpl
    def thidua_register_blocs(self) -> list[BlocInfo]:
        return [BlocInfo(code=self.code, name=self.name, years=self.years)]

    @hookimpl
    def thidua_criteria(self, bloc: str, year: int) -> Any:
        return self.criteria if bloc == self.code and year in self.years else None

    @hookimpl
    def thidua_phase_calendar(self, bloc: str, year: int) -> Any:
        return self.calendar if bloc == self.code and year in self.years else None

    @hookimpl
    def thidua_voting_procedure(self, bloc: str, year: int) -> Any:
        return self.voting if bloc == self.code and year in self.years else None


def phase(code: str, opens: date, due: date, **kwargs: Any) -> Phase:
    return Phase(code, f"Giai đoạn {code}", opens, due, **kwargs)


class Khoi8NextYear:
    """Khối 8's 2021 plan offered again for 2022 (the shipped plugin has 2021 only), with an
    optional calendar or voting procedure of the test's own: for tests of next year's
    defaults and of plans that differ from the shipped one."""

    def __init__(self, *, calendar: Any = None, voting: Any = None) -> None:
        from plugins import khoi8

        self._criteria = khoi8.criteria_2021
        self._calendar = calendar or khoi8.calendar_2021
        self._voting = voting or khoi8.voting_2021

    @hookimpl
    def thidua_criteria(self, bloc, year):
        return self._criteria() if (bloc, year) == ("khoi-8", 2022) else None

    @hookimpl
    def thidua_phase_calendar(self, bloc, year):
        return self._calendar() if (bloc, year) == ("khoi-8", 2022) else None

    @hookimpl
    def thidua_voting_procedure(self, bloc, year):
        return self._voting() if (bloc, year) == ("khoi-8", 2022) else None
