"""The campaign's workbook (openpyxl): registrations, self and verified scores per criterion
per unit, ranking, poll results. Vietnamese headers, numbers stored as numbers, frozen header
rows.

Every cell the app writes, in any workbook or CSV, goes through one rule (:func:`formula_like`)
so a unit's name such as ``=HYPERLINK(...)`` or `` @SUM(...)`` is written as text, never as a
formula (CSV injection): in a workbook the cell is a string with Excel's quote prefix
(:func:`workbook_bytes`, used by every writer), in a CSV the value gets a leading apostrophe
(:func:`csv_bytes`). The import's formula filter uses the same rule."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.extensions import db
from core.models import (
    Campaign,
    Poll,
    PollOutcome,
    Registration,
    RegistrationItem,
    Score,
    ScoreSheet,
    User,
)
from core.services import permissions, scoring
from core.services.cycle import criteria_rows

# What starts a formula in Excel, LibreOffice or Google Sheets (OWASP's CSV injection list,
# with the full-width forms of = + - @).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def formula_like(value: Any) -> bool:
    """Text a spreadsheet could take for a formula: starting with =, +, -, @, a tab or a
    carriage return, also after leading spaces."""
    if not isinstance(value, str):
        return False
    return value.lstrip(" \u00a0\u3000")[:1] in FORMULA_STARTS


def csv_cell(value: Any) -> Any:
    """A value for a CSV file: formula-like text gets a leading apostrophe."""
    return "'" + value if formula_like(value) else value


def csv_bytes(rows: Iterable[Iterable[Any]]) -> bytes:
    """Rows as a UTF-8 CSV (with a byte-order mark, so Excel reads Vietnamese), every cell
    neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([csv_cell("" if v is None else v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def neutralise_cell(cell: Any) -> None:
    """Make a workbook cell holding formula-like text a plain string cell with the quote
    prefix (Excel shows the text and never evaluates it, even after editing the cell)."""
    value = cell.value
    if isinstance(value, str) and (cell.data_type == "f" or formula_like(value)):
        cell.data_type = "s"
        cell.quotePrefix = True


def neutralise_workbook(book: Workbook) -> None:
    """Every cell of every sheet (the app writes no formulas: a cell of type formula is text
    openpyxl took for one)."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                neutralise_cell(cell)


def workbook_bytes(book: Workbook) -> bytes:
    """The workbook as .xlsx bytes, every cell neutralised: what every writer returns."""
    neutralise_workbook(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet(workbook: Workbook, title: str, headers: list[str], rows: list[list[Any]],
           widths: list[int]) -> None:
    sheet = workbook.create_sheet(title)
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append(list(row))
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def _number(value) -> float | None:
    return float(value) if value is not None else None


def workbook(campaign: Campaign, *, actor: User) -> bytes:
    permissions.require(permissions.can_read_work(actor, campaign))
    book = Workbook()
    book.remove(book.active)
    rows = criteria_rows(campaign)
    titles = {r.id: (r.code, r.title) for r in rows}

    regs = db.session.scalars(
        select(Registration).where(Registration.campaign_id == campaign.id)
        .options(selectinload(Registration.items).selectinload(RegistrationItem.criterion),
                 selectinload(Registration.unit)))
    reg_rows = []
    for reg in sorted(regs, key=lambda r: r.unit.name):
        for item in sorted(reg.items, key=lambda i: i.criterion.position):
            reg_rows.append([reg.unit.code, reg.unit.name, item.criterion.code,
                             item.criterion.title, item.target,
                             "Có" if item.not_applicable else "", item.na_reason,
                             {"submitted": "Đã gửi", "draft": "Nháp",
                              "returned": "Bị trả lại"}[reg.status]])
    _sheet(book, "Đăng ký", ["Mã đơn vị", "Đơn vị", "Mã tiêu chí", "Tiêu chí",
                              "Chỉ tiêu đăng ký", "Không áp dụng", "Lý do", "Trạng thái"],
           reg_rows, [12, 36, 10, 60, 50, 12, 30, 12])

    sheets = db.session.scalars(
        select(ScoreSheet).where(ScoreSheet.campaign_id == campaign.id)
        .options(selectinload(ScoreSheet.scores), selectinload(ScoreSheet.unit)))
    score_rows = []
    for sheet in sorted(sheets, key=lambda s: s.unit.name):
        scores: list[Score] = sorted(sheet.scores, key=lambda s: titles[s.criterion_id][0])
        for score in scores:
            code, title = titles[score.criterion_id]
            score_rows.append([sheet.unit.code, sheet.unit.name, code, title,
                               _number(score.self_score), score.evidence,
                               _number(score.verified_score), score.reason])
    _sheet(book, "Chấm điểm", ["Mã đơn vị", "Đơn vị", "Mã tiêu chí", "Tiêu chí", "Điểm tự chấm",
                                "Minh chứng", "Điểm thẩm định", "Lý do điều chỉnh"],
           score_rows, [12, 36, 10, 60, 12, 40, 14, 40])

    ranking = [[r["rank"], r["unit"].code, r["unit"].name, float(r["self_total"]),
                float(r["verified_total"])] for r in scoring.ranking(campaign)]
    _sheet(book, "Xếp hạng", ["Hạng", "Mã đơn vị", "Đơn vị", "Tổng tự chấm",
                               "Tổng thẩm định"], ranking, [8, 12, 40, 14, 16])

    results = db.session.execute(
        select(Poll, PollOutcome).join(PollOutcome, PollOutcome.poll_id == Poll.id)
        .where(Poll.campaign_id == campaign.id).order_by(Poll.id)).all()
    vote_rows = []
    for poll, outcome in results:
        result = outcome.result
        for count in sorted(result["counts"], key=lambda c: c["candidate"]):
            vote_rows.append([poll.code, poll.title, count["candidate"], count["votes"],
                              count["share"], "Có" if count["passed"] else "",
                              "Có" if count["candidate"] in result["elected"] else "",
                              result["eligible"], result["voted"], result["valid"],
                              "Có" if result["quorum_met"] else "Không",
                              "Đã công bố" if poll.status == "published" else "Chưa công bố"])
    _sheet(book, "Kết quả bỏ phiếu", ["Mã cuộc bỏ phiếu", "Nội dung", "Đơn vị", "Số phiếu",
                                       "Tỷ lệ", "Đạt", "Được suy tôn", "Cử tri", "Đã bỏ phiếu",
                                       "Phiếu hợp lệ", "Đủ số lượng", "Công bố"],
           vote_rows, [16, 40, 14, 10, 10, 8, 8, 10, 12, 12, 12, 14])
    return workbook_bytes(book)
