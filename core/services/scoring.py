"""Self-scores, verification and ranking.

Bounds: an item scores 0…max; a bonus line 0…cap; a deduction line −cap…0. A bonus or
deduction group's total is capped at the group's maximum. A verified score defaults to the
self score (accepted as is); where the leadership enters a different one, a reason is required.
Lines with ``scorer="board"`` are scored by the provincial board only (e.g. −8 for a unit that
never registered). Ranking: by verified total, highest first; equal totals share a rank.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.domain import Action, Deliverable
from core.errors import Conflict, ValidationFailed
from core.extensions import db
from core.models import Campaign, CriterionRow, Membership, Report, Score, ScoreSheet, Unit, User
from core.services import (
    audit,
    campaign_state,
    clock,
    deadlines,
    eligibility,
    office,
    permissions,
)
from core.services.cycle import (
    check_version,
    criteria_rows,
    member_unit,
    number_field,
    raise_if,
    text_field,
)

ZERO = Decimal(0)
TIE_RULE = ("Xếp hạng theo tổng điểm thẩm định, từ cao xuống thấp; các đơn vị bằng điểm "
            "được xếp cùng hạng (ví dụ 1, 1, 3) và liệt kê theo tên.")


def tie_rule(campaign: Campaign) -> str:
    """How the campaign ranks, in a sentence: :data:`TIE_RULE`, or with the bloc's
    women-share tie-break when its rules have one (core/services/eligibility.py)."""
    extra = eligibility.tie_rule(campaign)
    if not extra:
        return TIE_RULE
    return ("Xếp hạng theo tổng điểm thẩm định, từ cao xuống thấp. " + extra +
            " Các đơn vị còn bằng điểm được xếp cùng hạng và liệt kê theo tên.")


def shown(value: Decimal) -> str:
    """A score as people write it: 5, −5, 2,5 (no trailing zeros from the database)."""
    text = format(value.normalize(), "f")
    return text.replace(".", ",")


def bounds(row: CriterionRow) -> tuple[Decimal, Decimal]:
    cap = Decimal(row.max_points)
    return (-cap, ZERO) if row.kind == "deduction" else (ZERO, cap)


def sheet_of(campaign: Campaign, unit: Unit) -> ScoreSheet | None:
    return db.session.scalar(
        select(ScoreSheet).where(ScoreSheet.campaign_id == campaign.id,
                                 ScoreSheet.unit_id == unit.id)
        .options(selectinload(ScoreSheet.scores).selectinload(Score.criterion)))


def _sheet_for_update(campaign: Campaign, unit: Unit, version: Any) -> ScoreSheet:
    sheet = sheet_of(campaign, unit)
    if sheet is None:
        sheet = ScoreSheet(campaign_id=campaign.id, unit_id=unit.id, version=1,
                           updated_at=clock.now())
        db.session.add(sheet)
    else:
        check_version(sheet.version, version)
        sheet.version += 1
        sheet.updated_at = clock.now()
    return sheet


def _year_end_submitted(campaign: Campaign, unit: Unit) -> bool:
    return bool(db.session.scalar(select(Report.id).where(
        Report.campaign_id == campaign.id, Report.unit_id == unit.id,
        Report.kind == "year_end", Report.status == "submitted")))


def _items(items: Any) -> list[Any]:
    if not isinstance(items, list):
        raise ValidationFailed(_l("Danh sách điểm không hợp lệ."),
                               fields={"items": [_l("Phải là một danh sách.")]})
    return items


def save_self_scores(campaign: Campaign, unit_code: str, items: Any, *, actor: User,
                     version: Any = None) -> ScoreSheet:
    """The unit's own scores (with evidence wherever above zero), before its year-end
    report is submitted, within the year-end phase."""
    unit = member_unit(campaign, unit_code)
    permissions.require(permissions.can_write_for_unit(actor, campaign, unit.id),
                        _l("Chỉ cán bộ của đơn vị được tự chấm điểm cho đơn vị mình."))
    if _year_end_submitted(campaign, unit):
        raise Conflict(_l("Báo cáo tổng kết đã gửi; bảng tự chấm điểm không sửa được nữa."),
                       code="already_submitted")
    deadlines.check_window(campaign, Deliverable.YEAR_END_REPORT, unit.id)
    rows = {r.code: r for r in criteria_rows(campaign) if not r.is_group}
    errors: dict[str, list[str]] = {}
    parsed: dict[str, tuple[Decimal | None, str]] = {}
    for index, item in enumerate(_items(items)):
        key = f"items[{index}]"
        code = item.get("criterion") if isinstance(item, dict) else None
        row = rows.get(code) if isinstance(code, str) else None
        if row is None:
            errors.setdefault(key, []).append(
                _l("Không có tiêu chí mã '%(code)s'.", code=str(code)[:40]))
            continue
        if row.scorer != "unit":
            errors.setdefault(key, []).append(
                _l("Tiêu chí %(code)s do %(office)s chấm, đơn vị không tự chấm.",
                   code=code, office=office.office()))
            continue
        if code in parsed:
            errors.setdefault(key, []).append(_l("Tiêu chí %(code)s được nhập hai lần.", code=code))
            continue
        score = number_field(item.get("self_score"), f"{key}.self_score", errors,
                             criterion=code)
        evidence = text_field(item.get("evidence"), f"{key}.evidence", errors,
                              label=_l("Tiêu chí %(code)s, minh chứng", code=code))
        if score is not None:
            low, high = bounds(row)
            if not low <= score <= high:
                errors.setdefault(f"{key}.self_score", []).append(
                    _l("Tiêu chí %(code)s: điểm phải từ %(low)s đến %(high)s.", code=code,
                       low=shown(low), high=shown(high)))
            elif score > 0 and not evidence:
                errors.setdefault(f"{key}.evidence", []).append(
                    _l("Tiêu chí %(code)s: cần ghi minh chứng cho điểm lớn hơn 0.", code=code))
        parsed[code] = (score, evidence)
    raise_if(errors)
    sheet = _sheet_for_update(campaign, unit, version)
    existing = {s.criterion.code: s for s in sheet.scores}
    for code, (score, evidence) in parsed.items():
        row = existing.get(code)
        if row is None:
            sheet.scores.append(Score(criterion=rows[code], self_score=score, evidence=evidence))
        else:
            row.self_score, row.evidence = score, evidence
    audit.record("score.self", "score_sheet",
                 f"{campaign.bloc.code}/{campaign.year}/{unit.code}", actor=actor,
                 details={code: str(s) if s is not None else None
                          for code, (s, _e) in parsed.items()})
    return sheet


def require_complete_self_scores(campaign: Campaign, unit: Unit) -> None:
    """Every unit-scored item must have a self score before the year-end report is sent."""
    sheet = sheet_of(campaign, unit)
    scored = {s.criterion.code for s in sheet.scores if s.self_score is not None} if sheet else set()
    missing = [r.code for r in criteria_rows(campaign)
               if not r.is_group and r.kind == "item" and r.scorer == "unit"
               and r.code not in scored]
    if missing:
        raise ValidationFailed(_l("Chưa tự chấm điểm đủ các tiêu chí."), code="incomplete",
                               fields={"scores": [_l("Thiếu điểm các tiêu chí: %(codes)s.",
                                                     codes=", ".join(missing))]})


def verify(campaign: Campaign, unit_code: str, items: Any, *, actor: User,
           version: Any = None) -> ScoreSheet:
    """Verified scores: the verification's host (and who assists it) for the unit's lines,
    the board for its own lines (the policy table)."""
    unit = member_unit(campaign, unit_code)
    leadership = campaign_state.allowed(Action.VERIFY_SCORES, actor, campaign)
    board = campaign_state.allowed(Action.SCORE_BOARD_LINES, actor, campaign)
    if not board:
        campaign_state.require(Action.VERIFY_SCORES, actor, campaign)
    deadlines.check_window(campaign, Deliverable.VERIFICATION, None)
    rows = {r.code: r for r in criteria_rows(campaign) if not r.is_group}
    sheet = sheet_of(campaign, unit)
    current = {s.criterion.code: s for s in sheet.scores} if sheet else {}
    errors: dict[str, list[str]] = {}
    parsed: dict[str, tuple[Decimal | None, str]] = {}
    for index, item in enumerate(_items(items)):
        key = f"items[{index}]"
        code = item.get("criterion") if isinstance(item, dict) else None
        row = rows.get(code) if isinstance(code, str) else None
        if row is None:
            errors.setdefault(key, []).append(
                _l("Không có tiêu chí mã '%(code)s'.", code=str(code)[:40]))
            continue
        if row.scorer == "board":
            permissions.require(board, _l("Tiêu chí %(code)s do %(office)s chấm.",
                                          code=code, office=office.office()))
        elif not leadership:
            campaign_state.require(Action.VERIFY_SCORES, actor, campaign)
        if code in parsed:
            errors.setdefault(key, []).append(_l("Tiêu chí %(code)s được nhập hai lần.", code=code))
            continue
        score = number_field(item.get("verified_score"), f"{key}.verified_score", errors,
                             criterion=code)
        reason = text_field(item.get("reason"), f"{key}.reason", errors,
                            label=_l("Tiêu chí %(code)s, lý do", code=code))
        if score is not None:
            low, high = bounds(row)
            if not low <= score <= high:
                errors.setdefault(f"{key}.verified_score", []).append(
                    _l("Tiêu chí %(code)s: điểm phải từ %(low)s đến %(high)s.", code=code,
                       low=shown(low), high=shown(high)))
            self_score = current[code].self_score if code in current else None
            baseline = self_score if row.scorer == "unit" else ZERO
            if (baseline is None or score != baseline) and not reason:
                errors.setdefault(f"{key}.reason", []).append(
                    _l("Tiêu chí %(code)s: điểm thẩm định khác điểm tự chấm, cần nêu lý do.",
                       code=code))
        parsed[code] = (score, reason)
    raise_if(errors)
    sheet = _sheet_for_update(campaign, unit, version)
    current = {s.criterion.code: s for s in sheet.scores}
    for code, (score, reason) in parsed.items():
        row = current.get(code)
        if row is None:
            sheet.scores.append(Score(criterion=rows[code], verified_score=score, reason=reason,
                                      verified_by=actor.id))
        else:
            row.verified_score, row.reason, row.verified_by = score, reason, actor.id
    audit.record("score.verify", "score_sheet",
                 f"{campaign.bloc.code}/{campaign.year}/{unit.code}", actor=actor,
                 details={code: {"score": str(s) if s is not None else None, "reason": r}
                          for code, (s, r) in parsed.items()})
    return sheet


# -- totals and ranking ------------------------------------------------------------------

@dataclass
class SheetTotals:
    unit: Unit
    self_total: Decimal = ZERO
    verified_total: Decimal = ZERO
    lines: dict[str, Score] = field(default_factory=dict)


def _capped(value: Decimal, kind: str, cap: Decimal) -> Decimal:
    if kind == "bonus":
        return min(value, cap)
    if kind == "deduction":
        return max(value, -cap)
    return value


Layout = tuple[list[tuple[str, bool, int | None]], dict[int | None, tuple[str, Decimal]]]


def layout(rows: list[CriterionRow]) -> Layout:
    """The table's shape for totalling, worked out once per table (not once per sheet):
    each scored line (code, scored by the board, the bonus/deduction group it counts in or
    None) and each such group's kind and cap."""
    by_id = {r.id: r for r in rows}
    lines: list[tuple[str, bool, int | None]] = []
    caps: dict[int | None, tuple[str, Decimal]] = {None: ("item", ZERO)}
    for row in rows:
        if row.is_group:
            continue
        top = row
        while top.parent_id is not None:
            top = by_id[top.parent_id]
        key = top.id if top.kind != "item" else None
        if key is not None and key not in caps:
            caps[key] = (top.kind, Decimal(top.max_points))
        lines.append((row.code, row.scorer == "board", key))
    return lines, caps


def totals(rows: list[CriterionRow], scores: dict[str, Any],
           shape: Layout | None = None) -> tuple[Decimal, Decimal]:
    """Self and verified totals of one sheet, with bonus and deduction groups capped.
    ``scores``: criterion code → a line with ``self_score`` and ``verified_score``;
    ``shape``: :func:`layout` of ``rows`` when totalling many sheets of one table."""
    lines, caps = shape or layout(rows)
    self_sum: dict[int | None, Decimal] = {}
    verified_sum: dict[int | None, Decimal] = {}
    for code, by_board, key in lines:
        line = scores.get(code)
        self_value = line.self_score if line and line.self_score is not None else ZERO
        if by_board:
            self_value = ZERO
            verified = line.verified_score if line and line.verified_score is not None else ZERO
        else:
            verified = (line.verified_score if line and line.verified_score is not None
                        else self_value)
        self_sum[key] = self_sum.get(key, ZERO) + self_value
        verified_sum[key] = verified_sum.get(key, ZERO) + verified
    self_total = verified_total = ZERO
    for key, value in self_sum.items():
        kind, cap = caps[key]
        self_total += _capped(value, kind, cap)
        verified_total += _capped(verified_sum[key], kind, cap)
    return self_total, verified_total


def score_lines(campaign_ids: list[int], rows: list[CriterionRow]
                ) -> dict[tuple[int, int], dict[str, Any]]:
    """Every score line of these campaigns as plain rows (criterion code → a row with
    ``self_score`` and ``verified_score``), keyed by (campaign id, unit id): one narrow query,
    no ORM objects (a ranking of 40 units had built 880 of them)."""
    codes = {r.id: r.code for r in rows}
    found: dict[tuple[int, int], dict[str, Any]] = {}
    for line in db.session.execute(
            select(ScoreSheet.campaign_id, ScoreSheet.unit_id, Score.criterion_id,
                   Score.self_score, Score.verified_score)
            .join(Score, Score.sheet_id == ScoreSheet.id)
            .where(ScoreSheet.campaign_id.in_(campaign_ids))):
        code = codes.get(line.criterion_id)
        if code is not None:
            found.setdefault((line.campaign_id, line.unit_id), {})[code] = line
    return found


def ranking(campaign: Campaign) -> list[dict[str, Any]]:
    """Every member unit with its totals, ranked by verified total (constant query count)."""
    rows = criteria_rows(campaign)
    units = list(db.session.scalars(
        select(Unit).join(Membership, Membership.unit_id == Unit.id)
        .where(Membership.campaign_id == campaign.id)))
    lines = score_lines([campaign.id], rows)
    shape = layout(rows)
    table = []
    for unit in units:
        self_total, verified_total = totals(rows, lines.get((campaign.id, unit.id), {}), shape)
        table.append({"unit": unit, "self_total": self_total, "verified_total": verified_total})
    table.sort(key=lambda r: (-r["verified_total"], r["unit"].name))
    # The optional tie-break of the bloc's rules (share of women): ties split by it.
    tie_key = eligibility.women_tie_key(campaign, table)
    if tie_key is not None:
        table.sort(key=lambda r: (-r["verified_total"], tie_key(r), r["unit"].name))
    previous, rank = None, 0
    for position, row in enumerate(table, start=1):
        key = (row["verified_total"], tie_key(row) if tie_key is not None else 0)
        if key != previous:
            rank, previous = position, key
        row["rank"] = rank
    return table


def describe(campaign: Campaign, unit: Unit, sheet: ScoreSheet | None) -> dict[str, Any]:
    rows = criteria_rows(campaign)
    lines = {s.criterion.code: s for s in sheet.scores} if sheet else {}
    self_total, verified_total = totals(rows, lines)

    def number(value):
        return float(value) if value is not None else None

    return {
        "unit": unit.code,
        "version": sheet.version if sheet else 0,
        "items": [{
            "criterion": r.code, "kind": r.kind, "scorer": r.scorer,
            "max_points": float(r.max_points),
            "self_score": number(lines[r.code].self_score) if r.code in lines else None,
            "evidence": lines[r.code].evidence if r.code in lines else "",
            "verified_score": number(lines[r.code].verified_score) if r.code in lines else None,
            "reason": lines[r.code].reason if r.code in lines else "",
        } for r in rows if not r.is_group],
        "self_total": float(self_total),
        "verified_total": float(verified_total),
    }
