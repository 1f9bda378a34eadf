"""The campaign's vocabulary, defined once: roles, hosts, deliverables, report kinds, statuses,
step states, the year range and how points are written.

Each term is a ``StrEnum`` (its value is what the database, the snapshot and the API store)
with a Vietnamese ``label``. Labels are message ids marked with :func:`N_` for extraction;
the faces translate them (``gettext(term.label)``), so this module stays pure.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any


def N_(message: str) -> str:  # noqa: N802 - the conventional name of gettext's no-op marker
    """Mark a message id for extraction without translating it here."""
    return message


class Term(StrEnum):
    """A value of the vocabulary, with its label (a message id in Vietnamese)."""

    @property
    def label(self) -> str:
        # Keyed by class and value: members of two enums with one value ("open") are equal
        # strings, so a plain dict of members would mix their labels up.
        return _LABELS[(type(self), self.value)]

    @classmethod
    def values(cls) -> tuple[str, ...]:
        return tuple(member.value for member in cls)


class Role(Term):
    """A member unit's role in a campaign."""

    LEADER = "leader"
    DEPUTY = "deputy"
    MEMBER = "member"


class Host(Term):
    """Who hosts a step of the calendar (``Phase.host``)."""

    LEADER = "leader"
    DEPUTY = "deputy"
    BOARD = "board"
    MEMBERS = "members"


class Deliverable(Term):
    """What a step of the calendar produces, in the order of the year."""

    REGISTRATION = "registration"
    MID_YEAR_REPORT = "mid_year_report"
    YEAR_END_REPORT = "year_end_report"
    VERIFICATION = "verification"
    VOTE = "vote"

    @property
    def order(self) -> int:
        return _DELIVERABLE_ORDER[self]  # asked thousands of times per dashboard (issue 15)

    @property
    def product(self) -> str:
        """What the step produces, as a message id ("Bản đăng ký thi đua")."""
        return _PRODUCTS[self]

    @property
    def short(self) -> str:
        """A column header's word for the step ("Đăng ký")."""
        return _SHORT[self]

    @property
    def report_kind(self) -> ReportKind | None:
        return next((k for k in ReportKind if k.deliverable is self), None)


_DELIVERABLE_ORDER = {d: i for i, d in enumerate(Deliverable)}


class ReportKind(Term):
    """The two reports a unit sends."""

    MID_YEAR = "mid_year"
    YEAR_END = "year_end"

    @property
    def deliverable(self) -> Deliverable:
        return (Deliverable.MID_YEAR_REPORT if self is ReportKind.MID_YEAR
                else Deliverable.YEAR_END_REPORT)


class LatePolicy(Term):
    REJECT = "reject"
    ACCEPT_MARKED = "accept_marked"


class CriterionKind(Term):
    ITEM = "item"
    BONUS = "bonus"
    DEDUCTION = "deduction"


class Scorer(Term):
    UNIT = "unit"
    BOARD = "board"


class WorkStatus(Term):
    """A registration's or a report's status."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"


class PollStatus(Term):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    PUBLISHED = "published"


class CampaignStatus(Term):
    OPEN = "open"
    CLOSED = "closed"
    ARCHIVED = "archived"


class StepState(Term):
    """Where a step of the year stands, for the bloc or for one unit.

    ``NOT_OPEN`` before its first day; ``OPEN`` up to its last day on time (extensions
    included); ``LATE`` after it while the phase accepts late work, marked late;
    ``CLOSED_BY_CLOCK`` after it when the phase refuses late work; ``CLOSED_BY_HOST`` once
    its host closed it by an explicit act (the clock and extensions no longer matter);
    ``FINAL`` once a later step was closed by its host too (its results were built on), or,
    for the vote, once its results are published."""

    NOT_OPEN = "not_open"
    OPEN = "open"
    LATE = "late"
    CLOSED_BY_CLOCK = "closed_by_clock"
    CLOSED_BY_HOST = "closed_by_host"
    FINAL = "final"

    @property
    def accepting(self) -> bool:
        """Whether work for the step is taken now (``LATE``: taken and marked late)."""
        return self in (StepState.OPEN, StepState.LATE)

    @property
    def settled(self) -> bool:
        """Whether the step's results are fixed by an act: nothing reopens it."""
        return self in (StepState.CLOSED_BY_HOST, StepState.FINAL)


class CovenantStage(Term):
    """Whether the points table may change: freely, with a reason at the review, or not."""

    COVENANT = "covenant"
    MID_YEAR = "mid_year"
    LOCKED = "locked"


_LABEL_LIST: list[tuple[Term, str]] = [
    (Role.LEADER, N_("Khối trưởng")),
    (Role.DEPUTY, N_("Khối phó")),
    (Role.MEMBER, N_("Đơn vị thành viên")),
    (Host.LEADER, N_("Khối trưởng")),
    (Host.DEPUTY, N_("Khối phó")),
    (Host.BOARD, N_("Ban Thi đua – Khen thưởng tỉnh")),
    (Host.MEMBERS, N_("Các đơn vị thành viên")),
    (Deliverable.REGISTRATION, N_("Đăng ký thi đua")),
    (Deliverable.MID_YEAR_REPORT, N_("Báo cáo sơ kết 6 tháng")),
    (Deliverable.YEAR_END_REPORT, N_("Báo cáo tổng kết và bảng tự chấm điểm")),
    (Deliverable.VERIFICATION, N_("Thẩm định điểm")),
    (Deliverable.VOTE, N_("Bình xét, bỏ phiếu")),
    (ReportKind.MID_YEAR, N_("Báo cáo sơ kết 6 tháng")),
    (ReportKind.YEAR_END, N_("Báo cáo tổng kết")),
    (LatePolicy.REJECT, N_("Không nhận hồ sơ gửi trễ hạn")),
    (LatePolicy.ACCEPT_MARKED, N_("Nhận hồ sơ gửi trễ hạn, có ghi nhận trễ hạn")),
    (CriterionKind.ITEM, N_("Tiêu chí chấm điểm")),
    (CriterionKind.BONUS, N_("Điểm cộng")),
    (CriterionKind.DEDUCTION, N_("Điểm trừ")),
    (Scorer.UNIT, N_("Đơn vị tự chấm")),
    (Scorer.BOARD, N_("Ban Thi đua – Khen thưởng tỉnh chấm")),
    (WorkStatus.DRAFT, N_("Bản nháp")),
    (WorkStatus.SUBMITTED, N_("Đã gửi")),
    (WorkStatus.RETURNED, N_("Bị trả lại")),
    (PollStatus.DRAFT, N_("Chưa mở")),
    (PollStatus.OPEN, N_("Đang bỏ phiếu")),
    (PollStatus.CLOSED, N_("Đã kết thúc, chờ công bố")),
    (PollStatus.PUBLISHED, N_("Đã công bố")),
    (CampaignStatus.OPEN, N_("Đang diễn ra")),
    (CampaignStatus.CLOSED, N_("Đã kết thúc")),
    (CampaignStatus.ARCHIVED, N_("Đã lưu trữ")),
    (StepState.NOT_OPEN, N_("Chưa mở")),
    (StepState.OPEN, N_("Đang mở")),
    (StepState.LATE, N_("Quá hạn, nhận hồ sơ gửi trễ hạn")),
    (StepState.CLOSED_BY_CLOCK, N_("Đã hết hạn")),
    (StepState.CLOSED_BY_HOST, N_("Đã đóng")),
    (StepState.FINAL, N_("Đã chốt")),
    (CovenantStage.COVENANT, N_("Đang ký kết giao ước")),
    (CovenantStage.MID_YEAR, N_("Điều chỉnh tại sơ kết")),
    (CovenantStage.LOCKED, N_("Đã khóa")),
]

_PRODUCTS: dict[Deliverable, str] = {
    Deliverable.REGISTRATION: N_("Bản đăng ký thi đua"),
    Deliverable.MID_YEAR_REPORT: N_("Báo cáo sơ kết 6 tháng"),
    Deliverable.YEAR_END_REPORT: N_("Báo cáo tổng kết và bảng tự chấm điểm"),
    Deliverable.VERIFICATION: N_("Bảng điểm thẩm định"),
    Deliverable.VOTE: N_("Kết quả bình xét, suy tôn"),
}
_SHORT: dict[Deliverable, str] = {
    Deliverable.REGISTRATION: N_("Đăng ký"),
    Deliverable.MID_YEAR_REPORT: N_("Sơ kết"),
    Deliverable.YEAR_END_REPORT: N_("Tổng kết"),
    Deliverable.VERIFICATION: N_("Thẩm định"),
    Deliverable.VOTE: N_("Bình xét"),
}

# (A list of pairs, keyed by class and value: see Term.label.)
_LABELS: dict[tuple[type, str], str] = {(type(term), term.value): label
                                        for term, label in _LABEL_LIST}

# The record a host's closing act leaves (``PhaseRecord.step``), per deliverable. The
# mid-year report step is closed by closing the mid-year review meeting.
CLOSING_RECORD: dict[Deliverable, str] = {
    Deliverable.REGISTRATION: "registration",
    Deliverable.MID_YEAR_REPORT: "mid_year_review",
    Deliverable.YEAR_END_REPORT: "year_end_report",
    Deliverable.VERIFICATION: "verification",
    Deliverable.VOTE: "vote",
}
CLOSED_BY_RECORD: dict[str, Deliverable] = {v: k for k, v in CLOSING_RECORD.items()}

YEAR_MIN, YEAR_MAX = 2000, 2100


def valid_year(value: Any) -> bool:
    """Whether ``value`` is a campaign year the product accepts (an int, 2000–2100)."""
    return isinstance(value, int) and not isinstance(value, bool) \
        and YEAR_MIN <= value <= YEAR_MAX


def format_points(value: Any) -> str:
    """Points as Vietnamese write them: decimal comma, no trailing zeros ("7,5", "10", "-2")."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if not number.is_finite():
        return str(value)
    if number == number.to_integral_value():
        return str(int(number))
    return f"{number.normalize():f}".replace(".", ",")


def head_title(short_name: str) -> str:
    """The title a unit's head signs with: a department (Sở) is headed by its Giám đốc,
    any other unit by its Thủ trưởng. One rule for every document that prints it."""
    return "GIÁM ĐỐC" if (short_name or "").strip().upper().startswith("SỞ") else "THỦ TRƯỞNG"
