"""The public plugin API: the hook marker and the data types plugins return.

A bloc plugin imports only this module and :mod:`core.voting`. Every type here is a frozen
dataclass that converts to and from plain JSON, because a campaign stores what its plugin
answered as a snapshot and never asks the plugin again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal

import pluggy

PROJECT_NAME = "thidua"

hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

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
    """A document a plugin adds or overrides: template path and optional title."""

    template: str
    title: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


__all__ = [
    "BlocInfo",
    "Criterion",
    "DocumentTemplate",
    "Phase",
    "hookimpl",
    "points",
    "CRITERION_KINDS",
    "SCORERS",
    "PHASE_HOSTS",
    "DELIVERABLES",
    "LATE_POLICIES",
]
