"""Units change, history stays: renames, merges and splits, each with its effective date and
the decision that ordered it (số và ngày quyết định), audited, in the caller's one transaction.

* **Rename**: the unit keeps its row (id, code, accounts, history); its names are dated
  (``unit_names``), so :func:`name_on` gives the name it had on any day and documents print
  the name of their own date.
* **Merge** (several into one): the successor is an existing unit or a new one; it carries
  the history of every source. **Split** (one into several): the decision names the successor
  that carries the history (``carrier``); the source may continue as one of the successors.
* **A campaign in progress continues with the successor** (a campaign not closed whose
  calendar runs on or after the effective date): the source's membership (the strongest role
  among the merged units: leader, deputy, member), registration, reports (with their progress
  and attachments), score sheet, extensions and attendance move to the successor. Earlier
  years stay with the unit that lived them: the 2021 campaign keeps Sở TT&TT.

The rule for conflicting work: in one campaign, the work of **one** unit continues. When two
of the merging units (the successor included) both have work there (a registration, a report
or a score sheet), the decision must say whose work continues (``carrier``); the others' work
is kept, unchanged and readable, under the unit that did it (it ended with the merge). When
the successor already has work of its own there, the carrier must be the successor. Refused,
with a message naming the field: a unit merged into itself; a campaign left without a leader
(a split without a carrier, when the unit leads a campaign in progress); a campaign whose
vote has begun; an effective date more than :data:`FUTURE_DAYS` days ahead (for people; the
command line and the demo record known history), before a unit existed, or before a change
already recorded for it; a unit that no longer exists.

Accounts stay with their unit (the admin moves staff with the people pages). A unit whose
end is recorded ahead of its date stays active until then (:func:`active_on`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from core.errors import Conflict, ValidationFailed
from core.extensions import db
from core.models import (
    Campaign,
    DeadlineExtension,
    MeetingAttendance,
    Membership,
    Poll,
    Registration,
    Report,
    ScoreSheet,
    Unit,
    UnitEvent,
    UnitEventLink,
    UnitName,
    User,
)
from core.services import accounts, audit, campaign_state, clock, permissions
from core.validators import normalise, text_problem

# How far ahead of today a person may date a change (the decision is known, its date near).
FUTURE_DAYS = 366
ROLE_ORDER = {"leader": 0, "deputy": 1, "member": 2}


@dataclass(frozen=True)
class Decision:
    """The document that ordered a change: its number, date, issuer and a note."""

    number: str
    date: Any  # a date, or "YYYY-MM-DD" / "dd/mm/yyyy" from a form
    issuer: str = ""
    note: str = ""


@dataclass(frozen=True)
class NewUnit:
    """A successor the change creates."""

    code: str
    name: str
    short_name: str


# -- names on a date ---------------------------------------------------------------------

def _names(unit_ids: Iterable[int]) -> dict[int, list[UnitName]]:
    ids = list(set(unit_ids))
    found: dict[int, list[UnitName]] = {i: [] for i in ids}
    if not ids:
        return found
    for row in db.session.scalars(select(UnitName).where(UnitName.unit_id.in_(ids))
                                  .order_by(UnitName.unit_id, UnitName.valid_from)):
        found[row.unit_id].append(row)
    return found


def _pick(rows: list[UnitName], day: date) -> UnitName | None:
    if not rows:
        return None
    chosen = rows[0]  # before its first dated name, a unit had that name
    for row in rows:
        if row.valid_from <= day:
            chosen = row
    return chosen


def names_on(units: Iterable[Unit], day: date) -> dict[int, tuple[str, str]]:
    """{unit id: (name, short name)} as each unit was called on ``day`` (one query)."""
    units = list(units)
    rows = _names(u.id for u in units)
    found = {}
    for unit in units:
        row = _pick(rows[unit.id], day)
        found[unit.id] = (row.name, row.short_name) if row else (unit.name, unit.short_name)
    return found


@contextmanager
def names_as_of(day: date) -> Iterator[None]:
    """Inside the block, every unit that was renamed reads with the name it had on ``day``
    (``unit.name``, ``unit.short_name``): a document renders under the names of its own date
    wherever its templates and builders print a unit. The names are set in memory only, as
    loaded values (``set_committed_value``: nothing to flush), and put back afterwards."""
    renamed = list(db.session.scalars(select(Unit).where(
        Unit.id.in_(select(UnitName.unit_id).distinct()))))
    if not renamed:
        yield
        return
    dated = names_on(renamed, day)
    saved = {u.id: (u.name, u.short_name) for u in renamed}
    try:
        for unit in renamed:
            name, short = dated[unit.id]
            set_committed_value(unit, "name", name)
            set_committed_value(unit, "short_name", short)
        yield
    finally:
        for unit in renamed:
            name, short = saved[unit.id]
            set_committed_value(unit, "name", name)
            set_committed_value(unit, "short_name", short)


def name_on(unit: Unit, day: date) -> str:
    """The name ``unit`` had on ``day`` (documents print the name of their own date)."""
    return names_on([unit], day)[unit.id][0]


def short_name_on(unit: Unit, day: date) -> str:
    """The short name ``unit`` had on ``day``."""
    return names_on([unit], day)[unit.id][1]


# -- lineage -----------------------------------------------------------------------------

def _links_of(unit_ids: Iterable[int]) -> list[UnitEventLink]:
    ids = list(set(unit_ids))
    if not ids:
        return []
    return list(db.session.scalars(
        select(UnitEventLink).join(UnitEvent).where(UnitEventLink.unit_id.in_(ids))
        .order_by(UnitEvent.effective_on, UnitEvent.id)))


def _event_links(event_ids: Iterable[int]) -> list[UnitEventLink]:
    ids = list(set(event_ids))
    if not ids:
        return []
    return list(db.session.scalars(select(UnitEventLink).where(UnitEventLink.event_id.in_(ids))
                                   .order_by(UnitEventLink.id)))


def ended_on(unit: Unit) -> date | None:
    """The day a unit stopped existing: the effective date of the merge or split it was a
    source of without continuing as a successor (None while it exists)."""
    events: dict[int, set[str]] = {}
    dates: dict[int, date] = {}
    for link in _links_of([unit.id]):
        if link.event.kind == "rename":
            continue
        events.setdefault(link.event_id, set()).add(link.side)
        dates[link.event_id] = link.event.effective_on
    ends = [dates[e] for e, sides in events.items() if sides == {"source"}]
    return min(ends) if ends else None


def active_on(unit: Unit, day: date) -> bool:
    """Whether the unit existed on ``day`` (between its start and its end)."""
    end = ended_on(unit)
    return (end is None or day < end) and started_on(unit) <= day


def started_on(unit: Unit) -> date:
    """The first day the unit existed, as far as the app knows: the effective date of the
    change that created it; otherwise the earliest of its creation in the app, the first
    of January of its first campaign and its first dated name."""
    for link in _links_of([unit.id]):
        if link.created_unit:
            return link.event.effective_on
    days = [clock.local(unit.created_at).date()]
    first_year = db.session.scalar(
        select(Campaign.year).join(Membership).where(Membership.unit_id == unit.id)
        .order_by(Campaign.year).limit(1))
    if first_year is not None:
        days.append(date(first_year, 1, 1))
    first_name = db.session.scalar(select(UnitName.valid_from).where(UnitName.unit_id == unit.id)
                                   .order_by(UnitName.valid_from).limit(1))
    if first_name is not None:
        days.append(first_name)
    return min(days)


def predecessors(unit: Unit) -> list[tuple[Unit, UnitEvent]]:
    """Every unit whose history ``unit`` carries (merged into it, or split with it as the
    carrier), recursively, with the event that passed it on; oldest event first."""
    found: list[tuple[Unit, UnitEvent]] = []
    seen = {unit.id}
    frontier = [unit.id]
    while frontier:
        carrier_links = [link for link in _links_of(frontier)
                         if link.side == "successor" and link.carries_history
                         and link.event.kind != "rename"]
        frontier = []
        for link in _event_links(lk.event_id for lk in carrier_links):
            if link.side == "source" and link.unit_id not in seen:
                seen.add(link.unit_id)
                frontier.append(link.unit_id)
                found.append((link.unit, link.event))
    return sorted(found, key=lambda pair: (pair[1].effective_on, pair[1].id))


def successor(unit: Unit, *, on: date | None = None) -> Unit | None:
    """The unit that carries ``unit``'s history (through every later merge or split), or
    None when the unit has not ended; ``on``: only the changes in effect on that day
    (default: every recorded change)."""
    current, seen = unit, {unit.id}
    while True:
        links = [lk for lk in _links_of([current.id]) if lk.side == "source"
                 and lk.event.kind != "rename"
                 and (on is None or lk.event.effective_on <= on)]
        if not links:
            return current if current.id != unit.id else None
        nxt = next((lk.unit for lk in _event_links([links[-1].event_id])
                    if lk.side == "successor" and lk.carries_history), None)
        if nxt is None or nxt.id in seen or nxt.id == current.id:
            return current if current.id != unit.id else None
        seen.add(nxt.id)
        current = nxt


def successors(units: Iterable[Unit], *, on: date | None = None) -> dict[int, Unit]:
    """{unit id: the unit carrying its history} for the units that ended (one query when
    none did); ``on``: only the changes in effect on that day (default: every one)."""
    units = list(units)
    query = (select(UnitEventLink.unit_id).join(UnitEvent)
             .where(UnitEventLink.unit_id.in_([u.id for u in units]),
                    UnitEventLink.side == "source", UnitEvent.kind != "rename"))
    if on is not None:
        query = query.where(UnitEvent.effective_on <= on)
    ended = set(db.session.scalars(query))
    found = {}
    for unit in units:
        if unit.id in ended:
            later = successor(unit, on=on)
            if later is not None:
                found[unit.id] = later
    return found


def events_of(unit: Unit) -> list[dict[str, Any]]:
    """The changes the unit took part in, oldest first, as plain data."""
    links = _links_of([unit.id])
    others = _event_links(lk.event_id for lk in links)
    out = []
    for link in links:
        event = link.event
        peers = [lk for lk in others if lk.event_id == event.id]
        out.append(describe_event(event, peers) | {"side": link.side})
    return out


def describe_event(event: UnitEvent, links: list[UnitEventLink] | None = None) -> dict[str, Any]:
    links = links if links is not None else list(event.links)
    return {
        "id": event.id, "kind": event.kind, "effective_on": event.effective_on.isoformat(),
        "decision": {"number": event.decision_number,
                     "date": event.decision_date.isoformat(),
                     "issuer": event.decision_issuer, "note": event.note},
        "sources": [lk.unit.code for lk in links if lk.side == "source"],
        "successors": [lk.unit.code for lk in links if lk.side == "successor"],
        "carrier": next((lk.unit.code for lk in links if lk.carries_history), None),
        "created": [lk.unit.code for lk in links if lk.created_unit],
    }


def lineage(code: str) -> dict[str, Any]:
    """A unit's dated names, its changes, the units whose history it carries and the unit
    that carries its history now (API ``GET /api/v1/units/{code}/lineage``)."""
    unit = accounts.get_unit(code)
    rows = _names([unit.id])[unit.id]
    after = successor(unit)
    return {
        "unit": unit.code, "name": unit.name, "short_name": unit.short_name,
        "active": unit.active, "started_on": started_on(unit).isoformat(),
        "ended_on": (lambda d: d.isoformat() if d else None)(ended_on(unit)),
        "names": [{"name": r.name, "short_name": r.short_name,
                   "valid_from": r.valid_from.isoformat()} for r in rows],
        "events": events_of(unit),
        "predecessors": [{"unit": u.code, "name": u.name, "event": e.id,
                          "effective_on": e.effective_on.isoformat()}
                         for u, e in predecessors(unit)],
        "successor": {"unit": after.code, "name": after.name} if after else None,
    }


# -- validation --------------------------------------------------------------------------

def parse_day(value: Any, field: str, errors: dict[str, list[str]]) -> date | None:
    """A date from a date, "YYYY-MM-DD" or "dd/mm/yyyy"; a problem under ``field`` otherwise."""
    if isinstance(value, date):
        return value
    text = normalise(value if isinstance(value, str) else "")
    if not text:
        errors.setdefault(field, []).append("Bắt buộc nhập ngày.")
        return None
    try:
        if "/" in text:
            day, month, year = (int(p) for p in text.split("/"))
            return date(year, month, day)
        return date.fromisoformat(text)
    except ValueError:
        errors.setdefault(field, []).append(
            f"Ngày '{text[:20]}' không hợp lệ (dd/mm/yyyy hoặc yyyy-mm-dd).")
        return None


def _raise(errors: dict[str, list[str]], message: str = "Dữ liệu không hợp lệ.") -> None:
    if errors:
        raise ValidationFailed(message, fields=errors)


def _decision(decision: Decision, errors: dict[str, list[str]]) -> tuple[str, date | None]:
    number = normalise(decision.number)
    problem = text_problem(number, required=True, max_length=120)
    if problem:
        errors.setdefault("decision_number", []).append(
            "Số quyết định: " + problem[0].lower() + problem[1:])
    for field, value, limit in (("decision_issuer", decision.issuer, 200),
                                ("note", decision.note, 2000)):
        problem = text_problem(normalise(value), required=False, max_length=limit)
        if problem:
            errors.setdefault(field, []).append(problem)
    return number, parse_day(decision.date, "decision_date", errors)


def _check_dates(effective: date | None, decided: date | None, units: list[Unit],
                 actor: User | None, errors: dict[str, list[str]], *,
                 ending: list[Unit] = ()) -> None:
    """The decision is issued (for people), the effective date is within the bound (for
    people), every unit exists on that date, and a unit the change ends has no change
    recorded on or after it (its changes are recorded in the order of their dates)."""
    today = clock.today()
    # The command line and the demo (no actor) record known history: no bound for them.
    if actor is not None and decided is not None and decided > today:
        errors.setdefault("decision_date", []).append(
            f"Ngày quyết định {decided:%d/%m/%Y} chưa đến: quyết định phải đã ban hành.")
    if effective is None:
        return
    bound = today + timedelta(days=FUTURE_DAYS)
    if actor is not None and effective > bound:
        errors.setdefault("effective_on", []).append(
            f"Ngày hiệu lực {effective:%d/%m/%Y} quá xa: không được sau {bound:%d/%m/%Y} "
            f"({FUTURE_DAYS} ngày kể từ hôm nay).")
    for unit in units:
        start, end = started_on(unit), ended_on(unit)
        if effective < start:
            errors.setdefault("effective_on", []).append(
                f"Ngày hiệu lực {effective:%d/%m/%Y} trước ngày {unit.name} bắt đầu có trong "
                f"hệ thống ({start:%d/%m/%Y}).")
        elif end is not None and effective >= end:
            errors.setdefault("effective_on", []).append(
                f"{unit.name} đã ngừng tồn tại từ {end:%d/%m/%Y} (đã sáp nhập hoặc chia tách).")
    for unit in ending:
        last = db.session.scalar(
            select(UnitEvent.effective_on).join(UnitEventLink)
            .where(UnitEventLink.unit_id == unit.id).order_by(UnitEvent.effective_on.desc())
            .limit(1))
        if last is not None and last > effective:
            errors.setdefault("effective_on", []).append(
                f"{unit.name} đã có thay đổi ghi ngày {last:%d/%m/%Y}; không ghi việc sáp nhập, "
                f"chia tách đơn vị này từ ngày {effective:%d/%m/%Y}, trước thay đổi đó.")


def _existing(code: Any, field: str, errors: dict[str, list[str]]) -> Unit | None:
    code = normalise(code if isinstance(code, str) else "")
    if not code:
        errors.setdefault(field, []).append("Bắt buộc chọn đơn vị.")
        return None
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        errors.setdefault(field, []).append(f"Không có đơn vị mã '{code[:40]}'.")
    return unit


def _event(kind: str, effective: date, number: str, decided: date, decision: Decision,
           actor: User | None) -> UnitEvent:
    event = UnitEvent(kind=kind, effective_on=effective, decision_number=number,
                      decision_date=decided, decision_issuer=normalise(decision.issuer),
                      note=normalise(decision.note), recorded_at=clock.now(),
                      recorded_by=actor.id if actor is not None else None)
    db.session.add(event)
    return event


def _audit_details(event: UnitEvent, extra: dict[str, Any]) -> dict[str, Any]:
    return {"effective_on": event.effective_on.isoformat(),
            "decision": {"number": event.decision_number,
                         "date": event.decision_date.isoformat(),
                         "issuer": event.decision_issuer, "note": event.note}} | extra


def _require_admin(actor: User | None) -> None:
    """Only an admin (or the system) records a change; then the audited writers are
    serialised before anything is checked (a concurrent change cannot slip in between)."""
    if actor is not None:
        permissions.require(permissions.is_admin(actor),
                            "Chỉ quản trị viên được ghi thay đổi đơn vị (đổi tên, sáp nhập, "
                            "chia tách).")
    audit.lock()


def _baseline(unit: Unit, before: date) -> None:
    """The first time a unit takes part in a change, date its current name from its start:
    the start stays known after its memberships move away."""
    if not db.session.scalar(select(UnitName.id).where(UnitName.unit_id == unit.id).limit(1)):
        start = started_on(unit)
        if start < before:
            db.session.add(UnitName(unit_id=unit.id, name=unit.name, short_name=unit.short_name,
                                    valid_from=start))
            db.session.flush()


def _record_names(unit: Unit, name: str, short_name: str, valid_from: date,
                  event: UnitEvent | None) -> None:
    """Date the unit's current name from its start (first time), then add the new one."""
    _baseline(unit, valid_from)
    db.session.add(UnitName(unit_id=unit.id, name=name, short_name=short_name,
                            valid_from=valid_from, event_id=event.id if event else None))
    db.session.flush()
    today_name = names_on([unit], clock.today())[unit.id]
    unit.name, unit.short_name = today_name


# -- rename ------------------------------------------------------------------------------

def rename(code: str, *, name: str, short_name: str, effective_on: Any, decision: Decision,
           actor: User | None) -> UnitEvent:
    """Rename a unit from ``effective_on``; its id, code, accounts and history stay."""
    _require_admin(actor)
    errors: dict[str, list[str]] = {}
    unit = _existing(code, "unit", errors)
    name, short_name = normalise(name), normalise(short_name)
    for field, value, limit in (("name", name, 200), ("short_name", short_name, 80)):
        problem = text_problem(value, required=True, max_length=limit)
        if problem:
            errors.setdefault(field, []).append(problem)
    effective = parse_day(effective_on, "effective_on", errors)
    number, decided = _decision(decision, errors)
    if unit is not None:
        _check_dates(effective, decided, [unit], actor, errors)
        if effective is not None and db.session.scalar(select(UnitName.id).where(
                UnitName.unit_id == unit.id, UnitName.valid_from == effective)):
            errors.setdefault("effective_on", []).append(
                f"{unit.name} đã có một tên bắt đầu từ {effective:%d/%m/%Y}.")
        if unit is not None and effective is not None and not errors:
            current = names_on([unit], effective)[unit.id]
            if current == (name, short_name):
                errors.setdefault("name", []).append(
                    f"Tên mới giống tên {unit.code} đang có vào ngày {effective:%d/%m/%Y}.")
    _raise(errors, "Không đổi tên được đơn vị.")
    old = names_on([unit], effective)[unit.id]
    event = _event("rename", effective, number, decided, decision, actor)
    event.links.append(UnitEventLink(unit=unit, side="source"))
    db.session.flush()
    _record_names(unit, name, short_name, effective, event)
    audit.record("unit.rename", "unit", unit.code, actor=actor, details=_audit_details(
        event, {"from": {"name": old[0], "short_name": old[1]},
                "to": {"name": name, "short_name": short_name}}))
    return event


# -- campaigns in progress ---------------------------------------------------------------

def _last_day(campaign: Campaign) -> date:
    calendar = campaign_state.plan(campaign).calendar
    return max((p.due for p in calendar), default=date(campaign.year, 12, 31))


def campaigns_in_progress(unit_ids: Iterable[int], effective: date) -> list[Campaign]:
    """The campaigns of these units that a change on ``effective`` reaches: not closed nor
    archived, with a calendar that runs on or after that day."""
    ids = list(set(unit_ids))
    found = db.session.scalars(
        select(Campaign).join(Membership).where(Membership.unit_id.in_(ids),
                                                Campaign.status == "open")
        .distinct().order_by(Campaign.year, Campaign.id))
    return [c for c in found if _last_day(c) >= effective]


def _work(campaign: Campaign, unit_ids: list[int]) -> dict[int, dict[str, list[Any]]]:
    out: dict[int, dict[str, list[Any]]] = {u: {"registration": [], "report": [],
                                                "score_sheet": []} for u in unit_ids}
    for row in db.session.scalars(select(Registration).where(
            Registration.campaign_id == campaign.id, Registration.unit_id.in_(unit_ids))):
        out[row.unit_id]["registration"].append(row)
    for row in db.session.scalars(select(Report).where(
            Report.campaign_id == campaign.id, Report.unit_id.in_(unit_ids))):
        out[row.unit_id]["report"].append(row)
    for row in db.session.scalars(select(ScoreSheet).where(
            ScoreSheet.campaign_id == campaign.id, ScoreSheet.unit_id.in_(unit_ids))):
        out[row.unit_id]["score_sheet"].append(row)
    return out


def _has_work(work: dict[str, list[Any]]) -> bool:
    return any(work.values())


def _plan_carry(sources: list[Unit], into: Unit, effective: date, carrier: Unit | None,
                errors: dict[str, list[str]], *, drop: bool = False) -> list[dict[str, Any]]:
    """Check every campaign the change reaches and say what moves; nothing is written.
    ``drop``: the sources leave the campaigns without a successor (a split without carrier)."""
    plans = []
    ids = [u.id for u in sources]
    for campaign in campaigns_in_progress(ids, effective):
        label = f"{campaign.title}"
        members = {m.unit_id: m for m in campaign.memberships}
        if db.session.scalar(select(Poll.id).where(Poll.campaign_id == campaign.id).limit(1)):
            errors.setdefault("effective_on", []).append(
                f"{label}: khối đã bắt đầu bỏ phiếu; không sáp nhập, chia tách đơn vị thành "
                "viên khi cuộc bỏ phiếu đang diễn ra.")
            continue
        in_sources = [u for u in sources if u.id in members]
        if drop:
            if any(members[u.id].role == "leader" for u in in_sources):
                errors.setdefault("carrier", []).append(
                    f"{label}: {in_sources[0].name} là Khối trưởng; chia tách mà không có đơn "
                    "vị kế thừa sẽ để khối không có Khối trưởng. Hãy chọn đơn vị kế thừa.")
            plans.append({"campaign": campaign, "drop": in_sources})
            continue
        participants = in_sources + ([into] if into.id in members else [])
        work = _work(campaign, [u.id for u in participants])
        workers = [u for u in participants if _has_work(work[u.id])]
        source_of_work: Unit | None = workers[0] if len(workers) == 1 else None
        if len(workers) > 1:
            names = ", ".join(u.name for u in workers)
            if into in workers and (carrier is None or carrier.id != into.id):
                errors.setdefault("carrier", []).append(
                    f"{label}: {names} đều đã có hồ sơ (đăng ký, báo cáo hoặc bảng điểm); "
                    f"{into.name} đã có hồ sơ riêng nên hồ sơ tiếp tục phải là của {into.name} "
                    "(chọn đơn vị mang hồ sơ).")
                continue
            if carrier is None or carrier.id not in [u.id for u in workers]:
                errors.setdefault("carrier", []).append(
                    f"{label}: {names} đều đã có hồ sơ (đăng ký, báo cáo hoặc bảng điểm); "
                    "hãy chọn đơn vị có hồ sơ được tiếp tục, hồ sơ của đơn vị kia được giữ "
                    "nguyên dưới tên đơn vị đó.")
                continue
            source_of_work = carrier
        roles = [members[u.id].role for u in participants]
        plans.append({"campaign": campaign, "sources": in_sources,
                      "role": min(roles, key=ROLE_ORDER.__getitem__),
                      "work_from": source_of_work, "work": work})
    return plans


def _carry(plans: list[dict[str, Any]], into: Unit) -> list[dict[str, Any]]:
    """Write what :func:`_plan_carry` planned; return what moved, for the audit."""
    moved = []
    for plan in plans:
        campaign: Campaign = plan["campaign"]
        key = f"{campaign.bloc.code}/{campaign.year}"
        if "drop" in plan:
            for unit in plan["drop"]:
                membership = next(m for m in campaign.memberships if m.unit_id == unit.id)
                campaign.memberships.remove(membership)
                db.session.delete(membership)
            db.session.flush()
            moved.append({"campaign": key, "left": [u.code for u in plan["drop"]]})
            continue
        memberships = {m.unit_id: m for m in campaign.memberships}
        for unit in plan["sources"]:
            campaign.memberships.remove(memberships[unit.id])
            db.session.delete(memberships[unit.id])
        db.session.flush()  # the leader's seat is free before the successor takes it
        mine = memberships.get(into.id)
        if mine is None:
            mine = Membership(campaign=campaign, unit=into, role=plan["role"])
            db.session.add(mine)
        else:
            mine.role = plan["role"]
        source: Unit | None = plan["work_from"]
        carried: list[str] = []
        if source is not None and source.id != into.id:
            for kind, rows in plan["work"][source.id].items():
                for row in rows:
                    row.unit_id = into.id
                    carried.append(kind if kind != "report" else f"report:{row.kind}")
            for row in db.session.scalars(select(DeadlineExtension).where(
                    DeadlineExtension.campaign_id == campaign.id,
                    DeadlineExtension.unit_id == source.id)):
                row.unit_id = into.id
        kept = {u.code: sorted(k for k, rows in plan["work"][u.id].items() if rows)
                for u in plan["sources"] if u is not source and _has_work(plan["work"][u.id])}
        attendance = {a.unit_id: a for a in db.session.scalars(select(MeetingAttendance).where(
            MeetingAttendance.campaign_id == campaign.id,
            MeetingAttendance.unit_id.in_([u.id for u in plan["sources"]] + [into.id])))}
        for unit in plan["sources"]:
            row = attendance.pop(unit.id, None)
            if row is None:
                continue
            if into.id in attendance or (source is not None and unit.id != source.id):
                db.session.delete(row)
            else:
                row.unit_id = into.id
                attendance[into.id] = row
        db.session.flush()
        moved.append({"campaign": key, "role": plan["role"],
                      "work_from": source.code if source else None, "carried": carried,
                      "kept_with_source": kept})
    return moved


def _leader_check(plans: list[dict[str, Any]]) -> None:
    """After the change every campaign reached still has exactly one leader (the database's
    partial unique index forbids two)."""
    for plan in plans:
        campaign = plan["campaign"]
        db.session.refresh(campaign, ["memberships"])
        if not any(m.role == "leader" for m in campaign.memberships):
            raise Conflict(f"{campaign.title}: thay đổi này để khối không có Khối trưởng.",
                           code="no_leader", fields={"carrier": ["Khối không còn Khối trưởng."]})


# -- merge -------------------------------------------------------------------------------

def _new_or_existing(spec: Any, field: str, errors: dict[str, list[str]]) -> tuple[Unit | None,
                                                                                  NewUnit | None]:
    if isinstance(spec, NewUnit):
        problems = accounts.unit_problems(normalise(spec.code), normalise(spec.name),
                                          normalise(spec.short_name))
        for key, messages in problems.items():
            errors.setdefault(f"{field}.{key}", []).extend(messages)
        if not problems and db.session.scalar(select(Unit.id).where(
                Unit.code == normalise(spec.code))):
            errors.setdefault(f"{field}.code", []).append(
                f"Mã đơn vị '{normalise(spec.code)}' đã tồn tại.")
        return None, spec
    return _existing(spec, field, errors), None


def merge(sources: list[str], into: str | NewUnit, *, effective_on: Any, decision: Decision,
          actor: User | None, carrier: str | None = None) -> UnitEvent:
    """Merge ``sources`` into ``into`` (an existing unit's code, or a :class:`NewUnit`) from
    ``effective_on``; the successor carries their history and continues their campaigns in
    progress. ``carrier``: whose work continues where several have work in one campaign."""
    _require_admin(actor)
    errors: dict[str, list[str]] = {}
    if not isinstance(sources, list | tuple) or not sources:
        errors.setdefault("sources", []).append("Chọn ít nhất một đơn vị được sáp nhập.")
        sources = []
    source_units: list[Unit] = []
    for index, code in enumerate(sources):
        unit = _existing(code, f"sources[{index}]", errors)
        if unit is not None:
            if unit in source_units:
                errors.setdefault(f"sources[{index}]", []).append(
                    f"{unit.name} được chọn hai lần.")
            else:
                source_units.append(unit)
    target, new = _new_or_existing(into, "into", errors)
    if target is not None and target in source_units:
        errors.setdefault("into", []).append(
            f"Không sáp nhập {target.name} vào chính nó: đơn vị nhận phải khác các đơn vị "
            "được sáp nhập.")
    effective = parse_day(effective_on, "effective_on", errors)
    number, decided = _decision(decision, errors)
    _check_dates(effective, decided, source_units + ([target] if target else []), actor, errors,
                 ending=source_units)
    carrier_unit = None
    if carrier:
        carrier_unit = db.session.scalar(select(Unit).where(Unit.code == normalise(carrier)))
        if carrier_unit is None or (carrier_unit not in source_units and carrier_unit != target):
            errors.setdefault("carrier", []).append(
                "Đơn vị mang hồ sơ phải là một trong các đơn vị sáp nhập hoặc đơn vị nhận.")
            carrier_unit = None
    _raise(errors, "Không sáp nhập được đơn vị.")
    if new is not None:
        target = accounts.create_unit(new.code, new.name, new.short_name, actor=actor)
    else:
        _baseline(target, effective)
    for unit in source_units:
        _baseline(unit, effective)
    plans = _plan_carry(source_units, target, effective, carrier_unit, errors)
    _raise(errors, "Không sáp nhập được đơn vị.")
    event = _event("merge", effective, number, decided, decision, actor)
    for unit in source_units:
        event.links.append(UnitEventLink(unit=unit, side="source"))
    event.links.append(UnitEventLink(unit=target, side="successor", carries_history=True,
                                     created_unit=new is not None))
    db.session.flush()
    if new is not None:
        db.session.add(UnitName(unit_id=target.id, name=target.name,
                                short_name=target.short_name, valid_from=effective,
                                event_id=event.id))
    moved = _carry(plans, target)
    _leader_check(plans)
    if effective <= clock.today():
        for unit in source_units:
            unit.active = False
    audit.record("unit.merge", "unit", target.code, actor=actor, details=_audit_details(
        event, {"sources": [u.code for u in source_units], "into": target.code,
                "created": new is not None, "campaigns": moved}))
    return event


# -- split -------------------------------------------------------------------------------

def split(source: str, successors: list[str | NewUnit], *, carrier: str | None,
          effective_on: Any, decision: Decision, actor: User | None) -> UnitEvent:
    """Split ``source`` into ``successors`` (existing codes or :class:`NewUnit`; the source's
    own code when it continues) from ``effective_on``. ``carrier`` (a successor's code)
    carries the source's history and its campaigns in progress; without one the source
    leaves them (refused when it leads one)."""
    _require_admin(actor)
    errors: dict[str, list[str]] = {}
    unit = _existing(source, "source", errors)
    if not isinstance(successors, list | tuple) or len(successors) < 2:
        errors.setdefault("successors", []).append(
            "Chia tách cần ít nhất hai đơn vị kế tiếp (kể cả đơn vị cũ nếu vẫn tồn tại).")
        successors = list(successors) if isinstance(successors, list | tuple) else []
    existing: list[Unit] = []
    created: list[NewUnit] = []
    continues = False
    for index, spec in enumerate(successors):
        if unit is not None and not isinstance(spec, NewUnit) and normalise(spec) == unit.code:
            continues = True
            continue
        found, new = _new_or_existing(spec, f"successors[{index}]", errors)
        if found is not None:
            existing.append(found)
        if new is not None:
            created.append(new)
    codes = [u.code for u in existing] + [normalise(n.code) for n in created]
    if len(set(codes)) != len(codes):
        errors.setdefault("successors", []).append("Một đơn vị được liệt kê hai lần.")
    carrier_code = normalise(carrier) if carrier else None
    if unit is not None and carrier_code and carrier_code not in codes and not (
            continues and carrier_code == unit.code):
        errors.setdefault("carrier", []).append(
            "Đơn vị mang lịch sử phải là một trong các đơn vị kế tiếp.")
    if continues and carrier_code and unit is not None and carrier_code != unit.code:
        errors.setdefault("carrier", []).append(
            f"{unit.name} vẫn tồn tại sau chia tách nên giữ lịch sử của chính mình.")
    effective = parse_day(effective_on, "effective_on", errors)
    number, decided = _decision(decision, errors)
    _check_dates(effective, decided, ([unit] if unit else []) + existing, actor, errors,
                 ending=[unit] if unit is not None and not continues else [])
    _raise(errors, "Không chia tách được đơn vị.")
    for known in [unit] + existing:
        _baseline(known, effective)
    made = [accounts.create_unit(n.code, n.name, n.short_name, actor=actor) for n in created]
    by_code = {u.code: u for u in existing + made}
    carrier_unit = unit if continues else by_code.get(carrier_code) if carrier_code else None
    plans: list[dict[str, Any]] = []
    if not continues:
        if carrier_unit is not None:
            plans = _plan_carry([unit], carrier_unit, effective, None, errors)
        else:
            plans = _plan_carry([unit], unit, effective, None, errors, drop=True)
        _raise(errors, "Không chia tách được đơn vị.")
    event = _event("split", effective, number, decided, decision, actor)
    event.links.append(UnitEventLink(unit=unit, side="source"))
    if continues:
        event.links.append(UnitEventLink(unit=unit, side="successor", carries_history=True))
    for successor_unit in existing + made:
        event.links.append(UnitEventLink(
            unit=successor_unit, side="successor", created_unit=successor_unit in made,
            carries_history=successor_unit is carrier_unit and not continues))
    db.session.flush()
    for new_unit in made:
        db.session.add(UnitName(unit_id=new_unit.id, name=new_unit.name,
                                short_name=new_unit.short_name, valid_from=effective,
                                event_id=event.id))
    moved = _carry(plans, carrier_unit or unit) if plans else []
    _leader_check(plans)
    if not continues and effective <= clock.today():
        unit.active = False
    audit.record("unit.split", "unit", unit.code, actor=actor, details=_audit_details(
        event, {"successors": [u.code for u in existing + made] + ([unit.code] if continues
                                                                    else []),
                "carrier": carrier_unit.code if carrier_unit else None,
                "created": [u.code for u in made], "campaigns": moved}))
    return event


def catch_up(today: date | None = None) -> list[str]:
    """Bring the current name, short name and active flag of every unit with recorded
    changes to ``today`` (default: the clock's), for changes recorded ahead of their date;
    audited when anything changed. Returns the codes of the units changed."""
    today = today or clock.today()
    unit_ids = set(db.session.scalars(select(UnitEventLink.unit_id)))
    unit_ids |= set(db.session.scalars(select(UnitName.unit_id)))
    if not unit_ids:
        return []
    units = list(db.session.scalars(select(Unit).where(Unit.id.in_(unit_ids))
                                    .order_by(Unit.code)))
    named = names_on(units, today)
    changed: dict[str, dict[str, Any]] = {}
    for unit in units:
        name, short = named[unit.id]
        active = unit.active
        end = ended_on(unit)
        if end is not None and end <= today:
            active = False
        if (unit.name, unit.short_name, unit.active) != (name, short, active):
            changed[unit.code] = {"name": name, "short_name": short, "active": active}
            unit.name, unit.short_name, unit.active = name, short, active
    if changed:
        audit.record("unit.catch_up", "units", today.isoformat(), actor=None,
                     details={"on": today.isoformat(), "units": changed})
    return sorted(changed)


def list_events(limit: int = 200) -> list[UnitEvent]:
    """The recorded changes, newest first."""
    return list(db.session.scalars(select(UnitEvent).order_by(
        UnitEvent.effective_on.desc(), UnitEvent.id.desc()).limit(limit)))


def lineage_ids(unit: Unit) -> list[int]:
    """The unit and every unit whose history it carries (for history pages)."""
    return [unit.id] + [u.id for u, _e in predecessors(unit)]


def history_units(unit: Unit) -> list[Unit]:
    return [unit] + [u for u, _e in predecessors(unit)]


# -- the demo: the 2025 changes of Khối 8's departments ----------------------------------

# Sources (search, corpus "pages"): Báo Lao Động, 21/02/2025, "Trà Vinh công bố thành lập 6
# sở": by a resolution of the provincial People's Council, Sở KH&CN was formed by merging
# Sở KH&CN and Sở TT&TT, Sở Nội vụ by merging Sở Nội vụ and Sở LĐ-TB&XH, in operation from
# 01/03/2025 (the resolution's number was not found: "(minh họa)"). Báo Trà Vinh: Vĩnh Long
# (new) was formed from Vĩnh Long, Trà Vinh and Bến Tre on 30/6/2025, by the National
# Assembly's resolution on arranging provincial units (vote scheduled 12/6/2025; its number
# was not found: "(minh họa)").
DEMO_MERGE_DECISION = Decision(
    number="(minh họa)", date=date(2025, 2, 21), issuer="HĐND tỉnh Trà Vinh",
    note="Nghị quyết của HĐND tỉnh Trà Vinh về sắp xếp các cơ quan chuyên môn thuộc UBND "
         "tỉnh, công bố ngày 21/02/2025; các sở mới hoạt động từ 01/03/2025. Số nghị quyết "
         "là minh họa (không tìm thấy số thật).")
DEMO_PROVINCE_DECISION = Decision(
    number="(minh họa)", date=date(2025, 6, 12), issuer="Quốc hội",
    note="Nghị quyết của Quốc hội về sắp xếp đơn vị hành chính cấp tỉnh năm 2025: tỉnh Trà "
         "Vinh, tỉnh Vĩnh Long và tỉnh Bến Tre hợp thành tỉnh Vĩnh Long từ 01/07/2025. Số "
         "và ngày nghị quyết là minh họa.")
DEMO_MERGES = (("so-tttt", "so-khcn"), ("so-ldtbxh", "so-noivu"))
DEMO_RENAMED = ("so-vhttdl", "so-gddt", "so-yte", "so-khcn", "so-noivu", "so-tuphap")


def apply_demo_2025_changes() -> None:
    """The demo's 2025: on 1/3/2025 Sở TT&TT merged into Sở KH&CN and Sở LĐ-TB&XH into Sở
    Nội vụ; on 1/7/2025 Trà Vinh merged into Vĩnh Long and the remaining departments became
    "… tỉnh Vĩnh Long" (same units, same codes). Recorded by the system (known history);
    safe to run twice. Khối 8 2021 stays with the 2021 units and names."""
    codes = {c for pair in DEMO_MERGES for c in pair} | set(DEMO_RENAMED)
    units = {u.code: u for u in db.session.scalars(select(Unit).where(Unit.code.in_(codes)))}
    if len(units) != len(codes) or db.session.scalar(
            select(UnitEvent.id).join(UnitEventLink)
            .where(UnitEventLink.unit_id == units["so-tttt"].id).limit(1)):
        return
    for source, into in DEMO_MERGES:
        merge([source], into, effective_on=date(2025, 3, 1), decision=DEMO_MERGE_DECISION,
              actor=None)
    day = date(2025, 7, 1)
    for code in DEMO_RENAMED:
        unit = units[code]
        name, short = names_on([unit], day - timedelta(days=1))[unit.id]
        rename(code, name=f"{name} tỉnh Vĩnh Long", short_name=short, effective_on=day,
               decision=DEMO_PROVINCE_DECISION, actor=None)
