"""Units through time and the 2026 rules (docs/units.md): renames, merges and splits with
their decision; a unit's lineage and its name on a date; per-unit, per-year flags that bar a
proposal; shares of women; a campaign's eligibility. Thin callers of
``core.services.unit_changes`` and ``core.services.eligibility``."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from core.api import api_bp, current_api_user, json_body, schemas, token_required
from core.api.schemas import body, query
from core.errors import ValidationFailed
from core.services import accounts, campaigns, clock, eligibility, permissions, unit_changes
from core.services.unit_changes import Decision, NewUnit


def _decision(body: dict[str, Any]) -> Decision:
    decision = body.get("decision")
    if not isinstance(decision, dict):
        decision = {}
    return Decision(number=str(decision.get("number") or ""), date=decision.get("date"),
                    issuer=str(decision.get("issuer") or ""), note=str(decision.get("note") or ""))


def _unit_spec(value: Any, field: str) -> str | NewUnit:
    """A unit code, or ``{"code", "name", "short_name"}`` for a unit the change creates."""
    if isinstance(value, dict):
        return NewUnit(str(value.get("code") or ""), str(value.get("name") or ""),
                       str(value.get("short_name") or ""))
    if isinstance(value, str):
        return value
    raise ValidationFailed("Dữ liệu không hợp lệ.",
                           fields={field: ["Mã đơn vị, hoặc {code, name, short_name}."]})


def _event_body(event) -> dict[str, Any]:
    return unit_changes.describe_event(event)


@api_bp.post("/units/<code>/rename")
@token_required
@body(schemas.RENAME)
def rename_unit(code: str):
    """Rename a unit from an effective date, with the decision (admin); id and code stay."""
    body = json_body()
    event = unit_changes.rename(code, name=str(body.get("name") or ""),
                                short_name=str(body.get("short_name") or ""),
                                effective_on=body.get("effective_on"), decision=_decision(body),
                                actor=current_api_user())
    return jsonify(_event_body(event)), 201


@api_bp.post("/units/merge")
@token_required
@body(schemas.MERGE)
def merge_units():
    """Merge units into an existing or a new unit, with effective date and decision (admin)."""
    body = json_body()
    sources = body.get("sources")
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        raise ValidationFailed("Dữ liệu không hợp lệ.",
                               fields={"sources": ["Danh sách mã đơn vị được sáp nhập."]})
    event = unit_changes.merge(sources, _unit_spec(body.get("into"), "into"),
                               effective_on=body.get("effective_on"), decision=_decision(body),
                               carrier=body.get("carrier") if isinstance(body.get("carrier"),
                                                                          str) else None,
                               actor=current_api_user())
    return jsonify(_event_body(event)), 201


@api_bp.post("/units/<code>/split")
@token_required
@body(schemas.SPLIT)
def split_unit(code: str):
    """Split a unit into several; ``carrier`` names the successor that carries its history."""
    body = json_body()
    successors = body.get("successors")
    if not isinstance(successors, list):
        raise ValidationFailed("Dữ liệu không hợp lệ.",
                               fields={"successors": ["Danh sách các đơn vị kế tiếp."]})
    specs = [_unit_spec(s, f"successors[{i}]") for i, s in enumerate(successors)]
    carrier = body.get("carrier") if isinstance(body.get("carrier"), str) else None
    event = unit_changes.split(code, specs, carrier=carrier,
                               effective_on=body.get("effective_on"), decision=_decision(body),
                               actor=current_api_user())
    return jsonify(_event_body(event)), 201


@api_bp.get("/units/<code>/lineage")
@token_required
def unit_lineage(code: str):
    """A unit's dated names, its changes, whose history it carries, its successor."""
    return jsonify(unit_changes.lineage(code))


@api_bp.get("/units/<code>/name")
@token_required
@query(on=schemas.text(20, description="YYYY-MM-DD (mặc định: hôm nay)"))
def unit_name_on(code: str):
    """The name a unit had on a day (``?on=YYYY-MM-DD``, default today)."""
    unit = accounts.get_unit(code)
    errors: dict[str, list[str]] = {}
    raw = request.args.get("on")
    day = unit_changes.parse_day(raw, "on", errors) if raw else None
    if errors:
        raise ValidationFailed("Ngày không hợp lệ.", fields=errors)
    day = day or clock.today()
    name, short = unit_changes.names_on([unit], day)[unit.id]
    return jsonify({"unit": unit.code, "on": day.isoformat(), "name": name, "short_name": short})


@api_bp.get("/unit-changes")
@token_required
def list_unit_changes():
    """Every recorded rename, merge and split, newest first."""
    return jsonify([unit_changes.describe_event(e) for e in unit_changes.list_events()])


# -- the 2026 rules ----------------------------------------------------------------------------

@api_bp.get("/unit-flags")
@token_required
@query(year=schemas.integer(description="một năm"))
def list_flags():
    """Flags (kỷ luật, thanh tra, khiếu nại) of every unit, ``?year=`` for one year (board, admin)."""
    permissions.require(eligibility.can_manage(current_api_user()))
    year = request.args.get("year", type=int)
    return jsonify([eligibility.describe_flag(f) for f in eligibility.flags(year)])


@api_bp.post("/unit-flags")
@token_required
@body(schemas.FLAG)
def create_flag():
    """Flag a unit for a year with a reason (board, admin): it is not proposed that year."""
    body = json_body()
    flag = eligibility.set_flag(str(body.get("unit") or ""), body.get("year"),
                                str(body.get("kind") or ""), str(body.get("reason") or ""),
                                actor=current_api_user())
    return jsonify(eligibility.describe_flag(flag)), 201


@api_bp.post("/unit-flags/<int:flag_id>/clear")
@token_required
@body(schemas.REASON)
def clear_flag(flag_id: int):
    """Clear a flag, with a reason (board, admin); it is kept in the record."""
    body = json_body()
    flag = eligibility.clear_flag(flag_id, str(body.get("reason") or ""),
                                  actor=current_api_user())
    return jsonify(eligibility.describe_flag(flag))


@api_bp.put("/units/<code>/women-share/<int:year>")
@token_required
@body(schemas.WOMEN_SHARE)
def put_women_share(code: str, year: int):
    """A unit's share of women (percent) in a year (board, admin)."""
    body = json_body()
    row = eligibility.set_women_share(code, year, body.get("percent"), actor=current_api_user())
    return jsonify({"unit": code, "year": year, "percent": float(row.percent)})


@api_bp.get("/campaigns/<bloc>/<int:year>/eligibility")
@token_required
def campaign_eligibility(bloc: str, year: int):
    """The campaign's rules, and each member unit's flags, bar and share of women."""
    campaign = campaigns.get_campaign(bloc, year)
    permissions.require(permissions.can_read_work(current_api_user(), campaign))
    return jsonify(eligibility.overview(campaign))

