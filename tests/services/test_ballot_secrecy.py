"""Secrecy against whoever holds the database: ballots sealed at cast, opened at close into a
fresh table in random order, receipts apart; the committee's key shares; who sees counts
before publication; no early close. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from sqlalchemy import select, text

from core.extensions import db
from core.models import Ballot, OpenedBallot, Poll, Receipt
from tests.support import database_kind
from tests.support.guards import FORCE
from tests.support.shares import api_close, use_server_seal
from tests.support.voting import HEADS, Api, at

POLL = "bang-khen"  # approval, up to 2 choices among the 8 members
# 8 distinct ballots, cast in this order (the unit order of HEADS)
CAST = [[c] for c in sorted(HEADS)]


@pytest.fixture
def vote_day(app, client, demo):
    at(app, 2022, 2, 20, 9, 0)
    return Api(client, "tttt.canbo")


def _cast_all(client, poll: str = POLL) -> list[str]:
    receipts = []
    for unit, choices in zip(HEADS, CAST, strict=True):
        response = Api(client, HEADS[unit]).post(f"/polls/{poll}/ballots",
                                                 json={"choices": choices})
        assert response.status_code == 201, response.get_json()
        receipts.append(response.get_json()["receipt"])
    return receipts


def _poll(code: str = POLL) -> Poll:
    db.session.expire_all()
    return db.session.scalar(select(Poll).where(Poll.code == code))


def _physical_order(table: str, poll_id: int) -> list[str]:
    """The rows' choices in physical order: ``ctid`` on PostgreSQL, ``rowid`` on SQLite."""
    column = "ctid" if database_kind() == "postgresql" else "rowid"
    rows = db.session.execute(text(f"SELECT choices FROM {table} WHERE poll_id = :p "
                                   f"ORDER BY {column}"), {"p": poll_id}).all()
    return [r[0] if isinstance(r[0], list) else __import__("json").loads(r[0]) for r in rows]


def test_committee_mode_shares_shown_once_and_two_open_the_ballots(app, client, vote_day):
    leader = vote_day
    opened = leader.post(f"/polls/{POLL}/open", json=FORCE)  # the default: the committee holds the key
    assert opened.status_code == 200, opened.get_json()
    body = opened.get_json()
    shares = body["shares"]
    assert body["seal"] == "committee" and len(shares) == 3 and body["shares_needed"] == 2
    poll = _poll()
    assert poll.private_key is None and len(poll.public_key) == 64
    # the shares are stored nowhere: not in the poll, not in the audit log
    dump = str([tuple(r) for r in db.session.execute(text("SELECT * FROM polls")).all()])
    events = str([tuple(r) for r in db.session.execute(
        text("SELECT details FROM audit_events")).all()])
    assert not any(s.split("-")[1] in dump + events for s in shares)
    assert leader.get(f"/polls/{POLL}").get_json().get("shares") is None
    _cast_all(client)
    sealed = db.session.scalars(select(Ballot.sealed)).all()
    assert len(sealed) == 8 and all(b"so-" not in bytes(s) for s in sealed)

    missing = leader.post(f"/polls/{POLL}/close")
    assert missing.status_code == 422
    assert missing.get_json()["error"]["code"] == "shares_required"
    wrong = leader.post(f"/polls/{POLL}/close", json={"shares": [shares[0], shares[0]]})
    assert wrong.status_code == 422 and wrong.get_json()["error"]["code"] == "shares_invalid"
    assert _poll().status == "open" and db.session.query(Ballot).count() == 8
    closed = leader.post(f"/polls/{POLL}/close", json={"shares": [shares[2], shares[0]]})
    assert closed.status_code == 200, closed.get_json()
    assert db.session.query(Ballot).count() == 0
    assert sorted(map(tuple, db.session.scalars(select(OpenedBallot.choices)))) == \
        sorted(map(tuple, CAST))
    result = leader.get(f"/polls/{POLL}/result").get_json()
    assert result["voted"] == 8 and result["consistency"]["ok"] is True
    assert {c["votes"] for c in result["counts"]} == {1}


def test_server_mode_key_is_destroyed_at_close(app, client, vote_day):
    leader = vote_day
    # Khối 8 asks for the committee: the host cannot choose the weaker mode
    refused = leader.post(f"/polls/{POLL}/open", json={"seal": "server", **FORCE})
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "seal_committee_required"
    use_server_seal()  # a bloc whose voting parameters say seal="server"
    body = leader.post(f"/polls/{POLL}/open", json=FORCE).get_json()
    assert body["seal"] == "server" and body["shares"] == []
    assert len(_poll().private_key) == 64
    _cast_all(client)
    assert api_close(leader, POLL).status_code == 200
    poll = _poll()
    assert poll.private_key is None and poll.status == "closed"
    assert db.session.query(Ballot).count() == 0


def test_after_close_nothing_physical_links_a_ballot_to_its_unit(app, client, vote_day):
    """Cast 8 distinct ballots in a known order; after close the opened ballots' physical
    order (ctid / rowid), their transaction id (xmin) and the receipts' order follow neither
    the cast order nor the audit log's; the sealed rows are gone."""
    leader = vote_day
    leader.post(f"/polls/{POLL}/open", json=FORCE)
    receipts = _cast_all(client)
    poll = _poll()
    cast_xmins = []
    if database_kind() == "postgresql":
        cast_xmins = [r[0] for r in db.session.execute(
            text("SELECT xmin::text FROM ballots WHERE poll_id = :p"), {"p": poll.id})]
        assert len(set(cast_xmins)) == 8  # one transaction per ballot while open
    assert api_close(leader, POLL).status_code == 200
    db.session.expire_all()
    assert db.session.query(Ballot).count() == 0  # the sealed rows are deleted

    order = _physical_order("opened_ballots", poll.id)
    assert sorted(map(tuple, order)) == sorted(map(tuple, CAST))
    # 1 chance in 8! that a fair shuffle reproduces the cast order
    assert order != CAST
    by_id = [c for c in db.session.scalars(select(OpenedBallot.choices)
                                            .order_by(OpenedBallot.id))]
    assert by_id != CAST  # random ids: their order is random too
    receipt_order = list(db.session.scalars(
        text("SELECT receipt_hash FROM receipts WHERE poll_id = :p ORDER BY "
             + ("ctid" if database_kind() == "postgresql" else "rowid")), {"p": poll.id}))
    import hashlib

    cast_hashes = [hashlib.sha256(r.encode()).hexdigest() for r in receipts]
    assert sorted(receipt_order) == sorted(cast_hashes) and receipt_order != cast_hashes
    assert db.session.query(Receipt).count() == 8

    if database_kind() == "postgresql":
        xmins = {r[0] for r in db.session.execute(
            text("SELECT xmin::text FROM opened_ballots WHERE poll_id = :p"), {"p": poll.id})}
        receipt_xmins = {r[0] for r in db.session.execute(
            text("SELECT xmin::text FROM receipts WHERE poll_id = :p"), {"p": poll.id})}
        # all written by the closing transaction: one xmin, shared by every ballot
        assert len(xmins) == 1 and xmins == receipt_xmins
        assert not xmins & set(cast_xmins)


@pytest.mark.skipif(database_kind() != "postgresql" or shutil.which("pg_dump") is None,
                    reason="pg_dump of the PostgreSQL test database")
def test_pg_dump_order_of_opened_ballots_is_not_the_cast_order(app, client, vote_day):
    leader = vote_day
    leader.post(f"/polls/{POLL}/open", json=FORCE)
    _cast_all(client)
    assert api_close(leader, POLL).status_code == 200
    db.session.commit()
    url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    dumped = subprocess.run(["pg_dump", "--data-only", "--table=opened_ballots", url],
                            capture_output=True, text=True, check=True, timeout=60).stdout
    rows = [line.split("\t") for line in dumped.splitlines()
            if line.count("\t") == 2 and not line.startswith(("--", "COPY"))]
    import json

    order = [json.loads(r[2]) for r in rows]
    assert sorted(map(tuple, order)) == sorted(map(tuple, CAST))
    assert order != CAST
    assert "so-" not in subprocess.run(
        ["pg_dump", "--data-only", "--table=ballots", url], capture_output=True, text=True,
        check=True, timeout=60).stdout.split("COPY", 1)[-1]


def test_no_early_close_unless_every_unit_voted(app, client, vote_day, monkeypatch):
    leader = vote_day
    leader.post("/polls/co-thi-dua/open", json=FORCE)
    Api(client, HEADS["so-yte"]).post("/polls/co-thi-dua/ballots",
                                      json={"choices": ["so-vhttdl"]})
    early = api_close(leader, "co-thi-dua")
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "poll_not_complete"
    # the attendance: when every unit present has voted, the host may close
    from core.services import meeting

    monkeypatch.setattr(meeting, "present_units", lambda campaign: ["so-yte"], raising=False)
    assert api_close(leader, "co-thi-dua").status_code == 200
    # one ballot of 8: quorum fails, the stored result shows the turnout only
    result = leader.get("/polls/co-thi-dua/result").get_json()
    assert result["counts"] == [] and result["voted"] == 1 and result["valid"] is None


def test_every_unit_voted_allows_an_early_close(app, client, vote_day):
    vote_day.post(f"/polls/{POLL}/open", json=FORCE)
    _cast_all(client)
    assert api_close(vote_day, POLL).status_code == 200


def test_counts_before_publication_are_for_the_host_and_board_only(app, client, vote_day):
    leader = vote_day
    leader.post(f"/polls/{POLL}/open", json=FORCE)
    _cast_all(client)
    api_close(leader, POLL)
    assert leader.get(f"/polls/{POLL}/result").status_code == 200
    assert Api(client, "bantdkt").get(f"/polls/{POLL}/result").status_code == 200
    assert Api(client, "ldtbxh.canbo").get(f"/polls/{POLL}/result").status_code == 403  # deputy
    assert Api(client, "yte.thutruong").get(f"/polls/{POLL}/result").status_code == 403
    assert leader.post(f"/polls/{POLL}/publish").status_code == 200
    assert Api(client, "ldtbxh.canbo").get(f"/polls/{POLL}/result").status_code == 200


def test_audit_verify_says_plainly_when_counts_differ(app, client, vote_day, runner):
    leader = vote_day
    leader.post(f"/polls/{POLL}/open", json=FORCE)
    _cast_all(client)
    api_close(leader, POLL)
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "khớp nhau" in ok.output, ok.output
    db.session.delete(db.session.scalars(select(Receipt)).first())
    db.session.commit()
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code != 0
    assert "KHÔNG KHỚP" in broken.output and "khoi-8/2021/bang-khen" in broken.output
    result = leader.get(f"/polls/{POLL}/result").get_json()["consistency"]
    assert result["ok"] is False and result["receipts"] == 7 and result["counted"] == 8
