"""Routes of the yearly cycle (API.md → The cycle): registrations, reports, attachments,
scores, verification, ranking, status, deadlines, the points table, the iCalendar feed."""

from __future__ import annotations

from datetime import date

from flask import Response, jsonify, request, send_file

from core.api import answers, api_bp, current_api_user, json_body, schemas, token_required
from core.api.schemas import body, query
from core.domain import Deliverable, FrozenPlan
from core.errors import NotFound, ValidationFailed
from core.services import (
    attachments,
    campaign_state,
    campaigns,
    clock,
    closing,
    covenant,
    deadlines,
    permissions,
    progress,
    registration,
    reports,
    scoring,
)
from core.services.accounts import get_unit
from core.services.cycle import member_unit

BASE = "/campaigns/<bloc>/<int:year>"
# Steps closed by the generic act (the others have acts of their own).
CLOSABLE = (Deliverable.REGISTRATION.value, Deliverable.YEAR_END_REPORT.value)


def _submit_flag(payload: dict) -> bool:
    submit = payload.get("submit", False)
    if not isinstance(submit, bool):
        raise ValidationFailed("Dữ liệu không hợp lệ.",
                               fields={"submit": ["Phải là true hoặc false."]})
    return submit


@api_bp.get(f"{BASE}/registrations/<unit>")
@token_required
def get_registration(bloc: str, year: int, unit: str):
    campaign = campaigns.get_campaign(bloc, year)
    found_unit, reg = registration.read(campaign, unit, actor=current_api_user())
    return jsonify(registration.describe(found_unit, reg))


@api_bp.put(f"{BASE}/registrations/<unit>")
@token_required
@body(schemas.REGISTRATION)
def put_registration(bloc: str, year: int, unit: str):
    campaign = campaigns.get_campaign(bloc, year)
    payload = json_body()
    reg = registration.save(campaign, unit, payload.get("items", []),
                            submit=_submit_flag(payload), actor=current_api_user(),
                            version=payload.get("version"))
    return jsonify(registration.describe(reg.unit if reg.unit else get_unit(unit), reg))


@api_bp.post(f"{BASE}/registrations/<unit>/return")
@token_required
@body(schemas.RETURN)
def return_registration(bloc: str, year: int, unit: str):
    campaign = campaigns.get_campaign(bloc, year)
    reg = registration.return_for_correction(campaign, unit, json_body().get("reason"),
                                             actor=current_api_user())
    return jsonify(registration.describe(get_unit(unit), reg))


@api_bp.get(f"{BASE}/reports/<unit>/<kind>")
@token_required
def get_report(bloc: str, year: int, unit: str, kind: str):
    campaign = campaigns.get_campaign(bloc, year)
    found_unit, report = reports.read(campaign, unit, kind, actor=current_api_user())
    return jsonify(reports.describe(found_unit, report, kind))


@api_bp.put(f"{BASE}/reports/<unit>/<kind>")
@token_required
@body(schemas.REPORT)
def put_report(bloc: str, year: int, unit: str, kind: str):
    campaign = campaigns.get_campaign(bloc, year)
    payload = json_body()
    report = reports.save(campaign, unit, kind, payload.get("body"), payload.get("progress"),
                          submit=_submit_flag(payload), actor=current_api_user(),
                          version=payload.get("version"))
    return jsonify(reports.describe(get_unit(unit), report, kind))


@api_bp.post(f"{BASE}/reports/<unit>/<kind>/attachments")
@token_required
def post_attachment(bloc: str, year: int, unit: str, kind: str):
    campaign = campaigns.get_campaign(bloc, year)
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed("Chưa chọn tệp (trường 'file').", fields={"file": ["Bắt buộc."]})
    data = upload.read()
    attachment = reports.attach(campaign, unit, kind, data, upload.filename,
                                actor=current_api_user())
    response = jsonify({"id": attachment.id, "name": attachment.display_name,
                        "size": attachment.size, "sha256": attachment.sha256,
                        "content_type": attachment.content_type})
    response.status_code = 201
    return response


@api_bp.get(f"{BASE}/reports/<unit>/<kind>/attachments/<attachment_id>")
@token_required
def get_attachment(bloc: str, year: int, unit: str, kind: str, attachment_id: str):
    campaign = campaigns.get_campaign(bloc, year)
    found = reports.attachment_for_download(campaign, unit, kind, attachment_id,
                                            actor=current_api_user())
    return send_file(attachments.storage_path(found.sha256), mimetype=found.content_type,
                     as_attachment=True, download_name=found.display_name)


@api_bp.get(f"{BASE}/scores/<unit>")
@token_required
def get_scores(bloc: str, year: int, unit: str):
    campaign = campaigns.get_campaign(bloc, year)
    permissions.require(permissions.can_read_work(current_api_user(), campaign))
    found_unit = member_unit(campaign, unit)
    return jsonify(scoring.describe(campaign, found_unit, scoring.sheet_of(campaign, found_unit)))


@api_bp.put(f"{BASE}/scores/<unit>")
@token_required
@body(schemas.SCORES)
def put_scores(bloc: str, year: int, unit: str):
    """Self scores from the unit; verified scores from leader, deputy or board — decided by
    which fields the items carry."""
    campaign = campaigns.get_campaign(bloc, year)
    payload = json_body()
    items = payload.get("items", [])
    user = current_api_user()
    verifying = isinstance(items, list) and any(
        isinstance(i, dict) and ("verified_score" in i or "reason" in i) for i in items)
    if verifying:
        sheet = scoring.verify(campaign, unit, items, actor=user, version=payload.get("version"))
    else:
        sheet = scoring.save_self_scores(campaign, unit, items, actor=user,
                                         version=payload.get("version"))
    return jsonify(scoring.describe(campaign, member_unit(campaign, unit), sheet))


@api_bp.post(f"{BASE}/verification/lock")
@token_required
@body(schemas.OVERRIDE, optional=True)
def lock_verification(bloc: str, year: int):
    campaign = campaigns.get_campaign(bloc, year)
    force, reason = _override()
    closing.lock_verification(campaign, actor=current_api_user(), force=force, reason=reason)
    return jsonify({"locked": True})


def _override() -> tuple[object, object]:
    """``force`` and ``reason`` of an optional JSON body: going ahead with the step's
    checklist not met (core/services/guards.py; 409 ``checklist_not_met`` without them)."""
    if not request.content_length and not request.is_json:
        return False, None
    payload = json_body()
    return payload.get("force", False), payload.get("reason")


@api_bp.get(f"{BASE}/checklists/<step>")
@token_required
def get_checklist(bloc: str, year: int, step: str):
    """What is still missing before a step is closed (registration, year_end_report),
    verification is locked (verification) or polls are opened (vote)."""
    from core.services import guards

    campaign = campaigns.get_campaign(bloc, year)
    permissions.require(permissions.can_follow_progress(current_api_user(), campaign))
    if step == "vote":
        found = guards.polls_checklist(campaign)
    elif step in (*CLOSABLE, Deliverable.VERIFICATION.value):
        found = guards.checklist_for(campaign, step)
    else:
        raise NotFound("Không có bước này.", code="no_such_step")
    return jsonify(found.to_dict())


@api_bp.get(f"{BASE}/ranking")
@token_required
@answers.kept
def get_ranking(bloc: str, year: int):
    campaign = campaigns.get_campaign(bloc, year)
    permissions.require(permissions.can_read_work(current_api_user(), campaign))
    return jsonify([{"rank": r["rank"], "unit": r["unit"].code, "name": r["unit"].name,
                     "self_total": float(r["self_total"]),
                     "verified_total": float(r["verified_total"])}
                    for r in scoring.ranking(campaign)])


@api_bp.get(f"{BASE}/status")
@token_required
@answers.kept
def get_status(bloc: str, year: int):
    campaign = campaigns.get_campaign(bloc, year)
    user = current_api_user()
    permissions.require(permissions.can_follow_progress(user, campaign))
    grid = progress.status_grid(campaign)
    return jsonify({
        "rows": [{"unit": r["unit"].code, "role": r["role"],
                  "cells": {k: v.to_dict() for k, v in r["cells"].items()}}
                 for r in grid["rows"]],
        "summary": grid["summary"], "closed": grid["closed"]})


@api_bp.post(f"{BASE}/deadlines")
@token_required
@body(schemas.EXTENSION)
def post_extension(bloc: str, year: int):
    campaign = campaigns.get_campaign(bloc, year)
    payload = json_body()
    try:
        new_due = date.fromisoformat(str(payload.get("due")))
    except ValueError as exc:
        raise ValidationFailed("Ngày không hợp lệ.", fields={"due": ["Dạng YYYY-MM-DD."]}) \
            from exc
    unit_code = payload.get("unit")
    unit = member_unit(campaign, unit_code) if unit_code else None
    reason = payload.get("reason")
    ext = deadlines.extend(campaign, str(payload.get("phase", ""))[:40], new_due,
                           reason if isinstance(reason, str) else "", unit=unit,
                           actor=current_api_user())
    response = jsonify({"phase": ext.phase_code, "due": ext.due.isoformat(),
                        "unit": unit.code if unit else None, "reason": ext.reason})
    response.status_code = 201
    return response


@api_bp.post(f"{BASE}/mid-year-review/close")
@token_required
@body(schemas.MID_YEAR_CLOSE)
def close_mid_year(bloc: str, year: int):
    campaign = campaigns.get_campaign(bloc, year)
    payload = json_body()
    reports.close_mid_year_review(campaign, payload.get("date"), payload.get("place"),
                                  payload.get("conclusions"), actor=current_api_user())
    return jsonify({"closed": True})


@api_bp.put(f"{BASE}/criteria")
@token_required
@body(schemas.CRITERIA)
def put_criteria(bloc: str, year: int):
    campaign = campaigns.get_campaign(bloc, year)
    payload = json_body()
    made = covenant.adjust(campaign, payload.get("changes"), payload.get("reason"),
                           actor=current_api_user())
    plan = campaign_state.plan(campaign).to_snapshot()
    return jsonify({"stage": covenant.stage(campaign),
                    "changes": [{"criterion": c.code, "old": float(c.old_max),
                                 "new": float(c.new_max), "reason": c.reason} for c in made],
                    "criteria": plan["criteria"], "max_total": plan["max_total"],
                    "plan_revision": campaign.plan_revision})


@api_bp.get(f"{BASE}/plan/revisions")
@token_required
def get_plan_revisions(bloc: str, year: int):
    """The plan as opened and after each amendment of the points table."""
    campaign = campaigns.get_campaign(bloc, year)
    permissions.require(permissions.can_read_work(current_api_user(), campaign))
    rows = []
    for revision in covenant.revisions(campaign):
        plan = FrozenPlan.from_snapshot(revision.snapshot, revision.revision).to_snapshot()
        rows.append({"revision": revision.revision, "reason": revision.reason,
                     "created_at": clock.local(revision.created_at).isoformat(),
                     "criteria": plan["criteria"], "max_total": plan["max_total"]})
    return jsonify(rows)


@api_bp.get(f"{BASE}/timeline")
@token_required
@query(unit=schemas.text(100, description="mã đơn vị"))
def get_timeline(bloc: str, year: int):
    """Where each step of the year stands for the bloc, or for ``?unit=`` (its extensions)."""
    campaign = campaigns.get_campaign(bloc, year)
    permissions.require(permissions.can_view_campaign(current_api_user(), campaign))
    unit_code = request.args.get("unit")
    unit = member_unit(campaign, unit_code) if unit_code else None
    timeline = campaign_state.timeline(campaign)
    return jsonify({
        "today": timeline.today.isoformat(),
        "covenant_stage": timeline.covenant_stage().value,
        "unit": unit.code if unit else None,
        "steps": [{"code": s.phase.code, "title": s.phase.title,
                   "deliverable": s.deliverable.value if s.deliverable else None,
                   "host": s.phase.host, "opens": s.opens.isoformat(),
                   "due": s.due.isoformat(), "extended": s.extended, "state": s.state.value,
                   "closed_at": clock.local(s.closed_at).isoformat() if s.closed_at else None}
                  for s in timeline.steps(unit.id if unit else None)]})


@api_bp.post(f"{BASE}/steps/<deliverable>/close")
@token_required
@body(schemas.OVERRIDE, optional=True)
def close_step(bloc: str, year: int, deliverable: str):
    """The host closes a step by an act (registration, year-end reports): no more work is
    taken for it, whatever the clock or extensions say. The mid-year review and
    verification have their own acts (with the meeting record, the lock)."""
    campaign = campaigns.get_campaign(bloc, year)
    if deliverable not in CLOSABLE:
        raise NotFound("Không có bước này, hoặc bước này đóng bằng thao tác riêng.",
                       code="no_such_step")
    force, reason = _override()
    closing.close_step(campaign, deliverable, actor=current_api_user(), force=force,
                         reason=reason)
    return jsonify({"closed": True, "deliverable": deliverable})


@api_bp.get("/me/calendar")
@token_required
def calendar_link():
    """The signed address of the user's iCalendar feed (for a calendar program)."""
    from flask import url_for

    from core.services import ical

    token = ical.feed_token(current_api_user())
    return jsonify({"url": url_for("api.calendar_feed", token=token, _external=True)})


@api_bp.get("/calendar/<token>.ics")
def calendar_feed(token: str):
    """The feed itself: the signed token is the credential (calendar programs send no header)."""
    from core.api import error_response
    from core.services import ical

    user = ical.user_for_feed(token)
    if user is None:
        return error_response(404)
    return Response(ical.build_feed(user), mimetype="text/calendar",
                    headers={"Content-Disposition": 'inline; filename="thidua.ics"'})
