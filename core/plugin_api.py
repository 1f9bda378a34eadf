"""The plugin contract, in one file: what a bloc plugin may implement and what it returns.

A bloc plugin imports only this module and :mod:`core.voting` (reusable procedures built on
the types below). It contains:

1. the markers: ``hookimpl`` for plugins, ``hookspec`` for the specifications below;
2. the data types the hooks return — frozen dataclasses that convert to and from plain JSON,
   because a campaign stores what its plugins answered as a snapshot and never asks them
   again: :class:`BlocInfo`, :class:`Criterion`, :class:`Phase`;
3. the :class:`VotingProcedure` protocol, with the types it uses (:class:`PollContext`,
   :class:`PollSpec`, :class:`PollResult`, :class:`BallotRejected`,
   :class:`ProcedureDescription`);
4. the hook specifications, each with a one-line docstring (``core/hookspecs.py`` only hands
   them to pluggy).

Hooks are called with keyword arguments; an implementation takes only those it needs. Hooks
are added, never changed: a plugin written for an older core keeps working.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal, Protocol, runtime_checkable

import pluggy

from core.errors import ValidationFailed

PROJECT_NAME = "thidua"

hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
hookspec = pluggy.HookspecMarker(PROJECT_NAME)

CriterionKind = Literal["item", "bonus", "deduction"]
PhaseHost = Literal["leader", "deputy", "board", "members"]
Deliverable = Literal[
    "registration", "mid_year_report", "year_end_report", "verification", "vote"
]
LatePolicy = Literal["reject", "accept_marked"]

CRITERION_KINDS: tuple[str, ...] = ("item", "bonus", "deduction")
SCORERS: tuple[str, ...] = ("unit", "board")
PHASE_HOSTS: tuple[str, ...] = ("leader", "deputy", "board", "members")
DELIVERABLES: tuple[str, ...] = (
    "registration", "mid_year_report", "year_end_report", "verification", "vote",
)
LATE_POLICIES: tuple[str, ...] = ("reject", "accept_marked")


def points(value: Any) -> Decimal:
    """Points as an exact decimal (plugins may write 5, 2.5 or "2.5")."""
    return Decimal(str(value))


def _json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


# -- the plan: bloc, criteria, calendar ---------------------------------------------------

@dataclass(frozen=True)
class BlocInfo:
    """A bloc a plugin supplies: its code (slug), name, description and the years it has plans for."""

    code: str
    name: str
    description: str = ""
    years: tuple[int, ...] = ()
    issuer: str = ""  # e.g. "KHỐI THI ĐUA KHỐI 8" for document headers
    abbreviation: str = ""  # e.g. "TĐK8", used in document numbers

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code, "name": self.name, "description": self.description,
            "years": list(self.years), "issuer": self.issuer,
            "abbreviation": self.abbreviation,
        }


@dataclass(frozen=True)
class Criterion:
    """One line of the points table. A group (with children) has ``max_points`` equal to the
    sum of its children's. ``kind`` is ``item`` (0…max), ``bonus`` (0…cap) or ``deduction``
    (−cap…0); for bonus and deduction lines ``max_points`` is the cap, written positive."""

    code: str
    title: str
    max_points: Any
    kind: str = "item"
    guidance: str = ""
    children: tuple[Criterion, ...] = ()
    scorer: str = "unit"  # "unit": self-scored then verified; "board": scored by the board

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "title": self.title,
            "max_points": _json_number(points(self.max_points)),
            "kind": self.kind,
            "guidance": self.guidance,
            "scorer": self.scorer,
            "children": [child.to_dict() for child in self.children],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Criterion:
        return cls(
            code=data["code"],
            title=data["title"],
            max_points=data["max_points"],
            kind=data.get("kind", "item"),
            guidance=data.get("guidance", ""),
            children=tuple(cls.from_dict(c) for c in data.get("children", ())),
            scorer=data.get("scorer", "unit"),
        )

    def walk(self):
        """This criterion and all below it, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class Phase:
    """One step of the calendar. ``due`` is the last day on time, inclusive, in
    Asia/Ho_Chi_Minh: a deadline "trước ngày 15/6/2021" is written ``due=date(2021, 6, 14)``."""

    code: str
    title: str
    opens: date
    due: date
    host: str = "leader"
    deliverable: str | None = None
    late: str = "reject"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "title": self.title,
            "opens": self.opens.isoformat(),
            "due": self.due.isoformat(),
            "host": self.host,
            "deliverable": self.deliverable,
            "late": self.late,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Phase:
        return cls(
            code=data["code"],
            title=data["title"],
            opens=date.fromisoformat(data["opens"]),
            due=date.fromisoformat(data["due"]),
            host=data.get("host", "leader"),
            deliverable=data.get("deliverable"),
            late=data.get("late", "reject"),
        )


@dataclass(frozen=True)
class DocumentTemplate:
    """Not used by the core: ``thidua_document_templates`` answers a plain
    ``{document name: template path}``. Kept so that a plugin importing it still loads."""

    template: str
    title: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


# -- award rules about units (the 2026 rules) --------------------------------------------

UNIT_FLAG_KINDS: tuple[str, ...] = ("discipline", "inspection", "complaint")


@dataclass(frozen=True)
class AwardRules:
    """Rules about units that the core applies to a bloc's year (``thidua_award_rules``):

    * ``barring_flags``: the per-unit, per-year flags that bar a unit from being proposed for
      an award (``discipline``: kỷ luật; ``inspection``: đang thanh tra, kiểm tra;
      ``complaint``: khiếu nại, tố cáo chưa giải quyết);
    * ``women_tiebreak``: among units with equal verified totals, those whose share of women
      is at least ``women_threshold`` percent rank first;
    * ``basis``: the legal basis, shown to people."""

    barring_flags: tuple[str, ...] = ()
    women_tiebreak: bool = False
    women_threshold: Any = 70
    basis: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"barring_flags": list(self.barring_flags), "women_tiebreak": self.women_tiebreak,
                "women_threshold": _json_number(points(self.women_threshold)),
                "basis": self.basis}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AwardRules:
        return cls(barring_flags=tuple(data.get("barring_flags", ())),
                   women_tiebreak=bool(data.get("women_tiebreak", False)),
                   women_threshold=data.get("women_threshold", 70),
                   basis=data.get("basis", ""))


# -- the vote: what a voting procedure receives and returns -------------------------------

class BallotRejected(ValidationFailed):
    """A ballot does not satisfy the poll's rules; nothing is stored."""

    code = "ballot_rejected"


@dataclass(frozen=True)
class PollContext:
    """What a procedure may know about a campaign when it builds polls or tallies them.

    ``members`` are unit codes of the frozen roll; ``ranking`` lists unit codes by verified
    total, best first; ``scores`` maps unit code to verified total; ``present`` lists the
    unit codes present at the council meeting, or is None when attendance was not recorded
    (a procedure whose quorum or threshold counts the units present then counts the ballots
    cast instead, and says so)."""

    members: tuple[str, ...]
    ranking: tuple[str, ...] = ()
    scores: dict[str, float] = field(default_factory=dict)
    present: tuple[str, ...] | None = None


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


@dataclass(frozen=True)
class PollDescription:
    """One poll in plain words: how to fill the ballot, the seats and who may be chosen."""

    title: str
    choose: str  # e.g. "Chọn từ 1 đến 2 đơn vị"
    seats: int
    candidates: str  # e.g. "Tất cả đơn vị thành viên"


@dataclass(frozen=True)
class ProcedureDescription:
    """A procedure's rules as the campaign page shows them: full sentences in the user's
    language (quorum, threshold, self-vote, ties), its polls and the plugin's notes."""

    rules: tuple[str, ...]
    polls: tuple[PollDescription, ...] = ()
    notes: str = ""


@runtime_checkable
class VotingProcedure(Protocol):
    """What the core needs of a voting procedure (``thidua_voting_procedure`` returns one).

    The class is registered with ``core.voting.register_procedure`` under its ``name``; the
    core stores ``name`` and ``config()`` in the campaign's snapshot and from then on rebuilds
    the procedure with ``from_config`` — never from the plugin. Implementations are pure: no
    database, no clock. ``problems()`` (optional) returns plan problems in Vietnamese."""

    name: str  # unique, stable across versions: stored in every snapshot

    def config(self) -> dict[str, Any]:
        """The parameters as plain JSON (frozen in the snapshot)."""
        ...

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> VotingProcedure:
        """The procedure rebuilt from what ``config()`` returned."""
        ...

    def polls(self, ctx: PollContext) -> list[PollSpec]:
        """The polls to open for this council (candidates, seats, choices allowed)."""
        ...

    def check_ballot(self, poll: PollSpec, voter: str, choices: list[str]) -> None:
        """Raise :class:`BallotRejected` (in Vietnamese) for a ballot the rules refuse."""
        ...

    def tally(self, poll: PollSpec, ballots: list[list[str]], ctx: PollContext) -> PollResult:
        """Count a closed poll's ballots (stored once, never recomputed)."""
        ...

    def describe(self, ctx: PollContext) -> ProcedureDescription:
        """The rules in full sentences, in the user's language, for a council of ``ctx.members``."""
        ...


# -- the hooks ----------------------------------------------------------------------------

@hookspec
def thidua_register_blocs() -> list[BlocInfo]:
    """Return the blocs this plugin supplies (code, name, description, years with a plan)."""


@hookspec(firstresult=True)
def thidua_criteria(bloc: str, year: int) -> list[Criterion] | None:
    """Return the criteria tree (groups, items, bonus and deduction lines) for a bloc's year, or None."""


@hookspec(firstresult=True)
def thidua_phase_calendar(bloc: str, year: int) -> list[Phase] | None:
    """Return the ordered phases of a bloc's year (opens, last day on time, host, deliverable), or None."""


@hookspec(firstresult=True)
def thidua_voting_procedure(bloc: str, year: int) -> VotingProcedure | None:
    """Return the VotingProcedure (from core.voting) the bloc's council uses that year, or None."""


@hookspec
def thidua_document_templates(bloc: str, year: int) -> dict[str, str]:
    """Return {document name: template path} to override or add official documents."""


@hookspec(firstresult=True)
def thidua_award_rules(bloc: str, year: int) -> AwardRules | None:
    """Return the AwardRules (flags that bar a proposal, the women-share tie-break) for a bloc's year, or None."""


__all__ = [
    "AwardRules",
    "BallotRejected",
    "BlocInfo",
    "Criterion",
    "DocumentTemplate",
    "Phase",
    "PollContext",
    "PollDescription",
    "PollResult",
    "PollSpec",
    "ProcedureDescription",
    "VotingProcedure",
    "hookimpl",
    "points",
    "CRITERION_KINDS",
    "SCORERS",
    "PHASE_HOSTS",
    "DELIVERABLES",
    "LATE_POLICIES",
    "UNIT_FLAG_KINDS",
]
