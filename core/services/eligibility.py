"""The 2026 rules about units, per year: flags that bar a unit from being proposed for an
award, and the unit's share of women as a tie-break of the ranking.

* **Flags** (``unit_year_flags``): kỷ luật, đang thanh tra / kiểm tra, khiếu nại / tố cáo
  chưa giải quyết, for one unit and one emulation year, set by the provincial board or an
  admin with a reason, cleared (never deleted) with a reason; every change audited. A unit
  with a live flag of a kind the bloc's rules bar is not proposed (:func:`barred`,
  :func:`filter_candidates`).
* **Share of women** (``unit_women_shares``): percent per unit and year. With the rule on,
  among units with equal verified totals those with at least the threshold rank first
  (:func:`women_tie_key`, used by ``scoring.ranking``).

Which rules apply to a campaign is the plugins' answer to ``thidua_award_rules`` (the
province-wide plugin's defaults, a bloc plugin may override): frozen in the campaign's
snapshot under ``award_rules`` (``campaigns.open_campaign`` stores them), asked of the plugins
otherwise. Legal basis and what was verified: docs/units.md."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.domain import valid_year
from core.errors import Conflict, NotFound, ValidationFailed
from core.extensions import db
from core.models import (
    UNIT_FLAG_KINDS,
    Campaign,
    Membership,
    Unit,
    UnitWomenShare,
    UnitYearFlag,
    User,
)
from core.plugin_api import AwardRules, PollContext, PollSpec
from core.services import audit, clock, office, permissions
from core.validators import normalise, text_problem

FLAG_LABELS: dict[str, Any] = {
    "discipline": _l("Kỷ luật (đang xem xét hoặc đang chịu kỷ luật)"),
    "inspection": _l("Đang bị thanh tra, kiểm tra"),
    "complaint": _l("Có khiếu nại, tố cáo chưa được giải quyết"),
}
NO_RULES = AwardRules()


# -- the rules of a campaign ----------------------------------------------------------------

def rules_for(bloc_code: str, year: int) -> AwardRules:
    """What the plugins answer for a bloc's year (no rules when none answers)."""
    if not has_app_context() or "thidua" not in current_app.extensions:
        return NO_RULES
    answer, _plugin = current_app.extensions["thidua"].first_answer(
        "thidua_award_rules", bloc=bloc_code, year=year)
    return answer if isinstance(answer, AwardRules) else NO_RULES


def rules(campaign: Campaign) -> AwardRules:
    """The campaign's rules: frozen in its snapshot when there, else the plugins' answer."""
    frozen = (campaign.snapshot or {}).get("award_rules")
    if isinstance(frozen, dict):
        return AwardRules.from_dict(frozen)
    return rules_for(campaign.bloc.code, campaign.year)


def snapshot_rules(bloc_code: str, year: int) -> dict[str, Any]:
    """The rules as a campaign's snapshot keeps them (``snapshot["award_rules"]``)."""
    return rules_for(bloc_code, year).to_dict()


# -- flags --------------------------------------------------------------------------------

def can_manage(actor: User | None) -> bool:
    """Flags and shares of women: the provincial board and admins."""
    return permissions.is_admin(actor) or permissions.is_board(actor)


def _require(actor: User | None) -> None:
    permissions.require(can_manage(actor), _l("Chỉ %(office)s hoặc quản trị viên được ghi "
                                              "các thông tin này.", office=office.office()))


def _year(value: Any, errors: dict[str, list[str]]) -> int | None:
    try:
        year = int(value)
    except (TypeError, ValueError):
        errors.setdefault("year", []).append("Năm phải là số.")
        return None
    if not valid_year(year):
        errors.setdefault("year", []).append("Năm phải từ 2000 đến 2100.")
        return None
    return year


def _unit(code: Any, errors: dict[str, list[str]]) -> Unit | None:
    code = normalise(code if isinstance(code, str) else "")
    unit = db.session.scalar(select(Unit).where(Unit.code == code)) if code else None
    if unit is None:
        errors.setdefault("unit", []).append(
            f"Không có đơn vị mã '{code[:40]}'." if code else "Bắt buộc chọn đơn vị.")
    return unit


def set_flag(unit_code: str, year: Any, kind: str, reason: str, *, actor: User) -> UnitYearFlag:
    """Flag a unit for a year (who, when and why are kept)."""
    _require(actor)
    errors: dict[str, list[str]] = {}
    unit = _unit(unit_code, errors)
    year = _year(year, errors)
    if kind not in UNIT_FLAG_KINDS:
        errors.setdefault("kind", []).append(
            "Chọn loại: kỷ luật (discipline), thanh tra (inspection), khiếu nại (complaint).")
    reason = normalise(reason)
    problem = text_problem(reason, required=True, max_length=2000)
    if problem:
        errors.setdefault("reason", []).append(f"Lý do: {problem[0].lower()}{problem[1:]}")
    if errors:
        raise ValidationFailed("Không ghi được dấu hạn chế khen thưởng.", fields=errors)
    audit.lock()
    if db.session.scalar(select(UnitYearFlag.id).where(
            UnitYearFlag.unit_id == unit.id, UnitYearFlag.year == year,
            UnitYearFlag.kind == kind, UnitYearFlag.cleared_at.is_(None))):
        raise Conflict(f"{unit.name} đã có dấu “{FLAG_LABELS[kind]}” năm {year}.",
                       code="flag_exists", fields={"kind": ["Đã có dấu này."]})
    flag = UnitYearFlag(unit_id=unit.id, year=year, kind=kind, reason=reason,
                        set_at=clock.now(), set_by=actor.id)
    db.session.add(flag)
    db.session.flush()
    audit.record("unit.flag", "unit", unit.code, actor=actor,
                 details={"year": year, "kind": kind, "reason": reason, "flag": flag.id})
    return flag


def clear_flag(flag_id: Any, reason: str, *, actor: User) -> UnitYearFlag:
    """Clear a flag (the matter was settled): kept, with who cleared it and why."""
    _require(actor)
    try:
        flag = db.session.get(UnitYearFlag, int(flag_id))
    except (TypeError, ValueError):
        flag = None
    if flag is None:
        raise NotFound("Không có dấu hạn chế này.")
    if flag.cleared_at is not None:
        raise Conflict("Dấu này đã được gỡ.", code="flag_cleared")
    reason = normalise(reason)
    problem = text_problem(reason, required=True, max_length=2000)
    if problem:
        raise ValidationFailed("Cần nêu lý do gỡ dấu.",
                               fields={"reason": [f"Lý do: {problem[0].lower()}{problem[1:]}"]})
    flag.cleared_at, flag.cleared_by, flag.clear_reason = clock.now(), actor.id, reason
    audit.record("unit.flag_clear", "unit", flag.unit.code, actor=actor,
                 details={"year": flag.year, "kind": flag.kind, "reason": reason,
                          "flag": flag.id})
    return flag


def flags(year: int | None = None, *, live_only: bool = False) -> list[UnitYearFlag]:
    query = select(UnitYearFlag).join(Unit)
    if year is not None:
        query = query.where(UnitYearFlag.year == year)
    if live_only:
        query = query.where(UnitYearFlag.cleared_at.is_(None))
    return list(db.session.scalars(query.order_by(UnitYearFlag.year.desc(), Unit.name,
                                                  UnitYearFlag.kind, UnitYearFlag.id)))


def live_flags(unit_ids: Iterable[int], year: int) -> dict[int, list[UnitYearFlag]]:
    ids = list(set(unit_ids))
    found: dict[int, list[UnitYearFlag]] = {i: [] for i in ids}
    if ids:
        for flag in db.session.scalars(select(UnitYearFlag).where(
                UnitYearFlag.unit_id.in_(ids), UnitYearFlag.year == year,
                UnitYearFlag.cleared_at.is_(None)).order_by(UnitYearFlag.id)):
            found[flag.unit_id].append(flag)
    return found


def _members(campaign: Campaign) -> list[Unit]:
    return list(db.session.scalars(select(Unit).join(Membership).where(
        Membership.campaign_id == campaign.id).order_by(Unit.name)))


def barred(campaign: Campaign) -> dict[str, list[str]]:
    """{unit code: the barring kinds} of the member units that may not be proposed this
    year under the campaign's rules (empty when the rules bar nothing)."""
    kinds = set(rules(campaign).barring_flags)
    if not kinds:
        return {}
    units = _members(campaign)
    live = live_flags([u.id for u in units], campaign.year)
    out = {}
    for unit in units:
        hit = sorted({f.kind for f in live[unit.id] if f.kind in kinds})
        if hit:
            out[unit.code] = hit
    return out


def filter_candidates(campaign: Campaign, specs: list[PollSpec], *, procedure: Any = None,
                      ctx: PollContext | None = None) -> list[PollSpec]:
    """The polls with the barred units taken out of every award poll's candidates (polls
    that elect next year's leader or deputy keep theirs). Given the ``procedure`` and the
    ``ctx`` the specs came from, the award polls are rebuilt for the units that may be
    proposed, so a ``top:1`` Cờ thi đua poll offers the leading unit **not barred**. For the
    code that builds a campaign's polls from ``procedure.polls(ctx)``."""
    out = barred(campaign)
    if not out:
        return list(specs)
    rebuilt: dict[str, PollSpec] = {}
    if procedure is not None and ctx is not None:
        eligible = PollContext(
            members=tuple(m for m in ctx.members if m not in out),
            ranking=tuple(u for u in ctx.ranking if u not in out),
            scores={u: v for u, v in ctx.scores.items() if u not in out}, present=ctx.present)
        rebuilt = {s.code: s for s in procedure.polls(eligible) if not s.elects}
    kept = []
    for spec in specs:
        if spec.elects:
            kept.append(spec)
        elif spec.code in rebuilt:
            kept.append(rebuilt[spec.code])
        else:
            candidates = tuple(c for c in spec.candidates if c not in out)
            kept.append(PollSpec(
                code=spec.code, title=spec.title, method=spec.method, seats=spec.seats,
                min_choices=min(spec.min_choices, len(candidates)),
                max_choices=min(spec.max_choices, len(candidates)), candidates=candidates,
                elects=spec.elects))
    return kept


# -- share of women -----------------------------------------------------------------------

def set_women_share(unit_code: str, year: Any, percent: Any, *, actor: User) -> UnitWomenShare:
    """Record a unit's share of women (percent, 0–100, two decimals) for a year."""
    _require(actor)
    errors: dict[str, list[str]] = {}
    unit = _unit(unit_code, errors)
    year = _year(year, errors)
    value = None
    try:
        value = Decimal(str(percent).strip().replace(",", ".").removesuffix("%"))
        if not value.is_finite() or not 0 <= value <= 100 or value != value.quantize(
                Decimal("0.01")):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors.setdefault("percent", []).append(
            "Tỷ lệ nữ phải là số từ 0 đến 100 (tối đa hai chữ số thập phân).")
    if errors:
        raise ValidationFailed("Không ghi được tỷ lệ nữ.", fields=errors)
    row = db.session.scalar(select(UnitWomenShare).where(UnitWomenShare.unit_id == unit.id,
                                                         UnitWomenShare.year == year))
    old = row.percent if row else None
    if row is None:
        row = UnitWomenShare(unit_id=unit.id, year=year, percent=value, set_at=clock.now(),
                             set_by=actor.id)
        db.session.add(row)
    else:
        row.percent, row.set_at, row.set_by = value, clock.now(), actor.id
    db.session.flush()
    audit.record("unit.women_share", "unit", unit.code, actor=actor,
                 details={"year": year, "percent": str(value),
                          "was": str(old) if old is not None else None})
    return row


def women_shares(unit_ids: Iterable[int], year: int) -> dict[int, Decimal]:
    ids = list(set(unit_ids))
    if not ids:
        return {}
    return dict(db.session.execute(select(UnitWomenShare.unit_id, UnitWomenShare.percent).where(
        UnitWomenShare.unit_id.in_(ids), UnitWomenShare.year == year)).all())


def women_tie_key(campaign: Campaign, table: list[dict[str, Any]]
                  ) -> Callable[[dict[str, Any]], int] | None:
    """With the women-share rule on and a tie in ``table`` (ranking rows with ``unit`` and
    ``verified_total``): a sort key, 0 for a unit with at least the threshold, 1 otherwise;
    each row gets ``women_share``. None when the rule is off or nobody is tied (no query)."""
    totals = [r["verified_total"] for r in table]
    if len(set(totals)) == len(totals):
        return None
    rule = rules(campaign)
    if not rule.women_tiebreak:
        return None
    threshold = Decimal(str(rule.women_threshold))
    shares = women_shares([r["unit"].id for r in table], campaign.year)
    for row in table:
        row["women_share"] = shares.get(row["unit"].id)

    def key(row: dict[str, Any]) -> int:
        share = row.get("women_share")
        return 0 if share is not None and share >= threshold else 1

    return key


def tie_rule(campaign: Campaign) -> str | None:
    """The tie-break sentence to add under the ranking, when the rule is on."""
    rule = rules(campaign)
    if not rule.women_tiebreak:
        return None
    return (f"Các đơn vị bằng điểm: đơn vị có tỷ lệ nữ từ {rule.women_threshold}% trở lên "
            "được xếp trước.")


def overview(campaign: Campaign) -> dict[str, Any]:
    """Every member unit with its live flags, whether it is barred, and its share of women
    for the campaign's year (the flags page of a campaign; the API)."""
    rule = rules(campaign)
    units = _members(campaign)
    live = live_flags([u.id for u in units], campaign.year)
    shares = women_shares([u.id for u in units], campaign.year)
    threshold = Decimal(str(rule.women_threshold))
    bars = set(rule.barring_flags)
    return {
        "bloc": campaign.bloc.code, "year": campaign.year, "rules": rule.to_dict(),
        "units": [{
            "unit": u.code, "name": u.name,
            "flags": [{"id": f.id, "kind": f.kind, "reason": f.reason,
                       "set_at": clock.local(f.set_at).isoformat()} for f in live[u.id]],
            "barred": any(f.kind in bars for f in live[u.id]),
            "women_share": float(shares[u.id]) if u.id in shares else None,
            "women_preferred": bool(rule.women_tiebreak and u.id in shares
                                    and shares[u.id] >= threshold),
        } for u in units],
    }


def describe_flag(flag: UnitYearFlag) -> dict[str, Any]:
    return {"id": flag.id, "unit": flag.unit.code, "name": flag.unit.name, "year": flag.year,
            "kind": flag.kind, "label": str(FLAG_LABELS[flag.kind]), "reason": flag.reason,
            "set_at": clock.local(flag.set_at).isoformat(),
            "set_by": _username(flag.set_by),
            "cleared_at": clock.local(flag.cleared_at).isoformat() if flag.cleared_at else None,
            "cleared_by": _username(flag.cleared_by), "clear_reason": flag.clear_reason}


def _username(user_id: int | None) -> str | None:
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    return user.username if user else None

