"""The model of a bloc's year, pure: the frozen plan, the timeline and the policy.

Built from Khối 8's own 2021 plan (plugins/khoi8) frozen as a campaign snapshot, with no app
and no database.
"""

from __future__ import annotations

import ast
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from core.domain import (
    Action,
    Actor,
    CovenantStage,
    Deliverable,
    Extension,
    FrozenPlan,
    PlanCache,
    ProcedureUnavailable,
    Role,
    StepState,
    Timeline,
    allows,
    format_points,
    refusal,
    valid_year,
)
from core.domain.vocabulary import N_, Term
from core.plugin_api import Phase
from plugins import khoi8

UNIT = 7  # a unit id


def khoi8_snapshot() -> dict:
    procedure = khoi8.voting_2021()
    return {
        "bloc": khoi8.thidua_register_blocs()[0].to_dict(),
        "year": 2021,
        "plugin": {"name": "khoi8", "version": khoi8.__version__},
        "criteria": [c.to_dict() for c in khoi8.criteria_2021()],
        "max_total": 100.0,
        "calendar": [p.to_dict() for p in khoi8.calendar_2021()],
        "voting": {"name": procedure.name, "config": procedure.config(), "plugin": "khoi8"},
        "documents": {},
    }


@pytest.fixture(scope="module")
def plan() -> FrozenPlan:
    return FrozenPlan.from_snapshot(khoi8_snapshot())


def on(plan: FrozenPlan, day: date, extensions=(), closed=None) -> Timeline:
    return Timeline(plan, day, extensions, closed or {})


# -- the plan --------------------------------------------------------------------------------

def test_plan_round_trips_its_snapshot(plan):
    snapshot = khoi8_snapshot()
    assert plan.to_snapshot() == snapshot
    assert plan.max_total == Decimal(100)
    assert len(plan.leaves()) == len([c for c in plan.walk() if not c.children])
    assert plan.phase_for(Deliverable.VOTE).code == "binh-xet"
    assert plan.host_of(Deliverable.MID_YEAR_REPORT).value == "deputy"


def test_amendment_is_a_new_revision_with_groups_recomputed(plan):
    item = next(c for c in plan.leaves() if c.kind == "item")
    sibling = next(c for c in plan.leaves() if c.kind == "item" and c.code != item.code
                   and c.code.split(".")[0] == item.code.split(".")[0])
    amended = plan.amended({item.code: Decimal(item.max_points) + 1,
                            sibling.code: Decimal(sibling.max_points) - 1})
    assert amended.revision == plan.revision + 1
    assert amended.criterion(item.code).max_points == item.max_points + 1
    assert amended.max_total == plan.max_total  # the group's total is recomputed, unchanged
    moved = plan.amended({item.code: Decimal(item.max_points) + 2})
    group = moved.criterion(item.code.split(".")[0])
    assert group.max_points == plan.criterion(group.code).max_points + 2
    assert plan.criterion(item.code).max_points == item.max_points  # the old plan is intact


def test_unknown_procedure_is_unavailable_not_a_crash(plan):
    gone = replace(plan, voting_name="thu-tuc-da-go", _procedure=[])
    assert gone.procedure_available is False
    with pytest.raises(ProcedureUnavailable):
        gone.procedure()
    assert plan.procedure().name == plan.voting_name


def test_plan_cache_builds_once_per_revision(plan):
    cache, built = PlanCache(size=2), []

    def build(revision):
        def _build():
            built.append(revision)
            return replace(plan, revision=revision)
        return _build

    assert cache.get((1, 1), build(1)).revision == 1
    assert cache.get((1, 1), build(1)).revision == 1
    assert cache.get((1, 2), build(2)).revision == 2
    assert built == [1, 2]
    cache.get((2, 1), build(3))
    cache.get((1, 1), build(1))  # evicted by the size limit: built again
    assert built == [1, 2, 3, 1]


# -- the timeline ----------------------------------------------------------------------------

@pytest.mark.parametrize(("day", "state"), [
    (date(2021, 5, 31), StepState.NOT_OPEN),
    (date(2021, 6, 1), StepState.OPEN),
    (date(2021, 6, 14), StepState.OPEN),       # "trước ngày 15/6": the 14th is on time
    (date(2021, 6, 15), StepState.LATE),       # accept_marked
])
def test_mid_year_report_by_the_clock(plan, day, state):
    assert on(plan, day).step(Deliverable.MID_YEAR_REPORT, UNIT).state is state


def test_year_end_report_refuses_late_work(plan):
    status = on(plan, date(2022, 2, 1)).step(Deliverable.YEAR_END_REPORT, UNIT)
    assert status.state is StepState.CLOSED_BY_CLOCK
    code, message, params = status.refusal()
    assert code == "phase_closed" and params["date"] == "31/01/2022"
    assert on(plan, date(2022, 1, 31)).step(Deliverable.YEAR_END_REPORT, UNIT).refusal() is None


def test_extension_for_one_unit_or_the_bloc(plan):
    ext = [Extension("bao-cao-tong-ket", date(2022, 2, 5), unit=UNIT)]
    timeline = on(plan, date(2022, 2, 3), ext)
    mine = timeline.step(Deliverable.YEAR_END_REPORT, UNIT)
    assert mine.state is StepState.OPEN and mine.extended and mine.due == date(2022, 2, 5)
    assert timeline.step(Deliverable.YEAR_END_REPORT, UNIT + 1).state \
        is StepState.CLOSED_BY_CLOCK
    assert timeline.step(Deliverable.YEAR_END_REPORT).state is StepState.CLOSED_BY_CLOCK
    bloc = on(plan, date(2022, 2, 3), [Extension("bao-cao-tong-ket", date(2022, 2, 5))])
    assert bloc.step(Deliverable.YEAR_END_REPORT, UNIT + 1).state is StepState.OPEN


def test_host_act_closes_a_step_whatever_the_clock_or_extensions(plan):
    closed_at = datetime(2021, 7, 20, 10, 0)
    ext = [Extension("bao-cao-so-ket", date(2021, 8, 30))]
    timeline = on(plan, date(2021, 7, 21), ext, {Deliverable.MID_YEAR_REPORT: closed_at})
    status = timeline.step(Deliverable.MID_YEAR_REPORT, UNIT)
    assert status.state is StepState.CLOSED_BY_HOST and status.closed_at == closed_at
    assert status.refusal()[0] == "phase_closed"
    assert timeline.extension_refusal(status.phase) is not None


def test_locking_verification_makes_the_earlier_steps_final(plan):
    """The defect: an extension granted after verification was locked reopened a unit's
    self-score form. A later step's closing act settles every earlier step."""
    locked = datetime(2022, 2, 14, 16, 0)
    ext = [Extension("bao-cao-tong-ket", date(2022, 3, 31), unit=UNIT)]
    timeline = on(plan, date(2022, 2, 20), ext, {Deliverable.VERIFICATION: locked})
    for deliverable in (Deliverable.REGISTRATION, Deliverable.MID_YEAR_REPORT,
                        Deliverable.YEAR_END_REPORT):
        status = timeline.step(deliverable, UNIT)
        assert status.state is StepState.FINAL, deliverable
        assert not status.accepting
    assert timeline.step(Deliverable.VERIFICATION).state is StepState.CLOSED_BY_HOST
    assert timeline.step(Deliverable.VOTE).state is StepState.OPEN
    assert timeline.extension_refusal(plan.phase("bao-cao-tong-ket")) is not None
    assert timeline.extension_refusal(plan.phase("binh-xet")) is None


def test_published_vote_is_final(plan):
    timeline = on(plan, date(2022, 2, 26), closed={Deliverable.VOTE: None})
    assert timeline.step(Deliverable.VOTE).state is StepState.FINAL
    assert all(s.settled for s in timeline.steps() if s.deliverable)


def test_registration_late_is_not_final_until_its_host_closes_it(plan):
    """The defect: a registration summary became "official" on the first day after the due
    date while late registrations were still accepted."""
    late = on(plan, date(2021, 6, 10)).step(Deliverable.REGISTRATION, UNIT)
    assert late.state is StepState.LATE and not late.settled
    closed = on(plan, date(2021, 6, 10), closed={"registration": datetime(2021, 6, 1)})
    assert closed.step(Deliverable.REGISTRATION, UNIT).state is StepState.CLOSED_BY_HOST


def test_current_and_next_phases(plan):
    timeline = on(plan, date(2021, 6, 10))
    assert [p.code for p in timeline.current_phases()] == ["bao-cao-so-ket"]
    assert timeline.next_phase().code == "bao-cao-so-ket"
    closed = on(plan, date(2021, 6, 10), closed={"mid_year_report": None})
    assert closed.current_phases() == []
    assert closed.next_phase().code == "hoi-nghi-so-ket"


@pytest.mark.parametrize(("day", "closed", "stage"), [
    (date(2021, 5, 15), {}, CovenantStage.COVENANT),
    (date(2021, 5, 16), {}, CovenantStage.LOCKED),
    (date(2021, 6, 10), {}, CovenantStage.MID_YEAR),
    (date(2021, 6, 10), {"mid_year_report": None}, CovenantStage.LOCKED),
    (date(2021, 5, 10), {"registration": None}, CovenantStage.LOCKED),
    (date(2021, 12, 1), {}, CovenantStage.LOCKED),
])
def test_covenant_stage(plan, day, closed, stage):
    assert on(plan, day, closed=closed).covenant_stage() is stage


def test_bloc_extension_of_registration_keeps_the_covenant_open(plan):
    ext = [Extension("dang-ky", date(2021, 5, 31))]
    assert on(plan, date(2021, 5, 20), ext).covenant_stage() is CovenantStage.COVENANT


# -- the policy ------------------------------------------------------------------------------

LEADER, DEPUTY = Actor(Role.LEADER, 1), Actor(Role.DEPUTY, 2)
MEMBER, BOARD, ADMIN = Actor(Role.MEMBER, 3), Actor(board=True), Actor(admin=True)
OUTSIDER = Actor()


@pytest.mark.parametrize(("action", "step", "who"), [
    (Action.VERIFY_SCORES, None, {"leader", "deputy"}),
    (Action.CLOSE_STEP, Deliverable.VERIFICATION, {"leader"}),
    (Action.CLOSE_STEP, Deliverable.MID_YEAR_REPORT, {"deputy"}),
    (Action.CLOSE_STEP, Deliverable.REGISTRATION, {"leader"}),
    (Action.RETURN_REGISTRATION, None, {"leader"}),
    (Action.RUN_POLLS, None, {"leader", "board"}),
    (Action.FOLLOW_PROGRESS, None, {"leader", "deputy", "board", "admin"}),
    (Action.READ_WORK, None, {"leader", "deputy", "member", "board", "admin"}),
    (Action.MANAGE_CAMPAIGNS, None, {"board", "admin"}),
    (Action.EXTEND_DEADLINE, None, {"leader"}),
])
def test_policy_table_for_khoi8(plan, action, step, who):
    actors = {"leader": LEADER, "deputy": DEPUTY, "member": MEMBER, "board": BOARD,
              "admin": ADMIN, "outsider": OUTSIDER}
    allowed = {name for name, actor in actors.items() if allows(action, actor, plan, step=step)}
    assert allowed == who


def test_own_work_only_for_the_units_own_staff(plan):
    assert allows(Action.WRITE_OWN_WORK, MEMBER, plan, unit=3)
    assert not allows(Action.WRITE_OWN_WORK, MEMBER, plan, unit=4)
    assert not allows(Action.WRITE_OWN_WORK, Actor(None, 3), plan, unit=3)  # not a member
    assert not allows(Action.READ_WORK, None, plan)


def test_deputy_hosting_verification_changes_who_verifies(plan):
    calendar = tuple(replace(p, host="deputy") if p.deliverable == "verification" else p
                     for p in plan.calendar)
    deputy_hosts = replace(plan, calendar=calendar)
    assert allows(Action.VERIFY_SCORES, DEPUTY, deputy_hosts)
    assert not allows(Action.VERIFY_SCORES, LEADER, deputy_hosts)
    assert allows(Action.CLOSE_STEP, DEPUTY, deputy_hosts, step="verification")
    assert not allows(Action.CLOSE_STEP, LEADER, deputy_hosts, step="verification")
    message, params = refusal(Action.CLOSE_STEP, deputy_hosts, step="verification")
    assert message % params == "Chỉ Khối phó được đóng giai đoạn “Thẩm định điểm”."


def test_board_hosted_step_is_run_by_the_board(plan):
    calendar = tuple(replace(p, host="board") if p.deliverable == "vote" else p
                     for p in plan.calendar)
    board_hosts = replace(plan, calendar=calendar)
    assert allows(Action.RECORD_MEETING, BOARD, board_hosts)
    assert not allows(Action.RECORD_MEETING, LEADER, board_hosts)


# -- the vocabulary --------------------------------------------------------------------------

def test_every_term_has_a_label():
    for enum in Term.__subclasses__():
        for member in enum:
            assert member.label.strip(), member
    # Members of two enums with one value are equal strings; each keeps its own label.
    from core.domain import CampaignStatus, PollStatus
    assert CampaignStatus.OPEN.label == "Đang diễn ra"
    assert StepState.OPEN.label == "Đang mở"
    assert PollStatus.OPEN.label == "Đang bỏ phiếu"


def test_points_and_years():
    assert format_points(Decimal("7.50")) == "7,5"
    assert format_points(10.0) == "10"
    assert format_points(Decimal("-2")) == "-2"
    assert format_points(None) == ""
    assert valid_year(2021) and not valid_year(1999) and not valid_year(True)
    assert not valid_year(2**40)
    assert N_("x") == "x"


def test_calendar_phase_without_deliverable_follows_the_clock(plan):
    meeting = plan.phase("hoi-nghi-so-ket")
    assert isinstance(meeting, Phase)
    assert on(plan, date(2021, 8, 1)).phase_status(meeting).state is StepState.CLOSED_BY_CLOCK


def test_domain_is_pure():
    """core/domain imports no Flask, no SQLAlchemy and nothing of the app but the plugin API
    and the voting procedures."""
    allowed_core = ("core.domain", "core.plugin_api", "core.voting")
    for path in (Path(__file__).parents[2] / "core" / "domain").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            for name in names:
                top = name.split(".")[0]
                assert top not in ("flask", "flask_babel", "sqlalchemy", "werkzeug"), \
                    (path.name, name)
                if top == "core":
                    assert name.startswith(allowed_core), (path.name, name)
