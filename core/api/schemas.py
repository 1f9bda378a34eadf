"""Request schemas of /api/v1, declared once per endpoint: the same declaration is served in
the OpenAPI document (core/api/openapi.py) and checked at the edge before the handler runs,
so the document and the validation cannot drift (docs/api.md).

    @api_bp.post("/units")
    @token_required
    @body(UNIT, form=UnitForm)  # 415 / 400 / 422 here; the handler reads json_body() as before
    def create_unit(): ...

The schemas are OpenAPI 3.0 Schema Objects (``nullable`` for null, no type lists). They are
checked with ``jsonschema`` (Draft 4 rules: an integer is an ``int``, never ``1.0`` or
``true``); a refusal is 422 ``validation_failed`` with ``fields``: the path of each field at
fault (``members[2].role``) → Vietnamese messages, at most :data:`MAX_FIELDS` fields. What a
schema cannot say (a criterion of this campaign, a unit of this bloc, a date in the window)
stays with the services, which answer 422 or 409 in their own words.

Path parameters are typed here too (:data:`PATH_PARAMETERS`): integers 0 … 2³¹−1 (the
``int`` converter, core.BoundedInt), codes by a pattern; a code that cannot be one is 404.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from jsonschema import Draft4Validator
from jsonschema.exceptions import ValidationError as SchemaError

from core import INT_MAX
from core.domain.vocabulary import N_
from core.errors import NotFound, ValidationFailed
from core.validators import SLUG_MESSAGE, USERNAME_MESSAGE

MAX_FIELDS = 20  # fields named in one refusal (the rest: "…"), one message each

# -- building blocks ---------------------------------------------------------------------------
# Text a person typed: no control characters but tab, line feed and carriage return (a NUL
# also breaks PostgreSQL text). ECMA and Python read this pattern alike.
CLEAN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
CODE = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"  # codes in paths: slugs, user names, step names
USERNAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{1,59}$"


def text(max_length: int, *, min_length: int = 0, nullable: bool = False,
         description: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "maxLength": max_length, "pattern": CLEAN}
    if min_length:
        schema["minLength"] = min_length
    if nullable:
        schema["nullable"] = True
    if description:
        schema["description"] = description
    return schema


def slug(max_length: int = 40, *, nullable: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": max_length,
                              "pattern": SLUG}
    if nullable:
        schema["nullable"] = True
    return schema


def integer(minimum: int = 0, maximum: int = INT_MAX, *, nullable: bool = False,
            description: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "integer", "minimum": minimum, "maximum": maximum}
    if nullable:
        schema["nullable"] = True
    if description:
        schema["description"] = description
    return schema


def boolean(*, nullable: bool = False) -> dict[str, Any]:
    return {"type": "boolean", "nullable": True} if nullable else {"type": "boolean"}


def enum(*values: str, nullable: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "enum": list(values)}
    if nullable:
        schema["nullable"] = True
        schema["enum"] = [*values, None]
    return schema


def array(items: dict[str, Any], max_items: int = 500, *, nullable: bool = False
          ) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "array", "items": items, "maxItems": max_items}
    if nullable:
        schema["nullable"] = True
    return schema


def obj(properties: dict[str, Any], *, required: Iterable[str] = (), closed: bool = False,
        nullable: bool = False, description: str | None = None) -> dict[str, Any]:
    """An object; ``closed``: unknown fields are refused (``additionalProperties: false``)."""
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    if closed:
        schema["additionalProperties"] = False
    if nullable:
        schema["nullable"] = True
    if description:
        schema["description"] = description
    return schema


def either(*schemas: dict[str, Any], nullable: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"anyOf": list(schemas)}
    if nullable:
        schema["nullable"] = True
    return schema


YEAR = integer(1, 9999, description="năm, ví dụ 2021")
VERSION = integer(0, INT_MAX, nullable=True,
                  description="phiên bản đã đọc (409 nếu người khác đã lưu sau đó)")
SCORE = either({"type": "number", "minimum": -1_000_000, "maximum": 1_000_000},
               text(20), nullable=True)
DAY = text(20, nullable=True, description="YYYY-MM-DD (hoặc dd/mm/yyyy)")
CRITERION = text(20, description="mã tiêu chí, ví dụ 1.3")
UNIT_CODE = text(40, description="mã đơn vị, ví dụ so-tttt")

# -- request bodies, one per endpoint ----------------------------------------------------------
# ``x-message`` (and ``x-summary``, the error's message) keep an endpoint's own words for a
# field; shapes only where the service checks the content and names every problem at once
# (empty values, unknown codes, dates): the edge does not hide the service's fuller answer.
LOGIN = obj({"username": text(60, min_length=1), "password": text(200, min_length=1),
             "remember": boolean(nullable=True)}, required=["username", "password"])
UNIT = obj({"code": slug(40), "name": text(200, min_length=1),
            "short_name": text(80, min_length=1)}, required=["code", "name", "short_name"])
USER = obj({"username": {"type": "string", "maxLength": 60, "pattern": USERNAME},
            "full_name": text(200, min_length=1), "password": text(200, min_length=1),
            "unit": text(40, nullable=True),
            "role": {**enum("officer", "head", "", nullable=True),
                     "x-message": N_("Chọn cán bộ phụ trách hoặc thủ trưởng.")},
            "board": boolean(nullable=True), "admin": boolean(nullable=True)},
           required=["username", "full_name", "password"])
_STRING_ONLY = N_("Phải là chuỗi.")
_TRUE_FALSE = N_("true hoặc false.")
USER_EDIT = obj({"full_name": text(200, nullable=True),
                 "unit": {**text(40, nullable=True), "x-message": _STRING_ONLY},
                 "role": {**text(20, nullable=True), "x-message": _STRING_ONLY},
                 "board": {**boolean(nullable=True), "x-message": _TRUE_FALSE},
                 "admin": {**boolean(nullable=True), "x-message": _TRUE_FALSE},
                 "active": {**boolean(nullable=True), "x-message": _TRUE_FALSE}})
PASSWORD = obj({"password": text(200, min_length=1)}, required=["password"])
UNIT_EDIT = obj({"name": text(200, nullable=True), "short_name": text(80, nullable=True),
                 "active": {**boolean(nullable=True), "x-message": _TRUE_FALSE}})
CAMPAIGN = obj({
    "bloc": {**text(40, min_length=1), "x-message": N_("Cần mã khối (chuỗi).")},
    "year": {**integer(), "x-message": N_("Năm phải là số nguyên."),
             "description": "2000 … 2100, một năm kế hoạch của khối"},
    "members": {**array({**obj({"unit": UNIT_CODE, "role": {
        **text(20), "description": "leader | deputy | member"}}, required=["unit", "role"]),
        "x-message": N_("Mỗi thành viên cần 'unit' và 'role' dạng chuỗi."),
        "x-summary": N_("Thành viên không hợp lệ.")}, 200),
        "x-message": N_("Phải là một danh sách."), "x-summary": N_("Thiếu danh sách thành viên.")}},
    required=["bloc", "year", "members"])
SUBMIT = {**boolean(), "x-message": N_("Phải là true hoặc false.")}
REGISTRATION = obj({"items": array(obj({
    "criterion": CRITERION, "target": text(5000, nullable=True),
    "not_applicable": boolean(nullable=True), "reason": text(5000, nullable=True)}), 500),
    "submit": SUBMIT, "version": VERSION})
RETURN = obj({"reason": text(2000, nullable=True)})
REPORT = obj({"body": text(20000, nullable=True), "progress": array(obj({
    "criterion": CRITERION, "percent": either(integer(0, 100), text(3)),
    "note": text(5000, nullable=True)}), 500, nullable=True),
    "submit": SUBMIT, "version": VERSION})
SCORES = obj({"items": array(obj({
    "criterion": CRITERION, "self_score": SCORE, "evidence": text(5000, nullable=True),
    "verified_score": SCORE, "reason": text(5000, nullable=True)}), 500),
    "version": VERSION},
    description="self_score (+ evidence) from the unit; verified_score (+ reason when it "
                "differs) from the leader, the deputy or the board")
EXTENSION = obj({"phase": text(40, nullable=True), "due": DAY,
                 "unit": text(40, nullable=True), "reason": text(2000, nullable=True)})
MID_YEAR_CLOSE = obj({"date": DAY, "place": text(500, nullable=True),
                      "conclusions": text(20000, nullable=True)})
CRITERIA = obj({"changes": {"type": "object", "additionalProperties": SCORE,
                            "maxProperties": 500, "nullable": True,
                            "description": "criterion code → its new maximum points"},
                "reason": text(2000, nullable=True)})
REASON = obj({"reason": text(2000, nullable=True)})
OVERRIDE = obj({"force": {**boolean(nullable=True), "x-message": N_("Phải là true hoặc false.")},
                "reason": text(20000, nullable=True)},
               description="go ahead with the step's checklist not met: force true and a "
                           "reason (audited); without a body: 409 checklist_not_met if gaps")
_IDS = N_("ids phải là danh sách số nguyên (mã thông báo).")
NOTICES_READ = obj({"ids": {**array(integer(), 1000, nullable=True), "x-message": _IDS,
                            "x-summary": _IDS}})
_KINDS = N_("kinds phải là đối tượng {loại nhắc việc: true hoặc false}.")
_EMAIL = N_("Địa chỉ e-mail phải là chuỗi ký tự.")
NOTICE_PREFERENCES = obj({
    "kinds": {"type": "object", "additionalProperties": either(boolean(), text(10)),
              "maxProperties": 50, "x-message": _KINDS, "x-summary": _KINDS},
    "email": {**text(254, nullable=True), "x-message": _EMAIL, "x-summary": _EMAIL}})
DATA_BLOC = obj({"code": text(40, nullable=True), "name": text(200, nullable=True),
                 "issuer": text(200, nullable=True), "abbreviation": text(40, nullable=True),
                 "description": text(2000, nullable=True)})
PLAN = obj({"bloc": obj({"code": text(40)}), "year": integer()},
           description="a plan document (docs/plans.md); checked in full by the service "
                       "(422 invalid_plan with each problem)")
PLAN_COPY = obj({"target_year": {**integer(nullable=True), "x-message": N_(
    "Phải là số nguyên, ví dụ 2022."), "x-summary": N_("Năm đích không hợp lệ.")},
    "target_bloc": text(40, nullable=True), "save": boolean(nullable=True)})
DECISION = obj({"number": text(100, nullable=True), "date": DAY,
                "issuer": text(200, nullable=True), "note": text(2000, nullable=True)},
               nullable=True)
NEW_UNIT = obj({"code": text(40, nullable=True), "name": text(200, nullable=True),
                "short_name": text(80, nullable=True)})
RENAME = obj({"name": text(200, nullable=True), "short_name": text(80, nullable=True),
              "effective_on": DAY, "decision": DECISION})
MERGE = obj({"sources": {**array(UNIT_CODE, 100), "x-message": N_(
    "Danh sách mã đơn vị được sáp nhập.")}, "into": either(UNIT_CODE, NEW_UNIT),
    "effective_on": DAY, "decision": DECISION, "carrier": text(40, nullable=True)},
    required=["sources", "into"])
SPLIT = obj({"successors": {**array(either(UNIT_CODE, NEW_UNIT), 100), "x-message": N_(
    "Danh sách các đơn vị kế tiếp.")}, "carrier": text(40, nullable=True),
    "effective_on": DAY, "decision": DECISION}, required=["successors"])
FLAG = obj({"unit": text(40, nullable=True), "year": integer(nullable=True),
            "kind": {**text(20, nullable=True),
                     "description": "discipline | inspection | complaint"},
            "reason": text(2000, nullable=True)})
WOMEN_SHARE = obj({"percent": either({"type": "number", "minimum": 0, "maximum": 100},
                                     text(10))}, required=["percent"])
# the council vote
OPEN_POLL = obj({"seal": enum("committee", "server", nullable=True),
                 **OVERRIDE["properties"]},
                description="seal: who holds the key (default committee); force and reason: "
                            "open although the checklist of GET …/checklists/vote has gaps "
                            "(audited); without them: 409 checklist_not_met if gaps")
CLOSE_POLL = obj({"shares": array(text(400), 20, nullable=True)},
                 description="two of the committee's key shares (committee seal)")
BALLOT = obj({"choices": array(text(40), 100, nullable=True)},
             description="choices: candidate unit codes (ranked polls: best first)")
ATTENDANCE_ROW = obj({"unit": UNIT_CODE,
                      "present": {"description": "true | false (hoặc 1 | 0): checked by the "
                                                 "service with the other rows' problems"},
                      "representative": text(200, nullable=True),
                      "title": text(200, nullable=True)})
ATTENDANCE = either(obj({"units": array(ATTENDANCE_ROW, 200, nullable=True)}),
                    array(ATTENDANCE_ROW, 200))
COUNCIL_MEETING = obj({"held_at": text(40, nullable=True), "place": text(500, nullable=True),
                       "chair": text(200, nullable=True), "secretary": text(200, nullable=True),
                       "committee": array(text(200), 20, nullable=True)})
COUNT = integer(0, 100_000, nullable=True)
PAPER_COUNT = obj({"issued": COUNT, "returned": COUNT, "valid": COUNT, "invalid": COUNT,
                   "blank": COUNT,
                   "votes": {"type": "object", "additionalProperties": integer(0, 100_000),
                             "maxProperties": 200},
                   "ballots": array(array(text(40), 100), 1000, nullable=True)},
                  description="approval / single: the hand count; ranked: issued, invalid "
                              "and the valid ballots one by one")

# -- path parameters ---------------------------------------------------------------------------
_CODE_PARAM = {"type": "string", "minLength": 1, "maxLength": 100, "pattern": CODE}
PATH_PARAMETERS: dict[str, dict[str, Any]] = {
    "bloc": {**_CODE_PARAM, "description": "mã khối, ví dụ khoi-8"},
    "unit": {**_CODE_PARAM, "description": "mã đơn vị, ví dụ so-tttt"},
    "code": {**_CODE_PARAM, "description": "mã đơn vị"},
    "poll": {**_CODE_PARAM, "description": "mã cuộc bỏ phiếu, ví dụ co-thi-dua"},
    "name": {**_CODE_PARAM, "description": "tên văn bản, ví dụ bao-cao-tong-ket"},
    "kind": {**_CODE_PARAM, "description": "mid_year hoặc year_end"},
    "deliverable": {**_CODE_PARAM, "description": "bước: registration, year_end_report…"},
    "step": {**_CODE_PARAM, "description": "bước: registration, verification, vote…"},
    "username": {**_CODE_PARAM, "maxLength": 60},
    "attachment_id": {**_CODE_PARAM, "maxLength": 40},
    "token": {"type": "string", "minLength": 1, "maxLength": 500,
              "pattern": r"^[A-Za-z0-9._-]+$"},
}
INTEGER_PARAMETER = {"type": "integer", "minimum": 0, "maximum": INT_MAX}
_PATH_CHECKS = {name: (re.compile(schema["pattern"]), schema["maxLength"])
                for name, schema in PATH_PARAMETERS.items()}


def check_path(values: dict[str, Any] | None) -> None:
    """404 for a path parameter that cannot name anything (before the handler runs)."""
    for name, value in (values or {}).items():
        check = _PATH_CHECKS.get(name)
        if check and isinstance(value, str) and (
                len(value) > check[1] or not check[0].match(value)):
            raise NotFound(_l("Không tìm thấy tài nguyên yêu cầu."))


# -- the edge ----------------------------------------------------------------------------------
def _json_schema(schema: Any) -> Any:
    """The OpenAPI 3.0 schema as JSON Schema (draft 4): ``nullable`` becomes a type list."""
    if isinstance(schema, list):
        return [_json_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _json_schema(v) for k, v in schema.items()
           if k not in ("nullable", "description", "example", "properties")}
    if isinstance(schema.get("properties"), dict):  # names, not keywords: keep them all
        out["properties"] = {k: _json_schema(v) for k, v in schema["properties"].items()}
    if schema.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        elif "anyOf" in out:
            out["anyOf"] = [*out["anyOf"], {"type": "null"}]
    return out


def _field(parts: Iterable[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _nodes(root: dict[str, Any], error: SchemaError) -> list[tuple[tuple[Any, ...], dict]]:
    """The schema nodes from the root to the failing one, each with its place in the body."""
    found: list[tuple[tuple[Any, ...], dict]] = [((), root)]
    node, where, instance = root, [], list(error.absolute_path)
    parts, index = list(error.absolute_schema_path), 0
    while index < len(parts) - 1:
        key = parts[index]
        if key == "properties":
            node = node["properties"][parts[index + 1]]
            where.append(parts[index + 1])
            index += 2
        elif key in ("items", "additionalProperties") and isinstance(node.get(key), dict):
            node = node[key]
            where.append(instance[len(where)] if len(where) < len(instance) else "?")
            index += 1
        elif key == "anyOf":
            node = node["anyOf"][parts[index + 1]]
            index += 2
        else:
            break
        found.append((tuple(where), node))
    return found


def _own_words(nodes: list[tuple[tuple[Any, ...], dict]]) -> tuple[str, Any, Any] | None:
    """The endpoint's own words (``x-message``, ``x-summary``) for a problem (all but a
    range): the nearest node on the way that has them, and the field it names."""
    for where, node in reversed(nodes):
        if node.get("x-message"):
            summary = next((n["x-summary"] for _place, n in reversed(nodes)
                            if n.get("x-summary")), None)
            return _field(where), _(node["x-message"]), _(summary) if summary else None
    return None


def _message(root: dict[str, Any], error: SchemaError) -> list[tuple[str, Any, Any]]:
    """(field, message, summary or None) for one schema error, in Vietnamese."""
    kind, schema = error.validator, error.schema
    nodes = _nodes(root, error)
    path = _field(error.absolute_path)
    if kind == "required":
        out = []
        for name in error.validator_value:
            if name in (error.instance or {}):
                continue
            child = (schema.get("properties") or {}).get(name, {})
            words = _own_words([*nodes, ((*nodes[-1][0], name), child)])
            out.append(words or (_join(path, name), _l("Vui lòng nhập trường này."), None))
        return out
    if kind == "additionalProperties":
        known = set(schema.get("properties") or {})
        extra = [k for k in error.instance if k not in known][:MAX_FIELDS]
        return [(_join(path, str(k)[:60]), _l("Trường không được hỗ trợ."), None)
                for k in extra]
    if kind not in ("minimum", "maximum"):
        words = _own_words(nodes)
        if words:
            return [words]
    field = path or "body"
    if kind == "type":
        return [(field, _l("Sai kiểu dữ liệu."), None)]
    if kind == "maxLength":
        return [(field, _l("Tối đa %(max)d ký tự.", max=error.validator_value), None)]
    if kind == "minLength":
        return [(field, _l("Vui lòng nhập trường này."), None)]
    if kind in ("maxItems", "maxProperties"):
        return [(field, _l("Tối đa %(max)d phần tử.", max=error.validator_value), None)]
    if kind == "minimum":
        return [(field, _l("Không được nhỏ hơn %(min)s.", min=error.validator_value), None)]
    if kind == "maximum":
        return [(field, _l("Không được lớn hơn %(max)s.", max=error.validator_value), None)]
    if kind == "enum":
        values = ", ".join(str(v) for v in error.validator_value if v not in (None, ""))
        return [(field, _l("Chọn một trong: %(values)s.", values=values), None)]
    if kind == "pattern":
        pattern = error.validator_value
        if pattern == CLEAN:
            return [(field, _l("Dữ liệu chứa ký tự điều khiển không hợp lệ."), None)]
        if pattern == SLUG:
            return [(field, _(SLUG_MESSAGE), None)]
        if pattern == USERNAME:
            return [(field, _(USERNAME_MESSAGE), None)]
        return [(field, _l("Sai định dạng."), None)]
    return [(field, _l("Giá trị không hợp lệ."), None)]


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def problems(schema: dict[str, Any], payload: Any) -> tuple[dict[str, list[Any]], Any]:
    """The payload's problems against ``schema``: field → messages (the first problem of
    each field, at most MAX_FIELDS fields, then ``"…"``), and the summary to show; no
    fields when it conforms."""
    validator = _validator(schema)
    fields: dict[str, list[Any]] = {}
    summary = None
    for error in validator.iter_errors(payload):
        for field, message, said in _message(validator.schema, error):
            if field in fields:
                continue
            if len(fields) >= MAX_FIELDS:
                fields["…"] = [_l("Còn lỗi ở các trường khác.")]
                return fields, summary
            fields[field] = [message]
            summary = summary or said
    return fields, summary


_VALIDATORS: dict[int, Draft4Validator] = {}


def _validator(schema: dict[str, Any]) -> Draft4Validator:
    found = _VALIDATORS.get(id(schema))
    if found is None:
        found = _VALIDATORS[id(schema)] = Draft4Validator(_json_schema(schema))
    return found


def body(schema: dict[str, Any], *, optional: bool = False, form: type | None = None,
         code: str | None = None, accept: tuple[type, ...] = (dict,)) -> Callable:
    """Declare the endpoint's JSON body and check it before the handler: 415 when it is not
    JSON, 400 when malformed or not an object (``accept``: other JSON types taken), 422
    ``validation_failed`` with ``fields`` when it does not match ``schema``. ``optional``:
    an empty body is taken (the handler reads ``{}``). ``form``: the page's form the handler
    validates with (core.forms.validate_json); on a refusal its words come first, so a field
    reads as on the page. ``code``: the endpoint's own ``error.code`` for a refusal (the
    ballot's ``ballot_rejected``) instead of ``validation_failed``."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            from core.api import json_body

            if not (optional and not request.get_data(cache=True)):
                payload = json_body(accept)
                found, summary = problems(schema, payload)
                if found:
                    raise _refusal(found, summary, form, payload, code)
            return view(*args, **kwargs)

        wrapper.request_schema = schema  # type: ignore[attr-defined]
        wrapper.request_optional = optional  # type: ignore[attr-defined]
        return wrapper

    return decorate


def _refusal(found: dict[str, list[Any]], summary: Any, form: type | None, payload: Any,
             code: str | None) -> ValidationFailed:
    if form is not None:
        from core.forms import validate_json

        try:
            validate_json(form, payload)
        except ValidationFailed as said:
            fields = {**said.fields, **{k: v for k, v in found.items() if k not in said.fields}}
            return ValidationFailed(said.message, fields=dict(list(fields.items())[:MAX_FIELDS]))
    return ValidationFailed(summary or _l("Dữ liệu không hợp lệ."), fields=found, code=code)


def query(**parameters: dict[str, Any]) -> Callable:
    """Declare the endpoint's query parameters (none is required) and check them before the
    handler: a value that does not match is 422 ``validation_failed`` naming the parameter
    (an integer out of 0 … 2³¹−1 would break PostgreSQL; a NUL would break its text)."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            fields: dict[str, list[Any]] = {}
            for name, schema in parameters.items():
                raw = request.args.get(name)
                if raw is None:
                    continue
                value: Any = raw
                if schema.get("type") == "integer":
                    value = int(raw) if re.fullmatch(r"[+-]?\d{1,30}", raw.strip()) else raw
                found, _summary = problems(schema, value)
                if found:
                    fields[name] = next(iter(found.values()))
            if fields:
                raise ValidationFailed(_l("Dữ liệu không hợp lệ."), fields=fields)
            return view(*args, **kwargs)

        wrapper.query_parameters = parameters  # type: ignore[attr-defined]
        return wrapper

    return decorate


def declared_query(view: Callable) -> dict[str, dict[str, Any]]:
    """The query parameters a view declared with :func:`query`."""
    while view is not None:
        found = getattr(view, "query_parameters", None)
        if found is not None:
            return found
        view = getattr(view, "__wrapped__", None)
    return {}


def declared(view: Callable) -> tuple[dict[str, Any] | None, bool]:
    """The body schema a view declared with :func:`body` (through its other decorators)."""
    while view is not None:
        schema = getattr(view, "request_schema", None)
        if schema is not None:
            return schema, bool(getattr(view, "request_optional", False))
        view = getattr(view, "__wrapped__", None)
    return None, False
