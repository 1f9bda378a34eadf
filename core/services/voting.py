"""The council's secret ballot: polls opened, cast, closed, counted and published.

Trust rules (threat model in docs/voting.md): who voted (VoterRoll) and what was voted (Ballot)
are written in one transaction but in separate tables with no link; a ballot has a random id,
its choices and the SHA-256 of a receipt shown once to the voter; the roll keeps only the day.
One ballot per unit per poll is enforced by a conditional UPDATE of the roll row (only one
transaction can turn ``voted_on`` from NULL), so a second attempt is a 409 even under
concurrency. A poll's result is counted once, when it closes, stored, and never recomputed.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, update

from core.domain import Action, Deliverable, StepState
from core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from core.extensions import db
from core.models import (
    Ballot,
    Campaign,
    Membership,
    Poll,
    PollOutcome,
    Unit,
    User,
    VoterRoll,
)
from core.services import audit, campaign_state, clock, deadlines, permissions, scoring
from core.services.cycle import raise_if, text_field
from core.voting import PollContext, PollSpec, ProcedureUnavailable, VotingProcedure


def procedure(campaign: Campaign) -> VotingProcedure:
    """The campaign's procedure, rebuilt from its snapshot. When its class is not installed
    any more, 409 ``read_only``: nothing is opened, cast or counted, while the stored polls,
    results and receipts stay readable."""
    return campaign_state.procedure(campaign)


def available_procedure(campaign: Campaign) -> VotingProcedure | None:
    """The campaign's procedure, or None when its class is not installed (read-only)."""
    try:
        return campaign_state.plan(campaign).procedure()
    except ProcedureUnavailable:
        return None


def read_only(campaign: Campaign) -> str | None:
    """The stored procedure's name when its class is not installed (the vote is read-only),
    else None."""
    if available_procedure(campaign) is not None:
        return None
    return campaign_state.plan(campaign).voting_name


def context(campaign: Campaign, members: list[str] | None = None) -> PollContext:
    """Members (or a frozen roll), the ranking by verified total and the verified totals."""
    table = scoring.ranking(campaign)
    codes = members if members is not None else [r["unit"].code for r in table]
    return PollContext(members=tuple(sorted(codes)),
                       ranking=tuple(r["unit"].code for r in table),
                       scores={r["unit"].code: float(r["verified_total"]) for r in table})


def spec_of(poll: Poll) -> PollSpec:
    return PollSpec(code=poll.code, title=poll.title, method=poll.method, seats=poll.seats,
                    min_choices=poll.min_choices, max_choices=poll.max_choices,
                    candidates=tuple(poll.candidates), elects=poll.elects)


def stored_polls(campaign: Campaign) -> dict[str, Poll]:
    return {p.code: p for p in db.session.scalars(
        select(Poll).where(Poll.campaign_id == campaign.id).order_by(Poll.id))}


@dataclass
class PollView:
    """A poll as shown: the stored (frozen) one, or the draft the procedure would open now."""

    spec: PollSpec
    status: str
    poll: Poll | None = None

    def to_dict(self, campaign: Campaign) -> dict[str, Any]:
        phase = deadlines.phase_for(campaign, "vote")
        poll = self.poll
        return {
            "code": self.spec.code, "title": self.spec.title, "method": self.spec.method,
            "status": self.status, "seats": self.spec.seats,
            "opens": phase.opens.isoformat(), "closes": phase.due.isoformat(),
            "min_choices": self.spec.min_choices, "max_choices": self.spec.max_choices,
            "candidates": list(self.spec.candidates), "elects": self.spec.elects,
            "roster_hash": poll.roster_hash if poll else None,
            "runoff_of": _code_of(poll.runoff_of) if poll and poll.runoff_of else None,
            "opened_at": clock.local(poll.opened_at).isoformat() if poll and poll.opened_at
            else None,
            "closed_at": clock.local(poll.closed_at).isoformat() if poll and poll.closed_at
            else None,
        }


def _code_of(poll_id: int) -> str | None:
    return db.session.scalar(select(Poll.code).where(Poll.id == poll_id))


def list_polls(campaign: Campaign, *, actor: User) -> list[PollView]:
    permissions.require(permissions.can_read_work(actor, campaign))
    stored = stored_polls(campaign)
    views = []
    found = available_procedure(campaign)
    # Read-only (procedure gone): the stored polls only, never a draft it would have opened.
    for spec in found.polls(context(campaign)) if found is not None else []:
        poll = stored.pop(spec.code, None)
        views.append(PollView(spec_of(poll), poll.status, poll) if poll
                     else PollView(spec, "draft"))
    views += [PollView(spec_of(p), p.status, p) for p in stored.values()]  # run-offs
    return views


def get_view(campaign: Campaign, code: str, *, actor: User) -> PollView:
    for view in list_polls(campaign, actor=actor):
        if view.spec.code == code:
            return view
    raise NotFound(f"Không có cuộc bỏ phiếu mã '{code}'.", code="poll_not_found")


def can_run_polls(campaign: Campaign, user: User | None) -> bool:
    """Opening, closing and publishing polls: the vote's host or the provincial board."""
    return campaign_state.allowed(Action.RUN_POLLS, user, campaign)


def _require_host(campaign: Campaign, actor: User) -> None:
    campaign_state.require(Action.RUN_POLLS, actor, campaign)


def _vote_phase_started(campaign: Campaign) -> None:
    status = campaign_state.step(campaign, Deliverable.VOTE)
    if status.state is StepState.NOT_OPEN:
        raise Conflict(f"Chưa đến thời gian bình xét (từ ngày {status.opens:%d/%m/%Y}).",
                       code="phase_not_open")


def roster_hash(campaign: Campaign, code: str, members: list[str]) -> str:
    payload = json.dumps({"bloc": campaign.bloc.code, "year": campaign.year, "poll": code,
                          "roll": sorted(members)}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def open_poll(campaign: Campaign, code: str, *, actor: User) -> Poll:
    """Freeze the candidates and the voter roll (member units) and open the poll."""
    _require_host(campaign, actor)
    procedure(campaign)  # 409 read_only: no poll is opened without its procedure
    view = get_view(campaign, code, actor=actor)
    if view.status != "draft":
        raise Conflict("Cuộc bỏ phiếu này đã được mở.", code="poll_already_opened")
    deadlines.check_window(campaign, "vote", None)
    units = list(db.session.scalars(
        select(Unit).join(Membership, Membership.unit_id == Unit.id)
        .where(Membership.campaign_id == campaign.id)))
    members = [u.code for u in units]
    poll = view.poll
    if poll is None:
        spec = view.spec
        poll = Poll(campaign_id=campaign.id, code=spec.code, title=spec.title,
                    method=spec.method, seats=spec.seats, min_choices=spec.min_choices,
                    max_choices=spec.max_choices, candidates=list(spec.candidates),
                    elects=spec.elects)
        db.session.add(poll)
    poll.status, poll.opened_at = "open", clock.now()
    poll.roster_hash = roster_hash(campaign, code, members)
    poll.roll = [VoterRoll(unit_id=u.id) for u in units]
    db.session.flush()
    audit.record("poll.open", "poll", f"{campaign.bloc.code}/{campaign.year}/{code}",
                 actor=actor, details={"roster_hash": poll.roster_hash,
                                       "candidates": poll.candidates, "eligible": len(members)})
    return poll


def _stored(campaign: Campaign, code: str) -> Poll:
    poll = stored_polls(campaign).get(code)
    if poll is None:
        raise Conflict("Cuộc bỏ phiếu chưa được mở.", code="poll_not_open")
    return poll


def cast(campaign: Campaign, code: str, choices: Any, *, actor: User) -> str:
    """Cast the unit's ballot; return the receipt (shown once, stored only as its hash)."""
    if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
        raise ValidationFailed("Lựa chọn phải là danh sách mã đơn vị.", code="ballot_rejected",
                               fields={"choices": ["Danh sách mã đơn vị."]})
    poll = stored_polls(campaign).get(code)
    if poll is None:
        get_view(campaign, code, actor=actor)  # 404 for an unknown poll
    refusal = voter_refusal(poll, actor)
    if refusal is not None:
        raise refusal
    voter_code = actor.unit.code
    check_choices(campaign, poll, voter_code, choices)
    marked = db.session.execute(
        update(VoterRoll).where(VoterRoll.poll_id == poll.id,
                                VoterRoll.unit_id == actor.unit_id,
                                VoterRoll.voted_on.is_(None))
        .values(voted_on=clock.today()))
    if marked.rowcount != 1:  # another transaction marked the roll first; the caller rolls back
        raise Conflict("Đơn vị của bạn đã bỏ phiếu trong cuộc bỏ phiếu này.",
                       code="already_voted")
    receipt = secrets.token_hex(10).upper()
    stored_choices = list(choices) if poll.method == "ranked" else sorted(choices)
    db.session.add(Ballot(id=str(uuid.uuid4()), poll_id=poll.id, choices=stored_choices,
                          receipt_hash=hashlib.sha256(receipt.encode()).hexdigest()))
    audit.record("ballot.cast", "poll", f"{campaign.bloc.code}/{campaign.year}/{code}",
                 actor=actor, details={"unit": voter_code})
    return receipt


def voter_refusal(poll: Poll | None, user: User) -> DomainError | None:
    """Why this user may not vote in this poll now (in the order ``cast`` checks), or None."""
    if poll is None:
        return Conflict(_("Cuộc bỏ phiếu chưa được mở."), code="poll_not_open")
    unit = user.unit
    if unit is None:
        return Forbidden(_("Tài khoản của Ban Thi đua – Khen thưởng và tài khoản quản trị không "
                           "bỏ phiếu: chỉ Thủ trưởng các đơn vị thành viên bỏ phiếu."))
    if user.role != "head":
        return Forbidden(_("Chỉ Thủ trưởng đơn vị bỏ phiếu. Tài khoản của bạn là tài khoản cán "
                           "bộ phụ trách thi đua của %(unit)s.", unit=unit.name))
    on_roll = db.session.scalar(select(VoterRoll.id).where(VoterRoll.poll_id == poll.id,
                                                           VoterRoll.unit_id == unit.id))
    if on_roll is None:
        return Forbidden(_("%(unit)s không có trong danh sách cử tri của cuộc bỏ phiếu này "
                           "(danh sách được chốt khi mở bỏ phiếu, gồm các đơn vị thành viên).",
                           unit=unit.name))
    if poll.status != "open":
        return Conflict(_("Cuộc bỏ phiếu không mở (chưa mở hoặc đã kết thúc)."),
                        code="poll_not_open")
    try:
        procedure(poll.campaign)
    except Conflict as read_only:  # the procedure is gone: no ballot can be checked
        return read_only
    return None


def check_choices(campaign: Campaign, poll: Poll | PollSpec, voter: str,
                  choices: list[str]) -> None:
    """The procedure's own ballot rules (raises BallotRejected); nothing is stored."""
    spec = poll if isinstance(poll, PollSpec) else spec_of(poll)
    procedure(campaign).check_ballot(spec, voter, choices)


def close_poll(campaign: Campaign, code: str, *, actor: User) -> PollOutcome:
    """Stop voting, count once, store the result; a tie at the last seat opens a run-off."""
    _require_host(campaign, actor)
    _vote_phase_started(campaign)
    poll = _stored(campaign, code)
    if poll.status != "open":
        raise Conflict("Chỉ kết thúc được cuộc bỏ phiếu đang mở.", code="poll_not_open")
    ballots = [b.choices for b in db.session.scalars(
        select(Ballot).where(Ballot.poll_id == poll.id).order_by(Ballot.id))]
    roll = [u for u in db.session.scalars(
        select(Unit.code).join(VoterRoll, VoterRoll.unit_id == Unit.id)
        .where(VoterRoll.poll_id == poll.id))]
    result = procedure(campaign).tally(spec_of(poll), ballots, context(campaign, roll))
    poll.status, poll.closed_at = "closed", clock.now()
    head = audit.head_hash()
    outcome = PollOutcome(poll_id=poll.id, result=result.to_dict(),
                          roster_hash=poll.roster_hash, audit_head=head,
                          computed_at=clock.now())
    db.session.add(outcome)
    if result.runoff:
        rounds = 1 + sum(1 for p in stored_polls(campaign).values()
                         if p.code.startswith(f"{code}-vong-"))
        db.session.add(Poll(
            campaign_id=campaign.id, code=f"{code}-vong-{rounds + 1}",
            title=f"{poll.title} — bầu lại vòng {rounds + 1}", method=poll.method,
            seats=poll.seats - len(result.elected), min_choices=1,
            max_choices=min(poll.max_choices, poll.seats - len(result.elected)),
            candidates=list(result.runoff), elects=poll.elects, runoff_of=poll.id,
            status="draft"))
    audit.record("poll.close", "poll", f"{campaign.bloc.code}/{campaign.year}/{code}",
                 actor=actor, details={"voted": result.voted, "valid": result.valid,
                                       "elected": list(result.elected),
                                       "runoff": list(result.runoff)})
    return outcome


def publish_poll(campaign: Campaign, code: str, *, actor: User) -> Poll:
    _require_host(campaign, actor)
    _vote_phase_started(campaign)
    poll = _stored(campaign, code)
    if poll.status != "closed":
        raise Conflict("Chỉ công bố được cuộc bỏ phiếu đã kết thúc.", code="poll_not_closed")
    poll.status, poll.published_at = "published", clock.now()
    audit.record("poll.publish", "poll", f"{campaign.bloc.code}/{campaign.year}/{code}",
                 actor=actor)
    return poll


def outcome(campaign: Campaign, code: str, *, actor: User) -> tuple[Poll, PollOutcome]:
    """The stored result: to the leadership and board once closed, to every member once
    published."""
    permissions.require(permissions.can_read_work(actor, campaign))
    poll = _stored(campaign, code)
    if poll.status == "open":
        raise Conflict("Cuộc bỏ phiếu chưa kết thúc; chưa có kết quả.", code="poll_not_closed")
    insider = campaign_state.allowed(Action.SEE_UNPUBLISHED_RESULTS, actor, campaign)
    if poll.status == "closed" and not insider:
        raise Forbidden("Kết quả chưa được công bố.")
    found = db.session.scalar(select(PollOutcome).where(PollOutcome.poll_id == poll.id))
    return poll, found


def receipts(campaign: Campaign, code: str, *, actor: User) -> list[str]:
    """The published receipt hashes, sorted, so each voter can find theirs."""
    permissions.require(permissions.can_read_work(actor, campaign))
    poll = _stored(campaign, code)
    if poll.status != "published":
        raise Conflict("Danh sách mã biên nhận chỉ có sau khi công bố.",
                       code="poll_not_published")
    return sorted(db.session.scalars(select(Ballot.receipt_hash)
                                     .where(Ballot.poll_id == poll.id)))


def roll_status(campaign: Campaign, code: str, *, actor: User) -> dict[str, Any]:
    """Who has voted (units, the day only) — for the host during the vote; never what."""
    permissions.require(permissions.can_read_work(actor, campaign))
    poll = _stored(campaign, code)
    rows = db.session.execute(
        select(Unit.code, Unit.name, VoterRoll.voted_on).join(VoterRoll,
                                                              VoterRoll.unit_id == Unit.id)
        .where(VoterRoll.poll_id == poll.id).order_by(Unit.name)).all()
    return {"eligible": len(rows), "voted": sum(1 for r in rows if r.voted_on),
            "units": [{"unit": r.code, "name": r.name, "voted": r.voted_on is not None}
                      for r in rows]}


def has_voted(poll: Poll, unit_id: int | None) -> bool:
    if unit_id is None:
        return False
    return bool(db.session.scalar(select(VoterRoll.id).where(
        VoterRoll.poll_id == poll.id, VoterRoll.unit_id == unit_id,
        VoterRoll.voted_on.is_not(None))))


COUNCIL_MEETING = "council_meeting"


def record_meeting(campaign: Campaign, details: Any, *, actor: User) -> dict[str, Any]:
    """The leader records the council meeting for the minutes: when, where, chair, secretary,
    counting committee. Recorded again, it replaces the earlier record (kept in the audit)."""
    from datetime import datetime

    from core.models import PhaseRecord

    campaign_state.require(Action.RECORD_MEETING, actor, campaign)
    if not isinstance(details, dict):
        raise ValidationFailed("Dữ liệu không hợp lệ.", fields={"meeting": ["Đối tượng JSON."]})
    errors: dict[str, list[str]] = {}
    try:
        held_at = datetime.fromisoformat(str(details.get("held_at")))
    except ValueError:
        errors["held_at"] = ["Thời gian họp dạng YYYY-MM-DDTHH:MM."]
        held_at = None
    record = {"held_at": held_at.isoformat() if held_at else None}
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
    existing = db.session.scalar(select(PhaseRecord).where(
        PhaseRecord.campaign_id == campaign.id, PhaseRecord.step == COUNCIL_MEETING))
    if existing is None:
        db.session.add(PhaseRecord(campaign_id=campaign.id, step=COUNCIL_MEETING,
                                   closed_at=clock.now(), closed_by=actor.id, details=record))
    else:
        existing.details, existing.closed_at, existing.closed_by = record, clock.now(), actor.id
    audit.record("council.meeting", "campaign", f"{campaign.bloc.code}/{campaign.year}",
                 actor=actor, details=record)
    return record


def meeting(campaign: Campaign) -> dict[str, Any] | None:
    from core.models import PhaseRecord

    found = db.session.scalar(select(PhaseRecord).where(
        PhaseRecord.campaign_id == campaign.id, PhaseRecord.step == COUNCIL_MEETING))
    return dict(found.details) if found else None
