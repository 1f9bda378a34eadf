"""Paper ballots, the fallback when the app cannot be used at the meeting (like OpenSlides'
analog polls): the host prints the poll's ballots (one per member unit present), the counting
committee counts them by hand and enters the count, which is reconciled with the attendance,
counted by the procedure's own ``tally`` and stored like any result. A ranked poll's paper
ballots are entered one by one instead (``check_ranked_ballots``). A poll is voted in the
app or on paper, never both (``refuse_mixing``).

Reconciliation: returned ≤ issued ≤ units present; valid + invalid = returned; blank ballots
are among the valid ones when the poll allows a blank ballot (``min_choices`` 0), among the
invalid ones otherwise; no candidate has more votes than there are valid ballots with a
choice; and the candidates' votes add up to what those ballots can hold. The result is stored
once in ``poll_results`` with ``"mode": "paper"`` and the paper numbers, the poll is closed,
and publishing is as usual.

Services never commit: the caller's unit of work does.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import render_template
from sqlalchemy import func, select

from core.domain import Action, Deliverable, StepState
from core.errors import Conflict, ValidationFailed
from core.extensions import db
from core.models import Ballot, Campaign, Membership, Poll, PollOutcome, Unit, User, VoterRoll
from core.services import audit, campaign_state, clock, meeting, pdf, voting
from core.services.cycle import raise_if
from core.voting import BallotRejected

#: What an invalid paper ballot is rebuilt as for the procedure's count (never a unit code).
_INVALID_MARK = "~khong-hop-le"


def _object_id(campaign: Campaign) -> str:
    return f"{campaign.bloc.code}/{campaign.year}"


def _members(campaign: Campaign) -> list[Unit]:
    return list(db.session.scalars(
        select(Unit).join(Membership, Membership.unit_id == Unit.id)
        .where(Membership.campaign_id == campaign.id).order_by(Unit.name)))


def _require_runner(campaign: Campaign, actor: User) -> None:
    campaign_state.require(Action.RUN_POLLS, actor, campaign)


def _roll(poll: Poll) -> list[str]:
    return list(db.session.scalars(
        select(Unit.code).join(VoterRoll, VoterRoll.unit_id == Unit.id)
        .where(VoterRoll.poll_id == poll.id)))


def _ballots_to_issue(campaign: Campaign, roll: list[str] | None) -> int:
    """One paper ballot per member unit present (and on the roll, once it is frozen)."""
    present = meeting.present_units(campaign)
    if present is None:
        raise Conflict("Chưa ghi danh sách đơn vị có mặt tại cuộc họp: ghi trước khi phát hoặc "
                       "kiểm phiếu giấy.", code="attendance_not_recorded")
    return len(set(present) & set(roll)) if roll is not None else len(present)


def paper_ballots_pdf(campaign: Campaign, code: str, *, actor: User) -> bytes:
    """The poll's paper ballots, one per member unit present: the question, how many may be
    chosen, and the candidates with a box to tick. A ballot names no unit (secret ballot)."""
    _require_runner(campaign, actor)
    view = voting.get_view(campaign, code, actor=actor)
    if view.status not in ("draft", "open"):
        raise Conflict("Chỉ in phiếu giấy cho cuộc bỏ phiếu chưa kết thúc.",
                       code="poll_not_open")
    roll = _roll(view.poll) if view.poll is not None and view.status == "open" else None
    copies = _ballots_to_issue(campaign, roll)
    if copies == 0:
        raise Conflict("Không có đơn vị nào có mặt: không có phiếu để in.",
                       code="nobody_present")
    names = {u.code: u.name for u in _members(campaign)}
    spec = view.spec
    candidates = [{"code": c, "name": names.get(c, c)}
                  for c in sorted(spec.candidates, key=lambda c: names.get(c, c))]
    html = render_template("pdf/paper_ballot.html", font_css=pdf.font_face_css(),
                           campaign=campaign, bloc=campaign_state.plan(campaign).bloc.to_dict(),
                           spec=spec, candidates=candidates, copies=range(copies),
                           total=copies, choose=_choose_text(spec))
    return pdf.render(html)


def candidate_names(campaign: Campaign, spec: Any) -> list[dict[str, str]]:
    """The poll's candidates as the paper ballot lists them (by name): code, name, short
    name."""
    units = {u.code: u for u in _members(campaign)}
    rows = [{"code": c, "name": units[c].name if c in units else c,
             "short": (units[c].short_name or c) if c in units else c}
            for c in spec.candidates]
    return sorted(rows, key=lambda r: r["name"])


def _choose_text(spec: Any) -> str:
    if spec.method == "single":
        return "Đánh dấu (X) vào ô của 1 đơn vị."
    if spec.method == "ranked":
        return (f"Ghi thứ tự (1 là cao nhất) vào ô của tối đa {spec.max_choices} đơn vị, "
                f"ít nhất {spec.min_choices}.")
    if spec.min_choices == spec.max_choices:
        return f"Đánh dấu (X) vào ô của đúng {spec.max_choices} đơn vị."
    if spec.min_choices == 0:
        return (f"Đánh dấu (X) vào ô của tối đa {spec.max_choices} đơn vị (có thể để trống "
                "cả phiếu).")
    if spec.min_choices > 1:
        return (f"Đánh dấu (X) vào ô của tối đa {spec.max_choices} đơn vị, ít nhất "
                f"{spec.min_choices}.")
    return f"Đánh dấu (X) vào ô của tối đa {spec.max_choices} đơn vị."


COUNT_FIELDS = ("issued", "returned", "valid", "invalid", "blank")
COUNT_LABELS = {"issued": "Số phiếu phát ra", "returned": "Số phiếu thu về",
                "valid": "Số phiếu hợp lệ", "invalid": "Số phiếu không hợp lệ",
                "blank": "Số phiếu trắng"}


def _count(value: Any, key: str, errors: dict[str, list[str]]) -> int | None:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        errors.setdefault(key, []).append("Nhập một số nguyên từ 0 trở lên.")
        return None
    if value < 0:
        errors.setdefault(key, []).append("Không được âm.")
        return None
    return value


def check_paper_count(spec: Any, counts: Any, present: int) -> dict[str, Any]:
    """The hand count read and reconciled (field errors on ``issued``, ``returned``,
    ``valid``, ``invalid``, ``blank``, ``votes.<candidate>`` and ``votes``); returns the
    numbers. Pure: no database."""
    if not isinstance(counts, dict):
        raise ValidationFailed("Dữ liệu không hợp lệ.", fields={
            "counts": ["Đối tượng JSON {issued, returned, valid, invalid, blank, votes}."]})
    errors: dict[str, list[str]] = {}
    n = {key: _count(counts.get(key, 0 if key == "blank" else None), key, errors)
         for key in COUNT_FIELDS}
    votes_in = counts.get("votes")
    votes: dict[str, int] = {}
    if not isinstance(votes_in, dict):
        errors["votes"] = ["Số phiếu bầu của từng ứng viên: {mã đơn vị: số phiếu}."]
    else:
        for code in votes_in:
            if code not in spec.candidates:
                errors.setdefault("votes", []).append(f"“{code}” không phải ứng viên.")
        for code in spec.candidates:
            value = _count(votes_in.get(code, 0), f"votes.{code}", errors)
            if value is not None:
                votes[code] = value
    issued, returned, valid, invalid, blank = (n[k] for k in COUNT_FIELDS)
    if issued is not None and issued > present:
        errors.setdefault("issued", []).append(
            f"Nhiều hơn số đơn vị có mặt ({present}): mỗi đơn vị có mặt nhận một phiếu.")
    if returned is not None and issued is not None and returned > issued:
        errors.setdefault("returned", []).append(
            f"Nhiều hơn số phiếu phát ra ({issued}).")
    if None not in (valid, invalid, returned) and valid + invalid != returned:
        errors.setdefault("invalid", []).append(
            f"Số phiếu hợp lệ ({valid}) cộng số phiếu không hợp lệ ({invalid}) phải bằng số "
            f"phiếu thu về ({returned}).")
    blank_valid = spec.min_choices == 0
    if blank is not None:
        among, among_name = (valid, "hợp lệ") if blank_valid else (invalid, "không hợp lệ")
        if among is not None and blank > among:
            errors.setdefault("blank", []).append(
                f"Phiếu trắng được tính là phiếu {among_name} với cuộc bỏ phiếu này: không "
                f"nhiều hơn {among}.")
    filled = None
    if valid is not None and blank is not None:
        filled = valid - blank if blank_valid else valid
    if filled is not None and filled >= 0:
        for code, value in votes.items():
            if value > filled:
                errors.setdefault(f"votes.{code}", []).append(
                    f"Nhiều hơn số phiếu hợp lệ có chọn ({filled}).")
        if votes and not any(k.startswith("votes") for k in errors):
            total = sum(votes.values())
            low = filled * max(1, spec.min_choices)
            high = filled * spec.max_choices
            if not low <= total <= high:
                per = (f"đúng {spec.max_choices}" if max(1, spec.min_choices) == spec.max_choices
                       else f"từ {max(1, spec.min_choices)} đến {spec.max_choices}")
                errors["votes"] = [
                    f"Tổng số phiếu bầu của các ứng viên ({total}) không khớp: {filled} phiếu "
                    f"hợp lệ có chọn, mỗi phiếu chọn {per} đơn vị, nên tổng phải từ {low} đến "
                    f"{high}."]
    raise_if(errors, "Số liệu kiểm phiếu không khớp; kiểm tra lại các ô được đánh dấu.")
    return {**{k: n[k] for k in COUNT_FIELDS}, "votes": votes, "filled": filled,
            "blank_valid": blank_valid}


def check_ranked_ballots(procedure: Any, spec: Any, counts: Any,
                         present: int) -> dict[str, Any]:
    """A ranked poll's paper ballots entered one by one (a hand count of every place is not
    practical): ``{"issued", "ballots": [[codes, best first], ...], "invalid"}``. Each entered
    ballot is checked by the procedure's own ``check_ballot`` (a row that fails is named:
    the committee enters a spoilt paper as invalid, not as a row); the count is reconciled
    with the attendance: entered + invalid = returned ≤ issued ≤ units present. Pure: no
    database."""
    if not isinstance(counts, dict):
        raise ValidationFailed("Dữ liệu không hợp lệ.", fields={
            "counts": ["Đối tượng JSON {issued, ballots, invalid}."]})
    errors: dict[str, list[str]] = {}
    issued = _count(counts.get("issued"), "issued", errors)
    invalid = _count(counts.get("invalid", 0), "invalid", errors)
    rows = counts.get("ballots")
    ballots: list[list[str]] = []
    if not isinstance(rows, list):
        errors["ballots"] = ["Danh sách các phiếu hợp lệ, mỗi phiếu là danh sách mã đơn vị "
                             "theo thứ tự xếp hạng (1 là cao nhất)."]
    else:
        for index, row in enumerate(rows):
            key = f"ballots[{index}]"
            if not isinstance(row, list) or not all(isinstance(c, str) for c in row):
                errors[key] = [f"Phiếu số {index + 1}: danh sách mã đơn vị."]
                continue
            try:
                procedure.check_ballot(spec, "", list(row))
            except BallotRejected as exc:
                errors[key] = [f"Phiếu số {index + 1}: {exc}"]
                continue
            ballots.append(list(row))
    if not errors:
        returned = len(ballots) + (invalid or 0)
        if issued is not None and issued > present:
            errors["issued"] = [f"Nhiều hơn số đơn vị có mặt ({present}): mỗi đơn vị có mặt "
                                "nhận một phiếu."]
        elif issued is not None and returned > issued:
            errors["ballots"] = [f"Số phiếu nhập ({len(ballots)}) cộng số phiếu không hợp lệ "
                                 f"({invalid}) là {returned}, nhiều hơn số phiếu phát ra "
                                 f"({issued})."]
    raise_if(errors, "Các phiếu giấy nhập vào chưa khớp; kiểm tra lại từng phiếu.")
    blank = sum(1 for b in ballots if not b)
    return {"issued": issued, "returned": len(ballots) + invalid, "valid": len(ballots),
            "invalid": invalid, "blank": blank, "ballots": ballots}


def rebuild_ballots(spec: Any, numbers: dict[str, Any]) -> list[list[str]]:
    """Ballots that give exactly the hand count: the valid ballots with a choice share the
    candidates' votes in turn (no ballot names a candidate twice, as no candidate has more
    votes than there are such ballots), the blank valid ones are empty, and the invalid ones
    name no candidate the poll knows."""
    filled = numbers["filled"]
    ballots: list[list[str]] = [[] for _ in range(filled)]
    position = 0
    for code in sorted(numbers["votes"]):
        for _i in range(numbers["votes"][code]):
            ballots[position % filled].append(code)
            position += 1
    ballots = [sorted(b) for b in ballots]
    if numbers["blank_valid"]:
        ballots += [[] for _ in range(numbers["blank"])]
    ballots += [[_INVALID_MARK] for _ in range(numbers["invalid"])]
    return ballots


def record_paper_count(campaign: Campaign, code: str, counts: Any, *,
                       actor: User) -> PollOutcome:
    """The counting committee's hand count of an open poll voted on paper: reconciled with the
    attendance, counted by the procedure's ``tally``, stored once (``"mode": "paper"``) and the
    poll closed. Refused (409) when ballots were already cast in the app."""
    _require_runner(campaign, actor)
    status = campaign_state.step(campaign, Deliverable.VOTE)
    if status.state is StepState.NOT_OPEN:
        raise Conflict(f"Chưa đến thời gian bình xét (từ ngày {status.opens:%d/%m/%Y}).",
                       code="phase_not_open")
    procedure = voting.procedure(campaign)  # 409 read_only
    voting.get_view(campaign, code, actor=actor)  # 404 for an unknown poll
    poll = voting.stored_polls(campaign).get(code)
    if poll is None or poll.status != "open":
        raise Conflict("Chỉ ghi kết quả kiểm phiếu giấy cho cuộc bỏ phiếu đang mở (mở bỏ phiếu "
                       "trước để chốt ứng viên và danh sách cử tri).", code="poll_not_open")
    poll = voting.lock_poll(poll.id)  # a ballot cast at this moment waits, then sees "closed"
    if poll.status != "open":
        raise Conflict("Chỉ ghi kết quả kiểm phiếu giấy cho cuộc bỏ phiếu đang mở.",
                       code="poll_not_open")
    spec = voting.spec_of(poll)
    refuse_mixing(poll)
    roll = _roll(poll)
    present = _ballots_to_issue(campaign, roll)
    if spec.method == "ranked":  # entered ballot by ballot
        numbers = check_ranked_ballots(procedure, spec, counts, present)
        ballots = [list(b) for b in numbers.pop("ballots")]
        ballots += [[_INVALID_MARK] for _ in range(numbers["invalid"])]
    else:  # the hand count of each candidate's ticks
        numbers = check_paper_count(spec, counts, present)
        ballots = rebuild_ballots(spec, numbers)
    ctx = voting.context(campaign, roll)
    if "present" in {f.name for f in dataclasses.fields(ctx)}:  # the quorum of units present
        ctx = dataclasses.replace(ctx, present=tuple(
            sorted(set(meeting.present_units(campaign) or ()) & set(roll))))
    result = procedure.tally(spec, ballots, ctx)
    if (result.voted, result.valid, result.invalid) != (numbers["returned"], numbers["valid"],
                                                         numbers["invalid"]):
        raise ValidationFailed(
            "Quy trình bỏ phiếu kiểm lại các phiếu giấy và ra số khác với số đã nhập; kiểm tra "
            "lại.", fields={"valid": [f"Quy trình đếm được {result.valid} phiếu hợp lệ."]})
    stored = result.to_dict()
    if not result.quorum_met:  # as an electronic count keeps it: the turnout and why
        stored.update(counts=[], elected=[], runoff=[],
                      explanation=list(result.explanation))
    # Nothing was cast in the app: no ballot counted, no receipt (the consistency check of
    # ``voting.consistency`` reads "counted" and the receipts' digest).
    empty = voting.receipts_digest([]) if hasattr(voting, "receipts_digest") else None
    stored.update({"mode": "paper", "counted": 0, "receipts": 0,
                   "paper": {"present": present, **{k: numbers[k] for k in COUNT_FIELDS}}})
    if empty is not None:
        stored["receipts_digest"] = empty
        poll.receipts_digest = empty
    now = clock.now()
    poll.status, poll.closed_at = "closed", now
    if getattr(poll, "private_key", None):  # a sealed poll's server key dies at close
        poll.private_key = None
    outcome = PollOutcome(poll_id=poll.id, result=stored, roster_hash=poll.roster_hash,
                          audit_head=audit.head_hash(), computed_at=now)
    db.session.add(outcome)
    if result.quorum_met and result.runoff:
        _runoff(campaign, poll, result)
    audit.record("poll.close", "poll", f"{_object_id(campaign)}/{code}", actor=actor,
                 details={"mode": "paper", "voted": result.voted, "valid": result.valid,
                          "elected": list(result.elected), "runoff": list(result.runoff),
                          **{k: numbers[k] for k in COUNT_FIELDS},
                          "result_digest": voting.result_digest(stored)})
    return outcome


def refuse_mixing(poll: Poll) -> None:
    """A poll is voted either in the app or on paper, never both (docs/voting.md, "Paper
    ballots"): the few paper ballots of the units that could not vote online would be counted
    apart, in front of the committee, so their choices would be known; and a unit could be
    counted twice (a paper ballot and a ballot in the app) with nothing to tell which."""
    cast_in_app = db.session.scalar(select(func.count()).select_from(VoterRoll).where(
        VoterRoll.poll_id == poll.id, VoterRoll.voted_on.is_not(None)))
    cast_in_app = max(cast_in_app or 0, db.session.scalar(
        select(func.count()).select_from(Ballot).where(Ballot.poll_id == poll.id)) or 0)
    if cast_in_app:
        raise Conflict(
            f"Đã có {cast_in_app} đơn vị bỏ phiếu trên hệ thống: một cuộc bỏ phiếu không nhận "
            "cả phiếu trên hệ thống lẫn phiếu giấy (vài phiếu giấy kiểm riêng sẽ lộ lựa chọn "
            "của đơn vị bỏ phiếu giấy, và một đơn vị có thể được tính hai lần). Hãy kết thúc "
            "bỏ phiếu trên hệ thống; nếu có đơn vị không bỏ phiếu trên hệ thống được, cả hội "
            "nghị bỏ phiếu giấy ở một cuộc bỏ phiếu chưa có phiếu nào.",
            code="electronic_ballots")


def _runoff(campaign: Campaign, poll: Poll, result: Any) -> None:
    """The run-off a tie leaves, as ``voting.close_poll`` makes it (a draft poll)."""
    rounds = 1 + sum(1 for p in voting.stored_polls(campaign).values()
                     if p.code.startswith(f"{poll.code}-vong-"))
    open_seats = poll.seats - len(result.elected)
    db.session.add(Poll(
        campaign_id=campaign.id, code=f"{poll.code}-vong-{rounds + 1}",
        title=f"{poll.title} — bầu lại vòng {rounds + 1}", method=poll.method,
        seats=open_seats, min_choices=1, max_choices=min(poll.max_choices, open_seats),
        candidates=list(result.runoff), elects=poll.elects, runoff_of=poll.id,
        status="draft"))


def is_paper(outcome: PollOutcome | None) -> bool:
    return bool(outcome is not None and (outcome.result or {}).get("mode") == "paper")
