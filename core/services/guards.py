"""Guards of the irreversible steps (issue 13): before a step is closed, verification locked
or polls opened, the checklist of what is still missing; the step goes ahead with gaps only
on an explicit confirmation that names them, with a reason, which is audited.

One checklist function per step; the pages and the API only show the answer:

* :func:`registration_checklist` — units without a registration sent;
* :func:`year_end_checklist` — units without a year-end report sent;
* :func:`verification_checklist` — units not verified, year-end reports missing, board lines
  unscored, units without a registration;
* :func:`polls_checklist` — verification not locked, units whose verified total is 0.

:func:`enforce` is called by the service that takes the step (``closing.close_step``; the
vote's service for opening polls): with gaps and no ``force`` it raises
:class:`ChecklistNotMet` (409, code ``checklist_not_met``, the checklist in the answer);
with ``force`` it needs a reason and records ``guard.override.<step>`` in the audit log.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.domain import Deliverable
from core.domain.vocabulary import N_
from core.errors import Conflict, ValidationFailed
from core.extensions import db
from core.models import Campaign, Score, ScoreSheet, User
from core.services import audit, campaign_state, office, progress
from core.services.cycle import criteria_rows

#: The gaps a checklist may name, with their words ("%(n)d đơn vị chưa thẩm định").
GAP_LABELS = {
    "registrations_missing": N_("%(n)d đơn vị chưa gửi đăng ký thi đua"),
    "reports_missing": N_("%(n)d đơn vị chưa gửi báo cáo tổng kết"),
    "units_not_verified": N_("%(n)d đơn vị chưa thẩm định"),
    "board_lines_unscored": N_("%(n)d dòng điểm của %(office)s chưa chấm"),
    "verification_not_locked": N_("kết quả thẩm định chưa khóa"),
    "units_without_points": N_("%(n)d đơn vị có tổng điểm thẩm định bằng 0"),
}
#: What the confirmation says is being done, by step.
ACTIONS = {
    "registration": N_("đóng giai đoạn đăng ký thi đua"),
    "year_end_report": N_("đóng giai đoạn báo cáo tổng kết"),
    "verification": N_("khóa thẩm định"),
    "vote": N_("mở bỏ phiếu"),
}
MAX_REASON = 2000


@dataclass(frozen=True)
class Gap:
    """One kind of thing missing, and what it is missing for (unit names, line codes)."""

    code: str
    items: tuple[str, ...] = ()

    def label(self) -> str:
        return _(GAP_LABELS[self.code], n=len(self.items), office=office.office())

    def sentence(self) -> str:
        """"2 đơn vị chưa thẩm định: Sở A, Sở B"."""
        return f"{self.label()}: {', '.join(self.items)}" if self.items else self.label()


@dataclass(frozen=True)
class Checklist:
    """What is missing before ``step`` (empty ``gaps``: nothing, the step may go ahead)."""

    step: str
    gaps: tuple[Gap, ...] = ()

    @property
    def met(self) -> bool:
        return not self.gaps

    @property
    def digest(self) -> str:
        """A short fingerprint of the gaps: a confirmation given for other gaps (something
        changed since the page was shown) does not count."""
        data = json.dumps([self.step, [[g.code, list(g.items)] for g in self.gaps]],
                          ensure_ascii=False)
        return hashlib.sha256(data.encode()).hexdigest()[:16]

    def summary(self) -> str:
        return "; ".join(g.sentence() for g in self.gaps)

    def confirmation(self) -> str:
        """The sentence the person confirms: "Tôi xác nhận khóa thẩm định khi còn …"."""
        return _("Tôi xác nhận %(action)s khi còn %(gaps)s.", action=_(ACTIONS[self.step]),
                 gaps=self.summary())

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "met": self.met, "digest": self.digest,
                "gaps": [{"code": g.code, "label": g.label(), "count": len(g.items),
                          "items": list(g.items)} for g in self.gaps],
                "confirmation": self.confirmation() if self.gaps else None}


class ChecklistNotMet(Conflict):
    """409: the step has gaps and was not confirmed with ``force`` and a reason."""

    code = "checklist_not_met"

    def __init__(self, checklist: Checklist) -> None:
        super().__init__(_l("Chưa thể %(action)s vì còn thiếu: %(gaps)s. Nếu vẫn làm, hãy xác "
                            "nhận rõ những thiếu sót này và nêu lý do.",
                            action=_l(ACTIONS[checklist.step]), gaps=checklist.summary()))
        self.checklist = checklist

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        body["error"]["checklist"] = self.checklist.to_dict()
        return body


def _grid_units(campaign: Campaign, column: str, done: tuple[str, ...]) -> tuple[str, ...]:
    grid = progress.status_grid(campaign)
    return tuple(r["unit"].name for r in grid["rows"]
                 if r["cells"][column].status not in done)


def _gaps(*pairs: tuple[str, tuple[str, ...]]) -> tuple[Gap, ...]:
    return tuple(Gap(code, items) for code, items in pairs if items)


def registration_checklist(campaign: Campaign) -> Checklist:
    """Before the registration step is closed: the units that have not sent theirs."""
    return Checklist("registration", _gaps(
        ("registrations_missing", _grid_units(campaign, "registration", ("submitted",)))))


def year_end_checklist(campaign: Campaign) -> Checklist:
    """Before the year-end reports are closed: the units that have not sent theirs."""
    return Checklist("year_end_report", _gaps(
        ("reports_missing", _grid_units(campaign, "year_end_report", ("submitted",)))))


def _unscored_board_lines(campaign: Campaign, units: dict[int, str]) -> tuple[str, ...]:
    """Each board line with no verified score for some unit: "T.1 (8 đơn vị)"."""
    lines = [r for r in criteria_rows(campaign) if not r.is_group and r.scorer == "board"]
    if not lines:
        return ()
    scored = set(db.session.execute(
        select(ScoreSheet.unit_id, Score.criterion_id)
        .join(Score, Score.sheet_id == ScoreSheet.id)
        .where(ScoreSheet.campaign_id == campaign.id, Score.verified_score.is_not(None))).all())
    found = []
    for line in lines:
        missing = [uid for uid in units if (uid, line.id) not in scored]
        if missing:
            found.append(_("%(code)s (%(n)d đơn vị)", code=line.code, n=len(missing)))
    return tuple(found)


def verification_checklist(campaign: Campaign) -> Checklist:
    """Before verification is locked: units not verified, year-end reports missing, board
    lines unscored, units without a registration."""
    grid = progress.status_grid(campaign)
    rows = grid["rows"]

    def units(column: str, done: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(r["unit"].name for r in rows if r["cells"][column].status not in done)

    return Checklist("verification", _gaps(
        ("units_not_verified", units("verification", ("verified", "locked"))),
        ("reports_missing", units("year_end_report", ("submitted",))),
        ("board_lines_unscored", _unscored_board_lines(
            campaign, {r["unit"].id: r["unit"].name for r in rows})),
        ("registrations_missing", units("registration", ("submitted",)))))


def polls_checklist(campaign: Campaign) -> Checklist:
    """Before polls are opened: verification locked, and every unit's verified total (a
    unit on 0 points was most likely never scored)."""
    from core.services import scoring

    locked = campaign_state.timeline(campaign).step(Deliverable.VERIFICATION).settled
    zero = tuple(sorted(r["unit"].name for r in scoring.ranking(campaign)
                        if not r["verified_total"]))
    gaps = list(_gaps(("units_without_points", zero)))
    if not locked:
        gaps.insert(0, Gap("verification_not_locked"))
    return Checklist("vote", tuple(gaps))


def checklist_for(campaign: Campaign, deliverable: Deliverable | str) -> Checklist | None:
    """The checklist of closing ``deliverable`` (None: the step has no checklist)."""
    step = Deliverable(deliverable)
    if step is Deliverable.REGISTRATION:
        return registration_checklist(campaign)
    if step is Deliverable.YEAR_END_REPORT:
        return year_end_checklist(campaign)
    if step is Deliverable.VERIFICATION:
        return verification_checklist(campaign)
    return None


def enforce(campaign: Campaign, checklist: Checklist | None, *, force: Any = False,
            reason: Any = None, actor: User) -> None:
    """Let the step go ahead: when nothing is missing; or, with gaps, only when ``force`` is
    true and a reason is given (audited with the gaps). Otherwise 409 with the checklist."""
    if checklist is None or checklist.met:
        return
    if not isinstance(force, bool):
        raise ValidationFailed(_l("Dữ liệu không hợp lệ."),
                               fields={"force": [_l("Phải là true hoặc false.")]})
    if not force:
        raise ChecklistNotMet(checklist)
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        raise ValidationFailed(_l("Cần nêu lý do vẫn %(action)s khi còn thiếu sót.",
                                  action=_l(ACTIONS[checklist.step])),
                               fields={"reason": [_l("Bắt buộc khi xác nhận bỏ qua thiếu sót.")]})
    if len(text) > MAX_REASON:
        raise ValidationFailed(_l("Lý do quá dài."),
                               fields={"reason": [_l("Tối đa %(n)d ký tự.", n=MAX_REASON)]})
    audit.record(f"guard.override.{checklist.step}", "campaign",
                 f"{campaign.bloc.code}/{campaign.year}", actor=actor,
                 details={"reason": text, "digest": checklist.digest,
                          "gaps": [{"code": g.code, "items": list(g.items)}
                                   for g in checklist.gaps]})
