"""Where a campaign's year stands: one function answers the state of a step, for the bloc or
for one unit. Every caller (deadlines, covenant, documents, progress, board, pages, API) asks
:meth:`Timeline.step`; nobody compares dates on their own.

Inputs are plain data, so the board can build many timelines from rows it loaded at once:
the plan, today's date in Asia/Ho_Chi_Minh, the deadline extensions granted, and the
host's closing acts (deliverable → when it was closed).

The rules:
- before the phase's first day: ``NOT_OPEN``; up to its last day on time, inclusive, with
  the latest extension for the bloc or the unit: ``OPEN``; after it: ``LATE`` when the phase
  accepts late work (marked), else ``CLOSED_BY_CLOCK``;
- a step its host closed by an explicit act is ``CLOSED_BY_HOST``; once a later step is
  closed by its host as well (its results were built on), it is ``FINAL``; the vote is
  ``FINAL`` once its results are published. A settled step never reopens: an extension
  granted before or after the act does not change it, and no new extension is accepted.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from core.domain.plan import FrozenPlan
from core.domain.vocabulary import N_, CovenantStage, Deliverable, LatePolicy, StepState
from core.plugin_api import Phase


@dataclass(frozen=True)
class Extension:
    """A later last day for a phase: for the whole bloc (``unit`` None) or one unit."""

    phase: str
    due: date
    unit: Hashable | None = None


@dataclass(frozen=True)
class StepStatus:
    """The state of one step for the bloc or a unit, with the deadline that applies."""

    phase: Phase
    deliverable: Deliverable | None
    state: StepState
    due: date
    closed_at: datetime | None = None

    @property
    def opens(self) -> date:
        return self.phase.opens

    @property
    def extended(self) -> bool:
        return self.due != self.phase.due

    @property
    def accepting(self) -> bool:
        return self.state.accepting

    @property
    def late(self) -> bool:
        return self.state is StepState.LATE

    @property
    def settled(self) -> bool:
        return self.state.settled

    @property
    def past_due(self) -> bool:
        """After the last day on time (whatever the host did)."""
        return self.state in (StepState.LATE, StepState.CLOSED_BY_CLOCK) or (
            self.settled and self._today > self.due)

    def refusal(self) -> tuple[str, str, dict[str, str]] | None:
        """Why work is not taken now: (error code, message id, its parameters), or None."""
        title = self.deliverable.label if self.deliverable else self.phase.title
        if self.state is StepState.NOT_OPEN:
            return ("phase_not_open",
                    N_("Giai đoạn “%(title)s” chưa mở (mở từ ngày %(date)s)."),
                    {"title": title, "date": f"{self.opens:%d/%m/%Y}"})
        if self.state is StepState.CLOSED_BY_CLOCK:
            return ("phase_closed",
                    N_("Đã quá hạn “%(title)s” (hạn cuối ngày %(date)s); hệ thống không nhận "
                       "hồ sơ gửi trễ hạn cho giai đoạn này."),
                    {"title": title, "date": f"{self.due:%d/%m/%Y}"})
        if self.settled:
            return ("phase_closed",
                    N_("Giai đoạn “%(title)s” đã được đóng; không nhận thêm hoặc sửa đổi."),
                    {"title": title, "date": f"{self.due:%d/%m/%Y}"})
        return None

    # the day the status was computed for (not part of equality)
    _today: date = field(default=date.min, compare=False, repr=False)


class Timeline:
    """The state of every step of one campaign on one day."""

    def __init__(self, plan: FrozenPlan, today: date, extensions: Iterable[Extension] = (),
                 closed: Mapping[Deliverable | str, datetime | None] | None = None) -> None:
        self.plan = plan
        self.today = today
        self.extensions = tuple(extensions)
        self.closed: dict[Deliverable, datetime | None] = {
            Deliverable(k): v for k, v in (closed or {}).items()}

    # -- the one function ----------------------------------------------------------------
    def phase_status(self, phase: Phase, unit: Hashable | None = None) -> StepStatus:
        """The state of a calendar phase, for the bloc (``unit`` None) or one unit."""
        deliverable = Deliverable(phase.deliverable) if phase.deliverable else None
        due = self.due(phase, unit)
        if deliverable is not None:
            closing = self._closing(deliverable)
            if closing is not None:
                state, closed_at = closing
                return self._status(phase, deliverable, state, due, closed_at)
        if self.today < phase.opens:
            state = StepState.NOT_OPEN
        elif self.today <= due:
            state = StepState.OPEN
        elif deliverable is not None and phase.late == LatePolicy.ACCEPT_MARKED:
            state = StepState.LATE
        else:
            state = StepState.CLOSED_BY_CLOCK
        return self._status(phase, deliverable, state, due, None)

    def step(self, deliverable: Deliverable | str, unit: Hashable | None = None) -> StepStatus:
        """The state of the step that produces ``deliverable``. Raises LookupError when the
        plan has no such step (plans are validated to have every one)."""
        phase = self.plan.phase_for(deliverable)
        if phase is None:
            raise LookupError(deliverable)
        return self.phase_status(phase, unit)

    # -- derived answers -----------------------------------------------------------------
    def due(self, phase: Phase, unit: Hashable | None = None) -> date:
        """The last day on time: the calendar's, or the latest extension for the bloc or
        the unit."""
        due = phase.due
        for ext in self.extensions:
            if ext.phase == phase.code and (ext.unit is None or ext.unit == unit):
                due = max(due, ext.due)
        return due

    def steps(self, unit: Hashable | None = None) -> list[StepStatus]:
        """Every phase of the calendar, in its order."""
        return [self.phase_status(p, unit) for p in self.plan.calendar]

    def current_phases(self) -> list[Phase]:
        """Phases under way today for the bloc: open, and not closed by their host."""
        return [s.phase for s in self.steps() if s.state is StepState.OPEN]

    def next_phase(self) -> Phase | None:
        """The first phase whose last day on time is today or later and that is not closed."""
        upcoming = [s for s in self.steps()
                    if s.due >= self.today and not s.settled]
        best = min(upcoming, key=lambda s: (s.due, s.opens), default=None)
        return best.phase if best else None

    def covenant_stage(self) -> CovenantStage:
        """The points table may change freely until registration closes; then only at the
        mid-year review, until it is closed or the year-end reports open; then never."""
        registration = self.step(Deliverable.REGISTRATION)
        if registration.state in (StepState.NOT_OPEN, StepState.OPEN):
            return CovenantStage.COVENANT
        mid_year = self.step(Deliverable.MID_YEAR_REPORT)
        year_end = self.plan.phase_for(Deliverable.YEAR_END_REPORT)
        if mid_year.opens <= self.today and (year_end is None or self.today < year_end.opens) \
                and not mid_year.settled:
            return CovenantStage.MID_YEAR
        return CovenantStage.LOCKED

    def extension_refusal(self, phase: Phase) -> tuple[str, str] | None:
        """Why a phase's deadline cannot be extended (error code, message id), or None."""
        if self.phase_status(phase).settled:
            return ("phase_settled",
                    N_("Giai đoạn này đã được đóng hoặc đã có kết quả chính thức; không thể "
                       "gia hạn."))
        return None

    # -- inside --------------------------------------------------------------------------
    def _closing(self, deliverable: Deliverable) -> tuple[StepState, datetime | None] | None:
        later = [self.closed[d] for d in Deliverable
                 if d.order > deliverable.order and d in self.closed]
        if later:
            moments = [m for m in later if m is not None]
            return StepState.FINAL, (min(moments) if moments else None)
        if deliverable in self.closed:
            state = StepState.FINAL if deliverable is Deliverable.VOTE \
                else StepState.CLOSED_BY_HOST
            return state, self.closed[deliverable]
        return None

    def _status(self, phase: Phase, deliverable: Deliverable | None, state: StepState,
                due: date, closed_at: datetime | None) -> StepStatus:
        return StepStatus(phase, deliverable, state, due, closed_at, self.today)
