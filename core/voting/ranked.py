"""A ranked ballot counted by Borda count, for blocs that rank (not used by Khối 8).

Each ballot ranks between ``min_choices`` and ``max_choices`` distinct candidates. With ``n``
candidates, the first place earns ``n − 1`` points, the second ``n − 2``, …; unranked
candidates earn nothing; with a single candidate, each ballot ranking it gives it 1 point (else
it could never be elected). The ``seats`` candidates with the most points (and at least one
point) are elected; a tie at the last seat goes through the tie chain (a run-off is counted the
same way: most points). ``share`` is a candidate's points over the most points any candidate
could have had (every valid ballot ranking it first).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, ClassVar

from flask_babel import gettext as _
from flask_babel import ngettext

from core.voting.base import (
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
)
from core.voting.council import (
    TIE_BREAKS,
    PollDefinition,
    accepts,
    award_rules,
    base_problems,
    blank_rule,
    candidates_text,
    definition_problems,
    fraction,
    quorum_rule,
    seal_problems,
    seal_rule,
    self_vote_rule,
    sort_ballots,
    tie_break_rule,
    top_k_rule,
)


@register_procedure
@dataclass(frozen=True)
class RankedVote:
    """Secret ranked ballots counted by Borda points. ``quorum_base`` and ``allow_blank`` as
    in :class:`~core.voting.council.CouncilVote` (missing from an older snapshot: ``voters``,
    ``False``)."""

    name: ClassVar[str] = "ranked_borda"

    poll_definitions: tuple[PollDefinition, ...]
    quorum: str = "1/2"
    self_vote: bool = True
    tie_break: tuple[str, ...] = ("verified_score", "runoff")
    quorum_base: str = "voters"
    allow_blank: bool = False
    seal: str = "committee"

    def config(self) -> dict[str, Any]:
        return {"polls": [p.to_dict() for p in self.poll_definitions],
                "quorum": str(self.quorum), "quorum_base": self.quorum_base,
                "self_vote": self.self_vote, "allow_blank": self.allow_blank,
                "tie_break": list(self.tie_break), "seal": self.seal}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> RankedVote:
        return cls(poll_definitions=tuple(PollDefinition(**p) for p in config["polls"]),
                   quorum=config.get("quorum", "1/2"),
                   self_vote=bool(config.get("self_vote", True)),
                   tie_break=tuple(config.get("tie_break", ("verified_score", "runoff"))),
                   quorum_base=config.get("quorum_base", "voters"),
                   allow_blank=bool(config.get("allow_blank", False)),
                   seal=config.get("seal", "committee"))

    def problems(self) -> list[str]:
        found = []
        try:
            fraction(self.quorum)
        except (ValueError, ZeroDivisionError):
            found.append(f"quorum {self.quorum!r} is not a share between 0 and 1")
        found += base_problems(self.quorum_base)
        found += seal_problems(self.seal)
        if not self.poll_definitions:
            found.append("no polls are defined")
        for p in self.poll_definitions:
            if p.method != "ranked":
                found.append(f"poll {p.code}: method must be 'ranked'")
            if p.seats < 1:
                found.append(f"poll {p.code}: seats must be at least 1")
            found += definition_problems(p)
        found += [f"tie_break step {s!r} is not one of {TIE_BREAKS}" for s in self.tie_break
                  if s not in TIE_BREAKS]
        return found

    def describe(self, ctx: PollContext) -> ProcedureDescription:
        """Quorum, the Borda count, self-vote and ties in full sentences, then each poll."""
        rules = quorum_rule(self.quorum, len(ctx.members), self.quorum_base)
        rules.append(_("Mỗi phiếu xếp hạng các đơn vị: với n ứng viên, đơn vị xếp thứ nhất được "
                       "n − 1 điểm, thứ hai n − 2 điểm, …; đơn vị không được xếp hạng không có "
                       "điểm."))
        rules.append(_("Các đơn vị có nhiều điểm nhất (ít nhất 1 điểm) được suy tôn, theo số suất của "
                       "từng nội dung."))
        rules.append(self_vote_rule(self.self_vote))
        rules += blank_rule(self.allow_blank)
        rules += tie_break_rule(self.tie_break)
        if "runoff" in self.tie_break:
            rules.append(_("Vòng bầu lại chỉ gồm các đơn vị còn bằng nhau, cho các suất còn "
                           "trống, đếm điểm như vòng đầu: đơn vị được nhiều điểm hơn được suy tôn."))
        rules += top_k_rule(self.poll_definitions)
        rules += award_rules(self.poll_definitions)
        rules += seal_rule(self.seal)
        polls = []
        for p in self.poll_definitions:
            least = p.min_choices
            if p.max_choices is None:
                choose = ngettext("Xếp hạng ít nhất %(num)d đơn vị",
                                  "Xếp hạng ít nhất %(num)d đơn vị", least)
            elif least == p.max_choices:
                choose = ngettext("Xếp hạng %(num)d đơn vị", "Xếp hạng %(num)d đơn vị", least)
            else:
                choose = _("Xếp hạng từ %(least)d đến %(most)d đơn vị", least=least,
                           most=p.max_choices)
            polls.append(PollDescription(title=p.title, choose=choose, seats=p.seats,
                                         candidates=candidates_text(p.candidates)))
        return ProcedureDescription(rules=tuple(rules), polls=tuple(polls))

    def polls(self, ctx: PollContext) -> list[PollSpec]:
        specs = []
        for p in self.poll_definitions:
            candidates = candidate_units(p.candidates, ctx)
            most = min(p.max_choices or len(candidates), len(candidates))
            specs.append(PollSpec(code=p.code, title=p.title, method="ranked", seats=p.seats,
                                  min_choices=min(p.min_choices, most), max_choices=most,
                                  candidates=candidates, elects=p.elects))
        return specs

    def check_ballot(self, poll: PollSpec, voter: str, choices: list[str]) -> None:
        if not choices and self.allow_blank:
            return  # a blank ballot (phiếu trắng)
        if len(set(choices)) != len(choices):
            raise BallotRejected("Một đơn vị được xếp hạng nhiều lần.", code="duplicate_choice")
        if any(c not in poll.candidates for c in choices):
            raise BallotRejected("Phiếu có lựa chọn không nằm trong danh sách ứng viên.",
                                 code="unknown_candidate")
        if len(choices) < poll.min_choices:
            raise BallotRejected(f"Phải xếp hạng ít nhất {poll.min_choices} đơn vị.",
                                 code="too_few_choices")
        if len(choices) > poll.max_choices:
            raise BallotRejected(f"Chỉ được xếp hạng tối đa {poll.max_choices} đơn vị.",
                                 code="too_many_choices")
        if not self.self_vote and voter in choices:
            raise BallotRejected("Đơn vị không được tự bầu cho mình.", code="self_vote")

    def tally(self, poll: PollSpec, ballots: list[list[str]], ctx: PollContext) -> PollResult:
        eligible, voted = len(ctx.members), len(ballots)
        valid_ballots, invalid = sort_ballots(ballots, lambda choices: accepts(self, poll, choices))
        valid = voted - invalid
        n = len(poll.candidates)
        first = max(n - 1, 1)  # a sole candidate ranked first earns 1 point
        points = {c: 0 for c in poll.candidates}
        for choices, times in valid_ballots:
            for place, c in enumerate(choices):
                points[c] += (first - place) * times
        most = valid * first
        explanation: list[str] = []
        present = present_count(ctx)
        if present is None and self.quorum_base == "present":
            explanation.append("Chưa ghi nhận đơn vị có mặt tại hội nghị: tính theo số đơn vị "
                               f"đã bỏ phiếu ({voted}).")
        elif present is not None and voted > present:
            explanation.append(f"Lưu ý: số phiếu ({voted}) nhiều hơn số đơn vị có mặt "
                               f"({present}).")
        counts_present = self.quorum_base == "present" and present is not None
        turnout = present if counts_present else voted
        quorum_met = eligible > 0 and turnout >= fraction(self.quorum) * eligible
        elected: list[str] = []
        runoff: list[str] = []
        if not quorum_met:
            counted = "có mặt" if counts_present else "tham gia bỏ phiếu"
            explanation.append(f"Không đủ số đơn vị {counted}: {turnout}/{eligible}, cần "
                               f"ít nhất {self.quorum} tổng số thành viên; không ai được bầu.")
        else:
            ranked = sorted((c for c in poll.candidates if points[c] > 0),
                            key=lambda c: (-points[c], c))
            elected, runoff = fill_seats(poll.seats, ranked, points, ctx, self.tie_break,
                                         explanation)
            definition, _runoff = definition_for(poll.code, self.poll_definitions)
            if definition is not None and definition.award == "co_thi_dua":
                explanation += flag_warnings(elected, ctx)
        counts = tuple({
            "candidate": c, "votes": points[c],
            "share": round(float(Fraction(points[c], most)), 4) if most else 0.0,
            "passed": c in elected,
        } for c in sorted(poll.candidates))
        return PollResult(eligible, voted, valid, invalid, quorum_met, counts, tuple(elected),
                          tuple(explanation), tuple(runoff))

