"""Helpers shared by the services of the yearly cycle: resolving a member unit, the campaign's
criteria rows, input text rules, and stale-form detection."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
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
        raise NotFound(_l("Đơn vị '%(code)s' không thuộc năm thi đua này.", code=unit_code),
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
               max_length: int = MAX_TEXT, label: Any = None) -> str:
    """A user's text: must be a string, valid UTF-8, no control characters, not too long.
    ``label`` names the field in the message ("Tiêu chí 2.3, minh chứng: tối đa … ký tự.")."""
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.setdefault(field, []).append(
            _l("%(label)s: phải là chuỗi ký tự.", label=label) if label
            else _l("Phải là chuỗi ký tự."))
        return ""
    problem = clean_text_problem(value)
    if problem:
        errors.setdefault(field, []).append(
            _l("%(label)s: %(problem)s", label=label, problem=problem) if label else problem)
        return ""
    value = normalise(value)
    if len(value) > max_length:
        errors.setdefault(field, []).append(
            _l("%(label)s: tối đa %(num)d ký tự.", label=label, num=max_length) if label
            else _l("Tối đa %(num)d ký tự.", num=max_length))
        return ""
    return value


def number_field(value: Any, field: str, errors: dict[str, list[str]], *,
                 criterion: str | None = None) -> Decimal | None:
    """A score: a number (int, float or numeric string with '.' or ','), two decimals at most.
    ``criterion`` (its code) is named in the message: "Tiêu chí 2.3: điểm phải là số."."""
    if value is None or value == "":
        return None
    not_a_number = (_l("Tiêu chí %(code)s: điểm phải là số.", code=criterion) if criterion
                    else _l("Điểm phải là số."))
    if isinstance(value, bool):
        errors.setdefault(field, []).append(not_a_number)
        return None
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        errors.setdefault(field, []).append(not_a_number)
        return None
    if not number.is_finite() or number != number.quantize(Decimal("0.01")):
        errors.setdefault(field, []).append(
            _l("Tiêu chí %(code)s: điểm phải là số, tối đa hai chữ số thập phân.", code=criterion)
            if criterion else _l("Điểm phải là số, tối đa hai chữ số thập phân."))
        return None
    return number


def check_version(current: int, expected: Any) -> None:
    """409 when the form was loaded before someone else saved (``expected`` is optional)."""
    if expected is None or expected == "":
        return
    try:
        expected_int = int(expected)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(_l("Phiên bản biểu mẫu không hợp lệ."),
                               fields={"version": [_l("Phải là số nguyên.")]}) from exc
    if expected_int != current:
        raise Conflict(_l("Dữ liệu đã được người khác cập nhật sau khi bạn mở biểu mẫu. "
                          "Vui lòng tải lại trang để xem bản mới nhất rồi nhập lại."),
                       code="stale_form")


def raise_if(errors: dict[str, list[Any]], message: Any = None) -> None:
    """422 with the field errors, if any (``message``: the summary, by default "Dữ liệu không
    hợp lệ.")."""
    if message is None:
        message = _l("Dữ liệu không hợp lệ.")
    if errors:
        raise ValidationFailed(message, fields=errors)
