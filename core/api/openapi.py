"""The OpenAPI 3 document of /api/v1, built from the API blueprint's own routes so that it
cannot drift from them: every route appears, with its parameters, a summary taken from the
handler's docstring (or the table below), bearer authentication and the error schema."""

from __future__ import annotations

import re
from typing import Any

from flask import current_app, jsonify

from core.api import api_bp
from core.api.schemas import INTEGER_PARAMETER, PATH_PARAMETERS, declared, declared_query

SUMMARIES = {
    "api.create_token": "Đăng nhập, nhận mã truy cập (Bearer).",
    "api.list_tokens": "Các mã truy cập còn hiệu lực của tài khoản (không có mã bí mật).",
    "api.revoke_token": "Đăng xuất: thu hồi mã truy cập đang dùng.",
    "api.me": "Tài khoản đang dùng.",
    "api.plugins": "Các plugin: phiên bản, hook, khối, trạng thái.",
    "api.blocs": "Các khối thi đua và năm có kế hoạch.",
    "api.create_unit": "Tạo đơn vị (quản trị viên).",
    "api.create_user": "Tạo tài khoản (quản trị viên).",
    "api.list_campaigns": "Các năm thi đua.",
    "api.open_campaign": "Mở năm thi đua của một khối (chốt tiêu chí, lịch, bỏ phiếu).",
    "api.campaign_detail": "Chi tiết năm thi đua: thành viên, tiêu chí, lịch, bỏ phiếu.",
    "api.get_registration": "Bản đăng ký thi đua của một đơn vị.",
    "api.put_registration": "Lưu nháp hoặc gửi bản đăng ký.",
    "api.get_report": "Báo cáo sơ kết (mid_year) hoặc tổng kết (year_end).",
    "api.put_report": "Lưu nháp hoặc gửi báo cáo.",
    "api.post_attachment": "Đính kèm tệp vào báo cáo (multipart, trường file).",
    "api.get_scores": "Bảng điểm: tự chấm, thẩm định, tổng.",
    "api.put_scores": "Tự chấm điểm (đơn vị) hoặc thẩm định (Khối trưởng, Khối phó, Ban).",
    "api.get_ranking": "Xếp hạng theo tổng điểm thẩm định.",
    "api.list_polls": "Các cuộc bỏ phiếu.",
    "api.open_poll": "Mở bỏ phiếu (chốt danh sách cử tri).",
    "api.close_poll": "Kết thúc bỏ phiếu, kiểm phiếu và lưu kết quả.",
    "api.publish_poll": "Công bố kết quả.",
    "api.cast_ballot": "Bỏ phiếu kín (thủ trưởng đơn vị); trả mã biên nhận.",
    "api.poll_result": "Kết quả đã lưu của cuộc bỏ phiếu.",
    "api.poll_receipts": "Danh sách SHA-256 mã biên nhận (sau khi công bố).",
    "api.list_documents": "Các văn bản của năm thi đua.",
    "api.get_document": "Văn bản PDF.",
    "api.export_workbook": "Bảng tính Excel của năm thi đua.",
}

ERROR = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["code", "message"],
    "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                   "fields": {"type": "object"}}}}}


# -- the council vote's bodies (docs/voting.md; issue 10) ------------------------------------
_STR, _INT, _BOOL = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
_CODES = {"type": "array", "items": _STR}
VOTE_SCHEMAS: dict[str, Any] = {
    "Poll": {"type": "object", "properties": {
        "code": _STR, "title": _STR, "method": {"enum": ["approval", "single", "ranked"]},
        "status": {"enum": ["draft", "open", "closed", "published"]}, "seats": _INT,
        "opens": _STR, "closes": _STR, "min_choices": _INT, "max_choices": _INT,
        "candidates": _CODES, "elects": {"type": "string", "nullable": True},
        "roster_hash": {"type": "string", "nullable": True},
        "seal": {"enum": ["committee", "server", None], "nullable": True,
                 "description": "committee: the key exists only as the counting committee's "
                                "shares (default); server: kept by the server until close"},
        "shares_needed": {"type": "integer", "nullable": True},
        "public_key": {"type": "string", "nullable": True,
                       "description": "X25519 public key (hex) the ballots are sealed to"}}},
    "PollOpened": {"allOf": [{"$ref": "#/components/schemas/Poll"}, {
        "type": "object", "properties": {
            "shares": {**_CODES, "description": "the key shares, shown ONCE and stored "
                                                "nowhere: one per committee member"},
            "share_holders": {**_CODES, "description": "who keeps each share (the counting "
                                                       "committee of the meeting record)"}}}]},
    "OpenRequest": {"type": "object", "properties": {"seal": {"enum": ["committee", "server"]}}},
    "CloseRequest": {"type": "object", "properties": {
        "shares": {**_CODES, "description": "two of the committee's key shares (committee "
                                            "seal)"}}},
    "Consistency": {"type": "object", "properties": {
        "roll_marks": _INT, "counted": _INT, "receipts": _INT, "cast_events": _INT,
        "receipts_digest_ok": _BOOL, "ok": _BOOL}},
    "PaperNumbers": {"type": "object", "properties": {
        "present": _INT, "issued": _INT, "returned": _INT, "valid": _INT, "invalid": _INT,
        "blank": _INT}},
    "PollResult": {"type": "object", "properties": {
        "poll": _STR, "title": _STR, "status": _STR, "eligible": _INT, "voted": _INT,
        "valid": {"type": "integer", "nullable": True},
        "invalid": {"type": "integer", "nullable": True}, "quorum_met": _BOOL,
        "counts": {"type": "array", "items": {"type": "object", "properties": {
            "candidate": _STR, "votes": _INT, "share": {"type": "number"},
            "passed": _BOOL}}},
        "elected": _CODES, "runoff": _CODES, "explanation": _CODES,
        "counted": _INT, "receipts": _INT, "receipts_digest": _STR,
        "mode": {"enum": ["paper"], "description": "present when counted on paper"},
        "paper": {"$ref": "#/components/schemas/PaperNumbers"},
        "roster_hash": _STR, "audit_head": _STR,
        "consistency": {"$ref": "#/components/schemas/Consistency"}}},
    "Attendance": {"type": "object", "properties": {
        "recorded": _BOOL, "frozen": _BOOL, "present": {"type": "integer", "nullable": True},
        "members": _INT, "units": {"type": "array", "items": {"type": "object", "properties": {
            "unit": _STR, "name": _STR, "head": _STR, "present": _BOOL,
            "representative": _STR, "title": _STR}}}}},
    "AttendanceRequest": {"type": "object", "properties": {"units": {
        "type": "array", "items": {"type": "object", "required": ["unit", "present"],
                                   "properties": {"unit": _STR, "present": _BOOL,
                                                  "representative": _STR, "title": _STR}}}}},
    "CouncilMeeting": {"type": "object", "properties": {
        "held_at": _STR, "place": _STR, "chair": _STR, "secretary": _STR,
        "committee": {**_CODES, "description": "the counting committee (Ban kiểm phiếu): "
                                               "one key share each"}}},
    "PaperCount": {"type": "object", "description": "approval / single: the hand count; "
                   "ranked: issued, invalid and the valid ballots one by one", "properties": {
        "issued": _INT, "returned": _INT, "valid": _INT, "invalid": _INT, "blank": _INT,
        "votes": {"type": "object", "additionalProperties": _INT},
        "ballots": {"type": "array", "items": _CODES,
                    "description": "ranked polls: each paper ballot, candidates best first"}}},
}
# endpoint -> (request schema, response schema). A request body an endpoint declares with
# @body (core/api/schemas.py) is served under the name given here, replacing the one above.
VOTE_BODIES: dict[str, tuple[str | None, str | None]] = {
    "api.get_poll": (None, "Poll"),
    "api.open_poll": ("OpenRequest", "PollOpened"),
    "api.close_poll": ("CloseRequest", "Poll"),
    "api.publish_poll": (None, "Poll"),
    "api.poll_result": (None, "PollResult"),
    "api.get_attendance": (None, "Attendance"),
    "api.put_attendance": ("AttendanceRequest", "Attendance"),
    "api.get_council_meeting": (None, "CouncilMeeting"),
    "api.put_council_meeting": ("CouncilMeeting", "CouncilMeeting"),
    "api.paper_count": ("PaperCount", "PollResult"),
}


_FILE = {"type": "string", "format": "binary"}
UPLOADS: dict[str, dict[str, Any]] = {
    "api.post_attachment": {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"], "properties": {"file": _FILE}}}}},
    "api.import_people": {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"], "properties": {
            "file": _FILE, "kind": {"type": "string", "enum": ["units", "users"]},
            "apply": {"type": "string", "enum": ["true", "false"]}}}}}},
    "api.import_points": {"required": True, "content": {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
            "schema": _FILE}}},
}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_MOMENT = {"type": "string", "nullable": True}
# The main endpoints' answers (the others: see API.md).
RESPONSES: dict[str, dict[str, dict[str, Any]]] = {
    "api.create_token": {"201": _json({"type": "object", "required": ["token"], "properties": {
        "token": _STR, "expires_at": _MOMENT}}, "Created")},
    "api.revoke_token": {"204": {"description": "Đã thu hồi mã truy cập."}},
    "api.list_tokens": {"200": _json({"type": "array", "items": {"type": "object", "properties": {
        "id": _INT, "prefix": _STR, "created_at": _MOMENT, "expires_at": _MOMENT,
        "last_used_at": _MOMENT, "current": _BOOL}}})},
    "api.me": {"200": _json({"type": "object", "required": ["username"], "properties": {
        "username": _STR, "full_name": _STR, "unit": {"type": "string", "nullable": True},
        "role": {"type": "string", "nullable": True}, "admin": _BOOL, "board": _BOOL}})},
    "api.list_campaigns": {"200": _json({"type": "array", "items": {
        "type": "object", "required": ["bloc", "year", "status"], "properties": {
            "bloc": _STR, "year": _INT, "title": _STR, "status": _STR,
            "current_phases": _CODES}}})},
    "api.get_ranking": {"200": _json({"type": "array", "items": {
        "type": "object", "required": ["rank", "unit"], "properties": {
            "rank": _INT, "unit": _STR, "name": _STR, "self_total": {"type": "number"},
            "verified_total": {"type": "number"}}}})},
    "api.create_unit": {"201": _json({"type": "object", "properties": {
        "code": _STR, "name": _STR, "short_name": _STR}}, "Created")},
    "api.cast_ballot": {"201": _json({"type": "object", "required": ["receipt"], "properties": {
        "receipt": _STR, "receipt_hash": _STR}}, "Created")},
}


def _ref(name: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}


def _path(rule: str) -> tuple[str, list[dict[str, Any]]]:
    params = []

    def convert(match: re.Match) -> str:
        converter, name = match.group(1), match.group(2)
        schema = INTEGER_PARAMETER if converter == "int" else PATH_PARAMETERS.get(
            name, {"type": "string"})
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
        return "{" + name + "}"

    path = re.sub(r"<(?:(\w+):)?(\w+)>", convert, rule)
    return path.removeprefix(api_bp.url_prefix), params


def document() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    components: dict[str, Any] = {"Error": ERROR, **VOTE_SCHEMAS}
    for rule in current_app.url_map.iter_rules():
        if not rule.endpoint.startswith("api.") or rule.endpoint == "api.openapi":
            continue
        path, params = _path(rule.rule)
        view = current_app.view_functions[rule.endpoint]
        doc = (view.__doc__ or "").strip().splitlines()
        summary = SUMMARIES.get(rule.endpoint) or (doc[0] if doc else rule.endpoint)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            operation: dict[str, Any] = {
                "operationId": rule.endpoint.removeprefix("api.") +
                ("" if len(rule.methods - {"HEAD", "OPTIONS"}) == 1 else f"_{method.lower()}"),
                "summary": summary,
                "parameters": params + [
                    {"name": name, "in": "query", "required": False, "schema": schema}
                    for name, schema in declared_query(view).items()],
                "responses": {
                    "200": {"description": "OK"},
                    "201": {"description": "Created"},
                    "default": {"description": "Lỗi (400, 401, 403, 404, 409, 413, 422, 429)",
                                "content": {"application/json": {
                                    "schema": {"$ref": "#/components/schemas/Error"}}}},
                },
            }
            if rule.endpoint in ("api.create_token", "api.calendar_feed"):
                operation["security"] = []
            request, response = VOTE_BODIES.get(rule.endpoint, (None, None))
            schema, optional = declared(view)
            if schema is not None:  # the same declaration checks the body (core/api/schemas)
                content = {"application/json": {"schema": schema}}
                if request:  # a named component (the vote's bodies)
                    components[request], content = schema, _ref(request)
                operation["requestBody"] = {"required": not optional, "content": content}
            elif rule.endpoint in UPLOADS:
                operation["requestBody"] = UPLOADS[rule.endpoint]
            elif request and method in ("POST", "PUT"):
                operation["requestBody"] = {"required": False, "content": _ref(request)}
            if response:
                code = "201" if rule.endpoint == "api.paper_count" else "200"
                operation["responses"][code] = {"description": "OK", "content": _ref(response)}
            for code, answer in RESPONSES.get(rule.endpoint, {}).items():
                operation["responses"][code] = answer
            paths.setdefault(path, {})[method.lower()] = operation
    return {
        "openapi": "3.0.3",
        "info": {"title": "thidua API", "version": "1",
                 "description": "Hệ thống thi đua – khen thưởng các khối thi đua tỉnh. "
                                "Xem shared/API.md."},
        "servers": [{"url": api_bp.url_prefix}],
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                       "schemas": components},
        "paths": dict(sorted(paths.items())),
    }


@api_bp.get("/openapi.json")
def openapi():
    return jsonify(document())
