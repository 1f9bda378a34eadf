"""The council's secret ballot: polls opened, cast, closed, counted and published.

Trust rules (threat model in docs/voting.md §6):

* **Who voted** (VoterRoll, the day only) and **what was voted** are in separate tables with
  no link. While the poll is open a ballot is stored only **sealed** to the poll's public
  key (``ballot_seal``); its receipt's SHA-256 goes to ``receipts``, with no link to it.
* **One ballot per unit**: a conditional UPDATE of the roll row (only one transaction can
  turn ``voted_on`` from NULL), so a second attempt is a 409 even under concurrency.
* **Cast, close, open and publish are serialised per poll**: each locks the poll row before
  it reads the poll's status (``_lock_poll``), so a ballot answered 201 is always counted and
  a ballot not counted was refused.
* **At close** the private key is rebuilt from the counting committee's shares (or taken from
  the poll row in "server" mode, then erased); the ballots are opened in memory, written in
  random order with random ids to ``opened_ballots``, the sealed rows deleted; the receipts
  are rewritten in random order and their digest frozen in the result and the audit event.
  The result is counted once, stored and never recomputed; when quorum fails only the
  turnout is stored.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update

from core.domain import Action, Deliverable, StepState
from core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from core.extensions import db
from core.models import (
    AuditEvent,
    Ballot,
    Campaign,
    Membership,
    OpenedBallot,
    Poll,
    PollOutcome,
    Receipt,
    Unit,
    User,
    VoterRoll,
)
from core.services import (
    audit,
    ballot_seal,
    campaign_state,
    clock,
    deadlines,
    eligibility,
    guards,
    office,
    permissions,
    scoring,
)
from core.services import meeting as council_meeting
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
    present = _present_units(campaign)
    return PollContext(members=tuple(sorted(codes)),
                       ranking=tuple(r["unit"].code for r in table),
                       scores={r["unit"].code: float(r["verified_total"]) for r in table},
                       present=tuple(present) if present is not None else None)


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
            # how the ballots are sealed until the count (never a secret: the public key is
            # also in the ``poll.open`` audit event); None for a draft
            "seal": poll.seal if poll else None,
            "shares_needed": poll.shares_needed if poll else None,
            "public_key": poll.public_key if poll else None,
        }


def _code_of(poll_id: int) -> str | None:
    return db.session.scalar(select(Poll.code).where(Poll.id == poll_id))


def list_polls(campaign: Campaign, *, actor: User) -> list[PollView]:
    permissions.require(permissions.can_read_work(actor, campaign))
    stored = stored_polls(campaign)
    views = []
    found = available_procedure(campaign)
    # Read-only (procedure gone): the stored polls only, never a draft it would have opened.
    # A unit under discipline, inspection or an unresolved complaint is not proposed
    # (core/services/eligibility.py): the award polls are built without it.
    ctx = context(campaign) if found is not None else None
    specs = eligibility.filter_candidates(campaign, found.polls(ctx), procedure=found,
                                          ctx=ctx) if found is not None else []
    for spec in specs:
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


# -- locking ---------------------------------------------------------------------------------

def _lock_poll(poll_id: int, *, shared: bool = False) -> Poll:
    """Lock the poll row until the end of the transaction and read it again, fresh.

    ``shared`` (a cast): on PostgreSQL ``FOR SHARE``, so that casts to one poll go ahead side
    by side while a close, an open or a publish (``FOR UPDATE``) still waits for every cast
    in flight to commit, and a cast that comes after waits for the close and sees it. (Before,
    every cast took ``FOR UPDATE`` and the casts of a poll ran one at a time.)

    PostgreSQL: ``SELECT … FOR UPDATE`` (``with_for_update``) on the poll row: a cast, a
    close, an open or a publish of the same poll waits for the other's commit, then reads the
    status it left. SQLite has no row locks: the same effect is the database's write lock
    taken *before* the status is read. pysqlite (its default transaction handling, which
    SQLAlchemy keeps) begins the transaction at the first write, and the first write takes
    SQLite's RESERVED lock, which one connection holds at a time until it commits; so the lock
    is a no-op write to the poll row (``UPDATE polls SET status = status``) — the same lock
    ``BEGIN IMMEDIATE`` would take, limited to these four actions. Other writers wait for it
    (busy timeout) and then see the committed status."""
    poll = _locked(Poll.id == poll_id, shared=shared)
    assert poll is not None
    return poll


def _locked(which: Any, *, shared: bool) -> Poll | None:
    """The poll row ``which`` selects, locked as :func:`_lock_poll` says (None: no such
    poll), in one statement on PostgreSQL."""
    session = db.session
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(Poll).where(which).values(status=Poll.status)
                        .execution_options(synchronize_session=False))
    return session.scalar(select(Poll).where(which).with_for_update(read=shared)
                          .execution_options(populate_existing=True))


def lock_poll(poll_id: int) -> Poll:
    """The poll row, locked until the end of the transaction (``_lock_poll``), for another
    service that closes a poll (the paper count)."""
    return _lock_poll(poll_id)


# -- sealing ---------------------------------------------------------------------------------

SEALS = ("committee", "server")
# The default when the bloc's voting parameters say nothing (docs/voting.md §6): the counting
# committee holds the key. A bloc may choose ``seal="server"`` in its voting parameters; the
# host may ask for "committee" when opening a poll, never for the weaker mode when the bloc
# asks for the committee's.
DEFAULT_SEAL = "committee"
COMMITTEE_SHARES = (2, 3)  # any 2 of (at least) 3 shares rebuild the key
MAX_SHARES = 15


def share_holders(campaign: Campaign) -> list[str]:
    """Who keeps each key share: the counting committee named in the meeting record (one share
    each, at least three shares), else "Thành viên Ban kiểm phiếu 1…3"."""
    recorded = (council_meeting.meeting(campaign) or {}).get("committee") or []
    names = [str(n) for n in recorded if str(n).strip()][:MAX_SHARES]
    while len(names) < COMMITTEE_SHARES[1]:
        names.append(_("Thành viên Ban kiểm phiếu %(n)s", n=len(names) + 1))
    return names


def seal_mode(campaign: Campaign, requested: Any = None) -> str:
    configured = campaign_state.plan(campaign).voting_config.get("seal") or DEFAULT_SEAL
    if configured not in SEALS:
        configured = "committee"
    if requested in (None, ""):
        return configured
    if requested not in SEALS:
        raise ValidationFailed("Cách niêm phong phiếu không hợp lệ.", code="seal_unknown",
                               fields={"seal": ["committee hoặc server."]})
    if configured == "committee" and requested == "server":
        raise Conflict("Khối quy định khóa giải mã phiếu do Ban kiểm phiếu giữ.",
                       code="seal_committee_required")
    return requested


def _seal_context(poll: Poll) -> str:
    return f"poll {poll.id}"


def _private_key(poll: Poll, shares: Any):
    """The poll's private key: from the poll row ("server"), or rebuilt from the counting
    committee's shares ("committee"; 422 when they are missing or do not fit)."""
    if poll.seal == "server":
        if not poll.private_key:
            raise Conflict("Khóa giải mã của cuộc bỏ phiếu không còn.", code="key_missing")
        return ballot_seal.private_from_hex(poll.private_key)
    needed = poll.shares_needed or COMMITTEE_SHARES[0]
    if not isinstance(shares, list) or len([s for s in shares if s]) < needed:
        raise ValidationFailed(
            f"Cần {needed} mảnh khóa của Ban kiểm phiếu để mở các phiếu.",
            code="shares_required", fields={"shares": [f"{needed} mảnh khóa."]})
    try:
        return ballot_seal.private_from_shares([s for s in shares if s], poll.public_key or "")
    except ballot_seal.SealError as exc:
        raise ValidationFailed(
            "Các mảnh khóa không khớp với khóa của cuộc bỏ phiếu.", code="shares_invalid",
            fields={"shares": ["Mảnh khóa sai hoặc của cuộc bỏ phiếu khác."]}) from exc


def _require_verified_ranking(campaign: Campaign, code: str) -> None:
    """A poll whose candidates are the best units by verified total (``top:K``) opens only
    once verification is locked: its candidate list must not change under the voters."""
    definitions = campaign_state.plan(campaign).voting_config.get("polls") or []
    found = next((d for d in definitions if isinstance(d, dict) and d.get("code") == code),
                 None)
    if found is None or not str(found.get("candidates", "members")).startswith("top:"):
        return
    if not campaign_state.step(campaign, Deliverable.VERIFICATION).settled:
        raise Conflict(_("Ứng viên của cuộc bỏ phiếu này là các đơn vị có tổng điểm thẩm định "
                         "cao nhất: cần khóa kết quả thẩm định trước khi mở bỏ phiếu."),
                       code="verification_not_locked")


def open_poll(campaign: Campaign, code: str, *, actor: User, seal: Any = None,
              force: Any = False, reason: Any = None) -> Poll:
    """Freeze the candidates and the voter roll (member units) and open the poll.

    A poll proposing awards (every poll but the election of next year's leadership) is
    guarded by :func:`guards.polls_checklist`: with verification not locked or a unit on
    0 points, it opens only with ``force`` and a ``reason`` (audited); otherwise 409
    ``checklist_not_met`` with the checklist.

    A fresh key pair seals the poll's ballots. In "committee" mode the private key exists only
    as shares: they are on the returned poll's ``issued_shares`` (not a column, never stored)
    for the caller to show **once**; in "server" mode ``issued_shares`` is empty."""
    _require_host(campaign, actor)
    procedure(campaign)  # 409 read_only: no poll is opened without its procedure
    view = get_view(campaign, code, actor=actor)
    if view.poll is not None:
        view = PollView(view.spec, _lock_poll(view.poll.id).status, view.poll)
    if view.status != "draft":
        raise Conflict("Cuộc bỏ phiếu này đã được mở.", code="poll_already_opened")
    deadlines.check_window(campaign, "vote", None)
    _require_verified_ranking(campaign, code)
    mode = seal_mode(campaign, seal)
    if view.spec.elects is None:
        guards.enforce(campaign, guards.polls_checklist(campaign), force=force, reason=reason,
                       actor=actor)
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
    poll.seal = mode
    shares: list[str] = []
    holders: list[str] = []
    if mode == "server":
        poll.private_key, poll.public_key = ballot_seal.new_server_key()
        poll.shares_needed = None
    else:
        holders = share_holders(campaign)
        needed = COMMITTEE_SHARES[0]
        shares, poll.public_key = ballot_seal.new_committee_key(needed, len(holders))
        poll.private_key, poll.shares_needed = None, needed
    poll.roll = [VoterRoll(unit_id=u.id) for u in units]
    db.session.flush()
    audit.record("poll.open", "poll", f"{campaign.bloc.code}/{campaign.year}/{code}",
                 actor=actor, details={"roster_hash": poll.roster_hash,
                                       "candidates": poll.candidates, "eligible": len(members),
                                       "seal": mode, "public_key": poll.public_key,
                                       "shares": [len(shares), poll.shares_needed]
                                       if shares else None})
    poll.issued_shares = shares  # type: ignore[attr-defined]  # shown once, never stored
    poll.share_holders = holders  # type: ignore[attr-defined]  # who keeps which share
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
    # a close waits for this ballot, or this ballot sees it; other casts do not wait
    poll = _locked((Poll.campaign_id == campaign.id) & (Poll.code == code), shared=True)
    if poll is None:
        get_view(campaign, code, actor=actor)  # 404 for an unknown poll
    refusal = voter_refusal(poll, actor)
    if refusal is not None:
        raise refusal
    assert poll is not None
    voter_code = actor.unit.code
    check_choices(campaign, poll, voter_code, choices)
    if not poll.public_key:
        raise Conflict("Cuộc bỏ phiếu không có khóa niêm phong.", code="key_missing")
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
    sealed = ballot_seal.seal(poll.public_key, stored_choices, context=_seal_context(poll),
                              length=ballot_seal.padded_length(list(poll.candidates)))
    db.session.add(Ballot(id=str(uuid.uuid4()), poll_id=poll.id, sealed=sealed))
    db.session.add(Receipt(id=str(uuid.uuid4()), poll_id=poll.id,
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
        return Forbidden(_("Tài khoản của %(office)s và tài khoản quản trị không bỏ phiếu: chỉ "
                           "Thủ trưởng các đơn vị thành viên bỏ phiếu.", office=office.office()))
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


def ballots_digest(ballots: list[Any]) -> str:
    """The counted ballots as a set (order-free), keyed with the audit key (so a digest of a
    few ballots cannot be brute-forced into their choices by whoever reads the log)."""
    lines = sorted(json.dumps(b, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
                   for b in ballots)
    return audit.keyed("ballots", "\n".join(lines))


def result_digest(stored: dict[str, Any]) -> str:
    """The stored result (counts, elected, turnout…), keyed: frozen in the ``poll.close``
    event, so a result edited in the database no longer matches it."""
    body = {k: v for k, v in stored.items() if k != "result_digest"}
    return audit.keyed("result", json.dumps(body, sort_keys=True, ensure_ascii=False,
                                            separators=(",", ":"), default=str))


def receipts_digest(hashes: list[str]) -> str:
    """SHA-256 of the sorted receipt hashes, one per line: anyone can recompute it from the
    published list (``printf '%s\\n' … | sha256sum`` without the last newline)."""
    return hashlib.sha256("\n".join(sorted(hashes)).encode()).hexdigest()


def early_close_refusal(campaign: Campaign, poll: Poll) -> Conflict | None:
    """Before the vote phase's last day a poll closes only when every unit on the roll has
    voted — or every unit present at the council meeting, when the attendance is recorded —
    so the host cannot close right after one unit votes to read its choice."""
    if clock.today() >= deadlines.phase_for(campaign, "vote").due:
        return None
    rows = db.session.execute(
        select(Unit.code, VoterRoll.voted_on).join(VoterRoll, VoterRoll.unit_id == Unit.id)
        .where(VoterRoll.poll_id == poll.id)).all()
    waiting = {code for code, voted_on in rows if voted_on is None}
    if not waiting:
        return None
    present = _present_units(campaign)
    if present and not (set(present) & waiting):
        return None
    return Conflict(_("Chưa đến ngày cuối của thời gian bình xét: chỉ kết thúc bỏ phiếu sớm "
                      "khi mọi đơn vị (hoặc mọi đơn vị có mặt tại cuộc họp) đã bỏ phiếu. "
                      "Còn %(count)s đơn vị chưa bỏ phiếu.", count=len(waiting)),
                    code="poll_not_complete")


def _present_units(campaign: Campaign) -> list[str] | None:
    """The unit codes recorded present at the council meeting (None: not recorded)."""
    return council_meeting.present_units(campaign)


def _turnout_only(result: dict[str, Any]) -> dict[str, Any]:
    """Quorum failed: keep the turnout and why nobody is elected, never a per-candidate count
    (nor valid / invalid, which could tell a lone ballot's fate)."""
    return {"eligible": result["eligible"], "voted": result["voted"], "valid": None,
            "invalid": None, "quorum_met": False, "counts": [], "elected": [],
            # the procedure stops at the quorum: its lines speak of turnout only
            "explanation": list(result.get("explanation", [])), "runoff": []}


def close_poll(campaign: Campaign, code: str, *, actor: User,
               shares: Any = None) -> PollOutcome:
    """Stop voting, open the sealed ballots, count once, store the result; a tie at the last
    seat opens a run-off. ``shares``: the counting committee's key shares ("committee")."""
    _require_host(campaign, actor)
    _vote_phase_started(campaign)
    poll = _lock_poll(_stored(campaign, code).id)  # every cast before this one is committed
    if poll.status != "open":
        raise Conflict("Chỉ kết thúc được cuộc bỏ phiếu đang mở.", code="poll_not_open")
    counter = procedure(campaign)  # read-only (procedure gone) first: waiting would not help
    refusal = early_close_refusal(campaign, poll)
    if refusal is not None:
        raise refusal
    private = _private_key(poll, shares)
    context_label = _seal_context(poll)
    ballots = [ballot_seal.open_sealed(private, sealed, context=context_label)
               for sealed in db.session.scalars(select(Ballot.sealed)
                                                .where(Ballot.poll_id == poll.id))]
    # ballots opened before sealing existed (migration 0006), rewritten with the others
    ballots += [c for c in db.session.scalars(select(OpenedBallot.choices)
                                              .where(OpenedBallot.poll_id == poll.id))]
    hashes = list(db.session.scalars(select(Receipt.receipt_hash)
                                     .where(Receipt.poll_id == poll.id)))
    shuffle = secrets.SystemRandom().shuffle
    shuffle(ballots)
    shuffle(hashes)
    db.session.execute(delete(Ballot).where(Ballot.poll_id == poll.id))
    db.session.execute(delete(OpenedBallot).where(OpenedBallot.poll_id == poll.id))
    db.session.execute(delete(Receipt).where(Receipt.poll_id == poll.id))
    db.session.add_all([OpenedBallot(id=str(uuid.uuid4()), poll_id=poll.id, choices=c)
                        for c in ballots])  # inserted in this (random) order
    db.session.add_all([Receipt(id=str(uuid.uuid4()), poll_id=poll.id, receipt_hash=h)
                        for h in hashes])
    poll.private_key = None  # "server" mode: the key is gone with the sealed rows
    digest = receipts_digest(hashes)
    poll.receipts_digest = digest
    roll = [u for u in db.session.scalars(
        select(Unit.code).join(VoterRoll, VoterRoll.unit_id == Unit.id)
        .where(VoterRoll.poll_id == poll.id))]
    result = counter.tally(spec_of(poll), ballots, context(campaign, roll))
    stored = result.to_dict() if result.quorum_met else _turnout_only(result.to_dict())
    stored.update({"counted": len(ballots), "receipts": len(hashes), "receipts_digest": digest,
                   "ballots_digest": ballots_digest(ballots)})
    poll.status, poll.closed_at = "closed", clock.now()
    head = audit.head_hash()
    outcome = PollOutcome(poll_id=poll.id, result=stored,
                          roster_hash=poll.roster_hash, audit_head=head,
                          computed_at=clock.now())
    db.session.add(outcome)
    if result.quorum_met and result.runoff:
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
                 actor=actor, details={"voted": stored["voted"], "valid": stored["valid"],
                                       "elected": stored["elected"],
                                       "runoff": stored["runoff"],
                                       "receipts": len(hashes), "receipts_digest": digest,
                                       "ballots_digest": stored["ballots_digest"],
                                       "result_digest": result_digest(stored)})
    return outcome


def publish_poll(campaign: Campaign, code: str, *, actor: User) -> Poll:
    _require_host(campaign, actor)
    _vote_phase_started(campaign)
    poll = _lock_poll(_stored(campaign, code).id)
    if poll.status != "closed":
        raise Conflict("Chỉ công bố được cuộc bỏ phiếu đã kết thúc.", code="poll_not_closed")
    poll.status, poll.published_at = "published", clock.now()
    audit.record("poll.publish", "poll", f"{campaign.bloc.code}/{campaign.year}/{code}",
                 actor=actor)
    return poll


def sees_unpublished_counts(campaign: Campaign, user: User | None) -> bool:
    """Before publication the counts are for the poll's host (the counting committee's
    chair) and the board only — ``Action.RUN_POLLS``; others see the status."""
    return can_run_polls(campaign, user)


def outcome(campaign: Campaign, code: str, *, actor: User) -> tuple[Poll, PollOutcome]:
    """The stored result: to the vote's host (and the board) once closed, to every member
    once published."""
    permissions.require(permissions.can_read_work(actor, campaign))
    poll = _stored(campaign, code)
    if poll.status == "open":
        raise Conflict("Cuộc bỏ phiếu chưa kết thúc; chưa có kết quả.", code="poll_not_closed")
    if poll.status == "closed" and not sees_unpublished_counts(campaign, actor):
        raise Forbidden("Kết quả chưa được công bố.")
    found = db.session.scalar(select(PollOutcome).where(PollOutcome.poll_id == poll.id))
    return poll, found


def receipts(campaign: Campaign, code: str, *, actor: User) -> list[str]:
    """The receipt hashes frozen at close, sorted, so each voter can find theirs."""
    permissions.require(permissions.can_read_work(actor, campaign))
    poll = _stored(campaign, code)
    if poll.status != "published":
        raise Conflict("Danh sách mã biên nhận chỉ có sau khi công bố.",
                       code="poll_not_published")
    return sorted(db.session.scalars(select(Receipt.receipt_hash)
                                     .where(Receipt.poll_id == poll.id)))


def _poll_path(campaign: Campaign, poll: Poll) -> str:
    return f"{campaign.bloc.code}/{campaign.year}/{poll.code}"


def consistency(poll: Poll, found: PollOutcome | None = None) -> dict[str, Any]:
    """Roll marks = ballots counted = receipts listed = ``ballot.cast`` events, and the
    receipts still hash to the digest frozen at close. For an open poll, ``counted`` is the
    number of sealed ballots waiting."""
    campaign = poll.campaign
    roll_marks = db.session.scalar(select(func.count()).select_from(VoterRoll).where(
        VoterRoll.poll_id == poll.id, VoterRoll.voted_on.is_not(None))) or 0
    hashes = list(db.session.scalars(select(Receipt.receipt_hash)
                                     .where(Receipt.poll_id == poll.id)))
    cast_events = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "ballot.cast", AuditEvent.object_type == "poll",
        AuditEvent.object_id == _poll_path(campaign, poll))) or 0
    if found is None and poll.status in ("closed", "published"):
        found = db.session.scalar(select(PollOutcome).where(PollOutcome.poll_id == poll.id))
    if found is not None:
        counted = found.result.get("counted", found.result.get("voted"))
    else:
        counted = db.session.scalar(select(func.count()).select_from(Ballot)
                                    .where(Ballot.poll_id == poll.id)) or 0
    digest_ok = poll.receipts_digest is None or receipts_digest(hashes) == poll.receipts_digest
    report = {"roll_marks": roll_marks, "counted": counted, "receipts": len(hashes),
              "cast_events": cast_events, "receipts_digest_ok": digest_ok}
    report["ok"] = bool(digest_ok and roll_marks == counted == len(hashes) == cast_events)
    return report


def consistency_summary(report: dict[str, Any], *, paper: bool = False) -> dict[str, Any]:
    """The consistency check in plain Vietnamese for the results page (no hash, no command):
    ``{"ok", "text"}``."""
    if report["ok"] and paper:
        return {"ok": True, "text": _(
            "Khớp: bỏ phiếu bằng phiếu giấy, không có phiếu hay biên nhận nào trên hệ thống.")}
    if report["ok"]:
        return {"ok": True, "text": _(
            "Khớp: %(marks)s đơn vị đã bỏ phiếu, %(counted)s phiếu được kiểm, %(receipts)s "
            "biên nhận.", marks=report["roll_marks"], counted=report["counted"],
            receipts=report["receipts"])}
    text = _("Số đơn vị đã bỏ phiếu (%(marks)s), số phiếu được kiểm (%(counted)s), số biên nhận "
             "(%(receipts)s) và số lượt bỏ phiếu ghi trong nhật ký (%(events)s) phải bằng nhau.",
             marks=report["roll_marks"], counted=report["counted"],
             receipts=report["receipts"], events=report["cast_events"])
    if not report["receipts_digest_ok"]:
        text += " " + _("Danh sách biên nhận đã bị thay đổi sau khi kiểm phiếu.")
    text += " " + _("Báo ngay cho %(office)s.", office=office.office())
    return {"ok": False, "text": text}


def stored_results_problems() -> list[str]:
    """Every counted poll whose ballots or stored result no longer match what its
    ``poll.close`` event froze (keyed digests): ballots changed, added or removed, or a result
    edited in the database. Polls closed before the digests existed are skipped."""
    problems = []
    closes = {}
    for event in db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "poll.close").order_by(AuditEvent.id)):
        closes[event.object_id] = event.details or {}
    for poll in db.session.scalars(select(Poll).where(Poll.status.in_(("closed", "published")))
                                   .order_by(Poll.id)):
        path = _poll_path(poll.campaign, poll)
        frozen = closes.get(path) or {}
        outcome = db.session.scalar(select(PollOutcome).where(PollOutcome.poll_id == poll.id))
        if "result_digest" in frozen and (
                outcome is None or result_digest(outcome.result) != frozen["result_digest"]):
            problems.append(f"{path}: kết quả đã lưu khác với kết quả chốt khi kết thúc "
                            "(kết quả bị sửa ngoài ứng dụng) — KHÔNG KHỚP.")
        if "ballots_digest" in frozen:
            ballots = list(db.session.scalars(select(OpenedBallot.choices)
                                              .where(OpenedBallot.poll_id == poll.id)))
            if ballots_digest(ballots) != frozen["ballots_digest"]:
                problems.append(f"{path}: các phiếu đã mở ({len(ballots)}) khác với các phiếu "
                                "đã kiểm khi kết thúc (phiếu bị sửa, thêm hoặc xóa) — KHÔNG "
                                "KHỚP.")
    return problems


def consistency_problems() -> list[str]:
    """Every poll whose counts disagree, in plain words (for ``flask audit verify``)."""
    problems = []
    for poll in db.session.scalars(select(Poll).where(Poll.status != "draft")
                                   .order_by(Poll.id)):
        report = consistency(poll)
        if not report["ok"]:
            problems.append(
                f"{_poll_path(poll.campaign, poll)}: số đánh dấu đã bỏ phiếu "
                f"{report['roll_marks']}, số phiếu đã kiểm {report['counted']}, số mã biên "
                f"nhận {report['receipts']}, số sự kiện ballot.cast {report['cast_events']}"
                + ("" if report["receipts_digest_ok"]
                   else "; danh sách mã biên nhận không khớp mã băm chốt khi kết thúc")
                + " — KHÔNG KHỚP.")
    return problems


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
