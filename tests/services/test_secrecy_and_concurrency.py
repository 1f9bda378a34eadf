"""The ballot table cannot identify a voter; one ballot per unit even under concurrency; the
audit chain detects tampering; next year's leadership comes from the vote."""

import threading
from datetime import date

import pytest
from sqlalchemy import Date, DateTime, func, inspect, select

from core.extensions import db
from core.models import AuditEvent, Ballot, User, VoterRoll
from core.unit_of_work import unit_of_work
from tests.support import database_kind
from tests.support.guards import FORCE
from tests.support.shares import api_close, close_poll
from tests.support.voting import HEADS, Api, at


def test_ballot_table_has_no_column_that_identifies_a_voter(app):
    inspector = inspect(db.engine)
    expected = {"ballots": {"id", "poll_id", "sealed"},
                "opened_ballots": {"id", "poll_id", "choices"},
                "receipts": {"id", "poll_id", "receipt_hash"}}
    for table, names in expected.items():
        columns = {c["name"]: c for c in inspector.get_columns(table)}
        assert set(columns) == names, table
        assert not any(isinstance(c["type"], DateTime | Date) for c in columns.values())
        targets = {fk["referred_table"] for fk in inspector.get_foreign_keys(table)}
        assert targets == {"polls"}, table
    roll = {c["name"]: c for c in inspector.get_columns("voter_rolls")}
    assert not any(isinstance(c["type"], DateTime) for c in roll.values())


def test_ballot_ids_are_random_and_roll_keeps_only_the_day(app, client, demo):
    at(app, 2022, 2, 20, 9, 30)
    Api(client, "tttt.canbo").post("/polls/co-thi-dua/open", json=FORCE)
    for unit in ["so-yte", "so-gddt", "so-khcn"]:
        Api(client, HEADS[unit]).post("/polls/co-thi-dua/ballots", json={"choices": ["so-yte"]})
    ids = [b.id for b in db.session.scalars(select(Ballot))]
    assert len(ids) == 3 and all(len(i) == 36 and i.count("-") == 4 for i in ids)
    # sealed: the stored bytes do not contain the choice, and all have one length
    sealed = [b.sealed for b in db.session.scalars(select(Ballot))]
    assert all(b"so-yte" not in bytes(s) for s in sealed) and len({len(s) for s in sealed}) == 1
    days = {r.voted_on for r in db.session.scalars(select(VoterRoll)) if r.voted_on}
    assert days == {date(2022, 2, 20)}


@pytest.mark.skipif(database_kind() != "postgresql", reason="concurrency is tested on PostgreSQL")
def test_twenty_threads_cast_for_one_unit_exactly_one_ballot(app, client, demo):
    from core.services import campaigns, voting

    at(app, 2022, 2, 20, 9, 0)
    Api(client, "tttt.canbo").post("/polls/co-thi-dua/open", json=FORCE)
    db.session.remove()
    barrier = threading.Barrier(20)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt():
        # Wait before touching the database: a thread holding a pooled connection at the
        # barrier would starve the others (the pool is smaller than 20).
        barrier.wait(timeout=30)
        with app.app_context():
            try:
                head = db.session.scalar(select(User).where(User.username == "yte.thutruong"))
                campaign = campaigns.get_campaign("khoi-8", 2021)
                with unit_of_work():
                    voting.cast(campaign, "co-thi-dua", ["so-vhttdl"], actor=head)
                result = "ok"
            except Exception as exc:  # noqa: BLE001 - we count every kind of refusal
                result = type(exc).__name__
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes.count("ok") == 1, outcomes
    assert set(outcomes) == {"ok", "Conflict"}, outcomes
    assert db.session.query(Ballot).count() == 1


def test_audit_verify_names_first_broken_link(app, client, demo, runner):
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "toàn vẹn" in ok.output
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    victim = events[5]
    victim.details = {**victim.details, "tampered": True}
    db.session.commit()
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code != 0
    assert f"#{victim.id}" in broken.output


def test_elected_leadership_becomes_next_years_default(app, client, demo):
    from core.services import campaigns
    from tests.support.plugins import Khoi8NextYear

    app.extensions["thidua"].register(Khoi8NextYear(), "khoi8-2022")
    at(app, 2022, 2, 20, 9, 0)
    leader = Api(client, "tttt.canbo")
    for code, winner in (("khoi-truong", "so-ldtbxh"), ("khoi-pho", "so-gddt")):
        leader.post(f"/polls/{code}/open", json=FORCE)
        for unit in HEADS:
            Api(client, HEADS[unit]).post(f"/polls/{code}/ballots", json={"choices": [winner]})
        api_close(leader, code)
        leader.post(f"/polls/{code}/publish")
    proposed = {m.unit: m.role for m in campaigns.proposed_members("khoi-8", 2022)}
    assert proposed["so-ldtbxh"] == "leader" and proposed["so-gddt"] == "deputy"
    assert proposed["so-tttt"] == "member" and len(proposed) == 8
    admin = Api(client, "admin")
    response = client.post("/api/v1/campaigns", headers=admin.headers,
                           json={"bloc": "khoi-8", "year": 2022, "members": []})
    assert response.status_code == 201, response.get_json()
    roles = {m["unit"]: m["role"] for m in response.get_json()["members"]}
    assert roles["so-ldtbxh"] == "leader" and roles["so-gddt"] == "deputy"


@pytest.mark.skipif(database_kind() != "postgresql", reason="concurrency is tested on PostgreSQL")
def test_casts_racing_a_close_every_receipted_ballot_is_counted(app, client, demo):
    """8 heads cast while the host closes, all at once, 20 times: every ballot answered with
    a receipt is counted, every ballot not counted was refused (409 poll_not_open)."""
    from core.errors import Conflict
    from core.models import Poll, PollOutcome, Receipt
    from core.services import campaigns, voting

    at(app, 2022, 2, 28, 9, 0)  # the last day: the host may close with units still voting
    for _ in range(20):
        Api(client, "tttt.canbo").post("/polls/khoi-truong/open", json=FORCE)
        db.session.remove()
        barrier = threading.Barrier(9)
        outcomes: dict[str, str] = {}
        lock = threading.Lock()

        def run(name, action, barrier=barrier, lock=lock, outcomes=outcomes):
            barrier.wait(timeout=30)
            with app.app_context():
                try:
                    campaign = campaigns.get_campaign("khoi-8", 2021)
                    with unit_of_work():
                        action(campaign)
                    result = "ok"
                except Conflict as exc:
                    result = exc.code
                except Exception as exc:  # noqa: BLE001 - anything else fails the test
                    result = f"error {type(exc).__name__}: {exc}"
                finally:
                    db.session.remove()
                with lock:
                    outcomes[name] = result

        def caster(user):
            def act(campaign):
                head = db.session.scalar(select(User).where(User.username == user))
                voting.cast(campaign, "khoi-truong", ["so-ldtbxh"], actor=head)
            return act

        def closer(campaign):
            host = db.session.scalar(select(User).where(User.username == "tttt.canbo"))
            close_poll(campaign, "khoi-truong", actor=host)  # two committee shares

        threads = [threading.Thread(target=run, args=(unit, caster(user)))
                   for unit, user in HEADS.items()]
        threads.append(threading.Thread(target=run, args=("close", closer)))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert outcomes.pop("close") == "ok"
        assert set(outcomes.values()) <= {"ok", "poll_not_open"}, outcomes
        answered = sum(1 for r in outcomes.values() if r == "ok")
        poll = db.session.scalar(select(Poll).where(Poll.code == "khoi-truong"))
        stored = db.session.scalar(select(PollOutcome).where(PollOutcome.poll_id == poll.id))
        assert stored.result["voted"] == answered, (outcomes, stored.result)
        assert db.session.query(Receipt).filter_by(poll_id=poll.id).count() == answered
        marks = db.session.query(VoterRoll).filter(VoterRoll.poll_id == poll.id,
                                                   VoterRoll.voted_on.is_not(None)).count()
        assert marks == answered
        db.session.delete(poll)  # the next round opens the poll afresh
        db.session.commit()


@pytest.mark.skipif(database_kind() != "postgresql", reason="row locks are PostgreSQL's")
def test_casts_share_the_poll_lock_and_a_close_still_waits_for_them(app, client, demo):
    """A cast takes the poll row FOR SHARE: another cast in flight (holding its own share
    lock) does not hold it up; a close in flight (FOR UPDATE) does, until it commits, and the
    cast then sees the poll closed (409), never a receipt for a ballot left out."""
    from sqlalchemy import text

    at(app, 2022, 2, 20, 9, 0)
    Api(client, "tttt.canbo").post("/polls/co-thi-dua/open", json=FORCE)
    db.session.remove()
    poll_row = "SELECT id FROM polls WHERE code = 'co-thi-dua' FOR {mode}"

    def cast_in_thread(unit: str, results: list) -> threading.Thread:
        def run():
            with app.app_context():
                response = Api(app.test_client(), HEADS[unit]).post(
                    "/polls/co-thi-dua/ballots", json={"choices": ["so-yte"]})
                results.append(response.status_code)
                db.session.remove()
        thread = threading.Thread(target=run)
        thread.start()
        return thread

    with db.engine.connect() as other:  # another cast in flight: its share lock is held
        other.execute(text(poll_row.format(mode="SHARE")))
        results: list[int] = []
        cast_in_thread("so-gddt", results).join(timeout=20)
        assert results == [201]  # went through while the other cast held its lock
        other.rollback()

    with db.engine.connect() as other:  # a close in flight: FOR UPDATE
        other.execute(text(poll_row.format(mode="UPDATE")))
        results = []
        waiting = cast_in_thread("so-khcn", results)
        waiting.join(timeout=1.5)
        assert waiting.is_alive() and results == []  # the cast waits for the close
        other.execute(text("UPDATE polls SET status = 'closed' WHERE code = 'co-thi-dua'"))
        other.commit()
        waiting.join(timeout=20)
        assert results == [409]  # it saw the closed poll: no receipt
    with app.app_context():
        marks = db.session.scalar(select(func.count()).select_from(VoterRoll).where(
            VoterRoll.voted_on.is_not(None)))
        assert marks == 1
