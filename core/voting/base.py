"""The procedure registry, and the helpers procedures share.

The types a procedure receives and returns (and the ``VotingProcedure`` protocol itself) are
part of the plugin contract in :mod:`core.plugin_api`; they are re-exported here."""

from __future__ import annotations

from typing import Any

from core.plugin_api import (
    BallotRejected,
    PollContext,
    PollDescription,
    PollResult,
    PollSpec,
    ProcedureDescription,
    VotingProcedure,
)

__all__ = [
    "BallotRejected",
    "PollContext",
    "PollDescription",
    "PollResult",
    "PollSpec",
    "ProcedureDescription",
    "ProcedureUnavailable",
    "VotingProcedure",
    "fill_seats",
    "procedure_from_snapshot",
    "register_procedure",
    "registered_procedures",
]


class ProcedureUnavailable(LookupError):
    """A campaign's procedure class is not registered any more (its plugin was removed or
    disabled): the campaign's vote is read-only. ``name`` (also ``str(exc)``) is the
    procedure name the snapshot stored."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


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
    """Rebuild a campaign's procedure from what its snapshot stored; raises
    :class:`ProcedureUnavailable` when no registered class has that name."""
    try:
        cls = _REGISTRY[name]
    except KeyError as exc:
        raise ProcedureUnavailable(name) from exc
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
