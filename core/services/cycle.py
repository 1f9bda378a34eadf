"""Helpers shared by the services of the yearly cycle: resolving a member unit, the campaign's
criteria rows, input text rules, and stale-form detection."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from core.errors import Conflict, NotFound, ValidationFailed
from core.extensions import db
from core.models import Campaign, CriterionRow, Membership, Unit
from core.validators import clean_text_problem, normalise

MAX_TEXT = 5000


def member_unit(campaign: Campaign, unit_code: str) -> Unit:
    """The unit with this code, if it is a member of the campaign (404 otherwise)."""
    unit = db.session.scalar(
        select(Unit).join(Membership, Membership.unit_id == Unit.id)
        .where(Membership.campaign_id == campaign.id, Unit.code == unit_code))
    if unit is None:
        raise NotFound(f"Đơn vị '{unit_code}' không thuộc năm thi đua này.",
                       code="unit_not_member")
    return unit


def criteria_rows(campaign: Campaign) -> list[CriterionRow]:
    """All rows of the campaign's table, in table order (one query)."""
    return list(db.session.scalars(
        select(CriterionRow).where(CriterionRow.campaign_id == campaign.id)
        .order_by(CriterionRow.position)))


def leaves(campaign: Campaign) -> dict[str, CriterionRow]:
    return {r.code: r for r in criteria_rows(campaign) if not r.is_group}


def text_field(value: Any, field: str, errors: dict[str, list[str]], *,
               max_length: int = MAX_TEXT) -> str:
    """A user's text: must be a string, valid UTF-8, no control characters, not too long."""
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.setdefault(field, []).append("Phải là chuỗi ký tự.")
        return ""
    problem = clean_text_problem(value)
    if problem:
        errors.setdefault(field, []).append(problem)
        return ""
    value = normalise(value)
    if len(value) > max_length:
        errors.setdefault(field, []).append(f"Tối đa {max_length} ký tự.")
        return ""
    return value


def number_field(value: Any, field: str, errors: dict[str, list[str]]) -> Decimal | None:
    """A score: a number (int, float or numeric string with '.' or ','), two decimals at most."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        errors.setdefault(field, []).append("Điểm phải là số.")
        return None
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        errors.setdefault(field, []).append("Điểm phải là số.")
        return None
    if not number.is_finite() or number != number.quantize(Decimal("0.01")):
        errors.setdefault(field, []).append("Điểm phải là số, tối đa hai chữ số thập phân.")
        return None
    return number


def check_version(current: int, expected: Any) -> None:
    """409 when the form was loaded before someone else saved (``expected`` is optional)."""
    if expected is None or expected == "":
        return
    try:
        expected_int = int(expected)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed("Phiên bản biểu mẫu không hợp lệ.",
                               fields={"version": ["Phải là số nguyên."]}) from exc
    if expected_int != current:
        raise Conflict("Dữ liệu đã được người khác cập nhật sau khi bạn mở biểu mẫu. "
                       "Vui lòng tải lại trang để xem bản mới nhất rồi nhập lại.",
                       code="stale_form")


def raise_if(errors: dict[str, list[str]], message: str = "Dữ liệu không hợp lệ.") -> None:
    if errors:
        raise ValidationFailed(message, fields=errors)
