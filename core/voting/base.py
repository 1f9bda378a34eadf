"""Types shared by every voting procedure, and the procedure registry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from core.errors import ValidationFailed


class BallotRejected(ValidationFailed):
    """A ballot does not satisfy the poll's rules; nothing is stored."""

    code = "ballot_rejected"


@dataclass(frozen=True)
class PollContext:
    """What a procedure may know about a campaign when it builds polls or tallies them.

    ``members`` are unit codes of the frozen roll; ``ranking`` lists unit codes by verified
    total, best first; ``scores`` maps unit code to verified total."""

    members: tuple[str, ...]
    ranking: tuple[str, ...] = ()
    scores: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class PollSpec:
    """A question put to the council: candidates and how many may be chosen."""

    code: str
    title: str
    method: str
    seats: int
    min_choices: int
    max_choices: int
    candidates: tuple[str, ...]
    elects: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code, "title": self.title, "method": self.method,
            "seats": self.seats, "min_choices": self.min_choices,
            "max_choices": self.max_choices, "candidates": list(self.candidates),
            "elects": self.elects,
        }


@dataclass(frozen=True)
class PollResult:
    """A stored tally: counts per candidate, the base, quorum, who is elected and why."""

    eligible: int
    voted: int
    valid: int
    invalid: int
    quorum_met: bool
    counts: tuple[dict[str, Any], ...]
    elected: tuple[str, ...]
    explanation: tuple[str, ...] = ()
    runoff: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "eligible": self.eligible, "voted": self.voted, "valid": self.valid,
            "invalid": self.invalid, "quorum_met": self.quorum_met,
            "counts": [dict(c) for c in self.counts], "elected": list(self.elected),
            "explanation": list(self.explanation), "runoff": list(self.runoff),
        }


@runtime_checkable
class VotingProcedure(Protocol):
    """What the core needs of a procedure. Implementations are pure: no database, no clock."""

    name: str

    def config(self) -> dict[str, Any]: ...

    def polls(self, ctx: PollContext) -> list[PollSpec]: ...

    def check_ballot(self, poll: PollSpec, voter: str, choices: list[str]) -> None: ...

    def tally(self, poll: PollSpec, ballots: list[list[str]], ctx: PollContext) -> PollResult: ...


_REGISTRY: dict[str, type] = {}


def register_procedure(cls: type) -> type:
    """Class decorator: make a procedure class rebuildable from a snapshot by its ``name``."""
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not name:
        raise TypeError(f"{cls!r} has no procedure name")
    _REGISTRY[name] = cls
    return cls


def registered_procedures() -> dict[str, type]:
    return dict(_REGISTRY)


def procedure_from_snapshot(name: str, config: dict[str, Any]) -> VotingProcedure:
    """Rebuild a campaign's procedure from what its snapshot stored."""
    try:
        cls = _REGISTRY[name]
    except KeyError as exc:
        raise LookupError(f"unknown voting procedure {name!r}") from exc
    return cls.from_config(config)


def fill_seats(seats: int, passed: list[str], weight: dict[str, Any], ctx: PollContext,
               tie_break: tuple[str, ...], explanation: list[str]) -> tuple[list[str], list[str]]:
    """Elect up to ``seats`` of ``passed`` (ordered by weight, best first). A tie at the last
    seat goes through ``tie_break``: ``verified_score`` (higher verified total wins), then
    ``runoff`` (the still-tied candidates go to a run-off; their seats stay open).
    Returns (elected, run-off candidates) and appends every decision to ``explanation``."""
    if len(passed) <= seats:
        return list(passed), []
    cutoff = weight[passed[seats - 1]]
    sure = [c for c in passed if weight[c] > cutoff]
    tied = sorted(c for c in passed if weight[c] == cutoff)
    open_seats = seats - len(sure)
    if len(tied) <= open_seats:
        return sure + tied, []
    explanation.append(f"Bằng nhau ({cutoff}) giữa {', '.join(tied)} cho {open_seats} vị trí "
                       "còn lại.")
    for step in tie_break:
        if step == "verified_score":
            def score(c: str) -> float:
                return ctx.scores.get(c, 0.0)

            order = sorted(tied, key=lambda c: (-score(c), c))
            cut = score(order[open_seats - 1])
            above = [c for c in order if score(c) > cut]
            at_cut = [c for c in order if score(c) == cut]
            listing = ", ".join(f"{c} ({score(c):g})" for c in order)
            if len(above) + len(at_cut) == open_seats or len(at_cut) == 1:
                explanation.append(f"Phân định theo tổng điểm thẩm định: {listing}.")
                return sure + order[:open_seats], []
            explanation.append(f"Tổng điểm thẩm định: {listing}; vẫn bằng nhau giữa "
                               f"{', '.join(at_cut)}.")
            sure, tied, open_seats = sure + above, at_cut, open_seats - len(above)
        elif step == "runoff":
            explanation.append(f"Bầu lại (vòng sau) giữa {', '.join(tied)} cho {open_seats} "
                               "vị trí còn lại.")
            return sure, tied
    explanation.append(f"Không phân định được; {open_seats} vị trí còn trống.")
    return sure, tied
