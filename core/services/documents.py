"""The official documents of a campaign, rendered as PDF in the state format (Nghị định
30/2020/NĐ-CP). A document is a DRAFT ("DỰ THẢO") while the phase it belongs to is open; once
that phase is closed it is generated once, stored by SHA-256 and served byte-identical.

Templates live under ``templates/pdf/``; a plugin overrides one, or adds its own, through
``thidua_document_templates`` (frozen into the campaign snapshot as ``documents``)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.domain import Deliverable, Role
from core.domain.policy import HOST_ROLE
from core.errors import NotFound
from core.extensions import db
from core.models import (
    Campaign,
    IssuedDocument,
    Membership,
    Registration,
    Report,
    Unit,
    User,
)
from core.services import (
    attachments,
    audit,
    campaign_state,
    clock,
    deadlines,
    meeting,
    pdf,
    permissions,
    registration,
    scoring,
    voting,
)
from core.services.campaigns import members_by_role
from core.services.cycle import criteria_rows, member_unit


@dataclass(frozen=True)
class DocumentKind:
    name: str
    title: str
    phase: str  # the deliverable or step whose closing makes the document final
    template: str
    number_type: str
    per_unit: bool = False
    orientation: str = "portrait"


KINDS = {k.name: k for k in (
    DocumentKind("dang-ky", "Bản đăng ký thi đua", "registration", "pdf/registration.html",
                 "ĐK", per_unit=True),
    DocumentKind("tong-hop-dang-ky", "Tổng hợp đăng ký thi đua", "registration",
                 "pdf/registrations_summary.html", "BC"),
    DocumentKind("bao-cao-so-ket", "Báo cáo sơ kết 6 tháng", "mid_year_report",
                 "pdf/mid_year_summary.html", "BC"),
    DocumentKind("tu-cham-diem", "Bảng tự chấm điểm", "year_end_report", "pdf/self_score.html",
                 "BC", per_unit=True),
    DocumentKind("bang-tong-hop-diem", "Bảng tổng hợp kết quả chấm điểm", "verification",
                 "pdf/score_table.html", "BC"),
    DocumentKind("bien-ban-kiem-phieu", "Biên bản kiểm phiếu", "vote", "pdf/vote_count.html",
                 "BB"),
    DocumentKind("bien-ban-hop-binh-xet", "Biên bản họp bình xét", "vote",
                 "pdf/council_minutes.html", "BB"),
    DocumentKind("to-trinh", "Tờ trình đề nghị khen thưởng", "vote", "pdf/proposal.html", "TTr"),
)}


def place_date(place: str, day: date) -> str:
    """"Trà Vinh, ngày 05 tháng 02 năm 2022": days below 10 and months 1–2 take a leading
    zero (Nghị định 30/2020, Phụ lục I)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def catalogue(campaign: Campaign, *, actor: User) -> list[dict[str, Any]]:
    """Every document of the campaign, per-unit ones once per member unit."""
    permissions.require(permissions.can_read_work(actor, campaign))
    units = [m.unit for m in members_by_role(campaign)]
    issued = {d.name for d in db.session.scalars(
        select(IssuedDocument).where(IssuedDocument.campaign_id == campaign.id))}
    rows = []
    for kind in KINDS.values():
        for unit in (units if kind.per_unit else [None]):
            name = f"{kind.name}-{unit.code}" if unit else kind.name
            rows.append({"name": name, "title": f"{kind.title} — {unit.name}" if unit
                         else kind.title, "phase": kind.phase, "unit": unit.code if unit else None,
                         "final": is_final(campaign, kind.phase), "issued": name in issued})
    return rows


def is_final(campaign: Campaign, phase: str) -> bool:
    """Whether the step a document belongs to is settled (the timeline's answer): closed by
    its host's act or final. The clock alone never makes a document final: late work may
    still be accepted."""
    return campaign_state.step(campaign, phase).settled


def _resolve(campaign: Campaign, name: str) -> tuple[DocumentKind, Unit | None]:
    if name in KINDS and not KINDS[name].per_unit:
        return KINDS[name], None
    for kind in KINDS.values():
        if kind.per_unit and name.startswith(f"{kind.name}-"):
            return kind, member_unit(campaign, name.removeprefix(f"{kind.name}-"))
    raise NotFound(f"Không có văn bản '{name[:80]}'.", code="document_not_found")


def get_pdf(campaign: Campaign, name: str, *, actor: User) -> tuple[bytes, bool]:
    """The PDF and whether it is final. A final document is generated once and stored."""
    permissions.require(permissions.can_read_work(actor, campaign))
    kind, unit = _resolve(campaign, name)
    if not is_final(campaign, kind.phase):
        return render(campaign, kind, unit, draft=True), False
    stored = _issued(campaign, name)
    if stored is not None:
        return attachments.storage_path(stored.sha256).read_bytes(), True
    data = render(campaign, kind, unit, draft=False)
    sha256 = hashlib.sha256(data).hexdigest()
    # Wait for a concurrent request issuing it (PostgreSQL: the audit lock, held until that
    # request commits), then serve the copy it stored, if any. This GET writes: the request's
    # unit of work commits it.
    audit.lock()
    stored = _issued(campaign, name)
    if stored is not None:
        return attachments.storage_path(stored.sha256).read_bytes(), True
    attachments.write_blob(sha256, data)
    db.session.add(IssuedDocument(campaign_id=campaign.id, name=name, sha256=sha256,
                                  size=len(data), issued_at=clock.now(), issued_by=actor.id))
    audit.record("document.issue", "document", f"{campaign.bloc.code}/{campaign.year}/{name}",
                 actor=actor, details={"sha256": sha256, "size": len(data)})
    return data, True


def _issued(campaign: Campaign, name: str) -> IssuedDocument | None:
    return db.session.scalar(select(IssuedDocument).where(
        IssuedDocument.campaign_id == campaign.id, IssuedDocument.name == name))


def render(campaign: Campaign, kind: DocumentKind, unit: Unit | None, *, draft: bool) -> bytes:
    context = BUILDERS[kind.name](campaign, unit)
    template = campaign_state.plan(campaign).documents.get(kind.name, kind.template)
    html = render_template(template, **_common(campaign, kind, unit, draft), **context)
    return pdf.render(html)


# -- contexts ------------------------------------------------------------------------------

def _common(campaign: Campaign, kind: DocumentKind, unit: Unit | None,
            draft: bool) -> dict[str, Any]:
    from flask import current_app

    plan = campaign_state.plan(campaign)
    bloc = plan.bloc.to_dict()
    # A bloc document is issued by the unit that hosts its step, as the plan says.
    host_role = _host_role(campaign, kind.phase)
    issuing_unit = unit if kind.per_unit else _member_in(campaign, host_role)
    if kind.per_unit:
        issuer = {"parent": "", "name": unit.name,
                  "abbreviation": unit.short_name.removeprefix("Sở ").replace(" ", "")}
        signature = {"lines": [head_title(unit)], "name": _head_name(unit)}
        recipients = [f"Khối trưởng {bloc['name']}", "Ban Thi đua – Khen thưởng tỉnh",
                      "Lưu: VT"]
    else:
        role_title = (host_role.label if host_role else Role.LEADER.label).upper()
        issuer = {"parent": issuing_unit.name if issuing_unit else "",
                  "name": bloc.get("issuer") or bloc["name"],
                  "abbreviation": bloc.get("abbreviation") or campaign.bloc.code.upper()}
        signature = {"lines": [f"TM. {(bloc.get('issuer') or bloc['name']).upper()}", role_title,
                               head_title(issuing_unit) if issuing_unit else ""],
                     "name": _head_name(issuing_unit) if issuing_unit else ""}
        recipients = ["Ban Thi đua – Khen thưởng tỉnh", f"Thành viên {issuer['abbreviation']}",
                      "Lưu: VT, VP"]
    heading = kind.title.upper()
    subtitle = (f"{unit.name} — năm {campaign.year}" if unit
                else f"{bloc['name']} — năm {campaign.year}")
    return {
        "font_css": pdf.font_face_css(), "draft": draft, "orientation": kind.orientation,
        "campaign": campaign, "bloc": bloc, "unit": unit, "issuer": issuer,
        "signature": signature, "recipients": recipients,
        "doc": {"title": kind.title, "heading": heading, "subtitle": subtitle,
                "number_type": kind.number_type},
        "place_date": place_date(current_app.config["THIDUA_PLACE"], clock.today()),
    }


def _host_role(campaign: Campaign, step: str) -> Role | None:
    """The member role that hosts a step (None when the board hosts it)."""
    return HOST_ROLE[campaign_state.plan(campaign).host_of(step)]


def _member_in(campaign: Campaign, role: Role | None) -> Unit | None:
    return next((m.unit for m in campaign.memberships if role and m.role == role), None)


def head_title(unit: Unit) -> str:
    """The signer's title: a department (Sở) is headed by its Giám đốc."""
    short = unit.short_name.upper()
    return f"GIÁM ĐỐC {short}" if short.startswith("SỞ") else f"THỦ TRƯỞNG {short}"


def _head_name(unit: Unit | None) -> str:
    if unit is None:
        return ""
    head = db.session.scalar(select(User.full_name).where(User.unit_id == unit.id,
                                                          User.role == "head",
                                                          User.active.is_(True)))
    return head or ""


def _groups(campaign: Campaign) -> list[dict[str, Any]]:
    rows = criteria_rows(campaign)
    by_parent: dict[int | None, list] = {}
    for row in rows:
        by_parent.setdefault(row.parent_id, []).append(row)
    return [{"code": g.code, "title": g.title, "kind": g.kind, "max_points": g.max_points,
             "rows": by_parent.get(g.id, [])} for g in by_parent.get(None, [])]


def _registration(campaign: Campaign, unit: Unit) -> dict[str, Any]:
    reg = registration.get(campaign, unit)
    items = {i.criterion.code: i for i in reg.items} if reg else {}
    groups = []
    for group in _groups(campaign):
        if group["kind"] != "item":
            continue
        groups.append({**group, "rows": [{
            "code": r.code, "title": r.title,
            "target": items[r.code].target if r.code in items else "",
            "not_applicable": items[r.code].not_applicable if r.code in items else False,
            "reason": items[r.code].na_reason if r.code in items else "",
        } for r in group["rows"]]})
    status = {"submitted": "đã gửi", "draft": "bản nháp", "returned": "bị trả lại để chỉnh sửa"}
    text = "chưa đăng ký" if reg is None else status[reg.status]
    if reg is not None and reg.submitted_at:
        text += f" ngày {clock.local(reg.submitted_at):%d/%m/%Y}" + (" (muộn)" if reg.late else "")
    return {"groups": groups, "status_text": text}


def _members(campaign: Campaign) -> list[Unit]:
    return list(db.session.scalars(
        select(Unit).join(Membership, Membership.unit_id == Unit.id)
        .where(Membership.campaign_id == campaign.id).order_by(Unit.name)))


def _registrations_summary(campaign: Campaign, unit: Unit | None) -> dict[str, Any]:
    regs = {r.unit_id: r for r in db.session.scalars(
        select(Registration).where(Registration.campaign_id == campaign.id)
        .options(selectinload(Registration.items)))}
    rows = []
    for member in _members(campaign):
        reg = regs.get(member.id)
        submitted = reg is not None and reg.status == "submitted"
        rows.append({"unit": member,
                     "targets": sum(1 for i in reg.items if not i.not_applicable) if reg else 0,
                     "na": sum(1 for i in reg.items if i.not_applicable) if reg else 0,
                     "submitted_at": reg.submitted_at if submitted else None,
                     "late": reg.late if reg else False})
    phase = deadlines.phase_for(campaign, "registration")
    return {"rows": rows, "submitted": sum(1 for r in rows if r["submitted_at"]),
            "due": phase.due}


def _mid_year_summary(campaign: Campaign, unit: Unit | None) -> dict[str, Any]:
    reports = {r.unit_id: r for r in db.session.scalars(
        select(Report).where(Report.campaign_id == campaign.id, Report.kind == "mid_year")
        .options(selectinload(Report.progress)))}
    rows = []
    for member in _members(campaign):
        report = reports.get(member.id)
        submitted = report is not None and report.status == "submitted"
        percents = [p.percent for p in report.progress] if submitted else []
        rows.append({"unit": member, "submitted_at": report.submitted_at if submitted else None,
                     "late": report.late if report else False,
                     "average": round(sum(percents) / len(percents)) if percents else None})
    record = deadlines.closing_records(campaign).get(deadlines.MID_YEAR_REVIEW)
    host = _member_in(campaign, _host_role(campaign, Deliverable.MID_YEAR_REPORT))
    return {"rows": rows, "meeting": record.details if record else None, "host": host}


def _self_score(campaign: Campaign, unit: Unit) -> dict[str, Any]:
    sheet = scoring.sheet_of(campaign, unit)
    lines = {s.criterion.code: s for s in sheet.scores} if sheet else {}
    rows = []
    for row in criteria_rows(campaign):
        line = lines.get(row.code)
        rows.append({"code": row.code, "title": row.title, "kind": row.kind,
                     "is_group": row.is_group, "max_points": row.max_points,
                     "self_score": line.self_score if line else None,
                     "evidence": line.evidence if line else ""})
    self_total, _verified = scoring.totals(criteria_rows(campaign), lines)
    return {"rows": rows, "self_total": self_total,
            "max_total": campaign_state.plan(campaign).max_total}


def _score_table(campaign: Campaign, unit: Unit | None) -> dict[str, Any]:
    table = scoring.ranking(campaign)
    rows_by_code = criteria_rows(campaign)
    groups = _groups(campaign)
    labels = {"item": "Nhóm", "bonus": "Cộng", "deduction": "Trừ"}
    from core.models import Score, ScoreSheet

    sheets = {s.unit_id: s for s in db.session.scalars(
        select(ScoreSheet).where(ScoreSheet.campaign_id == campaign.id)
        .options(selectinload(ScoreSheet.scores)))}
    code_of = {r.id: r.code for r in rows_by_code}
    parent_of = {r.code: r.parent_id for r in rows_by_code}
    group_code = {r.id: r.code for r in rows_by_code if r.parent_id is None}
    differences = []
    out_rows = []
    for entry in table:
        sheet = sheets.get(entry["unit"].id)
        per_group: dict[str, Decimal] = {g["code"]: Decimal(0) for g in groups}
        scores: list[Score] = list(sheet.scores) if sheet else []
        for score in scores:
            code = code_of[score.criterion_id]
            value = score.verified_score if score.verified_score is not None else (
                score.self_score or Decimal(0))
            parent = parent_of[code]
            if parent is not None:
                per_group[group_code[parent]] += value
            if score.verified_score is not None and score.verified_score != score.self_score:
                differences.append({"unit": entry["unit"].name, "code": code,
                                    "self_score": score.self_score,
                                    "verified_score": score.verified_score,
                                    "reason": score.reason})
        out_rows.append({**entry, "groups": per_group})
    return {"rows": out_rows, "tie_rule": scoring.TIE_RULE,
            "groups": [{"code": g["code"], "kind": g["kind"], "max_points": g["max_points"],
                        "label": f"{labels[g['kind']]} {g['code']}" if g["kind"] == "item"
                        else labels[g["kind"]]} for g in groups],
            "differences": sorted(differences, key=lambda d: (d["unit"], d["code"]))}


def _poll_sections(campaign: Campaign) -> list[dict[str, Any]]:
    names = {u.code: u.name for u in _members(campaign)}
    sections = []
    from core.models import PollOutcome

    polls = voting.stored_polls(campaign)
    outcomes = {o.poll_id: o for o in db.session.scalars(
        select(PollOutcome).where(PollOutcome.poll_id.in_([p.id for p in polls.values()])))}
    for poll in polls.values():
        found = outcomes.get(poll.id)
        if found is None:
            continue
        result = found.result
        elected = result.get("elected", [])
        counts = [{"name": names.get(c["candidate"], c["candidate"]), "votes": c["votes"],
                   "percent": f"{c['share'] * 100:.1f}%".replace(".", ","),
                   "passed": c["passed"], "elected": c["candidate"] in elected,
                   "candidate": c["candidate"]}
                  for c in sorted(result["counts"], key=lambda c: (-c["votes"], c["candidate"]))]
        sections.append({
            "code": poll.code, "title": poll.title, "seats": poll.seats, "elects": poll.elects,
            "result": result, "counts": counts, "roster_hash": found.roster_hash,
            "audit_head": found.audit_head,
            "elected_names": [names.get(c, c) for c in elected],
            "elected_with_share": [f"{names.get(c['candidate'], c['candidate'])} "
                                   f"({c['votes']} phiếu, {c['percent']})"
                                   for c in counts if c["elected"]],
        })
    return sections


def _meeting_text(campaign: Campaign) -> dict[str, Any]:
    record = meeting.meeting(campaign) or {}
    held = datetime.fromisoformat(record["held_at"]) if record.get("held_at") else None
    return {
        "when_text": (f"{held:%H} giờ {held:%M} phút, ngày {held:%d/%m/%Y}" if held
                      else "(chưa ghi thời gian họp)"),
        "place": record.get("place") or "(chưa ghi địa điểm)",
        "chair": record.get("chair") or "(chưa ghi)",
        "secretary": record.get("secretary") or "(chưa ghi)",
        "committee": record.get("committee") or ["(chưa ghi)"],
    }


def _vote_count(campaign: Campaign, unit: Unit | None) -> dict[str, Any]:
    polls = _poll_sections(campaign)
    return {"polls": polls, "meeting": _meeting_text(campaign),
            "audit_head": polls[-1]["audit_head"] if polls else audit.head_hash()}


def _awards(campaign: Campaign, polls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    totals = {r["unit"].code: r["verified_total"] for r in scoring.ranking(campaign)}
    awards = []
    for poll in polls:
        if poll["elects"]:
            continue
        rows = [{"name": c["name"], "verified_total": totals.get(c["candidate"]),
                 "percent": c["percent"]} for c in poll["counts"] if c["elected"]]
        awards.append({"title": poll["title"], "rows": rows,
                       "units": [r["name"] for r in rows]})
    return awards


def _council_minutes(campaign: Campaign, unit: Unit | None) -> dict[str, Any]:
    from core.models import Poll, VoterRoll

    polls = _poll_sections(campaign)
    present_ids = set(db.session.scalars(
        select(VoterRoll.unit_id).join(Poll, Poll.id == VoterRoll.poll_id)
        .where(Poll.campaign_id == campaign.id, VoterRoll.voted_on.is_not(None))))
    members = _members(campaign)
    present, absent = ([u.name for u in members if u.id in present_ids],
                       [u.name for u in members if u.id not in present_ids])
    recorded = meeting.attendance(campaign)
    if recorded["recorded"]:  # the host's attendance list, with who stood for each unit
        present = [f"{u['name']} ({u['representative']}, {u['title']})"
                   for u in recorded["units"] if u["present"]]
        absent = [u["name"] for u in recorded["units"] if not u["present"]]
    leadership = [{"title": "Khối trưởng năm " + str(campaign.year + 1) if p["elects"] == "leader"
                   else "Khối phó năm " + str(campaign.year + 1),
                   "unit": ", ".join(p["elected_names"]) or "chưa bầu được"}
                  for p in polls if p["elects"]]
    return {"polls": polls, "meeting": _meeting_text(campaign),
            "present": present, "absent": absent,
            "awards": _awards(campaign, polls), "leadership": leadership}


def _proposal(campaign: Campaign, unit: Unit | None) -> dict[str, Any]:
    return {"awards": _awards(campaign, _poll_sections(campaign))}


BUILDERS = {
    "dang-ky": _registration,
    "tong-hop-dang-ky": _registrations_summary,
    "bao-cao-so-ket": _mid_year_summary,
    "tu-cham-diem": _self_score,
    "bang-tong-hop-diem": _score_table,
    "bien-ban-kiem-phieu": _vote_count,
    "bien-ban-hop-binh-xet": _council_minutes,
    "to-trinh": _proposal,
}
