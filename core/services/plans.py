"""A bloc's plan for a year, as its plugins answer it, and every rule the plan must satisfy.

One place for these rules: opening a campaign and ``flask bloc check`` both call
:func:`gather_plan` and refuse a plan whose ``problems`` is not empty.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from core.domain import FrozenPlan
from core.errors import NotFound, PluginError
from core.plugin_api import (
    CRITERION_KINDS,
    DELIVERABLES,
    LATE_POLICIES,
    PHASE_HOSTS,
    SCORERS,
    BlocInfo,
    Criterion,
    Phase,
    points,
)
from core.plugins import PluginHost
from core.voting import procedure_from_snapshot, registered_procedures

CODE_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,39}$")
MAX_POINTS = Decimal(1_000_000)
MAX_POINTS_STEP = Decimal("0.01")
REQUIRED_DELIVERABLES = DELIVERABLES


@dataclass
class Plan:
    """What the plugins answer for one bloc's year, with everything wrong with it."""

    bloc: BlocInfo
    year: int
    plugin: str
    plugin_version: str
    criteria: list[Criterion] = field(default_factory=list)
    calendar: list[Phase] = field(default_factory=list)
    voting: Any = None
    voting_plugin: str | None = None
    documents: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def frozen(self, *, with_voting: bool = True) -> FrozenPlan:
        """The plan as a campaign freezes it (revision 1); ``with_voting=False`` leaves the
        procedure out (a plan being checked may have none, or a broken one)."""
        return FrozenPlan(bloc=self.bloc, year=self.year, plugin=self.plugin,
                          plugin_version=self.plugin_version, criteria=tuple(self.criteria),
                          calendar=tuple(self.calendar),
                          voting_name=self.voting.name if with_voting else "",
                          voting_config=self.voting.config() if with_voting else {},
                          voting_plugin=self.voting_plugin, documents=dict(self.documents))

    @property
    def max_total(self) -> Decimal:
        return self.frozen(with_voting=False).max_total

    def snapshot(self) -> dict[str, Any]:
        """The JSON a campaign freezes."""
        return self.frozen().to_snapshot()


def criteria_problems(criteria: Any) -> list[str]:
    """Points that do not add up, unknown kinds, duplicate or malformed codes."""
    if not isinstance(criteria, list | tuple) or not criteria:
        return ["Bảng tiêu chí trống hoặc không phải danh sách Criterion."]
    problems: list[str] = []
    seen: set[str] = set()

    def visit(node: Any, parent_kind: str | None) -> None:
        if not isinstance(node, Criterion):
            problems.append(f"Mục {node!r} không phải Criterion.")
            return
        label = f"Tiêu chí {node.code}"
        if not isinstance(node.code, str) or not CODE_RE.match(node.code):
            problems.append(f"{label}: mã không hợp lệ (chữ, số, '.', '-', tối đa 40 ký tự).")
        if node.code in seen:
            problems.append(f"{label}: mã bị trùng.")
        seen.add(node.code)
        if not str(node.title).strip():
            problems.append(f"{label}: thiếu tên tiêu chí.")
        if node.kind not in CRITERION_KINDS:
            problems.append(f"{label}: loại '{node.kind}' không hợp lệ.")
        if getattr(node, "scorer", "unit") not in SCORERS:
            problems.append(f"{label}: người chấm '{node.scorer}' không hợp lệ (unit, board).")
        if parent_kind is not None and node.kind != parent_kind:
            problems.append(f"{label}: loại '{node.kind}' khác loại của nhóm ('{parent_kind}').")
        try:
            maximum = points(node.max_points)
        except (InvalidOperation, ValueError, TypeError):
            problems.append(f"{label}: điểm tối đa '{node.max_points}' không phải là số.")
            return
        # is_finite first: ordering a NaN raises InvalidOperation.
        finite = maximum.is_finite()
        if not finite or maximum < 0:
            problems.append(f"{label}: điểm tối đa phải là số không âm.")
        elif maximum > MAX_POINTS or maximum != maximum.quantize(MAX_POINTS_STEP):
            # The rows keep points as NUMERIC(9, 2): the snapshot and the rows must agree.
            problems.append(f"{label}: điểm tối đa phải có nhiều nhất 2 chữ số thập phân và "
                            "không quá 1.000.000.")
        if node.children:
            try:
                total = sum((points(c.max_points) for c in node.children), Decimal(0))
            except (InvalidOperation, ValueError, TypeError, AttributeError):
                total = None
            if finite and total is not None and total.is_finite() and total != maximum:
                problems.append(
                    f"{label}: điểm tối đa của nhóm ({maximum:g}) khác tổng các mục con "
                    f"({total:g}).")
            for child in node.children:
                visit(child, node.kind)

    for top in criteria:
        visit(top, None)
    if not any(isinstance(c, Criterion) and c.kind == "item" for c in criteria):
        problems.append("Bảng tiêu chí không có mục chấm điểm nào (loại 'item').")
    return problems


def calendar_problems(calendar: Any, year: int) -> list[str]:
    """Phases out of order or out of range, unknown hosts or policies, missing deliverables."""
    if not isinstance(calendar, list | tuple) or not calendar:
        return ["Lịch các giai đoạn trống hoặc không phải danh sách Phase."]
    problems: list[str] = []
    seen: set[str] = set()
    delivered: dict[str, Phase] = {}
    earliest, latest = date(year - 1, 1, 1), date(year + 1, 12, 31)
    previous: Phase | None = None
    for phase in calendar:
        if not isinstance(phase, Phase):
            problems.append(f"Mục {phase!r} không phải Phase.")
            continue
        label = f"Giai đoạn {phase.code}"
        if not isinstance(phase.code, str) or not CODE_RE.match(phase.code):
            problems.append(f"{label}: mã không hợp lệ.")
        if phase.code in seen:
            problems.append(f"{label}: mã bị trùng.")
        seen.add(phase.code)
        if not isinstance(phase.opens, date) or not isinstance(phase.due, date):
            problems.append(f"{label}: ngày mở và hạn phải là ngày (date).")
            continue
        if phase.opens > phase.due:
            problems.append(f"{label}: ngày mở ({phase.opens:%d/%m/%Y}) sau hạn "
                            f"({phase.due:%d/%m/%Y}).")
        if phase.opens < earliest or phase.due > latest:
            problems.append(f"{label}: ngày nằm ngoài khoảng {earliest:%d/%m/%Y}–"
                            f"{latest:%d/%m/%Y} của năm {year}.")
        if previous is not None and phase.opens < previous.opens:
            problems.append(f"{label}: mở trước giai đoạn đứng trước nó ({previous.code}); "
                            "các giai đoạn phải theo thứ tự thời gian.")
        if phase.host not in PHASE_HOSTS:
            problems.append(f"{label}: đơn vị chủ trì '{phase.host}' không hợp lệ.")
        if phase.late not in LATE_POLICIES:
            problems.append(f"{label}: quy định gửi trễ hạn '{phase.late}' không hợp lệ.")
        if phase.deliverable is not None:
            if phase.deliverable not in DELIVERABLES:
                problems.append(f"{label}: hồ sơ '{phase.deliverable}' không hợp lệ.")
            elif phase.deliverable in delivered:
                problems.append(f"{label}: hồ sơ '{phase.deliverable}' đã có ở giai đoạn "
                                f"{delivered[phase.deliverable].code}.")
            else:
                delivered[phase.deliverable] = phase
        previous = phase
    for deliverable in REQUIRED_DELIVERABLES:
        if deliverable not in delivered:
            problems.append(f"Không có giai đoạn nào cho hồ sơ '{deliverable}'.")
    ordered = [delivered[d] for d in DELIVERABLES if d in delivered]
    for before, after in zip(ordered, ordered[1:], strict=False):
        if isinstance(before.due, date) and isinstance(after.opens, date) \
                and after.due < before.due:
            problems.append(f"Giai đoạn {after.code} ({after.deliverable}) kết thúc trước "
                            f"giai đoạn {before.code} ({before.deliverable}).")
    return problems


def voting_problems(procedure: Any) -> list[str]:
    """A procedure that the core cannot snapshot and rebuild, or whose parameters are invalid."""
    if procedure is None:
        return ["Không có quy trình bỏ phiếu (thidua_voting_procedure không trả lời)."]
    name = getattr(procedure, "name", None)
    if name not in registered_procedures():
        return [f"Quy trình bỏ phiếu '{name}' chưa được đăng ký (register_procedure)."]
    try:
        config = procedure.config()
        json.dumps(config)
        rebuilt = procedure_from_snapshot(name, config)
    except Exception as exc:
        return [f"Không lưu/khôi phục được cấu hình bỏ phiếu: {exc}"]
    checker = getattr(rebuilt, "problems", None)
    try:
        found = checker() if callable(checker) else []
    except Exception as exc:  # a malformed parameter (e.g. seats="2") must not crash opening
        return [f"Không kiểm tra được tham số bỏ phiếu: {type(exc).__name__}: {exc}"]
    return [f"Bỏ phiếu: {p}" for p in found]


def gather_plan(host: PluginHost, bloc_code: str, year: int) -> Plan:
    """Ask the plugins for a bloc's year; raise NotFound when no plugin has that bloc/year."""
    blocs = host.collect_blocs()
    if bloc_code not in blocs:
        raise NotFound(f"Không có khối thi đua mã '{bloc_code}'.", code="unknown_bloc")
    info, plugin_name = blocs[bloc_code]
    record = host.record(plugin_name)
    plan = Plan(bloc=info, year=year, plugin=plugin_name,
                plugin_version=record.version if record else "?")
    try:
        criteria, _ = host.first_answer("thidua_criteria", bloc=bloc_code, year=year)
        calendar, _ = host.first_answer("thidua_phase_calendar", bloc=bloc_code, year=year)
        voting, voting_plugin = host.first_answer("thidua_voting_procedure", bloc=bloc_code,
                                                  year=year)
        documents: dict[str, str] = {}
        # Most specific first: a bloc plugin's template wins over a province-wide (trylast) one.
        for answer, name in host.all_answers("thidua_document_templates", bloc=bloc_code,
                                             year=year):
            if not isinstance(answer, dict):
                raise PluginError(f"Plugin '{name}': thidua_document_templates phải trả về "
                                  "dict {tên văn bản: đường dẫn mẫu}.")
            for document, template in answer.items():
                documents.setdefault(str(document), str(template))
    except PluginError as exc:
        plan.problems.append(str(exc))
        return plan
    if criteria is None and calendar is None:
        raise NotFound(f"Khối '{bloc_code}' chưa có kế hoạch cho năm {year}.",
                       code="unknown_year")
    plan.criteria = list(criteria or [])
    plan.calendar = list(calendar or [])
    plan.voting, plan.voting_plugin, plan.documents = voting, voting_plugin, documents
    plan.problems += criteria_problems(criteria)
    plan.problems += calendar_problems(calendar, year)
    plan.problems += voting_problems(voting)
    return plan
