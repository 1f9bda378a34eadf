"""The council vote: a set of polls (approval with seats, or single choice) with a quorum,
a threshold over a stated base, a self-vote rule and a tie chain. Every number is a parameter.

Shares are exact fractions ("2/3", "1/2") so that boundaries are decided without rounding:
quorum is met when ``voted >= quorum × eligible``; a candidate passes when
``votes > threshold × base`` (strictly more, as the law's "quá nửa" reads).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, ClassVar

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from core.voting.base import (
    BallotRejected,
    PollContext,
    PollDescription,
    PollResult,
    PollSpec,
    ProcedureDescription,
    fill_seats,
    register_procedure,
)

METHODS = ("approval", "single")
THRESHOLD_BASES = ("members", "voters", "valid")
TIE_BREAKS = ("verified_score", "runoff")

# Words for the rules in describe() (translated when a page renders them; outside a request,
# Flask-Babel returns the Vietnamese text).
BASE_WORDS: dict[str, Any] = {
    "members": _l("tổng số đơn vị thành viên"),
    "voters": _l("số đơn vị đã bỏ phiếu"),
    "valid": _l("số phiếu hợp lệ"),
}
TIE_BREAK_WORDS: dict[str, Any] = {
    "verified_score": _l("đơn vị có tổng điểm thẩm định cao hơn được chọn"),
    "runoff": _l("bầu lại giữa các đơn vị bằng phiếu"),
}


def fraction(value: Any) -> Fraction:
    """Parse "2/3", "0.5", 0.5 or Fraction into an exact Fraction in [0, 1]."""
    result = Fraction(str(value))
    if not 0 <= result <= 1:
        raise ValueError(f"share {value!r} is not between 0 and 1")
    return result


def _share_or_none(value: Any) -> Fraction | None:
    try:
        return fraction(value)
    except (ValueError, ZeroDivisionError):
        return None


def share_text(share: Fraction) -> str:
    """A share as the rules write it: "2/3", "1/2", "1"."""
    return f"{share.numerator}/{share.denominator}" if share.denominator != 1 else \
        str(share.numerator)


def quorum_rule(quorum: Any, members: int) -> list[str]:
    """The quorum sentence (none when the stored value is not a share)."""
    share = _share_or_none(quorum)
    if share is None:
        return []
    return [_("Hội nghị bình xét hợp lệ khi có ít nhất %(share)s tổng số đơn vị thành viên bỏ "
              "phiếu (%(needed)d trên %(members)d đơn vị).",
              share=share_text(share), needed=math.ceil(share * members), members=members)]


def self_vote_rule(allowed: bool) -> str:
    return _("Đơn vị được bỏ phiếu cho chính mình.") if allowed else \
        _("Đơn vị không được bỏ phiếu cho chính mình.")


def tie_break_rule(steps: tuple[str, ...]) -> list[str]:
    words = [str(TIE_BREAK_WORDS.get(s, s)) for s in steps]
    if not words:
        return []
    text = words[0]
    for step in words[1:]:
        text = _("%(before)s; nếu vẫn bằng nhau, %(then)s", before=text, then=step)
    return [_("Khi số phiếu bằng nhau: %(steps)s.", steps=text)]


def candidates_text(candidates: str) -> str:
    """Who may be chosen: every member, or the K best units by verified total."""
    if candidates.startswith("top:"):
        return _("%(k)s đơn vị có tổng điểm thẩm định cao nhất",
                 k=candidates.removeprefix("top:"))
    return _("Tất cả đơn vị thành viên")


@dataclass(frozen=True)
class PollDefinition:
    """One poll of the council vote. ``candidates`` is ``members`` or ``top:K`` (the K best
    units by verified total). ``max_choices`` defaults to ``seats``."""

    code: str
    title: str
    method: str = "approval"
    seats: int = 1
    candidates: str = "members"
    min_choices: int = 1
    max_choices: int | None = None
    elects: str | None = None  # "leader" or "deputy": the poll elects next year's leadership

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code, "title": self.title, "method": self.method,
            "seats": self.seats, "candidates": self.candidates,
            "min_choices": self.min_choices, "max_choices": self.max_choices,
            "elects": self.elects,
        }

    @property
    def choices_allowed(self) -> int:
        if self.method == "single":
            return 1
        return self.max_choices if self.max_choices is not None else self.seats


@register_procedure
@dataclass(frozen=True)
class CouncilVote:
    """Secret-ballot council vote: approval polls with seats and single-choice elections."""

    name: ClassVar[str] = "council_vote"

    poll_definitions: tuple[PollDefinition, ...]
    quorum: str = "2/3"
    threshold: str = "1/2"
    threshold_base: str = "members"
    self_vote: bool = True
    tie_break: tuple[str, ...] = ("verified_score", "runoff")
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    # -- snapshot ---------------------------------------------------------------------
    def config(self) -> dict[str, Any]:
        return {
            "polls": [p.to_dict() for p in self.poll_definitions],
            "quorum": str(self.quorum),
            "threshold": str(self.threshold),
            "threshold_base": self.threshold_base,
            "self_vote": self.self_vote,
            "tie_break": list(self.tie_break),
            "notes": self.notes,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> CouncilVote:
        return cls(
            poll_definitions=tuple(PollDefinition(**p) for p in config["polls"]),
            quorum=config.get("quorum", "2/3"),
            threshold=config.get("threshold", "1/2"),
            threshold_base=config.get("threshold_base", "members"),
            self_vote=bool(config.get("self_vote", True)),
            tie_break=tuple(config.get("tie_break", ("verified_score", "runoff"))),
            notes=config.get("notes", ""),
        )

    def problems(self) -> list[str]:
        """Everything wrong with the parameters, in plain Vietnamese (empty when valid)."""
        found: list[str] = []
        for label, value in (("quorum", self.quorum), ("threshold", self.threshold)):
            try:
                fraction(value)
            except (ValueError, ZeroDivisionError):
                found.append(f"Tham số {label} = {value!r} không phải là tỷ lệ từ 0 đến 1.")
        if self.threshold_base not in THRESHOLD_BASES:
            found.append(f"Tham số threshold_base = {self.threshold_base!r} không hợp lệ "
                         f"(chọn một trong: {', '.join(THRESHOLD_BASES)}).")
        for step in self.tie_break:
            if step not in TIE_BREAKS:
                found.append(f"Bước phân định tie_break = {step!r} không hợp lệ "
                             f"(chọn trong: {', '.join(TIE_BREAKS)}).")
        if not self.poll_definitions:
            found.append("Chưa khai báo cuộc bỏ phiếu nào.")
        codes = [p.code for p in self.poll_definitions]
        if len(set(codes)) != len(codes):
            found.append("Mã các cuộc bỏ phiếu bị trùng.")
        for p in self.poll_definitions:
            if p.method not in METHODS:
                found.append(f"Cuộc bỏ phiếu {p.code}: cách bầu {p.method!r} không hợp lệ "
                             f"(chọn một trong: {', '.join(METHODS)}).")
            if p.elects not in (None, "leader", "deputy"):
                found.append(f"poll {p.code}: elects must be 'leader', 'deputy' or empty")
            if p.seats < 1:
                found.append(f"Cuộc bỏ phiếu {p.code}: số suất (seats) phải từ 1 trở lên.")
            if p.min_choices < 0 or p.min_choices > p.choices_allowed:
                found.append(f"Cuộc bỏ phiếu {p.code}: min_choices phải từ 0 đến số lựa chọn "
                             "tối đa.")
            if p.candidates != "members":
                k = p.candidates.removeprefix("top:")
                if not p.candidates.startswith("top:") or not k.isdigit() or int(k) < 1:
                    found.append(f"Cuộc bỏ phiếu {p.code}: danh sách ứng viên (candidates) phải "
                                 "là 'members' hoặc 'top:K' (K ≥ 1).")
        return found

    def describe(self, ctx: PollContext) -> ProcedureDescription:
        """Quorum, threshold, self-vote and ties in full sentences, then each poll."""
        members = len(ctx.members)
        rules = quorum_rule(self.quorum, members)
        threshold = _share_or_none(self.threshold)
        if threshold is not None:
            base = str(BASE_WORDS.get(self.threshold_base, self.threshold_base))
            if self.threshold_base == "members":
                rules.append(_("Một đơn vị trúng khi được quá %(share)s %(base)s đồng ý, tức ít "
                               "nhất %(needed)d phiếu.", share=share_text(threshold),
                               base=base, needed=math.floor(threshold * members) + 1))
            else:
                rules.append(_("Một đơn vị trúng khi được quá %(share)s %(base)s đồng ý.",
                               share=share_text(threshold), base=base))
        rules.append(self_vote_rule(self.self_vote))
        rules += tie_break_rule(self.tie_break)
        polls = []
        for p in self.poll_definitions:
            most = p.choices_allowed
            least = most if p.method == "single" else min(p.min_choices, most)
            if least == most:
                choose = ngettext("Chọn %(num)d đơn vị", "Chọn %(num)d đơn vị", most)
            elif least == 0:
                choose = ngettext("Chọn tối đa %(num)d đơn vị", "Chọn tối đa %(num)d đơn vị",
                                  most)
            else:
                choose = _("Chọn từ %(least)d đến %(most)d đơn vị", least=least, most=most)
            polls.append(PollDescription(title=p.title, choose=choose, seats=p.seats,
                                         candidates=candidates_text(p.candidates)))
        return ProcedureDescription(rules=tuple(rules), polls=tuple(polls), notes=self.notes)

    # -- polls ------------------------------------------------------------------------
    def polls(self, ctx: PollContext) -> list[PollSpec]:
        specs = []
        for p in self.poll_definitions:
            if p.candidates == "members":
                candidates = tuple(sorted(ctx.members))
            else:
                k = int(p.candidates.removeprefix("top:"))
                ranked = [u for u in ctx.ranking if u in ctx.members] or sorted(ctx.members)
                candidates = tuple(ranked[:k])
            allowed = min(p.choices_allowed, len(candidates))
            specs.append(PollSpec(
                code=p.code, title=p.title, method=p.method, seats=p.seats,
                min_choices=min(p.min_choices, allowed), max_choices=allowed,
                candidates=candidates, elects=p.elects,
            ))
        return specs

    def check_ballot(self, poll: PollSpec, voter: str, choices: list[str]) -> None:
        if len(set(choices)) != len(choices):
            raise BallotRejected("Một đơn vị được chọn nhiều lần trên cùng một phiếu.",
                                 code="duplicate_choice")
        unknown = [c for c in choices if c not in poll.candidates]
        if unknown:
            raise BallotRejected("Phiếu có lựa chọn không nằm trong danh sách ứng viên.",
                                 code="unknown_candidate")
        if len(choices) < poll.min_choices:
            raise BallotRejected(
                f"Phải chọn ít nhất {poll.min_choices} đơn vị.", code="too_few_choices")
        if len(choices) > poll.max_choices:
            raise BallotRejected(
                f"Chỉ được chọn tối đa {poll.max_choices} đơn vị.", code="too_many_choices")
        if not self.self_vote and voter in choices:
            raise BallotRejected("Đơn vị không được tự bầu cho mình.", code="self_vote")

    # -- tally ------------------------------------------------------------------------
    def tally(self, poll: PollSpec, ballots: list[list[str]], ctx: PollContext) -> PollResult:
        eligible = len(ctx.members)
        valid_ballots: list[list[str]] = []
        for choices in ballots:
            if self._is_valid(poll, choices):
                valid_ballots.append(choices)
        voted, valid = len(ballots), len(valid_ballots)
        base = {"members": eligible, "voters": voted, "valid": valid}[self.threshold_base]
        quorum = fraction(self.quorum)
        threshold = fraction(self.threshold)
        quorum_met = eligible > 0 and voted >= quorum * eligible

        votes = {c: 0 for c in poll.candidates}
        for choices in valid_ballots:
            for c in choices:
                votes[c] += 1
        counts = []
        for c in sorted(poll.candidates):
            share = Fraction(votes[c], base) if base else Fraction(0)
            counts.append({
                "candidate": c, "votes": votes[c],
                "share": round(float(share), 4),
                "passed": bool(quorum_met and base and votes[c] > threshold * base),
            })
        explanation: list[str] = []
        if not quorum_met:
            explanation.append(
                f"Không đủ số đơn vị tham gia bỏ phiếu: {voted}/{eligible}, "
                f"cần ít nhất {quorum} tổng số thành viên; không ai được bầu.")
            return PollResult(eligible, voted, valid, voted - valid, False,
                              tuple(counts), (), tuple(explanation))
        passed = [c["candidate"] for c in counts if c["passed"]]
        passed.sort(key=lambda c: (-votes[c], c))
        elected, runoff = fill_seats(poll.seats, passed, votes, ctx, self.tie_break, explanation)
        return PollResult(eligible, voted, valid, voted - valid, True, tuple(counts),
                          tuple(elected), tuple(explanation), tuple(runoff))

    def _is_valid(self, poll: PollSpec, choices: list[str]) -> bool:
        try:
            self.check_ballot(poll, "", choices)
        except BallotRejected:
            return False
        return True
