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


# Words of this field an attacker tries first (besides the person's own names).
PASSWORD_CONTEXT_WORDS = ("thidua", "thi dua", "thi đua", "khenthuong", "khen thuong",
                          "khen thưởng", "khoi", "khối", "matkhau", "mat khau", "mật khẩu")
PASSWORD_MIN, PASSWORD_MAX = 10, 128


def password_problem(value: str | None, *, context: tuple[str, ...] | list[str] = ()) -> str | None:
    """NIST SP 800-63B: long enough (10–128), not a common or easily guessed password, not
    built from the user's own name; no composition rules. The guessability check is zxcvbn
    (its lists of common passwords, names, words, dates, keyboard patterns), with the user's
    name and the field's words added: a password must score at least 3 ("safely
    unguessable", about 10^8 guesses)."""
    value = value or ""
    if len(value) < PASSWORD_MIN:
        return f"Mật khẩu phải có ít nhất {PASSWORD_MIN} ký tự."
    if len(value) > PASSWORD_MAX:
        return f"Mật khẩu dài tối đa {PASSWORD_MAX} ký tự."
    lowered = value.casefold()
    for word in context:
        word = (word or "").casefold().strip()
        if len(word) >= 3 and word in lowered:
            return "Mật khẩu không được chứa tên đăng nhập hoặc tên của bạn."
    from zxcvbn import zxcvbn

    inputs = [w for w in (*context, *PASSWORD_CONTEXT_WORDS) if w]
    if zxcvbn(value[:100], user_inputs=inputs)["score"] < 3:
        return ("Mật khẩu quá dễ đoán (mật khẩu phổ biến, tên, năm, chuỗi bàn phím…). Hãy dùng "
                "một cụm vài từ dễ nhớ với bạn, ví dụ: \"Mua-xuan tren Song Hau 7\".")
    return None


def text_problem(value: str | None, *, required: bool, max_length: int) -> str | None:
    """The first problem of a text field, in the order the forms check: present, not too
    long, clean."""
    if not value:
        return REQUIRED_MESSAGE if required else None
    if len(value) > max_length:
        return f"Tối đa {max_length} ký tự."
    return clean_text_problem(value)
