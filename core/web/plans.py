"""Plans as data (issue 12), for administrators: create a bloc, copy a year's plan into the
next (with the diff to review), edit criteria, calendar, voting parameters and document
settings in forms (checked live by the same rules as ``flask bloc check``), import the points
table from Excel with a dry run, export/import a plan file, open the year. And, for the bloc's
leader, the points-table amendment at the mid-year review (``covenant.adjust``).

Thin callers of ``core.services.plan_documents`` and ``core.services.covenant``: the views
only turn the forms into a plan document and back.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from core.domain import Action, valid_year
from core.errors import DomainError
from core.models import Campaign
from core.services import campaign_state, campaigns, covenant, permissions
from core.services import plan_documents as plans
from core.services.plan_documents import CriterionLine, Problem
from core.voting import registered_procedures
from core.web.refusals import as_refusal

bp = Blueprint("plans", __name__, url_prefix="/admin/plans")
amend_bp = Blueprint("amend", __name__, url_prefix="/campaigns/<bloc>/<int:year>")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXTRA_ROWS = 3
MAX_FORM_ROWS = 500
POLL_FIELDS = ("code", "title", "method", "seats", "candidates", "min_choices", "max_choices",
               "elects", "award")
POLL_INTS = {"seats", "min_choices", "max_choices"}


class CsrfForm(FlaskForm):
    """The forms of these pages are read by hand (rows added in the page); this gives them
    their CSRF token and its check."""


def _host() -> Any:
    return current_app.extensions["thidua"]


@bp.before_request
@login_required
def _only_admins() -> None:
    if not permissions.is_admin(current_user):
        abort(403)


def _checked() -> None:
    if not CsrfForm().validate():
        abort(400)


# -- the list, creating a bloc, importing a file ---------------------------------------------

def _overview() -> list[dict[str, Any]]:
    host = _host()
    stored: dict[str, list[int]] = {}
    for row in plans.list_documents():
        stored.setdefault(row.bloc_code, []).append(row.year)
    opened: dict[str, list[int]] = {}
    for campaign in campaigns.list_campaigns():
        opened.setdefault(campaign.bloc.code, []).append(campaign.year)
    rows = []
    for code, (info, plugin) in sorted(host.collect_blocs().items()):
        data_years = sorted(stored.get(code, []))
        plugin_years = [] if plugin == plans.DATA_PLUGIN else sorted(info.years)
        rows.append({"code": code, "name": info.name, "plugin": plugin,
                     "plugin_years": plugin_years, "data_years": data_years,
                     "opened": sorted(opened.get(code, [])),
                     "years": sorted(set(plugin_years) | set(data_years))})
    return rows


def _index(problems: list[str] | None = None, status: int = 200,
           values: dict[str, str] | None = None):
    return render_template("admin/plans/index.html", blocs=_overview(), form=CsrfForm(),
                           problems=problems or [], values=values or {}), status


@bp.get("")
def index():
    return _index()


@bp.post("/blocs")
def create_bloc():
    _checked()
    values = {k: request.form.get(k, "") for k in ("code", "name", "issuer", "abbreviation",
                                                    "description")}
    try:
        row = plans.create_bloc(values["code"], values["name"], values["issuer"],
                                values["abbreviation"], values["description"],
                                actor=current_user, host=_host())
    except DomainError as exc:
        refused = as_refusal(exc)
        messages = [m for ms in refused.fields.values() for m in ms] or [refused.message]
        return _index([refused.message, *messages], refused.status, values)
    flash(_("Đã tạo khối %(name)s. Tiếp theo: soạn hoặc sao chép kế hoạch cho một năm.",
            name=row.name), "success")
    return redirect(url_for("plans.index"), 303)


@bp.post("/import")
def import_file():
    _checked()
    upload = request.files.get("file")
    data = upload.read() if upload is not None else b""
    try:
        row = plans.import_bytes(data, actor=current_user, host=_host(),
                                 replace=request.form.get("replace") == "1")
    except DomainError as exc:
        refused = as_refusal(exc)
        messages = [m for ms in refused.fields.values() for m in ms]
        return _index([refused.message, *messages], refused.status)
    flash(_("Đã nhập kế hoạch năm %(year)s của khối %(bloc)s.", year=row.year,
            bloc=row.bloc_code), "success")
    return redirect(url_for("plans.edit", bloc=row.bloc_code, year=row.year), 303)


# -- copying a year --------------------------------------------------------------------------

def _int(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) == 4 else None


@bp.route("/copy", methods=["GET", "POST"])
def copy():
    """``?bloc=&year=&target_year=``: the copy and its diff; POST saves it."""
    source = request.values
    bloc, year = (source.get("bloc") or "").strip(), _int(source.get("year"))
    target_year = _int(source.get("target_year")) or (year + 1 if year else None)
    target_bloc = (source.get("target_bloc") or "").strip() or bloc
    if not bloc or year is None or target_year is None or not valid_year(year):
        return _index([_("Chọn khối, năm nguồn và năm đích (bốn chữ số) để sao chép.")], 422)
    try:
        proposal = plans.copy_to_year(_host(), bloc, year, target_year, target_bloc=target_bloc)
    except DomainError as exc:
        refused = as_refusal(exc, error_page=())
        return _index([refused.message], refused.status)
    found = plans.problems(proposal.document, host=_host())
    status = 200
    if request.method == "POST":
        _checked()
        if proposal.exists and request.form.get("replace") != "1":
            found.append(Problem("year", _("Năm %(year)s đã có kế hoạch: đánh dấu «Thay thế» "
                                           "để ghi đè.", year=target_year)))
        else:
            try:
                plans.save(proposal.document, actor=current_user, host=_host(),
                           reason=f"Sao chép từ năm {year} ({proposal.source})")
            except DomainError as exc:
                refused = as_refusal(exc)
                found = list(getattr(exc, "problems", [])) or [Problem("", refused.message)]
                status = refused.status
            else:
                flash(_("Đã lưu kế hoạch năm %(year)s; xem lại và sửa trước khi mở năm.",
                        year=target_year), "success")
                return redirect(url_for("plans.edit", bloc=target_bloc, year=target_year), 303)
        status = status if status != 200 else 422
    return render_template("admin/plans/copy.html", proposal=proposal, bloc=bloc, year=year,
                           target_year=target_year, target_bloc=target_bloc, problems=found,
                           form=CsrfForm()), status


# -- editing -------------------------------------------------------------------------------

def _procedure_defaults(name: str) -> dict[str, Any]:
    cls = registered_procedures().get(name)
    try:
        return cls(poll_definitions=()).config() if cls is not None else {}
    except Exception:
        return {}


def _rows(prefix: str, names: tuple[str, ...],
          typed: tuple[str, ...] = ("code", "title")) -> list[dict[str, str]]:
    """The rows ``<prefix>-<i>-<name>`` of the form, in order; rows whose ``typed`` fields
    are all empty (the blank rows, whose selects still have a value) left out."""
    indexes = set()
    for key in request.form:
        parts = key.split("-", 2)
        if len(parts) == 3 and parts[0] == prefix and parts[1].isdigit():
            indexes.add(int(parts[1]))
    rows = []
    for index in sorted(indexes)[:MAX_FORM_ROWS]:
        row = {name: request.form.get(f"{prefix}-{index}-{name}", "").strip() for name in names}
        row["_index"] = str(index)
        if any(row.get(k) for k in typed):
            rows.append(row)
    return rows


def document_from_form(base: dict[str, Any]
                       ) -> tuple[dict[str, Any], list[Problem], list[CriterionLine]]:
    """The plan document the edit form describes (bloc, criteria rows, calendar rows,
    voting, settings, notes), with what the form itself got wrong (a number of seats that is
    not a number) and the criteria rows as typed (shown again when the plan is refused)."""
    found: list[Problem] = []
    form = request.form
    document = dict(base)
    document["bloc"] = dict(base.get("bloc") or {}, **{
        key: form.get(f"bloc_{key}", "").strip()
        for key in ("name", "issuer", "abbreviation", "description")})
    lines = []
    for number, row in enumerate(_rows("c", ("code", "parent", "title", "kind", "max",
                                             "scorer", "guidance"),
                                       ("code", "parent", "title", "max", "guidance")),
                                 start=1):
        lines.append(CriterionLine(code=row["code"], parent=row["parent"], title=row["title"],
                                   kind=row["kind"], max_points=row["max"],
                                   scorer=row["scorer"] or "unit", guidance=row["guidance"],
                                   label=_("Tiêu chí dòng %(n)s", n=number),
                                   field=f"c-{row['_index']}"))
    criteria, problems_ = plans.tree_from_lines(lines)
    found += problems_
    document["criteria"] = criteria
    document["calendar"] = [
        {"code": row["code"], "title": row["title"], "opens": row["opens"], "due": row["due"],
         "host": row["host"] or "leader", "deliverable": row["deliverable"] or None,
         "late": row["late"] or "reject"}
        for row in _rows("p", ("code", "title", "opens", "due", "host", "deliverable", "late"),
                         ("code", "title", "opens", "due"))]
    name = form.get("voting_procedure", "")
    if not name:
        document["voting"] = None
    else:
        current = (base.get("voting") or {})
        config = dict(current.get("config") or {}) if current.get("procedure") == name \
            else _procedure_defaults(name)
        for key, value in list(config.items()):
            if key == "polls":
                continue
            raw = form.get(f"v-{key}")
            if isinstance(value, bool):
                config[key] = raw == "on"
            elif isinstance(value, list):
                config[key] = [part.strip() for part in (raw or "").split(",") if part.strip()]
            elif raw is not None:
                config[key] = raw.strip()
        polls = []
        for row in _rows("poll", POLL_FIELDS):
            poll: dict[str, Any] = {}
            for key in POLL_FIELDS:
                value = row[key]
                if key in POLL_INTS:
                    if value == "" and key == "max_choices":
                        poll[key] = None
                        continue
                    if not (value.isascii() and value.isdigit()):
                        found.append(Problem(f"poll-{row['_index']}-{key}", _(
                            "Cuộc bỏ phiếu %(code)s: %(field)s phải là số nguyên không âm.",
                            code=row["code"] or "?", field=key)))
                        value = "0"
                    poll[key] = int(value)
                else:
                    poll[key] = (value or None) if key in ("elects", "award") else value
            polls.append(poll)
        config["polls"] = polls
        document["voting"] = {"procedure": name, "config": config}
    document["document_settings"] = {key: form.get(f"s-{key}", "").strip()
                                     for key in plans.SETTINGS}
    document["notes"] = form.get("notes", "").strip()
    return document, found, lines


def _base(bloc: str, year: int) -> dict[str, Any]:
    row = plans.stored(bloc, year)
    if row is not None:
        return json.loads(json.dumps(row.document))
    host = _host()
    found = host.collect_blocs().get(bloc)
    if found is None:
        abort(404)
    document = plans.new_document(found[0], year)
    document["document_settings"] = plans.default_settings()
    return document


def _render_edit(bloc: str, year: int, document: dict[str, Any], found: list[Problem],
                 status: int = 200, saved: bool = False,
                 lines: list[CriterionLine] | None = None):
    if lines is None:
        lines = plans.flatten(document.get("criteria") or [])
    voting = document.get("voting") or None
    name = voting.get("procedure") if voting else ""
    config = dict(voting.get("config") or {}) if voting else {}
    row = plans.stored(bloc, year)
    campaign_open = any(c.bloc.code == bloc and c.year == year
                        for c in campaigns.list_campaigns())
    return render_template(
        "admin/plans/edit.html", bloc=bloc, year=year, document=document, lines=lines,
        extra=EXTRA_ROWS, phases=document.get("calendar") or [], procedure=name,
        config=config, polls=config.get("polls") or [], problems=found, form=CsrfForm(),
        procedures=sorted(registered_procedures()), settings=plans.SETTINGS,
        stored=row, saved=saved, campaign_open=campaign_open,
        defaults={n: _procedure_defaults(n) for n in registered_procedures()}), status


@bp.get("/new")
def new():
    """``?bloc=&year=``: the plan of a year that has none yet (the edit form, empty)."""
    year = _int(request.args.get("year"))
    bloc = (request.args.get("bloc") or "").strip()
    if year is None or not valid_year(year) or bloc not in _host().collect_blocs():
        return _index([_("Chọn một khối và nhập năm có bốn chữ số.")], 422)
    return redirect(url_for("plans.edit", bloc=bloc, year=year))


@bp.get("/<bloc>/<int:year>")
def edit(bloc: str, year: int):
    if not valid_year(year):
        abort(404)
    document = _base(bloc, year)
    found = plans.problems(document, host=_host()) if plans.stored(bloc, year) else []
    return _render_edit(bloc, year, document, found)


@bp.post("/<bloc>/<int:year>")
def save(bloc: str, year: int):
    _checked()
    if not valid_year(year):
        abort(404)
    document, found, lines = document_from_form(_base(bloc, year))
    if found:
        return _render_edit(bloc, year, document, found, 422, lines=lines)
    revision = request.form.get("revision", "")
    try:
        plans.save(document, actor=current_user, host=_host(),
                   expected_revision=int(revision) if revision.isdigit() else None)
    except DomainError as exc:
        refused = as_refusal(exc)
        found = list(getattr(exc, "problems", [])) or [Problem("", refused.message)]
        return _render_edit(bloc, year, document, found, refused.status, lines=lines)
    flash(_("Đã lưu kế hoạch năm %(year)s.", year=year), "success")
    return redirect(url_for("plans.edit", bloc=bloc, year=year), 303)


@bp.post("/<bloc>/<int:year>/check")
def check(bloc: str, year: int):
    """The problems of the plan as the form stands (nothing saved): the edit page calls it
    as the plan is edited."""
    _checked()
    document, found, _lines = document_from_form(_base(bloc, year))
    if not found:
        found = plans.problems(document, host=_host())
    return jsonify({"ok": not found, "problems": [p.to_dict() for p in found]})


@bp.get("/<bloc>/<int:year>/export")
def export(bloc: str, year: int):
    data = plans.export_bytes(bloc, year, _host())
    return Response(data, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="ke-hoach-{bloc}-{year}.json"'})


# -- the points table from Excel -------------------------------------------------------------

@bp.get("/points-template.xlsx")
def points_template():
    return Response(plans.points_template(), mimetype=XLSX, headers={
        "Content-Disposition": 'attachment; filename="thang-bang-diem-mau.xlsx"'})


@bp.get("/<bloc>/<int:year>/points.xlsx")
def points_workbook(bloc: str, year: int):
    row = plans.stored(bloc, year)
    data = plans.points_template(row.document if row is not None else None)
    return Response(data, mimetype=XLSX, headers={
        "Content-Disposition": f'attachment; filename="thang-bang-diem-{bloc}-{year}.xlsx"'})


@bp.route("/<bloc>/<int:year>/points", methods=["GET", "POST"])
def points(bloc: str, year: int):
    """Upload → the dry run row by row; "Nhập" applies the same file (kept in the page)."""
    row = plans.stored(bloc, year)
    if row is None:
        flash(_("Lưu kế hoạch của năm trước khi nhập thang bảng điểm."), "warning")
        return redirect(url_for("plans.edit", bloc=bloc, year=year), 303)
    result, payload, status = None, "", 200
    if request.method == "POST":
        _checked()
        upload = request.files.get("file")
        data = upload.read() if upload is not None and upload.filename else b""
        if not data and request.form.get("payload"):
            try:
                data = base64.b64decode(request.form["payload"], validate=True)
            except (binascii.Error, ValueError):
                data = b""
        if request.form.get("apply") == "1":
            try:
                plans.import_points(bloc, year, data, actor=current_user, host=_host())
            except DomainError as exc:
                refused = as_refusal(exc)
                result = plans.dry_run_points(row.document, data)
                status = refused.status
            else:
                flash(_("Đã nhập thang bảng điểm từ tệp Excel."), "success")
                return redirect(url_for("plans.edit", bloc=bloc, year=year), 303)
        else:
            result = plans.dry_run_points(row.document, data)
            status = 200 if result.ok else 422
        if result is not None and result.ok:
            payload = base64.b64encode(data).decode("ascii")
    return render_template("admin/plans/points.html", bloc=bloc, year=year, result=result,
                           payload=payload, form=CsrfForm()), status


# -- the points-table amendment at the mid-year review (the bloc's leader) -------------------

@amend_bp.before_request
@login_required
def _signed_in() -> None:
    return None


@amend_bp.route("/thang-diem/dieu-chinh", methods=["GET", "POST"])
def amend(bloc: str, year: int):
    campaign: Campaign = campaigns.get_campaign(bloc, year)
    permissions.require(permissions.can_view_campaign(current_user, campaign))
    allowed = campaign_state.allowed(Action.ADJUST_TABLE, current_user, campaign)
    stage = covenant.stage(campaign)
    plan = campaign_state.plan(campaign)
    values: dict[str, str] = {}
    reason = ""
    refused_fields: dict[str, list[str]] = {}
    message = None
    status = 200
    if request.method == "POST":
        _checked()
        leaves = [c.code for c in plan.leaves()]
        values = {code: request.form.get(f"max-{code}", "").strip() for code in leaves}
        reason = request.form.get("reason", "")
        changes = {code: value for code, value in values.items() if value != ""}
        try:
            made = covenant.adjust(campaign, changes, reason, actor=current_user)
        except DomainError as exc:
            refused = as_refusal(exc)
            message, refused_fields, status = refused.message, refused.fields, refused.status
        else:
            if made:
                flash(_("Đã điều chỉnh %(num)s dòng của thang điểm (lần sửa %(rev)s).",
                        num=len(made), rev=campaign.plan_revision), "success")
            else:
                flash(_("Không có dòng nào thay đổi."), "info")
            return redirect(url_for("amend.amend", bloc=bloc, year=year), 303)
    return render_template(
        "admin/plans/amend.html", campaign=campaign, plan=plan, stage=stage.value,
        allowed=allowed, values=values, reason=reason, fields=refused_fields,
        message=message, history=covenant.history(campaign), form=CsrfForm()), status
