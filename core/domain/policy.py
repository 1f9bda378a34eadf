"""Who may act: one table of action × role, driven by the plan's ``Phase.host``.

Services ask it before they change anything, pages ask it to decide what to show, the API
asks it through the services. A plugin that makes the deputy host verification changes who
verifies with no change here: the table names the *host of a step*, and the plan says who
that is.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from enum import Enum, StrEnum

from core.domain.plan import FrozenPlan
from core.domain.vocabulary import N_, Deliverable, Host, Role


class Action(StrEnum):
    READ_PLAN = "read_plan"
    READ_WORK = "read_work"
    WRITE_OWN_WORK = "write_own_work"
    FOLLOW_PROGRESS = "follow_progress"
    RETURN_REGISTRATION = "return_registration"
    CLOSE_STEP = "close_step"
    EXTEND_DEADLINE = "extend_deadline"
    ADJUST_TABLE = "adjust_table"
    VERIFY_SCORES = "verify_scores"
    SCORE_BOARD_LINES = "score_board_lines"
    RUN_POLLS = "run_polls"
    RECORD_MEETING = "record_meeting"
    SEE_UNPUBLISHED_RESULTS = "see_unpublished_results"
    MANAGE_CAMPAIGNS = "manage_campaigns"
    ISSUE_DOCUMENT = "issue_document"            # issue or replace a bloc's document
    ISSUE_UNIT_DOCUMENT = "issue_unit_document"  # issue or replace a unit's own document


class Grantee(Enum):
    """Who a line of the table names."""

    SIGNED_IN = "signed_in"
    MEMBER = "member"          # any member unit's staff
    OWN_UNIT = "own_unit"      # the staff of the unit the work belongs to (a member)
    LEADER = "leader"
    DEPUTY = "deputy"
    BOARD = "board"
    ADMIN = "admin"
    HOST = "host"              # the host of the step concerned, as the plan says
    ASSISTANT = "assistant"    # who helps that host: the deputy helps a leader-hosted step


@dataclass(frozen=True)
class Actor:
    """A signed-in person as the policy sees them in one campaign."""

    role: Role | None = None      # their unit's role in the campaign, None if not a member
    unit: Hashable | None = None  # their unit (id), if any
    board: bool = False
    admin: bool = False


G = Grantee
TABLE: dict[Action, tuple[Grantee, ...]] = {
    Action.READ_PLAN: (G.SIGNED_IN,),
    Action.READ_WORK: (G.MEMBER, G.BOARD, G.ADMIN),
    Action.WRITE_OWN_WORK: (G.OWN_UNIT,),
    Action.FOLLOW_PROGRESS: (G.LEADER, G.DEPUTY, G.BOARD, G.ADMIN),
    Action.RETURN_REGISTRATION: (G.HOST,),
    Action.CLOSE_STEP: (G.HOST,),
    Action.EXTEND_DEADLINE: (G.LEADER,),
    Action.ADJUST_TABLE: (G.LEADER,),
    Action.VERIFY_SCORES: (G.HOST, G.ASSISTANT),
    Action.SCORE_BOARD_LINES: (G.BOARD,),
    Action.RUN_POLLS: (G.HOST, G.BOARD),
    Action.RECORD_MEETING: (G.HOST,),
    Action.SEE_UNPUBLISHED_RESULTS: (G.LEADER, G.DEPUTY, G.BOARD, G.ADMIN),
    Action.MANAGE_CAMPAIGNS: (G.BOARD, G.ADMIN),
    # A bloc's document is issued by the host of the step it belongs to (the service names
    # the step); a unit's own document by that unit (the service asks for its head).
    Action.ISSUE_DOCUMENT: (G.HOST,),
    Action.ISSUE_UNIT_DOCUMENT: (G.OWN_UNIT,),
}

# The step an action belongs to, where it is always the same one; CLOSE_STEP is told.
STEP_OF: dict[Action, Deliverable] = {
    Action.RETURN_REGISTRATION: Deliverable.REGISTRATION,
    Action.VERIFY_SCORES: Deliverable.VERIFICATION,
    Action.RUN_POLLS: Deliverable.VOTE,
    Action.RECORD_MEETING: Deliverable.VOTE,
}

# A step the member units do (host "members") is run by the bloc's leader.
HOST_ROLE: dict[Host, Role | None] = {
    Host.LEADER: Role.LEADER, Host.DEPUTY: Role.DEPUTY, Host.MEMBERS: Role.LEADER,
    Host.BOARD: None,
}
ASSISTANT_OF: dict[Host, Role] = {Host.LEADER: Role.DEPUTY, Host.MEMBERS: Role.DEPUTY}

MESSAGES: dict[Action, str] = {
    Action.READ_PLAN: N_("Bạn cần đăng nhập."),
    Action.READ_WORK: N_("Bạn không có quyền thực hiện thao tác này."),
    Action.WRITE_OWN_WORK: N_("Chỉ cán bộ của chính đơn vị được nhập và gửi."),
    Action.FOLLOW_PROGRESS: N_("Chỉ Khối trưởng, Khối phó và %(office)s theo dõi tiến "
                               "độ."),
    Action.RETURN_REGISTRATION: N_("Chỉ %(host)s được trả lại bản đăng ký."),
    Action.CLOSE_STEP: N_("Chỉ %(host)s được đóng giai đoạn “%(step)s”."),
    Action.EXTEND_DEADLINE: N_("Chỉ Khối trưởng được gia hạn."),
    Action.ADJUST_TABLE: N_("Chỉ Khối trưởng được điều chỉnh thang điểm."),
    Action.VERIFY_SCORES: N_("Chỉ %(host)s thẩm định điểm."),
    Action.SCORE_BOARD_LINES: N_("Tiêu chí này do %(office)s chấm."),
    Action.RUN_POLLS: N_("Chỉ %(host)s hoặc %(office)s được điều hành bỏ phiếu."),
    Action.RECORD_MEETING: N_("Chỉ %(host)s ghi thông tin cuộc họp bình xét."),
    Action.SEE_UNPUBLISHED_RESULTS: N_("Kết quả chưa được công bố."),
    Action.MANAGE_CAMPAIGNS: N_("Chỉ quản trị viên hoặc %(office)s được mở hoặc lưu "
                                "trữ năm thi đua."),
    Action.ISSUE_DOCUMENT: N_("Chỉ %(host)s được ban hành văn bản của giai đoạn “%(step)s”."),
    Action.ISSUE_UNIT_DOCUMENT: N_("Chỉ thủ trưởng của đơn vị được ban hành văn bản của đơn "
                                   "vị."),
}


def _step(action: Action, step: Deliverable | str | None) -> Deliverable | None:
    if step is not None:
        return Deliverable(step)
    return STEP_OF.get(action)


def _holds(grantee: Grantee, actor: Actor, plan: FrozenPlan | None,
           step: Deliverable | None, unit: Hashable | None) -> bool:
    if grantee is G.SIGNED_IN:
        return True
    if grantee is G.MEMBER:
        return actor.role is not None
    if grantee is G.OWN_UNIT:
        return actor.role is not None and unit is not None and actor.unit == unit
    if grantee is G.LEADER:
        return actor.role is Role.LEADER
    if grantee is G.DEPUTY:
        return actor.role is Role.DEPUTY
    if grantee is G.BOARD:
        return actor.board
    if grantee is G.ADMIN:
        return actor.admin
    if plan is None or step is None:
        return False
    host = plan.host_of(step)
    if grantee is G.HOST:
        role = HOST_ROLE[host]
        return actor.board if role is None else actor.role is role
    if grantee is G.ASSISTANT:
        assistant = ASSISTANT_OF.get(host)
        return assistant is not None and actor.role is assistant
    return False


def allows(action: Action, actor: Actor | None, plan: FrozenPlan | None = None, *,
           step: Deliverable | str | None = None, unit: Hashable | None = None) -> bool:
    """Whether ``actor`` may take ``action`` (for ``step`` and the work of ``unit``)."""
    if actor is None:
        return False
    concerned = _step(action, step)
    return any(_holds(g, actor, plan, concerned, unit) for g in TABLE[action])


def host_label(plan: FrozenPlan, step: Deliverable | str) -> str:
    """Who runs a step, as a message id: the host role's label."""
    host = plan.host_of(step)
    role = HOST_ROLE[host]
    return role.label if role is not None else Host.BOARD.label


def refusal(action: Action, plan: FrozenPlan | None = None, *,
            step: Deliverable | str | None = None) -> tuple[str, dict[str, str]]:
    """The message id (and its parameters, message ids too) that says who may act."""
    concerned = _step(action, step)
    params: dict[str, str] = {}
    if plan is not None and concerned is not None:
        params = {"host": host_label(plan, concerned), "step": concerned.label}
    return MESSAGES[action], params
