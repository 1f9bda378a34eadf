"""The official documents of a campaign, in the state format (Nghị định 30/2020/NĐ-CP).

A document is a **draft** ("DỰ THẢO"), rendered from the current data on every view, until
its issuer **issues** it: the host of its step as the plan says (a unit's own document: that
unit's head). Issuing is an act (:func:`issue`): refused with a checklist while the step's
data is incomplete; it takes the next number of the issuer's register of outgoing documents
(sổ đăng ký văn bản đi) for the year of issue, dates the document, records the signer, and
stores the PDF once (by SHA-256): it is then served byte-identical. An issued document can
be **replaced** (:func:`replace`) with a reason; the old version is kept, marked replaced.
Reading never writes.

A per-unit document exists only for a unit that sent the work it prints. Templates live
under ``templates/pdf/`` and extend ``pdf/_base.html`` (block ``body``); a plugin overrides
one, or adds its own, through ``thidua_document_templates`` (frozen into the campaign
snapshot as ``documents``). The dossier documents (``core.services.dossier.DOSSIER``) are
appended to :data:`KINDS` and :data:`BUILDERS`. What the templates receive: docs/documents.md.
"""

from __future__ import annotations

import hashlib
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import current_app, render_template
from flask_babel import lazy_gettext
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from core.domain import Action, Deliverable, Role, vocabulary
from core.domain.policy import HOST_ROLE
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.extensions import db
from core.models import (
    Campaign,
    DocumentRegister,
    IssuedDocument,
    Membership,
    Registration,
    Report,
    Unit,
    User,
)
from core.services import (
    attachments,
    audit,
    campaign_state,
    clock,
    deadlines,
    docx_export,
    meeting,
    office,
    pdf,
    permissions,
    registration,
    scoring,
    signing,
    unit_changes,
    voting,
)
from core.services.campaigns import members_by_role
from core.services.cycle import criteria_rows, member_unit
from core.services.office import office_words

Builder = Callable[[Campaign, Unit | None], dict[str, Any]]


@dataclass(frozen=True)
class DocumentKind:
    """One kind of document. ``phase``: the step whose settling makes it issuable;
    ``doc_type``: its type as printed ("BÁO CÁO"); ``subject``: its trích yếu, a format
    string over ``year``, ``bloc`` and ``unit``; ``exists`` / ``checklist``: optional
    callables (campaign, unit) for what the core does not know (dossier documents)."""

    name: str
    title: str
    phase: str
    template: str
    number_type: str
    per_unit: bool = False
    orientation: str = "portrait"
    doc_type: str = ""
    subject: str = ""
    exists: Callable[[Campaign, Unit | None], bool] | None = field(default=None, compare=False)
    checklist: Callable[[Campaign, Unit | None], list[Any]] | None = field(default=None,
                                                                           compare=False)

    @property
    def heading(self) -> str:
        return self.doc_type or self.title.upper()


KINDS: dict[str, DocumentKind] = {k.name: k for k in (
    DocumentKind("dang-ky", "Bản đăng ký thi đua", "registration", "pdf/registration.html",
                 "ĐK", per_unit=True, doc_type="BẢN ĐĂNG KÝ THI ĐUA",
                 subject="Các nội dung, chỉ tiêu, nhiệm vụ thi đua năm {year}"),
    DocumentKind("tong-hop-dang-ky", "Tổng hợp đăng ký thi đua", "registration",
                 "pdf/registrations_summary.html", "BC", doc_type="BÁO CÁO",
                 subject="Tổng hợp đăng ký thi đua năm {year} của các đơn vị thành viên"),
    DocumentKind("bao-cao-so-ket", "Báo cáo sơ kết 6 tháng", "mid_year_report",
                 "pdf/mid_year_summary.html", "BC", doc_type="BÁO CÁO",
                 subject="Sơ kết 6 tháng đầu năm {year} thực hiện giao ước thi đua"),
    DocumentKind("tu-cham-diem", "Bảng tự chấm điểm", "year_end_report", "pdf/self_score.html",
                 "BC", per_unit=True, doc_type="BẢNG TỰ CHẤM ĐIỂM",
                 subject="Kết quả thực hiện giao ước thi đua năm {year}"),
    DocumentKind("bang-tong-hop-diem", "Bảng tổng hợp kết quả chấm điểm", "verification",
                 "pdf/score_table.html", "BC", doc_type="BẢNG TỔNG HỢP",
                 subject="Kết quả chấm điểm thi đua năm {year} của các đơn vị thành viên"),
    DocumentKind("bien-ban-kiem-phieu", "Biên bản kiểm phiếu", "vote", "pdf/vote_count.html",
                 "BB", doc_type="BIÊN BẢN",
                 subject="Kiểm phiếu bình xét thi đua năm {year}"),
    DocumentKind("bien-ban-hop-binh-xet", "Biên bản họp bình xét", "vote",
                 "pdf/council_minutes.html", "BB", doc_type="BIÊN BẢN",
                 subject="Họp Hội đồng thành viên bình xét thi đua năm {year}"),
    DocumentKind("to-trinh", "Tờ trình đề nghị khen thưởng", "vote", "pdf/proposal.html", "TTr",
                 doc_type="TỜ TRÌNH",
                 subject="Về việc đề nghị khen thưởng thi đua năm {year}"),
)}


# -- the province and the law (configuration, then one table) ---------------------------

@dataclass(frozen=True)
class Province:
    """Where the documents are issued: settings ``THIDUA_PROVINCE``, ``THIDUA_PLACE``,
    ``THIDUA_OFFICE_NAME``, ``THIDUA_OFFICE_PARENT``, ``THIDUA_COUNCIL_NAME``."""

    name: str                 # the province's name
    place: str                # written before the date: "<place>, ngày …"
    office_name: str          # the emulation office's name
    office_parent: str = ""   # what the office belongs to, e.g. "Sở Nội vụ" ("" alone)
    council_name: str = ""    # "Hội đồng Thi đua – Khen thưởng tỉnh"

    @property
    def committee(self) -> str:
        """The line above a department's name: "UBND TỈNH TRÀ VINH"."""
        return f"UBND TỈNH {self.name}".upper()

    @property
    def office(self) -> str:
        """The emulation office as a recipient: "<office> tỉnh", or "<office> (Sở Nội vụ)"
        when it belongs to a department (``THIDUA_OFFICE_PARENT``)."""
        return office_words(self.office_name, self.office_parent)


def province(campaign: Campaign | None = None) -> Province:
    """The province settings that apply to a campaign's documents. The one place they are
    looked up: a campaign's frozen plan may override them under ``"province"`` (keys
    ``name``, ``place``, ``office_name``, ``office_parent``, ``council_name``)."""
    config = current_app.config
    values = {
        "name": config["THIDUA_PROVINCE"],
        "place": config.get("THIDUA_PLACE") or config["THIDUA_PROVINCE"],
        "office_name": config["THIDUA_OFFICE_NAME"],
        "office_parent": config.get("THIDUA_OFFICE_PARENT") or "",
        "council_name": config["THIDUA_COUNCIL_NAME"],
    }
    if campaign is not None:
        # A plan stored as data may set its own (the 2026 Vĩnh Long bloc): its
        # "document_settings" name the province as "province"; then a campaign's frozen
        # override, if any.
        from core.services import plan_documents

        stored = plan_documents.document_settings(campaign.bloc.code, campaign.year)
        if "province" in stored:
            stored["name"] = stored.pop("province")
        values.update({k: v for k, v in stored.items() if k in values and v})
    override = (campaign.snapshot or {}).get("province") if campaign is not None else None
    if isinstance(override, dict):
        values.update({k: str(v) for k, v in override.items() if k in values and v})
    return Province(**values)


@dataclass(frozen=True)
class LegalBasis:
    """The law on emulation and rewards and its implementing decree, in force from ``since``."""

    since: date
    law: str
    decree: str


# The law in force on a document's date. Checked (search, "pages" corpus) on 2026-11-29:
# - Luật Thi đua, khen thưởng 2022, Điều 94 (vi.wikisource.org, "Luật Thi đua, khen thưởng …
#   2022/Chương VIII"): "Luật này có hiệu lực thi hành từ ngày 01 tháng 01 năm 2024"; the 2003
#   law (số 15/2003/QH11, amended by Luật số 47/2005/QH11, 32/2009/QH12 and 39/2013/QH13)
#   ceases then. Passed 15/6/2022 as số 06/2022/QH15 (stp.hanam.gov.vn).
# - Provincial acts of 2020 cite the old law as "Luật Thi đua, khen thưởng ngày 26 tháng 11
#   năm 2003; Luật sửa đổi, bổ sung … ngày 14 tháng 6 năm 2005; … ngày 16 tháng 11 năm 2013"
#   and "Nghị định số 91/2017/NĐ-CP ngày 31 tháng 7 năm 2017 của Chính phủ quy định chi tiết
#   thi hành một số điều của Luật thi đua, khen thưởng" (QĐ 31/2020/QĐ-UBND tỉnh Phú Yên,
#   phapluatcongdong.vn).
# - Nghị định số 98/2023/NĐ-CP ngày 31/12/2023, in force 01/01/2024 (hethongphapluat.com).
# - Nghị định số 152/2025/NĐ-CP "quy định về phân cấp, phân quyền trong lĩnh vực thi đua,
#   khen thưởng; quy định chi tiết và hướng dẫn thi hành một số điều của Luật Thi đua, khen
#   thưởng" (baomoi, Thái Nguyên's legal portal); in force 01/07/2025 with the two-level local
#   government, replacing 98/2023 (the date of signing was not found: not printed).
# Documents dated before 01/10/2017 (Nghị định 42/2010/NĐ-CP's time) are not expected.
LEGAL_BASES: tuple[LegalBasis, ...] = (
    LegalBasis(date.min,
               "Luật Thi đua, khen thưởng ngày 26 tháng 11 năm 2003; Luật sửa đổi, bổ sung một "
               "số điều của Luật Thi đua, khen thưởng ngày 14 tháng 6 năm 2005 và ngày 16 tháng "
               "11 năm 2013",
               "Nghị định số 91/2017/NĐ-CP ngày 31 tháng 7 năm 2017 của Chính phủ quy định chi "
               "tiết thi hành một số điều của Luật Thi đua, khen thưởng"),
    LegalBasis(date(2024, 1, 1),
               "Luật Thi đua, khen thưởng số 06/2022/QH15 ngày 15 tháng 6 năm 2022",
               "Nghị định số 98/2023/NĐ-CP ngày 31 tháng 12 năm 2023 của Chính phủ quy định chi "
               "tiết thi hành một số điều của Luật Thi đua, khen thưởng"),
    LegalBasis(date(2025, 7, 1),
               "Luật Thi đua, khen thưởng số 06/2022/QH15 ngày 15 tháng 6 năm 2022",
               "Nghị định số 152/2025/NĐ-CP của Chính phủ quy định về phân cấp, phân quyền "
               "trong lĩnh vực thi đua, khen thưởng; quy định chi tiết và hướng dẫn thi hành "
               "một số điều của Luật Thi đua, khen thưởng"),
)


def legal_basis(day: date) -> LegalBasis:
    """The law and decree in force on ``day``."""
    return [b for b in LEGAL_BASES if b.since <= day][-1]


def place_date(place: str, day: date) -> str:
    """"<place>, ngày 05 tháng 02 năm 2022": days below 10 and months 1–2 take a leading
    zero (Nghị định 30/2020, Phụ lục I)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def number_text(number: int, symbol: str) -> str:
    """"05/BC-TĐK8": numbers below 10 take a leading zero (Nghị định 30/2020, Phụ lục I)."""
    return f"{number:02d}/{symbol}"


# -- which documents exist -----------------------------------------------------------------

def _merge_dossier() -> None:
    """Append the dossier's documents (core.services.dossier.DOSSIER) to KINDS and BUILDERS,
    once they exist; a missing module or an empty list changes nothing."""
    try:
        from core.services import dossier
    except ImportError:
        return
    for entry in getattr(dossier, "DOSSIER", None) or []:
        name = entry.get("name")
        if not name or name in KINDS:
            continue
        KINDS[name] = DocumentKind(
            name=name, title=entry["title"], phase=entry["phase"], template=entry["template"],
            number_type=entry.get("number_type", "BC"), per_unit=bool(entry.get("per_unit")),
            orientation=entry.get("orientation", "portrait"),
            doc_type=entry.get("doc_type", ""), subject=entry.get("subject", ""),
            exists=entry.get("exists"), checklist=entry.get("checklist"))
        BUILDERS[name] = entry["builder"]


def _sent_at(campaign: Campaign, phase: str, unit: Unit) -> datetime | None:
    """When the unit sent the work a per-unit document prints (None: not sent)."""
    if phase == Deliverable.REGISTRATION:
        reg = registration.get(campaign, unit)
        return reg.submitted_at if reg is not None and reg.status == "submitted" else None
    kind = {Deliverable.MID_YEAR_REPORT: "mid_year",
            Deliverable.YEAR_END_REPORT: "year_end"}.get(Deliverable(phase))
    if kind is None:
        return None
    report = db.session.scalar(select(Report).where(
        Report.campaign_id == campaign.id, Report.unit_id == unit.id, Report.kind == kind))
    return report.submitted_at if report is not None and report.status == "submitted" else None


def exists(campaign: Campaign, kind: DocumentKind, unit: Unit | None) -> bool:
    """Whether the document exists: a bloc's always; a unit's once the unit sent its work
    (or as the dossier's ``exists`` says)."""
    if kind.exists is not None:
        return bool(kind.exists(campaign, unit))
    if not kind.per_unit:
        return True
    return unit is not None and _sent_at(campaign, kind.phase, unit) is not None


def _resolve(campaign: Campaign, name: str) -> tuple[DocumentKind, Unit | None]:
    _merge_dossier()
    found: tuple[DocumentKind, Unit | None] | None = None
    if name in KINDS and not KINDS[name].per_unit:
        found = KINDS[name], None
    else:
        for kind in sorted(KINDS.values(), key=lambda k: -len(k.name)):
            if kind.per_unit and name.startswith(f"{kind.name}-"):
                code = name.removeprefix(f"{kind.name}-")
                try:
                    found = kind, member_unit(campaign, code)
                except NotFound:
                    found = None
                break
    if found is None:
        raise NotFound(lazy_gettext("Không có văn bản “%(name)s”.", name=name[:80]),
                       code="document_not_found")
    kind, unit = found
    if not exists(campaign, kind, unit):
        raise NotFound(lazy_gettext(
            "Không có văn bản “%(title)s” của %(unit)s: đơn vị chưa gửi nội dung này, nên văn "
            "bản không tồn tại.", title=kind.title, unit=unit.name if unit else ""),
            code="document_not_found")
    return kind, unit


def _document_name(kind: DocumentKind, unit: Unit | None) -> str:
    return f"{kind.name}-{unit.code}" if unit is not None else kind.name


def is_final(campaign: Campaign, phase: str) -> bool:
    """Whether the step a document belongs to is settled (the timeline's answer)."""
    return campaign_state.step(campaign, phase).settled


def _versions(campaign: Campaign, name: str | None = None) -> list[IssuedDocument]:
    query = select(IssuedDocument).where(IssuedDocument.campaign_id == campaign.id)
    if name is not None:
        query = query.where(IssuedDocument.name == name)
    return list(db.session.scalars(query.order_by(IssuedDocument.name, IssuedDocument.version)))


def current(campaign: Campaign, name: str) -> IssuedDocument | None:
    """The document's issued version in force (None: a draft)."""
    return db.session.scalar(select(IssuedDocument).where(
        IssuedDocument.campaign_id == campaign.id, IssuedDocument.name == name,
        IssuedDocument.replaced_at.is_(None)))


def _version_row(row: IssuedDocument) -> dict[str, Any]:
    return {"version": row.version, "number": row.number_text,
            "date": row.document_date.isoformat(), "signer": row.signer_name,
            "signer_title": row.signer_title, "issued_at": row.issued_at.isoformat(),
            "sha256": row.sha256, "size": row.size, "replaced": row.replaced_at is not None,
            "replaced_at": row.replaced_at.isoformat() if row.replaced_at else None,
            "replace_reason": row.replace_reason}


def every(campaign: Campaign) -> list[tuple[DocumentKind, Unit | None]]:
    """Every document of the campaign that exists, as (kind, unit): what the list shows and
    what a test or a batch job should render (a unit's document only for the units that
    sent that work)."""
    _merge_dossier()
    units = [m.unit for m in members_by_role(campaign)]
    return [(kind, unit) for kind in KINDS.values()
            for unit in (units if kind.per_unit else [None]) if exists(campaign, kind, unit)]


def awaiting_issue(campaign: Campaign) -> list[tuple[str, str, Unit | str]]:
    """Documents ready to be issued and not issued yet — their step settled, nothing
    blocking on their checklist — as (name, title, issuer): the issuing unit, or "board"
    when the board hosts the step. For the daily reminders (core/services/notifications.py)."""
    issued = {row.name for row in _versions(campaign) if row.replaced_at is None}
    found: list[tuple[str, str, Unit | str]] = []
    for kind, unit in every(campaign):
        name = _document_name(kind, unit)
        if name in issued or not is_final(campaign, kind.phase):
            continue
        if any(item["blocking"] for item in checklist(campaign, kind, unit)):
            continue
        title = f"{kind.title} — {unit.name}" if unit is not None else kind.title
        found.append((name, title, issuing_unit(campaign, kind, unit) or "board"))
    return found


def catalogue(campaign: Campaign, *, actor: User) -> list[dict[str, Any]]:
    """Every document of the campaign that exists: the bloc's, and each unit's own for the
    units that sent that work. ``status`` is "issued" (with its number and date) or
    "draft"; ``versions`` lists every issued version, replaced ones included."""
    permissions.require(permissions.can_read_work(actor, campaign))
    stored: dict[str, list[IssuedDocument]] = {}
    for row in _versions(campaign):
        stored.setdefault(row.name, []).append(row)
    timeline = campaign_state.timeline(campaign)
    rows = []
    for kind, unit in every(campaign):
        name = _document_name(kind, unit)
        versions = stored.get(name, [])
        live = next((v for v in versions if v.replaced_at is None), None)
        try:
            settled = timeline.step(kind.phase, unit.id if unit else None).settled
        except LookupError:
            settled = False
        rows.append({
            "name": name, "title": f"{kind.title} — {unit.name}" if unit else kind.title,
            "phase": kind.phase, "unit": unit.code if unit else None,
            "status": "issued" if live else "draft", "issued": live is not None,
            "final": live is not None, "settled": settled,
            "number": live.number_text if live else None,
            "date": live.document_date.isoformat() if live else None,
            "version": live.version if live else None,
            "versions": [_version_row(v) for v in versions],
            "may_issue": may_issue(campaign, kind, unit, actor),
        })
    return rows


# -- who issues, and what is missing -------------------------------------------------------

def _host_role(campaign: Campaign, step: str) -> Role | None:
    """The member role that hosts a step (None when the board hosts it)."""
    return HOST_ROLE[campaign_state.plan(campaign).host_of(step)]


def _member_in(campaign: Campaign, role: Role | None) -> Unit | None:
    return next((m.unit for m in campaign.memberships if role and m.role == role), None)


def issuing_unit(campaign: Campaign, kind: DocumentKind, unit: Unit | None) -> Unit | None:
    """The unit whose head signs: the unit itself for its own document, else the member
    unit that hosts the document's step (None when the board hosts it)."""
    if kind.per_unit:
        return unit
    return _member_in(campaign, _host_role(campaign, kind.phase))


def may_issue(campaign: Campaign, kind: DocumentKind, unit: Unit | None,
              actor: User | None) -> bool:
    """Whether ``actor`` issues (and replaces) this document: a bloc's document, the host of
    its step (policy ``ISSUE_DOCUMENT``); a unit's own document, that unit's head."""
    if actor is None:
        return False
    if kind.per_unit:
        return unit is not None and getattr(actor, "role", None) == "head" and \
            campaign_state.allowed(Action.ISSUE_UNIT_DOCUMENT, actor, campaign,
                                   unit_id=unit.id)
    return campaign_state.allowed(Action.ISSUE_DOCUMENT, actor, campaign, step=kind.phase)


def _require_issuer(campaign: Campaign, kind: DocumentKind, unit: Unit | None,
                    actor: User) -> None:
    if may_issue(campaign, kind, unit, actor):
        return
    if kind.per_unit:
        raise Forbidden(lazy_gettext("Chỉ thủ trưởng của %(unit)s được ban hành văn bản của đơn "
                                     "vị.", unit=unit.name if unit else ""))
    campaign_state.require(Action.ISSUE_DOCUMENT, actor, campaign, step=kind.phase)
    raise Forbidden(lazy_gettext("Bạn không có quyền ban hành văn bản này."))


def _item(code: str, message: Any, *, blocking: bool = True, **extra: Any) -> dict[str, Any]:
    return {"code": code, "message": str(message), "blocking": blocking, **extra}


def _missing_units(campaign: Campaign, phase: str) -> list[Unit]:
    """The member units that have not sent the work of a step (registration or a report)."""
    return [m.unit for m in members_by_role(campaign)
            if _sent_at(campaign, phase, m.unit) is None]


SUBMITTED_BY_UNITS = (Deliverable.REGISTRATION, Deliverable.MID_YEAR_REPORT,
                      Deliverable.YEAR_END_REPORT)
MEETING_FIELDS = {"held_at": "thời gian họp", "place": "địa điểm", "chair": "chủ tọa",
                  "secretary": "thư ký", "committee": "Ban kiểm phiếu"}
NEEDS_MEETING = ("bien-ban-kiem-phieu", "bien-ban-hop-binh-xet")


def checklist(campaign: Campaign, kind: DocumentKind, unit: Unit | None) -> list[dict[str, Any]]:
    """What is missing before the document may be issued, each ``{code, message, blocking}``
    (and ``units`` where units are missing). Issuing is refused while a blocking item is
    left; the others are said on the page and in the document."""
    items: list[dict[str, Any]] = []
    status = campaign_state.step(campaign, kind.phase, unit.id if unit else None)
    step_label = Deliverable(kind.phase).label if kind.phase in Deliverable.values() \
        else kind.phase
    if not status.settled:
        items.append(_item("step_not_settled", lazy_gettext(
            "Giai đoạn “%(step)s” chưa được đóng (hiện: %(state)s): số liệu còn có thể thay "
            "đổi.", step=lazy_gettext(step_label), state=lazy_gettext(status.state.label))))
    if not kind.per_unit and kind.phase in SUBMITTED_BY_UNITS:
        missing = _missing_units(campaign, kind.phase)
        if missing:
            names = ", ".join(u.name for u in missing)
            message = lazy_gettext("Đơn vị chưa gửi: %(units)s.", units=names) \
                if not status.settled else lazy_gettext(
                    "Đơn vị không gửi trước khi giai đoạn được đóng (văn bản ghi “chưa gửi”): "
                    "%(units)s.", units=names)
            items.append(_item("missing_submissions", message, blocking=not status.settled,
                               units=[u.code for u in missing]))
    needs_scores = kind.phase in (Deliverable.VERIFICATION, Deliverable.VOTE)
    if needs_scores and not campaign_state.step(campaign, Deliverable.VERIFICATION).settled:
        items.append(_item("scores_unverified", lazy_gettext(
            "Điểm chưa được thẩm định xong: %(host)s chưa khóa kết quả thẩm định.",
            host=office.host_words(campaign_state.plan(campaign),
                                   Deliverable.VERIFICATION))))
    if kind.name in NEEDS_MEETING:
        record = meeting.meeting(campaign) or {}
        absent = [label for key, label in MEETING_FIELDS.items() if not record.get(key)]
        if absent:
            items.append(_item("meeting_not_recorded", lazy_gettext(
                "Chưa ghi thông tin cuộc họp bình xét: %(fields)s.", fields=", ".join(absent)),
                fields=[k for k in MEETING_FIELDS if not record.get(k)]))
        if kind.name == "bien-ban-hop-binh-xet" and not meeting.attendance(campaign)["recorded"]:
            items.append(_item("attendance_not_recorded", lazy_gettext(
                "Chưa ghi danh sách đơn vị có mặt tại cuộc họp.")))
    signer = issuing_unit(campaign, kind, unit)
    if kind.name not in NEEDS_MEETING:  # the minutes are signed as the meeting record says
        if signer is None or not _head_name(signer):
            items.append(_item("signer_unknown", lazy_gettext(
                "Chưa có tài khoản thủ trưởng (người ký) của %(unit)s.",
                unit=signer.name if signer else lazy_gettext("đơn vị chủ trì"))))
    if kind.checklist is not None:
        for entry in kind.checklist(campaign, unit) or []:
            items.append(entry if isinstance(entry, dict) else _item("dossier", entry))
    return items


class DocumentIncomplete(Conflict):
    """409: the document may not be issued yet; ``checklist`` says what is missing."""

    code = "document_incomplete"

    def __init__(self, items: list[dict[str, Any]]) -> None:
        super().__init__(lazy_gettext("Chưa ban hành được: số liệu của văn bản chưa đầy đủ."))
        self.checklist = items

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        body["error"]["checklist"] = self.checklist
        return body


def describe(campaign: Campaign, name: str, *, actor: User) -> dict[str, Any]:
    """One document: its catalogue row, its checklist and whether ``actor`` may issue it."""
    permissions.require(permissions.can_read_work(actor, campaign))
    kind, unit = _resolve(campaign, name)
    row = next(r for r in catalogue(campaign, actor=actor) if r["name"] == name)
    items = checklist(campaign, kind, unit)
    row.update({"checklist": items, "ready": not any(i["blocking"] for i in items),
                "issuer": (issuing_unit(campaign, kind, unit).name
                           if issuing_unit(campaign, kind, unit) else None)})
    return row


# -- issuing -------------------------------------------------------------------------------

def _register(campaign: Campaign, kind: DocumentKind, unit: Unit | None) -> str:
    """The register a document is numbered in: its unit's, or the bloc's."""
    return f"unit:{unit.code}" if kind.per_unit and unit is not None \
        else f"bloc:{campaign.bloc.code}"


def _allocate(register: str, year: int, series: str) -> int:
    """The next number of a register's series for a year. The row is taken by an UPDATE
    (a row lock on PostgreSQL, the write lock on SQLite) under the audit lock, so two
    issuers never get one number; the unique constraint on the issued documents checks it
    again."""
    audit.lock()
    key = (DocumentRegister.register == register, DocumentRegister.year == year,
           DocumentRegister.series == series)
    done = db.session.execute(update(DocumentRegister).where(*key).values(
        last_number=DocumentRegister.last_number + 1).execution_options(
        synchronize_session=False))
    if done.rowcount == 0:
        db.session.add(DocumentRegister(register=register, year=year, series=series,
                                        last_number=1))
        db.session.flush()
        return 1
    return int(db.session.scalar(select(DocumentRegister.last_number).where(*key)))


def _finish(data: bytes, document: IssuedDocument, *, signer: User | None,
            issuing: Unit | None) -> bytes:
    """The issued PDF's last step before it is stored: the digital signature (PAdES, with
    pyHanko: core/services/signing.py) when a key is configured (``THIDUA_SIGNING_*``); the
    signer's signature image (``<THIDUA_SIGNING_IMAGES_DIR>/<username>.png``) and the issuing
    unit's seal (``seal-<unit code>.png``) drawn in the signature block. Without a key the
    issued PDF is stored unsigned (docs/signing.md says how to configure one)."""
    config = signing.SigningConfig.from_config()
    if not config.configured:
        return data
    appearance = signing.Appearance(
        name=document.signer_name or "",
        signature_image=config.image(signer.username if signer else None),
        seal_image=config.image(f"seal-{issuing.code}" if issuing else None))
    try:
        return signing.sign(data, appearance=appearance, config=config,
                            reason=f"Ban hành văn bản số {document.number_text}",
                            location=province().place)
    except signing.SigningError as exc:
        current_app.logger.error("signing %s failed: %s", document.name, exc)
        raise Conflict(lazy_gettext("Không ký số được văn bản: %(reason)s. Văn bản chưa được "
                                    "ban hành.", reason=str(exc)), code="signing_failed") from exc


def _signer_user(unit: Unit | None) -> User | None:
    if unit is None:
        return None
    return db.session.scalar(select(User).where(User.unit_id == unit.id, User.role == "head",
                                                User.active.is_(True)).order_by(User.id))


def _issue(campaign: Campaign, kind: DocumentKind, unit: Unit | None, name: str, *,
           actor: User, version: int) -> IssuedDocument:
    today = clock.today()
    register = _register(campaign, kind, unit)
    series = kind.number_type if current_app.config.get("THIDUA_REGISTER_PER_TYPE") else ""
    number = _allocate(register, today.year, series)
    issuer = _issuer(campaign, kind, unit)
    stamp = {"number": number_text(number, f"{kind.number_type}-{issuer['abbreviation']}"),
             "date": today}
    with unit_changes.names_as_of(today):
        context = _context(campaign, kind, unit, draft=False, stamp=stamp)
        html = _html(campaign, kind, context)
    signature = context["signatures"][-1] if context["signatures"] else context["signature"]
    row = IssuedDocument(
        campaign_id=campaign.id, name=name, version=version,
        title=context["doc"]["title"][:300], register=register, register_year=today.year,
        series=series, number=number, number_text=stamp["number"], document_date=today,
        signer_title=" ".join(line for line in signature["lines"] if line)[:300],
        signer_name=(signature["name"] or "")[:200], sha256="", size=0,
        issued_at=clock.now(), issued_by=actor.id)
    host = unit if kind.per_unit else issuing_unit(campaign, kind, None)
    rendered = pdf.render(html, metadata=pdf.PdfMetadata(
        title=row.title, number=row.number_text, subject=context["doc"]["subject"],
        author=issuer["name"], issued=row.issued_at,
        # the audit chain's head when issued (issue 14): in the metadata, not in the body
        keywords=(f"audit:{audit.head_hash()}",)))
    data = _finish(rendered, row, signer=_signer_user(host), issuing=host)
    row.sha256, row.size = hashlib.sha256(data).hexdigest(), len(data)
    attachments.write_blob(row.sha256, data)
    db.session.add(row)
    db.session.flush()
    return row


def _object_id(campaign: Campaign, name: str) -> str:
    return f"{campaign.bloc.code}/{campaign.year}/{name}"


def issue(campaign: Campaign, name: str, *, actor: User) -> IssuedDocument:
    """Issue a draft: refused (409 ``document_incomplete`` with the checklist) while a
    blocking item is left, 409 ``already_issued`` when it is issued (replace it instead)."""
    kind, unit = _resolve(campaign, name)
    _require_issuer(campaign, kind, unit, actor)
    audit.lock()  # one issuer at a time: the check below sees what another just did
    found = current(campaign, name)
    if found is not None:
        raise Conflict(lazy_gettext(
            "Văn bản đã được ban hành (số %(number)s); muốn sửa thì ban hành văn bản thay "
            "thế.", number=found.number_text), code="already_issued")
    items = checklist(campaign, kind, unit)
    if any(i["blocking"] for i in items):
        raise DocumentIncomplete(items)
    row = _issue(campaign, kind, unit, name, actor=actor, version=1)
    audit.record("document.issue", "document", _object_id(campaign, name), actor=actor,
                 details={"number": row.number_text, "date": row.document_date.isoformat(),
                          "version": row.version, "signer": row.signer_name,
                          "sha256": row.sha256, "size": row.size})
    return row


def replace(campaign: Campaign, name: str, reason: Any, *, actor: User) -> IssuedDocument:
    """Issue a new version of an issued document (thay thế), from the current data, with a
    new number; the old one is kept, marked replaced with the reason."""
    kind, unit = _resolve(campaign, name)
    _require_issuer(campaign, kind, unit, actor)
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        raise ValidationFailed(lazy_gettext("Ghi lý do thay thế văn bản."),
                               fields={"reason": [lazy_gettext("Bắt buộc.")]})
    if len(text) > 2000:
        raise ValidationFailed(lazy_gettext("Lý do quá dài."),
                               fields={"reason": [lazy_gettext("Tối đa 2000 ký tự.")]})
    audit.lock()
    old = current(campaign, name)
    if old is None:
        raise Conflict(lazy_gettext("Văn bản chưa được ban hành: không có gì để thay thế."),
                       code="not_issued")
    items = checklist(campaign, kind, unit)
    if any(i["blocking"] for i in items):
        raise DocumentIncomplete(items)
    latest = db.session.scalar(select(func.max(IssuedDocument.version)).where(
        IssuedDocument.campaign_id == campaign.id, IssuedDocument.name == name)) or 0
    old.replaced_at, old.replaced_by, old.replace_reason = clock.now(), actor.id, text
    db.session.flush()
    row = _issue(campaign, kind, unit, name, actor=actor, version=latest + 1)
    old.replacement_id = row.id
    audit.record("document.replace", "document", _object_id(campaign, name), actor=actor,
                 details={"replaced": old.number_text, "number": row.number_text,
                          "reason": text, "version": row.version,
                          "date": row.document_date.isoformat(), "sha256": row.sha256})
    return row


# -- reading -------------------------------------------------------------------------------

def get_pdf(campaign: Campaign, name: str, *, actor: User,
            version: int | None = None) -> tuple[bytes, IssuedDocument | None]:
    """The document as PDF and its issued version (None: a draft, rendered now). Without
    ``version``, the version in force, else the draft; with it, that stored version (a
    replaced one too). Never writes."""
    permissions.require(permissions.can_read_work(actor, campaign))
    kind, unit = _resolve(campaign, name)
    if version is not None:
        row = db.session.scalar(select(IssuedDocument).where(
            IssuedDocument.campaign_id == campaign.id, IssuedDocument.name == name,
            IssuedDocument.version == version))
        if row is None:
            raise NotFound(lazy_gettext("Văn bản không có bản ban hành thứ %(version)s.",
                                        version=version), code="version_not_found")
    else:
        row = current(campaign, name)
    if row is not None:
        return attachments.storage_path(row.sha256).read_bytes(), row
    return render(campaign, kind, unit, draft=True), None


def render(campaign: Campaign, kind: DocumentKind, unit: Unit | None, *, draft: bool,
           stamp: dict[str, Any] | None = None) -> bytes:
    """The document rendered now from the current data (``stamp``: the number and date of
    the issue being made)."""
    with unit_changes.names_as_of(_document_date(campaign, kind, unit, stamp)):
        html = _html(campaign, kind, _context(campaign, kind, unit, draft=draft, stamp=stamp))
    return pdf.render(html)


def get_docx(campaign: Campaign, name: str, *, actor: User) -> bytes:
    """The document as a Word file, from the current data (a draft for the office to edit
    before signing: issued documents are the PDF)."""
    permissions.require(permissions.can_read_work(actor, campaign))
    kind, unit = _resolve(campaign, name)
    with unit_changes.names_as_of(_document_date(campaign, kind, unit, None)):
        html = _html(campaign, kind, _context(campaign, kind, unit, draft=True))
    return docx_export.from_html(html)


def _context(campaign: Campaign, kind: DocumentKind, unit: Unit | None, *, draft: bool,
             stamp: dict[str, Any] | None = None) -> dict[str, Any]:
    context = _common(campaign, kind, unit, draft, stamp=stamp)
    context.update(BUILDERS[kind.name](campaign, unit))
    return context


def _html(campaign: Campaign, kind: DocumentKind, context: dict[str, Any]) -> str:
    """The document's HTML (units printed with the names of the document's date: the
    callers render inside ``unit_changes.names_as_of``)."""
    template = campaign_state.plan(campaign).documents.get(kind.name, kind.template)
    return render_template(template, **context)


# -- the common context --------------------------------------------------------------------

_METRICS: dict[bool, str] = {}


def _text_width(text: str, *, bold: bool, size: float) -> float:
    """The width in millimetres of ``text`` in the shipped font (its real metrics)."""
    if bold not in _METRICS:
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        name = "ThiduaMetrics-Bold" if bold else "ThiduaMetrics-Regular"
        filename = pdf.FONT_FILES[("bold" if bold else "normal", "normal")]
        pdfmetrics.registerFont(TTFont(name, str(pdf.FONTS_DIR / filename)))
        _METRICS[bold] = name
    from reportlab.pdfbase import pdfmetrics

    return pdfmetrics.stringWidth(text, _METRICS[bold], size) * 25.4 / 72


def wrap_lines(text: str, width_mm: float, *, bold: bool = True,
               size: float = 12) -> list[str]:
    """A heading split into as few lines as fit ``width_mm`` in the shipped font. A
    Vietnamese word has several syllables ("THƯƠNG BINH", "TRUYỀN THÔNG"), so a line breaks
    where a phrase ends if it can — before "VÀ", after a comma, after a dash — and between
    any two syllables only when nothing else fits; then as evenly as possible. Each line is
    printed as one line, so the renderer has nothing left to wrap: "SỞ LAO ĐỘNG – THƯƠNG
    BINH / VÀ XÃ HỘI", "SỞ THÔNG TIN / VÀ TRUYỀN THÔNG"."""
    words = text.split()
    if not words:
        return [""]

    def width(chunk: list[str]) -> float:
        return _text_width(" ".join(chunk), bold=bold, size=size)

    def cost(before: str, after: str) -> int:
        if after.upper() == "VÀ" or before.endswith(","):
            return 0
        return 1 if before in ("–", "-", "—") else 5

    from itertools import combinations

    for lines in range(1, min(len(words), 5) + 1):
        best: tuple[int, float, list[list[str]]] | None = None
        for cuts in combinations(range(1, len(words)), lines - 1):
            bounds = (0, *cuts, len(words))
            split = [words[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
            if any(line[0] in ("–", "-", "—") for line in split[1:]):
                continue
            widest = max(width(line) for line in split)
            if widest > width_mm:
                continue
            penalty = sum(cost(words[c - 1], words[c]) for c in cuts)
            if best is None or (penalty, widest) < best[:2]:
                best = (penalty, widest, split)
        if best is not None:
            return [" ".join(line) for line in best[2]]
    return textwrap.wrap(" ".join(words), width=28, break_long_words=False,
                         break_on_hyphens=False)


def _column_mm(kind: DocumentKind) -> float:
    """The width of the header's left column (42 % of the text width), less a margin."""
    text_width = 247 if kind.orientation == "landscape" else 160
    return text_width * 0.42 - 1


def _abbreviation(unit: Unit) -> str:
    """A department's symbol in a number ("SVHTTDL"): the initials of its short name."""
    short = unit.short_name.replace("&", " ").replace("-", " ")
    words = [w for w in re.split(r"\s+", short) if w]
    if words and words[0].lower() == "sở":
        return "S" + "".join(w if w.isupper() else w[0].upper() for w in words[1:])
    return "".join(w if w.isupper() else w[0].upper() for w in words)


def _issuer(campaign: Campaign, kind: DocumentKind, unit: Unit | None) -> dict[str, Any]:
    """The issuing body as the header prints it (Nghị định 30/2020, Phụ lục I, mục II.3):
    the body it belongs to above (a department: "UBND TỈNH …"; the bloc: the unit hosting
    the step), its own name in bold capitals, split between words."""
    bloc = campaign_state.plan(campaign).bloc.to_dict()
    where = province(campaign)
    if kind.per_unit and unit is not None:
        parent = where.committee if unit.short_name.lower().startswith("sở") else ""
        name, abbreviation = unit.name, _abbreviation(unit)
    else:
        host = issuing_unit(campaign, kind, None)
        parent = host.name if host else where.office
        name = bloc.get("issuer") or bloc["name"]
        abbreviation = bloc.get("abbreviation") or campaign.bloc.code.upper()
    column = _column_mm(kind)
    return {"parent": parent, "name": name, "abbreviation": abbreviation,
            "parent_lines": wrap_lines(parent.upper(), column, bold=False) if parent else [],
            "lines": wrap_lines(name.upper(), column, bold=True)}


def head_title(unit: Unit) -> str:
    """The signer's title (core.domain.vocabulary.head_title: a Sở's head is its Giám đốc)."""
    return vocabulary.head_title(unit.short_name)


def _head_name(unit: Unit | None) -> str:
    if unit is None:
        return ""
    head = db.session.scalar(select(User.full_name).where(User.unit_id == unit.id,
                                                          User.role == "head",
                                                          User.active.is_(True)))
    return head or ""


HONORIFICS = ("ông ", "bà ", "đồng chí ", "đ/c ", "anh ", "chị ")


def person_name(text: str) -> str:
    """The name alone, as a signature prints it: "Ông Lê Văn Đức (Sở Y tế)" and "Bà Trần
    Thị Ánh, Chánh Văn phòng" give "Lê Văn Đức" and "Trần Thị Ánh"."""
    name = re.split(r"[,(–-]", text or "", maxsplit=1)[0].strip()
    lowered = name.lower()
    for prefix in HONORIFICS:
        if lowered.startswith(prefix):
            return name[len(prefix):].strip()
    return name


def _signatures(campaign: Campaign, kind: DocumentKind, unit: Unit | None,
                bloc: dict[str, Any]) -> list[dict[str, Any]]:
    """The signature blocks, left to right (the last one is the issuer's)."""
    if kind.name == "bien-ban-hop-binh-xet":
        record = meeting.meeting(campaign) or {}
        return [{"lines": ["THƯ KÝ"], "name": person_name(record.get("secretary", ""))},
                {"lines": ["CHỦ TỌA"], "name": person_name(record.get("chair", ""))}]
    if kind.name == "bien-ban-kiem-phieu":
        committee = [person_name(m) for m in (meeting.meeting(campaign) or {}).get(
            "committee") or []]
        return [{"lines": ["CÁC THÀNH VIÊN", "BAN KIỂM PHIẾU"], "names": committee[1:],
                 "name": ""},
                {"lines": ["TRƯỞNG BAN", "KIỂM PHIẾU"], "name": committee[0] if committee else ""}]
    if kind.per_unit and unit is not None:
        return [{"lines": [head_title(unit)], "name": _head_name(unit)}]
    host = issuing_unit(campaign, kind, None)
    role = _host_role(campaign, kind.phase)
    return [{"lines": [f"TM. {(bloc.get('issuer') or bloc['name']).upper()}",
                       (role.label if role else Role.LEADER.label).upper()] +
             ([f"{head_title(host)} {host.short_name.upper()}"] if host else []),
             "name": _head_name(host)}]


def _document_date(campaign: Campaign, kind: DocumentKind, unit: Unit | None,
                   stamp: dict[str, Any] | None) -> date:
    """An issued document: its date of issue; a unit's draft: the day the unit sent it;
    any other draft: today."""
    if stamp and stamp.get("date"):
        return stamp["date"]
    if kind.per_unit and unit is not None:
        sent = _sent_at(campaign, kind.phase, unit) if kind.phase in SUBMITTED_BY_UNITS \
            else None
        if sent is not None:
            return clock.local(sent).date()
    return clock.today()


def _common(campaign: Campaign, kind: DocumentKind, unit: Unit | None, draft: bool, *,
            stamp: dict[str, Any] | None = None) -> dict[str, Any]:
    plan = campaign_state.plan(campaign)
    bloc = plan.bloc.to_dict()
    where = province(campaign)
    issuer = _issuer(campaign, kind, unit)
    signatures = _signatures(campaign, kind, unit, bloc)
    day = _document_date(campaign, kind, unit, stamp)
    if kind.per_unit:
        recipients = [f"Khối trưởng {bloc['name']}", where.office, "Lưu: VT"]
    else:
        recipients = [where.office, f"Các đơn vị thành viên {bloc['name']}", "Lưu: VT"]
    symbol = f"{kind.number_type}-{issuer['abbreviation']}"
    subject = kind.subject.format(year=campaign.year, bloc=bloc["name"],
                                  unit=unit.name if unit else "")
    return {
        "font_css": pdf.font_face_css(), "draft": draft, "orientation": kind.orientation,
        "campaign": campaign, "bloc": bloc, "unit": unit, "issuer": issuer,
        "province": where, "office": where.office, "council": where.council_name,
        "signature": signatures[-1], "signatures": signatures, "recipients": recipients,
        "doc": {"name": _document_name(kind, unit), "title": kind.title,
                "heading": kind.heading, "subject": subject, "subtitle": subject,
                "number_type": kind.number_type, "symbol": symbol,
                "number": (stamp or {}).get("number") or "", "date": day},
        "place_date": place_date(where.place, day), "date": day,
        "legal": legal_basis(day),
    }


# -- the documents' own contexts -------------------------------------------------------------

def _groups(campaign: Campaign) -> list[dict[str, Any]]:
    rows = criteria_rows(campaign)
    by_parent: dict[int | None, list] = {}
    for row in rows:
        by_parent.setdefault(row.parent_id, []).append(row)
    return [{"code": g.code, "title": g.title, "kind": g.kind, "max_points": g.max_points,
             "rows": by_parent.get(g.id, [])} for g in by_parent.get(None, [])]


def _registration(campaign: Campaign, unit: Unit) -> dict[str, Any]:
    reg = registration.get(campaign, unit)
    items = {i.criterion.code: i for i in reg.items} if reg else {}
    groups = []
    for group in _groups(campaign):
        if group["kind"] != "item":
            continue
        groups.append({**group, "rows": [{
            "code": r.code, "title": r.title,
            "target": items[r.code].target if r.code in items else "",
            "not_applicable": items[r.code].not_applicable if r.code in items else False,
            "reason": items[r.code].na_reason if r.code in items else "",
        } for r in group["rows"]]})
    sent = clock.local(reg.submitted_at) if reg is not None and reg.submitted_at else None
    return {"groups": groups, "sent_on": sent.date() if sent else None,
            "late": bool(reg.late) if reg is not None else False}


def _members(campaign: Campaign) -> list[Unit]:
    return list(db.session.scalars(
        select(Unit).join(Membership, Membership.unit_id == Unit.id)
        .where(Membership.campaign_id == campaign.id).order_by(Unit.name)))


def _registrations_summary(campaign: Campaign, unit: Unit | None) -> dict[str, Any]:
    regs = {r.unit_id: r for r in db.session.scalars(
        select(Registration).where(Registration.campaign_id == campaign.id)
        .options(selectinload(Registration.items)))}
    rows = []
    for member in _members(campaign):
        reg = regs.get(member.id)
        submitted = reg is not None and reg.status == "submitted"
        rows.append({"unit": member,
                     "targets": sum(1 for i in reg.items if not i.not_applicable)
                     if submitted else 0,
                     "na": sum(1 for i in reg.items if i.not_applicable) if submitted else 0,
                     "submitted_at": reg.submitted_at if submitted else None,
                     "late": reg.late if submitted else False})
    phase = deadlines.phase_for(campaign, "registration")
    return {"rows": rows, "submitted": sum(1 for r in rows if r["submitted_at"]),
            "due": phase.due, "closed": is_final(campaign, "registration")}


def _mid_year_summary(campaign: Campaign, unit: Unit | None) -> dict[str, Any]:
    reports = {r.unit_id: r for r in db.session.scalars(
        select(Report).where(Report.campaign_id == campaign.id, Report.kind == "mid_year")
        .options(selectinload(Report.progress)))}
    rows = []
    for member in _members(campaign):
        report = reports.get(member.id)
        submitted = report is not None and report.status == "submitted"
        percents = [p.percent for p in report.progress] if submitted else []
        rows.append({"unit": member, "submitted_at": report.submitted_at if submitted else None,
                     "late": report.late if submitted else False,
                     "average": round(sum(percents) / len(percents)) if percents else None})
    record = deadlines.closing_records(campaign).get(deadlines.MID_YEAR_REVIEW)
    host = _member_in(campaign, _host_role(campaign, Deliverable.MID_YEAR_REPORT))
    return {"rows": rows, "meeting": record.details if record else None, "host": host}


def _self_score(campaign: Campaign, unit: Unit) -> dict[str, Any]:
    sheet = scoring.sheet_of(campaign, unit)
    lines = {s.criterion.code: s for s in sheet.scores} if sheet else {}
    rows = []
    for row in criteria_rows(campaign):
        line = lines.get(row.code)
        rows.append({"code": row.code, "title": row.title, "kind": row.kind,
                     "is_group": row.is_group, "max_points": row.max_points,
                     "self_score": line.self_score if line else None,
                     "evidence": line.evidence if line else ""})
    self_total, _verified = scoring.totals(criteria_rows(campaign), lines)
    return {"rows": rows, "self_total": self_total,
            "max_total": campaign_state.plan(campaign).max_total}


def _score_table(campaign: Campaign, unit: Unit | None) -> dict[str, Any]:
    table = scoring.ranking(campaign)
    rows_by_code = criteria_rows(campaign)
    groups = _groups(campaign)
    labels = {"item": "Nhóm", "bonus": "Cộng", "deduction": "Trừ"}
    from core.models import Score, ScoreSheet

    sheets = {s.unit_id: s for s in db.session.scalars(
        select(ScoreSheet).where(ScoreSheet.campaign_id == campaign.id)
        .options(selectinload(ScoreSheet.scores)))}
    code_of = {r.id: r.code for r in rows_by_code}
    parent_of = {r.code: r.parent_id for r in rows_by_code}
    group_code = {r.id: r.code for r in rows_by_code if r.parent_id is None}
    differences = []
    out_rows = []
    for entry in table:
        sheet = sheets.get(entry["unit"].id)
        per_group: dict[str, Decimal] = {g["code"]: Decimal(0) for g in groups}
        scores: list[Score] = list(sheet.scores) if sheet else []
        for score in scores:
            code = code_of[score.criterion_id]
            value = score.verified_score if score.verified_score is not None else (
                score.self_score or Decimal(0))
            parent = parent_of[code]
            if parent is not None:
                per_group[group_code[parent]] += value
            if score.verified_score is not None and score.verified_score != score.self_score:
                differences.append({"unit": entry["unit"].name, "code": code,
                                    "self_score": score.self_score,
                                    "verified_score": score.verified_score,
                                    "reason": score.reason})
        out_rows.append({**entry, "groups": per_group})
    return {"rows": out_rows, "tie_rule": scoring.TIE_RULE,
            "groups": [{"code": g["code"], "kind": g["kind"], "max_points": g["max_points"],
                        "label": f"{labels[g['kind']]} {g['code']}" if g["kind"] == "item"
                        else labels[g["kind"]]} for g in groups],
            "differences": sorted(differences, key=lambda d: (d["unit"], d["code"]))}


def _poll_sections(campaign: Campaign) -> list[dict[str, Any]]:
    names = {u.code: u.name for u in _members(campaign)}
    sections = []
    from core.models import PollOutcome

    polls = voting.stored_polls(campaign)
    outcomes = {o.poll_id: o for o in db.session.scalars(
        select(PollOutcome).where(PollOutcome.poll_id.in_([p.id for p in polls.values()])))}
    for poll in polls.values():
        found = outcomes.get(poll.id)
        if found is None:
            continue
        result = found.result
        elected = result.get("elected", [])
        counts = [{"name": names.get(c["candidate"], c["candidate"]), "votes": c["votes"],
                   "percent": f"{c['share'] * 100:.1f}%".replace(".", ","),
                   "passed": c["passed"], "elected": c["candidate"] in elected,
                   "candidate": c["candidate"]}
                  for c in sorted(result["counts"], key=lambda c: (-c["votes"], c["candidate"]))]
        sections.append({
            "code": poll.code, "title": poll.title, "seats": poll.seats, "elects": poll.elects,
            "result": result, "counts": counts,
            "elected_names": [names.get(c, c) for c in elected],
            "elected_with_share": [f"{names.get(c['candidate'], c['candidate'])} "
                                   f"({c['votes']} phiếu, {c['percent']})"
                                   for c in counts if c["elected"]],
        })
    return sections


def _meeting_text(campaign: Campaign) -> dict[str, Any]:
    """The meeting's record as the minutes print it; what is not recorded is left blank as
    dotted lines to fill by hand (a draft only: issuing needs the record)."""
    record = meeting.meeting(campaign) or {}
    held = datetime.fromisoformat(record["held_at"]) if record.get("held_at") else None
    blank = "…………………"
    return {
        "recorded": bool(record),
        "when_text": (f"{held:%H} giờ {held:%M} phút, ngày {held:%d/%m/%Y}" if held
                      else blank),
        "place": record.get("place") or blank,
        "chair": record.get("chair") or blank,
        "secretary": record.get("secretary") or blank,
        "committee": record.get("committee") or [blank],
    }


def _vote_count(campaign: Campaign, unit: Unit | None) -> dict[str, Any]:
    return {"polls": _poll_sections(campaign), "meeting": _meeting_text(campaign)}


def _awards(campaign: Campaign, polls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    totals = {r["unit"].code: r["verified_total"] for r in scoring.ranking(campaign)}
    awards = []
    for poll in polls:
        if poll["elects"]:
            continue
        rows = [{"name": c["name"], "verified_total": totals.get(c["candidate"]),
                 "percent": c["percent"]} for c in poll["counts"] if c["elected"]]
        awards.append({"title": poll["title"], "rows": rows,
                       "units": [r["name"] for r in rows]})
    return awards


def _council_minutes(campaign: Campaign, unit: Unit | None) -> dict[str, Any]:
    from core.models import Poll, VoterRoll

    polls = _poll_sections(campaign)
    present_ids = set(db.session.scalars(
        select(VoterRoll.unit_id).join(Poll, Poll.id == VoterRoll.poll_id)
        .where(Poll.campaign_id == campaign.id, VoterRoll.voted_on.is_not(None))))
    members = _members(campaign)
    present, absent = ([u.name for u in members if u.id in present_ids],
                       [u.name for u in members if u.id not in present_ids])
    recorded = meeting.attendance(campaign)
    if recorded["recorded"]:  # the host's attendance list, with who stood for each unit
        present = [f"{u['name']} ({u['representative']}, {u['title']})"
                   for u in recorded["units"] if u["present"]]
        absent = [u["name"] for u in recorded["units"] if not u["present"]]
    leadership = [{"title": "Khối trưởng năm " + str(campaign.year + 1) if p["elects"] == "leader"
                   else "Khối phó năm " + str(campaign.year + 1),
                   "unit": ", ".join(p["elected_names"]) or "chưa bầu được"}
                  for p in polls if p["elects"]]
    return {"polls": polls, "meeting": _meeting_text(campaign),
            "present": present, "absent": absent,
            "awards": _awards(campaign, polls), "leadership": leadership}


def _proposal(campaign: Campaign, unit: Unit | None) -> dict[str, Any]:
    return {"awards": _awards(campaign, _poll_sections(campaign))}


BUILDERS: dict[str, Builder] = {
    "dang-ky": _registration,
    "tong-hop-dang-ky": _registrations_summary,
    "bao-cao-so-ket": _mid_year_summary,
    "tu-cham-diem": _self_score,
    "bang-tong-hop-diem": _score_table,
    "bien-ban-kiem-phieu": _vote_count,
    "bien-ban-hop-binh-xet": _council_minutes,
    "to-trinh": _proposal,
}

_merge_dossier()
