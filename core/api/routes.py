"""Routes of /api/v1: reference data, campaigns. Thin callers of core.services."""

from __future__ import annotations

from flask import current_app, jsonify, request
from sqlalchemy import select

from core.api import (
    answers,
    api_bp,
    current_api_token,
    current_api_user,
    json_body,
    schemas,
    token_required,
)
from core.api.schemas import body
from core.errors import ValidationFailed
from core.extensions import db, limiter
from core.forms import LoginForm, UnitForm, UserForm, validate_json
from core.models import Bloc
from core.services import accounts, campaign_state, campaigns


def created(body):
    response = jsonify(body)
    response.status_code = 201
    return response


def _login_key() -> str:
    from flask import request

    try:
        payload = request.get_json(silent=True)
    except RecursionError:  # JSON nested too deep: json_body answers 400
        payload = None
    name = payload.get("username") if isinstance(payload, dict) else None
    return f"token:{str(name or '')[:60].lower()}:{request.remote_addr}"


@api_bp.post("/tokens")
@limiter.limit("20 per minute", key_func=_login_key)
@body(schemas.LOGIN, form=LoginForm)
def create_token():
    form = validate_json(LoginForm, json_body())
    user = accounts.authenticate(form.username.data, form.password.data,
                                 address=request.remote_addr)
    token, row = accounts.new_token(user)
    return created({"token": token, "expires_at": _moment(row.expires_at)})


def _moment(value):
    return value.isoformat() if value is not None else None


@api_bp.get("/tokens")
@token_required
def list_tokens():
    """The caller's tokens that still work: an id, the first 8 hex digits of the token's
    SHA-256 (to tell them apart), when made, when they expire, when last used; never the
    token itself."""
    current = current_api_token()
    return jsonify([
        {"id": row.id, "prefix": row.token_hash[:8], "created_at": _moment(row.created_at),
         "expires_at": _moment(row.expires_at), "last_used_at": _moment(row.last_used_at),
         "current": row.id == current.id}
        for row in accounts.live_tokens(current_api_user())
    ])


@api_bp.delete("/tokens")
@token_required
def revoke_token():
    """Sign out: the token sent in ``Authorization`` stops working (204)."""
    accounts.revoke_token(current_api_token())
    return "", 204


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
@body(schemas.UNIT, form=UnitForm)
def create_unit():
    form = validate_json(UnitForm, json_body())
    unit = accounts.create_unit(form.code.data, form.name.data, form.short_name.data,
                                actor=current_api_user())
    return created({"code": unit.code, "name": unit.name, "short_name": unit.short_name})


@api_bp.post("/users")
@token_required
@body(schemas.USER, form=UserForm)
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
@answers.kept
def list_campaigns():
    found = campaigns.list_campaigns()
    campaign_state.prefetch(found)  # every timeline in a fixed number of queries
    return jsonify([
        {"bloc": c.bloc.code, "year": c.year, "title": c.title, "status": c.status,
         "current_phases": [p.code for p in campaigns.current_phases(c)]}
        for c in found
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
@body(schemas.CAMPAIGN)
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
@answers.kept
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
        if request.form.get("background", "").lower() in ("1", "true", "yes"):
            # 202 and the job to follow (GET /api/v1/jobs/{id}); without a queue it has run.
            from core.services import jobs

            imports.check(data, name, kind=kind, actor=current_api_user())  # the rights
            job = jobs.submit("import_people", {"filename": name[-200:], "kind": kind},
                              actor=current_api_user(), data=data)
            response = jsonify({"job": job.id, "status": job.status})
            response.status_code = 202
            response.headers["Location"] = f"/api/v1/jobs/{job.id}"
            return response
        report = imports.apply(data, name, kind=kind, actor=current_api_user())
        return created(report.to_dict())
    return jsonify(imports.check(data, name, kind=kind, actor=current_api_user()).to_dict())


def _user_body(user) -> dict:
    return {"username": user.username, "full_name": user.full_name,
            "unit": user.unit.code if user.unit else None, "role": user.role,
            "admin": user.is_admin, "board": user.is_board, "active": user.active}


def _flag(payload: dict, key: str) -> bool | None:
    value = payload.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise ValidationFailed("Dữ liệu không hợp lệ.", fields={key: ["true hoặc false."]})
    return value


@api_bp.get("/users")
@token_required
def list_users():
    from core.services import permissions

    permissions.require(permissions.is_admin(current_api_user()))
    return jsonify([_user_body(u) for u in accounts.list_users()])


@api_bp.patch("/users/<username>")
@token_required
@body(schemas.USER_EDIT)
def update_user(username: str):
    payload = json_body()
    full_name = payload.get("full_name")
    if full_name is not None:
        from core.forms import UserEditForm

        full_name = validate_json(UserEditForm, {"full_name": full_name}).full_name.data
    unit, role = payload.get("unit"), payload.get("role")
    for key, value in (("unit", unit), ("role", role)):
        if value is not None and not isinstance(value, str):
            raise ValidationFailed("Dữ liệu không hợp lệ.", fields={key: ["Phải là chuỗi."]})
    user = accounts.update_user(username, full_name=full_name, unit_code=unit, role=role,
                                board=_flag(payload, "board"), admin=_flag(payload, "admin"),
                                active=_flag(payload, "active"), actor=current_api_user())
    return jsonify(_user_body(user))


@api_bp.post("/users/<username>/password")
@token_required
@body(schemas.PASSWORD)
def reset_user_password(username: str):
    from core.forms import PasswordResetForm

    form = validate_json(PasswordResetForm, json_body())
    accounts.reset_password(username, form.password.data, actor=current_api_user())
    return jsonify({"username": username.lower(), "reset": True})


@api_bp.post("/users/<username>/sign-in-unlock")
@token_required
def unlock_user_sign_in(username: str):
    cleared = accounts.unlock_sign_in(username, actor=current_api_user())
    return jsonify({"username": username.lower(), "cleared": cleared})


@api_bp.patch("/units/<code>")
@token_required
@body(schemas.UNIT_EDIT)
def update_unit(code: str):
    from core.forms import UnitEditForm

    payload = json_body()
    form = validate_json(UnitEditForm, {k: payload.get(k) for k in ("name", "short_name")})
    values = {k: getattr(form, k).data for k in ("name", "short_name")
              if payload.get(k) is not None}
    unit = accounts.update_unit(code, active=_flag(payload, "active"), actor=current_api_user(),
                                **values)
    return jsonify({"code": unit.code, "name": unit.name, "short_name": unit.short_name,
                    "active": unit.active})


@api_bp.post("/campaigns/<bloc>/<int:year>/archive")
@token_required
def archive_campaign(bloc: str, year: int):
    campaign = campaigns.archive(campaigns.get_campaign(bloc, year), actor=current_api_user())
    return jsonify(campaigns.describe(campaign))


@api_bp.get("/blocs/<bloc>/proposed-members/<int:year>")
@token_required
def proposed_members(bloc: str, year: int):
    """Last year's members with the leadership the council elected (defaults for opening)."""
    return jsonify([{"unit": m.unit, "role": m.role}
                    for m in campaigns.proposed_members(bloc, year)])


@api_bp.get("/board/<int:year>/proposals.xlsx")
@token_required
def proposals_xlsx(year: int):
    from flask import Response

    from core.services import board

    return Response(board.proposals_workbook(year, actor=current_api_user()),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition":
                             f'attachment; filename="de-nghi-khen-thuong-{year}.xlsx"'})


@api_bp.get("/board/<int:year>/proposals.pdf")
@token_required
def proposals_pdf(year: int):
    from flask import Response

    from core.services import board

    return Response(board.proposals_pdf(year, actor=current_api_user()),
                    mimetype="application/pdf",
                    headers={"Content-Disposition":
                             f'inline; filename="de-nghi-khen-thuong-{year}.pdf"'})
