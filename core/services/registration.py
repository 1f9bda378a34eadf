"""Registration (đăng ký thi đua): each unit's targets against the campaign's criteria.

A unit's staff saves drafts and submits within the registration phase; submitted is
read-only until the leader returns it for correction with a reason."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.domain import Action
from core.errors import Conflict, ValidationFailed
from core.extensions import db
from core.models import Campaign, Registration, RegistrationItem, Unit, User
from core.services import audit, campaign_state, clock, deadlines, permissions
from core.services.cycle import check_version, leaves, member_unit, raise_if, text_field


def get(campaign: Campaign, unit: Unit) -> Registration | None:
    return db.session.scalar(
        select(Registration).where(Registration.campaign_id == campaign.id,
                                   Registration.unit_id == unit.id)
        .options(selectinload(Registration.items).selectinload(RegistrationItem.criterion)))


def read(campaign: Campaign, unit_code: str, *, actor: User) -> tuple[Unit, Registration | None]:
    permissions.require(permissions.can_read_work(actor, campaign))
    unit = member_unit(campaign, unit_code)
    return unit, get(campaign, unit)


def save(campaign: Campaign, unit_code: str, items: Any, *, submit: bool, actor: User,
         version: Any = None) -> Registration:
    """Save the unit's targets (a draft), and submit them when ``submit``."""
    unit = member_unit(campaign, unit_code)
    permissions.require(permissions.can_write_for_unit(actor, campaign, unit.id),
                        _l("Chỉ cán bộ của đơn vị được đăng ký thi đua cho đơn vị mình."))
    registration = get(campaign, unit)
    if registration is not None and registration.status == "submitted":
        raise Conflict(_l("Bản đăng ký đã gửi; không sửa được. Khối trưởng có thể trả lại để "
                          "chỉnh sửa."), code="already_submitted")
    if registration is not None:
        check_version(registration.version, version)
    timing = deadlines.check_window(campaign, "registration", unit.id)

    criteria = {code: row for code, row in leaves(campaign).items() if row.kind == "item"}
    errors: dict[str, list[str]] = {}
    if not isinstance(items, list):
        raise ValidationFailed(_l("Danh sách chỉ tiêu không hợp lệ."),
                               fields={"items": [_l("Phải là một danh sách.")]})
    parsed: dict[str, tuple[str, bool, str]] = {}
    for index, item in enumerate(items):
        key = f"items[{index}]"
        if not isinstance(item, dict):
            errors.setdefault(key, []).append(_l("Mỗi chỉ tiêu là một đối tượng."))
            continue
        code = item.get("criterion")
        if not isinstance(code, str) or code not in criteria:
            errors.setdefault(key, []).append(
                _l("Không có tiêu chí mã '%(code)s'.", code=str(code)[:40]))
            continue
        if code in parsed:
            errors.setdefault(key, []).append(_l("Tiêu chí %(code)s được nhập hai lần.", code=code))
            continue
        target = text_field(item.get("target"), f"{key}.target", errors,
                            label=_l("Tiêu chí %(code)s, chỉ tiêu", code=code))
        not_applicable = bool(item.get("not_applicable", False))
        reason = text_field(item.get("reason"), f"{key}.reason", errors,
                            label=_l("Tiêu chí %(code)s, lý do không áp dụng", code=code))
        if not_applicable and not reason:
            errors.setdefault(f"{key}.reason", []).append(
                _l("Tiêu chí %(code)s: cần nêu lý do “không áp dụng”.", code=code))
        parsed[code] = (target if not not_applicable else "", not_applicable, reason)
    raise_if(errors)
    if submit:
        missing = [code for code in criteria
                   if code not in parsed or not (parsed[code][0] or parsed[code][1])]
        if missing:
            raise ValidationFailed(
                _l("Chưa nhập chỉ tiêu cho mọi tiêu chí; mỗi tiêu chí cần chỉ tiêu hoặc "
                   "“không áp dụng” kèm lý do."), code="incomplete",
                fields={"items": [_l("Thiếu tiêu chí: %(codes)s.", codes=", ".join(missing))]})

    now = clock.now()
    if registration is None:
        registration = Registration(campaign_id=campaign.id, unit_id=unit.id, status="draft",
                                    version=1, updated_at=now)
        db.session.add(registration)
    else:
        registration.version += 1
        registration.updated_at = now
    existing = {item.criterion.code: item for item in registration.items}
    for code, (target, not_applicable, reason) in parsed.items():
        row = existing.get(code)
        if row is None:
            registration.items.append(RegistrationItem(
                criterion=criteria[code], target=target, not_applicable=not_applicable,
                na_reason=reason if not_applicable else ""))
        else:
            row.target, row.not_applicable = target, not_applicable
            row.na_reason = reason if not_applicable else ""
    if submit:
        registration.status = "submitted"
        registration.submitted_at = now
        registration.late = timing.late
    audit.record("registration.submit" if submit else "registration.save", "registration",
                 f"{campaign.bloc.code}/{campaign.year}/{unit.code}", actor=actor,
                 details={"items": len(parsed), "late": timing.late if submit else None})
    return registration


def return_for_correction(campaign: Campaign, unit_code: str, reason: Any, *,
                          actor: User) -> Registration:
    """The leader returns a submitted registration to its unit, with a reason."""
    campaign_state.require(Action.RETURN_REGISTRATION, actor, campaign)
    unit = member_unit(campaign, unit_code)
    errors: dict[str, list[str]] = {}
    text = text_field(reason, "reason", errors, max_length=2000, label=_l("Lý do trả lại"))
    if not text and "reason" not in errors:
        errors["reason"] = [_l("Cần nêu lý do trả lại.")]
    raise_if(errors)
    registration = get(campaign, unit)
    if registration is None or registration.status != "submitted":
        raise Conflict(_l("Chỉ trả lại được bản đăng ký đã gửi."), code="not_submitted")
    registration.status = "returned"
    registration.returned_reason = text
    registration.version += 1
    registration.updated_at = clock.now()
    audit.record("registration.return", "registration",
                 f"{campaign.bloc.code}/{campaign.year}/{unit.code}", actor=actor,
                 details={"reason": text})
    return registration


def describe(unit: Unit, registration: Registration | None) -> dict[str, Any]:
    if registration is None:
        return {"unit": unit.code, "status": "missing", "submitted_at": None, "late": False,
                "version": 0, "items": [], "returned_reason": ""}
    items = sorted(registration.items, key=lambda i: i.criterion.position)
    return {
        "unit": unit.code,
        "status": registration.status,
        "submitted_at": clock.local(registration.submitted_at).isoformat()
        if registration.submitted_at else None,
        "late": registration.late,
        "version": registration.version,
        "returned_reason": registration.returned_reason,
        "items": [{"criterion": i.criterion.code, "target": i.target,
                   "not_applicable": i.not_applicable, "reason": i.na_reason} for i in items],
    }
