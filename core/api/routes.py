"""Routes of /api/v1: reference data, campaigns. Thin callers of core.services."""

from __future__ import annotations

from flask import current_app, jsonify
from sqlalchemy import select

from core.api import api_bp, current_api_user, json_body, token_required
from core.errors import ValidationFailed
from core.extensions import db, limiter
from core.forms import LoginForm, UnitForm, UserForm, validate_json
from core.models import Bloc
from core.services import accounts, campaigns


def created(body):
    response = jsonify(body)
    response.status_code = 201
    return response


def _login_key() -> str:
    from flask import request

    payload = request.get_json(silent=True)
    name = payload.get("username") if isinstance(payload, dict) else None
    return f"token:{str(name or '')[:60].lower()}"


@api_bp.post("/tokens")
@limiter.limit("20 per minute", key_func=_login_key)
def create_token():
    form = validate_json(LoginForm, json_body())
    user = accounts.authenticate(form.username.data, form.password.data)
    token = accounts.issue_token(user)
    return created({"token": token})


@api_bp.get("/me")
@token_required
def me():
    user = current_api_user()
    return jsonify({
        "username": user.username, "full_name": user.full_name,
        "unit": user.unit.code if user.unit else None, "role": user.role,
        "admin": user.is_admin, "board": user.is_board,
    })


@api_bp.get("/plugins")
@token_required
def plugins():
    return jsonify(current_app.extensions["thidua"].describe())


@api_bp.get("/blocs")
@token_required
def blocs():
    host = current_app.extensions["thidua"]
    opened = {b.code: b for b in db.session.scalars(select(Bloc))}
    rows = []
    for code, (info, plugin) in sorted(host.collect_blocs().items()):
        rows.append({"code": code, "name": info.name, "plugin": plugin,
                     "years": list(info.years),
                     "opened_years": [c.year for c in opened[code].campaigns]
                     if code in opened else []})
    return jsonify(rows)


@api_bp.post("/units")
@token_required
def create_unit():
    form = validate_json(UnitForm, json_body())
    unit = accounts.create_unit(form.code.data, form.name.data, form.short_name.data,
                                actor=current_api_user())
    return created({"code": unit.code, "name": unit.name, "short_name": unit.short_name})


@api_bp.post("/users")
@token_required
def create_user():
    form = validate_json(UserForm, json_body())
    user = accounts.create_user(
        form.username.data, form.full_name.data, form.password.data,
        unit_code=form.unit.data or None, role=form.role.data or None,
        board=form.board.data, admin=form.admin.data, actor=current_api_user())
    return created({"username": user.username, "full_name": user.full_name,
                    "unit": user.unit.code if user.unit else None, "role": user.role,
                    "admin": user.is_admin, "board": user.is_board})


@api_bp.get("/campaigns")
@token_required
def list_campaigns():
    return jsonify([
        {"bloc": c.bloc.code, "year": c.year, "title": c.title, "status": c.status,
         "current_phases": [p.code for p in campaigns.current_phases(c)]}
        for c in campaigns.list_campaigns()
    ])


def _members_from(payload) -> list[campaigns.MemberSpec]:
    members = payload.get("members")
    if not isinstance(members, list):
        raise ValidationFailed("Thiếu danh sách thành viên.",
                               fields={"members": ["Phải là một danh sách."]})
    specs = []
    for index, item in enumerate(members):
        if not isinstance(item, dict) or not isinstance(item.get("unit"), str) \
                or not isinstance(item.get("role"), str):
            raise ValidationFailed("Thành viên không hợp lệ.", fields={
                f"members[{index}]": ["Mỗi thành viên cần 'unit' và 'role' dạng chuỗi."]})
        specs.append(campaigns.MemberSpec(unit=item["unit"][:40], role=item["role"][:20]))
    return specs


@api_bp.post("/campaigns")
@token_required
def open_campaign():
    payload = json_body()
    if not isinstance(payload, dict):
        raise ValidationFailed("Nội dung yêu cầu phải là một đối tượng JSON.")
    bloc, year = payload.get("bloc"), payload.get("year")
    errors = {}
    if not isinstance(bloc, str) or not bloc or len(bloc) > 40:
        errors["bloc"] = ["Cần mã khối (chuỗi)."]
    if not isinstance(year, int) or isinstance(year, bool):
        errors["year"] = ["Năm phải là số nguyên."]
    if errors:
        raise ValidationFailed("Dữ liệu không hợp lệ.", fields=errors)
    campaign = campaigns.open_campaign(bloc, year, _members_from(payload),
                                       actor=current_api_user())
    return created(campaigns.describe(campaign))


@api_bp.get("/campaigns/<bloc>/<int:year>")
@token_required
def campaign_detail(bloc: str, year: int):
    return jsonify(campaigns.describe(campaigns.get_campaign(bloc, year)))


@api_bp.post("/imports")
@token_required
def import_people():
    """Multipart: ``file`` (.csv or .xlsx), ``kind`` (units|users, for CSV), ``apply``
    (true to write; otherwise a dry run). 200 with the report; 201 when applied; 422 when any
    row has a problem and apply was asked (nothing written)."""
    from flask import request

    from core.services import imports

    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed("Chưa chọn tệp (trường 'file').", fields={"file": ["Bắt buộc."]})
    data, name = upload.read(), upload.filename or ""
    kind = request.form.get("kind") or None
    if request.form.get("apply", "").lower() in ("1", "true", "yes"):
        report = imports.apply(data, name, kind=kind, actor=current_api_user())
        return created(report.to_dict())
    return jsonify(imports.check(data, name, kind=kind, actor=current_api_user()).to_dict())
