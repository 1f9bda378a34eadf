"""Plans as data (issue 12): a bloc's year defined by a JSON document instead of Python.

The **plan document** (schema ``thidua.plan``, version 1) holds everything a bloc plugin
answers: the bloc (code, name, issuer, abbreviation), the criteria tree with points, bonus and
deduction lines (``Criterion.to_dict``), the calendar (``Phase.to_dict``), the voting
procedure (``{"procedure": name, "config": {...}}``, or ``null`` to follow the province-wide
plugin) and the per-plan document settings (province, place name, emulation office and its
parent, council name). It is stored in ``plan_documents`` and served to the core by the
built-in plugin ``core.data_plans``.

One set of rules: a document is checked for its shape here (every problem names the field,
e.g. ``calendar[2].opens``), then with the very functions ``flask bloc check`` and opening a
campaign use (``core.services.plans``). A document with a problem is never written.

Also here: creating a bloc without a plugin, copying a year's plan (from any plugin or a
stored document) into the next year with every date moved by a year and a diff, the points
table as an Excel workbook (template, row-by-row dry run, apply), export and import as a JSON
file, and the demo's 2026 Vĩnh Long bloc (``plans/vinh-long-2026.json``).
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.config import PROJECT_ROOT
from core.domain import valid_year
from core.errors import Conflict, NotFound, ValidationFailed
from core.extensions import db
from core.models import Bloc, Campaign, DataBloc, PlanDocument, User
from core.plugin_api import (
    CRITERION_KINDS,
    DELIVERABLES,
    LATE_POLICIES,
    PHASE_HOSTS,
    SCORERS,
    UNIT_FLAG_KINDS,
    AwardRules,
    BlocInfo,
    Criterion,
    Phase,
    points,
)
from core.services import audit, clock, permissions
from core.services.plans import (
    CODE_RE,
    Plan,
    calendar_problems,
    criteria_problems,
    gather_plan,
    voting_problems,
)
from core.validators import clean_text_problem, normalise, slug_problem
from core.voting import procedure_from_snapshot, registered_procedures

SCHEMA = "thidua.plan"
SCHEMA_VERSION = 1
DATA_PLUGIN = "data_plans"  # the built-in plugin's name (core.data_plans)
SHIPPED_2026 = PROJECT_ROOT / "plans" / "vinh-long-2026.json"

# The document settings a plan may set; empty means "the installation's setting".
SETTINGS = {
    "province": "Tỉnh",
    "place": "Địa danh ghi trên văn bản",
    "office_name": "Tên cơ quan thi đua, khen thưởng",
    "office_parent": "Cơ quan chủ quản của cơ quan thi đua, khen thưởng",
    "council_name": "Tên Hội đồng Thi đua – Khen thưởng",
}
# The installation's settings (core/config.py) each document setting overrides.
SETTINGS_CONFIG = {
    "province": "THIDUA_PROVINCE", "place": "THIDUA_PLACE", "office_name": "THIDUA_OFFICE_NAME",
    "office_parent": "THIDUA_OFFICE_PARENT", "council_name": "THIDUA_COUNCIL_NAME",
}
TOP_KEYS = {"schema", "schema_version", "bloc", "year", "criteria", "calendar", "voting",
            "document_settings", "award_rules", "notes"}
AWARD_RULE_KEYS = {"barring_flags", "women_tiebreak", "women_threshold", "basis"}
FLAG_WORDS = {"discipline": "kỷ luật", "inspection": "thanh tra, kiểm tra",
              "complaint": "khiếu nại, tố cáo"}
BLOC_KEYS = {"code", "name", "description", "issuer", "abbreviation"}
CRITERION_KEYS = {"code", "title", "max_points", "kind", "guidance", "scorer", "children"}
PHASE_KEYS = {"code", "title", "opens", "due", "host", "deliverable", "late"}
MAX_TEXT = 2000
MAX_CRITERIA = 500
MAX_PHASES = 60
MAX_FILE_BYTES = 2 * 1024 * 1024
KIND_WORDS = {"item": "mục chấm điểm", "bonus": "điểm cộng", "deduction": "điểm trừ"}


# -- problems --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    """One thing wrong with a plan: the field (``criteria[0].children[2].max_points``,
    ``calendar``, ``bloc.name``, a workbook's ``dòng 5``) and the message, in Vietnamese."""

    field: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class PlanInvalid(ValidationFailed):
    """A plan document with problems: nothing was written."""

    code = "invalid_plan"

    def __init__(self, problems: list[Problem],
                 message: str = "Kế hoạch không hợp lệ; chưa lưu gì.") -> None:
        fields: dict[str, list[str]] = {}
        for problem in problems:
            fields.setdefault(problem.field, []).append(problem.message)
        super().__init__(message, fields=fields)
        self.problems = problems


# -- the document's shape --------------------------------------------------------------------

@dataclass
class ParsedPlan:
    """A document turned into the plugin types (what the built-in plugin answers)."""

    bloc: BlocInfo
    year: int
    criteria: list[Criterion]
    calendar: list[Phase]
    voting: Any  # a VotingProcedure, or None: the province-wide plugin's applies
    settings: dict[str, str]
    award_rules: AwardRules | None = None  # None: the province-wide plugin's apply


def _text(value: Any, where: str, problems: list[Problem], *, required: bool = True,
          max_length: int = MAX_TEXT, label: str = "") -> str:
    name = label or where
    if value is None or value == "":
        if required:
            problems.append(Problem(where, f"{name}: bắt buộc, chưa nhập."))
        return ""
    if not isinstance(value, str):
        problems.append(Problem(where, f"{name}: phải là chuỗi ký tự."))
        return ""
    value = normalise(value)
    if required and not value:
        problems.append(Problem(where, f"{name}: bắt buộc, chưa nhập."))
    elif len(value) > max_length:
        problems.append(Problem(where, f"{name}: tối đa {max_length} ký tự."))
    elif (bad := clean_text_problem(value)) is not None:
        problems.append(Problem(where, f"{name}: {bad}"))
    return value


def _unknown_keys(data: dict[str, Any], allowed: set[str], where: str,
                  problems: list[Problem]) -> None:
    for key in sorted(set(data) - allowed, key=str):
        problems.append(Problem(f"{where}.{key}" if where else str(key),
                                f"Trường '{key}' không có trong mẫu kế hoạch (phiên bản "
                                f"{SCHEMA_VERSION})."))


def _number(value: Any, where: str, label: str, problems: list[Problem]) -> Any:
    """Points: a number or a decimal string (a comma as the decimal mark is accepted)."""
    if isinstance(value, bool) or value is None or value == "":
        problems.append(Problem(where, f"{label}: điểm tối đa phải là số."))
        return None
    if isinstance(value, str):
        value = value.strip().replace(",", ".")
    try:
        number = points(value)
    except (InvalidOperation, ValueError, TypeError):
        problems.append(Problem(where, f"{label}: điểm tối đa '{value}' không phải là số."))
        return None
    if not number.is_finite():
        problems.append(Problem(where, f"{label}: điểm tối đa phải là số hữu hạn."))
        return None
    if number < 0:
        problems.append(Problem(where, f"{label}: điểm tối đa không được âm ({number:g})."))
        return None
    return int(number) if number == number.to_integral_value() else str(number)


def _criterion(data: Any, where: str, problems: list[Problem], count: list[int]) -> Criterion | None:
    count[0] += 1
    if not isinstance(data, dict):
        problems.append(Problem(where, f"{where}: mỗi tiêu chí phải là một đối tượng JSON."))
        return None
    _unknown_keys(data, CRITERION_KEYS, where, problems)
    code = data.get("code")
    label = f"Tiêu chí {code}" if isinstance(code, str) and code else f"Tiêu chí ({where})"
    if not isinstance(code, str) or not CODE_RE.match(code):
        problems.append(Problem(f"{where}.code", f"{label}: mã không hợp lệ (chữ, số, '.', '-', "
                                                 "tối đa 40 ký tự)."))
    title = _text(data.get("title"), f"{where}.title", problems, label=f"{label}, tên")
    before = len(problems)
    max_points = _number(data.get("max_points"), f"{where}.max_points", label, problems)
    kind = data.get("kind", "item")
    if kind not in CRITERION_KINDS:
        problems.append(Problem(f"{where}.kind", f"{label}: loại '{kind}' không hợp lệ "
                                                 "(item, bonus, deduction)."))
    scorer = data.get("scorer", "unit")
    if scorer not in SCORERS:
        problems.append(Problem(f"{where}.scorer", f"{label}: người chấm '{scorer}' không hợp "
                                                   "lệ (unit, board)."))
    guidance = _text(data.get("guidance", ""), f"{where}.guidance", problems, required=False,
                     label=f"{label}, hướng dẫn chấm")
    raw_children = data.get("children", [])
    if not isinstance(raw_children, list):
        problems.append(Problem(f"{where}.children", f"{label}: 'children' phải là danh sách."))
        raw_children = []
    children = []
    for index, child in enumerate(raw_children):
        node = _criterion(child, f"{where}.children[{index}]", problems, count)
        if node is not None:
            children.append(node)
    if len(problems) > before and max_points is None:
        return None
    return Criterion(code=code if isinstance(code, str) else "", title=title,
                     max_points=max_points if max_points is not None else 0,
                     kind=kind if isinstance(kind, str) else "item", guidance=guidance,
                     children=tuple(children), scorer=scorer if isinstance(scorer, str) else "unit")


def _date(value: Any, where: str, label: str, problems: list[Problem]) -> date | None:
    if not isinstance(value, str):
        problems.append(Problem(where, f"{label}: phải là ngày dạng YYYY-MM-DD."))
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        problems.append(Problem(where, f"{label}: '{value}' không phải ngày hợp lệ "
                                       "(YYYY-MM-DD)."))
        return None


def _phase(data: Any, where: str, problems: list[Problem]) -> Phase | None:
    if not isinstance(data, dict):
        problems.append(Problem(where, f"{where}: mỗi giai đoạn phải là một đối tượng JSON."))
        return None
    _unknown_keys(data, PHASE_KEYS, where, problems)
    code = data.get("code")
    label = f"Giai đoạn {code}" if isinstance(code, str) and code else f"Giai đoạn ({where})"
    if not isinstance(code, str) or not CODE_RE.match(code):
        problems.append(Problem(f"{where}.code", f"{label}: mã không hợp lệ."))
    title = _text(data.get("title"), f"{where}.title", problems, label=f"{label}, tên")
    opens = _date(data.get("opens"), f"{where}.opens", f"{label}, ngày mở", problems)
    due = _date(data.get("due"), f"{where}.due", f"{label}, hạn", problems)
    host = data.get("host", "leader")
    if host not in PHASE_HOSTS:
        problems.append(Problem(f"{where}.host", f"{label}: đơn vị chủ trì '{host}' không hợp "
                                                 f"lệ ({', '.join(PHASE_HOSTS)})."))
    deliverable = data.get("deliverable")
    if deliverable == "":
        deliverable = None
    if deliverable is not None and deliverable not in DELIVERABLES:
        problems.append(Problem(f"{where}.deliverable", f"{label}: hồ sơ '{deliverable}' "
                                                        "không hợp lệ."))
    late = data.get("late", "reject")
    if late not in LATE_POLICIES:
        problems.append(Problem(f"{where}.late", f"{label}: quy định gửi trễ hạn '{late}' không "
                                                 "hợp lệ (reject, accept_marked)."))
    if opens is None or due is None:
        return None
    return Phase(code=code if isinstance(code, str) else "", title=title, opens=opens, due=due,
                 host=host if isinstance(host, str) else "leader",
                 deliverable=deliverable if isinstance(deliverable, str) else None,
                 late=late if isinstance(late, str) else "reject")


def _voting(data: Any, problems: list[Problem]) -> Any:
    if data is None:
        return None
    if not isinstance(data, dict):
        problems.append(Problem("voting", "Bỏ phiếu: phải là đối tượng {procedure, config} "
                                          "hoặc null (theo quy định chung của tỉnh)."))
        return None
    _unknown_keys(data, {"procedure", "config"}, "voting", problems)
    name = data.get("procedure")
    if name not in registered_procedures():
        known = ", ".join(sorted(registered_procedures()))
        problems.append(Problem("voting.procedure", f"Bỏ phiếu: quy trình '{name}' chưa được "
                                                    f"đăng ký (có: {known})."))
        return None
    config = data.get("config")
    if not isinstance(config, dict):
        problems.append(Problem("voting.config", "Bỏ phiếu: 'config' phải là một đối tượng."))
        return None
    try:
        procedure = procedure_from_snapshot(name, config)
    except Exception as exc:  # a malformed parameter must name itself, never crash
        problems.append(Problem("voting.config", f"Bỏ phiếu: tham số không hợp lệ "
                                                 f"({type(exc).__name__}: {exc})."))
        return None
    problems += [Problem("voting.config", p) for p in voting_problems(procedure)]
    return procedure


def parse(document: Any) -> tuple[ParsedPlan | None, list[Problem]]:
    """The document's shape, field by field. Returns the plan in plugin types (None when a
    part could not be read) and every problem found; the plan rules are :func:`problems`'."""
    found: list[Problem] = []
    if not isinstance(document, dict):
        return None, [Problem("", "Kế hoạch phải là một đối tượng JSON.")]
    _unknown_keys(document, TOP_KEYS, "", found)
    if document.get("schema", SCHEMA) != SCHEMA:
        found.append(Problem("schema", f"Không phải tệp kế hoạch ({SCHEMA})."))
    version = document.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        found.append(Problem("schema_version", f"Phiên bản mẫu kế hoạch {version!r} không được "
                                               f"hỗ trợ (hỗ trợ: {SCHEMA_VERSION})."))
    bloc_data = document.get("bloc")
    bloc = None
    if not isinstance(bloc_data, dict):
        found.append(Problem("bloc", "Thiếu thông tin khối (bloc: code, name, issuer, "
                                     "abbreviation)."))
    else:
        _unknown_keys(bloc_data, BLOC_KEYS, "bloc", found)
        code = bloc_data.get("code")
        if not isinstance(code, str) or not code or slug_problem(code) or len(code) > 40:
            found.append(Problem("bloc.code", f"Mã khối '{code}' không hợp lệ: chữ thường "
                                              "không dấu, số, dấu gạch ngang, tối đa 40 ký tự."))
            code = ""
        bloc = BlocInfo(
            code=code,
            name=_text(bloc_data.get("name"), "bloc.name", found, max_length=200,
                       label="Tên khối"),
            description=_text(bloc_data.get("description", ""), "bloc.description", found,
                              required=False, label="Mô tả khối"),
            issuer=_text(bloc_data.get("issuer", ""), "bloc.issuer", found, required=False,
                         max_length=200, label="Cơ quan ban hành"),
            abbreviation=_text(bloc_data.get("abbreviation", ""), "bloc.abbreviation", found,
                               required=False, max_length=40, label="Chữ viết tắt"))
    year = document.get("year")
    if isinstance(year, bool) or not isinstance(year, int) or not valid_year(year):
        found.append(Problem("year", f"Năm '{year}' không hợp lệ (từ 2000 đến 2100)."))
        year = None
    raw_criteria = document.get("criteria")
    criteria: list[Criterion] = []
    if not isinstance(raw_criteria, list) or not raw_criteria:
        found.append(Problem("criteria", "Bảng tiêu chí trống hoặc không phải danh sách."))
    else:
        count = [0]
        for index, item in enumerate(raw_criteria):
            node = _criterion(item, f"criteria[{index}]", found, count)
            if node is not None:
                criteria.append(node)
        if count[0] > MAX_CRITERIA:
            found.append(Problem("criteria", f"Bảng tiêu chí có quá {MAX_CRITERIA} dòng."))
    raw_calendar = document.get("calendar")
    calendar: list[Phase] = []
    if not isinstance(raw_calendar, list) or not raw_calendar:
        found.append(Problem("calendar", "Lịch các giai đoạn trống hoặc không phải danh sách."))
    elif len(raw_calendar) > MAX_PHASES:
        found.append(Problem("calendar", f"Lịch có quá {MAX_PHASES} giai đoạn."))
    else:
        for index, item in enumerate(raw_calendar):
            phase = _phase(item, f"calendar[{index}]", found)
            if phase is not None:
                calendar.append(phase)
    voting = _voting(document.get("voting"), found)
    settings: dict[str, str] = {}
    raw_settings = document.get("document_settings") or {}
    if not isinstance(raw_settings, dict):
        found.append(Problem("document_settings", "Thiết lập văn bản phải là một đối tượng."))
    else:
        _unknown_keys(raw_settings, set(SETTINGS), "document_settings", found)
        for key, label in SETTINGS.items():
            value = _text(raw_settings.get(key, ""), f"document_settings.{key}", found,
                          required=False, max_length=300, label=label)
            if value:
                settings[key] = value
    rules = _award_rules(document["award_rules"], found) if "award_rules" in document else None
    _text(document.get("notes", ""), "notes", found, required=False, max_length=5000,
          label="Ghi chú")
    if bloc is None or year is None:
        return None, found
    return ParsedPlan(bloc=bloc, year=year, criteria=criteria, calendar=calendar,
                      voting=voting, settings=settings, award_rules=rules), found


def _award_rules(raw: Any, found: list[Problem]) -> AwardRules | None:
    """The bloc's own rules about units (``thidua_award_rules``), overriding the province-wide
    defaults: which flags bar a unit from being proposed, the share-of-women tie-break."""
    if not isinstance(raw, dict):
        found.append(Problem("award_rules", "Quy định khen thưởng phải là một đối tượng "
                                            "(barring_flags, women_tiebreak, women_threshold, "
                                            "basis)."))
        return None
    before = len(found)
    _unknown_keys(raw, AWARD_RULE_KEYS, "award_rules", found)
    flags = raw.get("barring_flags", [])
    if not isinstance(flags, list) or any(f not in UNIT_FLAG_KINDS for f in flags):
        found.append(Problem("award_rules.barring_flags", "Các trường hợp chưa được đề nghị khen "
                             "thưởng phải là danh sách gồm: " + ", ".join(
                                 f"{k} ({v})" for k, v in FLAG_WORDS.items()) + "."))
        flags = []
    elif len(set(flags)) != len(flags):
        found.append(Problem("award_rules.barring_flags", "Một trường hợp được ghi hai lần."))
    tiebreak = raw.get("women_tiebreak", False)
    if not isinstance(tiebreak, bool):
        found.append(Problem("award_rules.women_tiebreak", "Ưu tiên tỷ lệ nữ phải là true hoặc "
                                                           "false."))
    threshold = raw.get("women_threshold", 70)
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) \
            or not 0 < threshold <= 100:
        found.append(Problem("award_rules.women_threshold", "Tỷ lệ nữ tối thiểu phải là số "
                                                            "lớn hơn 0 và không quá 100 (%)."))
    basis = _text(raw.get("basis", ""), "award_rules.basis", found, required=False,
                  max_length=1000, label="Căn cứ")
    if len(found) > before:
        return None
    return AwardRules(barring_flags=tuple(flags), women_tiebreak=tiebreak,
                      women_threshold=threshold, basis=basis)


def _criteria_field(message: str, document: dict[str, Any]) -> str:
    """The field of a ``criteria_problems`` message ("Tiêu chí 1.2: ..."), by its code."""
    match = re.match(r"Tiêu chí (\S+?):", message)
    if match:
        for path, node in _walk_paths(document.get("criteria") or []):
            if isinstance(node, dict) and node.get("code") == match.group(1):
                return path
    return "criteria"


def _calendar_field(message: str, document: dict[str, Any]) -> str:
    match = re.match(r"Giai đoạn (\S+?)[: ]", message)
    if match:
        for index, phase in enumerate(document.get("calendar") or []):
            if isinstance(phase, dict) and phase.get("code") == match.group(1):
                return f"calendar[{index}]"
    return "calendar"


def _walk_paths(nodes: list[Any], prefix: str = "criteria") -> list[tuple[str, Any]]:
    found = []
    for index, node in enumerate(nodes):
        path = f"{prefix}[{index}]"
        found.append((path, node))
        if isinstance(node, dict) and isinstance(node.get("children"), list):
            found += _walk_paths(node["children"], f"{path}.children")
    return found


def problems(document: Any, *, host: Any = None) -> list[Problem]:
    """Everything wrong with a document: its shape, then the rules of ``flask bloc check``
    (``core.services.plans``: points that add up, codes, the calendar's order and range, the
    voting parameters). With ``host`` (the app's plugins), also: the bloc exists, no Python
    plugin already answers for that year, and a plan without voting parameters has a
    province-wide procedure to follow."""
    parsed, found = parse(document)
    if parsed is None:
        return found
    if parsed.criteria and not any(p.field.startswith("criteria") for p in found):
        found += [Problem(_criteria_field(m, document), m)
                  for m in criteria_problems(parsed.criteria)]
    if parsed.calendar and not any(p.field.startswith("calendar") for p in found):
        found += [Problem(_calendar_field(m, document), m)
                  for m in calendar_problems(parsed.calendar, parsed.year)]
    if host is not None and parsed.bloc.code:
        found += _host_problems(parsed, host)
    return found


def _host_problems(parsed: ParsedPlan, host: Any) -> list[Problem]:
    found: list[Problem] = []
    code, year = parsed.bloc.code, parsed.year
    if code not in host.collect_blocs() and db.session.scalar(
            select(DataBloc.id).where(DataBloc.code == code)) is None:
        found.append(Problem("bloc.code", f"Không có khối thi đua mã '{code}': tạo khối trước."))
    others = _without_data_plugin(host, "thidua_criteria", bloc=code, year=year)
    if others is not None:
        found.append(Problem("year", f"Năm {year} của khối '{code}' đã có kế hoạch do plugin "
                                     "Python cung cấp; plugin đó được hỏi trước nên kế hoạch "
                                     "dữ liệu sẽ không được dùng."))
    if parsed.voting is None and _without_data_plugin(
            host, "thidua_voting_procedure", bloc=code, year=year) is None:
        found.append(Problem("voting", "Không có quy trình bỏ phiếu: nhập tham số bỏ phiếu "
                                       "hoặc bật plugin quy định chung của tỉnh."))
    return found


def _without_data_plugin(host: Any, hook: str, **kwargs: Any) -> Any:
    """What the other plugins answer (the stored plan left out)."""
    data = host.pm.get_plugin(DATA_PLUGIN)
    caller = host.pm.subset_hook_caller(hook, [data] if data is not None else [])
    try:
        return caller(**kwargs)
    except Exception:  # a failing plugin: bloc check reports it; here it answers nothing
        return None


def require_valid(document: Any, *, host: Any) -> ParsedPlan:
    found = problems(document, host=host)
    parsed, _ = parse(document)
    if found or parsed is None:
        raise PlanInvalid(found)
    return parsed


# -- documents from plans and back -----------------------------------------------------------

def default_settings() -> dict[str, str]:
    """The installation's document settings (core/config.py), for a new plan's form."""
    config = current_app.config
    return {key: str(config.get(name) or "") for key, name in SETTINGS_CONFIG.items()}


def new_document(bloc: BlocInfo, year: int) -> dict[str, Any]:
    """An empty document for a bloc's year (the form starts from it)."""
    return {"schema": SCHEMA, "schema_version": SCHEMA_VERSION, "bloc": _bloc_dict(bloc),
            "year": year, "criteria": [], "calendar": [], "voting": None,
            "document_settings": {}, "notes": ""}


def _bloc_dict(bloc: BlocInfo) -> dict[str, str]:
    return {"code": bloc.code, "name": bloc.name, "description": bloc.description,
            "issuer": bloc.issuer, "abbreviation": bloc.abbreviation}


def document_from_plan(plan: Plan) -> dict[str, Any]:
    """A document holding what the plugins answered for a bloc's year. Voting parameters the
    bloc's own plugin gave are copied; a procedure from another plugin (province-wide) stays
    ``null``, so the copy keeps following the province."""
    voting = None
    if plan.voting is not None and plan.voting_plugin in (plan.plugin, DATA_PLUGIN):
        voting = {"procedure": plan.voting.name, "config": plan.voting.config()}
    return {"schema": SCHEMA, "schema_version": SCHEMA_VERSION, "bloc": _bloc_dict(plan.bloc),
            "year": plan.year, "criteria": [c.to_dict() for c in plan.criteria],
            "calendar": [p.to_dict() for p in plan.calendar], "voting": voting,
            "document_settings": {}, "notes": ""}


def stored(bloc_code: str, year: int) -> PlanDocument | None:
    return db.session.scalar(select(PlanDocument).where(PlanDocument.bloc_code == bloc_code,
                                                        PlanDocument.year == year))


def source_document(host: Any, bloc_code: str, year: int) -> dict[str, Any]:
    """A bloc's plan for a year as a document: the stored one, else what its plugins answer
    (NotFound when nobody has one)."""
    row = stored(bloc_code, year)
    if row is not None:
        return json.loads(json.dumps(row.document))
    return document_from_plan(gather_plan(host, bloc_code, year))


def document_settings(bloc_code: str, year: int) -> dict[str, str]:
    """The document settings a stored plan sets for its year (only those it sets: the rest is
    the installation's configuration). The documents' settings lookup reads this."""
    row = stored(bloc_code, year)
    if row is None:
        return {}
    settings = (row.document or {}).get("document_settings") or {}
    return {k: str(v) for k, v in settings.items() if k in SETTINGS and v}


def list_documents() -> list[PlanDocument]:
    return list(db.session.scalars(select(PlanDocument).order_by(PlanDocument.bloc_code,
                                                                 PlanDocument.year)))


def data_blocs() -> list[DataBloc]:
    return list(db.session.scalars(select(DataBloc).order_by(DataBloc.code)))


# -- writing -------------------------------------------------------------------------------

def _require_admin(actor: User | None) -> None:
    permissions.require(permissions.is_admin(actor),
                        "Chỉ quản trị viên được tạo khối và soạn kế hoạch.")


def create_bloc(code: Any, name: Any, issuer: Any = "", abbreviation: Any = "",
                description: Any = "", *, actor: User, host: Any) -> DataBloc:
    """A bloc without a plugin: listed at once (the built-in plugin reads the table)."""
    _require_admin(actor)
    found: list[Problem] = []
    code = normalise(code) if isinstance(code, str) else ""
    if not code:
        found.append(Problem("code", "Mã khối: bắt buộc, chưa nhập."))
    elif len(code) > 40 or slug_problem(code):
        found.append(Problem("code", "Mã khối: chữ thường không dấu, số và dấu gạch ngang, "
                                     "tối đa 40 ký tự (ví dụ: khoi-5)."))
    name = _text(name, "name", found, max_length=200, label="Tên khối")
    issuer = _text(issuer, "issuer", found, required=False, max_length=200,
                   label="Cơ quan ban hành")
    abbreviation = _text(abbreviation, "abbreviation", found, required=False, max_length=40,
                         label="Chữ viết tắt")
    description = _text(description, "description", found, required=False, label="Mô tả")
    if found:
        raise PlanInvalid(found, "Thông tin khối không hợp lệ; chưa tạo khối.")
    if code in host.collect_blocs() or db.session.scalar(
            select(DataBloc.id).where(DataBloc.code == code)) is not None:
        raise Conflict(f"Đã có khối thi đua mã '{code}'.", code="bloc_exists",
                       fields={"code": [f"Đã có khối thi đua mã '{code}'."]})
    row = DataBloc(code=code, name=name, issuer=issuer, abbreviation=abbreviation,
                   description=description, created_at=clock.now(), created_by=actor.id)
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError as exc:  # created at the same moment by another request
        raise Conflict(f"Đã có khối thi đua mã '{code}'.", code="bloc_exists") from exc
    audit.record("bloc.create", "bloc", code, actor=actor, details={
        "name": name, "issuer": issuer, "abbreviation": abbreviation})
    return row


def save(document: Any, *, actor: User, host: Any, reason: str = "",
         expected_revision: int | None = None) -> PlanDocument:
    """Validate and store a bloc's plan for a year (a new one, or the next revision).
    Nothing is written when a rule says no. ``expected_revision`` (the revision the editor
    started from; 0 for a new plan): refused when someone saved in between."""
    _require_admin(actor)
    parsed = require_valid(document, host=host)
    canonical = canonical_document(document)
    row = stored(parsed.bloc.code, parsed.year)
    if expected_revision is not None and (row.revision if row else 0) != expected_revision:
        raise Conflict("Kế hoạch vừa được người khác lưu (lần lưu "
                       f"{row.revision if row else 0}); tải lại trang rồi sửa lại.",
                       code="plan_changed")
    now = clock.now()
    before = row.document if row is not None else None
    if row is None:
        row = PlanDocument(bloc_code=parsed.bloc.code, year=parsed.year,
                           schema_version=SCHEMA_VERSION, document=canonical, revision=1,
                           created_at=now, updated_at=now, updated_by=actor.id)
        db.session.add(row)
    else:
        row.document, row.revision = canonical, row.revision + 1
        row.updated_at, row.updated_by = now, actor.id
    try:
        db.session.flush()
    except IntegrityError as exc:  # saved at the same moment by another request
        raise Conflict("Kế hoạch vừa được người khác lưu; tải lại trang rồi sửa lại.",
                       code="plan_changed") from exc
    changes = diff(before, canonical) if before is not None else []
    audit.record("plan.save", "plan", f"{parsed.bloc.code}/{parsed.year}", actor=actor,
                 details={"revision": row.revision, "reason": reason[:500],
                          "changes": [c.text for c in changes[:100]],
                          "max_total": str(_max_total(parsed.criteria))})
    return row


def canonical_document(document: dict[str, Any]) -> dict[str, Any]:
    """The stored form: the schema marks, and the points as the plugin types write them."""
    parsed, _ = parse(document)
    assert parsed is not None
    out = {"schema": SCHEMA, "schema_version": SCHEMA_VERSION,
           "bloc": _bloc_dict(parsed.bloc), "year": parsed.year,
           "criteria": [c.to_dict() for c in parsed.criteria],
           "calendar": [p.to_dict() for p in parsed.calendar],
           "voting": ({"procedure": parsed.voting.name, "config": parsed.voting.config()}
                      if parsed.voting is not None else None),
           "document_settings": {k: parsed.settings.get(k, "") for k in SETTINGS},
           "notes": normalise(document.get("notes") or "")}
    if parsed.award_rules is not None:  # absent: the province-wide plugin's rules
        out["award_rules"] = parsed.award_rules.to_dict()
    return json.loads(json.dumps(out, ensure_ascii=False))


def _max_total(criteria: list[Criterion]) -> Decimal:
    return sum((points(c.max_points) for c in criteria if c.kind == "item"), Decimal(0))


def delete(bloc_code: str, year: int, *, actor: User) -> None:
    _require_admin(actor)
    row = stored(bloc_code, year)
    if row is None:
        raise NotFound(f"Chưa có kế hoạch dữ liệu năm {year} của khối '{bloc_code}'.",
                       code="plan_not_found")
    db.session.delete(row)
    audit.record("plan.delete", "plan", f"{bloc_code}/{year}", actor=actor,
                 details={"revision": row.revision})


# -- copying a year into the next ----------------------------------------------------------

def shift_date(value: date, years: int = 1) -> date:
    """The same day ``years`` later; 29 February becomes 28 February in a common year."""
    try:
        return value.replace(year=value.year + years)
    except ValueError:  # 29 February into a common year
        return value.replace(year=value.year + years, day=28)


@dataclass(frozen=True)
class Change:
    """One difference between two documents, for the review before saving."""

    field: str
    before: str
    after: str
    text: str

    def to_dict(self) -> dict[str, str]:
        return {"field": self.field, "before": self.before, "after": self.after,
                "text": self.text}


@dataclass
class CopyProposal:
    document: dict[str, Any]
    changes: list[Change]
    source: str  # "plugin khoi8" / "kế hoạch dữ liệu"
    exists: bool  # the target year has a stored plan already (saving replaces it)


def copy_to_year(host: Any, bloc_code: str, year: int, target_year: int | None = None,
                 *, target_bloc: str | None = None) -> CopyProposal:
    """``year``'s plan (stored, else from the plugins) as a document for ``target_year``
    (next year by default), every date moved by the difference, with the diff. Not saved:
    :func:`save` writes it after the review."""
    target_year = year + 1 if target_year is None else target_year
    if not valid_year(target_year):
        raise ValidationFailed("Năm không hợp lệ.", fields={
            "target_year": ["Năm phải từ 2000 đến 2100."]})
    row = stored(bloc_code, year)
    source = "kế hoạch dữ liệu" if row is not None else "plugin"
    original = source_document(host, bloc_code, year)
    if row is None:
        answer = host.collect_blocs().get(bloc_code)
        source = f"plugin {answer[1]}" if answer else "plugin"
    copy = json.loads(json.dumps(original))
    shift = target_year - year
    copy["year"] = target_year
    for phase in copy.get("calendar") or []:
        for key in ("opens", "due"):
            try:
                phase[key] = shift_date(date.fromisoformat(phase[key]), shift).isoformat()
            except (KeyError, TypeError, ValueError):
                continue
    if target_bloc and target_bloc != bloc_code:
        copy["bloc"] = dict(copy.get("bloc") or {}, code=target_bloc)
        info = host.collect_blocs().get(target_bloc)
        bloc_row = db.session.scalar(select(DataBloc).where(DataBloc.code == target_bloc))
        if bloc_row is not None:
            copy["bloc"] = {"code": bloc_row.code, "name": bloc_row.name,
                            "description": bloc_row.description, "issuer": bloc_row.issuer,
                            "abbreviation": bloc_row.abbreviation}
        elif info is not None:
            copy["bloc"] = _bloc_dict(info[0])
    target = copy["bloc"].get("code", bloc_code)
    return CopyProposal(document=copy, changes=diff(original, copy), source=source,
                        exists=stored(target, target_year) is not None)


def _fmt_date(raw: Any) -> str:
    try:
        return date.fromisoformat(raw).strftime("%d/%m/%Y")
    except (TypeError, ValueError):
        return str(raw)


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float | int) and not isinstance(value, bool):
        return f"{points(value):g}"
    return str(value)


def diff(before: dict[str, Any] | None, after: dict[str, Any]) -> list[Change]:
    """The differences a reviewer reads: bloc and year, each criterion (added, removed,
    points, title, kind), each phase (added, removed, dates, host), voting and settings."""
    before = before or {}
    changes: list[Change] = []

    def add(field_: str, old: Any, new: Any, text: str) -> None:
        changes.append(Change(field_, _fmt(old), _fmt(new), text))

    if before.get("year") != after.get("year"):
        add("year", before.get("year"), after.get("year"),
            f"Năm: {_fmt(before.get('year'))} → {_fmt(after.get('year'))}")
    for key in sorted(BLOC_KEYS):
        old, new = (before.get("bloc") or {}).get(key, ""), (after.get("bloc") or {}).get(key, "")
        if old != new:
            add(f"bloc.{key}", old, new, f"Khối, {key}: {_fmt(old)} → {_fmt(new)}")
    old_c = {n["code"]: n for _p, n in _walk_paths(before.get("criteria") or [])
             if isinstance(n, dict) and "code" in n}
    new_c = {n["code"]: n for _p, n in _walk_paths(after.get("criteria") or [])
             if isinstance(n, dict) and "code" in n}
    for code, node in new_c.items():
        if code not in old_c:
            add(f"criteria.{code}", None, node.get("max_points"),
                f"Thêm tiêu chí {code} «{node.get('title', '')}» "
                f"({_fmt(node.get('max_points'))} điểm)")
            continue
        old = old_c[code]
        if _points_or(old.get("max_points")) != _points_or(node.get("max_points")):
            add(f"criteria.{code}.max_points", old.get("max_points"), node.get("max_points"),
                f"Tiêu chí {code}: điểm tối đa {_fmt(old.get('max_points'))} → "
                f"{_fmt(node.get('max_points'))}")
        for key, word in (("title", "tên"), ("kind", "loại"), ("scorer", "người chấm"),
                          ("guidance", "hướng dẫn chấm")):
            if (old.get(key) or "") != (node.get(key) or ""):
                add(f"criteria.{code}.{key}", old.get(key), node.get(key),
                    f"Tiêu chí {code}: {word} «{_fmt(old.get(key))}» → «{_fmt(node.get(key))}»")
    for code, node in old_c.items():
        if code not in new_c:
            add(f"criteria.{code}", node.get("max_points"), None,
                f"Bỏ tiêu chí {code} «{node.get('title', '')}»")
    old_p = {p["code"]: p for p in before.get("calendar") or [] if isinstance(p, dict)
             and "code" in p}
    new_p = {p["code"]: p for p in after.get("calendar") or [] if isinstance(p, dict)
             and "code" in p}
    for code, phase in new_p.items():
        if code not in old_p:
            add(f"calendar.{code}", None, phase.get("title"),
                f"Thêm giai đoạn {code} «{phase.get('title', '')}» "
                f"({_fmt_date(phase.get('opens'))}–{_fmt_date(phase.get('due'))})")
            continue
        old = old_p[code]
        for key, word in (("opens", "ngày mở"), ("due", "hạn")):
            if old.get(key) != phase.get(key):
                add(f"calendar.{code}.{key}", _fmt_date(old.get(key)),
                    _fmt_date(phase.get(key)),
                    f"Giai đoạn {code}: {word} {_fmt_date(old.get(key))} → "
                    f"{_fmt_date(phase.get(key))}")
        for key, word in (("title", "tên"), ("host", "chủ trì"), ("deliverable", "hồ sơ"),
                          ("late", "gửi trễ hạn")):
            if old.get(key) != phase.get(key):
                add(f"calendar.{code}.{key}", old.get(key), phase.get(key),
                    f"Giai đoạn {code}: {word} «{_fmt(old.get(key))}» → «{_fmt(phase.get(key))}»")
    for code in old_p:
        if code not in new_p:
            add(f"calendar.{code}", old_p[code].get("title"), None, f"Bỏ giai đoạn {code}")
    if (before.get("voting") or None) != (after.get("voting") or None):
        old_v, new_v = before.get("voting") or {}, after.get("voting") or {}
        if not old_v or not new_v:
            add("voting", old_v.get("procedure", "theo tỉnh"), new_v.get("procedure", "theo tỉnh"),
                f"Bỏ phiếu: {old_v.get('procedure', 'theo quy định chung của tỉnh')} → "
                f"{new_v.get('procedure', 'theo quy định chung của tỉnh')}")
        else:
            old_cfg, new_cfg = old_v.get("config") or {}, new_v.get("config") or {}
            if old_v.get("procedure") != new_v.get("procedure"):
                add("voting.procedure", old_v.get("procedure"), new_v.get("procedure"),
                    f"Bỏ phiếu: quy trình {old_v.get('procedure')} → {new_v.get('procedure')}")
            for key in sorted(set(old_cfg) | set(new_cfg)):
                if old_cfg.get(key) != new_cfg.get(key):
                    add(f"voting.config.{key}", json.dumps(old_cfg.get(key), ensure_ascii=False),
                        json.dumps(new_cfg.get(key), ensure_ascii=False),
                        f"Bỏ phiếu: tham số {key} đã thay đổi")
    old_s, new_s = before.get("document_settings") or {}, after.get("document_settings") or {}
    for key, label in SETTINGS.items():
        if (old_s.get(key) or "") != (new_s.get(key) or ""):
            add(f"document_settings.{key}", old_s.get(key) or "", new_s.get(key) or "",
                f"{label}: «{old_s.get(key) or '—'}» → «{new_s.get(key) or '—'}»")
    return changes


def _points_or(value: Any) -> Any:
    try:
        return points(value)
    except (InvalidOperation, ValueError, TypeError):
        return value


# -- the criteria as flat rows (the forms and the workbook) --------------------------------

@dataclass
class CriterionLine:
    """One row of a flat points table: ``parent`` is the code of its group ('' at the top);
    ``max_points`` blank on a group means "the sum of its lines"."""

    code: str
    parent: str
    title: str
    kind: str
    max_points: str
    scorer: str = "unit"
    guidance: str = ""
    label: str = ""  # how to name the row in a message ("Dòng 5", "Tiêu chí dòng 3")
    field: str = ""  # the problem's field (the form's row, the sheet's row)


def flatten(criteria: list[dict[str, Any]], parent: str = "") -> list[CriterionLine]:
    """A document's criteria tree as rows, depth first."""
    rows = []
    for node in criteria or []:
        rows.append(CriterionLine(code=str(node.get("code", "")), parent=parent,
                                  title=str(node.get("title", "")),
                                  kind=str(node.get("kind", "item")),
                                  max_points=_fmt(node.get("max_points")),
                                  scorer=str(node.get("scorer", "unit")),
                                  guidance=str(node.get("guidance", ""))))
        rows += flatten(node.get("children") or [], str(node.get("code", "")))
    return rows


def tree_from_lines(lines: list[CriterionLine]) -> tuple[list[dict[str, Any]], list[Problem]]:
    """The criteria tree of the rows; a group's blank points are the sum of its lines and its
    kind that of its lines. Problems name the row (unknown group, duplicate code, points)."""
    found: list[Problem] = []
    nodes: dict[str, dict[str, Any]] = {}
    top: list[dict[str, Any]] = []
    order: list[tuple[CriterionLine, dict[str, Any]]] = []
    for line in lines:
        where = line.field or line.label
        code = line.code.strip()
        if not code:
            found.append(Problem(where, f"{line.label}: thiếu mã tiêu chí."))
            continue
        if not CODE_RE.match(code):
            found.append(Problem(where, f"{line.label}: mã '{code}' không hợp lệ (chữ, số, "
                                        "'.', '-', tối đa 40 ký tự)."))
            continue
        if code in nodes:
            found.append(Problem(where, f"{line.label}: mã '{code}' bị trùng."))
            continue
        node: dict[str, Any] = {"code": code, "title": line.title.strip(),
                                "kind": line.kind or "", "guidance": line.guidance.strip(),
                                "scorer": line.scorer or "unit", "children": [],
                                "max_points": line.max_points.strip().replace(",", ".")}
        parent = line.parent.strip()
        if parent:
            if parent not in nodes:
                found.append(Problem(where, f"{line.label}: nhóm '{parent}' không có trong bảng "
                                            "(mã nhóm phải là một dòng ở phía trên)."))
                continue
            nodes[parent]["children"].append(node)
        else:
            top.append(node)
        nodes[code] = node
        order.append((line, node))
    for line, node in reversed(order):  # children before their groups
        where = line.field or line.label
        if node["children"]:
            kinds = {c["kind"] for c in node["children"] if c["kind"]}
            if not node["kind"] and len(kinds) == 1:
                node["kind"] = kinds.pop()
            if node["max_points"] == "":
                try:
                    node["max_points"] = _fmt(sum((points(c["max_points"])
                                                   for c in node["children"]), Decimal(0)))
                except (InvalidOperation, ValueError, TypeError):
                    node["max_points"] = "0"
        elif node["max_points"] == "":
            found.append(Problem(where, f"{line.label}: tiêu chí {node['code']} chưa có điểm."))
            node["max_points"] = "0"
        node["kind"] = node["kind"] or "item"
        number = _number(node["max_points"], where, f"{line.label} (tiêu chí {node['code']})",
                         found)
        node["max_points"] = number if number is not None else 0
    return top, found


# -- the points table as an Excel workbook -------------------------------------------------

SHEET = "Thang bảng điểm"
COLUMNS = (("code", "Mã"), ("parent", "Nhóm"), ("title", "Tiêu chí"),
           ("item", "Điểm tối đa"), ("bonus", "Điểm cộng"), ("deduction", "Điểm trừ"),
           ("guidance", "Hướng dẫn chấm"), ("scorer", "Người chấm"))
REQUIRED_COLUMNS = ("code", "parent", "title", "item", "bonus", "deduction")
SCORER_WORDS = {"": "unit", "unit": "unit", "đơn vị": "unit", "đơn vị tự chấm": "unit",
                "board": "board", "ban": "board", "ban tđkt": "board", "ban thi đua": "board",
                "cơ quan thi đua": "board"}


def points_template(document: dict[str, Any] | None = None) -> bytes:
    """The points-table workbook: the header, one row per line of ``document``'s table (or
    an example), a sheet explaining the columns. Made with openpyxl."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append([label for _key, label in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    lines = flatten((document or {}).get("criteria") or []) if document else []
    if not lines:
        lines = [CriterionLine("1", "", "Nhóm tiêu chí 1", "item", ""),
                 CriterionLine("1.1", "1", "Tiêu chí 1.1", "item", "60"),
                 CriterionLine("1.2", "1", "Tiêu chí 1.2", "item", "40"),
                 CriterionLine("C", "", "Điểm cộng", "bonus", ""),
                 CriterionLine("C.1", "C", "Sáng kiến được công nhận", "bonus", "5"),
                 CriterionLine("T", "", "Điểm trừ", "deduction", ""),
                 CriterionLine("T.1", "T", "Nộp báo cáo trễ hạn", "deduction", "5")]
    groups = {line.parent for line in lines if line.parent}
    for line in lines:
        value: Any = "" if line.code in groups else _cell_number(line.max_points)
        sheet.append([line.code, line.parent, line.title,
                      value if line.kind == "item" else None,
                      value if line.kind == "bonus" else None,
                      value if line.kind == "deduction" else None,
                      line.guidance, "Ban TĐKT" if line.scorer == "board" else "Đơn vị"])
    for letter, width in zip("ABCDEFGH", (8, 8, 70, 12, 12, 12, 40, 12), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=2, max_col=3, min_col=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    scorer = DataValidation(type="list", formula1='"Đơn vị,Ban TĐKT"', allow_blank=True)
    sheet.add_data_validation(scorer)
    scorer.add("H2:H1000")
    sheet.freeze_panes = "A2"
    help_sheet = book.create_sheet("Hướng dẫn")
    for text in (
        "Mỗi dòng là một tiêu chí của thang bảng điểm; nhóm là dòng có dòng khác ghi mã của nó ở "
        "cột Nhóm.",
        "Mã: chữ, số, dấu chấm hoặc gạch ngang (ví dụ 1, 1.2, C.1). Nhóm: mã của nhóm chứa "
        "tiêu chí (để trống nếu là nhóm lớn).",
        "Ghi điểm vào đúng MỘT trong ba cột: Điểm tối đa (mục chấm điểm), Điểm cộng (mức cộng "
        "tối đa) hoặc Điểm trừ (mức trừ tối đa, ghi số dương).",
        "Dòng nhóm có thể để trống điểm: điểm của nhóm là tổng các tiêu chí của nó. Nếu ghi, "
        "phải bằng tổng đó.",
        "Số thập phân dùng dấu phẩy hoặc dấu chấm (2,5 hoặc 2.5), tối đa 2 chữ số thập phân.",
        "Người chấm: Đơn vị (đơn vị tự chấm, Khối trưởng thẩm định) hoặc Ban TĐKT.",
        "Nhập bảng này sẽ THAY bảng tiêu chí của kế hoạch; trang nhập cho chạy thử trước.",
    ):
        help_sheet.append([text])
    help_sheet.column_dimensions["A"].width = 120
    from core.services.exports import workbook_bytes

    return workbook_bytes(book)  # every cell neutralised against formulas


def _cell_number(value: str) -> Any:
    try:
        number = points(value)
    except (InvalidOperation, ValueError, TypeError):
        return value
    return int(number) if number == number.to_integral_value() else float(number)


@dataclass
class RowOutcome:
    """What importing one row of the workbook would do."""

    row: int  # the sheet's row number (1 is the header)
    code: str
    action: str  # "add" | "change" | "same" | "error"
    text: str = ""
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "code": self.code, "action": self.action, "text": self.text,
                "errors": self.errors}


@dataclass
class PointsImport:
    """The dry run of a workbook against a plan: one outcome per row, the lines the plan
    would lose, problems that belong to no row, and the plan as it would be saved."""

    rows: list[RowOutcome]
    removed: list[str]
    problems: list[Problem]
    document: dict[str, Any] | None
    max_total: str = ""

    @property
    def ok(self) -> bool:
        return self.document is not None and not self.problems and \
            not any(r.errors for r in self.rows)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "rows": [r.to_dict() for r in self.rows],
                "removed": self.removed, "problems": [p.to_dict() for p in self.problems],
                "max_total": self.max_total}


def _header_key(value: Any) -> str | None:
    text = normalise(str(value or "")).lower()
    for key, label in COLUMNS:
        if text in (label.lower(), key):
            return key
    return None


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return normalise(str(value))


def read_points_workbook(data: bytes) -> tuple[list[CriterionLine], dict[str, int],
                                               list[Problem]]:
    """The rows of the workbook's points sheet (the first sheet, or the one named
    "Thang bảng điểm"), with the sheet row of each code; problems of the file or a row."""
    from openpyxl import load_workbook

    if not data:
        return [], {}, [Problem("file", "Chưa chọn tệp Excel (.xlsx).")]
    if len(data) > MAX_FILE_BYTES:
        return [], {}, [Problem("file", "Tệp quá lớn (tối đa 2 MB).")]
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        return [], {}, [Problem("file", "Không đọc được tệp: cần tệp Excel .xlsx (thang bảng "
                                        "điểm theo mẫu).")]
    try:
        sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
        rows = list(sheet.iter_rows(values_only=True, max_row=MAX_CRITERIA + 50))
    finally:
        book.close()
    if not rows:
        return [], {}, [Problem("file", "Trang tính trống: thiếu dòng tiêu đề.")]
    columns: dict[str, int] = {}
    for index, value in enumerate(rows[0]):
        key = _header_key(value)
        if key and key not in columns:
            columns[key] = index
    missing = [label for key, label in COLUMNS if key in REQUIRED_COLUMNS and key not in columns]
    if missing:
        return [], {}, [Problem("file", "Thiếu cột: " + ", ".join(f"«{m}»" for m in missing) +
                                ". Tải tệp mẫu để xem đúng các cột.")]
    lines: list[CriterionLine] = []
    found: list[Problem] = []
    numbers: dict[str, int] = {}
    for number, values in enumerate(rows[1:], start=2):
        def cell(key: str, values: tuple[Any, ...] = values) -> Any:
            index = columns.get(key)
            return values[index] if index is not None and index < len(values) else None

        if all(v is None or str(v).strip() == "" for v in values):
            continue
        label = f"Dòng {number}"
        where = f"dòng {number}"
        filled = [(kind, cell(kind)) for kind in ("item", "bonus", "deduction")
                  if cell(kind) is not None and str(cell(kind)).strip() != ""]
        if len(filled) > 1:
            found.append(Problem(where, f"{label}: chỉ ghi điểm vào một trong ba cột Điểm tối "
                                        "đa, Điểm cộng, Điểm trừ."))
        kind, raw = filled[0] if filled else ("", "")
        if isinstance(raw, int | float) and not isinstance(raw, bool) and raw < 0:
            found.append(Problem(where, f"{label}: điểm không được âm ({raw:g}); điểm trừ ghi "
                                        "số dương ở cột Điểm trừ."))
            raw = ""
        scorer_text = _cell_text(cell("scorer")).lower()
        scorer = SCORER_WORDS.get(scorer_text)
        if scorer is None:
            found.append(Problem(where, f"{label}: người chấm '{scorer_text}' không hợp lệ "
                                        "(Đơn vị hoặc Ban TĐKT)."))
            scorer = "unit"
        code = _cell_text(cell("code"))
        numbers.setdefault(code, number)
        lines.append(CriterionLine(code=code, parent=_cell_text(cell("parent")),
                                   title=_cell_text(cell("title")), kind=kind,
                                   max_points=_cell_text(raw), scorer=scorer,
                                   guidance=_cell_text(cell("guidance")), label=label,
                                   field=where))
    if not lines:
        found.append(Problem("file", "Trang tính không có dòng tiêu chí nào."))
    return lines, numbers, found


def dry_run_points(document: dict[str, Any], data: bytes) -> PointsImport:
    """What importing the workbook into ``document`` would do, row by row: added, changed,
    unchanged or wrong (and why); the lines it would drop; the plan rules on the result.
    Writes nothing."""
    lines, numbers, found = read_points_workbook(data)
    if not lines:
        return PointsImport(rows=[], removed=[], problems=found, document=None)
    tree, tree_problems = tree_from_lines(lines)
    found += tree_problems
    current = {n["code"]: n for _p, n in _walk_paths(document.get("criteria") or [])
               if isinstance(n, dict) and "code" in n}
    new_nodes = {n["code"]: n for _p, n in _walk_paths(tree)}
    candidate = dict(document, criteria=tree)
    if not found:
        for message in criteria_problems([Criterion.from_dict(_for_check(n)) for n in tree]):
            match = re.match(r"Tiêu chí (\S+?):", message)
            row = numbers.get(match.group(1)) if match else None
            found.append(Problem(f"dòng {row}" if row else "criteria",
                                 f"Dòng {row}: {message}" if row else message))
    outcomes: list[RowOutcome] = []
    for line in lines:
        number = numbers.get(line.code, 0)
        errors = [p.message for p in found if p.field == line.field]
        node = new_nodes.get(line.code)
        if errors or node is None:
            outcomes.append(RowOutcome(number, line.code, "error", errors=errors or
                                       [f"{line.label}: dòng không dùng được."]))
            continue
        old = current.get(line.code)
        if old is None:
            outcomes.append(RowOutcome(number, line.code, "add",
                                       f"Thêm: {_fmt(node['max_points'])} điểm "
                                       f"({KIND_WORDS.get(node['kind'], node['kind'])})"))
            continue
        what = []
        if _points_or(old.get("max_points")) != _points_or(node["max_points"]):
            what.append(f"điểm {_fmt(old.get('max_points'))} → {_fmt(node['max_points'])}")
        if (old.get("title") or "") != node["title"]:
            what.append("tên tiêu chí")
        if (old.get("kind") or "item") != node["kind"]:
            what.append(f"loại {old.get('kind')} → {node['kind']}")
        for key, word in (("guidance", "hướng dẫn chấm"), ("scorer", "người chấm")):
            if (old.get(key) or ("unit" if key == "scorer" else "")) != node[key]:
                what.append(word)
        outcomes.append(RowOutcome(number, line.code, "change" if what else "same",
                                   "Sửa: " + ", ".join(what) if what else "Không đổi"))
    general = [p for p in found if not any(p.field == line.field for line in lines)]
    removed = [code for code in current if code not in new_nodes]
    ok = not found
    total = ""
    if ok:
        total = f"{_max_total([Criterion.from_dict(_for_check(n)) for n in tree]):g}"
    return PointsImport(rows=outcomes, removed=removed, problems=general,
                        document=candidate if ok else None, max_total=total)


def _for_check(node: dict[str, Any]) -> dict[str, Any]:
    return dict(node, children=[_for_check(c) for c in node.get("children") or []])


def import_points(bloc_code: str, year: int, data: bytes, *, actor: User,
                  host: Any) -> tuple[PlanDocument, PointsImport]:
    """Apply a points-table workbook to a stored plan: all rows or nothing."""
    _require_admin(actor)
    row = stored(bloc_code, year)
    if row is None:
        raise NotFound(f"Chưa có kế hoạch dữ liệu năm {year} của khối '{bloc_code}'.",
                       code="plan_not_found")
    result = dry_run_points(row.document, data)
    if not result.ok:
        problems_ = list(result.problems) + [Problem(f"dòng {r.row}", e) for r in result.rows
                                             for e in r.errors]
        raise PlanInvalid(problems_, "Bảng điểm trong tệp có lỗi; chưa nhập dòng nào.")
    saved = save(result.document, actor=actor, host=host,
                 reason="Nhập thang bảng điểm từ tệp Excel")
    return saved, result


# -- export and import as a file -----------------------------------------------------------

def export_bytes(bloc_code: str, year: int, host: Any) -> bytes:
    """The plan as a JSON file another installation imports (stored, else the plugins')."""
    document = source_document(host, bloc_code, year)
    return json.dumps(canonical_document(document) if parse(document)[0] else document,
                      ensure_ascii=False, indent=2).encode("utf-8")


def import_bytes(data: bytes, *, actor: User, host: Any, replace: bool = False) -> PlanDocument:
    """Store a plan exported by :func:`export_bytes`. The bloc is created from the file when
    this installation does not have it; an existing year is replaced only when asked."""
    _require_admin(actor)
    if len(data) > MAX_FILE_BYTES:
        raise PlanInvalid([Problem("file", "Tệp quá lớn (tối đa 2 MB).")])
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise PlanInvalid([Problem("file", "Tệp không phải JSON UTF-8 hợp lệ (tệp xuất từ "
                                           "trang Kế hoạch).")]) from None
    parsed, found = parse(document)
    if parsed is None or found:
        raise PlanInvalid(found)
    if stored(parsed.bloc.code, parsed.year) is not None and not replace:
        raise Conflict(f"Đã có kế hoạch năm {parsed.year} của khối '{parsed.bloc.code}'; chọn "
                       "thay thế nếu muốn ghi đè.", code="plan_exists")
    if parsed.bloc.code not in host.collect_blocs():
        create_bloc(parsed.bloc.code, parsed.bloc.name, parsed.bloc.issuer,
                    parsed.bloc.abbreviation, parsed.bloc.description, actor=actor, host=host)
    return save(document, actor=actor, host=host, reason="Nhập kế hoạch từ tệp")


# -- the demo's 2026 bloc --------------------------------------------------------------------

DEMO_2026_MEMBERS = (("so-khcn", "leader"), ("so-noivu", "deputy"), ("so-vhttdl", "member"),
                     ("so-gddt", "member"), ("so-yte", "member"), ("so-tuphap", "member"))


def load_shipped(path: Path = SHIPPED_2026) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def open_demo_2026(*, actor: User, host: Any) -> Campaign | None:
    """The shipped 2026 Vĩnh Long bloc (plans/vinh-long-2026.json): create the bloc, store the
    plan, open the 2026 campaign with the demo's units. Its voting follows the province-wide
    plugin (``toan_tinh``): without one (disabled, as in the core's tests) nothing is done.
    Safe to run twice."""
    from core.services import campaigns

    document = load_shipped()
    parsed, found = parse(document)
    if parsed is None or found:
        raise PlanInvalid(found)
    code, year = parsed.bloc.code, parsed.year
    if parsed.voting is None and _without_data_plugin(
            host, "thidua_voting_procedure", bloc=code, year=year) is None:
        return None
    if db.session.scalar(select(Campaign.id).join(Bloc).where(
            Bloc.code == code, Campaign.year == year)) is not None:
        return None
    if db.session.scalar(select(DataBloc.id).where(DataBloc.code == code)) is None:
        create_bloc(code, parsed.bloc.name, parsed.bloc.issuer, parsed.bloc.abbreviation,
                    parsed.bloc.description, actor=actor, host=host)
    save(document, actor=actor, host=host, reason="Kế hoạch mẫu 2026 (plans/vinh-long-2026.json)")
    return campaigns.open_campaign(
        code, year, [campaigns.MemberSpec(unit, role) for unit, role in DEMO_2026_MEMBERS],
        actor=actor)
