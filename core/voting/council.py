"""The council vote: a set of polls (approval with seats, or single choice) with a quorum,
a threshold over a stated base, a self-vote rule and a tie chain. Every number is a parameter.

Shares are exact fractions ("2/3", "1/2") so that boundaries are decided without rounding:
quorum is met when ``turnout >= quorum × eligible`` (turnout: the ballots cast, or the units
present at the meeting with ``quorum_base="present"``); a candidate passes when
``votes > threshold × base`` (strictly more, as the law's "quá nửa" reads). A run-off poll
elects by most votes (``runoff_rule="most_votes"``) unless the procedure keeps the threshold.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, ClassVar

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from core.voting.base import (
    AWARDS,
    BallotRejected,
    PollContext,
    PollDescription,
    PollResult,
    PollSpec,
    ProcedureDescription,
    candidate_units,
    definition_for,
    fill_seats,
    flag_warnings,
    present_count,
    register_procedure,
    top_k,
)

METHODS = ("approval", "single")
THRESHOLD_BASES = ("members", "voters", "valid", "present")
QUORUM_BASES = ("voters", "present")
TIE_BREAKS = ("verified_score", "runoff")
RUNOFF_RULES = ("most_votes", "threshold")

# Words for the rules in describe() (translated when a page renders them; outside a request,
# Flask-Babel returns the Vietnamese text).
BASE_WORDS: dict[str, Any] = {
    "members": _l("tổng số đơn vị thành viên"),
    "voters": _l("số đơn vị đã bỏ phiếu"),
    "valid": _l("số phiếu hợp lệ"),
    "present": _l("số đơn vị có mặt tại hội nghị"),
}
TIE_BREAK_WORDS: dict[str, Any] = {
    "verified_score": _l("đơn vị có tổng điểm thẩm định cao hơn được chọn"),
    "runoff": _l("bầu lại giữa các đơn vị bằng phiếu"),
}


def grouped_ballots(ballots: Sequence[Sequence[str]]) -> dict[tuple[str, ...], int] | None:
    """Identical ballots grouped: each distinct ballot (its choices, in the order cast) with
    the number of times it was cast, in the order first cast. ``None`` when a ballot is not a
    list or a tuple, or holds a choice that cannot be hashed: the caller then checks ballot by
    ballot (so that such input behaves exactly as it did before grouping, error included)."""
    if not set(map(type, ballots)) <= {list, tuple}:
        return None
    try:
        return Counter(map(tuple, ballots))
    except TypeError:  # an unhashable choice
        return None


def accepts(procedure: Any, poll: PollSpec, choices: Sequence[str]) -> bool:
    """Whether the procedure's ``check_ballot`` takes these choices (no voter: the tally
    checks a ballot's choices only)."""
    try:
        procedure.check_ballot(poll, "", choices)
    except BallotRejected:
        return False
    return True


def sort_ballots(ballots: Sequence[Sequence[str]], is_valid: Callable[[Any], bool],
                 ) -> tuple[list[tuple[Sequence[str], int]], int]:
    """The valid ballots as ``(choices, times cast)`` and the number of invalid ballots.

    Identical ballots are grouped first (:func:`grouped_ballots`), so ``is_valid`` runs once
    per distinct ballot, not once per ballot: 100,000 ballots over 14 candidates hold at most
    a few hundred distinct ones. ``is_valid`` must depend on the choices only (``check_ballot``
    with no voter does), which makes the result the same as checking every ballot."""
    groups = grouped_ballots(ballots)
    pairs: Any = ((b, 1) for b in ballots) if groups is None else \
        ((list(choices), times) for choices, times in groups.items())
    valid: list[tuple[Sequence[str], int]] = []
    invalid = 0
    for choices, times in pairs:
        if is_valid(choices):
            valid.append((choices, times))
        else:
            invalid += times
    return valid, invalid


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


def quorum_rule(quorum: Any, members: int, base: str = "voters") -> list[str]:
    """The quorum sentence (none when the stored value is not a share)."""
    share = _share_or_none(quorum)
    if share is None:
        return []
    if base == "present":
        return [_("Hội nghị bình xét hợp lệ khi có ít nhất %(share)s tổng số đơn vị thành viên có "
                  "mặt (%(needed)d trên %(members)d đơn vị); khi chưa ghi nhận đơn vị có mặt, "
                  "tính theo số đơn vị đã bỏ phiếu.",
                  share=share_text(share), needed=math.ceil(share * members), members=members)]
    return [_("Hội nghị bình xét hợp lệ khi có ít nhất %(share)s tổng số đơn vị thành viên bỏ "
              "phiếu (%(needed)d trên %(members)d đơn vị).",
              share=share_text(share), needed=math.ceil(share * members), members=members)]


def self_vote_rule(allowed: bool) -> str:
    return _("Đơn vị được bỏ phiếu cho chính mình.") if allowed else \
        _("Đơn vị không được bỏ phiếu cho chính mình.")


def tie_break_rule(steps: tuple[str, ...]) -> list[str]:
    words = [str(TIE_BREAK_WORDS.get(s, s)) for s in steps]
    if "runoff" not in steps:  # the chain ends without a run-off: the seats stay empty
        words.append(_("các suất còn lại để trống, không bầu lại"))
    text = words[0]
    for step in words[1:]:
        text = _("%(before)s; nếu vẫn bằng nhau, %(then)s", before=text, then=step)
    return [_("Khi số phiếu bằng nhau: %(steps)s.", steps=text)]


def runoff_rule_text(steps: tuple[str, ...], by_most_votes: bool) -> list[str]:
    """How a run-off elects (none when the tie chain has no run-off)."""
    if "runoff" not in steps:
        return []
    if by_most_votes:
        return [_("Vòng bầu lại chỉ gồm các đơn vị còn bằng nhau, cho các suất còn trống: đơn vị "
                  "được nhiều phiếu hơn được suy tôn (ít nhất 1 phiếu, không xét tỷ lệ đồng ý), nếu vẫn "
                  "bằng nhau thì áp dụng lại cách phân định trên.")]
    return [_("Vòng bầu lại chỉ gồm các đơn vị còn bằng nhau, cho các suất còn trống, với cùng "
              "điều kiện được suy tôn như vòng đầu.")]


def blank_rule(allowed: bool) -> list[str]:
    if not allowed:
        return []
    return [_("Được bỏ phiếu trắng (không chọn đơn vị nào): phiếu trắng là phiếu hợp lệ, được "
              "tính là đơn vị đã bỏ phiếu nhưng không tính cho đơn vị nào.")]


def top_k_rule(definitions: tuple[PollDefinition, ...]) -> list[str]:
    """That a ``top:K`` list never cuts a tie at place K (when a poll has one)."""
    if not any(top_k(p.candidates) is not None for p in definitions):
        return []
    return [_("Khi ứng viên là các đơn vị có tổng điểm thẩm định cao nhất, mọi đơn vị bằng điểm "
              "với đơn vị ở vị trí cuối đều là ứng viên.")]


def award_rules(definitions: tuple[PollDefinition, ...]) -> list[str]:
    """Why a Cờ thi đua poll's candidates are the leading unit(s)."""
    rules = []
    for p in definitions:
        if p.award != "co_thi_dua":
            continue
        if top_k(p.candidates) is not None:
            rules.append(_("“%(title)s”: theo Điều 26 Luật Thi đua, khen thưởng 2022, Cờ thi đua "
                           "được xét tặng cho đơn vị dẫn đầu khối thi đua, nên ứng viên là đơn "
                           "vị có tổng điểm thẩm định cao nhất; Hội đồng bỏ phiếu để đề nghị.",
                           title=p.title))
        else:
            rules.append(_("“%(title)s”: theo Điều 26 Luật Thi đua, khen thưởng 2022, Cờ thi đua "
                           "được xét tặng cho đơn vị dẫn đầu khối thi đua; kết quả được đối chiếu "
                           "với đơn vị có tổng điểm thẩm định cao nhất.", title=p.title))
    return rules


def candidates_text(candidates: str) -> str:
    """Who may be chosen: every member, or the K best units by verified total (with every
    unit tied with the K-th: ``base.candidate_units``)."""
    if candidates.startswith("top:"):
        return _("%(k)s đơn vị có tổng điểm thẩm định cao nhất",
                 k=candidates.removeprefix("top:"))
    return _("Tất cả đơn vị thành viên")


@dataclass(frozen=True)
class PollDefinition:
    """One poll of the council vote. ``candidates`` is ``members`` or ``top:K`` (the K best
    units by verified total, and every unit tied with the K-th). ``max_choices`` defaults to
    ``seats``. ``award="co_thi_dua"`` marks the poll that proposes the province's Cờ thi đua:
    its result warns when the elected unit is not the bloc's leading unit by verified total."""

    code: str
    title: str
    method: str = "approval"
    seats: int = 1
    candidates: str = "members"
    min_choices: int = 1
    max_choices: int | None = None
    elects: str | None = None  # "leader" or "deputy": the poll elects next year's leadership
    award: str | None = None  # "co_thi_dua": the poll proposes the province's Cờ thi đua

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code, "title": self.title, "method": self.method,
            "seats": self.seats, "candidates": self.candidates,
            "min_choices": self.min_choices, "max_choices": self.max_choices,
            "elects": self.elects, "award": self.award,
        }

    @property
    def choices_allowed(self) -> int:
        if self.method == "single":
            return 1
        return self.max_choices if self.max_choices is not None else self.seats


@register_procedure
@dataclass(frozen=True)
class CouncilVote:
    """Secret-ballot council vote: approval polls with seats and single-choice elections.

    ``quorum_base``: ``voters`` (quorum counts the ballots cast) or ``present`` (it counts
    the units present at the meeting, ``PollContext.present``; the ballots cast when
    attendance was not recorded). ``allow_blank``: an empty ballot is valid in every poll (it
    counts as voted and valid, for nobody); without it, only where ``min_choices`` is 0.
    ``runoff_rule``: ``most_votes`` (a run-off poll elects the candidates with most votes,
    at least one, without the threshold) or ``threshold`` (the same rule as the first round).
    A snapshot stored without these keys rebuilds as before they existed: ``voters``,
    ``False``, ``threshold``. ``seal``: ``committee`` (the default: the key that opens the
    ballots exists only as the counting committee's shares) or ``server``."""

    name: ClassVar[str] = "council_vote"

    poll_definitions: tuple[PollDefinition, ...]
    quorum: str = "2/3"
    threshold: str = "1/2"
    threshold_base: str = "members"
    self_vote: bool = True
    tie_break: tuple[str, ...] = ("verified_score", "runoff")
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    quorum_base: str = "voters"
    allow_blank: bool = False
    runoff_rule: str = "most_votes"
    seal: str = "committee"

    # -- snapshot ---------------------------------------------------------------------
    def config(self) -> dict[str, Any]:
        return {
            "polls": [p.to_dict() for p in self.poll_definitions],
            "quorum": str(self.quorum),
            "quorum_base": self.quorum_base,
            "threshold": str(self.threshold),
            "threshold_base": self.threshold_base,
            "self_vote": self.self_vote,
            "allow_blank": self.allow_blank,
            "tie_break": list(self.tie_break),
            "runoff_rule": self.runoff_rule,
            "seal": self.seal,
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
            # Older snapshots: the behaviour they were stored with.
            quorum_base=config.get("quorum_base", "voters"),
            allow_blank=bool(config.get("allow_blank", False)),
            runoff_rule=config.get("runoff_rule", "threshold"),
            seal=config.get("seal", "committee"),
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
        found += base_problems(self.quorum_base, self.runoff_rule)
        found += seal_problems(self.seal)
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
            found += definition_problems(p)
        return found

    def describe(self, ctx: PollContext) -> ProcedureDescription:
        """Quorum, threshold, self-vote and ties in full sentences, then each poll."""
        members = len(ctx.members)
        rules = quorum_rule(self.quorum, members, self.quorum_base)
        threshold = _share_or_none(self.threshold)
        if threshold is not None:
            base = str(BASE_WORDS.get(self.threshold_base, self.threshold_base))
            if self.threshold_base == "members":
                rules.append(_("Một đơn vị được suy tôn khi được quá %(share)s %(base)s đồng ý, tức ít "
                               "nhất %(needed)d phiếu.", share=share_text(threshold),
                               base=base, needed=math.floor(threshold * members) + 1))
            elif self.threshold_base == "present":
                rules.append(_("Một đơn vị được suy tôn khi được quá %(share)s %(base)s đồng ý (khi "
                               "chưa ghi nhận đơn vị có mặt: số đơn vị đã bỏ phiếu).",
                               share=share_text(threshold), base=base))
            else:
                rules.append(_("Một đơn vị được suy tôn khi được quá %(share)s %(base)s đồng ý.",
                               share=share_text(threshold), base=base))
        rules.append(self_vote_rule(self.self_vote))
        rules += blank_rule(self.allow_blank)
        rules += tie_break_rule(self.tie_break)
        rules += runoff_rule_text(self.tie_break, self.runoff_rule == "most_votes")
        rules += top_k_rule(self.poll_definitions)
        rules += award_rules(self.poll_definitions)
        rules += seal_rule(self.seal)
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
            candidates = candidate_units(p.candidates, ctx)
            allowed = min(p.choices_allowed, len(candidates))
            specs.append(PollSpec(
                code=p.code, title=p.title, method=p.method, seats=p.seats,
                min_choices=min(p.min_choices, allowed), max_choices=allowed,
                candidates=candidates, elects=p.elects,
            ))
        return specs

    def check_ballot(self, poll: PollSpec, voter: str, choices: list[str]) -> None:
        if not choices and self.allow_blank:
            return  # a blank ballot (phiếu trắng)
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
        valid_ballots, invalid = sort_ballots(ballots, lambda choices: accepts(self, poll, choices))
        voted = len(ballots)
        valid = voted - invalid
        definition, is_runoff = definition_for(poll.code, self.poll_definitions)
        by_most_votes = is_runoff and self.runoff_rule == "most_votes"
        explanation: list[str] = []
        present = present_count(ctx)
        if present is None and "present" in (self.quorum_base, self.threshold_base):
            explanation.append("Chưa ghi nhận đơn vị có mặt tại hội nghị: tính theo số đơn vị "
                               f"đã bỏ phiếu ({voted}).")
        elif present is not None and voted > present:
            explanation.append(f"Lưu ý: số phiếu ({voted}) nhiều hơn số đơn vị có mặt "
                               f"({present}).")
        attending = voted if present is None else present
        base = {"members": eligible, "voters": voted, "valid": valid,
                "present": attending}[self.threshold_base]
        quorum = fraction(self.quorum)
        threshold = fraction(self.threshold)
        counts_present = self.quorum_base == "present" and present is not None
        turnout = present if counts_present else voted
        quorum_met = eligible > 0 and turnout >= quorum * eligible

        votes = {c: 0 for c in poll.candidates}
        for choices, times in valid_ballots:
            for c in choices:
                votes[c] += times
        counts = []
        for c in sorted(poll.candidates):
            share = Fraction(votes[c], base) if base else Fraction(0)
            if by_most_votes:
                passes = votes[c] >= 1
            else:
                passes = bool(base) and votes[c] > threshold * base
            counts.append({
                "candidate": c, "votes": votes[c],
                "share": round(float(share), 4),
                "passed": bool(quorum_met and passes),
            })
        if not quorum_met:
            counted = "có mặt" if counts_present else "tham gia bỏ phiếu"
            explanation.append(
                f"Không đủ số đơn vị {counted}: {turnout}/{eligible}, "
                f"cần ít nhất {quorum} tổng số thành viên; không ai được bầu.")
            return PollResult(eligible, voted, valid, voted - valid, False,
                              tuple(counts), (), tuple(explanation))
        if by_most_votes:
            explanation.append("Vòng bầu lại: đơn vị được nhiều phiếu hơn được suy tôn (không xét tỷ "
                               "lệ đồng ý).")
        passed = [c["candidate"] for c in counts if c["passed"]]
        passed.sort(key=lambda c: (-votes[c], c))
        elected, runoff = fill_seats(poll.seats, passed, votes, ctx, self.tie_break, explanation)
        if definition is not None and definition.award == "co_thi_dua":
            explanation += flag_warnings(elected, ctx)
        return PollResult(eligible, voted, valid, voted - valid, True, tuple(counts),
                          tuple(elected), tuple(explanation), tuple(runoff))



SEALS = ("server", "committee")


def seal_problems(seal: Any) -> list[str]:
    """How ballots are sealed until the count: ``server`` (a key the server destroys at the
    close) or ``committee`` (a key split among the counting committee, 2 of 3 shares)."""
    if seal not in SEALS:
        return [f"Tham số seal = {seal!r} không hợp lệ (chọn một trong: {', '.join(SEALS)})."]
    return []


def seal_rule(seal: str) -> list[str]:
    """The sealing of ballots, in a sentence for the page."""
    if seal == "committee":
        return [_("Mỗi lá phiếu được niêm phong ngay khi bỏ; chỉ mở được khi hai trong ba thành "
                  "viên Ban kiểm phiếu nhập phần khóa của mình lúc kết thúc bỏ phiếu.")]
    return [_("Mỗi lá phiếu được niêm phong ngay khi bỏ; khóa mở phiếu do hệ thống giữ và bị "
              "hủy ngay sau khi kiểm phiếu.")]


def base_problems(quorum_base: Any, runoff_rule: Any = "most_votes") -> list[str]:
    """The quorum base and the run-off rule, in plain Vietnamese (empty when valid)."""
    found = []
    if quorum_base not in QUORUM_BASES:
        found.append(f"Tham số quorum_base = {quorum_base!r} không hợp lệ "
                     f"(chọn một trong: {', '.join(QUORUM_BASES)}).")
    if runoff_rule not in RUNOFF_RULES:
        found.append(f"Tham số runoff_rule = {runoff_rule!r} không hợp lệ "
                     f"(chọn một trong: {', '.join(RUNOFF_RULES)}).")
    return found


def definition_problems(p: PollDefinition) -> list[str]:
    """A poll definition's candidate list and award, in plain Vietnamese."""
    found = []
    if p.candidates != "members" and top_k(p.candidates) is None:
        found.append(f"Cuộc bỏ phiếu {p.code}: danh sách ứng viên (candidates) phải là "
                     "'members' hoặc 'top:K' (K ≥ 1).")
    if p.award is not None and p.award not in AWARDS:
        found.append(f"Cuộc bỏ phiếu {p.code}: award = {p.award!r} không hợp lệ (chọn: "
                     f"{', '.join(AWARDS)} hoặc để trống).")
    return found
