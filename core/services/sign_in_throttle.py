"""Sign-in throttling that cannot be turned against a user (issue 14, point 3).

Failures are counted per account **and** address, in the database (so every process of the
server shares them, with or without Redis), each increment one statement (an upsert):

- from one address, the first ``FREE_PER_ADDRESS`` failures cost nothing; after that each
  attempt from that address must wait a delay that doubles (30 s, 1 min, 2 min … at most 15
  min). The right password does not pass during the delay, so guessing stays slow.
- from everywhere together, after ``FREE_PER_ACCOUNT`` failures within a day the same growing
  delay applies — but **not** to addresses the account has already signed in from: an attacker
  trying from many addresses slows themselves, not the unit's own office.
- there is never a hard lock; an admin can clear the counts (``unlock``, audited), and a
  successful sign-in clears its address's count.

Failures are written on their own connection: the request that fails is rolled back by the
unit of work, the count must not be.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from core.extensions import db
from core.models import User
from core.models.security import ANY_ADDRESS, SignInFailures
from core.services import audit, clock

FREE_PER_ADDRESS = 5
FREE_PER_ACCOUNT = 20
FIRST_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(minutes=15)
ACCOUNT_WINDOW = timedelta(days=1)


@dataclass(frozen=True)
class Wait:
    """The attempt is refused until ``until``."""
    until: datetime

    @property
    def seconds(self) -> int:
        return max(1, int((self.until - clock.now()).total_seconds() + 0.999))


def account_key(username: str | None) -> str:
    return (username or "").strip().lower()[:60]


def _address(address: str | None) -> str:
    return (address or "unknown")[:64]


def delay_after(failures: int, free: int) -> timedelta | None:
    """The wait after ``failures`` failures when ``free`` cost nothing: None, then 30 s
    doubling, capped at 15 minutes."""
    if failures < free:
        return None
    step = min(failures - free, 10)
    return min(FIRST_DELAY * (2 ** step), MAX_DELAY)


def check(username: str, address: str | None) -> Wait | None:
    """Whether this attempt must wait (then the password is not even checked)."""
    key, addr = account_key(username), _address(address)
    rows = {r.address: r for r in db.session.scalars(select(SignInFailures).where(
        SignInFailures.account == key, SignInFailures.address.in_((addr, ANY_ADDRESS))))}
    now = clock.now()
    pair, anywhere = rows.get(addr), rows.get(ANY_ADDRESS)
    if pair is not None and pair.blocked_until is not None and pair.blocked_until > now:
        return Wait(pair.blocked_until)
    known = pair is not None and pair.known_good
    if (not known and anywhere is not None and anywhere.blocked_until is not None
            and anywhere.blocked_until > now):
        return Wait(anywhere.blocked_until)
    return None


def _upsert_failure(connection, key: str, addr: str, now: datetime, free: int,
                    window: timedelta | None) -> int:
    """One statement: add a failure (restarting the count when the last one is older than
    ``window``), return the new count; then set the row's delay."""
    table = SignInFailures.__table__
    dialect = connection.dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    count = table.c.failures + 1
    if window is not None:
        from sqlalchemy import case

        count = case((table.c.last_failure_at < now - window, 1), else_=table.c.failures + 1)
    statement = insert.values(account=key, address=addr, failures=1, last_failure_at=now,
                              known_good=False).on_conflict_do_update(
        index_elements=["account", "address"],
        set_={"failures": count, "last_failure_at": now}).returning(table.c.failures)
    failures = connection.execute(statement).scalar_one()
    wait = delay_after(failures, free)
    if wait is not None:
        connection.execute(table.update().where(table.c.account == key, table.c.address == addr)
                           .values(blocked_until=now + wait))
    return failures


def record_failure(username: str, address: str | None) -> None:
    """Count a failed attempt for the account from this address and from anywhere, committed
    at once on a connection of its own."""
    key, addr, now = account_key(username), _address(address), clock.now()
    if not key:
        return
    with db.engine.begin() as connection:
        pair = _upsert_failure(connection, key, addr, now, FREE_PER_ADDRESS, None)
        anywhere = _upsert_failure(connection, key, ANY_ADDRESS, now, FREE_PER_ACCOUNT,
                                   ACCOUNT_WINDOW)
    if pair == FREE_PER_ADDRESS or anywhere == FREE_PER_ACCOUNT:
        current_app.logger.warning("sign-in of %s slowed down after %s failures from %s "
                                   "(%s from anywhere)", key, pair, addr, anywhere)


def record_success(user: User, address: str | None) -> None:
    """The address is now known for the account; its own count starts again."""
    key, addr = account_key(user.username), _address(address)
    table = SignInFailures.__table__
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    db.session.execute(insert.values(account=key, address=addr, failures=0, known_good=True)
                       .on_conflict_do_update(index_elements=["account", "address"],
                                              set_={"failures": 0, "blocked_until": None,
                                                    "known_good": True}))


def status(user: User) -> dict:
    """What an admin sees: failures from anywhere, addresses waiting, and until when."""
    now = clock.now()
    rows = list(db.session.scalars(select(SignInFailures).where(
        SignInFailures.account == account_key(user.username))))
    waiting = [r for r in rows if r.blocked_until is not None and r.blocked_until > now]
    anywhere = next((r.failures for r in rows if r.address == ANY_ADDRESS), 0)
    return {"failures": anywhere, "slowed": bool(waiting),
            "until": max((r.blocked_until for r in waiting), default=None),
            "addresses": sorted(r.address for r in waiting if r.address != ANY_ADDRESS)}


def unlock(user: User, *, actor: User) -> int:
    """Clear every count and delay of the account (known addresses stay known); audited."""
    key = account_key(user.username)
    cleared = db.session.execute(
        update(SignInFailures).where(SignInFailures.account == key, SignInFailures.failures > 0)
        .values(failures=0, blocked_until=None)).rowcount or 0
    db.session.execute(delete(SignInFailures).where(SignInFailures.account == key,
                                                    SignInFailures.known_good.is_(False),
                                                    SignInFailures.address != ANY_ADDRESS))
    audit.record("user.unlock_sign_in", "user", user.username, actor=actor,
                 details={"rows": cleared})
    return cleared
