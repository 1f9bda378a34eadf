"""The provincial board's view of every bloc in a year: current phase, share of units that
delivered each step, late and missing units, results; and one list of all proposals (Cờ thi
đua, Bằng khen) with vote shares and verified scores. A constant number of queries whatever
the number of blocs."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import defer, selectinload

from core.domain import Deliverable, PollStatus, Timeline
from core.extensions import db
from core.models import (
    Bloc,
    Campaign,
    CriterionRow,
    DeadlineExtension,
    Membership,
    PhaseRecord,
    Poll,
    PollOutcome,
    Registration,
    Report,
    Unit,
    User,
)
from core.services import campaign_state, clock, office, permissions, scoring, verified_totals

STEPS = (("registration", "Đăng ký"), ("mid_year_report", "Sơ kết"),
         ("year_end_report", "Tổng kết"))


def _timeline(campaign: Campaign, today: date, granted: list[DeadlineExtension],
              records: list[PhaseRecord], units: list[Unit], polls: list[Poll]) -> Timeline:
    """The campaign's timeline from rows loaded for every bloc at once."""
    statuses = [p.status for p in polls]
    expected = None
    if statuses and all(s == PollStatus.PUBLISHED for s in statuses):
        expected = campaign_state.expected_polls(campaign, [u.code for u in units])
    closed = campaign_state.closings_of(records, statuses, expected, {p.code for p in polls})
    return Timeline(campaign_state.plan(campaign), today, campaign_state.extensions_of(granted), closed)


def working_year() -> int:
    """The year the board most likely wants: the latest year whose open campaign has work in
    it (a registration started, a report, a poll), else the latest year with an open
    campaign, else this year. In February the previous year's proposals arrive while this
    year's campaigns are still empty: the board lands on the previous year."""
    busy = select(Campaign.year).where(Campaign.status == "open").where(
        select(Registration.id).where(Registration.campaign_id == Campaign.id).exists()
        | select(Report.id).where(Report.campaign_id == Campaign.id).exists()
        | select(Poll.id).where(Poll.campaign_id == Campaign.id).exists())
    year = db.session.scalar(busy.order_by(Campaign.year.desc()).limit(1))
    if year is None:
        year = db.session.scalar(select(Campaign.year).where(Campaign.status == "open")
                                 .order_by(Campaign.year.desc()).limit(1))
    return year if year is not None else clock.today().year


def dashboard(year: int, *, actor: User) -> dict[str, Any]:
    permissions.require(permissions.is_board(actor) or permissions.is_admin(actor),
                        _l("Chỉ %(office)s và quản trị viên xem bảng tổng hợp.",
                           office=office.office()))
    today = clock.today()
    found = list(db.session.scalars(
        select(Campaign).join(Bloc).where(Campaign.year == year)
        .options(selectinload(Campaign.bloc), defer(Campaign.snapshot))  # the plan is cached
        .order_by(Bloc.code)))
    ids = [c.id for c in found]
    members: dict[int, list[Unit]] = defaultdict(list)
    for campaign_id, unit in db.session.execute(
            select(Membership.campaign_id, Unit).join(Unit, Unit.id == Membership.unit_id)
            .where(Membership.campaign_id.in_(ids)).order_by(Unit.name)):
        members[campaign_id].append(unit)
    delivered: dict[tuple[int, str], dict[int, bool]] = defaultdict(dict)
    for reg in db.session.execute(select(
            Registration.campaign_id, Registration.unit_id, Registration.late).where(
            Registration.campaign_id.in_(ids), Registration.status == "submitted")):
        delivered[(reg.campaign_id, "registration")][reg.unit_id] = reg.late
    for rep in db.session.execute(select(
            Report.campaign_id, Report.unit_id, Report.kind, Report.late).where(
            Report.campaign_id.in_(ids), Report.status == "submitted")):
        step = "mid_year_report" if rep.kind == "mid_year" else "year_end_report"
        delivered[(rep.campaign_id, step)][rep.unit_id] = rep.late
    extensions: dict[int, list[DeadlineExtension]] = defaultdict(list)
    for ext in db.session.scalars(select(DeadlineExtension).where(
            DeadlineExtension.campaign_id.in_(ids))):
        extensions[ext.campaign_id].append(ext)
    records: dict[int, list[PhaseRecord]] = defaultdict(list)
    for record in db.session.scalars(select(PhaseRecord).where(PhaseRecord.campaign_id.in_(ids))):
        records[record.campaign_id].append(record)
    totals = _verified_totals(ids)
    polls = db.session.execute(
        select(Poll, PollOutcome).outerjoin(PollOutcome, PollOutcome.poll_id == Poll.id)
        .where(Poll.campaign_id.in_(ids)).order_by(Poll.id)).all()

    blocs, proposals = [], []
    names = {u.code: u.name for units in members.values() for u in units}
    for campaign in found:
        units = members[campaign.id]
        timeline = _timeline(campaign, today, extensions[campaign.id],
                             records[campaign.id], units,
                             [p for p, _ in polls if p.campaign_id == campaign.id])
        steps = []
        for step, title in STEPS:
            phase = timeline.plan.phase_for(step)
            done = delivered[(campaign.id, step)]
            missing = [u.name for u in units if u.id not in done and phase is not None
                       and timeline.step(step, u.id).past_due]
            steps.append({"step": step, "title": title, "done": len(done), "total": len(units),
                          "share": round(len(done) / len(units), 4) if units else 0.0,
                          "late": sorted(names_of(units, [u for u, late in done.items() if late])),
                          "missing": missing,
                          "due": phase.due.isoformat() if phase else None})
        results = []
        for poll, outcome in polls:
            if poll.campaign_id != campaign.id:
                continue
            elected = outcome.result["elected"] if outcome else []
            results.append({"poll": poll.code, "title": poll.title, "status": poll.status,
                            "elected": elected})
            if outcome is None or poll.elects:
                continue
            counts = {c["candidate"]: c for c in outcome.result["counts"]}
            for code in elected:
                proposals.append({
                    "bloc": campaign.bloc.code, "bloc_name": campaign.bloc.name,
                    "year": campaign.year, "award": poll.title, "poll": poll.code,
                    "unit": code, "unit_name": names.get(code, code),
                    "votes": counts[code]["votes"], "share": counts[code]["share"],
                    "verified_total": float(totals.get((campaign.id, code), Decimal(0))),
                    "published": poll.status == "published"})
        blocs.append({
            "bloc": campaign.bloc.code, "name": campaign.bloc.name, "year": campaign.year,
            "status": campaign.status, "units": len(units),
            "current_phases": [{"code": p.code, "title": p.title}
                               for p in timeline.current_phases()],
            "steps": steps,
            "verification_locked": timeline.step(Deliverable.VERIFICATION).settled,
            "results": results,
        })
    proposals.sort(key=lambda p: (p["award"], p["bloc"], -p["share"], p["unit"]))
    return {"year": year, "blocs": blocs, "proposals": proposals}


def names_of(units: list[Unit], ids: list[int]) -> list[str]:
    wanted = set(ids)
    return [u.name for u in units if u.id in wanted]


def _verified_totals(campaign_ids: list[int]) -> dict[tuple[int, str], Decimal]:
    """Verified totals of every unit of these campaigns, with a fixed number of queries: as
    stored when each verification was locked (core/services/verified_totals.py); totalled
    from the score lines (narrow rows, no ORM objects) for the campaigns not locked yet."""
    codes = dict(db.session.execute(select(Unit.id, Unit.code).join(
        Membership, Membership.unit_id == Unit.id).where(
        Membership.campaign_id.in_(campaign_ids))).all()) if campaign_ids else {}
    totals: dict[tuple[int, str], Decimal] = {}
    locked = verified_totals.stored(campaign_ids)
    for campaign_id, units in locked.items():
        for unit_id, (_self, verified, _rank) in units.items():
            totals[(campaign_id, codes.get(unit_id, str(unit_id)))] = verified
    live = [i for i in campaign_ids if i not in locked]
    if not live:
        return totals
    rows: dict[int, list[CriterionRow]] = defaultdict(list)
    for row in db.session.scalars(select(CriterionRow).where(
            CriterionRow.campaign_id.in_(live)).order_by(CriterionRow.position)):
        rows[row.campaign_id].append(row)
    lines = scoring.score_lines(live, [r for found in rows.values() for r in found])
    shapes = {campaign_id: scoring.layout(found) for campaign_id, found in rows.items()}
    for (campaign_id, unit_id), scored in lines.items():
        _self, verified = scoring.totals(rows[campaign_id], scored, shapes[campaign_id])
        totals[(campaign_id, codes.get(unit_id, str(unit_id)))] = verified
    return totals


def proposals_workbook(year: int, *, actor: User) -> bytes:
    """All proposals of the year as a workbook (numbers as numbers, frozen header)."""

    from openpyxl import Workbook
    from openpyxl.styles import Font

    data = dashboard(year, actor=actor)
    book = Workbook()
    sheet = book.active
    sheet.title = f"Đề nghị {year}"
    sheet.append(["Hình thức", "Khối", "Đơn vị", "Số phiếu", "Tỷ lệ phiếu",
                  "Điểm thẩm định", "Đã công bố"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for p in data["proposals"]:
        sheet.append([p["award"], p["bloc_name"], p["unit_name"], p["votes"], p["share"],
                      p["verified_total"], "Có" if p["published"] else "Chưa"])
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCDEFG", (44, 36, 40, 10, 12, 14, 12), strict=True):
        sheet.column_dimensions[column].width = width
    from core.services.exports import workbook_bytes

    return workbook_bytes(book)  # every cell neutralised against formulas


def proposals_pdf(year: int, *, actor: User) -> bytes:
    """The same list as an official summary from the provincial board (always a draft mark
    until every listed poll is published)."""
    from flask import current_app, render_template

    from core.services import documents, pdf

    data = dashboard(year, actor=actor)
    final = bool(data["proposals"]) and all(p["published"] for p in data["proposals"])
    html = render_template(
        "pdf/board_proposals.html", font_css=pdf.font_face_css(), draft=not final,
        orientation="landscape", proposals=data["proposals"], year=year,
        blocs=data["blocs"],
        issuer={"parent": "UBND TỈNH", "name": "BAN THI ĐUA – KHEN THƯỞNG",
                "abbreviation": "BTĐKT"},
        doc={"title": "Tổng hợp đề nghị khen thưởng", "heading": "TỔNG HỢP ĐỀ NGHỊ KHEN THƯỞNG",
             "subtitle": f"của các khối thi đua năm {year}", "number_type": "BC"},
        place_date=documents.place_date(current_app.config["THIDUA_PLACE"], clock.today()),
        recipients=["Hội đồng Thi đua – Khen thưởng tỉnh", "Lưu: VT"],
        signature={"lines": ["TRƯỞNG BAN"], "name": ""})
    return pdf.render(html)
