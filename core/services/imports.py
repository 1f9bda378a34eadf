"""Importing a province's units and users from CSV or XLSX: a dry run that reports every
row's problems, and an apply that writes everything in one transaction or nothing at all.

A workbook may hold a sheet "Đơn vị" (units) and a sheet "Người dùng" (users); a CSV file
holds one of them (``kind``). Columns may be named in English or Vietnamese:
units — code/Mã đơn vị, name/Tên đơn vị, short_name/Tên viết tắt;
users — username/Tên đăng nhập, full_name/Họ và tên, unit/Mã đơn vị, role/Vai trò
(officer|head, or "cán bộ"/"thủ trưởng"), board/Ban TĐKT, admin/Quản trị, password/Mật khẩu
(optional: a random one is generated and shown once). A CSV file may be separated by commas
or by semicolons (Excel's default with a Vietnamese locale): the separator whose header row
names the most known columns is used. Problems name the columns in Vietnamese.

Each row is checked with the same rules as ``accounts.create_unit`` / ``create_user``, which
the apply step calls (no rule is copied here)."""

from __future__ import annotations

import csv
import io
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import func, select

from core.errors import ValidationFailed
from core.extensions import db
from core.models import Unit, User
from core.services import accounts, audit, permissions
from core.services.exports import formula_like

UNIT_COLUMNS = {"code": ("code", "mã đơn vị", "mã"), "name": ("name", "tên đơn vị", "tên"),
                "short_name": ("short_name", "tên viết tắt", "viết tắt")}
USER_COLUMNS = {"username": ("username", "tên đăng nhập"), "full_name": ("full_name", "họ và tên"),
                "unit": ("unit", "mã đơn vị", "đơn vị"), "role": ("role", "vai trò"),
                "board": ("board", "ban tđkt", "ban thi đua"), "admin": ("admin", "quản trị"),
                "password": ("password", "mật khẩu")}
REQUIRED = {"units": ("code", "name", "short_name"), "users": ("username", "full_name")}
ROLE_WORDS = {"officer": "officer", "cán bộ": "officer", "cán bộ phụ trách thi đua": "officer",
              "head": "head", "thủ trưởng": "head", "thủ trưởng đơn vị": "head", "": ""}
YES = {"1", "x", "có", "yes", "true", "y"}
SHEETS = {"units": ("đơn vị", "units"), "users": ("người dùng", "users")}
# What the messages call each column and sheet (the Vietnamese header of the template).
COLUMN_NAMES = {"code": "Mã đơn vị", "name": "Tên đơn vị", "short_name": "Tên viết tắt",
                "username": "Tên đăng nhập", "full_name": "Họ và tên", "unit": "Mã đơn vị",
                "role": "Vai trò", "board": "Ban TĐKT", "admin": "Quản trị",
                "password": "Mật khẩu"}
SHEET_NAMES = {"units": "Đơn vị", "users": "Người dùng"}
CSV_DELIMITERS = (",", ";", "\t")
MAX_ROWS = 5000


@dataclass
class RowResult:
    sheet: str
    row: int  # the spreadsheet row number (1 is the header)
    key: str
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "row": self.row, "key": self.key, "errors": self.errors}


@dataclass
class ImportReport:
    units: list[dict[str, Any]] = field(default_factory=list)
    users: list[dict[str, Any]] = field(default_factory=list)
    rows: list[RowResult] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    passwords: dict[str, str] = field(default_factory=dict)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.file_errors and not any(r.errors for r in self.rows)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "applied": self.applied, "units": len(self.units),
                "users": len(self.users), "file_errors": self.file_errors,
                "rows": [r.to_dict() for r in self.rows],
                "errors": sum(len(r.errors) for r in self.rows) + len(self.file_errors),
                "passwords": self.passwords}


def _norm(value: Any) -> str:
    return unicodedata.normalize("NFC", str(value if value is not None else "")).strip()


def _header_map(headers: list[str], columns: dict[str, tuple[str, ...]]) -> dict[str, int]:
    found = {}
    for index, header in enumerate(headers):
        name = _norm(header).lower()
        for key, aliases in columns.items():
            if name in aliases and key not in found:
                found[key] = index
    return found


def _read_csv(data: bytes, report: ImportReport,
              columns: dict[str, tuple[str, ...]] | None = None) -> list[list[Any]] | None:
    """The CSV's rows, split on the separator (comma, semicolon or tab) under which the header
    row names the most of ``columns`` (a comma when none does better)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.file_errors.append("Tệp CSV không phải UTF-8 (hãy lưu lại với mã hóa UTF-8).")
        return None
    best: list[list[Any]] = []
    best_score = -1
    for delimiter in CSV_DELIMITERS:
        rows = [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)
                if any(c.strip() for c in row)]
        score = len(_header_map(rows[0], columns)) if rows and columns else 0
        if score > best_score:
            best, best_score = rows, score
    return best


MAX_CELL_TEXTS = MAX_ROWS * 10  # distinct texts a workbook of MAX_ROWS rows can hold
MAX_SHEET_XML = 16 * 1024 * 1024  # unpacked bytes of one sheet (5,000 rows take ~2 MB)


def _too_large(data: bytes) -> bool:
    """Whether the workbook is plainly beyond the row limit, judged from its zip directory
    and the head of its shared-strings table, before openpyxl parses anything (parsing
    300,000 rows' strings alone takes seconds)."""
    import re
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                if info.filename.startswith("xl/worksheets/") and \
                        info.file_size > MAX_SHEET_XML:
                    return True
            if "xl/sharedStrings.xml" in archive.namelist():
                with archive.open("xl/sharedStrings.xml") as stream:
                    head = stream.read(1024).decode("utf-8", "replace")
                found = re.search(r'uniqueCount="(\d+)"', head)
                if found and int(found.group(1)) > MAX_CELL_TEXTS:
                    return True
    except (zipfile.BadZipFile, OSError, ValueError):
        return False  # openpyxl reports an unreadable file
    return False


def _read_sheets(data: bytes, report: ImportReport) -> dict[str, list[list[Any]]]:
    if _too_large(data):
        report.file_errors.append(f"Tệp có quá {MAX_ROWS} dòng.")
        return {}
    try:
        book = load_workbook(io.BytesIO(data), data_only=False, read_only=True)
    except Exception:  # noqa: BLE001 - any unreadable workbook is the same problem to the user
        report.file_errors.append("Không đọc được tệp Excel (.xlsx).")
        return {}
    sheets = {}
    for kind, names in SHEETS.items():
        sheet = next((book[s] for s in book.sheetnames if _norm(s).lower() in names), None)
        if sheet is None:
            continue
        rows = []
        # A sheet larger than the limit is refused before it is read: by its declared size
        # when the file gives one, else as soon as reading passes the limit (a 300,000-row
        # sheet used to be read whole, 24 s, before the refusal).
        declared = sheet.max_row if isinstance(sheet.max_row, int) else 0
        if declared > MAX_ROWS + 1:
            report.file_errors.append(f"Tệp có quá {MAX_ROWS} dòng.")
            return {}
        for index, cells in enumerate(sheet.iter_rows(), 1):
            if index > MAX_ROWS + 1:
                report.file_errors.append(f"Tệp có quá {MAX_ROWS} dòng.")
                return {}
            values = []
            for cell in cells:
                if cell.data_type == "f":
                    values.append(_Formula(cell.coordinate))
                else:
                    values.append(cell.value)
            if any(v not in (None, "") for v in values):
                rows.append(values)
        sheets[kind] = rows
    if not sheets:
        report.file_errors.append("Tệp Excel không có trang “Đơn vị” hoặc “Người dùng”.")
    return sheets


class _Formula(str):
    """A cell holding a formula: refused, a value must be typed in."""

    def __new__(cls, coordinate: str) -> _Formula:
        return super().__new__(cls, f"={coordinate}")


def _check_cells(values: list[Any], result: RowResult) -> None:
    for value in values:
        if isinstance(value, _Formula):
            result.errors.append(f"Ô {value[1:]} chứa công thức; hãy nhập giá trị.")
        elif formula_like(value):  # also after leading spaces or a tab
            result.errors.append(f"Giá trị “{value[:30]}” trông như công thức; không nhận.")


def parse(data: bytes, filename: str, kind: str | None = None) -> tuple[ImportReport,
                                                                        dict[str, list]]:
    report = ImportReport()
    lower = (filename or "").lower()
    if lower.endswith(".xlsx"):
        sheets = _read_sheets(data, report)
    elif lower.endswith(".csv"):
        if kind not in SHEETS:
            raise ValidationFailed("Với tệp CSV, hãy chọn loại dữ liệu: đơn vị hoặc người dùng.",
                                   fields={"kind": ["units hoặc users."]})
        rows = _read_csv(data, report, UNIT_COLUMNS if kind == "units" else USER_COLUMNS)
        sheets = {kind: rows} if rows is not None else {}
    else:
        raise ValidationFailed("Chỉ nhận tệp .csv hoặc .xlsx.", code="file_type",
                               fields={"file": ["Sai loại tệp."]})
    for rows in sheets.values():
        if len(rows) - 1 > MAX_ROWS:
            report.file_errors.append(f"Tệp có quá {MAX_ROWS} dòng.")
    return report, sheets


def check(data: bytes, filename: str, *, kind: str | None, actor: User) -> ImportReport:
    """Dry run: every row's problems; nothing written."""
    permissions.require(permissions.is_admin(actor), "Chỉ quản trị viên được nhập dữ liệu.")
    report, sheets = parse(data, filename, kind)
    if report.file_errors:
        return report
    existing_units = set(db.session.scalars(select(Unit.code)))
    if "units" in sheets:
        _check_units(sheets["units"], report, existing_units)
    known_units = existing_units | {u["code"] for u in report.units}
    if "users" in sheets:
        _check_users(sheets["users"], report, known_units)
    return report


def _columns(rows: list[list[Any]], kind: str, report: ImportReport,
             columns: dict[str, tuple[str, ...]]) -> dict[str, int] | None:
    if not rows:
        report.file_errors.append(f"Trang “{SHEET_NAMES[kind]}” trống.")
        return None
    mapping = _header_map([_norm(h) for h in rows[0]], columns)
    missing = [c for c in REQUIRED[kind] if c not in mapping]
    if missing:
        report.file_errors.append(
            f"Thiếu cột (trang “{SHEET_NAMES[kind]}”): "
            + ", ".join(f"“{COLUMN_NAMES[c]}”" for c in missing) + ".")
        return None
    return mapping


def _problem(field_key: str, message: Any) -> str:
    """A rule's message about a field, naming its column in Vietnamese ("Tên đơn vị: …")."""
    return f"{COLUMN_NAMES.get(field_key, field_key)}: {message}"


def _check_units(rows: list[list[Any]], report: ImportReport, existing: set[str]) -> None:
    mapping = _columns(rows, "units", report, UNIT_COLUMNS)
    if mapping is None:
        return
    seen: dict[str, int] = {}
    for number, values in enumerate(rows[1:], start=2):
        cell = {k: _norm(values[i]) if i < len(values) else "" for k, i in mapping.items()}
        result = RowResult("units", number, cell.get("code", ""))
        _check_cells(values, result)
        code = cell.get("code", "")
        errors = accounts.unit_problems(code, cell.get("name", ""), cell.get("short_name", ""))
        result.errors += [_problem(field, msg) for field, msgs in errors.items() for msg in msgs]
        if code in existing:
            result.errors.append(f"Mã đơn vị “{code}” đã có trong hệ thống.")
        if code in seen:
            result.errors.append(f"Mã đơn vị “{code}” trùng với dòng {seen[code]}.")
        seen.setdefault(code, number)
        report.rows.append(result)
        if not result.errors:
            report.units.append(cell)


def _check_users(rows: list[list[Any]], report: ImportReport, known_units: set[str]) -> None:
    mapping = _columns(rows, "users", report, USER_COLUMNS)
    if mapping is None:
        return
    existing = set(db.session.scalars(select(func.lower(User.username))))
    seen: dict[str, int] = {}
    for number, values in enumerate(rows[1:], start=2):
        cell = {k: _norm(values[i]) if i < len(values) else "" for k, i in mapping.items()}
        result = RowResult("users", number, cell.get("username", ""))
        _check_cells(values, result)
        role = ROLE_WORDS.get(cell.get("role", "").lower())
        if role is None:
            result.errors.append(f"Vai trò “{cell.get('role')}” không hợp lệ (cán bộ/thủ trưởng).")
            role = ""
        password = cell.get("password") or ""
        generated = not password
        payload = {"username": cell.get("username", "").lower(),
                   "full_name": cell.get("full_name", ""),
                   "password": password or secrets.token_urlsafe(12) + "9a",
                   "unit": cell.get("unit", ""), "role": role,
                   "board": cell.get("board", "").lower() in YES,
                   "admin": cell.get("admin", "").lower() in YES}
        errors = accounts.user_problems(payload["username"], payload["full_name"],
                                        payload["password"], unit_code=payload["unit"] or None,
                                        role=role or None)
        result.errors += [_problem(field, msg) for field, msgs in errors.items() for msg in msgs]
        if payload["unit"] and payload["unit"] not in known_units:
            result.errors.append(f"Không có đơn vị mã “{payload['unit']}”.")
        problem = accounts.role_problem(payload["unit"] or None, role or None)
        if problem:
            result.errors.append(_problem(*problem))
        name = payload["username"]
        if name in existing:
            result.errors.append(f"Tên đăng nhập “{name}” đã có trong hệ thống.")
        if name in seen:
            result.errors.append(f"Tên đăng nhập “{name}” trùng với dòng {seen[name]}.")
        seen.setdefault(name, number)
        report.rows.append(result)
        if not result.errors:
            report.users.append({**payload, "generated": generated})


def apply(data: bytes, filename: str, *, kind: str | None, actor: User,
          progress: Callable[[int, int, str], None] | None = None) -> ImportReport:
    """Write every row when no row has a problem: each unit and user through
    ``accounts.create_unit`` / ``accounts.create_user`` (their own rules and audit events),
    all in the caller's one transaction, so a failure on any row leaves nothing written."""
    report = check(data, filename, kind=kind, actor=actor)
    if not report.ok:
        raise ValidationFailed("Tệp có lỗi; chưa nhập dòng nào.", code="import_invalid",
                               fields={"rows": [f"Trang “{SHEET_NAMES[r.sheet]}”, dòng {r.row}: "
                                                f"{'; '.join(r.errors)}"
                                                for r in report.rows if r.errors]
                                       + report.file_errors})
    total = len(report.units) + len(report.users)
    for done, row in enumerate(report.units, 1):
        accounts.create_unit(row["code"], row["name"], row["short_name"], actor=actor)
        if progress:
            progress(done, total, f"Đơn vị {row['code']}")
    for done, row in enumerate(report.users, len(report.units) + 1):
        accounts.create_user(row["username"], row["full_name"], row["password"],
                             unit_code=row["unit"] or None, role=row["role"] or None,
                             board=row["board"], admin=row["admin"], actor=actor)
        if row["generated"]:
            report.passwords[row["username"]] = row["password"]
        if progress:  # a background job shows it (core/services/jobs.py)
            progress(done, total, f"Tài khoản {row['username']}")
    audit.record("import.apply", "import", filename[:120], actor=actor, details={
        "units": [u["code"] for u in report.units],
        "users": [u["username"] for u in report.users]})
    report.applied = True
    return report
