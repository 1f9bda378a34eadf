"""Input rules shared by the services, the pages' forms and the JSON API (one place for each
rule). Plain functions that return the problem in Vietnamese, or None: no WTForms here, so the
services use them directly; ``core.forms`` wraps them as WTForms validators."""

from __future__ import annotations

import re
import unicodedata

CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,59}$")

REQUIRED_MESSAGE = "Vui lòng nhập trường này."
SLUG_MESSAGE = "Mã chỉ gồm chữ thường không dấu, số và dấu gạch ngang (ví dụ: so-tttt)."
USERNAME_MESSAGE = "Tên đăng nhập gồm 2–60 ký tự: chữ thường không dấu, số, '.', '_' hoặc '-'."


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


def slug_problem(value: str | None) -> str | None:
    """Lower-case codes such as ``so-tttt`` or ``khoi-8`` (empty is not this rule's concern)."""
    if value and not SLUG_RE.match(value):
        return SLUG_MESSAGE
    return None


def username_problem(value: str | None) -> str | None:
    if value and not USERNAME_RE.match(value):
        return USERNAME_MESSAGE
    return None


def password_problem(value: str | None) -> str | None:
    """At least 10 characters, not all of one class."""
    value = value or ""
    if len(value) < 10:
        return "Mật khẩu phải có ít nhất 10 ký tự."
    if value.isdigit() or value.isalpha():
        return "Mật khẩu phải có cả chữ và số hoặc ký tự khác."
    return None


def text_problem(value: str | None, *, required: bool, max_length: int) -> str | None:
    """The first problem of a text field, in the order the forms check: present, not too
    long, clean."""
    if not value:
        return REQUIRED_MESSAGE if required else None
    if len(value) > max_length:
        return f"Tối đa {max_length} ký tự."
    return clean_text_problem(value)
