"""The OpenAPI 3 document of /api/v1, built from the API blueprint's own routes so that it
cannot drift from them: every route appears, with its parameters, a summary taken from the
handler's docstring (or the table below), bearer authentication and the error schema."""

from __future__ import annotations

import re
from typing import Any

from flask import current_app, jsonify

from core.api import api_bp

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


def _path(rule: str) -> tuple[str, list[dict[str, Any]]]:
    params = []

    def convert(match: re.Match) -> str:
        converter, name = match.group(1), match.group(2)
        params.append({"name": name, "in": "path", "required": True,
                       "schema": {"type": "integer" if converter == "int" else "string"}})
        return "{" + name + "}"

    path = re.sub(r"<(?:(\w+):)?(\w+)>", convert, rule)
    return path.removeprefix(api_bp.url_prefix), params


def document() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
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
                "parameters": params,
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
            if method in ("POST", "PUT", "PATCH") and rule.endpoint not in (
                    "api.post_attachment", "api.import_people"):
                operation["requestBody"] = {"required": False, "content": {
                    "application/json": {"schema": {"type": "object"}}}}
            paths.setdefault(path, {})[method.lower()] = operation
    return {
        "openapi": "3.0.3",
        "info": {"title": "thidua API", "version": "1",
                 "description": "Hệ thống thi đua – khen thưởng các khối thi đua tỉnh. "
                                "Xem shared/API.md."},
        "servers": [{"url": api_bp.url_prefix}],
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                       "schemas": {"Error": ERROR}},
        "paths": dict(sorted(paths.items())),
    }


@api_bp.get("/openapi.json")
def openapi():
    return jsonify(document())
