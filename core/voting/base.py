"""The procedure registry, and the helpers procedures share.

The types a procedure receives and returns (and the ``VotingProcedure`` protocol itself) are
part of the plugin contract in :mod:`core.plugin_api`; they are re-exported here."""

from __future__ import annotations

import re
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
    "candidate_units",
    "definition_for",
    "fill_seats",
    "flag_warnings",
    "present_count",
    "procedure_from_snapshot",
    "register_procedure",
    "registered_procedures",
    "top_k",
]

# The award a poll may be marked with: the province's Cờ thi đua, which Điều 26 of the Luật Thi
# đua, khen thưởng 2022 gives to the unit leading the bloc.
AWARDS = ("co_thi_dua",)
# The service names a run-off poll "<code>-vong-<n>" (and a run-off of a run-off the same way
# from the run-off's code): see docs/voting.md, the tie chain.
RUNOFF_SUFFIX = re.compile(r"(?:-vong-[0-9]+)+$")


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
    Returns (elected, run-off candidates) and appends every decision to ``explanation``.
    A chain without ``runoff`` (or one that ends before it) never returns run-off candidates:
    the seats it cannot decide stay empty."""
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
    explanation.append(f"Không phân định được giữa {', '.join(tied)}; {open_seats} vị trí còn "
                       "trống.")
    return sure, []


def top_k(candidates: Any) -> int | None:
    """K of a ``top:K`` candidate list (ASCII digits, K ≥ 1), else None. ``"²".isdigit()`` is
    true but ``int("²")`` fails: only 0-9 are read."""
    if not isinstance(candidates, str) or not candidates.startswith("top:"):
        return None
    k = candidates.removeprefix("top:")
    if not k or not k.isascii() or not k.isdigit() or int(k) < 1:
        return None
    return int(k)


def candidate_units(candidates: str, ctx: PollContext) -> tuple[str, ...]:
    """The candidates of a poll definition: every member (``members``) or the K best members
    by verified total (``top:K``), **with every unit tied on verified score with the K-th**:
    place K is never cut by name. Without a ranking (no verified totals known), the members
    by code, first K. Raises ValueError for anything else (``problems()`` reports it)."""
    if candidates == "members":
        return tuple(sorted(ctx.members))
    k = top_k(candidates)
    if k is None:
        raise ValueError(f"candidates {candidates!r} is not 'members' or 'top:K' (K ≥ 1)")
    order = [u for u in ctx.ranking if u in ctx.members] or sorted(ctx.members)
    chosen = order[:k]
    if chosen and len(order) > k and chosen[-1] in ctx.scores:
        cut = ctx.scores[chosen[-1]]
        chosen += [u for u in order[k:] if u in ctx.scores and ctx.scores[u] == cut]
    return tuple(chosen)


def definition_for(code: str, definitions: tuple[Any, ...]) -> tuple[Any | None, bool]:
    """The poll definition a poll comes from, and whether the poll is a run-off of it (its
    code is the definition's code followed by "-vong-<n>", once or more)."""
    by_code = {d.code: d for d in definitions}
    if code in by_code:
        return by_code[code], False
    root = RUNOFF_SUFFIX.sub("", code)
    if root != code and root in by_code:
        return by_code[root], True
    return None, False


def present_count(ctx: PollContext) -> int | None:
    """How many units of the roll are present at the meeting; None when not recorded."""
    if ctx.present is None:
        return None
    return len(set(ctx.present) & set(ctx.members))


def flag_warnings(elected: list[str] | tuple[str, ...], ctx: PollContext) -> list[str]:
    """For a poll that proposes the Cờ thi đua: a line for each elected unit that is not the
    bloc's leading unit by verified total (Điều 26 Luật Thi đua, khen thưởng 2022). Nothing
    when no verified totals are known."""
    scores = {u: ctx.scores[u] for u in ctx.members if u in ctx.scores}
    if not scores:
        return []
    best = max(scores.values())
    leaders = sorted(u for u, s in scores.items() if s == best)
    return [f"Lưu ý: {u} ({scores.get(u, 0.0):g} điểm) không phải đơn vị dẫn đầu khối theo "
            f"tổng điểm thẩm định ({', '.join(leaders)}: {best:g} điểm); Điều 26 Luật Thi "
            "đua, khen thưởng 2022 xét tặng Cờ thi đua cho đơn vị dẫn đầu khối."
            for u in elected if u not in leaders]
