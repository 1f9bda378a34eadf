"""The campaign page: leader and deputy, members, the calendar with today's phase, the criteria
with points, and the voting procedure, all read from the campaign's frozen snapshot."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask import Blueprint, current_app, render_template
from flask_babel import gettext as _
from flask_login import login_required

from core.domain import Host, LatePolicy, StepState
from core.models import Campaign
from core.plugin_api import Criterion, PollContext, PollDescription, points
from core.services import campaign_state, campaigns, clock, office, voting
from core.services.progress import UNIT_WORK

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")



# How the calendar shows each state of the timeline.
SHOWN_STATE = {StepState.NOT_OPEN: "upcoming", StepState.OPEN: "current",
               StepState.LATE: "late", StepState.CLOSED_BY_CLOCK: "past",
               StepState.CLOSED_BY_HOST: "closed", StepState.FINAL: "closed"}


@dataclass
class PhaseRow:
    """One line of the calendar as the page shows it."""

    code: str
    title: str
    opens: Any
    due: Any
    host: str
    deliverable: str
    late: str
    state: str  # current | late | closed | past | upcoming
    state_label: str = ""
    days_left: int | None = None


@dataclass
class VotingSummary:
    """The frozen voting procedure as the page shows it: the procedure's own description of
    its rules (``describe``), or — when its class is not installed any more — a read-only
    note with the stored parameters."""

    name: str
    known: bool  # the procedure described itself
    available: bool = True  # False: the procedure's class is gone, the vote is read-only
    rules: list[str] = field(default_factory=list)
    polls: list[PollDescription] = field(default_factory=list)
    notes: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


def voting_summary(campaign: Campaign, members: list[str]) -> VotingSummary:
    """What the page says about the vote; the sentences come from the procedure itself."""
    plan = campaign_state.plan(campaign)
    stored = dict(plan.voting_config)
    found = voting.available_procedure(campaign)
    if found is None:
        return VotingSummary(name=plan.voting_name, known=False, available=False, raw=stored)
    describe = getattr(found, "describe", None)
    if not callable(describe):  # a procedure written before describe() joined the protocol
        return VotingSummary(name=plan.voting_name, known=False, raw=stored)
    described = describe(PollContext(members=tuple(sorted(members))))
    return VotingSummary(name=plan.voting_name, known=True, rules=list(described.rules),
                         polls=list(described.polls), notes=described.notes)


def plugin_notice(campaign: Campaign) -> str | None:
    """A note when the plugin that froze the campaign is gone, disabled or another version."""
    record = current_app.extensions["thidua"].record(campaign.plugin)
    if record is None:
        return _("Quy tắc %(plugin)s của khối không còn được cài đặt. Năm thi đua vẫn dùng bộ tiêu chí, "
                 "lịch và quy trình bỏ phiếu đã chốt.", plugin=campaign.plugin)
    if record.status != "loaded":
        return _("Quy tắc %(plugin)s của khối đang bị tắt hoặc lỗi. Năm thi đua vẫn dùng bộ tiêu chí, "
                 "lịch và quy trình bỏ phiếu đã chốt.", plugin=campaign.plugin)
    if record.version != campaign.plugin_version:
        return _("Quy tắc %(plugin)s của khối đang cài bản %(installed)s, khác bản "
                 "%(frozen)s đã dùng khi chốt năm thi đua này. Năm thi đua vẫn dùng bộ tiêu chí, "
                 "lịch và quy trình bỏ phiếu đã chốt.", plugin=campaign.plugin,
                 installed=record.version, frozen=campaign.plugin_version)
    return None


def _cap(nodes: list[Criterion], kind: str) -> Decimal:
    return sum((points(c.max_points) for c in nodes if c.kind == kind), Decimal(0))


@bp.get("/<bloc>/<int:year>")
@login_required
def show(bloc: str, year: int):
    campaign = campaigns.get_campaign(bloc, year)
    today = clock.today()
    calendar = []
    for status in campaign_state.timeline(campaign, today).steps():
        p = status.phase
        state = SHOWN_STATE[status.state]
        calendar.append(PhaseRow(
            code=p.code, title=p.title, opens=p.opens, due=status.due,
            host=(office.office() if p.host == Host.BOARD.value else _(Host(p.host).label)
                  if p.host in Host.values() else p.host),
            deliverable=_(status.deliverable.product) if status.deliverable else "",
            late=_(LatePolicy(p.late).label) if status.deliverable in UNIT_WORK else "",
            state=state, state_label=_(status.state.label),
            days_left=(status.due - today).days if state == "current" else None))
    members = campaigns.members_by_role(campaign)
    criteria = campaigns.criteria(campaign)
    return render_template(
        "campaigns/show.html", campaign=campaign, members=members,
        leaders=[m for m in members if m.role == "leader"],
        deputies=[m for m in members if m.role == "deputy"],
        criteria=criteria, calendar=calendar, plan=campaign_state.plan(campaign),
        max_total=campaign_state.plan(campaign).max_total,
        bonus_cap=_cap(criteria, "bonus"), deduction_cap=_cap(criteria, "deduction"),
        voting=voting_summary(campaign, [m.unit.code for m in members]),
        plugin_notice=plugin_notice(campaign))
