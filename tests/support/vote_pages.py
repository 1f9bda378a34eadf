"""Helpers for the tests of the council vote's pages: signed-in page clients, the frozen clock
(the vote phase of Khối 8 is 15–28/02/2022), a tiny reader of the pages, and steps taken
through the services."""

from __future__ import annotations

import re
from datetime import date, datetime
from html import unescape

from sqlalchemy import func, select

from core.config import TIMEZONE
from core.extensions import db
from core.models import Ballot, OpenedBallot, Poll, Receipt, User, VoterRoll
from core.services import accounts, campaigns, voting
from core.unit_of_work import transactional
from tests.support import DEMO_PASSWORD, page_client, shares, text  # noqa: F401  (re-exported)
from tests.support.guards import FORCE

B = "/campaigns/khoi-8/2021"
POLLS = f"{B}/polls"
HEADS = {"so-tttt": "tttt.thutruong", "so-ldtbxh": "ldtbxh.thutruong",
         "so-vhttdl": "vhttdl.thutruong", "so-gddt": "gddt.thutruong", "so-yte": "yte.thutruong",
         "so-khcn": "khcn.thutruong", "so-noivu": "noivu.thutruong",
         "so-tuphap": "tuphap.thutruong"}
LEADER, DEPUTY, BOARD, ADMIN = "tttt.canbo", "ldtbxh.canbo", "bantdkt", "admin"
HEAD, OFFICER = "yte.thutruong", "yte.canbo"
OUTSIDER_HEAD, OUTSIDER_OFFICER = "ngoai.thutruong", "ngoai.canbo"
FLAG = "co-thi-dua"
FLAG_TITLE = "Đề nghị tặng Cờ thi đua của UBND tỉnh"


def at(app, *moment: int) -> None:
    """Freeze the application clock at a local (Asia/Ho_Chi_Minh) moment."""
    app.config["THIDUA_NOW"] = datetime(*moment, tzinfo=TIMEZONE)


def vote_day(app) -> None:
    at(app, 2022, 2, 20, 9, 0)


@transactional
def add_outsiders() -> None:
    """A unit that is not a member of Khối 8 in 2021, with an officer and a head."""
    accounts.create_unit("so-ngoai", "Sở Ngoài Khối", "Sở NK", actor=None)
    accounts.create_user(OUTSIDER_OFFICER, "Cán bộ Sở NK", DEMO_PASSWORD, demo_password=True, unit_code="so-ngoai",
                         role="officer", actor=None)
    accounts.create_user(OUTSIDER_HEAD, "Thủ trưởng Sở NK", DEMO_PASSWORD, demo_password=True,
                         unit_code="so-ngoai", role="head", actor=None)


def main_text(response) -> str:
    """The text of <main>, tags removed, whitespace collapsed."""
    html = text(response)
    body = html[html.find("<main"):html.find("</main>")]
    body = re.sub(r"<script.*?</script>|<style.*?</style>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", body))).strip()


def by_id(response, ident: str) -> str:
    """The text of the element with this id (its first closing tag of the same name)."""
    html = text(response)
    match = re.search(rf'<(\w+)[^>]*\bid="{re.escape(ident)}"[^>]*>', html)
    assert match, f"no element #{ident}"
    tag, start = match.group(1), match.end()
    depth, pos = 1, start
    opener, closer = re.compile(rf"<{tag}\b"), re.compile(rf"</{tag}>")
    while depth:
        next_open, next_close = opener.search(html, pos), closer.search(html, pos)
        assert next_close, f"#{ident} is not closed"
        if next_open and next_open.start() < next_close.start():
            depth, pos = depth + 1, next_open.end()
        else:
            depth, pos = depth - 1, next_close.end()
    inner = html[start:next_close.start()]
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", inner))).strip()


def alerts(response) -> list[str]:
    """The texts of the page's alerts (role="alert")."""
    html = text(response)
    return [re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", m))).strip()
            for m in re.findall(r'role="alert"[^>]*>(.*?)</(?:div|p)>', html, flags=re.S)]


def checked(response) -> list[str]:
    """The values of the ballot's ticked boxes."""
    return re.findall(r'name="choices" value="([^"]+)" id="choice-[^"]+" checked', text(response))


def receipt_of(response) -> str:
    """The receipt shown on the page, without the spaces between its groups."""
    return re.sub(r"\s+", "", by_id(response, "receipt"))


def campaign():
    db.session.expire_all()
    return campaigns.get_campaign("khoi-8", 2021)


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def poll(code: str = FLAG) -> Poll | None:
    db.session.expire_all()
    return voting.stored_polls(campaign()).get(code)


def ballots(code: str = FLAG) -> list[Ballot]:
    found = poll(code)
    if found is None:
        return []
    return list(db.session.scalars(select(Ballot).where(Ballot.poll_id == found.id)))


def receipt_hashes(code: str = FLAG) -> list[str]:
    """The stored receipt hashes of a poll (no link to any ballot), sorted."""
    found = poll(code)
    if found is None:
        return []
    return sorted(db.session.scalars(select(Receipt.receipt_hash)
                                     .where(Receipt.poll_id == found.id)))


def opened_choices(code: str = FLAG) -> list[list[str]]:
    """The choices of the ballots opened at close, sorted (their stored order is random)."""
    found = poll(code)
    if found is None:
        return []
    return sorted(db.session.scalars(select(OpenedBallot.choices)
                                     .where(OpenedBallot.poll_id == found.id)))


def voted_units(code: str = FLAG) -> int:
    found = poll(code)
    return db.session.scalar(select(func.count()).select_from(VoterRoll).where(
        VoterRoll.poll_id == found.id, VoterRoll.voted_on.is_not(None)))


@transactional
def open_poll(code: str = FLAG) -> None:
    """Open the poll on the demo as it stands (verification not locked, nothing scored): the
    leader goes ahead past the checklist, with a reason (core/services/guards.py)."""
    voting.open_poll(campaign(), code, actor=user(LEADER), **FORCE)


@transactional
def cast(unit: str, choices: list[str], code: str = FLAG) -> str:
    return voting.cast(campaign(), code, choices, actor=user(HEADS[unit]))


@transactional
def close_poll(code: str = FLAG) -> None:
    """Close on the vote phase's last day (before it, only a complete roll may close)."""
    from flask import current_app

    now = current_app.config.get("THIDUA_NOW")
    if now is None or now.date() < date(2022, 2, 28):
        at(current_app, 2022, 2, 28, 17, 0)
    shares.close_poll(campaign(), code, actor=user(LEADER))  # two of the committee's shares


def close_on_page(client, code: str = FLAG):
    """The host's close on its page, two members of the counting committee entering their
    key shares."""
    return client.post(f"{POLLS}/{code}/close",
                       data={"share": shares.poll_shares(None, code)})


@transactional
def publish_poll(code: str = FLAG) -> None:
    voting.publish_poll(campaign(), code, actor=user(LEADER))


def flag_vote(published: bool = True) -> dict[str, str]:
    """The Cờ thi đua poll with 7 of 8 units voting (5 for Sở VH-TT&DL, 2 for Sở GD&ĐT),
    closed (and published). Returns the receipts by unit."""
    open_poll()
    plan = {"so-tttt": "so-vhttdl", "so-ldtbxh": "so-vhttdl", "so-vhttdl": "so-vhttdl",
            "so-gddt": "so-vhttdl", "so-yte": "so-vhttdl", "so-khcn": "so-gddt",
            "so-noivu": "so-gddt"}
    receipts = {unit: cast(unit, [choice]) for unit, choice in plan.items()}
    close_poll()
    if published:
        publish_poll()
    return receipts
