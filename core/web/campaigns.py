"""The campaign page: leader and deputy, members, the calendar with today's phase, the criteria
with points, and the voting procedure, all read from the campaign's frozen snapshot."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from flask import Blueprint, current_app, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import login_required

from core.models import Campaign
from core.plugin_api import Criterion, points
from core.services import campaigns, clock

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")

HOSTS: dict[str, Any] = {
    "leader": _l("Khối trưởng"),
    "deputy": _l("Khối phó"),
    "board": _l("Ban Thi đua – Khen thưởng tỉnh"),
    "members": _l("Các đơn vị thành viên"),
}
DELIVERABLES: dict[str, Any] = {
    "registration": _l("Bản đăng ký thi đua"),
    "mid_year_report": _l("Báo cáo sơ kết 6 tháng"),
    "year_end_report": _l("Báo cáo tổng kết và bảng tự chấm điểm"),
    "verification": _l("Bảng điểm thẩm định"),
    "vote": _l("Kết quả bình xét, bỏ phiếu"),
}
LATE_POLICIES: dict[str, Any] = {
    "reject": _l("không nhận nộp trễ hạn"),
    "accept_marked": _l("nhận nộp trễ hạn, có ghi trễ hạn"),
}
THRESHOLD_BASES: dict[str, Any] = {
    "members": _l("tổng số đơn vị thành viên"),
    "voters": _l("số đơn vị đã bỏ phiếu"),
    "valid": _l("số phiếu hợp lệ"),
}
TIE_BREAKS: dict[str, Any] = {
    "verified_score": _l("đơn vị có tổng điểm thẩm định cao hơn được chọn"),
    "runoff": _l("bầu lại giữa các đơn vị bằng phiếu"),
}


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
    state: str  # current | past | upcoming
    days_left: int | None = None


@dataclass
class VotingSummary:
    """The frozen voting procedure in plain words."""

    name: str
    known: bool
    rules: list[str] = field(default_factory=list)
    polls: list[dict[str, Any]] = field(default_factory=list)
    notes: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


def _share(value: Any) -> Fraction | None:
    try:
        share = Fraction(str(value))
    except (ValueError, ZeroDivisionError):
        return None
    return share if 0 <= share <= 1 else None


def _share_text(share: Fraction) -> str:
    return f"{share.numerator}/{share.denominator}" if share.denominator != 1 else \
        str(share.numerator)


def voting_summary(voting: dict[str, Any], member_count: int) -> VotingSummary:
    """Quorum, threshold, polls and seats of a snapshot's procedure, in the user's language.
    Only ``council_vote`` is known in detail; any other procedure is listed as stored."""
    name = str(voting.get("name", ""))
    config = voting.get("config") or {}
    if name != "council_vote" or not isinstance(config, dict):
        return VotingSummary(name=name, known=False,
                             raw=config if isinstance(config, dict) else {})
    summary = VotingSummary(name=name, known=True, notes=str(config.get("notes") or ""))
    quorum = _share(config.get("quorum", "2/3"))
    if quorum is not None:
        needed = math.ceil(quorum * member_count)
        summary.rules.append(_(
            "Hội nghị bình xét hợp lệ khi có ít nhất %(share)s tổng số đơn vị thành viên bỏ "
            "phiếu (%(needed)d trên %(members)d đơn vị).",
            share=_share_text(quorum), needed=needed, members=member_count))
    threshold = _share(config.get("threshold", "1/2"))
    base = str(config.get("threshold_base", "members"))
    if threshold is not None:
        base_text = str(THRESHOLD_BASES.get(base, base))
        if base == "members":
            summary.rules.append(_(
                "Một đơn vị trúng khi được quá %(share)s %(base)s đồng ý, tức ít nhất "
                "%(needed)d phiếu.", share=_share_text(threshold), base=base_text,
                needed=math.floor(threshold * member_count) + 1))
        else:
            summary.rules.append(_("Một đơn vị trúng khi được quá %(share)s %(base)s đồng ý.",
                                   share=_share_text(threshold), base=base_text))
    if config.get("self_vote", True):
        summary.rules.append(_("Đơn vị được bỏ phiếu cho chính mình."))
    else:
        summary.rules.append(_("Đơn vị không được bỏ phiếu cho chính mình."))
    steps = [str(TIE_BREAKS.get(s, s)) for s in config.get("tie_break") or []]
    if steps:
        text = steps[0]
        for step in steps[1:]:
            text = _("%(before)s; nếu vẫn bằng nhau, %(then)s", before=text, then=step)
        summary.rules.append(_("Khi số phiếu bằng nhau: %(steps)s.", steps=text))
    for poll in config.get("polls") or []:
        seats = int(poll.get("seats") or 1)
        if poll.get("method", "approval") == "single":
            least = most = 1
        else:
            most = int(poll.get("max_choices") or seats)
            least = min(int(poll.get("min_choices", 1) or 0), most)
        if least == most:
            how = ngettext("Chọn %(num)d đơn vị", "Chọn %(num)d đơn vị", most)
        elif least == 0:
            how = ngettext("Chọn tối đa %(num)d đơn vị", "Chọn tối đa %(num)d đơn vị", most)
        else:
            how = _("Chọn từ %(least)d đến %(most)d đơn vị", least=least, most=most)
        candidates = str(poll.get("candidates", "members"))
        if candidates.startswith("top:"):
            who = _("%(k)s đơn vị có tổng điểm thẩm định cao nhất",
                    k=candidates.removeprefix("top:"))
        else:
            who = _("Tất cả đơn vị thành viên")
        summary.polls.append({"title": poll.get("title", poll.get("code", "")), "how": how,
                              "seats": seats, "candidates": who})
    return summary


def plugin_notice(campaign: Campaign) -> str | None:
    """A note when the plugin that froze the campaign is gone, disabled or another version."""
    record = current_app.extensions["thidua"].records.get(campaign.plugin)
    if record is None:
        return _("Plugin %(plugin)s không còn được cài đặt. Năm thi đua vẫn dùng bộ tiêu chí, "
                 "lịch và quy trình bỏ phiếu đã chốt.", plugin=campaign.plugin)
    if record.status != "loaded":
        return _("Plugin %(plugin)s đang bị tắt hoặc lỗi. Năm thi đua vẫn dùng bộ tiêu chí, "
                 "lịch và quy trình bỏ phiếu đã chốt.", plugin=campaign.plugin)
    if record.version != campaign.plugin_version:
        return _("Plugin %(plugin)s đang cài phiên bản %(installed)s, khác phiên bản "
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
    current = {p.code for p in campaigns.current_phases(campaign, today)}
    calendar = []
    for p in campaigns.calendar(campaign):
        state = "current" if p.code in current else ("past" if p.due < today else "upcoming")
        calendar.append(PhaseRow(
            code=p.code, title=p.title, opens=p.opens, due=p.due,
            host=str(HOSTS.get(p.host, p.host)),
            deliverable=str(DELIVERABLES.get(p.deliverable, p.deliverable or "")),
            late=str(LATE_POLICIES.get(p.late, p.late)) if p.deliverable else "",
            state=state, days_left=(p.due - today).days if state == "current" else None))
    members = campaigns.members_by_role(campaign)
    criteria = campaigns.criteria(campaign)
    return render_template(
        "campaigns/show.html", campaign=campaign, members=members,
        leaders=[m for m in members if m.role == "leader"],
        deputies=[m for m in members if m.role == "deputy"],
        criteria=criteria, calendar=calendar, snapshot=campaign.snapshot,
        max_total=campaign.snapshot.get("max_total"),
        bonus_cap=_cap(criteria, "bonus"), deduction_cap=_cap(criteria, "deduction"),
        voting=voting_summary(campaign.snapshot.get("voting") or {}, len(members)),
        plugin_notice=plugin_notice(campaign))
