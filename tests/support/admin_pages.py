"""Helpers for the tests of the board, administration and history pages: signed-in page
clients, an import workbook, the HTML reader of tests/web, a SQL statement counter."""

from __future__ import annotations

import io

from openpyxl import Workbook
from sqlalchemy import select

from core.extensions import db
from core.models import Campaign, Unit, User
from tests.support import counting, page_client, text  # noqa: F401  (re-exported)
from tests.support.html import parse  # noqa: F401  (re-exported for the tests)


def main_text(response) -> str:
    return parse(response).find("main").text


def unit(code: str) -> Unit | None:
    db.session.expire_all()
    return db.session.scalar(select(Unit).where(Unit.code == code))


def user(username: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == username))


def campaign(bloc: str, year: int) -> Campaign | None:
    db.session.expire_all()
    return db.session.scalar(select(Campaign).where(Campaign.year == year)
                             .where(Campaign.bloc.has(code=bloc)))


def workbook(units: list[list], users: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Đơn vị"
    for row in units:
        sheet.append(row)
    people = book.create_sheet("Người dùng")
    for row in users:
        people.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


UNITS = [["Mã đơn vị", "Tên đơn vị", "Tên viết tắt"],
         ["so-xd", "Sở Xây dựng", "Sở XD"],
         ["so-gtvt", "Sở Giao thông vận tải", "Sở GTVT"]]
USERS = [["Tên đăng nhập", "Họ và tên", "Mã đơn vị", "Vai trò", "Mật khẩu"],
         ["xd.canbo", "Nguyễn Thị Hoa", "so-xd", "cán bộ", "Song-Hau-mua-xuan-2024"],
         ["xd.thutruong", "Trần Văn Bình", "so-xd", "thủ trưởng", ""],
         ["gtvt.thutruong", "Lê Quốc Cường", "so-gtvt", "head", "Song-Hau-mua-xuan-2024"]]


