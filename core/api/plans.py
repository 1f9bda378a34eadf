"""Plans as data over the API (issue 12), for administrators: blocs without a plugin, a bloc's
plan for a year as a document (read, check without saving, save, copy into another year with
the diff), and the points table from an Excel workbook (dry run, apply).

    POST /api/v1/admin/blocs                               create a bloc
    GET  /api/v1/blocs/<bloc>/plans/<year>                 the plan document (stored or a plugin's)
    PUT  /api/v1/blocs/<bloc>/plans/<year>                 save (422 invalid_plan: nothing written)
    POST /api/v1/blocs/<bloc>/plans/<year>/check           the problems, nothing written
    POST /api/v1/blocs/<bloc>/plans/<year>/copy            {"target_year", "save"}: copy + diff
    POST /api/v1/blocs/<bloc>/plans/<year>/points          an .xlsx body: the dry run (?apply=1)
    GET  /api/v1/admin/plans/points-template.xlsx          the template workbook
"""

from __future__ import annotations

from flask import Response, current_app, jsonify, request

from core.api import api_bp, current_api_user, json_body, schemas, token_required
from core.api.schemas import body, query
from core.errors import Forbidden, ValidationFailed
from core.services import permissions
from core.services import plan_documents as plans

BASE = "/blocs/<bloc>/plans/<int:year>"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _host():
    return current_app.extensions["thidua"]


def _admin() -> None:
    if not permissions.is_admin(current_api_user()):
        raise Forbidden("Chỉ quản trị viên được tạo khối và soạn kế hoạch.")


def _same_plan(document: dict, bloc: str, year: int) -> None:
    found = []
    if (document.get("bloc") or {}).get("code") != bloc:
        found.append("bloc.code")
    if document.get("year") != year:
        found.append("year")
    if found:
        raise ValidationFailed("Kế hoạch gửi lên không phải của khối/năm trong đường dẫn.",
                               code="invalid_plan", fields={f: ["Khác đường dẫn."] for f in found})


@api_bp.post("/admin/blocs")
@token_required
@body(schemas.DATA_BLOC)
def create_data_bloc():
    _admin()
    payload = json_body()
    row = plans.create_bloc(payload.get("code"), payload.get("name"), payload.get("issuer", ""),
                            payload.get("abbreviation", ""), payload.get("description", ""),
                            actor=current_api_user(), host=_host())
    response = jsonify({"code": row.code, "name": row.name, "issuer": row.issuer,
                        "abbreviation": row.abbreviation, "description": row.description})
    response.status_code = 201
    return response


@api_bp.get(BASE)
@token_required
def get_plan(bloc: str, year: int):
    _admin()
    row = plans.stored(bloc, year)
    return jsonify({"source": "data" if row is not None else "plugin",
                    "revision": row.revision if row is not None else None,
                    "document": plans.source_document(_host(), bloc, year)})


@api_bp.put(BASE)
@token_required
@body(schemas.PLAN)
@query(reason=schemas.text(2000, description="lý do sửa"))
def put_plan(bloc: str, year: int):
    _admin()
    document = json_body()
    _same_plan(document, bloc, year)
    row = plans.save(document, actor=current_api_user(), host=_host(),
                     reason=str(request.args.get("reason", ""))[:500])
    return jsonify({"revision": row.revision, "document": row.document})


@api_bp.post(f"{BASE}/check")
@token_required
@body(schemas.PLAN)
def check_plan(bloc: str, year: int):
    _admin()
    document = json_body()
    found = plans.problems(document, host=_host())
    return jsonify({"ok": not found, "problems": [p.to_dict() for p in found]})


@api_bp.post(f"{BASE}/copy")
@token_required
@body(schemas.PLAN_COPY)
def copy_plan(bloc: str, year: int):
    _admin()
    payload = json_body()
    target = payload.get("target_year", year + 1)
    if isinstance(target, bool) or not isinstance(target, int):
        raise ValidationFailed("Năm đích không hợp lệ.",
                               fields={"target_year": ["Phải là số nguyên, ví dụ 2022."]})
    proposal = plans.copy_to_year(_host(), bloc, year, target,
                                  target_bloc=payload.get("target_bloc") or None)
    body = {"document": proposal.document, "changes": [c.to_dict() for c in proposal.changes],
            "source": proposal.source, "exists": proposal.exists, "saved": False,
            "problems": [p.to_dict() for p in plans.problems(proposal.document, host=_host())]}
    if payload.get("save") is True:
        row = plans.save(proposal.document, actor=current_api_user(), host=_host(),
                         reason=f"Sao chép từ năm {year} ({proposal.source})")
        body.update(saved=True, revision=row.revision, problems=[])
    return jsonify(body)


@api_bp.post(f"{BASE}/points")
@token_required
@query(apply=schemas.text(10, description="1: ghi; khác: chạy thử"))
def import_points(bloc: str, year: int):
    """The body is the workbook (.xlsx). Without ``?apply=1``: the dry run only."""
    _admin()
    data = request.get_data(cache=False)
    if request.args.get("apply") == "1":
        row, result = plans.import_points(bloc, year, data, actor=current_api_user(),
                                          host=_host())
        return jsonify(dict(result.to_dict(), applied=True, revision=row.revision))
    row = plans.stored(bloc, year)
    if row is None:
        from core.errors import NotFound

        raise NotFound(f"Chưa có kế hoạch dữ liệu năm {year} của khối '{bloc}'.",
                       code="plan_not_found")
    result = plans.dry_run_points(row.document, data)
    response = jsonify(dict(result.to_dict(), applied=False))
    response.status_code = 200 if result.ok else 422
    return response


@api_bp.get("/admin/plans/points-template.xlsx")
@token_required
def points_template():
    _admin()
    return Response(plans.points_template(), mimetype=XLSX)
