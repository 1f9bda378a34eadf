"""Sign-in throttling that cannot be turned against a user (issue 14, point 3): per account
and address, growing delays, no hard lock, an admin unlock; counts exact under concurrency."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEvent, SignInFailures
from core.services import clock, sign_in_throttle
from tests.support import DEMO_PASSWORD, database_kind, page_client

HOME = "10.1.1.1"  # the unit's office, where the account signs in every day


def attempt(app, password: str, address: str, username: str = "tttt.canbo"):
    client = app.test_client()
    return client.post("/login", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def move_clock(app, **delta) -> None:
    app.config["THIDUA_NOW"] = clock.now() + timedelta(**delta)


def test_delays_grow_per_address_and_never_lock(app, demo):
    for i in range(5):
        assert attempt(app, f"sai-{i}", "203.0.113.7").status_code == 401
    assert attempt(app, DEMO_PASSWORD, "203.0.113.7").status_code == 429
    move_clock(app, seconds=31)
    assert attempt(app, "sai-again", "203.0.113.7").status_code == 401
    refused = attempt(app, DEMO_PASSWORD, "203.0.113.7")
    assert refused.status_code == 429
    assert "60 giây" in refused.get_data(as_text=True)  # the delay doubled
    move_clock(app, seconds=61)
    assert attempt(app, DEMO_PASSWORD, "203.0.113.7").status_code == 302  # no hard lock
    row = db.session.scalar(select(SignInFailures).where(
        SignInFailures.account == "tttt.canbo", SignInFailures.address == "203.0.113.7"))
    assert row.failures == 0 and row.known_good


def test_the_delay_is_capped_at_fifteen_minutes():
    assert sign_in_throttle.delay_after(4, 5) is None
    assert sign_in_throttle.delay_after(5, 5) == timedelta(seconds=30)
    assert sign_in_throttle.delay_after(6, 5) == timedelta(seconds=60)
    assert sign_in_throttle.delay_after(500, 5) == timedelta(minutes=15)


def test_an_attacker_elsewhere_cannot_lock_the_office_out(app, demo):
    assert attempt(app, DEMO_PASSWORD, HOME).status_code == 302  # the office is known
    answers = [attempt(app, f"sai-{i}", f"198.51.100.{i}").status_code for i in range(25)]
    # Many addresses, one try each: twenty failures pass, then new addresses must wait.
    assert answers == [401] * 20 + [429] * 5
    # A new address now waits (the account is under attack) ...
    assert attempt(app, DEMO_PASSWORD, "192.0.2.99").status_code == 429
    # ... but the office, where the account signed in before, is not slowed at all.
    assert attempt(app, DEMO_PASSWORD, HOME).status_code == 302


def test_a_refused_attempt_writes_nothing_and_checks_no_password(app, demo, monkeypatch):
    for i in range(5):
        attempt(app, f"sai-{i}", "203.0.113.8")
    before = db.session.scalar(select(func.sum(SignInFailures.failures)))
    from core.services import accounts

    monkeypatch.setattr(accounts, "_password_matches",
                        lambda *a: pytest.fail("the password was checked while waiting"))
    assert attempt(app, DEMO_PASSWORD, "203.0.113.8").status_code == 429
    db.session.expire_all()
    assert db.session.scalar(select(func.sum(SignInFailures.failures))) == before


def test_an_admin_clears_the_counts_and_it_is_audited(app, demo):
    for i in range(6):
        attempt(app, f"sai-{i}", "203.0.113.9")
    assert attempt(app, DEMO_PASSWORD, "203.0.113.9").status_code == 429
    admin = page_client(app, "admin")
    page = admin.get("/admin/users/tttt.canbo/password").get_data(as_text=True)
    assert "Tài khoản đang phải chờ" in page
    response = admin.post("/admin/users/tttt.canbo/sign-in-unlock")
    assert response.status_code == 303
    assert attempt(app, DEMO_PASSWORD, "203.0.113.9").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "user.unlock_sign_in", AuditEvent.object_id == "tttt.canbo")) == 1
    # Only admins may.
    officer = page_client(app, "ldtbxh.canbo")
    assert officer.post("/admin/users/tttt.canbo/sign-in-unlock").status_code == 403


def test_api_unlock(app, demo):
    from tests.support import api_token, bearer

    for i in range(6):
        app.test_client().post("/api/v1/tokens", json={"username": "tttt.canbo",
                                                       "password": f"sai-{i}"})
    refused = app.test_client().post("/api/v1/tokens", json={"username": "tttt.canbo",
                                                             "password": DEMO_PASSWORD})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    client = app.test_client()
    result = client.post("/api/v1/users/tttt.canbo/sign-in-unlock",
                         headers=bearer(api_token(client, "admin")))
    assert result.status_code == 200 and result.get_json()["cleared"] >= 1
    again = app.test_client().post("/api/v1/tokens", json={"username": "tttt.canbo",
                                                           "password": DEMO_PASSWORD})
    assert again.status_code == 201


@pytest.mark.skipif(database_kind() != "postgresql", reason="concurrency needs PostgreSQL")
def test_concurrent_failures_are_all_counted(app, demo):
    """Twenty failures at once from one address: the count is exactly twenty (one upsert
    per failure, no read-then-write)."""
    results = []
    lock = threading.Lock()

    def fail(i):
        with app.app_context():
            try:
                sign_in_throttle.record_failure("tttt.canbo", "203.0.113.50")
                with lock:
                    results.append("ok")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=fail, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert results == ["ok"] * 20
    rows = {r.address: r.failures for r in db.session.scalars(select(SignInFailures).where(
        SignInFailures.account == "tttt.canbo"))}
    assert rows == {"203.0.113.50": 20, "*": 20}
