"""WTForms forms shared by the pages and the JSON API (faces only: services never import
this module; they check the same rules with ``core.validators``).

The API feeds a JSON object to the same form through :func:`validate_json`, so a rule is
written once and holds for both faces.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    DecimalField,
    FloatField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.fields.core import UnboundField
from wtforms.validators import AnyOf, DataRequired, EqualTo, Length, Optional, ValidationError

from core.errors import ValidationFailed
from core.services import office
from core.validators import (
    clean_text_problem,
    normalise,
    password_problem,
    slug_problem,
    username_problem,
)

REQUIRED = _l("Vui lòng nhập trường này.")


class CleanText:
    """Rejects text that was not valid UTF-8 or that holds control characters."""

    def __call__(self, form: Any, field: Any) -> None:
        problem = clean_text_problem(field.data if isinstance(field.data, str) else None)
        if problem:
            raise ValidationError(problem)


class Slug:
    """Lower-case codes such as ``so-tttt`` or ``khoi-8``."""

    def __call__(self, form: Any, field: Any) -> None:
        problem = slug_problem(field.data)
        if problem:
            raise ValidationError(problem)


class Username:
    def __call__(self, form: Any, field: Any) -> None:
        problem = username_problem(field.data)
        if problem:
            raise ValidationError(problem)


class StrongPassword:
    """core.validators.password_problem, with the form's user name (or the signed-in
    user's, or the account being reset) as context."""

    def __call__(self, form: Any, field: Any) -> None:
        problem = password_problem(field.data, context=_password_context(form))
        if problem:
            raise ValidationError(problem)


def _password_context(form: Any) -> tuple[str, ...]:
    words: list[str] = []
    for name in ("username", "full_name"):
        value = getattr(getattr(form, name, None), "data", None)
        if isinstance(value, str):
            words.append(value)
    words += list(getattr(form, "password_context", ()) or ())
    if not words:
        from flask_login import current_user

        if getattr(current_user, "is_authenticated", False):
            words += [current_user.username, current_user.full_name]
    return tuple(words)


def MaxLength(limit: int) -> Length:  # noqa: N802 - reads like the validator it builds
    return Length(max=limit, message=_l("Tối đa %(max)d ký tự.", max=limit))


def _strip(value: Any) -> Any:
    return normalise(value) if isinstance(value, str) else value


class LoginForm(FlaskForm):
    username = StringField(_l("Tên đăng nhập"), filters=[_strip],
                           validators=[DataRequired(REQUIRED), MaxLength(60), CleanText()])
    password = PasswordField(_l("Mật khẩu"), validators=[DataRequired(REQUIRED), MaxLength(200),
                                                     CleanText()])
    remember = BooleanField(_l("Ghi nhớ đăng nhập"))


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Mật khẩu hiện tại"),
                            validators=[DataRequired(REQUIRED), MaxLength(200), CleanText()])
    new = PasswordField(_l("Mật khẩu mới"), validators=[DataRequired(REQUIRED), MaxLength(200),
                                                    CleanText(), StrongPassword()])
    confirm = PasswordField(_l("Nhập lại mật khẩu mới"), validators=[
        DataRequired(REQUIRED), EqualTo("new", _l("Hai mật khẩu mới không khớp."))])


class UserEditForm(FlaskForm):
    full_name = StringField(_l("Họ và tên"), filters=[_strip],
                            validators=[DataRequired(REQUIRED), MaxLength(200), CleanText()])


class UnitEditForm(FlaskForm):
    name = StringField(_l("Tên đơn vị"), filters=[_strip],
                       validators=[Optional(), MaxLength(200), CleanText()])
    short_name = StringField(_l("Tên viết tắt"), filters=[_strip],
                             validators=[Optional(), MaxLength(80), CleanText()])


class PasswordResetForm(FlaskForm):
    password = PasswordField(_l("Mật khẩu mới"), validators=[
        DataRequired(REQUIRED), MaxLength(200), CleanText(), StrongPassword()])


class UnitForm(FlaskForm):
    code = StringField(_l("Mã đơn vị"), filters=[_strip],
                       validators=[DataRequired(REQUIRED), MaxLength(40), CleanText(), Slug()])
    name = StringField(_l("Tên đơn vị"), filters=[_strip],
                       validators=[DataRequired(REQUIRED), MaxLength(200), CleanText()])
    short_name = StringField(_l("Tên viết tắt"), filters=[_strip],
                             validators=[DataRequired(REQUIRED), MaxLength(80), CleanText()])


class UserForm(FlaskForm):
    username = StringField(_l("Tên đăng nhập"), filters=[_strip, lambda v: v.lower() if v else v],
                           validators=[DataRequired(REQUIRED), MaxLength(60), CleanText(),
                                       Username()])
    full_name = StringField(_l("Họ và tên"), filters=[_strip],
                            validators=[DataRequired(REQUIRED), MaxLength(200), CleanText()])
    password = PasswordField(_l("Mật khẩu"), validators=[DataRequired(REQUIRED), MaxLength(200),
                                                     CleanText(), StrongPassword()])
    unit = StringField(_l("Đơn vị (mã)"), filters=[_strip],
                       validators=[Optional(), MaxLength(40), CleanText(), Slug()])
    role = SelectField(_l("Vai trò trong đơn vị"),
                       choices=[("", "—"), ("officer", _l("Cán bộ phụ trách thi đua")),
                                ("head", _l("Thủ trưởng đơn vị"))],
                       # WTForms has no Vietnamese catalog: check the choice ourselves.
                       validate_choice=False,
                       validators=[Optional(), AnyOf(("officer", "head"), message=_l(
                           "Chọn cán bộ phụ trách hoặc thủ trưởng."))])
    board = BooleanField(_l("Thuộc %(office)s", office=LazyString(office.office)))
    admin = BooleanField(_l("Quản trị hệ thống"))


def _json_type_ok(field_class: type, value: Any) -> bool:
    """JSON types a field accepts: booleans for check boxes, numbers (or text) for number
    fields, text for everything else — so ``{"code": true}`` is not read as the text "y"."""
    if issubclass(field_class, BooleanField):
        return isinstance(value, bool)
    if issubclass(field_class, IntegerField | DecimalField | FloatField):
        return isinstance(value, int | float | str) and not isinstance(value, bool)
    return isinstance(value, str)


def form_errors(form_class: type[FlaskForm], payload: dict[str, Any]) -> tuple[FlaskForm,
                                                                                 dict[str, Any]]:
    """Validate a mapping with a page's form; return the form and its errors (empty when valid)."""
    data = MultiDict()
    for key, value in payload.items():
        if isinstance(value, bool):
            if value:
                data.add(key, "y")
        elif isinstance(value, str | int | float):
            data.add(key, str(value))
    form = form_class(formdata=data, meta={"csrf": False})
    form.validate()
    return form, dict(form.errors)


def validate_json(form_class: type[FlaskForm], payload: Any) -> FlaskForm:
    """Validate a JSON object with a page's form; raise ValidationFailed (422) with per-field
    Vietnamese messages. Only fields the form declares are read; a value of the wrong JSON
    type is refused ("Sai kiểu dữ liệu.")."""
    if not isinstance(payload, dict):
        raise ValidationFailed(_l("Nội dung yêu cầu phải là một đối tượng JSON."),
                               code="malformed",
                               fields={"body": [_l("Nội dung yêu cầu phải là một đối tượng JSON.")]})
    data = MultiDict()
    wrong_type: dict[str, list] = {}
    for key, value in payload.items():
        declared = getattr(form_class, key, None)
        if value is None or not isinstance(declared, UnboundField):
            continue
        if not _json_type_ok(declared.field_class, value):
            wrong_type[key] = [_l("Sai kiểu dữ liệu.")]
        elif isinstance(value, bool):
            if value:
                data.add(key, "y")
        else:
            data.add(key, str(value))
    if wrong_type:
        raise ValidationFailed(_l("Dữ liệu không hợp lệ."), fields=wrong_type)
    form = form_class(formdata=data, meta={"csrf": False})
    if not form.validate():
        raise ValidationFailed(_l("Dữ liệu không hợp lệ."), fields=dict(form.errors))
    return form
