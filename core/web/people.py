"""Administration of people: units and users (list with search, create, edit, deactivate, reset
a password) and the import of units and users from CSV or XLSX (a dry run, then apply).

Thin callers of ``core.services.accounts`` and ``core.services.imports``; the forms are those
of ``core.forms`` (the edit pages add the fields the API takes as plain JSON: active, unit and
role, board, admin). Admins only.

The import carries the uploaded file from the preview to the apply step in the attachment
store (``THIDUA_ATTACHMENTS_DIR/import-staging/<random token>``): the store is shared by every
web process, so the second step may land on another process or host (DESIGN: stateless web
processes). The token is kept in the signed session with the file's SHA-256, so only the
admin who previewed the file can apply it, and only that exact file; the staged copy is deleted
once applied, and copies older than a day are swept when a new file is staged.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
import unicodedata
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo

from core.errors import DomainError
from core.forms import (
    REQUIRED,
    PasswordResetForm,
    UnitEditForm,
    UnitForm,
    UserEditForm,
    UserForm,
)
from core.models import Unit
from core.services import accounts, imports, permissions
from core.web.admin import ChoiceField, choice
from core.web.auth import renew_session
from core.web.refusals import as_refusal

bp = Blueprint("people", __name__, url_prefix="/admin")

STAGING = "import-staging"
STAGING_MAX_AGE = 24 * 3600
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{32,64}")
ROLES: dict[str, Any] = {
    "officer": _l("Cán bộ phụ trách thi đua"),
    "head": _l("Thủ trưởng đơn vị"),
}
SHEETS: dict[str, Any] = {"units": _l("Đơn vị"), "users": _l("Người dùng")}


@bp.before_request
@login_required
def _only_admin() -> None:
    if not permissions.is_admin(current_user):
        abort(403)


# -- forms -----------------------------------------------------------------------------------

class UnitEditPageForm(UnitEditForm):
    """Edit a unit on its page: the name and short name stay required (as when it was
    created), and a check box keeps the unit active."""

    name = UnitForm.name
    short_name = UnitForm.short_name
    active = BooleanField(_l("Đang hoạt động"))


def _unit_field() -> ChoiceField:
    return ChoiceField(_l("Đơn vị"), invalid_message=_l("Chọn một đơn vị trong danh sách."),
                       default="")


class UserCreatePageForm(UserForm):
    """A new user: the unit is picked from a list instead of typed as a code."""

    unit = _unit_field()


class UserEditPageForm(UserEditForm):
    unit = _unit_field()
    role = UserForm.role
    board = UserForm.board
    admin = UserForm.admin
    active = BooleanField(_l("Đang hoạt động"))
    email = StringField(_l("Địa chỉ e-mail nhận nhắc việc"), filters=[lambda v: (v or "").strip()])


class PasswordResetPageForm(PasswordResetForm):
    """The admin types the new password twice (it is not shown on the screen)."""

    confirm = PasswordField(_l("Nhập lại mật khẩu mới"), validators=[
        DataRequired(REQUIRED), EqualTo("password", _l("Hai mật khẩu mới không khớp."))])


class ImportForm(FlaskForm):
    file = FileField(_l("Tệp dữ liệu (.xlsx hoặc .csv)"),
                     validators=[FileRequired(_l("Chọn tệp cần nhập."))])
    kind = ChoiceField(_l("Loại dữ liệu (chỉ với tệp .csv)"), default="", choices=[
        choice("", "—"), choice("units", _l("Đơn vị")), choice("users", _l("Người dùng"))])


class ApplyImportForm(FlaskForm):
    token = HiddenField()


class ActionForm(FlaskForm):
    """A button that changes one thing (deactivate, activate): its CSRF token only."""


# -- helpers ---------------------------------------------------------------------------------

def fold(text: str | None) -> str:
    """Lower case without diacritics, for searching ("so tu phap" finds "Sở Tư pháp")."""
    text = unicodedata.normalize("NFD", (text or "").lower()).replace("đ", "d")
    return "".join(c for c in text if not unicodedata.combining(c))


def _matches(query: str, *values: str | None) -> bool:
    words = fold(query).split()
    haystack = " ".join(fold(v) for v in values if v)
    return all(word in haystack for word in words)


PAGE_SIZE = 25


def _page_of(rows: list[Any], per_page: int = PAGE_SIZE) -> tuple[list[Any], dict[str, Any]]:
    """The rows of the page asked for (``?page=``, 1 by default; out of range: the nearest
    page) and where it stands: page, pages, count (the rows matched)."""
    raw = (request.args.get("page") or "").strip()
    number = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 7 else 1
    pages = max(1, -(-len(rows) // per_page))
    number = min(max(number, 1), pages)
    start = (number - 1) * per_page
    return rows[start:start + per_page], {"page": number, "pages": pages, "count": len(rows)}


def _unit_choices(units: list[Unit], keep: str | None = None) -> list[Any]:
    return [choice("", _l("Không thuộc đơn vị nào"))] + [
        choice(u.code, u.name if u.active else _("%(name)s (ngừng hoạt động)", name=u.name))
        for u in units if u.active or u.code == keep]


# -- units -----------------------------------------------------------------------------------

@bp.get("/units")
def units(problem: str | None = None, status: int = 200):
    query = (request.args.get("q") or "").strip()[:100]
    everything = accounts.list_units()
    shown, paging = _page_of([u for u in everything
                              if _matches(query, u.code, u.name, u.short_name)])
    return render_template("people/units.html", units=shown, total=len(everything), q=query,
                           paging=paging, action_form=ActionForm(), problem=problem), status


@bp.route("/units/new", methods=["GET", "POST"])
def unit_new():
    form = UnitForm()
    problems: list[str] = []
    status = 200
    if form.is_submitted():
        if not form.validate():
            status = 422
        else:
            try:
                unit = accounts.create_unit(form.code.data, form.name.data,
                                            form.short_name.data, actor=current_user)
            except DomainError as exc:
                status = exc.status
                problems = as_refusal(exc).place(form)
            else:
                flash(_("Đã thêm đơn vị %(name)s.", name=unit.name), "success")
                return redirect(url_for("people.units"), 303)
    return render_template("people/unit_form.html", form=form, unit=None,
                           problems=problems), status


@bp.route("/units/<code>/edit", methods=["GET", "POST"])
def unit_edit(code: str):
    unit = accounts.get_unit(code)
    form = UnitEditPageForm(obj=unit)
    problems: list[str] = []
    status = 200
    if form.is_submitted():
        if not form.validate():
            status = 422
        else:
            try:
                accounts.update_unit(code, name=form.name.data,
                                     short_name=form.short_name.data,
                                     active=form.active.data, actor=current_user)
            except DomainError as exc:
                status = exc.status
                problems = as_refusal(exc).place(form)
            else:
                flash(_("Đã lưu đơn vị %(name)s.", name=form.name.data), "success")
                return redirect(url_for("people.units"), 303)
    return render_template("people/unit_form.html", form=form, unit=unit,
                           problems=problems), status


def _set_unit_active(code: str, active: bool):
    form = ActionForm()
    if not form.validate():
        abort(400)
    try:
        unit = accounts.update_unit(code, active=active, actor=current_user)
    except DomainError as exc:
        refused = as_refusal(exc)
        return units(problem=refused.message, status=refused.status)
    flash(_("Đã ngừng hoạt động đơn vị %(name)s.", name=unit.name) if not active
          else _("Đã cho đơn vị %(name)s hoạt động trở lại.", name=unit.name), "success")
    return redirect(url_for("people.units"), 303)


@bp.post("/units/<code>/deactivate")
def unit_deactivate(code: str):
    return _set_unit_active(code, False)


@bp.post("/units/<code>/activate")
def unit_activate(code: str):
    return _set_unit_active(code, True)


# -- users -----------------------------------------------------------------------------------

@bp.get("/users")
def users(problem: str | None = None, status: int = 200):
    query = (request.args.get("q") or "").strip()[:100]
    all_units = accounts.list_units()  # loads every unit once: user.unit needs no query
    everything = accounts.list_users()
    shown, paging = _page_of([u for u in everything
                              if _matches(query, u.username, u.full_name,
                                          u.unit.name if u.unit else "",
                                          u.unit.short_name if u.unit else "",
                                          u.unit.code if u.unit else "")])
    return render_template("people/users.html", users=shown, total=len(everything), q=query,
                           paging=paging, roles=ROLES, action_form=ActionForm(), problem=problem,
                           unit_count=len(all_units)), status


@bp.route("/users/new", methods=["GET", "POST"])
def user_new():
    form = UserCreatePageForm()
    form.unit.choices = _unit_choices(accounts.list_units())
    problems: list[str] = []
    status = 200
    if form.is_submitted():
        if not form.validate():
            status = 422
        else:
            try:
                user = accounts.create_user(
                    form.username.data, form.full_name.data, form.password.data,
                    unit_code=form.unit.data or None, role=form.role.data or None,
                    board=form.board.data, admin=form.admin.data, actor=current_user)
            except DomainError as exc:
                status = exc.status
                problems = as_refusal(exc).place(form)
            else:
                flash(_("Đã tạo tài khoản %(username)s.", username=user.username), "success")
                return redirect(url_for("people.users"), 303)
    return render_template("people/user_form.html", form=form, user=None,
                           problems=problems), status


@bp.route("/users/<username>/edit", methods=["GET", "POST"])
def user_edit(username: str):
    user = accounts.get_user(username)
    form = UserEditPageForm(data=None if request.method == "POST" else {
        "full_name": user.full_name, "unit": user.unit.code if user.unit else "",
        "role": user.role or "", "board": user.is_board, "admin": user.is_admin,
        "active": user.active, "email": user.email or ""})
    form.unit.choices = _unit_choices(accounts.list_units(),
                                      keep=user.unit.code if user.unit else None)
    problems: list[str] = []
    status = 200
    if form.is_submitted():
        if not form.validate():
            status = 422
        else:
            try:
                accounts.update_user(
                    user.username, full_name=form.full_name.data, unit_code=form.unit.data or "",
                    role=form.role.data or "", board=form.board.data, admin=form.admin.data,
                    active=form.active.data, actor=current_user)
                from core.services import notifications

                notifications.set_email(user, form.email.data, actor=current_user)
            except DomainError as exc:
                status = exc.status
                problems = as_refusal(exc).place(form)
            else:
                flash(_("Đã lưu tài khoản %(username)s.", username=user.username), "success")
                return redirect(url_for("people.users"), 303)
    return render_template("people/user_form.html", form=form, user=user,
                           problems=problems), status


@bp.route("/users/<username>/password", methods=["GET", "POST"])
def user_password(username: str):
    user = accounts.get_user(username)
    form = PasswordResetPageForm()
    status = 200
    if form.is_submitted():
        if not form.validate():
            status = 422
        else:
            accounts.reset_password(user.username, form.password.data, actor=current_user)
            if user.id == current_user.id:  # one's own: this browser stays signed in
                renew_session(user)
            flash(_("Đã đặt mật khẩu mới cho %(username)s. Hãy báo mật khẩu cho người dùng qua "
                    "kênh an toàn; các phiên đăng nhập và mã truy cập API cũ của người này đã bị "
                    "thu hồi.",
                    username=user.username), "success")
            return redirect(url_for("people.users"), 303)
    from core.services import sign_in_throttle

    return render_template("people/password.html", form=form, user=user,
                           sign_in=sign_in_throttle.status(user), action_form=ActionForm()), status


@bp.post("/users/<username>/sign-in-unlock")
def user_sign_in_unlock(username: str):
    form = ActionForm()
    if not form.validate():
        abort(400)
    user = accounts.get_user(username)
    accounts.unlock_sign_in(user.username, actor=current_user)
    flash(_("Đã xóa bộ đếm đăng nhập sai của %(username)s: tài khoản đăng nhập lại được ngay.",
            username=user.username), "success")
    return redirect(url_for("people.user_password", username=user.username), 303)


def _set_user_active(username: str, active: bool):
    form = ActionForm()
    if not form.validate():
        abort(400)
    try:
        user = accounts.update_user(username, active=active, actor=current_user)
    except DomainError as exc:
        refused = as_refusal(exc)
        return users(problem=refused.message, status=refused.status)
    flash(_("Đã khóa tài khoản %(username)s.", username=user.username) if not active
          else _("Đã mở khóa tài khoản %(username)s.", username=user.username), "success")
    return redirect(url_for("people.users"), 303)


@bp.post("/users/<username>/deactivate")
def user_deactivate(username: str):
    return _set_user_active(username, False)


@bp.post("/users/<username>/activate")
def user_activate(username: str):
    return _set_user_active(username, True)


# -- import ----------------------------------------------------------------------------------

def _staging_dir() -> Path:
    return Path(current_app.config["THIDUA_ATTACHMENTS_DIR"]) / STAGING


def _sweep(folder: Path) -> None:
    cutoff = time.time() - STAGING_MAX_AGE
    for path in folder.glob("*"):
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:  # pragma: no cover - another process removed it first
            pass


def _stage(data: bytes, filename: str, kind: str | None) -> str:
    """Keep the previewed file until it is applied; return its token."""
    folder = _staging_dir()
    folder.mkdir(parents=True, exist_ok=True)
    _sweep(folder)
    previous = session.get("import")
    if isinstance(previous, dict):
        _discard(previous.get("token"))
    token = secrets.token_urlsafe(32)
    tmp = folder / f"{token}.tmp"
    tmp.write_bytes(data)
    tmp.replace(folder / token)
    session["import"] = {"token": token, "name": filename, "kind": kind,
                         "sha256": hashlib.sha256(data).hexdigest()}
    return token


def _staged(token: str | None) -> tuple[bytes, str, str | None] | None:
    """The file previewed in this session under ``token``, or None (expired, applied, or
    not this session's)."""
    saved = session.get("import")
    if not isinstance(saved, dict) or not token or not TOKEN_RE.fullmatch(token) or \
            not secrets.compare_digest(str(saved.get("token", "")), token):
        return None
    path = _staging_dir() / token
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if hashlib.sha256(data).hexdigest() != saved.get("sha256"):
        return None
    return data, str(saved.get("name") or ""), saved.get("kind") or None


def _discard(token: str | None) -> None:
    if token and TOKEN_RE.fullmatch(token):
        (_staging_dir() / token).unlink(missing_ok=True)


def _import_page(form: ImportForm, *, report: Any = None, token: str | None = None,
                 filename: str = "", problems: list[str] | None = None, status: int = 200):
    return render_template("people/import.html", form=form, report=report, token=token,
                           apply_form=ApplyImportForm(token=token), filename=filename,
                           problems=problems or [], sheets=SHEETS,
                           max_rows=imports.MAX_ROWS), status


@bp.route("/import", methods=["GET", "POST"])
def import_page():
    """Step 1: upload a file; the dry run shows every row's problems; nothing is written."""
    form = ImportForm()
    if not form.is_submitted():
        return _import_page(form)
    if not form.validate():
        return _import_page(form, status=422)
    upload = form.file.data
    data, filename = upload.read(), (upload.filename or "")[-200:]  # the end keeps the type
    kind = form.kind.data or None
    try:
        report = imports.check(data, filename, kind=kind, actor=current_user)
    except DomainError as exc:
        problems = as_refusal(exc).place(form)
        return _import_page(form, problems=problems, status=exc.status)
    token = _stage(data, filename, kind) if report.ok else None
    return _import_page(form, report=report, token=token, filename=filename,
                        status=200 if report.ok else 422)


@bp.post("/import/apply")
def import_apply():
    """Step 2: write every row of the previewed file in one transaction, or nothing."""
    apply_form = ApplyImportForm()
    if not apply_form.validate():
        abort(400)
    staged = _staged(apply_form.token.data)
    if staged is None:
        return _import_page(ImportForm(formdata=None), problems=[_(
            "Không tìm thấy tệp đã xem trước (tệp đã được nhập, đã quá hạn hoặc thuộc phiên "
            "làm việc khác). Vui lòng tải tệp lên lại.")], status=409)
    data, filename, kind = staged
    from core.services import jobs

    if jobs.redis_connection() is not None:
        # A queue and its worker: the import runs in the background with a progress bar.
        job = jobs.submit("import_people", {"filename": filename, "kind": kind},
                          actor=current_user, data=data)
        _discard(apply_form.token.data)
        session.pop("import", None)
        return redirect(url_for("jobs.page", job_id=job.id), 303)
    try:
        report = imports.apply(data, filename, kind=kind, actor=current_user)
    except DomainError as exc:
        refused = as_refusal(exc)
        # Something changed since the preview (e.g. a unit was added meanwhile): show why.
        report = imports.check(data, filename, kind=kind, actor=current_user)
        return _import_page(ImportForm(formdata=None), report=report, filename=filename,
                            problems=[refused.message], status=refused.status)
    _discard(apply_form.token.data)
    session.pop("import", None)
    response = Response(render_template("people/import_done.html", report=report,
                                        filename=filename))
    # The generated passwords are shown once: never from a cache.
    response.headers["Cache-Control"] = "no-store"
    return response


EXAMPLE_UNITS = [
    ("Mã đơn vị", "Tên đơn vị", "Tên viết tắt"),
    ("so-xd", "Sở Xây dựng", "Sở XD"),
    ("so-gtvt", "Sở Giao thông vận tải", "Sở GTVT"),
]
EXAMPLE_USERS = [
    ("Tên đăng nhập", "Họ và tên", "Mã đơn vị", "Vai trò", "Ban TĐKT", "Quản trị", "Mật khẩu"),
    ("xd.canbo", "Nguyễn Thị Hoa", "so-xd", "cán bộ", "", "", ""),
    ("xd.thutruong", "Trần Văn Bình", "so-xd", "thủ trưởng", "", "", ""),
    ("gtvt.canbo", "Lê Quốc Cường", "so-gtvt", "cán bộ", "", "", ""),
    ("btdkt.chuyenvien", "Phạm Thị Lan", "", "", "x", "", ""),
]


@bp.get("/import/example.xlsx")
def import_example():
    """A workbook to fill in: the two sheets the import reads, with example rows, and a
    sheet of instructions (ignored by the import)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheets = [(book.active, "Đơn vị", EXAMPLE_UNITS, (16, 40, 18)),
              (book.create_sheet(), "Người dùng", EXAMPLE_USERS, (20, 28, 14, 14, 10, 10, 16))]
    for sheet, title, rows, widths in sheets:
        sheet.title = title
        for row in rows:
            sheet.append(list(row))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for index, width in enumerate(widths):
            sheet.column_dimensions[chr(ord("A") + index)].width = width
    guide = book.create_sheet("Hướng dẫn")
    guide.column_dimensions["A"].width = 110
    for line in (
        "Thay các dòng ví dụ bằng dữ liệu thật; giữ nguyên dòng tiêu đề và tên hai trang "
        "“Đơn vị”, “Người dùng”. Trang này không được nhập.",
        "Đơn vị: Mã đơn vị (chữ thường không dấu, số, dấu gạch ngang), Tên đơn vị, Tên viết tắt.",
        "Người dùng: Tên đăng nhập (chữ thường không dấu, số, '.', '_' hoặc '-'), Họ và tên, "
        "Mã đơn vị (để trống với cán bộ Ban TĐKT), Vai trò (cán bộ / thủ trưởng; bắt buộc khi có "
        "đơn vị), Ban TĐKT và Quản trị (ghi x nếu có), Mật khẩu (để trống: hệ thống tạo và chỉ "
        "hiện một lần sau khi nhập).",
        "Chỉ nhập giá trị, không dùng công thức. Nếu một dòng có lỗi, không dòng nào được nhập.",
    ):
        guide.append([line])
    from core.services.exports import workbook_bytes

    return Response(workbook_bytes(book), mimetype="application/vnd.openxmlformats-officedocument."
                    "spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="mau-nhap-du-lieu.xlsx"'})

