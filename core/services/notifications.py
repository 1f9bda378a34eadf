"""Reminders and notices: what is due for whom, the in-app notices, each person's choices, the
daily run (``flask --app wsgi remind``) and the step host's "remind the units that have not
sent" (from the status grid).

What is due comes from the year's model, never from rules of its own: a unit's owed work is
:func:`core.services.progress.due_for_unit` (the timeline's state of each step for that unit,
extensions included, minus what the unit has sent); who acts for a unit is the policy
(``WRITE_OWN_WORK``: the unit's staff); who may vote is the vote service's
``voter_refusal``; who hosts a step is the policy's host (the one who may close it).

The kinds of reminder (each person may turn each off; all are on by default):

- ``due_7``: the unit's step is open and due within 7 days (sent once per due date: the
  first daily run inside the window, normally 7 days before);
- ``due_1``: due tomorrow or today (once per due date);
- ``overdue``: past the last day, still taken and marked late ("gửi trễ hạn"), not sent:
  once, then at most once a week;
- ``poll_open``: a poll is open for the head's unit and it has not voted (once per poll);
- ``document_awaiting``: a document waits for the person's unit (or the board) to issue it
  (once per document; read from ``core.services.documents.awaiting_issue`` when it exists);
- ``nudge``: the step's host reminded the units that have not sent (one a day per step).

Every reminder given is a row of ``reminders_sent``, unique per person, campaign, kind,
subject and slot: running the command twice, or twice at once, sends nothing twice. Services
never commit; :func:`run` and :func:`nudge` leave the mail to be sent after the commit
(:func:`mail_out`), so a rolled-back run sends nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import current_app, has_request_context, request, url_for
from flask_babel import force_locale, lazy_gettext
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from core.config import TIMEZONE
from core.domain import Action, Deliverable, Role
from core.domain.vocabulary import N_
from core.errors import Conflict, DomainError, Forbidden, ValidationFailed
from core.extensions import db
from core.models import (
    NOTICE_KINDS,
    Campaign,
    Membership,
    Notice,
    NoticePreference,
    Nudge,
    ReminderSent,
    Unit,
    User,
)
from core.services import (
    audit,
    campaign_state,
    campaigns,
    clock,
    mail,
    office,
    progress,
    voting,
)

# The kinds, in the order the preferences page lists them, with their labels (message ids).
KIND_LABELS: dict[str, str] = {
    "due_7": N_("Còn 7 ngày đến hạn gửi"),
    "due_1": N_("Còn 1 ngày đến hạn gửi (và ngày cuối cùng)"),
    "overdue": N_("Đã quá hạn mà đơn vị chưa gửi (nhắc lại tối đa mỗi tuần một lần)"),
    "poll_open": N_("Cuộc bỏ phiếu đang mở, đơn vị chưa bỏ phiếu (Thủ trưởng)"),
    "document_awaiting": N_("Văn bản chờ đơn vị ban hành"),
    "nudge": N_("Khối trưởng, Khối phó nhắc đơn vị chưa gửi"),
}
assert tuple(KIND_LABELS) == NOTICE_KINDS  # noqa: S101 - the model's check lists the same

DUE_SOON_DAYS = 7
OVERDUE_EVERY_DAYS = 7
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class RemindedToday(DomainError):
    """The step's host already reminded the units today (one reminder a day per step)."""

    status = 429
    code = "reminded_today"


@dataclass(frozen=True)
class Reminder:
    """One reminder for one person: what it is about and the words it says."""

    user: User
    campaign: Campaign
    kind: str
    subject: str  # the deliverable, poll code or document name
    slot: str     # the due date, the day, or "" (see ReminderSent)
    title: str
    body: str
    link: str     # a path in the app

    @property
    def key(self) -> tuple[int, int, str, str, str]:
        return (self.user.id, self.campaign.id, self.kind, self.subject, self.slot)


@dataclass
class Given:
    """A reminder recorded (its notice made); ``mail`` says what became of its e-mail."""

    reminder: Reminder
    row: ReminderSent
    email: str | None
    mail: str = "skipped"


@dataclass
class RunReport:
    today: date
    given: list[Given] = field(default_factory=list)
    planned: list[Reminder] = field(default_factory=list)  # a dry run: what would be given

    def counts(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for g in self.given:
            found[g.mail] = found.get(g.mail, 0) + 1
        return found


# -- links -----------------------------------------------------------------------------------

def _path(endpoint: str, **values: Any) -> str:
    """A path in the app, also outside a request (the daily command)."""
    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context("/"):
        return url_for(endpoint, **values)


def base_url() -> str:
    configured = current_app.config.get("THIDUA_BASE_URL")
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        return request.url_root.rstrip("/")
    return "http://127.0.0.1:5000"


def _work_link(campaign: Campaign, deliverable: Deliverable, unit: Unit) -> str:
    args = {"bloc": campaign.bloc.code, "year": campaign.year, "unit": unit.code}
    kind = deliverable.report_kind
    if kind is None:
        return _path("cycle.registration_page", **args)
    return _path("cycle.report_page", kind=kind.value, **args)


# -- who -------------------------------------------------------------------------------------

def _staff(campaign: Campaign, unit_id: int) -> list[User]:
    """The people who act for a unit in the campaign (the policy's ``WRITE_OWN_WORK``)."""
    people = db.session.scalars(select(User).where(User.unit_id == unit_id, User.active)
                                .order_by(User.username))
    return [u for u in people
            if campaign_state.allowed(Action.WRITE_OWN_WORK, u, campaign, unit_id=unit_id)]


def may_remind(user: User | None, campaign: Campaign, deliverable: Deliverable | str) -> bool:
    """Whether the user hosts the step (the policy's host: the one who may also close it),
    so may remind the units that have not sent."""
    try:
        d = Deliverable(deliverable)
    except ValueError:
        return False
    return d in progress.UNIT_WORK and \
        campaign_state.allowed(Action.CLOSE_STEP, user, campaign, step=d)


# -- what is due for whom --------------------------------------------------------------------

def _campaign_words(campaign: Campaign) -> dict[str, Any]:
    return {"bloc": campaign.bloc.name, "year": campaign.year}


def _in_locale(user: User, build, *args: Any) -> Any:
    """``build(*args)`` in the person's language (their ``locale``, else Vietnamese)."""
    with force_locale(user.locale or "vi"):
        return build(*args)


def _work_reminders(campaign: Campaign, today: date) -> list[Reminder]:
    found: list[Reminder] = []
    for membership in campaigns.members_by_role(campaign):
        unit = membership.unit
        for item in progress.due_for_unit(campaign, unit, today):
            if not item["open"]:
                continue
            deliverable = Deliverable(item["phase"].deliverable)
            days = item["days_left"]
            if item["late"]:
                kind, slot = "overdue", today.isoformat()
            elif 0 <= days <= 1:
                kind, slot = "due_1", item["due"].isoformat()
            elif days <= DUE_SOON_DAYS:
                kind, slot = "due_7", item["due"].isoformat()
            else:
                continue
            link = _work_link(campaign, deliverable, unit)
            for user in _staff(campaign, unit.id):
                title, body = _in_locale(user, _work_words, kind, campaign, deliverable, unit,
                                         item["due"], days)
                found.append(Reminder(user, campaign, kind, deliverable.value, slot, title,
                                      body, link))
    return found


def _work_words(kind: str, campaign: Campaign, deliverable: Deliverable, unit: Unit,
                due: date, days: int) -> tuple[str, str]:
    words = {**_campaign_words(campaign), "product": _(deliverable.product), "unit": unit.name,
             "due": f"{due:%d/%m/%Y}", "days": days}
    if kind == "overdue":
        return (_("Quá hạn: %(product)s — %(bloc)s năm %(year)s", **words),
                _("%(unit)s chưa gửi %(product)s; hạn cuối là ngày %(due)s. Hệ thống vẫn "
                  "nhận nhưng ghi nhận gửi trễ hạn.", **words))
    if days == 0:
        title = _("Hôm nay là hạn cuối: %(product)s — %(bloc)s năm %(year)s", **words)
    else:
        title = _("Còn %(days)s ngày đến hạn: %(product)s — %(bloc)s năm %(year)s", **words)
    return title, _("%(unit)s chưa gửi %(product)s. Hạn cuối (đúng hạn): ngày %(due)s.",
                    **words)


def _poll_reminders(campaign: Campaign) -> list[Reminder]:
    found: list[Reminder] = []
    polls = [p for p in voting.stored_polls(campaign).values() if p.status == "open"]
    if not polls:
        return found
    heads = list(db.session.scalars(
        select(User).join(Membership, Membership.unit_id == User.unit_id)
        .where(Membership.campaign_id == campaign.id, User.role == "head", User.active)
        .order_by(User.username)))
    vote = campaign_state.plan(campaign).phase_for(Deliverable.VOTE)
    for poll in polls:
        link = _path("voting.ballot", bloc=campaign.bloc.code, year=campaign.year,
                     poll=poll.code)
        for user in heads:
            if voting.voter_refusal(poll, user) is not None or \
                    voting.has_voted(poll, user.unit_id):
                continue
            words = {**_campaign_words(campaign), "poll": poll.title, "unit": user.unit.name,
                     "due": f"{vote.due:%d/%m/%Y}" if vote else ""}
            title, body = _in_locale(user, lambda w=words: (
                _("Đang bỏ phiếu: %(poll)s — %(bloc)s năm %(year)s", **w),
                _("Cuộc bỏ phiếu kín “%(poll)s” đang mở; %(unit)s chưa bỏ phiếu. Thủ trưởng "
                  "đơn vị bỏ phiếu trên trang bỏ phiếu.", **w)))
            found.append(Reminder(user, campaign, "poll_open", poll.code, "", title, body,
                                  link))
    return found


def _document_reminders(campaign: Campaign) -> list[Reminder]:
    """Documents waiting to be issued, from the documents service when it offers
    ``awaiting_issue(campaign) -> [(document name, title, issuer role)]`` (the role a
    ``Role`` value — leader, deputy — or "board"; an issuing ``Unit`` is taken too)."""
    from core.services import documents

    awaiting = getattr(documents, "awaiting_issue", None)
    if awaiting is None:
        return []
    found: list[Reminder] = []
    link = _path("documents.index", bloc=campaign.bloc.code, year=campaign.year)
    for name, title, issuer in awaiting(campaign):
        role = str(getattr(issuer, "value", issuer))
        if isinstance(issuer, Unit):  # tolerated: the issuing unit itself
            people = _staff(campaign, issuer.id)
            who = issuer.name
        elif role == "board":
            people = list(db.session.scalars(select(User).where(User.is_board, User.active)
                                             .order_by(User.username)))
            who = office.office()  # a name, not a message: _() leaves it as it is
        else:
            unit_id = next((m.unit_id for m in campaign.memberships if m.role == role), None)
            people = _staff(campaign, unit_id) if unit_id is not None else []
            who = Role(role).label if role in Role.values() else role
        for user in people:
            words = {**_campaign_words(campaign), "title": title}
            t, body = _in_locale(user, lambda w=words, r=who: (
                _("Văn bản chờ ban hành: %(title)s", **w),
                _("Văn bản “%(title)s” của %(bloc)s năm %(year)s đang chờ %(role)s ban hành.",
                  role=_(r), **w)))
            found.append(Reminder(user, campaign, "document_awaiting", str(name)[:120], "",
                                  t, body, link))
    return found


def collect(today: date | None = None) -> list[Reminder]:
    """Every reminder due on ``today`` (default: the app's clock) for every open campaign,
    before preferences and what was already sent."""
    today = today or clock.today()
    found: list[Reminder] = []
    for campaign in campaigns.list_campaigns():
        if campaign.status != "open":
            continue
        found += _work_reminders(campaign, today)
        found += _poll_reminders(campaign)
        found += _document_reminders(campaign)  # last: another service's answer
    return found


# -- choices ---------------------------------------------------------------------------------

def preferences(user: User) -> dict[str, bool]:
    """The person's choice for every kind (default: on)."""
    chosen = dict(db.session.execute(
        select(NoticePreference.kind, NoticePreference.enabled)
        .where(NoticePreference.user_id == user.id)).all())
    return {kind: bool(chosen.get(kind, True)) for kind in NOTICE_KINDS}


def _all_preferences(user_ids: Iterable[int]) -> dict[tuple[int, str], bool]:
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    return {(u, k): bool(e) for u, k, e in db.session.execute(
        select(NoticePreference.user_id, NoticePreference.kind, NoticePreference.enabled)
        .where(NoticePreference.user_id.in_(ids))).all()}


def email_problem(email: str) -> str | None:
    if not email:
        return None
    if len(email) > 254 or not EMAIL_RE.match(email):
        return lazy_gettext("Địa chỉ e-mail không hợp lệ; nhập dạng ten@donvi.gov.vn.")
    return None


def set_email(user: User, email: str | None, *, actor: User) -> None:
    """Set (or clear, with an empty value) where a person's reminders are e-mailed: the person
    themselves or an admin."""
    if actor.id != user.id and not actor.is_admin:
        raise Forbidden(lazy_gettext("Chỉ chính người dùng hoặc quản trị viên được đổi địa chỉ "
                                     "e-mail."))
    value = (email or "").strip()
    problem = email_problem(value)
    if problem:
        raise ValidationFailed(problem, fields={"email": [problem]})
    if (user.email or "") == value:
        return
    user.email = value or None
    audit.record("user.email", "user", user.username, actor=actor,
                 details={"email": value or None})


def set_preferences(user: User, choices: dict[str, Any], *, actor: User) -> dict[str, bool]:
    """Turn kinds of reminder on or off for the person (only theirs). Unknown kinds or values
    that are not true/false: 422 naming the field, nothing written."""
    if actor.id != user.id:
        raise Forbidden(lazy_gettext("Mỗi người tự chọn loại nhắc việc mình nhận."))
    errors = {}
    for kind, value in choices.items():
        if kind not in NOTICE_KINDS:
            errors[str(kind)[:40]] = [lazy_gettext("Không có loại nhắc việc này.")]
        elif not isinstance(value, bool):
            errors[kind] = [lazy_gettext("Phải là true hoặc false.")]
    if errors:
        raise ValidationFailed(lazy_gettext("Lựa chọn nhắc việc không hợp lệ."), fields=errors)
    current = preferences(user)
    changed = {k: v for k, v in choices.items() if current[k] != v}
    now = clock.now()
    for kind, value in changed.items():
        row = db.session.get(NoticePreference, (user.id, kind))
        if row is None:
            db.session.add(NoticePreference(user_id=user.id, kind=kind, enabled=value,
                                            updated_at=now))
        else:
            row.enabled, row.updated_at = value, now
    if changed:
        db.session.flush()
        audit.record("notices.preferences", "user", user.username, actor=actor,
                     details=changed)
    return {**current, **changed}


# -- giving reminders ------------------------------------------------------------------------

def _already(reminders: list[Reminder], today: date) -> set[tuple]:
    """Keys of reminders already given; an overdue one counts as given while one of the same
    step was given in the last 7 days (at most weekly)."""
    if not reminders:
        return set()
    campaign_ids = sorted({r.campaign.id for r in reminders})
    rows = db.session.execute(
        select(ReminderSent.user_id, ReminderSent.campaign_id, ReminderSent.kind,
               ReminderSent.subject, ReminderSent.slot)
        .where(ReminderSent.campaign_id.in_(campaign_ids))).all()
    given = {tuple(r) for r in rows}
    week_ago = (today - timedelta(days=OVERDUE_EVERY_DAYS - 1)).isoformat()
    recent_overdue = {(u, c, s) for u, c, k, s, slot in rows
                      if k == "overdue" and week_ago <= slot <= today.isoformat()}
    found = set()
    for r in reminders:
        if r.key in given or (r.kind == "overdue" and
                              (r.user.id, r.campaign.id, r.subject) in recent_overdue):
            found.add(r.key)
    return found


def pending(reminders: list[Reminder], today: date) -> list[Reminder]:
    """The reminders still to give: the person wants the kind and has not had it."""
    chosen = _all_preferences(r.user.id for r in reminders)
    done = _already(reminders, today)
    seen: set[tuple] = set()
    out = []
    for r in reminders:
        if r.key in done or r.key in seen or not chosen.get((r.user.id, r.kind), True):
            continue
        seen.add(r.key)
        out.append(r)
    return out


def give(reminders: list[Reminder], today: date) -> list[Given]:
    """Record each pending reminder and make its notice (in the caller's transaction). A
    reminder another run recorded meanwhile is skipped (the unique key)."""
    out: list[Given] = []
    now = clock.now()
    for r in pending(reminders, today):
        row = ReminderSent(user_id=r.user.id, campaign_id=r.campaign.id, kind=r.kind,
                           subject=r.subject, slot=r.slot, sent_at=now,
                           mail="no_address" if not r.user.email else "skipped")
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:
            continue
        db.session.add(Notice(user_id=r.user.id, campaign_id=r.campaign.id, kind=r.kind,
                              title=r.title[:300], body=r.body, link=r.link[:500],
                              created_at=now))
        out.append(Given(r, row, r.user.email, row.mail))
    db.session.flush()
    return out


def _email_text(g: Given) -> mail.Message:
    r = g.reminder
    base = base_url()

    def words() -> tuple[str, str]:
        unit = f" ({r.user.unit.name})" if r.user.unit else ""
        body = "\n".join([
            _("Kính gửi %(name)s%(unit)s,", name=r.user.full_name, unit=unit), "",
            r.body, "",
            _("Mở trang: %(url)s", url=base + r.link), "",
            _("Bạn nhận thư này vì đang nhận loại nhắc việc “%(kind)s”. Chọn loại nhắc việc "
              "muốn nhận tại %(url)s.", kind=_(KIND_LABELS[r.kind]),
              url=base + _path("notices.preferences")),
            "-- ", _("Hệ thống Thi đua – Khen thưởng")])
        return r.title, body

    subject, body = _in_locale(r.user, words)
    return mail.Message(to=(g.email,), subject=subject, body=body)


def mail_out(given: list[Given]) -> None:
    """E-mail the reminders recorded (call after the commit); each row keeps the outcome
    (``sent``, ``skipped`` without an SMTP server, ``failed``, ``no_address``). The caller
    commits the outcomes."""
    to_send = [g for g in given if g.email]
    results = mail.send_all([_email_text(g) for g in to_send])
    for g, result in zip(to_send, results, strict=True):
        g.mail = result
    for state in {g.mail for g in given}:
        ids = [g.row.id for g in given if g.mail == state]
        db.session.execute(update(ReminderSent).where(ReminderSent.id.in_(ids))
                           .values(mail=state))


def run(today: date | None = None, *, dry_run: bool = False) -> RunReport:
    """The daily run: give every pending reminder (in the caller's transaction). A dry run
    only lists them. The caller commits, then calls :func:`mail_out`."""
    today = today or clock.today()
    found = collect(today)
    report = RunReport(today)
    if dry_run:
        report.planned = pending(found, today)
        return report
    report.given = give(found, today)
    if report.given:
        audit.record("reminders.run", "reminders", today.isoformat(), actor=None,
                     details={"given": len(report.given),
                              "kinds": sorted({g.reminder.kind for g in report.given})})
    return report


#: How long an e-mail the SMTP server refused (or could not be reached for) is tried again,
#: once per daily run: a reminder older than that is stale and only its in-app notice stays.
RETRY_DAYS = 3


def failed_mail(today: date | None = None) -> list[Given]:
    """The reminders of the last :data:`RETRY_DAYS` days whose e-mail failed, with the words
    of their notice (made in the same instant as the record, for the same person, campaign
    and kind), to be e-mailed again by :func:`mail_out`. The caller commits the outcomes."""
    today = today or clock.today()
    since = datetime.combine(today - timedelta(days=RETRY_DAYS), time.min, tzinfo=TIMEZONE)
    rows = list(db.session.scalars(
        select(ReminderSent).where(ReminderSent.mail == "failed", ReminderSent.sent_at >= since)
        .order_by(ReminderSent.id)))
    again: list[Given] = []
    for row in rows:
        notice = db.session.scalar(select(Notice).where(
            Notice.user_id == row.user_id, Notice.campaign_id == row.campaign_id,
            Notice.kind == row.kind, Notice.created_at == row.sent_at).limit(1))
        user, campaign = db.session.get(User, row.user_id), db.session.get(Campaign,
                                                                           row.campaign_id)
        if notice is None or user is None or campaign is None or not user.active:
            continue
        if not user.email:
            row.mail = "no_address"
            continue
        reminder = Reminder(user, campaign, row.kind, row.subject, row.slot, notice.title,
                            notice.body, notice.link or "")
        again.append(Given(reminder, row, user.email, row.mail))
    db.session.flush()
    return again


# -- the host's reminder from the grid -------------------------------------------------------

def missing_units(campaign: Campaign, deliverable: Deliverable,
                  today: date | None = None) -> list[Unit]:
    """The member units that owe the step's work and may still send it (the timeline's state
    for each unit, extensions included)."""
    today = today or clock.today()
    out = []
    for membership in campaigns.members_by_role(campaign):
        owed = progress.due_for_unit(campaign, membership.unit, today)
        if any(o["phase"].deliverable == deliverable.value and o["open"] for o in owed):
            out.append(membership.unit)
    return out


def nudge(campaign: Campaign, deliverable: Deliverable | str, *,
          actor: User) -> tuple[list[Unit], list[Given]]:
    """The step's host reminds the units that have not sent (at most once a day per step,
    audited). Returns the units reminded and the reminders given (e-mail them with
    :func:`mail_out` after the commit)."""
    try:
        d = Deliverable(deliverable)
    except ValueError as exc:
        raise ValidationFailed(lazy_gettext("Không có bước này."),
                               fields={"deliverable": [lazy_gettext("Không có bước này.")]}
                               ) from exc
    if d not in progress.UNIT_WORK:
        raise ValidationFailed(lazy_gettext("Bước này không do các đơn vị gửi."),
                               fields={"deliverable": [lazy_gettext("Không có bước này.")]})
    if not may_remind(actor, campaign, d):
        plan = campaign_state.plan(campaign)
        raise Forbidden(lazy_gettext("Chỉ %(host)s nhắc các đơn vị chưa gửi “%(step)s”.",
                                     host=office.host_words(plan, d),
                                     step=lazy_gettext(d.label)))
    campaign_state.refuse_unless_accepting(campaign_state.step(campaign, d))
    today = clock.today()
    units = missing_units(campaign, d, today)
    if not units:
        raise Conflict(lazy_gettext("Mọi đơn vị đã gửi “%(step)s”; không có ai để nhắc.",
                                    step=lazy_gettext(d.label)), code="nothing_to_remind")
    record = Nudge(campaign_id=campaign.id, deliverable=d.value, day=today, sent_by=actor.id,
                   sent_at=clock.now(), units=len(units))
    try:
        with db.session.begin_nested():
            db.session.add(record)
    except IntegrityError as exc:
        raise RemindedToday(lazy_gettext(
            "Hôm nay đã nhắc các đơn vị chưa gửi “%(step)s”; mỗi ngày chỉ nhắc một lần.",
            step=lazy_gettext(d.label))) from exc
    host = actor.unit.name if actor.unit else actor.full_name
    reminders = []
    for unit in units:
        unit_status = campaign_state.timeline(campaign, today).step(d, unit.id)
        link = _work_link(campaign, d, unit)
        for user in _staff(campaign, unit.id):
            words = {**_campaign_words(campaign), "product": "", "unit": unit.name,
                     "due": f"{unit_status.due:%d/%m/%Y}", "host": host}

            def build(w=words, late=unit_status.late) -> tuple[str, str]:
                w = {**w, "product": _(d.product)}
                body = _("%(host)s nhắc: %(unit)s chưa gửi %(product)s. Hạn cuối (đúng hạn): "
                         "ngày %(due)s.", **w)
                if late:
                    body += " " + _("Đã quá hạn; hệ thống vẫn nhận và ghi nhận gửi trễ hạn.")
                return _("Nhắc gửi %(product)s — %(bloc)s năm %(year)s", **w), body

            title, body = _in_locale(user, build)
            reminders.append(Reminder(user, campaign, "nudge", d.value, today.isoformat(),
                                      title, body, link))
    given = give(reminders, today)
    audit.record("reminders.nudge", "campaign", f"{campaign.bloc.code}/{campaign.year}",
                 actor=actor, details={"step": d.value, "units": [u.code for u in units],
                                       "people": len(given)})
    return units, given


def nudged_today(campaign: Campaign) -> set[str]:
    """The steps whose units were already reminded today."""
    return set(db.session.scalars(select(Nudge.deliverable).where(
        Nudge.campaign_id == campaign.id, Nudge.day == clock.today())))


# -- notices ---------------------------------------------------------------------------------

def unread_count(user: User) -> int:
    return db.session.scalar(select(func.count(Notice.id)).where(
        Notice.user_id == user.id, Notice.read_at.is_(None))) or 0


def notices_of(user: User, *, limit: int = 100, unread_only: bool = False) -> list[Notice]:
    query = select(Notice).where(Notice.user_id == user.id)
    if unread_only:
        query = query.where(Notice.read_at.is_(None))
    return list(db.session.scalars(query.order_by(Notice.created_at.desc(), Notice.id.desc())
                                   .limit(limit)))


def mark_read(user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the person's notices read (``ids``, or all of them); others' are not touched.
    Returns how many changed."""
    query = update(Notice).where(Notice.user_id == user.id, Notice.read_at.is_(None))
    if ids is not None:
        wanted = [int(i) for i in ids]
        if not wanted:
            return 0
        query = query.where(Notice.id.in_(wanted))
    result = db.session.execute(query.values(read_at=clock.now()))
    return result.rowcount or 0


def to_dict(notice: Notice) -> dict[str, Any]:
    return {"id": notice.id, "kind": notice.kind, "title": notice.title, "body": notice.body,
            "link": notice.link,
            "created_at": clock.local(notice.created_at).isoformat(),
            "read_at": clock.local(notice.read_at).isoformat() if notice.read_at else None}
