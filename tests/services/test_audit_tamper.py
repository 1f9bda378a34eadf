"""Tamper evidence against whoever can write the database (issue 14, point 5).

Each case changes the database the way a writer without the application would (SQL, or the
ORM without the services), then ``flask --app wsgi audit verify`` must fail and name it. The
attacker knows the code (so the unkeyed SHA-256 chain of the first version could be
recomputed) but not the audit key, which is not in the database.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC

import pytest
from sqlalchemy import delete, func, select, text, update

from core.extensions import db
from core.models import GENESIS_HASH, AuditEvent, User
from core.services import account_seal, audit
from tests.support import login


def _verify(runner, *extra: str):
    return runner.invoke(args=["audit", "verify", *extra])


def _plain_digest(prev: str, ev: AuditEvent) -> str:
    """The first version's unkeyed hash: what an attacker who read the code recomputes."""
    payload = json.dumps(
        [prev, ev.at.astimezone(UTC).isoformat(timespec="microseconds"), ev.actor, ev.action,
         ev.object_type, ev.object_id, ev.details],
        ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def _events() -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


@pytest.fixture
def verified(app, demo, runner):
    result = _verify(runner)
    assert result.exit_code == 0, result.output
    assert "toàn vẹn" in result.output
    return runner


def test_a_rewritten_event_with_recomputed_hashes_is_detected(app, verified):
    events = _events()
    victim = events[3]
    victim.details = {**victim.details, "forged": True}
    prev = victim.prev_hash
    db.session.flush()
    # The attacker recomputes every hash from the victim on, as the code would without a key.
    for ev in events[3:]:
        ev.prev_hash, ev.hash = prev, _plain_digest(prev, ev)
        prev = ev.hash
    # prev_hash/hash are unique: move the tail aside first, then write the new values.
    db.session.commit()
    result = _verify(verified)
    assert result.exit_code != 0
    assert f"#{victim.id}" in result.output


def test_an_event_deleted_inside_the_chain_is_detected(app, verified):
    victim = _events()[4]
    db.session.execute(delete(AuditEvent).where(AuditEvent.id == victim.id))
    db.session.commit()
    result = _verify(verified)
    assert result.exit_code != 0
    assert "bị hỏng tại sự kiện" in result.output


def test_the_newest_40_events_deleted_are_detected_by_the_anchor(app, verified):
    # Forty more audited actions through the application (sign-ins), so the anchor moves.
    client = app.test_client()
    for _ in range(40):
        assert login(client, "tttt.canbo").status_code == 302
        client.get("/logout")
    assert _verify(verified).exit_code == 0
    newest = _events()[-40:]
    db.session.execute(delete(AuditEvent).where(AuditEvent.id >= newest[0].id))
    db.session.commit()
    assert audit.verify_chain().ok  # a shorter chain is still a valid chain...
    result = _verify(verified)
    assert result.exit_code != 0  # ...but the anchor outside the database remembers its head
    assert f"#{newest[-1].id}" in result.output and "xóa bớt" in result.output


def test_a_checkpoint_kept_elsewhere_finds_deleted_and_rewritten_events(app, verified,
                                                                         tmp_path):
    saved = tmp_path / "checkpoint.json"
    out = verified.invoke(args=["audit", "checkpoint", "--out", str(saved)])
    assert out.exit_code == 0, out.output
    assert _verify(verified, "--against", str(saved)).exit_code == 0
    # Delete the tail and the anchor too (the attacker also holds the app server's disk).
    last = _events()[-1]
    db.session.execute(delete(AuditEvent).where(AuditEvent.id == last.id))
    db.session.commit()
    app.config["THIDUA_AUDIT_ANCHOR"] = ""
    result = _verify(verified, "--against", str(saved))
    assert result.exit_code != 0
    assert f"#{last.id}" in result.output


def test_a_forged_checkpoint_is_refused(app, verified, tmp_path):
    forged = tmp_path / "forged.json"
    body = audit.checkpoint()
    body["event_id"] = 1
    body["hash"] = _events()[0].hash
    forged.write_text(json.dumps(body), encoding="utf-8")  # the MAC no longer matches
    result = _verify(verified, "--against", str(forged))
    assert result.exit_code != 0
    assert "chữ ký của mốc" in result.output


def test_an_event_appended_in_sql_is_detected(app, verified):
    last = _events()[-1]
    db.session.execute(text(
        "INSERT INTO audit_events (at, actor, action, object_type, object_id, details, "
        "prev_hash, hash) VALUES (:at, 'admin', 'user.grant_admin', 'user', 'tttt.canbo', "
        "'{}', :prev, :hash)"),
        {"at": last.at, "prev": last.hash, "hash": "f" * 64})
    db.session.commit()
    result = _verify(verified)
    assert result.exit_code != 0
    assert "bị hỏng tại sự kiện" in result.output


def test_admin_granted_in_sql_is_detected_and_refused(app, verified):
    client = app.test_client()
    assert login(client, "tttt.canbo").status_code == 302
    assert client.get("/admin/users").status_code == 403
    db.session.execute(update(User).where(User.username == "tttt.canbo").values(is_admin=True))
    db.session.commit()
    result = _verify(verified)
    assert result.exit_code != 0
    assert "tttt.canbo" in result.output
    # The running session is refused, and so is a new sign-in: the forged privilege is useless.
    assert client.get("/admin/users").status_code in (302, 401)
    fresh = app.test_client()
    response = login(fresh, "tttt.canbo")
    assert response.status_code == 403
    assert "ngoài ứng dụng" in response.get_data(as_text=True)


def test_a_password_hash_replaced_in_sql_does_not_open_the_account(app, verified):
    from core.services.accounts import hash_password

    db.session.execute(update(User).where(User.username == "admin")
                       .values(password_hash=hash_password("attacker-Pass-2026")))
    db.session.commit()
    response = login(app.test_client(), "admin", "attacker-Pass-2026")
    assert response.status_code == 403  # the form again, not a redirect into the app
    assert _verify(verified).exit_code != 0


def test_the_application_keeps_seals_current(app, verified):
    """Changes made through the services reseal the row: nothing is flagged."""
    from core.services import accounts

    admin = db.session.scalar(select(User).where(User.username == "admin"))
    accounts.reset_password("tttt.canbo", "New-Passphrase-2026", actor=admin)
    db.session.commit()
    assert account_seal.broken_accounts() == []
    assert _verify(verified).exit_code == 0


def test_the_chain_is_keyed(app, demo):
    """Same events, another key: every hash differs, so the key is really in the hash."""
    first = _events()[0]
    assert first.prev_hash == GENESIS_HASH
    assert first.hash != _plain_digest(GENESIS_HASH, first)
    app.config["THIDUA_AUDIT_KEY"] = "another key"
    report = audit.verify_chain()
    assert not report.ok and report.broken_at == first.id
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) > 0


# -- the vote: ballots and results a database writer changes after the count ---------------

def _counted_poll():
    from core.models import Poll

    return db.session.scalar(select(Poll).where(Poll.status == "published",
                                                Poll.code == "bang-khen"))


@pytest.fixture
def counted(app, played_year, runner):
    result = _verify(runner)
    assert result.exit_code == 0, result.output
    return runner


def test_a_changed_ballot_is_detected(app, counted):
    from core.models import OpenedBallot

    poll = _counted_poll()
    ballot = db.session.scalar(select(OpenedBallot).where(OpenedBallot.poll_id == poll.id))
    ballot.choices = list(reversed(ballot.choices)) if len(ballot.choices) > 1 \
        else ["so-tuphap"]
    db.session.commit()
    result = _verify(counted)
    assert result.exit_code != 0
    assert "bang-khen" in result.output and "phiếu bị sửa, thêm hoặc xóa" in result.output


def test_an_added_ballot_is_detected(app, counted):
    import uuid

    from core.models import OpenedBallot

    poll = _counted_poll()
    db.session.add(OpenedBallot(id=str(uuid.uuid4()), poll_id=poll.id, choices=["so-tuphap"]))
    db.session.commit()
    result = _verify(counted)
    assert result.exit_code != 0 and "bang-khen" in result.output


def test_an_edited_stored_result_is_detected(app, counted):
    from core.models import PollOutcome

    poll = _counted_poll()
    outcome = db.session.scalar(select(PollOutcome).where(PollOutcome.poll_id == poll.id))
    outcome.result = {**outcome.result, "elected": ["so-tuphap"]}
    db.session.commit()
    result = _verify(counted)
    assert result.exit_code != 0
    assert "kết quả bị sửa ngoài ứng dụng" in result.output
