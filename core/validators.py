"""Validators shared by the pages' forms and the JSON API (one place for each input rule)."""

from __future__ import annotations

import re
import unicodedata

from wtforms.validators import ValidationError

CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,59}$")


def normalise(value: str | None) -> str:
    """NFC, stripped: Vietnamese typed on some keyboards arrives decomposed."""
    return unicodedata.normalize("NFC", value or "").strip()


def clean_text_problem(value: str | None) -> str | None:
    """Why a text value is unusable (bad encoding, control characters), or None."""
    if value is None:
        return None
    if "\ufffd" in value:
        return "Dữ liệu không phải UTF-8 hợp lệ."
    if CONTROL_RE.search(value):
        return "Dữ liệu chứa ký tự điều khiển không hợp lệ."
    return None


class CleanText:
    """Rejects text that was not valid UTF-8 or that holds control characters."""

    def __call__(self, form, field) -> None:
        problem = clean_text_problem(field.data if isinstance(field.data, str) else None)
        if problem:
            raise ValidationError(problem)


class Slug:
    """Lower-case codes such as ``so-tttt`` or ``khoi-8``."""

    def __call__(self, form, field) -> None:
        if field.data and not SLUG_RE.match(field.data):
            raise ValidationError(
                "Mã chỉ gồm chữ thường không dấu, số và dấu gạch ngang (ví dụ: so-tttt).")


class Username:
    def __call__(self, form, field) -> None:
        if field.data and not USERNAME_RE.match(field.data):
            raise ValidationError(
                "Tên đăng nhập gồm 2–60 ký tự: chữ thường không dấu, số, '.', '_' hoặc '-'.")


class StrongPassword:
    """At least 10 characters, not all of one class."""

    def __call__(self, form, field) -> None:
        value = field.data or ""
        if len(value) < 10:
            raise ValidationError("Mật khẩu phải có ít nhất 10 ký tự.")
        if value.isdigit() or value.isalpha():
            raise ValidationError("Mật khẩu phải có cả chữ và số hoặc ký tự khác.")
