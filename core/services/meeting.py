"""The council meeting as it runs (issue 10, part 4): the meeting's record (time, place, chair,
secretary, counting committee), and which member units are present and who stands for each.
The paper ballots kept as a fallback are in ``core.services.paper_ballots`` (this module is
below ``voting``, which asks it for ``present_units``: it must not import ``voting``).

Rules:

* Only the vote's host records the meeting and the attendance (``Action.RECORD_MEETING``).
* The attendance can be changed until the first poll of the campaign is opened; after that it
  is frozen (409 ``attendance_frozen``): the quorum of units present (``present_units``) must
  not move under a running vote.

Services never commit: the caller's unit of work does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from core.domain import Action
from core.errors import Conflict, ValidationFailed
from core.extensions import db
from core.models import (
    Campaign,
    MeetingAttendance,
    Membership,
    PhaseRecord,
    Poll,
    Unit,
    User,
)
from core.services import audit, campaign_state, clock
from core.services.cycle import raise_if, text_field

COUNCIL_MEETING = "council_meeting"
#: The title written for a representative who is not the unit's head.
PROXY_TITLE = "Người được ủy quyền"
DATETIME_FORMATS = ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S")


def _object_id(campaign: Campaign) -> str:
    return f"{campaign.bloc.code}/{campaign.year}"


# -- the meeting's record ----------------------------------------------------------------------

def parse_held_at(value: Any) -> datetime | None:
    """The meeting's time: ISO 8601 (``2022-02-25T08:00``, the API) or as typed on the page
    (``25/02/2022 08:00``). None when it is neither."""
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    for pattern in DATETIME_FORMATS:
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    return None


def record_meeting(campaign: Campaign, details: Any, *, actor: User) -> dict[str, Any]:
    """The host records the council meeting for the minutes: when, where, chair, secretary,
    counting committee. Recorded again, it replaces the earlier record (kept in the audit)."""
    campaign_state.require(Action.RECORD_MEETING, actor, campaign)
    if not isinstance(details, dict):
        raise ValidationFailed("Dữ liệu không hợp lệ.", fields={"meeting": ["Đối tượng JSON."]})
    errors: dict[str, list[str]] = {}
    held_at = parse_held_at(details.get("held_at"))
    if held_at is None:
        errors["held_at"] = ["Thời gian họp dạng YYYY-MM-DDTHH:MM (trên trang: dd/mm/yyyy hh:mm)."]
    record: dict[str, Any] = {"held_at": held_at.isoformat() if held_at else None}
    for key in ("place", "chair", "secretary"):
        record[key] = text_field(details.get(key), key, errors, max_length=300)
        if not record[key] and key not in errors:
            errors[key] = ["Bắt buộc."]
    committee = details.get("committee")
    if not isinstance(committee, list) or not committee or \
            not all(isinstance(m, str) and m.strip() for m in committee):
        errors["committee"] = ["Danh sách tên thành viên Ban kiểm phiếu."]
    else:
        record["committee"] = [text_field(m, "committee", errors, max_length=200)
                               for m in committee[:15]]
    raise_if(errors)
    existing = _meeting_row(campaign)
    if existing is None:
        db.session.add(PhaseRecord(campaign_id=campaign.id, step=COUNCIL_MEETING,
                                   closed_at=clock.now(), closed_by=actor.id, details=record))
    else:
        existing.details, existing.closed_at, existing.closed_by = record, clock.now(), actor.id
    audit.record("council.meeting", "campaign", _object_id(campaign), actor=actor,
                 details=record)
    return record


def _meeting_row(campaign: Campaign) -> PhaseRecord | None:
    return db.session.scalar(select(PhaseRecord).where(
        PhaseRecord.campaign_id == campaign.id, PhaseRecord.step == COUNCIL_MEETING))


def meeting(campaign: Campaign) -> dict[str, Any] | None:
    """The recorded meeting (``held_at`` ISO, place, chair, secretary, committee), or None."""
    found = _meeting_row(campaign)
    return dict(found.details) if found else None


# -- attendance --------------------------------------------------------------------------------

def _members(campaign: Campaign) -> list[Unit]:
    return list(db.session.scalars(
        select(Unit).join(Membership, Membership.unit_id == Unit.id)
        .where(Membership.campaign_id == campaign.id).order_by(Unit.name)))


def _head_name(unit: Unit) -> str:
    return db.session.scalar(select(User.full_name).where(
        User.unit_id == unit.id, User.role == "head", User.active.is_(True))) or ""


def polls_started(campaign: Campaign) -> bool:
    """Whether a poll of the campaign has been opened (the attendance is then frozen)."""
    return bool(db.session.scalar(select(func.count()).select_from(Poll).where(
        Poll.campaign_id == campaign.id, Poll.opened_at.is_not(None))))


def attendance(campaign: Campaign) -> dict[str, Any]:
    """Every member unit (by name) with its attendance row: ``recorded`` is False until the
    host records it; ``frozen`` once a poll is opened. An unrecorded unit shows its head as
    the default representative."""
    rows = {a.unit_id: a for a in db.session.scalars(
        select(MeetingAttendance).where(MeetingAttendance.campaign_id == campaign.id))}
    units = []
    for unit in _members(campaign):
        row = rows.get(unit.id)
        head = _head_name(unit)
        units.append({
            "unit": unit.code, "name": unit.name, "head": head,
            "present": row.present if row else False,
            "representative": row.representative if row else "",
            "title": row.title if row else "",
        })
    present = [u["unit"] for u in units if u["present"]]
    return {"recorded": bool(rows), "frozen": polls_started(campaign),
            "present": len(present) if rows else None, "members": len(units), "units": units}


def present_units(campaign: Campaign) -> list[str] | None:
    """The codes of the member units present at the meeting, sorted; None when the host has
    not recorded the attendance (the vote then has no quorum of units present)."""
    rows = db.session.execute(
        select(Unit.code, MeetingAttendance.present)
        .join(MeetingAttendance, MeetingAttendance.unit_id == Unit.id)
        .where(MeetingAttendance.campaign_id == campaign.id)).all()
    if not rows:
        return None
    return sorted(code for code, present in rows if present)


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if value in (0, 1) and not isinstance(value, float):
        return bool(value)
    return None


def record_attendance(campaign: Campaign, rows: Any, *, actor: User) -> dict[str, Any]:
    """Record which member units are present and who stands for each: ``rows`` is a list of
    ``{"unit", "present", "representative", "title"}``. A member unit not listed is recorded
    absent. A present unit needs a representative and a title (``"Người được ủy quyền"``
    when it is not the head). Frozen (409) once a poll is opened."""
    campaign_state.require(Action.RECORD_MEETING, actor, campaign)
    if polls_started(campaign):
        raise Conflict("Đã mở bỏ phiếu: danh sách đơn vị có mặt đã được chốt, không sửa được "
                       "nữa.", code="attendance_frozen")
    if isinstance(rows, dict) and "units" in rows:
        rows = rows["units"]
    if not isinstance(rows, list):
        raise ValidationFailed("Dữ liệu không hợp lệ.", fields={
            "units": ["Danh sách các đơn vị: {unit, present, representative, title}."]})
    members = {u.code: u for u in _members(campaign)}
    errors: dict[str, list[str]] = {}
    chosen: dict[str, dict[str, Any]] = {}
    for index, row in enumerate(rows):
        key = f"units[{index}]"
        if not isinstance(row, dict):
            errors[key] = ["Đối tượng JSON {unit, present, representative, title}."]
            continue
        code = row.get("unit")
        if not isinstance(code, str) or code not in members:
            errors[f"{key}.unit"] = ["Không phải đơn vị thành viên của năm thi đua này."]
            continue
        if code in chosen:
            errors[f"{key}.unit"] = ["Đơn vị được ghi hai lần."]
            continue
        present = _flag(row.get("present", False))
        if present is None:
            errors[f"{key}.present"] = ["Có mặt: true hoặc false."]
            continue
        representative = text_field(row.get("representative"), f"{key}.representative", errors,
                                    max_length=200)
        title = text_field(row.get("title"), f"{key}.title", errors, max_length=200)
        if present and not representative and f"{key}.representative" not in errors:
            errors[f"{key}.representative"] = ["Ghi họ tên người dự họp của đơn vị có mặt."]
        if present and not title and f"{key}.title" not in errors:
            errors[f"{key}.title"] = [f"Ghi chức vụ (hoặc “{PROXY_TITLE}”)."]
        chosen[code] = {"present": present, "representative": representative if present else "",
                        "title": title if present else ""}
    raise_if(errors, "Danh sách đơn vị có mặt chưa hợp lệ.")
    existing = {a.unit_id: a for a in db.session.scalars(
        select(MeetingAttendance).where(MeetingAttendance.campaign_id == campaign.id))}
    now = clock.now()
    for code, unit in members.items():
        values = chosen.get(code, {"present": False, "representative": "", "title": ""})
        row = existing.get(unit.id)
        if row is None:
            row = MeetingAttendance(campaign_id=campaign.id, unit_id=unit.id)
            db.session.add(row)
        row.present, row.representative, row.title = (values["present"],
                                                      values["representative"], values["title"])
        row.recorded_at, row.recorded_by = now, actor.id
    db.session.flush()
    present = sorted(c for c, v in chosen.items() if v["present"])
    audit.record("council.attendance", "campaign", _object_id(campaign), actor=actor,
                 details={"present": present, "members": len(members)})
    return attendance(campaign)
