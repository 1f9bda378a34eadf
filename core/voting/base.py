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

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code, "title": self.title, "method": self.method,
            "seats": self.seats, "min_choices": self.min_choices,
            "max_choices": self.max_choices, "candidates": list(self.candidates),
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
