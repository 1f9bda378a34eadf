"""Pages of the yearly cycle (issue 3): registration, mid-year and year-end reports with their
attachments, self-score, verification, the status grid, the ranking, and the home page's
"what is due" panel.

Thin callers of the same services as the JSON API (``core/api/cycle.py``). When a service says
no (``DomainError``), the page is shown again with the service's Vietnamese message, each field
error next to its field, what the user typed kept, and the service's status code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField

from core.errors import DomainError, Forbidden, NotFound, ValidationFailed
from core.extensions import db
from core.models import Campaign, CriterionRow, Unit
from core.services import (
    attachments,
    campaigns,
    deadlines,
    permissions,
    progress,
    registration,
    reports,
    scoring,
)
from core.services.cycle import criteria_rows, member_unit

bp = Blueprint("cycle", __name__, url_prefix="/campaigns/<bloc>/<int:year>")

REPORT_KINDS: dict[str, Any] = {
    "mid_year": _l("Báo cáo sơ kết 6 tháng"),
    "year_end": _l("Báo cáo tổng kết năm"),
}
DELIVERABLES: dict[str, Any] = {
    "registration": _l("Bản đăng ký thi đua"),
    "mid_year_report": _l("Báo cáo sơ kết 6 tháng"),
    "year_end_report": _l("Báo cáo tổng kết và bảng tự chấm điểm"),
    "verification": _l("Thẩm định điểm"),
}
GRID_COLUMNS: dict[str, Any] = {
    "registration": _l("Đăng ký"),
    "mid_year_report": _l("Sơ kết"),
    "year_end_report": _l("Tổng kết"),
    "verification": _l("Thẩm định"),
}


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page of the cycle needs a signed-in user (anonymous: to the sign-in page)."""
    return None


# -- helpers ---------------------------------------------------------------------------------

@dataclass
class Problems:
    """A service's refusal, as the page shows it."""

    message: str | None = None
    fields: dict[str, list[str]] = field(default_factory=dict)
    status: int = 200

    def get(self, key: str) -> list[str]:
        return self.fields.get(key, [])

    def row(self, prefix: str, index: int, name: str | None = None) -> list[str]:
        """Errors of ``prefix[index]`` (the row as a whole) or ``prefix[index].name``."""
        key = f"{prefix}[{index}]" + (f".{name}" if name else "")
        return self.fields.get(key, [])


def _problems(exc: DomainError, remap: dict[int, int] | None = None,
              prefix: str = "items") -> Problems:
    """The message and field errors of ``exc``. ``remap`` turns the index of an entry sent to
    the service into the index of its row on the page (when blank rows were not sent)."""
    db.session.rollback()
    fields: dict[str, list[str]] = {}
    for key, value in exc.fields.items():
        messages = [str(m) for m in (value if isinstance(value, list | tuple) else [value])]
        if remap is not None and key.startswith(f"{prefix}["):
            number, _sep, rest = key[len(prefix) + 1:].partition("]")
            if number.isdigit() and int(number) in remap:
                key = f"{prefix}[{remap[int(number)]}]{rest}"
        fields.setdefault(key, []).extend(messages)
    return Problems(message=str(exc.message), fields=fields, status=exc.status)


def _fail(exc: DomainError, **kwargs: Any) -> Problems:
    """Permission and not-found refusals go to the error page; the rest stay on the form."""
    if isinstance(exc, Forbidden | NotFound):
        raise exc
    return _problems(exc, **kwargs)


def _campaign(bloc: str, year: int) -> Campaign:
    return campaigns.get_campaign(bloc, year)


def _action() -> str:
    return "submit" if request.form.get("action") == "submit" else "save"


def _window(campaign: Campaign, deliverable: str, unit_id: int | None) -> dict[str, Any]:
    """Whether the phase takes work now (the deadlines service decides), and its last day."""
    try:
        phase = deadlines.phase_for(campaign, deliverable)
    except DomainError as exc:  # a calendar without this step
        return {"open": False, "late": False, "due": None, "opens": None,
                "message": str(exc.message), "extended": False}
    due = deadlines.effective_due(phase, unit_id, deadlines.extensions(campaign))
    try:
        timing = deadlines.check_window(campaign, deliverable, unit_id)
    except DomainError as exc:
        return {"open": False, "late": False, "due": due, "opens": phase.opens,
                "message": str(exc.message), "extended": due != phase.due}
    return {"open": True, "late": timing.late, "due": timing.due, "opens": phase.opens,
            "message": None, "extended": timing.due != phase.due}


def _sections(rows: list[CriterionRow], leaves: list[CriterionRow]) -> list[dict[str, Any]]:
    """The given leaves grouped under their parent rows, keeping each leaf's index in
    ``leaves`` (the index of its entry in the list sent to the service)."""
    by_id = {r.id: r for r in rows}
    sections: list[dict[str, Any]] = []
    for index, leaf in enumerate(leaves):
        parent = by_id.get(leaf.parent_id) if leaf.parent_id is not None else None
        if not sections or sections[-1]["group"] is not parent:
            sections.append({"group": parent, "rows": []})
        sections[-1]["rows"].append((index, leaf))
    return sections


def _unit_staff(campaign: Campaign, unit: Unit) -> bool:
    return permissions.can_write_for_unit(current_user, campaign, unit.id)


def _require_grid_viewer(campaign: Campaign) -> str | None:
    permissions.require(permissions.can_follow_progress(current_user, campaign))
    return permissions.campaign_role(current_user, campaign)


def _verifier(campaign: Campaign) -> tuple[bool, bool]:
    """(leadership, board): who may enter verified scores for which lines."""
    return permissions.is_leadership(current_user, campaign), permissions.is_board(current_user)


# -- the campaign's navigation and the home page's panel ---------------------------------------

def nav_links(campaign: Campaign) -> list[dict[str, Any]]:
    """The cycle's pages the signed-in user may open for this campaign."""
    if not current_user.is_authenticated:
        return []
    args = {"bloc": campaign.bloc.code, "year": campaign.year}
    role = permissions.campaign_role(current_user, campaign)
    board = permissions.is_board(current_user)
    admin = permissions.is_admin(current_user)
    links: list[tuple[Any, str]] = []
    if role is not None and current_user.unit is not None:
        unit = current_user.unit.code
        links += [
            (_l("Đăng ký của đơn vị"), url_for("cycle.registration_page", unit=unit, **args)),
            (_l("Báo cáo sơ kết"), url_for("cycle.report_page", unit=unit, kind="mid_year",
                                           **args)),
            (_l("Báo cáo tổng kết"), url_for("cycle.report_page", unit=unit, kind="year_end",
                                             **args)),
            (_l("Tự chấm điểm"), url_for("cycle.scores_page", unit=unit, **args)),
        ]
    if permissions.can_follow_progress(current_user, campaign):
        links.append((_l("Theo dõi tiến độ"), url_for("cycle.status_page", **args)))
    if permissions.can_verify(current_user, campaign):
        links.append((_l("Thẩm định"), url_for("cycle.verification_index", **args)))
    if role is not None or board or admin:
        links += [(_l("Các bản đăng ký"), url_for("cycle.registrations_index", **args)),
                  (_l("Xếp hạng"), url_for("cycle.ranking_page", **args)),
                  (_l("Văn bản"), url_for("documents.index", **args))]
    return [{"label": str(label), "url": url, "active": request.path == url.split("?")[0]}
            for label, url in links]


def due_panel() -> dict[str, Any]:
    """What the user's unit owes next and by when; the status grids the user may open."""
    if not current_user.is_authenticated:
        return {"owed": [], "grids": []}
    owed: list[dict[str, Any]] = []
    grids: list[dict[str, Any]] = []
    unit = current_user.unit
    if unit is not None:
        shown = campaigns.campaigns_of_unit(unit.id)
    elif permissions.is_board(current_user) or permissions.is_admin(current_user):
        shown = campaigns.list_campaigns()
    else:
        shown = []
    for campaign in shown:
        if campaign.status != "open":
            continue
        args = {"bloc": campaign.bloc.code, "year": campaign.year}
        role = permissions.campaign_role(current_user, campaign)
        if permissions.can_follow_progress(current_user, campaign):
            grids.append({"campaign": campaign, "url": url_for("cycle.status_page", **args)})
        if unit is None or role is None:
            continue
        for item in progress.due_for_unit(campaign, unit):
            deliverable = item["phase"].deliverable
            if deliverable == "registration":
                url = url_for("cycle.registration_page", unit=unit.code, **args)
            elif deliverable == "mid_year_report":
                url = url_for("cycle.report_page", unit=unit.code, kind="mid_year", **args)
            else:
                url = url_for("cycle.report_page", unit=unit.code, kind="year_end", **args)
            owed.append({**item, "campaign": campaign, "url": url,
                         "label": str(DELIVERABLES.get(deliverable, item["phase"].title))})
    owed.sort(key=lambda o: o["due"])
    return {"owed": owed, "grids": grids}


@bp.app_template_filter("cycle_moment")
def _moment(value: str | None) -> str:
    """An ISO 8601 moment from a service's description as hh:mm dd/mm/yyyy (Vietnam time)."""
    if not value:
        return ""
    from core.web import format_datetime

    return format_datetime(datetime.fromisoformat(value))


@bp.app_context_processor
def _cycle_globals() -> dict[str, Any]:
    # Functions, not data: a template that does not call them costs no query.
    return {"cycle_nav": nav_links, "cycle_due": due_panel}


# -- registration ----------------------------------------------------------------------------

class ReturnForm(FlaskForm):
    reason = TextAreaField(_l("Lý do trả lại"), render_kw={"rows": 3})


def _item_leaves(campaign: Campaign) -> tuple[list[CriterionRow], list[CriterionRow]]:
    rows = criteria_rows(campaign)
    return rows, [r for r in rows if not r.is_group and r.kind == "item"]


def _render_registration(campaign: Campaign, unit_code: str, *,
                         typed: list[dict[str, Any]] | None = None,
                         version: Any = None, problems: Problems | None = None,
                         return_form: ReturnForm | None = None):
    problems = problems or Problems()
    unit, reg = registration.read(campaign, unit_code, actor=current_user)
    state = registration.describe(unit, reg)
    rows, leaves = _item_leaves(campaign)
    if typed is None:
        saved = {i["criterion"]: i for i in state["items"]}
        typed = [{"criterion": leaf.code,
                  "target": saved.get(leaf.code, {}).get("target", ""),
                  "not_applicable": saved.get(leaf.code, {}).get("not_applicable", False),
                  "reason": saved.get(leaf.code, {}).get("reason", "")} for leaf in leaves]
    window = _window(campaign, "registration", unit.id)
    staff = _unit_staff(campaign, unit)
    editable = staff and state["status"] != "submitted" and window["open"]
    leader = permissions.campaign_role(current_user, campaign) == "leader"
    return render_template(
        "cycle/registration.html", campaign=campaign, unit=unit, state=state,
        sections=_sections(rows, leaves), typed=typed,
        version=state["version"] if version is None else version,
        problems=problems, window=window, staff=staff, editable=editable,
        can_return=leader and state["status"] == "submitted",
        return_form=return_form or ReturnForm(formdata=None)), problems.status


@bp.get("/registrations/<unit>")
def registration_page(bloc: str, year: int, unit: str):
    return _render_registration(_campaign(bloc, year), unit)


@bp.post("/registrations/<unit>")
def registration_save(bloc: str, year: int, unit: str):
    campaign = _campaign(bloc, year)
    _rows, leaves = _item_leaves(campaign)
    form = request.form
    typed = [{"criterion": leaf.code,
              "target": form.get(f"items-{i}-target", ""),
              "not_applicable": bool(form.get(f"items-{i}-not_applicable")),
              "reason": form.get(f"items-{i}-reason", "")} for i, leaf in enumerate(leaves)]
    submit = _action() == "submit"
    try:
        registration.save(campaign, unit, typed, submit=submit, actor=current_user,
                          version=form.get("version"))
    except DomainError as exc:
        return _render_registration(campaign, unit, typed=typed, version=form.get("version"),
                                    problems=_fail(exc))
    flash(_("Đã gửi bản đăng ký thi đua.") if submit else _("Đã lưu nháp bản đăng ký."),
          "success")
    return redirect(url_for("cycle.registration_page", bloc=bloc, year=year, unit=unit), 303)


@bp.post("/registrations/<unit>/return")
def registration_return(bloc: str, year: int, unit: str):
    campaign = _campaign(bloc, year)
    form = ReturnForm()
    try:
        registration.return_for_correction(campaign, unit, form.reason.data or "",
                                           actor=current_user)
    except DomainError as exc:
        problems = _fail(exc)
        form.reason.errors = problems.get("reason")
        return _render_registration(campaign, unit, problems=problems, return_form=form)
    flash(_("Đã trả lại bản đăng ký để đơn vị chỉnh sửa."), "success")
    return redirect(url_for("cycle.registration_page", bloc=bloc, year=year, unit=unit), 303)


@bp.get("/registrations")
def registrations_index(bloc: str, year: int):
    campaign = _campaign(bloc, year)
    permissions.require(permissions.can_read_work(current_user, campaign))
    grid = progress.status_grid(campaign)
    return render_template("cycle/registrations.html", campaign=campaign, grid=grid,
                           window=_window(campaign, "registration", None))


# -- reports and attachments -----------------------------------------------------------------

def _report_rows(campaign: Campaign, unit: Unit) -> tuple[list[CriterionRow], list[dict]]:
    """The unit's registered targets (criterion row and target text), in table order."""
    targets = reports.registered_targets(campaign, unit)
    texts = {i["criterion"]: i["target"]
             for i in registration.describe(unit, registration.get(campaign, unit))["items"]}
    rows = sorted(targets.values(), key=lambda r: r.position)
    return rows, [{"row": r, "target": texts.get(r.code, "")} for r in rows]


def _render_report(campaign: Campaign, unit_code: str, kind: str, *,
                   typed: dict[str, Any] | None = None, version: Any = None,
                   problems: Problems | None = None, upload_problems: Problems | None = None):
    problems = problems or Problems()
    upload_problems = upload_problems or Problems()
    unit, report = reports.read(campaign, unit_code, kind, actor=current_user)
    state = reports.describe(unit, report, kind)
    rows, targets = _report_rows(campaign, unit)
    if typed is None:
        saved = {p["criterion"]: p for p in state["progress"]}
        typed = {"body": state["body"], "progress": [
            {"percent": "" if r.code not in saved else str(saved[r.code]["percent"]),
             "note": saved.get(r.code, {}).get("note", "")} for r in rows]}
    window = _window(campaign, reports.DELIVERABLE[kind], unit.id)
    review_closed = kind == "mid_year" and \
        deadlines.MID_YEAR_REVIEW in deadlines.closed_steps(campaign)
    staff = _unit_staff(campaign, unit)
    editable = staff and state["status"] != "submitted" and window["open"] and not review_closed
    status = problems.status if problems.message else upload_problems.status
    return render_template(
        "cycle/report.html", campaign=campaign, unit=unit, kind=kind,
        kind_label=REPORT_KINDS[kind], state=state, targets=targets, typed=typed,
        version=state["version"] if version is None else version, problems=problems,
        upload_problems=upload_problems, window=window, review_closed=review_closed,
        staff=staff, editable=editable,
        max_mb=current_app.config["THIDUA_MAX_UPLOAD_MB"]), status


@bp.get("/reports/<unit>/<kind>")
def report_page(bloc: str, year: int, unit: str, kind: str):
    if kind not in REPORT_KINDS:
        raise NotFound(_("Loại báo cáo không hợp lệ."))
    return _render_report(_campaign(bloc, year), unit, kind)


@bp.post("/reports/<unit>/<kind>")
def report_save(bloc: str, year: int, unit: str, kind: str):
    if kind not in REPORT_KINDS:
        raise NotFound(_("Loại báo cáo không hợp lệ."))
    campaign = _campaign(bloc, year)
    found = member_unit(campaign, unit)
    rows, _targets = _report_rows(campaign, found)
    form = request.form
    typed = {"body": form.get("body", ""), "progress": [
        {"percent": form.get(f"progress-{i}-percent", ""),
         "note": form.get(f"progress-{i}-note", "")} for i in range(len(rows))]}
    # A row left entirely blank is not reported yet: it is not sent (the service then says
    # what is missing when the report is submitted).
    sent, remap = [], {}
    for index, (row, entry) in enumerate(zip(rows, typed["progress"], strict=True)):
        if entry["percent"].strip() or entry["note"].strip():
            remap[len(sent)] = index
            sent.append({"criterion": row.code, "percent": entry["percent"],
                         "note": entry["note"]})
    submit = _action() == "submit"
    try:
        reports.save(campaign, unit, kind, typed["body"], sent, submit=submit,
                     actor=current_user, version=form.get("version"))
    except DomainError as exc:
        return _render_report(campaign, unit, kind, typed=typed, version=form.get("version"),
                              problems=_fail(exc, remap=remap, prefix="progress"))
    flash(_("Đã gửi báo cáo.") if submit else _("Đã lưu nháp báo cáo."), "success")
    return redirect(url_for("cycle.report_page", bloc=bloc, year=year, unit=unit, kind=kind),
                    303)


@bp.post("/reports/<unit>/<kind>/attachments")
def report_attach(bloc: str, year: int, unit: str, kind: str):
    if kind not in REPORT_KINDS:
        raise NotFound(_("Loại báo cáo không hợp lệ."))
    campaign = _campaign(bloc, year)
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise ValidationFailed(_("Chưa chọn tệp để tải lên."),
                                   fields={"file": [_("Chọn một tệp.")]})
        attachment = reports.attach(campaign, unit, kind, upload.read(), upload.filename,
                                    actor=current_user)
    except DomainError as exc:
        return _render_report(campaign, unit, kind, upload_problems=_fail(exc))
    flash(_("Đã tải lên tệp “%(name)s”.", name=attachment.display_name), "success")
    return redirect(url_for("cycle.report_page", bloc=bloc, year=year, unit=unit, kind=kind)
                    + "#attachments-h", 303)


@bp.get("/reports/<unit>/<kind>/attachments/<attachment_id>")
def report_download(bloc: str, year: int, unit: str, kind: str, attachment_id: str):
    campaign = _campaign(bloc, year)
    found = reports.attachment_for_download(campaign, unit, kind, attachment_id,
                                            actor=current_user)
    return send_file(attachments.storage_path(found.sha256), mimetype=found.content_type,
                     as_attachment=True, download_name=found.display_name)


# -- self-score ------------------------------------------------------------------------------

def _score_lines(campaign: Campaign) -> tuple[list[CriterionRow], list[CriterionRow]]:
    rows = criteria_rows(campaign)
    return rows, [r for r in rows if not r.is_group]


def _render_scores(campaign: Campaign, unit_code: str, *,
                   typed: dict[str, dict[str, str]] | None = None, version: Any = None,
                   problems: Problems | None = None):
    problems = problems or Problems()
    permissions.require(permissions.can_read_work(current_user, campaign))
    unit = member_unit(campaign, unit_code)
    state = scoring.describe(campaign, unit, scoring.sheet_of(campaign, unit))
    rows, leaves = _score_lines(campaign)
    lines = {i["criterion"]: i for i in state["items"]}
    if typed is None:
        typed = {code: {"self_score": _number(line["self_score"]),
                        "evidence": line["evidence"]} for code, line in lines.items()}
    year_end = reports.describe(unit, reports.get(campaign, unit, "year_end"), "year_end")
    window = _window(campaign, "year_end_report", unit.id)
    staff = _unit_staff(campaign, unit)
    editable = staff and year_end["status"] != "submitted" and window["open"]
    # The index of each unit-scored line in the list sent to the service.
    sent_index = {leaf.code: n for n, leaf in
                  enumerate(r for r in leaves if r.scorer == "unit")}
    return render_template(
        "cycle/scores.html", campaign=campaign, unit=unit, state=state, lines=lines,
        sections=_sections(rows, leaves), typed=typed, sent_index=sent_index,
        bounds={leaf.code: scoring.bounds(leaf) for leaf in leaves},
        version=state["version"] if version is None else version, problems=problems,
        window=window, staff=staff, editable=editable, year_end=year_end,
        show_verified=any(i["verified_score"] is not None for i in state["items"])
        or deadlines.VERIFICATION in deadlines.closed_steps(campaign)), problems.status


def _number(value: Any) -> str:
    """A stored score as the form shows it: 4, 4,5, -8 (the service reads a decimal comma)."""
    if value is None:
        return ""
    return (f"{value:g}" if isinstance(value, float) else str(value)).replace(".", ",")


@bp.get("/scores/<unit>")
def scores_page(bloc: str, year: int, unit: str):
    return _render_scores(_campaign(bloc, year), unit)


@bp.post("/scores/<unit>")
def scores_save(bloc: str, year: int, unit: str):
    campaign = _campaign(bloc, year)
    _rows, leaves = _score_lines(campaign)
    form = request.form
    typed: dict[str, dict[str, str]] = {}
    sent = []
    for n, leaf in enumerate(r for r in leaves if r.scorer == "unit"):
        typed[leaf.code] = {"self_score": form.get(f"items-{n}-self_score", ""),
                            "evidence": form.get(f"items-{n}-evidence", "")}
        sent.append({"criterion": leaf.code, **typed[leaf.code]})
    try:
        scoring.save_self_scores(campaign, unit, sent, actor=current_user,
                                 version=form.get("version"))
    except DomainError as exc:
        return _render_scores(campaign, unit, typed=typed, version=form.get("version"),
                              problems=_fail(exc))
    flash(_("Đã lưu bảng tự chấm điểm."), "success")
    return redirect(url_for("cycle.scores_page", bloc=bloc, year=year, unit=unit), 303)


# -- verification ----------------------------------------------------------------------------

@bp.get("/verification")
def verification_index(bloc: str, year: int, problems: Problems | None = None):
    campaign = _campaign(bloc, year)
    leadership, board = _verifier(campaign)
    permissions.require(leadership or board,
                        _("Chỉ Khối trưởng, Khối phó hoặc Ban Thi đua – Khen thưởng được "
                          "thẩm định."))
    problems = problems or Problems()
    grid = progress.status_grid(campaign)
    totals = {r["unit"].id: r for r in scoring.ranking(campaign)}
    closed = deadlines.closed_steps(campaign)
    return render_template(
        "cycle/verification_index.html", campaign=campaign, grid=grid, totals=totals,
        locked=closed.get(deadlines.VERIFICATION), problems=problems,
        window=_window(campaign, "verification", None),
        can_lock=permissions.campaign_role(current_user, campaign) == "leader"), \
        problems.status


@bp.post("/verification/lock")
def verification_lock(bloc: str, year: int):
    campaign = _campaign(bloc, year)
    try:
        scoring.lock_verification(campaign, actor=current_user)
    except DomainError as exc:
        return verification_index(bloc, year, problems=_fail(exc))
    flash(_("Đã khóa kết quả thẩm định."), "success")
    return redirect(url_for("cycle.verification_index", bloc=bloc, year=year), 303)


def _editable_lines(leaves: list[CriterionRow], leadership: bool,
                    board: bool) -> list[CriterionRow]:
    """Lines this verifier enters: the unit's lines for the leadership, the board's own
    lines for the board (the service refuses any other)."""
    return [r for r in leaves if (r.scorer == "unit" and leadership)
            or (r.scorer == "board" and board)]


def _render_verify(campaign: Campaign, unit_code: str, *,
                   typed: dict[str, dict[str, str]] | None = None, version: Any = None,
                   problems: Problems | None = None):
    problems = problems or Problems()
    leadership, board = _verifier(campaign)
    permissions.require(leadership or board,
                        _("Chỉ Khối trưởng, Khối phó hoặc Ban Thi đua – Khen thưởng được "
                          "thẩm định."))
    unit = member_unit(campaign, unit_code)
    state = scoring.describe(campaign, unit, scoring.sheet_of(campaign, unit))
    rows, leaves = _score_lines(campaign)
    lines = {i["criterion"]: i for i in state["items"]}
    mine = _editable_lines(leaves, leadership, board)
    if typed is None:
        # A verified score starts as the self score (accepting it); change it where it
        # differs, with a reason.
        typed = {}
        for leaf in mine:
            line = lines[leaf.code]
            shown = line["verified_score"]
            if shown is None and leaf.scorer == "unit":
                shown = line["self_score"]
            typed[leaf.code] = {"verified_score": _number(shown), "reason": line["reason"]}
    closed = deadlines.closed_steps(campaign)
    window = _window(campaign, "verification", None)
    locked = closed.get(deadlines.VERIFICATION)
    year_end = reports.describe(unit, reports.get(campaign, unit, "year_end"), "year_end")
    return render_template(
        "cycle/verify.html", campaign=campaign, unit=unit, state=state, lines=lines,
        sections=_sections(rows, leaves), typed=typed,
        sent_index={leaf.code: n for n, leaf in enumerate(mine)},
        bounds={leaf.code: scoring.bounds(leaf) for leaf in leaves},
        version=state["version"] if version is None else version, problems=problems,
        window=window, locked=locked, year_end=year_end,
        editable=bool(mine) and window["open"] and locked is None), problems.status


@bp.get("/verification/<unit>")
def verify_page(bloc: str, year: int, unit: str):
    return _render_verify(_campaign(bloc, year), unit)


@bp.post("/verification/<unit>")
def verify_save(bloc: str, year: int, unit: str):
    campaign = _campaign(bloc, year)
    leadership, board = _verifier(campaign)
    _rows, leaves = _score_lines(campaign)
    form = request.form
    typed: dict[str, dict[str, str]] = {}
    sent = []
    for n, leaf in enumerate(_editable_lines(leaves, leadership, board)):
        typed[leaf.code] = {"verified_score": form.get(f"items-{n}-verified_score", ""),
                            "reason": form.get(f"items-{n}-reason", "")}
        sent.append({"criterion": leaf.code, **typed[leaf.code]})
    try:
        scoring.verify(campaign, unit, sent, actor=current_user, version=form.get("version"))
    except DomainError as exc:
        return _render_verify(campaign, unit, typed=typed, version=form.get("version"),
                              problems=_fail(exc))
    flash(_("Đã lưu điểm thẩm định."), "success")
    return redirect(url_for("cycle.verify_page", bloc=bloc, year=year, unit=unit), 303)


# -- the status grid: the deputy closes the review, the leader extends a deadline ------------

DATE_RE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")
DATE_KW = {"placeholder": "dd/mm/yyyy", "autocomplete": "off"}


def iso_date(text: str | None) -> str:
    """A date typed as dd/mm/yyyy (the way Vietnamese offices write it) in ISO form for the
    services; anything else is passed on as typed, for the service to judge."""
    match = DATE_RE.match(text or "")
    if match:
        day, month, year = (int(g) for g in match.groups())
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            pass
    return (text or "").strip()


class CloseReviewForm(FlaskForm):
    date = StringField(_l("Ngày họp"), render_kw=DATE_KW)
    place = StringField(_l("Địa điểm"))
    conclusions = TextAreaField(_l("Kết luận của hội nghị"), render_kw={"rows": 4})


class ExtensionForm(FlaskForm):
    phase = SelectField(_l("Giai đoạn"), validate_choice=False)
    unit = SelectField(_l("Áp dụng cho"), validate_choice=False)
    due = StringField(_l("Hạn mới (ngày cuối cùng còn đúng hạn)"), render_kw=DATE_KW)
    reason = TextAreaField(_l("Lý do gia hạn"), render_kw={"rows": 2})


BAD_DATE = _l("Ngày không hợp lệ; nhập theo dạng ngày/tháng/năm, ví dụ 20/07/2021.")


def _set_errors(form: FlaskForm, problems: Problems) -> None:
    for name, messages in problems.fields.items():
        target = getattr(form, name, None)
        if target is not None and hasattr(target, "errors"):
            target.errors = list(messages)


def _render_status(campaign: Campaign, *, close_form: CloseReviewForm | None = None,
                   extension_form: ExtensionForm | None = None,
                   problems: Problems | None = None, failed: str | None = None):
    problems = problems or Problems()
    role = _require_grid_viewer(campaign)
    leadership, board = _verifier(campaign)
    grid = progress.status_grid(campaign)
    phases = campaigns.calendar(campaign)
    members = campaigns.members_by_role(campaign)
    close_form = close_form or CloseReviewForm(formdata=None)
    extension_form = extension_form or ExtensionForm(formdata=None)
    extension_form.phase.choices = [
        (p.code, _("%(title)s (hạn %(due)s)", title=p.title, due=p.due.strftime("%d/%m/%Y")))
        for p in phases if p.deliverable]
    extension_form.unit.choices = [("", _("Cả khối"))] + [
        (m.unit.code, m.unit.name) for m in members]
    closed = deadlines.closed_steps(campaign)
    units_by_id = {m.unit_id: m.unit for m in members}
    return render_template(
        "cycle/status.html", campaign=campaign, grid=grid, columns=GRID_COLUMNS,
        dues={p.deliverable: p.due for p in phases if p.deliverable},
        review=closed.get(deadlines.MID_YEAR_REVIEW),
        locked=closed.get(deadlines.VERIFICATION),
        extensions=sorted(deadlines.extensions(campaign), key=lambda e: e.created_at),
        phase_titles={p.code: p.title for p in phases}, units_by_id=units_by_id,
        close_form=close_form, extension_form=extension_form, problems=problems,
        failed=failed, can_verify=leadership or board,
        is_deputy=role == "deputy", is_leader=role == "leader"), problems.status


@bp.get("/status")
def status_page(bloc: str, year: int):
    return _render_status(_campaign(bloc, year))


@bp.post("/mid-year-review/close")
def close_review(bloc: str, year: int):
    campaign = _campaign(bloc, year)
    form = CloseReviewForm()
    try:
        reports.close_mid_year_review(campaign, iso_date(form.date.data), form.place.data,
                                      form.conclusions.data, actor=current_user)
    except DomainError as exc:
        problems = _fail(exc)
        if "date" in problems.fields:
            problems.fields["date"] = [str(BAD_DATE)]
        _set_errors(form, problems)
        return _render_status(campaign, close_form=form, problems=problems, failed="close")
    flash(_("Đã kết thúc sơ kết 6 tháng; các đơn vị không gửi thêm báo cáo sơ kết."),
          "success")
    return redirect(url_for("cycle.status_page", bloc=bloc, year=year), 303)


@bp.post("/deadlines")
def extend_deadline(bloc: str, year: int):
    campaign = _campaign(bloc, year)
    form = ExtensionForm()
    try:
        try:
            new_due = date.fromisoformat(iso_date(form.due.data))
        except ValueError as exc:
            raise ValidationFailed(_("Ngày không hợp lệ."), fields={"due": [str(BAD_DATE)]}) \
                from exc
        unit = member_unit(campaign, form.unit.data) if form.unit.data else None
        deadlines.extend(campaign, (form.phase.data or "")[:40], new_due, form.reason.data or "",
                         unit=unit, actor=current_user)
    except DomainError as exc:
        if isinstance(exc, NotFound) and exc.code == "unit_not_member":
            exc = ValidationFailed(exc.message, fields={"unit": [str(exc.message)]})
        problems = _fail(exc)
        _set_errors(form, problems)
        return _render_status(campaign, extension_form=form, problems=problems,
                              failed="extend")
    flash(_("Đã gia hạn."), "success")
    return redirect(url_for("cycle.status_page", bloc=bloc, year=year) + "#deadlines-h", 303)


# -- ranking ---------------------------------------------------------------------------------

@bp.get("/ranking")
def ranking_page(bloc: str, year: int):
    campaign = _campaign(bloc, year)
    permissions.require(permissions.can_read_work(current_user, campaign))
    closed = deadlines.closed_steps(campaign)
    return render_template("cycle/ranking.html", campaign=campaign,
                           table=scoring.ranking(campaign), tie_rule=scoring.TIE_RULE,
                           locked=closed.get(deadlines.VERIFICATION))
