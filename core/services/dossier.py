"""The dossier a bloc sends up at the end of its year, beside the documents of
:mod:`core.services.documents`: the plan (Kế hoạch), the covenant (giao ước thi đua), the list
of the units proposed for an award (danh sách đề nghị khen thưởng) and an achievement report
(báo cáo thành tích) per proposed unit.

Each entry of :data:`DOSSIER` is read by :mod:`core.services.documents`, which adds it to its
table of kinds and renders it like the others (common context, ``templates/pdf/_base.html``,
a plugin's override through ``thidua_document_templates``). An entry holds:

``name``
    the document's slug (per-unit ones get ``-<unit code>`` appended by the core);
``title``, ``phase``, ``template``, ``number_type``, ``per_unit``, ``orientation``,
``doc_type``, ``subject``
    as :class:`core.services.documents.DocumentKind` (``subject``: the trích yếu, a format
    string over ``year``, ``bloc`` and ``unit``); ``phase`` is the step whose settling makes
    the document issuable: the plan and the covenant belong to registration (the points table
    may change until registration closes: the covenant stage), the list and the achievement
    reports to the vote;
``builder(campaign, unit) -> dict``
    the template context beyond the common one: everything under one key, ``dossier``, so
    that it never collides with the common context;
``exists(campaign, unit) -> bool`` (optional)
    whether the document exists at all (the list: once a published poll proposes a unit;
    an achievement report: for a unit a published poll proposes);
``checklist(campaign, unit) -> list[str]`` (optional)
    what is missing before it may be issued, in Vietnamese (empty: nothing).

Every document says only what the data says. What the system does not know (the purpose of a
plan that holds none, a unit's history and past awards) is omitted or left as a marked blank
line "(đơn vị bổ sung)", never invented.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.domain import (
    Deliverable,
    FrozenPlan,
    Host,
    LatePolicy,
    PollStatus,
    ProcedureUnavailable,
    Role,
)
from core.domain.policy import HOST_ROLE
from core.domain.vocabulary import head_title
from core.extensions import db
from core.models import (
    Campaign,
    Membership,
    Poll,
    PollOutcome,
    Registration,
    Report,
    ScoreSheet,
    Unit,
    User,
)
from core.plugin_api import PollContext, points
from core.services import campaign_state, clock, covenant, deadlines, scoring
from core.services.cycle import criteria_rows

BLANK = "(đơn vị bổ sung)"


# -- shared reads -----------------------------------------------------------------------------

def _memberships(campaign: Campaign) -> list[Membership]:
    """Members in the order documents list them: leader, deputy, then by name."""
    order = {Role.LEADER.value: 0, Role.DEPUTY.value: 1}
    rows = list(db.session.scalars(
        select(Membership).where(Membership.campaign_id == campaign.id)
        .options(selectinload(Membership.unit))))
    return sorted(rows, key=lambda m: (order.get(m.role, 2), m.unit.name))


def _heads(unit_ids: list[int]) -> dict[int, str]:
    """The active head's full name per unit (a unit without one is absent)."""
    rows = db.session.execute(
        select(User.unit_id, User.full_name).where(User.unit_id.in_(unit_ids),
                                                   User.role == "head",
                                                   User.active.is_(True))
        .order_by(User.id)).all()
    found: dict[int, str] = {}
    for unit_id, name in rows:
        found.setdefault(unit_id, name)
    return found


def _head_title(unit: Unit) -> str:
    """The head's title with the unit's short name: "GIÁM ĐỐC SỞ Y TẾ"."""
    return f"{head_title(unit.short_name)} {unit.short_name.upper()}"


def _role_label(role: str) -> str:
    return Role(role).label


def _day(value: date | None) -> str:
    return f"{value:%d/%m/%Y}" if value else ""


def _paragraphs(value: Any) -> list[str]:
    """A plan text field as paragraphs: a string (blank lines separate paragraphs) or a list."""
    if not value:
        return []
    if isinstance(value, str):
        return [p.strip() for p in value.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return [str(p).strip() for p in value if str(p).strip()]


def _criteria_groups(plan: FrozenPlan) -> list[dict[str, Any]]:
    """The points table as the documents print it: each top-level group with its lines."""
    groups = []
    for top in plan.criteria:
        lines = [{"code": c.code, "title": c.title, "max_points": points(c.max_points),
                  "guidance": c.guidance, "board": c.scorer == "board"}
                 for c in top.walk() if c is not top and not c.children]
        groups.append({"code": top.code, "title": top.title, "kind": top.kind,
                       "max_points": points(top.max_points), "lines": lines,
                       "count": len(lines)})
    return groups


def _cap(plan: FrozenPlan, kind: str) -> Decimal:
    return sum((points(c.max_points) for c in plan.criteria if c.kind == kind), Decimal(0))


# -- 1. Kế hoạch ------------------------------------------------------------------------------

def _host_text(host: str, units: dict[str, Unit | None]) -> str:
    """Who hosts a phase, with the unit holding the role where the plan names a role."""
    label = Host(host).label if host in Host.values() else host
    unit = units.get(host)
    return f"{label} ({unit.name})" if unit is not None else label


def _host_label(plan: FrozenPlan, step: Deliverable) -> str:
    """Who hosts a step, as the plan says ("Khối trưởng", "Khối phó", …)."""
    return plan.host_of(step).label


def _voting(campaign: Campaign, plan: FrozenPlan, members: list[str]) -> dict[str, Any] | None:
    """The voting procedure in the plan's own sentences (None when its class is gone)."""
    try:
        described = plan.procedure().describe(PollContext(members=tuple(sorted(members))))
    except ProcedureUnavailable:
        return None
    return {"rules": list(described.rules),
            "polls": [{"title": p.title, "choose": p.choose, "seats": p.seats,
                       "candidates": p.candidates} for p in described.polls],
            "notes": described.notes}


def plan_context(campaign: Campaign, unit: Unit | None = None) -> dict[str, Any]:
    """The plan printed from the campaign's frozen plan: the criteria with their points, the
    bonus and deduction lines, the calendar with dates and hosts, the voting procedure.
    A purpose or requirements text is printed only if the plan holds one."""
    plan = campaign_state.plan(campaign)
    memberships = _memberships(campaign)
    by_role = {m.role: m.unit for m in memberships}
    hosts = {Host.LEADER.value: by_role.get(Role.LEADER.value),
             Host.DEPUTY.value: by_role.get(Role.DEPUTY.value)}
    groups = _criteria_groups(plan)
    calendar = []
    for phase in plan.calendar:
        deliverable = Deliverable(phase.deliverable) if phase.deliverable else None
        calendar.append({
            "title": phase.title, "opens": _day(phase.opens), "due": _day(phase.due),
            "host": _host_text(phase.host, hosts),
            "product": deliverable.product if deliverable else "",
            "late": (LatePolicy(phase.late).label if deliverable is not None
                     and phase.late in LatePolicy.values() else ""),
        })
    return {"dossier": {
        "leader": hosts[Host.LEADER.value], "deputy": hosts[Host.DEPUTY.value],
        "purpose": _paragraphs(getattr(plan, "purpose", None)),
        "requirements": _paragraphs(getattr(plan, "requirements", None)),
        "item_groups": [g for g in groups if g["kind"] == "item"],
        "other_groups": [g for g in groups if g["kind"] != "item"],
        "groups": groups,
        "max_total": plan.max_total,
        "bonus_cap": _cap(plan, "bonus"), "deduction_cap": _cap(plan, "deduction"),
        "calendar": calendar,
        "voting": _voting(campaign, plan, [m.unit.code for m in memberships]),
        "revision": plan.revision,
        "member_count": len(memberships),
    }}


def plan_checklist(campaign: Campaign, unit: Unit | None = None) -> list[str]:
    missing = []
    leader = next((m.unit for m in _memberships(campaign) if m.role == Role.LEADER.value),
                  None)
    if leader is None:
        missing.append(_("Năm thi đua chưa có đơn vị Khối trưởng."))
    elif not _heads([leader.id]):
        missing.append(_("Chưa có thủ trưởng của %(unit)s (Khối trưởng) để ký.",
                         unit=leader.name))
    return missing


# -- 2. Giao ước thi đua ----------------------------------------------------------------------

def covenant_date(campaign: Campaign) -> date:
    """The day the covenant is signed: the last day of the plan's covenant phase (a phase
    whose title names the "giao ước") if the plan has one; otherwise the end of the covenant
    stage, when registration closes (its last day on time, or its host's closing act if
    earlier)."""
    plan = campaign_state.plan(campaign)
    named = next((p for p in plan.calendar if "giao ước" in p.title.lower()), None)
    if named is not None:
        return named.due
    status = campaign_state.step(campaign, Deliverable.REGISTRATION)
    record = deadlines.closing_records(campaign).get("registration")
    if record is not None and record.closed_at is not None:
        return min(status.due, clock.local(record.closed_at).date())
    return status.due


def _plan_on(campaign: Campaign, day: date) -> FrozenPlan:
    """The plan as it stood on ``day``: the last revision made by then (revision 1 is the
    plan as opened); the current plan when no revision is stored."""
    chosen = None
    for revision in covenant.revisions(campaign):
        if revision.revision == 1 or clock.local(revision.created_at).date() <= day:
            chosen = revision
    if chosen is None:
        return campaign_state.plan(campaign)
    return FrozenPlan.from_snapshot(chosen.snapshot, chosen.revision)


def covenant_context(campaign: Campaign, unit: Unit | None = None) -> dict[str, Any]:
    """Every member unit with its head's signature line, and the criteria the members
    agree to emulate on, with the points table in force on the covenant's day."""
    signed_on = covenant_date(campaign)
    plan = _plan_on(campaign, signed_on)
    memberships = _memberships(campaign)
    heads = _heads([m.unit_id for m in memberships])
    members = [{"name": m.unit.name, "role": _role_label(m.role), "role_code": m.role,
                "title": _head_title(m.unit), "head": heads.get(m.unit_id, "")}
               for m in memberships]
    groups = _criteria_groups(plan)
    return {"dossier": {
        "date": _day(signed_on),
        "date_text": f"ngày {signed_on.day:02d} tháng {signed_on.month:02d} năm "
                     f"{signed_on.year}",
        "members": members,
        "signature_rows": [members[i:i + 2] for i in range(0, len(members), 2)],
        "groups": groups,
        "item_groups": [g for g in groups if g["kind"] == "item"],
        "other_groups": [g for g in groups if g["kind"] != "item"],
        "max_total": plan.max_total,
        "bonus_cap": _cap(plan, "bonus"), "deduction_cap": _cap(plan, "deduction"),
        "revision": plan.revision,
        "current_revision": campaign_state.plan(campaign).revision,
        "verifier": _host_label(plan, Deliverable.VERIFICATION),
    }}


def covenant_checklist(campaign: Campaign, unit: Unit | None = None) -> list[str]:
    memberships = _memberships(campaign)
    heads = _heads([m.unit_id for m in memberships])
    return [_("Chưa có thủ trưởng của %(unit)s để ký giao ước.", unit=m.unit.name)
            for m in memberships if m.unit_id not in heads]


# -- 3. Danh sách đề nghị khen thưởng ---------------------------------------------------------

def _award_polls(campaign: Campaign) -> list[tuple[Poll, list[Poll]]]:
    """The award polls (not leadership elections) with their run-off rounds, in order."""
    polls = list(db.session.scalars(
        select(Poll).where(Poll.campaign_id == campaign.id, Poll.elects.is_(None))
        .order_by(Poll.id)))
    rounds: dict[int, list[Poll]] = {}
    for poll in polls:
        if poll.runoff_of is not None:
            root = poll.runoff_of
            while (parent := next((p for p in polls if p.id == root), None)) is not None \
                    and parent.runoff_of is not None:
                root = parent.runoff_of
            rounds.setdefault(root, []).append(poll)
    return [(p, rounds.get(p.id, [])) for p in polls if p.runoff_of is None]


def _published(campaign: Campaign) -> list[tuple[Poll, list[Poll], dict[int, dict[str, Any]]]]:
    """The award polls whose every round is published, with the stored results of their
    rounds (two queries)."""
    ready = [(poll, runoffs) for poll, runoffs in _award_polls(campaign)
             if all(p.status == PollStatus.PUBLISHED for p in (poll, *runoffs))]
    ids = [p.id for poll, runoffs in ready for p in (poll, *runoffs)]
    results = {o.poll_id: o.result for o in db.session.scalars(
        select(PollOutcome).where(PollOutcome.poll_id.in_(ids)))} if ids else {}
    return [(poll, runoffs, results) for poll, runoffs in ready if poll.id in results]


def _share(value: Any) -> str:
    return f"{float(value) * 100:.1f}%".replace(".", ",")


def proposals(campaign: Campaign) -> list[dict[str, Any]]:
    """The awards the published polls propose, each with its units (verified total, rank,
    votes and share) in the order elected. A poll counts only once it and all its run-off
    rounds are published."""
    published = _published(campaign)
    if not published:
        return []
    ranking = {r["unit"].code: r for r in scoring.ranking(campaign)}
    names = {m.unit.code: m.unit.name for m in _memberships(campaign)}
    out = []
    for poll, runoffs, results in published:
        first = results[poll.id]
        votes_word = "Số phiếu" if poll.method in ("approval", "single") else "Điểm bầu"
        rows = []
        for round_poll in (poll, *runoffs):
            result = results.get(round_poll.id) or {}
            counts = {c["candidate"]: c for c in result.get("counts", [])}
            for code in result.get("elected", []):
                count = counts.get(code, {})
                ranked = ranking.get(code)
                rows.append({
                    "code": code, "name": names.get(code, code),
                    "verified_total": ranked["verified_total"] if ranked else None,
                    "rank": ranked["rank"] if ranked else None,
                    "votes": count.get("votes"), "share": _share(count.get("share", 0)),
                    "valid": result.get("valid"), "eligible": result.get("eligible"),
                    "round": round_poll.title if round_poll is not poll else "",
                    "voted_on": _day(clock.local(round_poll.closed_at).date())
                    if round_poll.closed_at else "",
                })
        out.append({"code": poll.code, "title": poll.title, "seats": poll.seats,
                    "votes_word": votes_word, "eligible": first.get("eligible"),
                    "voted": first.get("voted"), "valid": first.get("valid"),
                    "voted_on": _day(clock.local(poll.closed_at).date())
                    if poll.closed_at else "",
                    "rows": rows})
    return out


def proposed_codes(campaign: Campaign) -> set[str]:
    """The codes of the units the published award polls propose (two queries)."""
    return {code for poll, runoffs, results in _published(campaign)
            for p in (poll, *runoffs) for code in results.get(p.id, {}).get("elected", [])}


def proposal_list_exists(campaign: Campaign, unit: Unit | None = None) -> bool:
    """The list exists once a published award poll proposes at least one unit."""
    return bool(proposed_codes(campaign))


def proposal_list_context(campaign: Campaign, unit: Unit | None = None) -> dict[str, Any]:
    awards = [a for a in proposals(campaign) if a["rows"]]
    return {"dossier": {
        "awards": awards, "total": sum(len(a["rows"]) for a in awards),
        "member_count": len(_memberships(campaign)),
        "max_total": campaign_state.plan(campaign).max_total,
    }}


def proposal_list_checklist(campaign: Campaign, unit: Unit | None = None) -> list[str]:
    missing = []
    for poll, runoffs in _award_polls(campaign):
        missing += [_("Kết quả “%(poll)s” chưa được công bố.", poll=p.title)
                    for p in (poll, *runoffs) if p.status != PollStatus.PUBLISHED]
    if not missing and not proposed_codes(campaign):
        missing.append(_("Chưa có đơn vị nào được đề nghị khen thưởng."))
    return missing


# -- 4. Báo cáo thành tích --------------------------------------------------------------------

def is_proposed(campaign: Campaign, unit: Unit | None) -> bool:
    """An achievement report exists only for a unit a published poll proposes."""
    return unit is not None and unit.code in proposed_codes(campaign)


def _year_end(campaign: Campaign, unit: Unit) -> Report | None:
    return db.session.scalar(
        select(Report).where(Report.campaign_id == campaign.id, Report.unit_id == unit.id,
                             Report.kind == "year_end", Report.status == "submitted")
        .options(selectinload(Report.progress)))


def achievement_context(campaign: Campaign, unit: Unit) -> dict[str, Any]:
    """The unit's achievement report in the form of a collective's report (see the
    template): what the system knows — the year-end report's text and its results per
    criterion, the registered targets, the verified score and rank, the vote — and marked
    blanks for the rest."""
    plan = campaign_state.plan(campaign)
    membership = next(m for m in _memberships(campaign) if m.unit_id == unit.id)
    report = _year_end(campaign, unit)
    rows = criteria_rows(campaign)
    by_id = {r.id: r for r in rows}
    registration = db.session.scalar(
        select(Registration).where(Registration.campaign_id == campaign.id,
                                   Registration.unit_id == unit.id,
                                   Registration.status == "submitted")
        .options(selectinload(Registration.items)))
    targets = {by_id[i.criterion_id].code: i for i in registration.items} \
        if registration else {}
    progress = {by_id[p.criterion_id].code: p for p in report.progress} if report else {}
    sheet = db.session.scalar(
        select(ScoreSheet).where(ScoreSheet.campaign_id == campaign.id,
                                 ScoreSheet.unit_id == unit.id)
        .options(selectinload(ScoreSheet.scores)))
    scores = {by_id[s.criterion_id].code: s for s in sheet.scores} if sheet else {}
    lines = []
    for criterion in plan.leaves():
        score = scores.get(criterion.code)
        verified = None
        if score is not None:
            verified = score.verified_score if score.verified_score is not None else (
                None if criterion.scorer == "board" else score.self_score)
        if criterion.kind != "item" and not verified:
            continue  # a bonus or deduction line that did not apply
        target = targets.get(criterion.code)
        step = progress.get(criterion.code)
        lines.append({
            "code": criterion.code, "title": criterion.title, "kind": criterion.kind,
            "max_points": points(criterion.max_points),
            "target": ("Không áp dụng: " + target.na_reason if target.not_applicable
                       else target.target) if target else "",
            "percent": step.percent if step else None, "note": step.note if step else "",
            "verified": verified, "evidence": score.evidence if score else "",
            "reason": score.reason if score and score.verified_score is not None
            and score.verified_score != score.self_score else "",
        })
    ranked = next((r for r in scoring.ranking(campaign) if r["unit"].id == unit.id), None)
    awards = [{"title": a["title"], **row, "voted": a["voted"], "votes_word": a["votes_word"]}
              for a in proposals(campaign) for row in a["rows"] if row["code"] == unit.code]
    # The bloc presents the award: the unit hosting the vote (Khối 8: the leader) confirms.
    role = HOST_ROLE[plan.host_of(Deliverable.VOTE)]
    presenter = next((m.unit for m in _memberships(campaign)
                      if role is not None and m.role == role.value), None)
    confirmer = None
    if presenter is not None:
        confirmer = {"lines": [f"TM. {(plan.bloc.issuer or plan.bloc.name).upper()}",
                               role.label.upper(), _head_title(presenter)],
                     "name": _heads([presenter.id]).get(presenter.id, "")}
    return {"dossier": {
        "role": _role_label(membership.role),
        "member_count": len(_memberships(campaign)),
        "awards": awards,
        "award_titles": [a["title"] for a in awards],
        "subject": "; ".join(dict.fromkeys(a["title"] for a in awards)),
        "report": ({"submitted_on": _day(clock.local(report.submitted_at).date()),
                    "late": report.late, "body": _paragraphs(report.body)}
                   if report else None),
        "registered_on": (_day(clock.local(registration.submitted_at).date())
                          if registration and registration.submitted_at else ""),
        "lines": lines,
        "verified_total": ranked["verified_total"] if ranked else None,
        "self_total": ranked["self_total"] if ranked else None,
        "rank": ranked["rank"] if ranked else None,
        "max_total": plan.max_total,
        "confirmer": confirmer,
        "report_to": _host_label(plan, Deliverable.YEAR_END_REPORT),
        "verifier": _host_label(plan, Deliverable.VERIFICATION),
        "blank": BLANK,
    }}


def achievement_checklist(campaign: Campaign, unit: Unit) -> list[str]:
    missing = []
    if _year_end(campaign, unit) is None:
        missing.append(_("%(unit)s chưa gửi báo cáo tổng kết năm.", unit=unit.name))
    if not _heads([unit.id]):
        missing.append(_("Chưa có thủ trưởng của %(unit)s để ký.", unit=unit.name))
    return missing


# -- the table read by core.services.documents -------------------------------------------------

DOSSIER: list[dict[str, Any]] = [
    {"name": "ke-hoach", "title": "Kế hoạch tổ chức và phát động phong trào thi đua",
     "phase": "registration", "template": "pdf/plan.html", "number_type": "KH",
     "per_unit": False, "orientation": "portrait", "doc_type": "KẾ HOẠCH",
     "subject": "Tổ chức và phát động phong trào thi đua năm {year}", "builder": plan_context,
     "checklist": plan_checklist},
    # Nghị định 30/2020 (Phụ lục III) has no symbol for a covenant; "GƯTĐ" is the one blocs
    # use in practice.
    {"name": "giao-uoc", "title": "Giao ước thi đua", "phase": "registration",
     "template": "pdf/covenant.html", "number_type": "GƯTĐ", "per_unit": False,
     "orientation": "portrait", "doc_type": "GIAO ƯỚC THI ĐUA",
     "subject": "Năm {year} giữa các đơn vị thành viên {bloc}", "builder": covenant_context,
     "checklist": covenant_checklist},
    # Nor for a list: "DS" in practice (a list sent with the tờ trình).
    {"name": "danh-sach-de-nghi", "title": "Danh sách đề nghị khen thưởng", "phase": "vote",
     "template": "pdf/proposal_list.html", "number_type": "DS", "per_unit": False,
     "orientation": "portrait", "doc_type": "DANH SÁCH",
     "subject": "Tập thể đề nghị khen thưởng thành tích năm {year}",
     "builder": proposal_list_context,
     "exists": proposal_list_exists, "checklist": proposal_list_checklist},
    {"name": "bao-cao-thanh-tich", "title": "Báo cáo thành tích", "phase": "vote",
     "template": "pdf/achievement_report.html", "number_type": "BC", "per_unit": True,
     "orientation": "portrait", "doc_type": "BÁO CÁO THÀNH TÍCH",
     # the template puts the award(s) as the subject: "Đề nghị tặng Cờ thi đua …"
     "subject": "Thành tích năm {year}",
     "builder": achievement_context, "exists": is_proposed,
     "checklist": achievement_checklist},
]

__all__ = ["BLANK", "DOSSIER", "covenant_date", "proposals", "proposed_codes"]
