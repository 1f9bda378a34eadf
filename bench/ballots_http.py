"""The council vote over HTTP on PostgreSQL, through gunicorn (issue 10, "Speed" and "Done
when"):

1. **Casting.** 2,000 ballots sealed at cast (the counting committee's key, the default)
   through the HTTP API with 16 concurrent clients against gunicorn -w 4: ballots per second,
   median and 99th-percentile latency. Baseline in the same run, same server: the same
   clients on the bare Flask endpoint ``/healthz``. The count must be exact.
2. **Closing.** The 20 polls (100 ballots each: 2,000 sealed ballots) closed over HTTP with two
   of the committee's three key shares: each close rebuilds the key, opens the poll's sealed
   ballots, shuffles them and the receipts, stores them in a fresh table and counts once.
   Total and slowest close.
3. **The race** (``--race`` alone, or after the bench): 20 runs of 16 heads casting and the
   host closing at the same moment (a barrier), on the vote's last day; each run checks that
   every ballot answered 201 with a receipt is counted (answered = counted = receipts = roll
   marks) and that every other answer is a 409 ``poll_not_open``.

Needs a PostgreSQL server: THIDUA_BENCH_DATABASE_URL (default
postgresql+psycopg://postgres@127.0.0.1:5432/test); a throw-away database is created and
dropped. ``python bench/ballots_http.py [--only bench|race]``."""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _common import create_database
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm.attributes import flag_modified

ROOT = Path(__file__).resolve().parent.parent
UNITS, POLLS, CLIENTS, WORKERS = 100, 20, 16, 4
NOW = "2022-02-20T09:00:00+07:00"
LAST_DAY = "2022-02-28T09:00:00+07:00"  # the race: the host may close with units still voting
RACE_RUNS, RACE_HEADS = 20, 16
PASSWORD = "k7#Qm2-vXr9!pL4z-Phieu"  # noqa: S105 - a throw-away database
AUDIT_KEY = "bench-audit-key-0123456789abcdef"
# the throw-away database's audit anchor: never the instance folder's (the real app's)
ANCHOR = os.path.join(tempfile.mkdtemp(prefix="thidua-bench-"), "audit-anchor.json")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(url: str, now: str = NOW) -> tuple[list[tuple[str, str, str]], dict[str, list[str]],
                                                str]:
    """Schema by migrations, 100 units with heads and tokens, a campaign with 20 open polls
    sealed to the counting committee's key. Returns the (token, poll, unit) jobs, two key
    shares per poll (as two members of the committee would enter them) and the host's
    token."""
    from datetime import datetime

    from flask_migrate import upgrade

    from core import create_app
    from core.config import TIMEZONE, parse_now
    from core.extensions import db
    from core.models import Unit, User
    from core.services import accounts, campaigns, clock, voting

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "THIDUA_NOW": parse_now(now),
                      "SECRET_KEY": "bench", "THIDUA_AUDIT_KEY": AUDIT_KEY,
                      "THIDUA_AUDIT_ANCHOR": ANCHOR,
                      "THIDUA_ARGON2": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}})
    jobs = []
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        admin = accounts.create_user("admin", "Quản trị", PASSWORD, admin=True, actor=None)
        now = clock.now()
        codes = [f"so-{i:03d}" for i in range(UNITS)]
        db.session.add_all(Unit(code=c, name=f"Sở {c}", short_name=c, created_at=now)
                           for c in codes)
        db.session.flush()
        for c in codes:  # through the service: passwords hashed, accounts sealed, audited
            accounts.create_user(f"head-{c}", f"Thủ trưởng {c}", PASSWORD, unit_code=c,
                                 role="head", actor=None)
        db.session.commit()
        roles = ["leader", "deputy"] + ["member"] * (UNITS - 2)
        campaign = campaigns.open_campaign(
            "khoi-8", 2021, [campaigns.MemberSpec(c, r) for c, r in zip(codes, roles, strict=True)],
            actor=admin)
        config = campaign.snapshot["voting"]["config"]
        config["polls"] = [{"code": f"p{i:02d}", "title": f"Phiếu {i}", "method": "approval",
                            "seats": 2, "candidates": "members", "min_choices": 1,
                            "max_choices": None, "elects": None} for i in range(POLLS)]
        flag_modified(campaign, "snapshot")
        db.session.commit()
        board = accounts.create_user("board", "Ban TĐKT", PASSWORD, board=True, actor=None)
        shares = {}
        for i in range(POLLS):
            opened = voting.open_poll(campaign, f"p{i:02d}", actor=board, force=True,
                                      reason="Đo tốc độ: chưa thẩm định")
            assert opened.seal == "committee", opened.seal
            shares[opened.code] = [opened.issued_shares[0], opened.issued_shares[2]]
        host_token = accounts.issue_token(board)
        heads = list(db.session.scalars(select(User).where(User.role == "head")))
        for head in heads:
            token = accounts.issue_token(head)
            for i in range(POLLS):
                jobs.append((token, f"p{i:02d}", head.unit.code))
        db.session.commit()  # services only flush: the caller's unit of work commits
        db.engine.dispose()
    assert datetime.now(TIMEZONE)  # keep the import honest
    return jobs, shares, host_token


def run_clients(port: int, jobs: list, make_request) -> tuple[list[float], list[int], float]:
    chunks = [jobs[i::CLIENTS] for i in range(CLIENTS)]
    latencies: list[float] = []
    statuses: list[int] = []
    lock = threading.Lock()

    def client(chunk):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine_l, mine_s = [], []
        for job in chunk:
            method, path, body, headers = make_request(job)
            start = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            mine_l.append(time.perf_counter() - start)
            mine_s.append(response.status)
        conn.close()
        with lock:
            latencies.extend(mine_l)
            statuses.extend(mine_s)

    threads = [threading.Thread(target=client, args=(c,)) for c in chunks]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, statuses, time.perf_counter() - start


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


def start_server(url: str, now: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "THIDUA_NOW": now, "THIDUA_AUDIT_KEY": AUDIT_KEY,
           "THIDUA_AUDIT_ANCHOR": ANCHOR,
           "THIDUA_SECRET_KEY": "bench", "THIDUA_LOAD_ENTRY_POINTS": "0"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(WORKERS), "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env)
    for _ in range(100):
        try:
            probe = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            probe.request("GET", "/healthz")
            probe.getresponse().read()
            break
        except OSError:
            time.sleep(0.2)
    return server, port


def post(port: int, path: str, token: str, body: dict | None = None) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("POST", f"/api/v1/campaigns/khoi-8/2021/polls/{path}",
                 body=json.dumps(body or {}),
                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    response = conn.getresponse()
    data = json.loads(response.read() or b"{}")
    conn.close()
    return response.status, data


def bench(url: str) -> None:
    jobs, shares, host = prepare(url)
    server, port = start_server(url, NOW)
    try:
        warm = [("", "", "")] * 200
        run_clients(port, warm, lambda j: ("GET", "/healthz", None, {}))
        base_lat, base_status, base_elapsed = run_clients(
            port, [("", "", "")] * len(jobs), lambda j: ("GET", "/healthz", None, {}))
        assert set(base_status) == {200}

        def ballot(job):
            token, poll, unit = job
            body = json.dumps({"choices": ["so-000" if unit != "so-000" else "so-001"]})
            return ("POST", f"/api/v1/campaigns/khoi-8/2021/polls/{poll}/ballots", body,
                    {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})

        latencies, statuses, elapsed = run_clients(port, jobs, ballot)
        engine = create_engine(url)
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT count(*) FROM ballots")).scalar_one()
            marked = conn.execute(text(
                "SELECT count(*) FROM voter_rolls WHERE voted_on IS NOT NULL")).scalar_one()
        ok = statuses.count(201)
        closes = []
        for poll, two in sorted(shares.items()):
            start = time.perf_counter()
            status, body = post(port, f"{poll}/close", host, {"shares": two})
            closes.append(time.perf_counter() - start)
            assert status == 200, body
        with engine.connect() as conn:
            opened = conn.execute(text("SELECT count(*) FROM opened_ballots")).scalar_one()
            sealed = conn.execute(text("SELECT count(*) FROM ballots")).scalar_one()
            voted = conn.execute(text(
                "SELECT sum((result->>'voted')::int) FROM poll_results")).scalar_one()
        engine.dispose()
        print(f"\n{len(jobs):,} sealed ballots over HTTP, {CLIENTS} clients, gunicorn -w "
              f"{WORKERS}, PostgreSQL ({POLLS} polls × {UNITS} units, committee seal)")
        print(f"  {'':<28}{'per second':>12}{'median ms':>12}{'p99 ms':>10}")
        print(f"  {'GET /healthz (baseline)':<28}{len(base_lat) / base_elapsed:>12.0f}"
              f"{statistics.median(base_lat) * 1000:>12.1f}{p99(base_lat) * 1000:>10.1f}")
        print(f"  {'POST …/ballots':<28}{ok / elapsed:>12.0f}"
              f"{statistics.median(latencies) * 1000:>12.1f}{p99(latencies) * 1000:>10.1f}")
        print(f"  ratio of median latency: "
              f"{statistics.median(latencies) / statistics.median(base_lat):.1f}× the bare page")
        print(f"  accepted {ok}/{len(jobs)}; ballots stored {stored}; roll marks {marked}")
        print(f"  close with 2 of 3 key shares, {POLLS} polls ({opened:,} ballots opened, "
              f"shuffled, stored): {sum(closes):.2f} s in all, slowest poll "
              f"{max(closes) * 1000:.0f} ms, median {statistics.median(closes) * 1000:.0f} ms")
        assert ok == stored == marked == len(jobs), "ballot count is not exact"
        assert opened == voted == len(jobs) and sealed == 0, (opened, voted, sealed)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def race(url: str) -> None:
    """RACE_RUNS runs, one poll each: RACE_HEADS casts and the close released together."""
    jobs, shares, host = prepare(url, LAST_DAY)
    tokens = {}
    for token, _poll, unit in jobs:
        tokens.setdefault(unit, token)
    heads = list(tokens.items())[:RACE_HEADS]
    server, port = start_server(url, LAST_DAY)
    engine = create_engine(url)
    failures, answered_total, refused_total = [], 0, 0
    started = time.perf_counter()
    try:
        for run in range(RACE_RUNS):
            poll = f"p{run:02d}"
            barrier = threading.Barrier(len(heads) + 1)
            answers: dict[str, int] = {}
            lock = threading.Lock()

            def cast(unit, token, poll=poll, barrier=barrier, answers=answers, lock=lock):
                barrier.wait(timeout=30)
                choice = "so-000" if unit != "so-000" else "so-001"
                status, _body = post(port, f"{poll}/ballots", token, {"choices": [choice]})
                with lock:
                    answers[unit] = status

            def close(poll=poll, barrier=barrier, answers=answers, lock=lock):
                barrier.wait(timeout=30)
                time.sleep(0.005)  # lands among the casts, not before all of them
                status, body = post(port, f"{poll}/close", host, {"shares": shares[poll]})
                with lock:
                    answers["close"] = status

            threads = [threading.Thread(target=cast, args=h) for h in heads]
            threads.append(threading.Thread(target=close))
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=120)
            close_status = answers.pop("close")
            answered = sum(1 for v in answers.values() if v == 201)
            refused = sum(1 for v in answers.values() if v == 409)
            with engine.connect() as conn:
                poll_id = conn.execute(text("SELECT id FROM polls WHERE code = :c"),
                                       {"c": poll}).scalar_one()
                counted = conn.execute(text(
                    "SELECT (result->>'voted')::int FROM poll_results WHERE poll_id = :p"),
                    {"p": poll_id}).scalar_one()
                receipts = conn.execute(text("SELECT count(*) FROM receipts WHERE poll_id = :p"),
                                        {"p": poll_id}).scalar_one()
                marks = conn.execute(text(
                    "SELECT count(*) FROM voter_rolls WHERE poll_id = :p AND voted_on IS NOT "
                    "NULL"), {"p": poll_id}).scalar_one()
            ok = (close_status == 200 and answered + refused == len(heads)
                  and answered == counted == receipts == marks)
            answered_total += answered
            refused_total += refused
            if not ok:
                failures.append((poll, close_status, answered, refused, counted, receipts,
                                 marks))
    finally:
        engine.dispose()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    print(f"\nRace through gunicorn -w {WORKERS}, PostgreSQL: {RACE_RUNS} runs of "
          f"{len(heads)} casts and a close at the same moment ({time.perf_counter() - started:.1f}"
          " s)")
    print(f"  ballots answered 201 with a receipt: {answered_total}, refused 409 (closed): "
          f"{refused_total}; runs where a receipted ballot was not counted: {len(failures)}")
    assert not failures, failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("bench", "race"))
    parser.add_argument("--race", action="store_true", help="the race only (= --only race)")
    args = parser.parse_args()
    only = "race" if args.race else args.only
    sys.path.insert(0, str(ROOT))
    for step in (("bench", bench), ("race", race)):
        if only not in (None, step[0]):
            continue
        url, drop = create_database()
        if os.path.exists(ANCHOR):  # each throw-away database its own anchor
            os.remove(ANCHOR)
        try:
            step[1](url)
        finally:
            drop()


if __name__ == "__main__":
    main()
