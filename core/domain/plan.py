"""A campaign's frozen plan: the criteria tree with its caps and totals, the calendar and the
voting procedure, built once from the campaign's snapshot (and cached per plan revision).

The snapshot is the JSON a campaign stored when it was opened; nothing else reads it raw.
A points-table amendment is a new revision of the plan (:meth:`FrozenPlan.amended`), stored
whole in the history; the criterion rows are then written from the plan, never edited apart.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from threading import Lock
from typing import Any

from core.domain.vocabulary import CriterionKind, Deliverable, Host
from core.plugin_api import BlocInfo, Criterion, Phase, points
from core.voting.base import ProcedureUnavailable  # one class: core.voting raises it

SNAPSHOT_KEYS = frozenset({"bloc", "year", "plugin", "criteria", "max_total", "calendar",
                           "voting", "documents"})


@dataclass(frozen=True)
class FrozenPlan:
    """Everything a campaign's year follows, as frozen when it was opened (or amended)."""

    bloc: BlocInfo
    year: int
    plugin: str
    plugin_version: str
    criteria: tuple[Criterion, ...]
    calendar: tuple[Phase, ...]
    voting_name: str
    voting_config: Mapping[str, Any]
    voting_plugin: str | None = None
    documents: Mapping[str, str] = field(default_factory=dict)
    revision: int = 1
    # What else the campaign froze when it opened (e.g. "award_rules", "province"): kept as
    # it is through amendments.
    extras: Mapping[str, Any] = field(default_factory=dict)
    _procedure: list[Any] = field(default_factory=list, repr=False, compare=False)

    # -- building ------------------------------------------------------------------------
    @classmethod
    def from_snapshot(cls, snapshot: Mapping[str, Any], revision: int = 1) -> FrozenPlan:
        bloc = snapshot.get("bloc") or {}
        plugin = snapshot.get("plugin") or {}
        voting = snapshot.get("voting") or {}
        return cls(
            bloc=BlocInfo(code=bloc.get("code", ""), name=bloc.get("name", ""),
                          description=bloc.get("description", ""),
                          years=tuple(bloc.get("years", ())), issuer=bloc.get("issuer", ""),
                          abbreviation=bloc.get("abbreviation", "")),
            year=int(snapshot.get("year", 0)),
            plugin=plugin.get("name", ""),
            plugin_version=str(plugin.get("version", "")),
            criteria=tuple(Criterion.from_dict(c) for c in snapshot.get("criteria", ())),
            calendar=tuple(Phase.from_dict(p) for p in snapshot.get("calendar", ())),
            voting_name=voting.get("name", ""),
            voting_config=dict(voting.get("config") or {}),
            voting_plugin=voting.get("plugin"),
            documents=dict(snapshot.get("documents") or {}),
            revision=revision,
            extras={k: v for k, v in snapshot.items() if k not in SNAPSHOT_KEYS},
        )

    def to_snapshot(self) -> dict[str, Any]:
        """The JSON a campaign stores (the same shape as when it was opened)."""
        return {
            "bloc": self.bloc.to_dict(),
            "year": self.year,
            "plugin": {"name": self.plugin, "version": self.plugin_version},
            "criteria": [c.to_dict() for c in self.criteria],
            "max_total": float(self.max_total),
            "calendar": [p.to_dict() for p in self.calendar],
            "voting": {"name": self.voting_name, "config": dict(self.voting_config),
                       "plugin": self.voting_plugin},
            "documents": dict(self.documents),
            **dict(self.extras),
        }

    # -- the points table ----------------------------------------------------------------
    @property
    def max_total(self) -> Decimal:
        """The table's total: the sum of the scored groups and items (not bonus/deduction)."""
        return sum((points(c.max_points) for c in self.criteria
                    if c.kind == CriterionKind.ITEM), Decimal(0))

    def walk(self) -> Iterator[Criterion]:
        """Every criterion, groups included, in table order."""
        for top in self.criteria:
            yield from top.walk()

    def leaves(self) -> list[Criterion]:
        """The lines that are scored (no groups), in table order."""
        return [c for c in self.walk() if not c.children]

    def criterion(self, code: str) -> Criterion | None:
        return next((c for c in self.walk() if c.code == code), None)

    def amended(self, maxima: Mapping[str, Any]) -> FrozenPlan:
        """The next revision of the plan with new maxima for some lines; groups are
        recomputed from their children. Validation (which lines, the total kept) is the
        caller's: this only builds the new plan."""
        def rebuild(node: Criterion) -> Criterion:
            if node.children:
                children = tuple(rebuild(c) for c in node.children)
                total = sum((points(c.max_points) for c in children), Decimal(0))
                return replace(node, children=children, max_points=_number(total))
            if node.code in maxima:
                return replace(node, max_points=_number(points(maxima[node.code])))
            return node

        return replace(self, criteria=tuple(rebuild(c) for c in self.criteria),
                       revision=self.revision + 1, _procedure=[])

    # -- the calendar --------------------------------------------------------------------
    def phase(self, code: str) -> Phase | None:
        return next((p for p in self.calendar if p.code == code), None)

    def phase_for(self, deliverable: Deliverable | str) -> Phase | None:
        return next((p for p in self.calendar if p.deliverable == deliverable), None)

    def deliverable_phases(self) -> list[tuple[Deliverable, Phase]]:
        """The steps that produce something, in the order of the year."""
        found = {p.deliverable: p for p in self.calendar if p.deliverable}
        return [(d, found[d]) for d in Deliverable if d in found]

    def host_of(self, deliverable: Deliverable | str) -> Host:
        """Who hosts a step, as the plan says (the leader where the plan has no such step)."""
        phase = self.phase_for(deliverable)
        return Host(phase.host) if phase is not None and phase.host in Host.values() \
            else Host.LEADER

    # -- the vote ------------------------------------------------------------------------
    def procedure(self) -> Any:
        """The voting procedure rebuilt from the snapshot (once per plan).
        Raises :class:`ProcedureUnavailable` when its class is not installed."""
        if not self._procedure:
            from core.voting import procedure_from_snapshot

            try:
                self._procedure.append(procedure_from_snapshot(self.voting_name,
                                                               dict(self.voting_config)))
            except LookupError as exc:
                raise ProcedureUnavailable(self.voting_name) from exc
        return self._procedure[0]

    @property
    def procedure_available(self) -> bool:
        try:
            self.procedure()
        except ProcedureUnavailable:
            return False
        return True


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


class PlanCache:
    """Plans built once per (campaign, revision): a small thread-safe LRU map.

    The key must change whenever the snapshot does: the campaign's id, when it was frozen
    and its plan revision (every amendment increments it, in every process)."""

    def __init__(self, size: int = 512) -> None:
        self._plans: OrderedDict[tuple[Any, ...], FrozenPlan] = OrderedDict()
        self._size = size
        self._lock = Lock()

    def get(self, key: tuple[Any, ...], build: Callable[[], FrozenPlan]) -> FrozenPlan:
        with self._lock:
            plan = self._plans.get(key)
            if plan is not None:
                self._plans.move_to_end(key)
                return plan
        plan = build()
        with self._lock:
            self._plans[key] = plan
            while len(self._plans) > self._size:
                self._plans.popitem(last=False)
        return plan

    def __len__(self) -> int:
        return len(self._plans)
